"""How a run stops: Ctrl-C (SIGINT) and SIGTERM, handled in one place.

One *stop scope* (the CLI opens one around a whole command; :func:`staffsim.executors.run_tasks`
opens one of its own when it is called outside any) records the first stop signal and the number
received. What a signal does depends on where the program is:

- inside :func:`~staffsim.executors.run_tasks` on worker processes or a cluster, it only sets a
  flag that the run's loop looks at several times a second: queued work is cancelled at once, the
  tasks already running get :data:`GRACE_S` seconds to finish (a second signal: none), then their
  workers are stopped and reaped; what finished is kept and the run's ``stopped`` says why;
- anywhere else (a run in this process, solving, writing files) the first signal raises
  ``KeyboardInterrupt`` (SIGINT) or :class:`~staffsim.errors.Terminated` (SIGTERM, a
  ``KeyboardInterrupt`` too), so ``finally`` blocks clean up: temporary files are removed and no
  output is half-written. A second signal while that clean-up runs is counted, not raised, so it
  cannot break the clean-up;
- a third signal ends the process at once (``os._exit``) after killing its worker processes.

Once a stop was requested in a scope, every later :func:`~staffsim.executors.run_tasks` of that
scope returns at once with nothing run: a command that runs several batches (a closed loop, a
sweep) stops at the first, and the caller sees ``complete=False`` with ``stopped`` saying why.
Handlers are installed only from the main thread and never over a signal that is ignored
(``nohup``, a background job).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from staffsim.errors import Terminated

#: ``stopped`` of a run that Ctrl-C (SIGINT) stopped
INTERRUPTED = "interrupted"
#: ``stopped`` of a run that SIGTERM stopped
TERMINATED = "terminated"
#: seconds the tasks already running get to finish after the first stop signal
GRACE_S = 2.0
#: exit codes after a stop signal: 128 + the signal's number
EXIT_CODES = {INTERRUPTED: 128 + signal.SIGINT, TERMINATED: 128 + signal.SIGTERM}

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class StopState:
    """What a stop scope has received: the first stop signal's number and how many arrived."""

    signum: int | None = None
    count: int = 0
    raising: bool = True  # False inside run_tasks on workers: the run's loop looks at the flag

    @property
    def requested(self) -> bool:
        """True once a stop signal arrived in this scope."""
        return self.signum is not None

    @property
    def reason(self) -> str | None:
        """:data:`INTERRUPTED`, :data:`TERMINATED` or None (no stop requested)."""
        if self.signum is None:
            return None
        return TERMINATED if self.signum == signal.SIGTERM else INTERRUPTED


_STATE: StopState | None = None
#: worker processes alive now (objects with ``kill()``): the third signal kills them before exiting
CHILDREN: set[Any] = set()


def exception_for(reason: str | None) -> KeyboardInterrupt:
    """The exception that says a run stopped for ``reason``: Terminated for SIGTERM."""
    return Terminated() if reason == TERMINATED else KeyboardInterrupt()


def _on_signal(signum: int, frame: Any) -> None:
    state = _STATE
    if state is None:  # not ours any more (a handler left behind): act as Python would
        raise exception_for(TERMINATED if signum == signal.SIGTERM else INTERRUPTED)
    state.count += 1
    if state.signum is None:
        state.signum = signum
    if state.count >= 3:
        _exit_now(state)
    if state.raising and state.count == 1:
        raise exception_for(state.reason)


def _exit_now(state: StopState) -> None:
    for child in list(CHILDREN):
        with contextlib.suppress(Exception):
            child.kill()
    os._exit(EXIT_CODES.get(state.reason or INTERRUPTED, 130))


def current() -> StopState | None:
    """The stop scope in force, if any."""
    return _STATE


@contextlib.contextmanager
def scope() -> Iterator[StopState]:
    """A stop scope (see the module's description); nested scopes join the outer one."""
    global _STATE
    if _STATE is not None:
        yield _STATE
        return
    state = StopState()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for s in _SIGNALS:
            old = signal.getsignal(s)
            if old is not signal.SIG_IGN:
                previous[s] = old
                signal.signal(s, _on_signal)
    _STATE = state
    try:
        yield state
    finally:
        _STATE = None
        for s, old in previous.items():
            signal.signal(s, old if old is not None else signal.SIG_DFL)


@contextlib.contextmanager
def flag_only(state: StopState) -> Iterator[None]:
    """Inside the block signals of ``state``'s scope only set its flag (see the module)."""
    before = state.raising
    state.raising = False
    try:
        yield
    finally:
        state.raising = before


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Stop signals held back (delivered when the block ends): for a few steps that must not be
    cut in two, such as renaming a batch of finished outputs into place."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
