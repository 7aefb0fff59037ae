"""Long runs with the output redirected (a batch job's log, no terminal) say they are alive: a
line at most every ``LOG_EVERY_S`` (30 s) seconds. ``run``, ``compare``, ``sweep`` and
``backtest`` have had it through their progress bar; the ISA requirement search and the forecast
printed their lines on a terminal only, so a redirected search printed nothing until it ended.
Here the interval is shortened so that a small search spans several."""

import time
from pathlib import Path

import pytest
from test_certificates import small_isa_scenario

import staffsim.progress
from staffsim import isa
from staffsim.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def slow_batches(monkeypatch):
    """Every simulated batch of the search takes 0.2 s more; heartbeats every 0.05 s."""
    monkeypatch.setattr(staffsim.progress, "LOG_EVERY_S", 0.05)
    real = isa.run_batch

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(isa, "run_batch", slow)


def test_redirected_isa_search_says_it_is_alive(slow_batches, tmp_path, capsys):
    path = small_isa_scenario(tmp_path)
    assert main(["requirement", str(path), "-n", "4", "--jobs", "1", "--no-check"]) == 0
    err = capsys.readouterr().err  # capsys is not a terminal, as a log file is not
    beats = [line for line in err.splitlines() if line.startswith("requirement: still working after")]
    assert len(beats) >= 2, err
    assert any("; last: iteration 1" in line for line in beats), beats


def test_no_progress_silences_it(slow_batches, tmp_path, capsys):
    path = small_isa_scenario(tmp_path)
    assert main(["requirement", str(path), "-n", "4", "--jobs", "1", "--no-check", "--no-progress"]) == 0
    assert "still working" not in capsys.readouterr().err


def test_redirected_forecast_says_it_is_alive(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(staffsim.progress, "LOG_EVERY_S", 0.01)
    import importlib

    fc = importlib.import_module("staffsim.history.forecast")
    real = fc.forecast

    def slow(*args, **kwargs):
        time.sleep(0.1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fc, "forecast", slow)
    assert main(["forecast", str(ROOT / "examples/history/intervals.csv"), "--horizon", "1w"]) == 0
    assert "forecast: still working after" in capsys.readouterr().err


def _slowed(monkeypatch, module_name, name, delay=0.2):
    import importlib

    module = importlib.import_module(module_name)
    real = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(delay)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def test_redirected_schedule_and_assign_say_they_are_alive(monkeypatch, tmp_path, capsys):
    """The integer programs report nothing while they solve (a solve may take its whole time
    limit, 60 s by default): redirected, the commands print a line every interval meanwhile."""
    monkeypatch.setattr(staffsim.progress, "LOG_EVERY_S", 0.02)
    _slowed(monkeypatch, "staffsim.scheduling", "schedule")
    assert main(["schedule", str(ROOT / "scenarios/peaky_day.yaml"), "--rules",
                 str(ROOT / "scenarios/rules/peaky_day.yaml")]) == 0
    assert "schedule: still working after" in capsys.readouterr().err
    _slowed(monkeypatch, "staffsim.people.assignment", "assign")
    assert main(["assign", str(ROOT / "examples/people/roster"), "--agents",
                 str(ROOT / "examples/people/agents.csv"), "--weeks", "1"]) == 0
    assert "assign: still working after" in capsys.readouterr().err
