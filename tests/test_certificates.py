"""No certificate without the work (issue 22, item 1): the closed loops (schedule --verify, the
ISA requirement) check that every simulation they asked for finished. A round cut short by Ctrl-C
or a lost worker is reported as such (exit 130 / 3, the files say so and how many replications
ran), never as converged; an undefined interval is "not enough replications", never "meets".

The interruption is injected where the loops call the simulator: the fake returns what
``run_batch`` returns when a run is cut short after m replications (the real first m
replications, ``complete=False`` and ``stopped`` saying why), or raises what it raises when
nothing had finished. One test sends a real SIGINT to a running ``staffsim schedule --verify``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from staffsim import experiment, isa, load_scenario, schedule
from staffsim.cli import main
from staffsim.errors import WorkerLost
from staffsim.requirement import requirement
from staffsim.scheduling import verify as verify_mod

ROOT = Path(__file__).resolve().parents[1]
PEAKY = ROOT / "scenarios" / "peaky_day.yaml"
PEAKY_RULES = ROOT / "scenarios" / "rules" / "peaky_day.yaml"
LOST = "worker process 1234 was lost (killed by signal 9) while running replication 1 of peaky"


def cut_short(after: int, stopped: str, from_call: int = 1):
    """A stand-in for ``simulate`` whose calls from number ``from_call`` on are cut short after
    ``after`` replications (0: nothing finished, so it raises as run_batch does)."""
    calls = []

    def fake(scenario, replications=None, seed=None, jobs=1, **kw):
        calls.append(replications)
        if len(calls) < from_call:
            return experiment.simulate(scenario, replications, seed, jobs, **kw)
        if after == 0:
            if stopped == "interrupted":
                raise KeyboardInterrupt
            raise WorkerLost(f"{stopped}; no replication had finished")
        result = experiment.simulate(scenario, after, seed, jobs, **kw)
        return dataclasses.replace(result, complete=False, stopped=stopped)

    fake.calls = calls
    return fake


# ------------------------------------------------------------------ schedule --verify

@pytest.mark.parametrize("stopped,code", [("interrupted", 130), (LOST, 3)])
def test_verify_cut_short_after_one_replication_certifies_nothing(monkeypatch, tmp_path, capsys,
                                                                  stopped, code):
    monkeypatch.setattr(verify_mod, "simulate", cut_short(1, stopped))
    out_dir = tmp_path / "o"
    got = main(["schedule", str(PEAKY), "--rules", str(PEAKY_RULES), "--verify", "-n", "10",
                "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert got == code, err
    assert "Every slot meets" not in out and "meets its targets" not in out
    assert "NOT verified" in out and "1 of 10 replications" in out
    data = json.loads((out_dir / "roster.json").read_text())["verification"]
    assert data["converged"] is False and data["complete"] is False
    assert data["replications"] == 10 and data["replications_run"] == 1
    assert data["interrupted"] is (stopped == "interrupted")
    assert data["incomplete"] == stopped


def test_verify_cut_short_before_any_replication_keeps_the_roster(monkeypatch):
    """Round 2 interrupted before a replication finished: round 1 is kept, nothing certified."""
    fake = cut_short(0, "interrupted", from_call=2)
    monkeypatch.setattr(verify_mod, "simulate", fake)
    roster = schedule(load_scenario(PEAKY), "erlang", PEAKY_RULES, verify=True, rounds=5,
                      replications=20, seed=7)
    v = roster.verification
    assert len(fake.calls) == 2, "round 1 must have missed for this test to reach round 2"
    assert not v.complete and v.interrupted and not v.converged
    assert v.replications_run == 0 and list(v.rounds["replications"]) == [20, 0]
    assert "before any replication finished" in v.stopped


def test_incomplete_round_is_never_converged_even_without_misses(monkeypatch):
    """An incomplete round whose slots show no miss (one replication: every interval undefined)
    is still not a certificate."""
    sc = load_scenario(PEAKY)
    monkeypatch.setattr(verify_mod, "simulate", cut_short(1, "interrupted"))
    roster = schedule(sc, "erlang", PEAKY_RULES, verify=True, replications=10, seed=7)
    v = roster.verification
    assert v.missing.empty  # nothing is beyond an undefined interval ...
    assert not v.converged  # ... and yet nothing is certified
    assert len(v.undetermined) > 0


def test_undefined_interval_is_not_enough_replications(monkeypatch):
    """A complete round in which one slot has a value but no interval: not shown to meet."""
    real = experiment.simulate

    def no_interval_at_noon(scenario, replications=None, seed=None, jobs=1, **kw):
        result = real(scenario, replications, seed, jobs, **kw)
        slots = result.slots.copy()
        slots.loc[slots["slot_start"] == "12:00", "service_level_ci"] = np.nan
        return dataclasses.replace(result, slots=slots)

    monkeypatch.setattr(verify_mod, "simulate", no_interval_at_noon)
    # a requirement far above need: no slot misses, so only the undefined interval is left
    sc = load_scenario(PEAKY)
    from staffsim.requirement import erlang_requirement
    base = erlang_requirement(sc)
    table = base.table.copy()
    table["agents"] = table["agents"] + 6
    req = dataclasses.replace(base, table=table)
    roster = schedule(sc, req, PEAKY_RULES, verify=True, replications=4, seed=7)
    v = roster.verification
    assert v.complete and v.missing.empty
    assert not v.converged
    assert set(v.undetermined["slot_start"]) == {"12:00"}
    assert "not enough replications" in v.stopped


#: ``staffsim`` (its ``main``, as ``python -m staffsim`` runs it) with one library function
#: wrapped to leave a marker file each time it is called, so that a test sends its signal when the
#: run is known to be there (not after a guessed sleep)
DRIVER = """
import importlib, os, sys
from staffsim.cli import main
module = importlib.import_module(os.environ["WATCH_MODULE"])
real = getattr(module, os.environ["WATCH_NAME"])
calls = []
def watched(*args, **kwargs):
    calls.append(1)
    open(os.path.join(os.environ["MARKS"], f"call-{len(calls)}"), "w").close()
    return real(*args, **kwargs)
