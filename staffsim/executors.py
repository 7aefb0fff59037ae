"""Where tasks run: in this process, in a pool of worker processes, or on a Dask cluster.

:func:`run_tasks` maps a picklable function over tasks and returns the results in task order, so
what a task computes never depends on where or when it ran. Each task must be a pure function of
its arguments (a replication is: its random streams are keyed by seed and replication number),
which is why the numbers are identical in this process, in a local pool and on a cluster.

A run can end early in two ways, and either way the results finished *in task order* so far
are returned (a finished prefix; the caller decides what it means — for replications, a
shorter run) with :attr:`Outcome.stopped` saying why:

- Ctrl-C (``KeyboardInterrupt``): ``stopped == INTERRUPTED``. The local pool lets the tasks
  already running finish and keeps them; a cluster keeps what had finished and cancels the rest.
- A worker process lost: killed by the operating system (SIGKILL from the out-of-memory killer)
  or crashed. In the local pool that breaks the pool; ``stopped`` names the task it was
  running. On a Dask cluster the scheduler runs the task again elsewhere, and only a task that
  kills every worker it is given (``distributed.scheduler.allowed-failures``) stops the run.

A task that raises (a bug, or a bad input found late) is never swallowed: the exception is
raised again, of its own type, with a note naming the task.

Cluster runs need the optional ``distributed`` package (``pip install "staffsim[distributed]"``).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import sharedctypes
from typing import Any

from staffsim._version import __version__
from staffsim.errors import InputError

#: :attr:`Outcome.stopped` after Ctrl-C
INTERRUPTED = "interrupted"

#: seconds to wait for a Dask scheduler (and for it to have a worker) before giving up;
#: the ``STAFFSIM_CLUSTER_TIMEOUT`` environment variable overrides it
CONNECT_TIMEOUT_S = 10.0

#: packages whose versions decide the numbers: a cluster's workers must have the same ones
_NUMBER_PACKAGES = ("staffsim", "numpy", "scipy", "simpy")


@dataclass
class Outcome:
    """What :func:`run_tasks` returns: ``results`` of the tasks finished in task order (all of
    them, or a prefix) and ``stopped``: None when every task ran, else why the run ended early
    (:data:`INTERRUPTED`, or a sentence naming the lost worker and its task)."""

    results: list
    stopped: str | None = None


def workers_for(jobs: int | None, tasks: int) -> int:
    """Worker processes to use: ``jobs`` (None = all cores), never more than there are tasks."""
    workers = (os.cpu_count() or 1) if jobs is None else int(jobs)
    return max(1, min(workers, tasks))


def run_tasks(
    fn: Callable[[Any, Any], Any],
    tasks: Sequence[Any],
    jobs: int | None,
    bar,
    *,
    shared: Any = None,
    cluster: Any = None,
    describe: Callable[[int], str] | None = None,
) -> Outcome:
    """``fn(shared, task)`` for every task, the results in task order.

    ``shared``: data every task needs (scenarios, say), sent once to each worker rather than
    with every task. ``jobs``: worker processes (None = all cores; 1 runs here, in this
    process); with ``cluster="local"`` the number of Dask workers. ``cluster``: None (this
    machine), ``"local"`` (a Dask ``LocalCluster`` started for this run and closed after it), a
    scheduler address such as ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client`` (used as it
    is, not closed). ``bar``: an object with ``update()`` and ``close()`` (a progress bar), told
    of every task as it finishes. ``describe(i)``: how messages name task ``i``.
    """
    describe = describe or (lambda i: f"task {i}")
    done: dict[int, Any] = {}
    stopped = None
    try:
        if cluster is not None:
            with dask_client(cluster, workers_for(jobs, len(tasks))) as client:
                stopped = _run_on_dask(client, fn, tasks, shared, bar, describe, done)
        elif workers_for(jobs, len(tasks)) <= 1:
            for i, t in enumerate(tasks):
                done[i] = _named(lambda t=t: fn(shared, t), describe, i)
                bar.update()
        else:
            stopped = _run_in_pool(fn, tasks, shared, workers_for(jobs, len(tasks)), bar, describe, done)
    except KeyboardInterrupt:
        stopped = INTERRUPTED
    finally:
        bar.close()
    results = []
    while len(results) in done:
        results.append(done.pop(len(results)))
    return Outcome(results, stopped)


def _named(call: Callable[[], Any], describe: Callable[[int], str], i: int) -> Any:
    try:
        return call()
    except Exception as exc:
        _with_note(exc, describe(i))
        raise


def _with_note(exc: BaseException, name: str) -> BaseException:
    exc.add_note(f"(while running {name})")
    return exc


# ---------------------------------------------------------------------------------------------
# The local process pool
# ---------------------------------------------------------------------------------------------

_SHARED: Any = None
_STARTED: Any = None  # _STARTED[i]: pid of the worker process that started task i (0: none yet)


def _init_worker(shared: Any, started: Any) -> None:
    global _SHARED, _STARTED
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _SHARED, _STARTED = shared, started


def _pool_call(fn: Callable[[Any, Any], Any], i: int, task: Any) -> Any:
    _STARTED[i] = os.getpid()
    return fn(_SHARED, task)


def _run_in_pool(fn, tasks, shared, workers, bar, describe, done) -> str | None:
    started = sharedctypes.RawArray("q", len(tasks))
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               initargs=(shared, started))
    try:
        futures = {pool.submit(_pool_call, fn, i, t): i for i, t in enumerate(tasks)}
        processes = dict(getattr(pool, "_processes", None) or {})  # pid -> Process, for exit codes
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(finished, key=futures.get):
                exc = f.exception()
                if exc is None:
                    done[futures[f]] = f.result()
                    bar.update()
                elif isinstance(exc, BrokenProcessPool):
                    pool.shutdown(wait=True)  # every worker reaped: their exit codes are known
                    return _lost_in_pool(processes, started, futures, describe, done)
                else:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise _with_note(exc, describe(futures[f]))
        return None
    except KeyboardInterrupt:
        # the tasks already running finish (their workers ignore SIGINT) and are kept
        pool.shutdown(wait=True, cancel_futures=True)
        for f, i in futures.items():
            if f.done() and not f.cancelled() and f.exception() is None:
                done[i] = f.result()
        raise
    finally:
        pool.shutdown(wait=True)


def _lost_in_pool(processes, started, futures, describe, done) -> str:
    """Why the pool broke: which worker died, how, and the task it was running."""
    for f, i in futures.items():  # results that made it back before the pool broke are kept
        if i not in done and f.done() and not f.cancelled() and f.exception() is None:
            done[i] = f.result()
    dead = [(pid, p.exitcode) for pid, p in processes.items()
            if p.exitcode is not None and p.exitcode not in (0, -signal.SIGTERM)]
    if not dead:  # not told which; name the tasks that were running
        running = [describe(i) for i in range(len(started)) if started[i] and i not in done]
        where = f" while running {' or '.join(running)}" if running else ""
        return f"a worker process died{where}; the local process pool broke"
    pid, code = dead[0]
    how = (f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}")
    if code == -signal.SIGKILL:
        how += " (what the operating system's out-of-memory killer sends)"
    # a worker takes tasks in order: what it was running is the last it started (an earlier one
    # may have finished with its result still on the way)
    tasks = [i for i in range(len(started)) if started[i] == pid and i not in done]
    where = f"while running {describe(tasks[-1])}" if tasks else "between tasks"
    return f"a worker process (pid {pid}) {how} {where}"


# ---------------------------------------------------------------------------------------------
# A Dask cluster
# ---------------------------------------------------------------------------------------------

def connect_timeout() -> float:
    """Seconds to wait for a scheduler: ``STAFFSIM_CLUSTER_TIMEOUT`` or :data:`CONNECT_TIMEOUT_S`."""
    text = os.environ.get("STAFFSIM_CLUSTER_TIMEOUT", "").strip()
    if not text:
        return CONNECT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InputError(f"STAFFSIM_CLUSTER_TIMEOUT: must be a number of seconds > 0, got {text!r}")
    return value


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(
            "cluster: running on a Dask cluster needs the 'distributed' package, which is not "
            "installed: pip install \"staffsim[distributed]\" (or pip install distributed)"
        ) from None
    return distributed


@contextmanager
def dask_client(cluster: Any, workers: int = 2) -> Iterator[Any]:
    """A connected ``distributed.Client`` for ``cluster`` (see :func:`run_tasks`), whose workers
    have the same versions of the packages the numbers depend on. What this opens (a client, a
    ``LocalCluster``) it closes; a given ``Client`` is left open."""
    distributed = _import_distributed()
    if isinstance(cluster, distributed.Client):
        _check_workers(cluster, "the given Client", connect_timeout())
        yield cluster
        return
    if isinstance(cluster, str):
        cluster = cluster.strip()
        if not cluster:
            raise InputError("cluster: empty; give a scheduler address such as tcp://HOST:8786 or 'local'")
    timeout = connect_timeout()
    local = None
    if cluster == "local":
        with _sigint_ignored():  # the workers inherit it: Ctrl-C is this process's to handle
            local = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=":0", silence_logs=logging.ERROR,
            )
        target, name = local, "a local Dask cluster"
    elif isinstance(cluster, str) or hasattr(cluster, "scheduler_address"):
        target = cluster
        name = f"the Dask scheduler at {cluster if isinstance(cluster, str) else cluster.scheduler_address}"
    else:
        raise InputError(f"cluster: expected a scheduler address (tcp://HOST:8786), 'local' or a "
                         f"distributed.Client, got {type(cluster).__name__}")
    try:
        try:
            client = distributed.Client(target, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"cluster: cannot reach {name} within {timeout:g} s ({_first_line(exc)}); start "
                "one with `dask scheduler` and workers with `dask worker tcp://HOST:8786`"
            ) from None
        try:
            _check_workers(client, name, timeout)
            yield client
        finally:
            client.close()
    finally:
        if local is not None:
            local.close()


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while processes are started: a new Python process keeps an ignored SIGINT
    ignored, so Ctrl-C at a terminal (sent to every process of the group) reaches only us."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _versions() -> dict[str, str]:
    """The versions of the packages the numbers depend on, in this process (run on workers too)."""
    from importlib.metadata import version

    out = {"staffsim": __version__}
    for name in _NUMBER_PACKAGES[1:]:
        out[name] = version(name)
    return out


def _check_workers(client, name: str, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        raise InputError(f"cluster: {name} has no workers after {timeout:g} s; start some with "
                         "`dask worker tcp://HOST:8786`") from None
    try:
        theirs = client.run(_versions)
    except Exception as exc:  # noqa: BLE001 - whatever failed on the workers, say so in one line
        raise InputError(f"cluster: the workers of {name} cannot run staffsim ({_first_line(exc)}); "
                         f"install staffsim {__version__} on them") from None
    ours = _versions()
    for worker, versions in sorted(theirs.items()):
        diff = [f"{k} {versions.get(k)} (here {v})" for k, v in ours.items() if versions.get(k) != v]
        if diff:
            raise InputError(f"cluster: worker {worker} has {', '.join(diff)}; the numbers depend on "
                             "these versions, install the same ones on every worker")


def _identity(x: Any) -> Any:
    return x


def _dask_call(fn: Callable[[Any, Any], Any], shared: Any, task: Any) -> Any:
    return fn(shared, task)


def _run_on_dask(client, fn, tasks, shared, bar, describe, done) -> str | None:
    from distributed import KilledWorker, as_completed

    # shared travels once, inside a task: a worker that dies holding it is not the end of the
    # run (scattered data would be lost with it; a task's result is computed again)
    shared_f = client.submit(_identity, shared, pure=False)
    futures = {}
    for i, t in enumerate(tasks):  # earlier tasks first: a stop keeps a long finished prefix
        f = client.submit(_dask_call, fn, shared_f, t, pure=False, priority=len(tasks) - i)
        futures[f] = i
    stop_at, stopped = len(tasks), None
    try:
        queue = as_completed(list(futures), loop=client.loop)
        for f in queue:
            i = futures[f]
            if i >= stop_at:
                continue
            if f.status == "finished":
                done[i] = f.result()  # fetched now: kept even if the workers go away later
                f.release()
                bar.update()
            elif f.status in ("pending", "lost"):  # lost with its worker: being computed again
                queue.add(f)
                continue
            else:
                exc = None if f.status == "cancelled" else f.exception()
                if exc is not None and not isinstance(exc, KilledWorker):
                    raise _with_note(exc, describe(i))
                stopped = (f"the cluster cancelled {describe(i)} (was the scheduler restarted?)" if exc is None
                           else f"Dask workers died while running {describe(i)}, too often to try "
                           "again (killed by the operating system? out of memory? see the workers' logs)")
                stop_at = i  # what runs before it still finishes and is kept
                _cancel(client, [g for g, k in futures.items() if k >= i])
            if stop_at < len(tasks) and all(k in done for k in range(stop_at)):
                break
        return stopped
    finally:
        _cancel(client, [g for g, k in futures.items() if k not in done])


def _cancel(client, futures: list) -> None:
    if futures:
        try:
            client.cancel(futures)
        except Exception:  # noqa: BLE001, S110 - the cluster may be gone already: nothing to stop
            pass
