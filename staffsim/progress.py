"""A plain progress bar on stderr for runs longer than a couple of seconds.

On a terminal it appears once a run has taken ``delay`` seconds and redraws at most ten times a
second. With the output redirected (a batch job's log, no terminal) it writes one plain line at
most every :data:`LOG_EVERY_S` seconds instead, so a long run in a log file shows it is alive:
``simulating: 12/60 (20%), 4 min left``. ``enabled=False`` (``--no-progress``) shows nothing.
Anything with ``update()`` and ``close()`` can stand in for it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

#: seconds between progress lines when the output is not a terminal
LOG_EVERY_S = 30.0


class Progress:
    def __init__(self, total: int, label: str, *, stream: TextIO | None = None,
                 enabled: bool | None = None, delay: float = 2.0):
        self.total = max(1, total)
        self.label = label
        self.stream = stream or sys.stderr
        tty = _isatty(self.stream)
        self.enabled = tty if enabled is None else enabled
        self.log_lines = enabled is None and not tty
        self.delay = delay
        self.done = 0
        self.start = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._closed = threading.Event()
        if self.log_lines:  # a line every LOG_EVERY_S, even while one long task runs
            threading.Thread(target=self._log_lines, daemon=True, name="staffsim-progress").start()

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self._last < 0.1 and self.done < self.total):
            return
        self._last = now
        frac = self.done / self.total
        elapsed = now - self.start
        left = elapsed * (1 - frac) / frac if frac > 0 else 0.0
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} ({frac:.0%}) "
                          f"{left:4.0f}s left ")
        self.stream.flush()
        self._drawn = True

    def _log_lines(self) -> None:
        while not self._closed.wait(LOG_EVERY_S):
            frac = self.done / self.total
            elapsed = time.monotonic() - self.start
            left = f", {_minutes(elapsed * (1 - frac) / frac)} left" if frac > 0 else ""
            try:
                self.stream.write(f"{self.label}: {self.done}/{self.total} ({frac:.0%}) after "
                                  f"{_minutes(elapsed)}{left}\n")
                self.stream.flush()
            except (OSError, ValueError):  # the log went away: nothing to tell
                return

    def close(self) -> None:
        self._closed.set()
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class Heartbeat:
    """For a long computation that reports by lines (an ISA search's iterations, a forecast's
    steps) run with the output redirected: a line at most every :data:`LOG_EVERY_S` seconds,
    ``requirement: still working after 3 min; last: iteration 4: ...``, so a batch job's log
    shows it is alive even while one step takes minutes. :meth:`note` records the latest line
    (pass it as the computation's ``log``); nothing is written for a run shorter than the
    interval."""

    def __init__(self, label: str, *, stream: TextIO | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.last = "started"
        self.start = time.monotonic()
        self._closed = threading.Event()
        threading.Thread(target=self._beat, daemon=True, name="staffsim-heartbeat").start()

    def note(self, line: str) -> None:
        """The computation's latest line, repeated by the next heartbeat."""
        self.last = line

    def _beat(self) -> None:
        while not self._closed.wait(LOG_EVERY_S):
            try:
                self.stream.write(f"{self.label}: still working after "
                                  f"{_minutes(time.monotonic() - self.start)}; last: {self.last}\n")
                self.stream.flush()
            except (OSError, ValueError):  # the log went away: nothing to tell
                return

    def close(self) -> None:
        self._closed.set()


def line_log(label: str, *, enabled: bool, lines: bool = True, stream: TextIO | None = None):
    """``(log, close)`` for a computation that reports by lines: on a terminal every line as it
    comes (when ``lines``: a table on stdout, not JSON); redirected, a :class:`Heartbeat` (a line
    every :data:`LOG_EVERY_S` s at most); ``enabled=False`` (``--no-progress``): nothing. Call
    ``close()`` when the computation ends."""
    stream = stream or sys.stderr
    if not enabled or (not lines and _isatty(stream)):
        return None, lambda: None
    if _isatty(stream):
        def log(line: str) -> None:
            print(f"{label}: {line}", file=stream, flush=True)
        return log, lambda: None
    beat = Heartbeat(label, stream=stream)
    return beat.note, beat.close


@contextlib.contextmanager
def heartbeat(label: str, *, enabled: bool = True, stream: TextIO | None = None) -> Iterator[None]:
    """Around a long step that reports nothing as it goes (an integer program's solve): with the
    output redirected, a :class:`Heartbeat` line at most every :data:`LOG_EVERY_S` s; on a
    terminal, or with ``enabled=False``, nothing."""
    stream = stream or sys.stderr
    beat = Heartbeat(label, stream=stream) if enabled and not _isatty(stream) else None
    try:
        yield
    finally:
        if beat is not None:
            beat.close()


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
