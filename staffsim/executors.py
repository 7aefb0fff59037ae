"""Where tasks run: in this process, in a pool of worker processes, or on a Dask cluster.

:func:`run_tasks` maps a picklable function over tasks and returns the results in task order, so
what a task computes never depends on where or when it ran. Each task must be a pure function of
its arguments (a replication is: its random streams are keyed by seed and replication number),
which is why the numbers are identical in this process, in a local pool and on a cluster.

A run can end early, and the results finished *in task order* so far are then returned (a
finished prefix; the caller decides what it means — for replications, a shorter run) with
:attr:`Outcome.stopped` saying why:

- Ctrl-C or SIGTERM (:mod:`staffsim.stopping`): ``stopped`` is :data:`INTERRUPTED` or
  :data:`TERMINATED`. Queued tasks are cancelled at once; in the local pool the running ones get
  :data:`~staffsim.stopping.GRACE_S` seconds (none after a second signal), then every worker is
  stopped and reaped; a cluster keeps what had finished and cancels the rest.
- A worker process lost: killed by the operating system (SIGKILL from the out-of-memory killer)
  or crashed. In the local pool ``stopped`` names the worker and the task it was running (the
  pool is our own: one pipe per worker, so the parent always knows which task each holds). On a
  Dask cluster the scheduler runs the task again elsewhere; a task that kills every worker it is
  given (``distributed.scheduler.allowed-failures``), or a cluster left with no worker or no
  scheduler for ``STAFFSIM_CLUSTER_TIMEOUT`` seconds, stops the run.

A task that raises (a bug, or a bad input found late) is never swallowed: the exception is
raised again, of its own type, with a note naming the task.

A caller that runs many batches in a row (the ISA search) can keep one local pool for all of
them (:class:`WorkerPool`, ``run_tasks(..., pool=)``); everything above holds for each call, and
a call that stops for any of these reasons stops and reaps the kept workers too.

Cluster runs need the optional ``distributed`` package (``pip install "staffsim[distributed]"``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

from staffsim import stopping
from staffsim._version import __version__
from staffsim.errors import InputError
from staffsim.stopping import INTERRUPTED, TERMINATED

__all__ = ["INTERRUPTED", "TERMINATED", "Outcome", "WorkerPool", "dask_client", "run_tasks", "workers_for"]


#: seconds to wait for a Dask scheduler (and for it to have a worker) before giving up;
#: the ``STAFFSIM_CLUSTER_TIMEOUT`` environment variable overrides it
CONNECT_TIMEOUT_S = 10.0

#: longest STAFFSIM_CLUSTER_TIMEOUT
MAX_CONNECT_TIMEOUT_S = 3600.0
#: seconds a Dask scheduler has to greet a new connection
_GREETING_S = 5.0
#: seconds between checks that a cluster still has its scheduler and workers while no task finishes
_HEALTH_S = 1.0

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
    pool: WorkerPool | None = None,
) -> Outcome:
    """``fn(shared, task)`` for every task, the results in task order.

    ``shared``: data every task needs (scenarios, say), sent once to each worker rather than
    with every task. ``jobs``: worker processes (None = all cores; 1 runs here, in this
    process); with ``cluster="local"`` the number of Dask workers. ``cluster``: None (this
    machine), ``"local"`` (a Dask ``LocalCluster`` started for this run and closed after it), a
    scheduler address such as ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client`` (used as it
    is, not closed). ``bar``: an object with ``update()`` and ``close()`` (a progress bar), told
    of every task as it finishes. ``describe(i)``: how messages name task ``i``. ``pool``: a
    :class:`WorkerPool` whose worker processes are used (and kept for the next call) instead of
    starting a pool for this call; ignored with a ``cluster`` and when one worker is enough.

    Ctrl-C and SIGTERM stop the run as :mod:`staffsim.stopping` describes; ``stopped`` is then
    :data:`INTERRUPTED` or :data:`TERMINATED`. In a stop scope where a stop was already
    requested, nothing runs and the outcome is empty.
    """
    describe = describe or (lambda i: f"task {i}")
    done: dict[int, Any] = {}
    stopped = None
    with stopping.scope() as stop:
        try:
            if stop.requested:
                stopped = stop.reason
            elif cluster is not None:
                with dask_client(cluster, workers_for(jobs, len(tasks))) as client, stopping.flag_only(stop):
                    stopped = _run_on_dask(client, fn, tasks, shared, bar, describe, done, stop)
            elif workers_for(jobs, len(tasks)) <= 1:
                for i, t in enumerate(tasks):
                    done[i] = _named(lambda t=t: fn(shared, t), describe, i)
                    bar.update()
            else:
                with stopping.flag_only(stop):
                    stopped = _run_in_pool(fn, tasks, shared, workers_for(jobs, len(tasks)), bar,
                                           describe, done, stop, pool)
        except KeyboardInterrupt:
            stopped = stop.reason or INTERRUPTED
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
# Our own small pool rather than concurrent.futures: each worker has its own pipe, so the parent
# always knows which task a worker holds (a worker that dies names its task), and stopping is a
# plain loop with no hidden threads: cancel what is queued, let what runs finish for a grace
# period, stop and reap every worker. Nothing here can run twice or wait forever.

#: seconds the parent waits on its workers' pipes between looks at the stop flag
_POLL_S = 0.2
#: seconds a worker gets to exit after SIGTERM before SIGKILL
_REAP_S = 2.0


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies, however the parent died (even by
    SIGKILL), so a worker is never left behind as an orphan."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe's end tells the worker instead
        pass


#: the first word of the message that gives a kept worker (:class:`WorkerPool`) a new call's
#: function and shared data
_CALL = "call"


def _worker_main(conn, fn: Callable[[Any, Any], Any], shared: Any, parent: int) -> None:
    """A worker process: run the tasks the parent sends, one at a time, until told to stop. A
    kept worker (:class:`WorkerPool`) is told each call's function and shared data first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and SIGTERM are the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before we could ask to die with it
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if message[0] == _CALL:
            _, fn, shared = message
            continue
        i, task = message
        try:
            reply = (i, True, fn(shared, task))
        except Exception as exc:  # noqa: BLE001 - sent to the parent, which raises it again
            reply = (i, False, exc)
        try:
            conn.send(reply)
        except (BrokenPipeError, EOFError, ConnectionError):
            return
        except Exception as exc:  # noqa: BLE001 - the result or exception cannot be pickled
            conn.send((i, False, RuntimeError(f"{type(exc).__name__}: {exc} (sending the result back)")))


