"""Every command's --help reads as written: argparse expands ``%`` only in an argument's help,
not in a parser's description, so ``95%%`` there printed as "95%%" (run, compare, fit and
backtest did)."""

import pytest

from staffsim.cli.main import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_doubled_percent(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "%%" not in out and "%(" not in out, [line for line in out.splitlines() if "%" in line]


# --- errors name the flag typed, with the value, and nothing internal

@pytest.mark.parametrize("argv, message", [
    (["erlang", "--volume", "-1", "--aht", "180", "--threshold", "20s", "--target", ".8"],
     "staffsim: error: --volume: must be a number >= 0, got -1\n"),
    (["erlang", "--volume", "100", "--aht", "0", "--threshold", "20s", "--target", ".8"],
     "staffsim: error: --aht: must be > 0 when --volume is, got 0\n"),
    (["sweep", "scenarios/bank.yaml", "--param", "channels.voice.self_service.deflection=a:b"],
     ("staffsim: error: --param channels.voice.self_service.deflection: a range is start:stop:step, "
      "got 'a:b'\n")),
    (["sweep", "scenarios/bank.yaml", "--param", "channels.voice.self_service.deflection=0.1,0.1"],
     "staffsim: error: --param channels.voice.self_service.deflection: a value is listed twice"),
    # the argument's name ("horizon: ...") was printed where the user typed a flag
    (["forecast", "examples/history/intervals.csv", "--horizon", "0"], "staffsim: error: --horizon: "),
    (["forecast", "examples/history/intervals.csv", "--start", "2026-99-01"], "staffsim: error: --start: "),
    (["fit", "examples/history/contacts.csv.gz", "--slot", "0"], "staffsim: error: --slot: "),
    (["backtest", "examples/history/center.yaml", "--observed", "examples/history/contacts.csv.gz",
      "--staffing", "examples/history/staffing.csv", "--start", "2026-02-31"], "staffsim: error: --start: "),
    # the verification's flags without --verify were ignored without a word
    (["schedule", "scenarios/peaky_day.yaml", "--rules", "scenarios/rules/peaky_day.yaml", "--trim"],
     "staffsim: error: schedule: --trim is for --verify"),
    (["schedule", "scenarios/peaky_day.yaml", "--rules", "scenarios/rules/peaky_day.yaml", "--rounds", "3"],
     "staffsim: error: schedule: --rounds is for --verify"),
    (["assign", "examples/people/roster", "--agents", "examples/people/agents.csv", "--time-limit", "0"],
     "staffsim: error: --time-limit: must be a number of seconds > 0, got 0\n"),
])
def test_errors_name_the_flag_typed(argv, message, capsys, monkeypatch, root):
    monkeypatch.chdir(root)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "(channel 'slot')" not in err, err


def test_one_replication_is_singular(capsys, monkeypatch, root):
    from staffsim.formatting import count_of

    assert count_of(1, "replication") == "1 replication" and count_of(1200, "day") == "1,200 days"
    monkeypatch.chdir(root)
    assert main(["run", "scenarios/automation.yaml", "-n", "1", "--no-progress"]) == 0
    assert " - 1 replication of a day, seed " in capsys.readouterr().out  # was "1 replications"


def test_erlang_writes_durations_as_people_do(capsys):
    """The header reads "per 30min slot, AHT 5min, threshold 24h" (it read "per 1800s slot, AHT
    300s, threshold 86400s")."""
    assert main(["erlang", "--volume", "100", "--aht", "300", "--threshold", "24h", "--target", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "100 contacts per 30min slot, AHT 5min, threshold 24h" in out
    assert "required agents for 90% in 24h: " in out and "86400" not in out
