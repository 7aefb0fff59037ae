"""A plain progress bar on stderr for runs longer than a couple of seconds.

It appears only on a terminal, only once a run has taken ``delay`` seconds, and redraws at most
ten times a second. Anything with ``update()`` and ``close()`` can stand in for it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, *, stream: TextIO | None = None,
                 enabled: bool | None = None, delay: float = 2.0):
        self.total = max(1, total)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.done = 0
        self.start = time.monotonic()
        self._last = 0.0
        self._drawn = False

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

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
