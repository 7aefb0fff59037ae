"""Malformed and hostile inputs: one clear message and exit 2 (CLI) or an error naming the argument
(API); never a hang, a traceback, or an unbounded message. The README's "Reliability" table lists
these cases."""

import math

import numpy as np
import pytest
import yaml

from staffsim import InputError, load_scenario, simulate
from staffsim.cli import main
from staffsim.limits import MAX_CONTACTS, MAX_CONTACTS_LOGGED, MAX_CONTACTS_PER_DAY
from staffsim.models import erlang, erlang_a

SCENARIO = """\
name: t
horizon: {start: "08:00", end: "10:00", slot: 1h}
channels:
  voice:
    volume: [10, 20]
    handle_time: 180s
    target: {service_level: 0.8, threshold: 20s}
agents:
  - group: g
    skills: [voice]
    shifts: [{start: "08:00", end: "10:00", agents: 3}]
"""


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def refused(capsys, *argv):
    code, _, err = cli(capsys, *argv)
    assert code == 2, err
    assert err.startswith("staffsim: error: ") and len(err) < 3000
    return err


def bomb(levels=9, width=9, name="b"):
    """A 'billion laughs': each level lists the one below `width` times (width^levels values)."""
    lines = [f"{name}0: &{name}0 [{', '.join(['1'] * width)}]"]
    for k in range(1, levels):
        lines.append(f"{name}{k}: &{name}{k} [{', '.join([f'*{name}{k - 1}'] * width)}]")
    return lines


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# --- YAML -----------------------------------------------------------------------------------

def test_alias_bomb_in_a_field_is_refused_fast(capsys, tmp_path):
    lines = bomb()
    text = "\n".join(lines[:-1]) + "\n" + SCENARIO.replace("[10, 20]", "*b7")
    err = refused(capsys, "validate", write(tmp_path, "s.yaml", text))
    assert "aliases (*name) expand this document by more than 1,000,000 values" in err
    assert "line " in err


def test_alias_bomb_in_targets_is_refused(capsys, tmp_path, root):
    targets = write(tmp_path, "t.yaml", "\n".join(bomb(name="x")) + "\ndefault: {service_level: 0.8, "
                    "threshold: 20s}\n")
    err = refused(capsys, "plan", root / "scenarios" / "forecast" / "weekday.csv", "--targets", targets)
    assert "t.yaml" in err and "aliases" in err


def test_recursive_alias_and_deep_nesting(capsys, tmp_path):
    err = refused(capsys, "validate", write(tmp_path, "r.yaml", SCENARIO.replace("[10, 20]", "&v [*v]")))
    assert "refers to the collection that contains it" in err
    err = refused(capsys, "validate", write(tmp_path, "d.yaml", "name: " + "[" * 1000 + "]" * 1000))
    assert "nested too deeply" in err


def test_set_values_are_read_by_the_same_yaml_reader(capsys, tmp_path):
    path = write(tmp_path, "s.yaml", SCENARIO)
    err = refused(capsys, "validate", path, "--set", "channels.voice.volume=&v [*v]")
    assert "--set channels.voice.volume" in err and "refers to the collection" in err


def test_key_given_twice_names_the_key_and_both_lines(capsys, tmp_path):
    text = SCENARIO.replace("    volume: [10, 20]\n", "    volume: [10, 20]\n    volume: [5, 5]\n")
    err = refused(capsys, "validate", write(tmp_path, "s.yaml", text))
    assert "key 'volume' is given twice (lines 5 and 6)" in err


def test_typos_name_every_problem_with_suggestions(capsys, tmp_path):
    text = (SCENARIO.replace("channels:", "chanels:").replace("agents:\n", "agnets:\n"))
    err = refused(capsys, "validate", write(tmp_path, "s.yaml", text))
    lines = err.strip().splitlines()
    assert lines[0].endswith("s.yaml: 4 problems:")
    assert "unknown field 'chanels' (did you mean 'channels'?" in err
    assert "unknown field 'agnets' (did you mean 'agents'?" in err
    assert "channels: is required" in err and "agents: is required" in err
    assert len(lines) == 5 and "and 1 more problem" not in err

    err = refused(capsys, "validate", write(tmp_path, "h.yaml", SCENARIO.replace("handle_time", "handel_time")))
    assert "channels.voice: unknown field 'handel_time' (did you mean 'handle_time'?" in err
    # (handle_time itself is not required of every channel: an appointment channel has a length)


def test_a_thousand_problems_are_counted_not_printed(capsys, tmp_path):
    text = SCENARIO.replace("[10, 20]", "[" + ", ".join(["x"] * 1000) + "]")
    err = refused(capsys, "validate", write(tmp_path, "s.yaml", text))
    assert "... and 980 more problems" in err and len(err.splitlines()) == 22


