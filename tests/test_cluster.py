"""Replications, comparisons and sweeps on a Dask cluster: the same numbers as in this process
and in the local pool, Ctrl-C, lost workers, and the messages when Dask is missing or out of
reach.

The cluster is a ``LocalCluster`` on loopback with two worker *processes* (``processes=True``):
tasks and results are pickled and travel over TCP as on a real cluster, which threads in this
process would not show. One cluster serves the whole module (it takes a few seconds to start).
"""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading

import pandas as pd
import pytest
import yaml
from helpers import explode_on_three, kill_self_on_two, kill_self_once_on_two, stationary

from staffsim import InputError, compare, simulate, sweep
from staffsim.cli import main
from staffsim.executors import INTERRUPTED, run_tasks

distributed = pytest.importorskip("distributed")


def _local_cluster(**kwargs):
    return distributed.LocalCluster(threads_per_worker=1, host="127.0.0.1", dashboard_address=":0",
                                    silence_logs=logging.ERROR, **kwargs)


@pytest.fixture(scope="module")
def client():
    with _local_cluster(n_workers=2, processes=True) as cluster, \
            distributed.Client(cluster, set_as_default=False) as c:
        yield c


class Bar:
    def __init__(self):
        self.updates = 0

    def update(self, n=1):
        self.updates += n

    def close(self):
        pass


def small(**fields):
    return stationary(300.0, 180.0, 18, patience=240.0, hours=4, replications=4, seed=3, **fields)


def test_same_numbers_here_in_the_pool_and_on_the_cluster(client):
    sc = small()
    here, pool, dask = (simulate(sc, jobs=1, contacts=True), simulate(sc, jobs=2, contacts=True),
                        simulate(sc, cluster=client, contacts=True))
    for res in (pool, dask):
        for table in ("slots", "groups", "per_replication", "plan"):
            pd.testing.assert_frame_equal(getattr(here, table), getattr(res, table), check_exact=True)
        pd.testing.assert_frame_equal(here.contacts, res.contacts, check_exact=True)
    variant = sc.with_overrides({"agents.0.shifts.0.agents": 17})
    a, b = compare(sc, variant, replications=2, jobs=1), compare(sc, variant, replications=2, cluster=client)
    pd.testing.assert_frame_equal(a.differences, b.differences, check_exact=True)
    grid = {"channels.q.volume_factor": [0.9, 1.1], "agents.0.shifts.0.agents": [17, 19]}
    a, b = sweep(sc, grid, replications=2, jobs=1), sweep(sc, grid, replications=2, cluster=client)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=True)


def test_a_scheduler_address_works_like_a_client(client):
    sc = small()
    by_address = simulate(sc, replications=2, cluster=client.scheduler.address)
    pd.testing.assert_frame_equal(by_address.slots, simulate(sc, replications=2).slots, check_exact=True)


def test_a_task_that_raises_on_the_cluster_is_named(client):
    bar = Bar()
    out = run_tasks(explode_on_three, [0, 1, 2], None, bar, shared=10, cluster=client)
    assert out.results == [10, 11, 12] and out.stopped is None and bar.updates == 3
    with pytest.raises(ZeroDivisionError) as info:
        run_tasks(explode_on_three, list(range(6)), None, Bar(), shared=10, cluster=client,
                  describe=lambda i: f"item {i}")
    assert "(while running item 3)" in info.value.__notes__


