"""benchmarks/bench_isa_team.py (docs/guides/speed.md) runs: on a small scenario, its capture of
the ISA search's replications and their replay through the engine print figures (no time is
asserted)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from staffsim import experiment

ROOT = Path(__file__).resolve().parents[1]


def bench():
    spec = importlib.util.spec_from_file_location("bench_isa_team", ROOT / "benchmarks" / "bench_isa_team.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_isa_team_prints_its_figures(monkeypatch, capsys):
    mod = bench()
    # the benchmark turns the invariant audit off for timing: put it back for the tests that follow
    # on this worker (monkeypatch restores the variable when it had it set)
    monkeypatch.setenv("STAFFSIM_AUDIT", os.environ.get("STAFFSIM_AUDIT", "1"))
    monkeypatch.setattr(sys, "argv", ["bench_isa_team.py", "--scenario", str(ROOT / "scenarios" / "peak_ramp.yaml"),
                                      "-n", "2", "--sample", "5", "--rounds", "1", "--max-iterations", "2"])
    mod.main()
    out = capsys.readouterr().out
    assert "ISA search, 2 replications, jobs=1" in out
    assert "engine (run_replication):" in out and "worker task (engine + KPIs):" in out
    assert experiment._replicate.__name__ == "_replicate"  # the capture put the worker back
