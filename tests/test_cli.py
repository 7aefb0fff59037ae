"""The command line: outputs, exit codes, and the README's commands."""

import json
import re

import pandas as pd
import pytest

from staffsim.cli import main
from staffsim.models import erlang


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_erlang_agents_table(capsys):
    code, out, _ = run(capsys, "erlang", "--volume", "100", "--slot", "30min", "--aht", "180s",
                       "--threshold", "20s", "--agents", "14", "--format", "json")
    assert code == 0
    row = json.loads(out)["rows"][0]
    assert row["agents"] == 14
    assert row["service_level"] == pytest.approx(erlang.service_level(10.0, 14, 180, 20), rel=1e-12)


def test_erlang_target_and_range(capsys):
    code, out, _ = run(capsys, "erlang", "--volume", "100", "--aht", "3min", "--threshold", "20s",
                       "--target", "0.8", "--patience", "300s", "--max-occupancy", "0.85",
                       "--shrinkage", "0.3")
    assert code == 0 and "required agents for 80% in 20s: 13" in out
    code, out, _ = run(capsys, "erlang", "--volume", "100", "--aht", "180", "--threshold", "20",
                       "--agents", "10:20", "--format", "json")
    rows = json.loads(out)["rows"]
    assert [r["agents"] for r in rows] == list(range(10, 21))
    assert rows[0]["asa_s"] == "inf"  # 10 agents for 10 Erlangs: overload, written as "inf"


def test_plan_outputs(capsys, tmp_path, root):
    out_file = tmp_path / "plan.csv"
    code, out, _ = run(capsys, "plan", str(root / "scenarios" / "forecast" / "weekday.csv"),
                       "--out", str(out_file))
    # writing to a file: a summary on the terminal, not the 72 rows
    assert code == 0 and "Plan per channel" in out and "plan written to" in out
    assert len(out.splitlines()) < 25 and "10:30" in out  # the peak slot is named
    plan = pd.read_csv(out_file, keep_default_na=False)
    assert len(plan) == 72 and {"agents", "scheduled", "asa_s", "binding"} <= set(plan.columns)
    assert set("+".join(plan["binding"]).split("+")) <= {"service_level", "asa", "abandon", "occupancy"}
    code, out, _ = run(capsys, "plan", str(root / "scenarios" / "forecast" / "weekday.csv"))
    assert code == 0 and "Totals per channel" in out and len(out.splitlines()) > 72
    code, out, _ = run(capsys, "plan", str(root / "scenarios" / "forecast" / "weekday.csv"),
                       "--format", "json")
    assert json.loads(out)["slot_s"] == 1800.0


