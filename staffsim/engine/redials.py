"""Retrial draws made as attempts happen (issue 20): ``retrial.draws: as_needed``, implied by
``keep_patience``, ``max_attempts: unlimited`` and ``when_closed: at_opening``.

Up front (the default, earlier numbers) every contact gets a patience, a retrial draw and a
retrial delay for every *possible* attempt when its day starts: with a high ``max_attempts``
most of them are never used (about 35% more time at 10 attempts; 100,000 attempts took
gigabytes). As needed, the first attempt's patience (and balking and callback draws) are drawn up
front as before, one per contact, and the values of attempt ``num`` of the contacts of slot
``k`` are drawn together when the first of them is needed, from their own stream
``(seed, replication, channel, "redial", what, k, num)`` (``what``: patience, retry_u,
retry_delay, balk_u, accept_u; a segment's own patience from ``"redial", "segment_patience",
segment, k, num``). A contact's values still depend only on its slot, its place in the slot and
the attempt: common random numbers hold, and the numbers do not depend on ``max_attempts``.
Blocks live as long as the day's draws.

With ``keep_patience`` every attempt of a contact has the first attempt's patience (the same
caller, the same tolerance).

:class:`PerAttempt` looks like the flat up-front list ``[i * k + attempt]`` to the engine, so the
event callbacks do not change.
"""

from __future__ import annotations

import numpy as np

from staffsim.rng import stream


class PerAttempt:
    """``values[i * k + num]`` for a day's contacts: attempt 0 from ``first`` (when given),
    later attempts from blocks drawn per (slot, attempt) on first use."""

    __slots__ = ("first", "k", "make", "blocks", "kslot", "jslot", "keep_first")

    def __init__(self, first, k: int, make, kslot: list[int], jslot: list[int], keep_first: bool = False):
        self.first = first
        self.k = k
        self.make = make  # (slot, attempt) -> the slot's values of that attempt
        self.blocks: dict[tuple[int, int], list[float]] = {}
        self.kslot = kslot
        self.jslot = jslot
        self.keep_first = keep_first

    def __getitem__(self, index: int) -> float:
        i, num = divmod(index, self.k)
        if self.first is not None and (num == 0 or self.keep_first):
            return self.first[i]
        key = (self.kslot[i], num)
        block = self.blocks.get(key)
        if block is None:
            block = self.blocks[key] = self.make(*key)
        return block[self.jslot[i]]

    def __len__(self) -> int:
        return len(self.kslot) * self.k


class RedialDrawer:
    """Makes the :class:`PerAttempt` columns of one channel's day."""

    def __init__(self, drawer, retrial):
        self.d = drawer
        self.keep = retrial.keep_patience

    def wrap(self, out, parts: dict, sizes: dict[int, int]) -> None:
        """Replace ``out``'s per-attempt columns (drawn up front for attempt 0 only) by
        :class:`PerAttempt` columns."""
        kslot = np.concatenate(parts["kslot"]).tolist() if parts["kslot"] else []
        jslot = np.concatenate(parts["jslot"]).tolist() if parts["jslot"] else []
        segment = out.segment
        d, k = self.d, out.k

        def seg_of(slot: int) -> np.ndarray | None:
            if not segment:
                return None
            idx = [i for i, s in enumerate(kslot) if s == slot]
            return np.asarray([segment[i] for i in idx])

        def block(what: str, draw):
            def make(slot: int, num: int) -> list[float]:
                rng = stream(d.seed, d.rep, d.name, "redial", what, slot, num)
                return draw(rng, sizes[slot], slot, num).tolist()
            return make

        def patience(rng, n, slot, num):
            values = d.patience.sample(rng, n) if d.patience else np.full(n, np.inf)
            if d.seg_patience:
                seg = seg_of(slot)
                for j, sname, dist in d.seg_patience:
                    own = dist.sample(stream(d.seed, d.rep, d.name, "redial", "segment_patience", sname, slot, num), n)
                    values[seg == j] = own[seg == j]
            return values

        out.patience = PerAttempt(out.patience, k, block("patience", patience), kslot, jslot, self.keep)
        if d.retry_delay is not None:
            out.retry_u = PerAttempt(None, k, block("retry_u", lambda rng, n, s, m: rng.random(n)), kslot, jslot)
            out.retry_delay = PerAttempt(None, k, block("retry_delay", lambda rng, n, s, m: d.retry_delay.sample(rng, n)),
                                         kslot, jslot)
        if out.balk_u:
            out.balk_u = PerAttempt(out.balk_u, k, block("balk_u", lambda rng, n, s, m: rng.random(n)), kslot, jslot)
        if out.accept_u:
            out.accept_u = PerAttempt(out.accept_u, k, block("accept_u", lambda rng, n, s, m: rng.random(n)),
                                      kslot, jslot)


def next_opening(h, day_hours: list, t: float) -> float | None:
    """The first opening at or after ``t`` (seconds from midnight of day 1), or None when the
    horizon has none left."""
    day, tod = divmod(t, 86400.0)
    for d in range(int(day), h.days):
        hours = day_hours[d]
        if hours is None:
            continue
        if d > day or tod < hours[0]:
            return d * 86400.0 + hours[0]
        if tod < hours[1]:
            return t  # open now
    return None