class _Worker:
    def __init__(self, ctx, fn, shared):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, fn, shared, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None
        stopping.CHILDREN.add(self.process)

    def reap(self) -> None:
        """Stop the worker (if it still runs) and wait for it: never an orphan or a zombie."""
        p = self.process
        if p.exitcode is None:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            p.join(0.05 if self.task is None else 0)
        if p.exitcode is None:
            p.terminate()
            p.join(_REAP_S)
        if p.exitcode is None:
            p.kill()
            p.join()
        self.conn.close()
        stopping.CHILDREN.discard(p)


class WorkerPool:
    """Worker processes kept for several :func:`run_tasks` calls (an ISA search's iterations, its
    validation and its out-of-sample check), so a pool is not started for every call. Workers
    start on first use (forked then: they see the parent as it is at that moment); each call
    sends its function and shared data once to each worker it uses, then only the tasks.

    What stops a call also stops the pool's workers, as a pool of its own would be: Ctrl-C or
    SIGTERM, a lost worker or a task that raised end the call with every worker stopped and
    reaped (:mod:`staffsim.stopping`); the next call, if any, starts new ones. Use it as a
    context manager (``with WorkerPool(jobs) as pool:``): leaving it stops and reaps the workers,
    however it is left. ``jobs``: worker processes (None = all cores)."""

    def __init__(self, jobs: int | None = None):
        self.size = workers_for(jobs, 1 << 30)
        self.workers: list[_Worker] = []
        #: how many times workers were started (a measure for tests and benchmarks)
        self.starts = 0

    def take(self, ctx, workers: int) -> list[_Worker]:
        """``workers`` live workers (at most the pool's size), started where missing."""
        alive = [w for w in self.workers if w.process.exitcode is None]
        for w in self.workers:
            if w not in alive:
                w.reap()
        self.workers = alive
        while len(self.workers) < min(workers, self.size):
            self.workers.append(_Worker(ctx, None, None))
            self.starts += 1
        return self.workers[:workers]

    def close(self) -> None:
        """Stop and reap every worker (none left behind: no orphan, no zombie)."""
        workers, self.workers = self.workers, []
        for w in workers:
            w.reap()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run_in_pool(fn, tasks, shared, workers, bar, describe, done, stop, kept: WorkerPool | None = None
                 ) -> str | None:
    import multiprocessing
    from multiprocessing.connection import wait as wait_any

    ctx = multiprocessing.get_context()
    pool: list[_Worker] = []
    error: BaseException | None = None
    stopped: str | None = None
    deadline = None
    clean = False
    told: set[int] = set()  # kept workers told this call's function and shared data
    try:
        if kept is not None:
            pool = kept.take(ctx, workers)
        else:
            for _ in range(workers):
                pool.append(_Worker(ctx, fn, shared))
        queue = iter(range(len(tasks)))
        following = next(queue, None)
        while True:
            if deadline is None and (stop.requested or stopped is not None):
                following = None  # cancel what is queued; what runs gets the grace period
                deadline = time.monotonic() + stopping.GRACE_S
                stopped = stopped or stop.reason
            for w in pool:
                if w.task is None and following is not None and w.process.exitcode is None:
                    if kept is not None and id(w) not in told:
                        w.conn.send((_CALL, fn, shared))
                        told.add(id(w))
                    w.conn.send((following, tasks[following]))
                    w.task, following = following, next(queue, None)
            busy = [w for w in pool if w.task is not None]
            if not busy or (deadline is not None and (time.monotonic() >= deadline or stop.count >= 2)):
                break
            ready = set(wait_any([w.conn for w in busy] + [w.process.sentinel for w in busy], _POLL_S))
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    reply = _reply(w)
                    if reply is None:  # the worker died holding its task
                        w.process.join()
                        stopped = stopped or _lost(w, describe)
                        w.task = None
                        continue
                    i, ok, value = reply
                    w.task = None
                    if ok:
                        done[i] = value
                        try:
                            bar.update()
                        except KeyboardInterrupt:  # raised by the caller's progress display: as a
                            stopped = stopped or INTERRUPTED  # Ctrl-C, what runs gets the grace period
                    else:
                        error = _with_note(value, describe(i))
                        raise error
        clean = stopped is None and all(w.task is None and w.process.exitcode is None for w in pool)
        return stopped
    finally:
        if kept is not None and clean:
            pass  # every worker idle and alive: kept for the next call
        else:
            for w in pool:
                w.reap()
            if kept is not None:
                kept.close()