def test_messages_quote_short_excerpts_of_huge_values(capsys, tmp_path):
    err = refused(capsys, "validate", write(tmp_path, "s.yaml", SCENARIO.replace("[10, 20]", "x" * 10**5)))
    assert "channels.voice.volume" in err and len(err) < 500
    huge = "[" + ", ".join(["[" + ", ".join(["1"] * 100) + "]"] * 50) + "]"
    err = refused(capsys, "validate", write(tmp_path, "n.yaml", SCENARIO.replace("[10, 20]", huge)))
    assert "channels.voice.volume" in err and len(err) < 3000


# --- output paths ---------------------------------------------------------------------------

@pytest.fixture
def no_simulation(monkeypatch):
    import staffsim.experiment as experiment
    import staffsim.sweeps as sweeps

    def fail(*args, **kwargs):
        raise AssertionError("simulated before checking --out")

    for name in ("simulate", "compare"):
        monkeypatch.setattr(experiment, name, fail)
    monkeypatch.setattr(sweeps, "sweep", fail)


def test_out_is_checked_before_simulating(capsys, tmp_path, root, no_simulation):
    bank = root / "scenarios" / "bank.yaml"
    a_file = write(tmp_path, "a_file", "x")
    taken = tmp_path / "taken"
    (taken / "slots.csv").mkdir(parents=True)
    cases = [
        (["run", bank, "--out", a_file], "is a file; give a directory"),
        (["run", bank, "--out", a_file / "sub"], "a_file is a file, so nothing can be written under it"),
        (["run", bank, "--out", taken], "slots.csv is a directory there"),
        (["compare", bank, bank, "--out", a_file], "is a file; give a directory"),
        (["sweep", bank, "--param", "absence=0,0.1", "--out", a_file / "x"], "nothing can be written under it"),
    ]
    for argv, words in cases:
        err = refused(capsys, *argv)
        assert words in err, (argv, err)
    assert a_file.read_text() == "x"


def test_plan_output_and_forecast_paths(capsys, tmp_path, root):
    forecast = root / "scenarios" / "forecast" / "weekday.csv"
    a_file = write(tmp_path, "a_file", "x")
    err = refused(capsys, "plan", forecast, "--out", tmp_path)
    assert "is a directory; give a file name" in err
    err = refused(capsys, "plan", forecast, "--out", a_file / "plan.csv")
    assert "nothing can be written under it" in err
    err = refused(capsys, "plan", tmp_path, "--targets", root / "scenarios" / "forecast" / "targets.yaml")
    assert "is a directory, not a forecast file" in err
    scenario = write(tmp_path, "s.yaml", SCENARIO.replace("[10, 20]", f"{{file: {tmp_path}}}"))
    err = refused(capsys, "validate", scenario)
    assert "channels.voice.volume" in err and "is a directory" in err


# --- astronomical values --------------------------------------------------------------------

def test_astronomical_traffic_has_a_stated_limit():
    for fn in (lambda: erlang.required_agents(2.0**53 * 1.5, 180, 20, 0.8),
               lambda: erlang_a.required_agents(1e300, 180, 300, 20, 0.8),
               lambda: erlang.service_level(1e15, 2e15, 180, 20)):
        with pytest.raises(ValueError, match=r"traffic: at most 1e\+07 Erlangs"):
            fn()
    with pytest.raises(ValueError, match=r"agents: at most 1e\+09"):
        erlang.erlang_b(10.0, 1e12)
    with pytest.raises(ValueError, match=r"patience: at most 1e\+50 x aht"):
        erlang_a.metrics(10.0, 12, 180.0, 1e300, 20.0)
    # answers at the limits, in bounded time
    assert erlang.required_agents(1e7, 180, 20, 0.8) > 1e7
    assert erlang.required_agents(1e4, 180, 20, 0.8, max_asa=1e-300) > 1e4
    with pytest.raises(ValueError, match="max_occupancy: the cap needs more than"):
        erlang.required_agents(10.0, 180, 20, 0.8, max_occupancy=1e-12)


def test_erlang_command_limits(capsys):
    base = ["erlang", "--aht", "180", "--threshold", "20"]
    err = refused(capsys, *base, "--volume", "100", "--agents", "0:10000000")
    assert "a range of at most 10,000 agent counts, got 10,000,001" in err
    err = refused(capsys, *base, "--volume", "1e308", "--agents", "3")
    assert "Erlangs; staffsim's limit is 1e+07" in err
    err = refused(capsys, *base, "--volume", "100", "--agents", "10000000000")
    assert "agents: at most 1e+09" in err


def test_scenario_limits(capsys, tmp_path):
    cases = [
        (SCENARIO.replace("[10, 20]", "[10000000, 20]"),
         f"on day 1 (volume x volume_factor) is beyond the simulator's limit of {MAX_CONTACTS_PER_DAY:,} a day"),
        (SCENARIO.replace("[10, 20]", "[1000000, 0]").replace("slot: 1h}", "slot: 1h, days: 150}"),
         f"150,000,000 contacts offered per replication (volume x volume_factor over the horizon; 'voice' "
         f"has 150,000,000) is beyond the simulator's limit of {MAX_CONTACTS:,}"),
        (SCENARIO.replace("slot: 1h}", "slot: 1h, days: 1000000000}"), "beyond staffsim's limit of 200,000 slots"),
        (SCENARIO.replace("agents: 3}", "agents: 1000000000000}"), "must be <= 100000"),
        (SCENARIO + "run: {replications: 1000000000}\n", "run.replications: must be <= 100000"),
    ]
    for text, words in cases:
        err = refused(capsys, "validate", write(tmp_path, "s.yaml", text))
        assert words in err, err
    path = write(tmp_path, "ok.yaml", SCENARIO)
    err = refused(capsys, "run", path, "--set", "channels.voice.volume_factor=1e300")
    assert "contacts offered per replication" in err


