"""Where tasks run: in this process, or in a pool of worker processes.

:func:`run_tasks` maps a picklable function over tasks and returns the results in task order, so
what a task computes never depends on where or when it ran. Each task must be a pure function of
its arguments (a replication is: its random streams are keyed by seed and replication number).
Ctrl-C stops the run and returns the results finished *in order* so far; the caller decides what
a prefix of the tasks means (for replications: a shorter run).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def workers_for(jobs: int | None, tasks: int) -> int:
    """Worker processes to use: ``jobs`` (None = all cores), never more than there are tasks."""
    workers = (os.cpu_count() or 1) if jobs is None else int(jobs)
    return max(1, min(workers, tasks))


def run_tasks(fn: Callable[[Any], Any], tasks: Sequence[Any], jobs: int | None, bar) -> list:
    """Results of ``fn`` over ``tasks`` in order; on Ctrl-C, the results finished in order so far.

    ``jobs``: worker processes (None = all cores; 1 runs here, in this process). ``bar``: an
    object with ``update()`` and ``close()`` (a progress bar), told of every finished task.
    """
    workers = workers_for(jobs, len(tasks))
    results: list = []
    try:
        if workers <= 1:
            for t in tasks:
                results.append(fn(t))
                bar.update()
        else:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
            try:
                futures = [pool.submit(fn, t) for t in tasks]
                for f in futures:
                    results.append(f.result())
                    bar.update()
            except KeyboardInterrupt:
                pool.shutdown(wait=True, cancel_futures=True)
                for f in futures[len(results):]:
                    if f.done() and not f.cancelled() and f.exception() is None:
                        results.append(f.result())
                    else:
                        break
                raise
            finally:
                pool.shutdown(wait=True)
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    return results