def _reply(w: _Worker):
    """The worker's reply, or None when it died without one (its pipe at its end)."""
    try:
        if w.conn.poll():
            return w.conn.recv()
    except (EOFError, OSError):
        pass
    return None


def _lost(w: _Worker, describe: Callable[[int], str]) -> str:
    """Why a worker is gone: how it died and the task it was running."""
    code = w.process.exitcode
    if code is not None and code < 0:
        how = f"was killed by {signal.Signals(-code).name}"
        if code == -signal.SIGKILL:
            how += " (what the operating system's out-of-memory killer sends)"
    else:
        how = f"exited with code {code}"
    return f"a worker process (pid {w.process.pid}) {how} while running {describe(w.task)}"


# ---------------------------------------------------------------------------------------------
# A Dask cluster
# ---------------------------------------------------------------------------------------------

def connect_timeout() -> float:
    """Seconds to wait for a scheduler: ``STAFFSIM_CLUSTER_TIMEOUT`` or :data:`CONNECT_TIMEOUT_S`
    (from 0.1 to :data:`MAX_CONNECT_TIMEOUT_S` seconds)."""
    text = os.environ.get("STAFFSIM_CLUSTER_TIMEOUT", "").strip()
    if not text:
        return CONNECT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= MAX_CONNECT_TIMEOUT_S:  # NaN and infinities too
        raise InputError(f"STAFFSIM_CLUSTER_TIMEOUT: must be a number of seconds from 0.1 to "
                         f"{MAX_CONNECT_TIMEOUT_S:g}, got {text!r}")
    return value