def test_forecast_volume_beyond_the_limit_names_the_forecast(capsys, tmp_path, root):
    forecast = write(tmp_path, "f.csv", "channel,slot_start,volume,aht_s\nvoice,08:00,1e308,180\n"
                     "voice,08:30,10,180\n")
    err = refused(capsys, "plan", forecast, "--targets", root / "scenarios" / "forecast" / "targets.yaml")
    assert "f.csv: channel 'voice', slot 08:00" in err and "Erlangs" in err
    assert "targets.yaml" not in err


# --- the Python API -------------------------------------------------------------------------

def test_api_names_the_argument(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    cases = [
        # a path is a scenario too now (issue 21 item 7); something else is still named
        (lambda: simulate(42), TypeError, "scenario: expected a Scenario"),
        (lambda: simulate(sc, 2.5), TypeError, "replications: must be a whole number, got float"),
        (lambda: simulate(sc, "3"), TypeError, "replications: must be a whole number, got str"),
        (lambda: simulate(sc, 2, "2026"), TypeError, "seed: must be a whole number, got str"),
        (lambda: simulate(sc, 0), InputError, "replications: must be a whole number from 1"),
        (lambda: erlang.erlang_c("ten", 12), TypeError, "traffic: must be a number"),
        (lambda: erlang.service_level(10.0, "12", 180, 20), TypeError, "agents: must be a number"),
        (lambda: erlang_a.metrics(10.0, 12, 180, None, 20), TypeError, "patience: must be a number"),
        (lambda: erlang.required_agents(10.0, 180, 20, True), TypeError, "target: must be a number"),
    ]
    for fn, kind, words in cases:
        with pytest.raises(kind, match=words):
            fn()
    # arrays of numbers still broadcast
    assert np.allclose(erlang.erlang_c(np.array([5.0, 10.0]), [8, 12]),
                       [erlang.erlang_c(5.0, 8), erlang.erlang_c(10.0, 12)])
    assert math.isfinite(erlang.erlang_c(np.float32(10.0), np.int64(12)))


def test_binary_and_overflowing_files(capsys, tmp_path):
    err = refused(capsys, "validate", write(tmp_path, "b.yaml", "name: \x00\x01"))
    assert "character #x0000 at position 6 is not allowed" in err and len(err.splitlines()) == 1
    err = refused(capsys, "validate", write(tmp_path, "o.yaml", SCENARIO.replace("[10, 20]", "[1e308, 1e308]")))
    assert "inf contacts offered per replication" in err


def test_size_limits_of_files_and_models(capsys, tmp_path, monkeypatch, root):
    import staffsim.scenarios.forecast as forecast
    import staffsim.scenarios.yamlio as yamlio

    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", 1000)
    err = refused(capsys, "validate", write(tmp_path, "big.yaml", SCENARIO + "#" * 1000 + "\n"))
    assert "larger than" in err and "staffsim reads YAML files up to that size" in err
    monkeypatch.setattr(forecast, "MAX_FORECAST_ROWS", 10)
    err = refused(capsys, "plan", root / "scenarios" / "forecast" / "weekday.csv")
    assert "more than 10 rows" in err
    base = ["erlang", "--volume", "100", "--aht", "180", "--threshold", "20", "--agents", "5"]
    err = refused(capsys, *base, "--concurrency", "1000")
    assert "concurrency: must be a whole number from 1 to 100" in err
    err = refused(capsys, *base, "--concurrency-stretch", "1e6")
    assert "--concurrency-stretch: must be a number from 1 to 100" in err  # the flag typed


def test_a_long_horizon_is_allowed_but_its_contact_log_is_bounded(tmp_path):
    # a year of a planner's volumes is simulated in bounded memory (folded at every midnight);
    # only the per-contact log, which keeps every attempt, is limited
    from staffsim import InputError, scenario_from_dict, simulate

    data = yaml.safe_load(SCENARIO.replace("[10, 20]", "[10000, 10000]").replace("slot: 1h}", "slot: 1h, days: 300}"))
    sc = scenario_from_dict(data)
    assert sum(v.sum() for v in sc.volumes.values()) == 6_000_000 > MAX_CONTACTS_LOGGED
    with pytest.raises(InputError, match=f"the per-contact log of 6,000,000 contacts is beyond the limit of "
                                         f"{MAX_CONTACTS_LOGGED:,}"):
        simulate(sc, replications=1, contacts=True)
