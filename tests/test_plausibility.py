"""Legal values that are almost certainly unit mistakes are warned about once, naming the file and
field; --quiet silences them; the shipped examples raise none."""

import warnings
from pathlib import Path

import pytest

from staffsim.cli import main
from staffsim.plausibility import PlausibilityWarning
from staffsim.scenarios.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_erlang_slot_in_seconds_by_mistake(capsys):
    argv = ["erlang", "--volume", "100", "--slot", "30", "--aht", "180", "--threshold", "20",
            "--agents", "14"]
    code, out, err = _run(capsys, *argv)
    assert code == 0 and err.count("staffsim: warning:") == 1 and "--slot" in err and "30min" in err
    code, out, err = _run(capsys, *argv, "--quiet")
    assert code == 0 and err == ""


def test_forecast_aht_in_minutes(capsys, tmp_path):
    f = tmp_path / "f.csv"
    f.write_text("channel,slot_start,volume,aht_s\n" + "".join(
        f"voice,{h:02d}:00,100,3\nvoice,{h:02d}:30,100,3.5\n" for h in range(8, 12)))
    code, out, err = _run(capsys, "plan", str(f), "--targets", str(ROOT / "scenarios/forecast/targets.yaml"))
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("staffsim: warning:")]
    assert len(lines) == 1 and "f.csv" in lines[0] and "voice" in lines[0] and "aht_s" in lines[0]


@pytest.mark.parametrize("override,field", [
    ({"channels.voice.handle_time.mean": 3}, "channels.voice.handle_time"),
    ({"channels.voice.handle_time.mean": "5h"}, "channels.voice.handle_time"),
    ({"channels.voice.target.threshold": "1h"}, "channels.voice.target.threshold"),
])
def test_scenario_values(override, field):
    with pytest.warns(PlausibilityWarning, match=field.replace(".", r"\.")):
        load_scenario(ROOT / "scenarios/bank.yaml", overrides=override)


def test_shipped_examples_raise_no_warning(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlausibilityWarning)
        for path in sorted((ROOT / "scenarios").glob("*.yaml")):
            load_scenario(path)
    code, _, err = _run(capsys, "plan", str(ROOT / "scenarios/forecast/weekday.csv"), "--targets",
                        str(ROOT / "scenarios/forecast/targets.yaml"))
    assert code == 0 and "warning" not in err