def _probe(address: str, timeout: float) -> None:
    """Refuse, in one line naming the address, a scheduler address that is not one: a name that
    is no address, a host that does not resolve, a port where nobody listens or where something
    other than Dask answers (the dashboard's port 8787, say). A Dask scheduler greets every new
    connection first; a web server waits for a request."""
    import socket
    import struct

    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return  # other transports (ucx, inproc): Dask's own connect, with its timeout, decides
    host, colon, port_text = rest.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"cluster: {address!r} is not a scheduler address; give tcp://HOST:PORT "
                         "(a Dask scheduler listens on 8786 by default) or 'local'")
    hint = "start one with `dask scheduler` and workers with `dask worker tcp://HOST:8786`"
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout) as sock:
            if scheme == "tls":
                return
            sock.settimeout(min(timeout, _GREETING_S))
            try:
                head = sock.recv(8)
            except TimeoutError:
                head = b""
    except socket.gaierror as exc:
        raise InputError(f"cluster: cannot reach the Dask scheduler at {address}: unknown host "
                         f"{host!r} ({exc.strerror})") from None
    except (OSError, TimeoutError) as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        raise InputError(f"cluster: cannot reach the Dask scheduler at {address} within {timeout:g} s "
                         f"({why}); {hint}") from None
    frames = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
    if not 0 < frames < 1024:
        port_hint = " (8787 is the dashboard's port; the scheduler's is 8786 by default)" if port_text == "8787" else ""
        raise InputError(f"cluster: {address} answers, but not as a Dask scheduler{port_hint}; give the "
                         "scheduler's address, as `dask scheduler` prints it")


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
    if isinstance(target, str):
        _probe(target, timeout)
    try:
        with _dask_quiet():
            try:
                client = distributed.Client(target, timeout=timeout, set_as_default=False)
            except Exception as exc:  # noqa: BLE001 - whatever Dask raises, one line naming it
                raise InputError(
                    f"cluster: cannot reach {name} within {timeout:g} s ({_first_line(exc)}); start "
                    "one with `dask scheduler` and workers with `dask worker tcp://HOST:8786`"
                ) from None
            try:
                _check_workers(client, name, timeout)
                client.staffsim_name = name  # how messages name the cluster
                yield client
            finally:
                with contextlib.suppress(Exception):
                    client.close(timeout=_close_timeout(timeout))
    finally:
        if local is not None:
            with contextlib.suppress(Exception):
                local.close(timeout=_close_timeout(timeout))


def _close_timeout(timeout: float) -> float:
    return max(2.0, min(timeout, 10.0))


@contextmanager
def _dask_quiet() -> Iterator[None]:
    """Dask's own log lines held back while we use the cluster: when a scheduler dies its
    client logs a page of reconnection attempts; our one-line message says what happened."""
    names = ["distributed"] + [n for n in logging.root.manager.loggerDict if n.startswith("distributed.")]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while processes are started: a new Python process keeps an ignored SIGINT
    ignored, so Ctrl-C at a terminal (sent to every process of the group) reaches only us.

    A Ctrl-C that arrives while the processes are being started (on a busy machine that takes a
    while) is not lost: SIGINT is also blocked, and a blocked signal is never discarded as ignored
    (Linux keeps it pending), so once the handler is back it is delivered on unblocking."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    masked = hasattr(signal, "pthread_sigmask")
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else None
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


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


