"""Where tasks run, when things go wrong in the local process pool: a worker killed by the
operating system (a real SIGKILL) and a task that raises."""

import json
import multiprocessing
import os
import signal

import pandas as pd
import pytest
from helpers import explode_on_three, slow_first, stationary

from staffsim import experiment, simulate
from staffsim.cli import main
from staffsim.errors import WorkerLost
from staffsim.executors import INTERRUPTED, run_tasks


class Bar:
    def __init__(self):
        self.updates, self.closed = 0, False

    def update(self, n=1):
        self.updates += n

    def close(self):
        self.closed = True


def small():
    return stationary(300.0, 180.0, 18, patience=240.0, hours=4, replications=12, seed=3)


@pytest.fixture
def kill_replication(monkeypatch):
    """Make the worker that runs replication ``n`` kill its own process with SIGKILL, as the
    out-of-memory killer would. The pool's workers are forked, so they see the patch."""
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched replication reaches the workers only when they are forked")
    original = experiment._replicate

    def arm(n):
        def replicate(args):
            if args[2] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(args)
        monkeypatch.setattr(experiment, "_replicate", replicate)
    return arm


def test_a_killed_worker_stops_the_run_and_keeps_what_finished(kill_replication):
    kill_replication(6)
    part = simulate(small(), jobs=2, progress=False)
    assert not part.complete and 1 <= part.replications <= 6
    assert part.stopped.startswith("a worker process (pid ")
    assert "was killed by SIGKILL" in part.stopped
    assert part.stopped.endswith("while running replication 6 of stationary")
    clean = simulate(small(), replications=part.replications, jobs=1)
    pd.testing.assert_frame_equal(part.slots, clean.slots, check_exact=True)
    pd.testing.assert_frame_equal(part.per_replication, clean.per_replication, check_exact=True)


def test_a_killed_worker_in_the_cli_writes_what_finished_and_exits_3(kill_replication, capsys, tmp_path):
    kill_replication(5)
    sc = small()
    path = tmp_path / "small.yaml"
    import yaml

    path.write_text(yaml.safe_dump(sc.raw))
    code = main(["run", str(path), "--jobs", "2", "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1, err
    assert "was killed by SIGKILL" in err[0] and "while running replication 5 of small" in err[0]
    meta = json.loads((tmp_path / "out" / "result.json").read_text())
    assert meta["complete"] is False and 1 <= meta["replications"] <= 5
    assert "replication 5 of small" in meta["stopped"]
    assert err[0].endswith(f"kept the {meta['replications']} replication(s) that had finished")


def test_a_worker_killed_before_anything_finished(kill_replication):
    kill_replication(0)
    with pytest.raises(WorkerLost, match="while running replication 0 of stationary; no replication had finished"):
        simulate(small(), replications=2, jobs=2, progress=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_task_that_raises_is_named_not_swallowed(monkeypatch, jobs):
    original = experiment._replicate

    def buggy(args):
        if args[2] == 3:
            raise ZeroDivisionError("a bug")
        return original(args)

    monkeypatch.setattr(experiment, "_replicate", buggy)
    with pytest.raises(ZeroDivisionError, match="a bug") as info:
        simulate(small(), jobs=jobs, progress=False)
    assert "(while running replication 3 of stationary)" in info.value.__notes__


def test_run_tasks_order_interrupt_and_errors():
    bar = Bar()
    out = run_tasks(explode_on_three, [0, 1, 2], 2, bar, shared=10, describe=lambda i: f"item {i}")
    assert out.results == [10, 11, 12] and out.stopped is None and bar.updates == 3 and bar.closed
    with pytest.raises(ZeroDivisionError) as info:
        run_tasks(explode_on_three, [0, 1, 2, 3, 4], 1, Bar(), shared=10, describe=lambda i: f"item {i}")
    assert info.value.__notes__ == ["(while running item 3)"]

    class CtrlC(Bar):
        def update(self, n=1):
            super().update(n)
            if self.updates == 2:
                raise KeyboardInterrupt

    out = run_tasks(explode_on_three, [0, 1, 2], 1, CtrlC(), shared=10)
    assert out.results == [10, 11] and out.stopped == INTERRUPTED


def test_ctrl_c_from_the_progress_display_lets_running_tasks_finish():
    """A ``KeyboardInterrupt`` raised by the caller's progress display (a notebook's interrupt, a
    test's stand-in for Ctrl-C) is a Ctrl-C: queued tasks are cancelled, running ones get the grace
    period and are kept. Task 0 is slow, so task 1 finishes first; before, the interrupt at task 1
    killed task 0 and left no finished prefix at all (a run with nothing to keep)."""

    class CtrlCFirst(Bar):
        def update(self, n=1):
            super().update(n)
            raise KeyboardInterrupt

    out = run_tasks(slow_first, [0, 1, 2, 3, 4, 5], 2, CtrlCFirst(), shared=0.8)
    assert out.stopped == INTERRUPTED
    assert out.results == [0, 1]  # the slow task 0 finished in its grace period; 2..5 never ran