@pytest.mark.parametrize("argv,match", [
    (["erlang", "--volume", "-5", "--aht", "180", "--threshold", "20", "--agents", "3"], "volume"),
    (["erlang", "--volume", "5", "--aht", "3 weeks", "--threshold", "20", "--agents", "3"], "--aht"),
    (["erlang", "--volume", "5", "--aht", "180", "--threshold", "20", "--target", "1.5"], "--target"),
    (["erlang", "--volume", "5", "--aht", "180", "--threshold", "20", "--agents", "9:3"], "range"),
    (["erlang", "--volume", "5", "--aht", "180", "--threshold", "0s", "--slot", "0", "--agents", "3"], "slot"),
    (["plan", "no/such/file.csv"], "file not found"),
    (["bogus"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_message(capsys, argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert match in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_plan_output_not_half_written_on_error(capsys, tmp_path, root):
    out_file = tmp_path / "plan.csv"
    out_file.write_text("previous plan\n")
    bad = tmp_path / "f.csv"
    bad.write_text("channel,slot_start,volume,aht_s\nvoice,08:00,x,180\n")
    code, _, _ = run(capsys, "plan", str(bad), "--targets", str(root / "scenarios" / "forecast" / "targets.yaml"),
                     "--out", str(out_file))
    assert code == 2 and out_file.read_text() == "previous plan\n"


def test_readme_setup_commands_match_ci(root):
    text = (root / "README.md").read_text()
    setup = re.search(r"## Quick start.*?```bash\n(.*?)```", text, flags=re.S).group(1).splitlines()
    setup = [line for line in setup if line.strip() and not line.startswith("#")]
    assert len(setup) == 2, "exactly two set-up commands: install+run, and the tests"
    assert setup[0].startswith("pip install -e .") and "staffsim " in setup[0]
    ci = (root / ".ci" / "run").read_text()
    assert setup[1] in ci


def test_validate_examples(capsys, root):
    files = [str(p) for p in sorted((root / "scenarios").glob("*.yaml"))]
    code, out, _ = run(capsys, "validate", *files)
    assert code == 0 and out.count(": ok - ") == len(files)


def test_validate_bad_scenario_exits_2(capsys, tmp_path, root):
    bad = tmp_path / "bad.yaml"
    bad.write_text((root / "scenarios" / "bank.yaml").read_text().replace("skills: [email]", "skills: [fax]"))
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2 and "agents.1.skills: 'fax' is not a channel" in err
    assert len(err.strip().splitlines()) == 1


def test_run_writes_outputs(capsys, tmp_path, root):
    out = tmp_path / "run"
    code, text, _ = run(capsys, "run", str(root / "scenarios" / "bank.yaml"), "-n", "3", "--seed", "5",
                        "--set", "channels.chat.volume_factor=1.3", "--out", str(out), "--contacts")
    assert code == 0 and "3 replications of a day, seed 5" in text and "Money per team" in text
    assert "per team" in text and "front voice, chat" in " ".join(text.split())
    names = {p.name for p in out.iterdir()}
    assert {"slots.csv", "summary.csv", "groups.csv", "plan.csv", "teams.csv", "result.json",
            "contacts.csv"} <= names
    teams = pd.read_csv(out / "teams.csv")
    assert list(teams["team"]) == ["front", "back_office"]
    summary = pd.read_csv(out / "summary.csv").set_index("channel")
    # the channels' agent cost is the teams' pay, allocated: it adds up to what the teams are paid
    assert teams["agent_cost"].sum() == pytest.approx(summary.loc["all", "agent_cost"], rel=1e-9)
    assert not [n for n in names if n.endswith(".tmp")]
    meta = json.loads((out / "result.json").read_text())
    assert meta["seed"] == 5 and meta["replications"] == 3 and meta["version"]
    assert meta["scenario_data"]["channels"]["chat"]["volume_factor"] == 1.3
    slots = pd.read_csv(out / "slots.csv")
    assert {"service_level", "service_level_ci", "asa_s", "staffed_agents"} <= set(slots.columns)
    assert len(slots) == 3 * 24


def test_run_json_and_bad_flags(capsys, root):
    code, out, _ = run(capsys, "run", str(root / "scenarios" / "travel_agency.yaml"), "-n", "2",
                       "--format", "json")
    assert code == 0 and json.loads(out)["replications"] == 2
    for argv, match in (
        (["-n", "0"], "replications"),
        (["--set", "channels.voice.patience.mean=-3"], "channels.voice.patience.mean"),
        (["--seed", "-1"], "seed"),
        (["--contacts"], "--contacts needs --out"),
    ):
        code, _, err = run(capsys, "run", str(root / "scenarios" / "bank.yaml"), *argv)
        assert code == 2 and match in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_json_handles_dates_and_infinities():
    import datetime

    from staffsim.io import dumps

    data = json.loads(dumps({"day": datetime.date(2026, 3, 2), "asa": float("inf"), "nan": float("nan")}))
    assert data == {"day": "2026-03-02", "asa": "inf", "nan": None}


def test_jobs_must_be_positive(capsys, root):
    code, _, err = run(capsys, "run", str(root / "scenarios" / "bank.yaml"), "-n", "1", "--jobs", "0")
    assert code == 2 and "jobs: must be a whole number >= 1" in err