def _run_on_dask(client, fn, tasks, shared, bar, describe, done, stop) -> str | None:
    from distributed import KilledWorker, as_completed

    # shared travels once, inside a task: a worker that dies holding it is not the end of the
    # run (scattered data would be lost with it; a task's result is computed again)
    shared_f = client.submit(_identity, shared, pure=False)
    futures = {}
    for i, t in enumerate(tasks):  # earlier tasks first: a stop keeps a long finished prefix
        f = client.submit(_dask_call, fn, shared_f, t, pure=False, priority=len(tasks) - i)
        futures[f] = i
    stop_at, stopped = len(tasks), None
    health = _Health(client, connect_timeout())
    try:
        queue = as_completed(list(futures), loop=client.loop)
        while not queue.is_empty():
            if stop.requested:
                return stop.reason
            if not queue.has_ready():
                lost = health.check()
                if lost:
                    return lost
                time.sleep(_POLL_S)
                continue
            for f in queue.next_batch(block=False):
                i = futures[f]
                if i >= stop_at:
                    continue
                health.progress()
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
                    trouble = health.trouble_now() if exc is None else ""
                    stopped = (f"{health.name}: {trouble} while running {describe(i)}" if trouble
                               else f"{health.name} cancelled {describe(i)} (was the scheduler restarted?)"
                               if exc is None else f"Dask workers died while running {describe(i)}, too often to try "
                               "again (killed by the operating system? out of memory? see the workers' logs)")
                    stop_at = i  # what runs before it still finishes and is kept
                    _cancel(client, [g for g, k in futures.items() if k >= i])
            if stop_at < len(tasks) and all(k in done for k in range(stop_at)):
                break
        return stopped
    finally:
        _cancel(client, [g for g, k in futures.items() if k not in done])


class _Health:
    """Whether a cluster can still finish the run, checked while no task finishes: a scheduler
    that stopped answering, or no worker left, for ``patience`` seconds stops the run (what
    finished is kept) with a sentence naming the cluster. A worker that dies while others live
    is not a stop: the scheduler runs its tasks again elsewhere."""

    def __init__(self, client, patience: float):
        self.client, self.patience = client, patience
        self.name = getattr(client, "staffsim_name", "the Dask cluster")
        self.last_check = self.trouble_since = 0.0
        self.trouble = ""

    def progress(self) -> None:
        self.trouble_since, self.trouble = 0.0, ""

    def check(self) -> str | None:
        now = time.monotonic()
        if now - self.last_check < _HEALTH_S:
            return None
        self.last_check = now
        trouble = self._trouble()
        if not trouble:
            self.progress()
            return None
        if not self.trouble_since:
            self.trouble_since = now
        self.trouble = trouble
        if now - self.trouble_since >= self.patience:
            return (f"{self.name}: {trouble} for {self.patience:g} s (STAFFSIM_CLUSTER_TIMEOUT); "
                    "gave up waiting")
        return None

    def trouble_now(self) -> str:
        """What is wrong with the cluster now ("" if nothing)."""
        return self._trouble()

    def _trouble(self) -> str:
        if self.client.status not in ("running", "connecting"):
            return "the connection to the scheduler was closed"
        try:
            workers = self.client.nthreads(callback_timeout=min(self.patience, 5.0))
        except Exception:  # noqa: BLE001 - any failure to answer means the scheduler is gone
            return "the scheduler does not answer"
        return "" if workers else "no worker left (they died or were stopped)"


def _cancel(client, futures: list) -> None:
    if futures:
        try:
            client.cancel(futures)
        except Exception:  # noqa: BLE001, S110 - the cluster may be gone already: nothing to stop
            pass
