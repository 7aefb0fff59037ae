"""The hostile corpus, clusters: addresses that are not a Dask scheduler, a timeout that is not
one, a cluster whose last worker dies mid-run and a scheduler that dies mid-run. Each ends in
seconds with one line naming the address (exit 2), or with the finished work kept and the run
stopped (exit 3), never a hang or a traceback.

The scheduler and workers of the mid-run cases are real processes (``dask scheduler`` and
``dask worker --no-nanny``, so nothing restarts a killed worker).
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from staffsim.cli import main
from staffsim.executors import run_tasks

distributed = pytest.importorskip("distributed")


class Bar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(root, capsys, cluster: str, timeout: str = "2") -> tuple[int, list[str], float]:
    os.environ["STAFFSIM_CLUSTER_TIMEOUT"] = timeout
    try:
        t = time.monotonic()
        code = main(["run", str(root / "scenarios" / "bank.yaml"), "-n", "1", "--cluster", cluster])
        took = time.monotonic() - t
    finally:
        del os.environ["STAFFSIM_CLUSTER_TIMEOUT"]
    return code, capsys.readouterr().err.strip().splitlines(), took


def test_the_dashboard_port_is_not_a_scheduler(root, capsys):
    """Before: ``--cluster tcp://127.0.0.1:8787`` (a web server there) hung with no output."""
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.server_address[1]}"
    try:
        code, err, took = _run(root, capsys, address)
    finally:
        server.shutdown()
    assert code == 2 and len(err) == 1, err
    assert err[0] == (f"staffsim: error: cluster: {address} answers, but not as a Dask scheduler; give the "
                      "scheduler's address, as `dask scheduler` prints it")
    assert took < 15


@pytest.mark.parametrize("cluster, says", [
    ("lokal", "cluster: 'lokal' is not a scheduler address; give tcp://HOST:PORT"),
    ("tcp://no-such-host.invalid:8786", ("cluster: cannot reach the Dask scheduler at "
                                         "tcp://no-such-host.invalid:8786: unknown host 'no-such-host.invalid'")),
])
def test_names_that_are_not_addresses(root, capsys, cluster, says):
    """Before: TimeoutError tracebacks."""
    code, err, took = _run(root, capsys, cluster)
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"staffsim: error: {says}")
    assert took < 15


def test_nobody_listening(root, capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"
    code, err, _ = _run(root, capsys, address)
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"staffsim: error: cluster: cannot reach the Dask scheduler at {address} within 2 s")


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e9"])
def test_a_timeout_that_is_not_one(root, capsys, value):
    """Before: ``STAFFSIM_CLUSTER_TIMEOUT=inf`` ended in a KeyError."""
    code, err, _ = _run(root, capsys, "tcp://127.0.0.1:1", timeout=value)
    says = f"staffsim: error: STAFFSIM_CLUSTER_TIMEOUT: must be a number of seconds from 0.1 to 3600, got {value!r}"
    assert code == 2 and err == [says]


def _spawn(*args: str) -> subprocess.Popen:
    here = os.path.dirname(os.path.abspath(__file__))  # the tasks' functions live in tests/helpers
    path = os.pathsep.join([os.path.dirname(here), here, os.environ.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": path})


@pytest.fixture
def scheduler():
    """A real scheduler process and one worker process without a nanny: (address, worker, sched)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    sched = _spawn("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                   "--no-dashboard")
    worker = _spawn("distributed.cli.dask_worker", address, "--no-nanny", "--nthreads", "1",
                    "--no-dashboard")
    try:
        end = time.monotonic() + 60
        while True:  # the scheduler listening, then its worker registered
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < end, "the scheduler did not start"
                time.sleep(0.1)
        with distributed.Client(address, timeout=30, set_as_default=False) as c:
            c.wait_for_workers(1, timeout=60)
        yield address, worker, sched
    finally:
        for p in (worker, sched):
            p.kill()
            p.wait()


def _kill_self_on_two(shared, task):
    """Task 2 kills its worker (SIGKILL, as the out-of-memory killer), a second after starting:
    time for tasks 0 and 1's results to be fetched (a result lives on its worker until then)."""
    import os
    import signal
    import time

    if task == 2:
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)
    return shared + task


def test_the_last_worker_dying_mid_run_is_reported_and_what_finished_kept(scheduler, monkeypatch):
    """Before: a worker dying mid-run with none to replace it hung forever."""
    address, _worker, _ = scheduler
    monkeypatch.setenv("STAFFSIM_CLUSTER_TIMEOUT", "3")
    t = time.monotonic()
    out = run_tasks(_kill_self_on_two, [0, 1, 2, 3], None, Bar(), shared=10, cluster=address,
                    describe=lambda i: f"item {i}")
    assert time.monotonic() - t < 30
    assert out.results == [10, 11]
    assert out.stopped == (f"the Dask scheduler at {address}: no worker left (they died or were stopped) "
                           "for 3 s (STAFFSIM_CLUSTER_TIMEOUT); gave up waiting")


def _sleep_then(shared, task):
    import time

    time.sleep(0.0 if task < 2 else 30.0)
    return task


def test_the_scheduler_dying_mid_run_is_one_line(scheduler, monkeypatch, capfd):
    """Before: the run hung, after 35 lines of Dask's reconnection log."""
    address, _, sched = scheduler
    monkeypatch.setenv("STAFFSIM_CLUSTER_TIMEOUT", "3")

    class KillAfterTwo(Bar):
        n = 0

        def update(self, n=1):
            self.n += n
            if self.n == 2:
                sched.kill()

    t = time.monotonic()
    out = run_tasks(_sleep_then, [0, 1, 2, 3], None, KillAfterTwo(), shared=None, cluster=address)
    assert time.monotonic() - t < 40
    assert out.results == [0, 1]
    assert out.stopped.startswith(f"the Dask scheduler at {address}: ")
    assert "scheduler" in out.stopped
    err = capfd.readouterr().err
    assert len(err.strip().splitlines()) <= 2, err