setattr(module, os.environ["WATCH_NAME"], watched)
sys.exit(main(sys.argv[1:]))
"""


def _started(tmp_path: Path, module: str, name: str, call: int, argv: list[str],
             timeout: float = 120.0) -> subprocess.Popen:
    """``staffsim argv`` in a new process, returned once its ``call``-th call of ``module.name``
    has begun."""
    marks = tmp_path / "marks"
    marks.mkdir()
    (tmp_path / "driver.py").write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MARKS": str(marks), "WATCH_MODULE": module,
           "WATCH_NAME": name}
    proc = subprocess.Popen([sys.executable, str(tmp_path / "driver.py"), *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    end = time.monotonic() + timeout
    while not (marks / f"call-{call}").exists():
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            _, err = proc.communicate()
            raise AssertionError(f"{name} was not called {call} time(s): exit {proc.returncode}\n{err[-2000:]}")
        time.sleep(0.05)
    return proc


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_real_ctrl_c_during_verify_never_certifies(tmp_path):
    """A real SIGINT once a long verify is simulating: exit 130, no certificate printed."""
    proc = _started(tmp_path, "staffsim.scheduling.verify", "simulate", 1,
                    ["schedule", str(PEAKY), "--rules", str(PEAKY_RULES), "--verify", "-n", "400",
                     "--jobs", "1", "--no-progress", "--out", str(tmp_path / "o")])
    assert proc.poll() is None, "the run ended before the signal: make it longer"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Every slot meets" not in out
    if (tmp_path / "o" / "roster.json").exists():
        data = json.loads((tmp_path / "o" / "roster.json").read_text())["verification"]
        assert data["converged"] is False and data["complete"] is False
        assert data["replications_run"] < 400


# ------------------------------------------------------------------ the ISA requirement

def isa_cut_short(stopped: str, from_call: int, after: int = 1):
    calls = []
    real = experiment.run_batch

    def fake(scenarios, replications=None, seed=None, jobs=1, **kw):
        calls.append(len(scenarios))
        if len(calls) < from_call:
            return real(scenarios, replications, seed, jobs, **kw)
        if after == 0:
            if stopped == "interrupted":
                raise KeyboardInterrupt
            raise WorkerLost(f"{stopped}; no replication had finished")
        return [dataclasses.replace(r, complete=False, stopped=stopped)
                for r in real(scenarios, after, seed, jobs, **kw)]

    fake.calls = calls
    return fake


def small_isa_scenario(tmp_path):
    import yaml
    data = {"name": "isa small", "horizon": {"start": "08:00", "end": "10:00", "slot": "30min"},
            "channels": {"voice": {"volume": [40, 60, 60, 40], "handle_time": "180s",
                                   "target": {"service_level": 0.8, "threshold": "20s"}}},
            "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
            "run": {"replications": 4, "seed": 3}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("stopped,code,word", [("interrupted", 130, "interrupted"),
                                               (LOST, 3, "was lost")])
def test_isa_cut_short_keeps_what_finished_and_says_so(monkeypatch, tmp_path, capsys, stopped, code, word):
    path = small_isa_scenario(tmp_path)
    fake = isa_cut_short(stopped, from_call=2)
    monkeypatch.setattr(isa, "run_batch", fake)
    got = main(["requirement", str(path), "-n", "4", "--jobs", "1", "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert got == code, err
    assert len(fake.calls) == 2
    assert "NOT converged" in out and "cut short" in out and "as far as searched" in out
    assert word in err
    data = json.loads((tmp_path / "o" / "requirement.json").read_text())
    assert data["converged"] is False and data["incomplete"] == stopped
    assert (tmp_path / "o" / "requirement.csv").exists()


def test_isa_cut_short_in_the_first_batch_has_nothing_to_keep(monkeypatch, tmp_path):
    path = small_isa_scenario(tmp_path)
    sc = load_scenario(path)
    monkeypatch.setattr(isa, "run_batch", isa_cut_short(LOST, from_call=1))
    with pytest.raises(WorkerLost, match="was lost"):
        requirement(sc, "isa", 4, jobs=1)
    monkeypatch.setattr(isa, "run_batch", isa_cut_short("interrupted", from_call=1, after=0))
    with pytest.raises(KeyboardInterrupt):
        requirement(sc, "isa", 4, jobs=1)


def test_isa_worker_lost_is_exit_3_not_interrupted(monkeypatch, tmp_path, capsys):
    """A worker lost with nothing finished: exit 3 naming the worker, not 'interrupted'."""
    path = small_isa_scenario(tmp_path)
    monkeypatch.setattr(isa, "run_batch", isa_cut_short(LOST, from_call=1, after=0))
    got = main(["requirement", str(path), "-n", "4", "--jobs", "1"])
    err = capsys.readouterr().err
    assert got == 3 and "was lost" in err and "interrupted" not in err


def test_schedule_refuses_a_cut_short_isa_requirement(monkeypatch, tmp_path):
    path = small_isa_scenario(tmp_path)
    monkeypatch.setattr(isa, "run_batch", isa_cut_short(LOST, from_call=2))
    rules = {"teams": {"team": {"templates": [{"name": "t", "length": "2h", "earliest_start": "08:00",
                                                "latest_start": "08:00"}]}}}
    with pytest.raises(WorkerLost, match="no roster was made"):
        schedule(load_scenario(path), "isa", rules, replications=4, jobs=1)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_real_ctrl_c_during_isa_keeps_what_finished(tmp_path):
    """A real SIGINT in the middle of an ISA search: exit 130; when the signal lands while a batch
    is simulating (most of the time), the requirement as far as searched is printed and written,
    marked NOT converged."""
    # the week's search takes minutes, so the signal always lands during it: in its second batch
    # of simulations (the first one's results are there to keep)
    proc = _started(tmp_path, "staffsim.isa", "run_batch", 2,
                    ["requirement", str(ROOT / "scenarios" / "week.yaml"), "--method", "isa", "-n", "2",
                     "--jobs", "1", "--no-progress", "--out", str(tmp_path / "o")])
    assert proc.poll() is None, "the search ended before the signal: make it longer"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    # never a positive "converged" (the per-day lines say "NOT converged; day 2: ...")
    assert not re.search(r"(?<!NOT )converged;", out) and not re.search(r": (?!.*NOT )converged", out)
    if out:
        assert "NOT converged (cut short: interrupted" in out
        data = json.loads((tmp_path / "o" / "requirement.json").read_text())
        assert data["converged"] is False and data["incomplete"] == "interrupted"
