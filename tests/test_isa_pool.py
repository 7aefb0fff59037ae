"""ISA that scales (issue 18 item 5): one pool of worker processes kept for a whole simulated
requirement (search, validation, out-of-sample check), the same answer for one and two worker
processes, the pool's behaviour when a task raises, a worker is killed or Ctrl-C arrives; and the
shipped four-channel week (loads, runs with the engine's audit on, every team searchable day by
day)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffsim import executors, load_scenario, scenario_from_dict, simulate
from staffsim.executors import INTERRUPTED, WorkerPool, run_tasks
from staffsim.isa_parts import days_independent
from staffsim.requirement import requirement, team_channels

ROOT = Path(__file__).resolve().parents[1]


class Bar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _pid_and_shared(shared, task):
    return os.getpid(), shared, task


def _raise_on_two(shared, task):
    if task == 2:
        raise ValueError("task two")
    return task


def _die_on_one(shared, task):
    if task == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return task


def _ctrl_c_to_parent(shared, task):
    if task == 0:
        os.kill(os.getppid(), signal.SIGINT)
    time.sleep(0.3)
    return task


def _dead(workers):
    return all(w.process.exitcode is not None for w in workers)


def test_pool_keeps_its_workers_and_gives_each_call_its_shared_data():
    with WorkerPool(2) as pool:
        first = run_tasks(_pid_and_shared, list(range(6)), 2, Bar(), shared="a", pool=pool)
        second = run_tasks(_pid_and_shared, list(range(6)), 2, Bar(), shared="b", pool=pool)
        workers = list(pool.workers)
        assert pool.starts == 2
    assert first.stopped is None and second.stopped is None
    assert [t for _, _, t in first.results] == list(range(6))
    assert {s for _, s, _ in first.results} == {"a"} and {s for _, s, _ in second.results} == {"b"}
    pids = {p for p, _, _ in first.results} | {p for p, _, _ in second.results}
    assert pids <= {w.process.pid for w in workers} and os.getpid() not in pids
    assert _dead(workers) and pool.workers == []  # leaving the block reaps them


def test_pool_after_a_task_raises_reaps_and_starts_afresh():
    with WorkerPool(2) as pool:
        with pytest.raises(ValueError, match="task two"):
            run_tasks(_raise_on_two, list(range(5)), 2, Bar(), pool=pool)
        assert pool.workers == []
        again = run_tasks(_pid_and_shared, [0, 1, 2], 2, Bar(), shared=1, pool=pool)
        assert [t for _, _, t in again.results] == [0, 1, 2] and pool.starts == 4


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="a real SIGKILL of a worker")
def test_pool_with_a_killed_worker_names_it_keeps_the_prefix_and_reaps_the_rest():
    with WorkerPool(2) as pool:
        out = run_tasks(_die_on_one, list(range(6)), 2, Bar(), pool=pool)
        assert out.stopped is not None and "was killed by SIGKILL" in out.stopped and "task 1" in out.stopped
        assert out.results == [0]
        assert pool.workers == [] and multiprocessing.active_children() == []


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
def test_pool_stops_on_ctrl_c_and_reaps_its_workers():
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with WorkerPool(2) as pool:
            out = run_tasks(_ctrl_c_to_parent, list(range(40)), 2, Bar(), pool=pool)
            assert out.stopped == INTERRUPTED
            assert len(out.results) < 40  # queued tasks were cancelled
            assert pool.workers == [] and multiprocessing.active_children() == []
    finally:
        signal.signal(signal.SIGINT, previous)


def two_days():
    return scenario_from_dict({
        "name": "two days", "horizon": {"start": "08:00", "end": "11:00", "slot": "1h", "days": 2},
        "channels": {"voice": {"volume": [40, 70, 30, 30, 60, 50], "handle_time": "180s",
                               "patience": {"dist": "exponential", "mean": "3min"},
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
        "run": {"replications": 3, "seed": 9}})


def test_one_and_two_worker_processes_give_the_same_requirement_with_one_pool(monkeypatch):
    """Searched by day, validated and checked out of sample: the same staffing, verdicts, KPIs,
    validation and out-of-sample counts with one process and with two; and with two, one pool
    of two workers serves every batch of the run (started once, not once per iteration)."""
    sc = two_days()
    one = requirement(sc, "isa", 3, jobs=1, rule="interval", validate=True)
    started = []
    real = executors._Worker

    def counted(*args, **kw):
        started.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(executors, "_Worker", counted)
    two = requirement(sc, "isa", 3, jobs=2, rule="interval", validate=True)
    assert one.iterations > 2  # several batches ran ...
    assert len(started) == 2   # ... on the same two workers
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.kpis, two.kpis)
    for key in ("in_sample", "out_of_sample", "erlang_out_of_sample", "validation", "converged",
                "agent_slots", "searched_by_day"):
        assert one.extra["teams"]["team"][key] == two.extra["teams"]["team"][key], key


def test_four_channel_week_loads_runs_under_the_audit_and_splits_by_day():
    """The shipped four-channel week: four channels, three teams; one replication with the
    engine's audit on (conftest sets STAFFSIM_AUDIT) balances every channel's contacts; every
    team's days are independent (so the simulated requirement searches it day by day)."""
    sc = load_scenario(ROOT / "scenarios" / "week_four_channels.yaml")
    assert list(sc.channels) == ["voice", "chat", "whatsapp", "social"]
    teams = team_channels(sc)
    assert teams == {"phones": ["voice"], "web": ["chat"], "messaging": ["whatsapp", "social"]}
    for g, ch in teams.items():
        assert days_independent(sc, ch) == (True, ""), g
    assert float(sc.volumes["social"].sum()) > 0 and float(sc.volumes["whatsapp"].sum()) > 0
    res = simulate(sc, replications=1, jobs=1, progress=False)
    per = res.per_replication.set_index("channel")
    for c in sc.channels:
        row = per.loc[c]
        assert row["offered"] > 0
        assert row["offered"] == row["deflected"] + row["answered"] + row["abandoned"] + row["unfinished"], c
    # Sunday is closed: no volume, no agents
    days = sc.spec.horizon.slot_days()
    assert np.all(np.asarray(days) < 6)


def _children(pid: int) -> set[int]:
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="/proc lists the worker processes")
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_real_signal_during_isa_with_the_kept_pool_reaps_every_worker(tmp_path, sig, code):
    """SIGTERM or Ctrl-C sent to `staffsim requirement --jobs 2` while its kept pool works: the
    command exits 143 / 130 within seconds and none of the worker processes it had is left."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "staffsim", "requirement", str(ROOT / "scenarios" / "week.yaml"),
         "-n", "2", "--jobs", "2", "--no-progress", "--out", str(tmp_path / "o")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(seen) < 2 and proc.poll() is None:
        seen |= _children(proc.pid)
        time.sleep(0.2)
    time.sleep(1.0)
    seen |= _children(proc.pid)
    assert proc.poll() is None, "the search ended before the signal"
    assert seen, "no worker process was seen"
    proc.send_signal(sig)
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert time.monotonic() - start < 30
    time.sleep(0.5)
    assert not [p for p in seen if _alive(p)], "a worker process outlived the command"