def test_ctrl_c_during_a_cluster_run_keeps_the_finished_replications(client, tmp_path, root):
    """A real SIGINT to a real ``staffsim run`` on the cluster, sent to its whole process group
    as a terminal's Ctrl-C is, once three replications have finished."""
    sc = stationary(300.0, 180.0, 18, patience=240.0, hours=8, replications=60, seed=5)
    scenario = tmp_path / "day.yaml"
    scenario.write_text(yaml.safe_dump(sc.raw))
    script = tmp_path / "ctrl_c.py"
    script.write_text(
        "import sys\n"
        "import staffsim.experiment as experiment\n"
        "from staffsim.cli import main\n"
        "class Signal:  # stands in for the progress bar: says when 3 replications are done\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        self.n = 0\n"
        "    def update(self, n=1):\n"
        "        self.n += n\n"
        "        if self.n == 3:\n"
        "            print('three done', flush=True)\n"
        "    def close(self):\n"
        "        pass\n"
        "experiment.Progress = Signal\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, str(script), "run", str(scenario), "--cluster", client.scheduler.address,
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    watchdog = threading.Timer(120, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        assert proc.stdout.readline().strip() == "three done"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate()
    finally:
        watchdog.cancel()
    assert proc.returncode == 130, err
    meta = json.loads((out / "result.json").read_text())
    assert meta["complete"] is False and meta["stopped"] == INTERRUPTED
    kept = meta["replications"]
    assert 1 <= kept < 60
    assert err.strip().splitlines()[-1] == f"staffsim: interrupted - kept the {kept} replication(s) that had finished"
    clean = tmp_path / "clean"
    simulate(sc, replications=kept, jobs=1).write(clean)
    for name in ("slots.csv", "summary.csv", "groups.csv"):
        assert (out / name).read_text() == (clean / name).read_text(), name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_without_distributed_one_clear_message(monkeypatch, capsys, root):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code = main(["run", str(root / "scenarios" / "bank.yaml"), "-n", "1", "--cluster", "local"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "needs the 'distributed' package, which is not installed: pip install" in err[0]


def test_an_unreachable_scheduler_gives_up_quickly(monkeypatch, capsys, root):
    address = f"tcp://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("STAFFSIM_CLUSTER_TIMEOUT", "1")
    monkeypatch.setenv("STAFFSIM_CLUSTER", address)  # the variable stands for --cluster
    code = main(["run", str(root / "scenarios" / "bank.yaml"), "-n", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"staffsim: error: cluster: cannot reach the Dask scheduler at {address} within 1 s")
    assert "dask scheduler" in err[0]
    monkeypatch.setenv("STAFFSIM_CLUSTER_TIMEOUT", "soon")
    assert main(["run", str(root / "scenarios" / "bank.yaml"), "-n", "1"]) == 2
    assert "STAFFSIM_CLUSTER_TIMEOUT: must be a number of seconds from 0.1 to 3600, got 'soon'" in capsys.readouterr().err


def test_a_scheduler_without_workers(monkeypatch):
    monkeypatch.setenv("STAFFSIM_CLUSTER_TIMEOUT", "0.5")
    with _local_cluster(n_workers=0, processes=True) as empty, \
            pytest.raises(InputError, match=r"has no workers after 0.5 s; start some with `dask worker"):
        simulate(small(), replications=1, cluster=empty.scheduler_address)


def test_a_worker_killed_mid_run_is_dask_s_to_handle(client, tmp_path):
    """A worker killed once (its nanny starts a new one): Dask runs its tasks again elsewhere,
    and nothing is lost or stopped."""
    out = run_tasks(kill_self_once_on_two, list(range(6)), None, Bar(), shared=str(tmp_path / "marker"),
                    cluster=client)
    assert (tmp_path / "marker").exists()  # a worker did die
    assert out.results == [0, 10, 20, 30, 40, 50] and out.stopped is None


def test_a_task_that_kills_every_worker_it_is_given(client):
    """Dask runs a task whose worker died again elsewhere; one that kills its worker every time
    (here: with no retries allowed) stops the run, named, keeping what finished. Last in the
    module: a worker of the shared cluster dies (its nanny starts a new one)."""
    scheduler = client.cluster.scheduler  # a LocalCluster's scheduler runs in this process
    allowed, scheduler.allowed_failures = scheduler.allowed_failures, 0
    try:
        out = run_tasks(kill_self_on_two, [0, 1, 2, 3], None, Bar(), shared=10, cluster=client,
                        describe=lambda i: f"item {i}")
    finally:
        scheduler.allowed_failures = allowed
    # the worker also held item 1 (Dask queues a task behind the running one): with no retries
    # allowed, item 1 may be given up with it
    assert out.results in ([10], [10, 11])
    item = len(out.results)
    assert out.stopped.startswith(f"Dask workers died while running item {item}, too often to try again "
                                  "(killed by the operating system?")


def test_the_simulated_requirement_is_the_same_on_the_cluster(client):
    # the staffing search's simulations run on the cluster when asked; same answer as here
    from staffsim.requirement import requirement

    sc = stationary(300.0, 180.0, 18, hours=1, replications=3, seed=3)
    here = requirement(sc, "isa", jobs=1)
    there = requirement(sc, "isa", cluster=client)
    pd.testing.assert_frame_equal(here.table, there.table, check_exact=True)
    assert here.iterations == there.iterations
