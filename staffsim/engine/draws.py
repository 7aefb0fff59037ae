"""Pre-drawn attributes of the contacts, one channel and one day at a time.

Every contact's arrival time, self-service draws, handle time, patience (one per possible
attempt) and retrial draws come from streams keyed by (seed, replication, channel, kind, slot)
(:mod:`staffsim.rng`). Contact *i* of a channel's slot is therefore the same person in every
scenario that shares the seed and that slot's volume, whatever the staffing: common random
numbers by construction. A day's draws are made when the day starts and released when its last
contact is done with, so a long horizon needs memory for about a day, not for the whole run.
"""

from __future__ import annotations

import numpy as np

from staffsim.engine.repeats import make_resolution, set_resolution
from staffsim.rng import stream
from staffsim.scenarios.scenario import Scenario


class DayDraws:
    """One channel's first attempts of one day, in arrival order (Python lists: fast scalar
    access in the event loop). ``offset``: the channel's contact number of the first of them;
    ``patience``, ``retry_u`` and ``retry_delay`` are flat, ``[i * k + attempt]``."""

    __slots__ = ("channel", "offset", "times", "deflect_u", "fail_u", "fail_delay", "handle",
                 "patience", "retry_u", "retry_delay", "k",
                 "res", "resolve_u", "slot_k", "slot_j")  # engine/repeats.py
    level = 0  # first contacts (repeats are level 1, 2, ...: engine/repeats.py)

    def __len__(self) -> int:
        return len(self.times)


class ChannelDrawer:
    """Makes a channel's :class:`DayDraws` day by day for one (seed, replication)."""

    def __init__(self, scenario: Scenario, name: str, channel: int, seed: int, rep: int):
        ch = scenario.channel(name)
        h = scenario.spec.horizon
        self.name, self.channel, self.seed, self.rep = name, channel, seed, rep
        self.starts = h.slot_starts()
        self.slot = h.slot
        day_of = (self.starts // 86400.0).astype(np.int64)
        self.day_slots = [np.flatnonzero(day_of == d) for d in range(h.days)]
        self.k = (ch.retrial.max_attempts if ch.retrial else 1) + (
            1 if ch.self_service and ch.self_service.failure > 0 else 0
        )
        self.volumes = scenario.volumes[name]
        self.handle = scenario.handle_time(name)
        self.patience = scenario.patience(name)
        ss, retry = ch.self_service, ch.retrial
        self.fail_delay = ss.failure_delay.to_distribution() if ss and ss.failure > 0 else None
        self.retry_delay = retry.delay.to_distribution() if retry else None
        self.arrivals = None
        if ch.arrivals is not None:
            times = np.asarray(ch.arrivals, float)
            self.arrivals = (times, np.searchsorted(self.starts, times, side="right") - 1)
        self.next_offset = 0
        self.resolution = make_resolution(scenario, name, channel)

    def day(self, d: int) -> DayDraws:
        """The draws of day ``d`` (0-based); call in day order (contact numbers run on)."""
        k_max = self.k
        seed, rep, name = self.seed, self.rep, self.name
        parts: dict[str, list[np.ndarray]] = {key: [] for key in
                                              ("t", "defl", "fail", "fdelay", "handle", "pat", "ru", "rdelay")}
        res = [] if self.resolution is not None else None  # first-contact resolution draws
        for k in self.day_slots[d]:
            if self.arrivals is not None:
                times = self.arrivals[0][self.arrivals[1] == k]
                n = len(times)
            else:
                vol = self.volumes[k]
                rng = stream(seed, rep, name, "arrivals", k)
                n = int(rng.poisson(vol)) if vol > 0 else 0
                times = np.sort(rng.uniform(self.starts[k], self.starts[k] + self.slot, n))
            if n == 0:
                continue
            parts["t"].append(times)
            rng = stream(seed, rep, name, "self_service", k)
            parts["defl"].append(rng.random(n))
            parts["fail"].append(rng.random(n))
            parts["fdelay"].append(self.fail_delay.sample(rng, n) if self.fail_delay else np.zeros(n))
            parts["handle"].append(self.handle.sample(stream(seed, rep, name, "handle", k), n))
            rng = stream(seed, rep, name, "patience", k)
            parts["pat"].append(
                self.patience.sample(rng, (n, k_max)) if self.patience else np.full((n, k_max), np.inf)
            )
            rng = stream(seed, rep, name, "retrial", k)
            parts["ru"].append(rng.random((n, k_max)))
            parts["rdelay"].append(
                self.retry_delay.sample(rng, (n, k_max)) if self.retry_delay else np.zeros((n, k_max))
            )
            if res is not None:
                res.append((k, stream(seed, rep, name, "resolution", k).random(n)))

        def cat(key: str) -> list[float]:
            return np.concatenate(parts[key]).ravel().tolist() if parts[key] else []

        out = DayDraws()
        out.channel = self.channel
        out.offset = self.next_offset
        out.times = cat("t")
        out.deflect_u = cat("defl")
        out.fail_u = cat("fail")
        out.fail_delay = cat("fdelay")
        out.handle = cat("handle")
        out.patience = cat("pat")
        out.retry_u = cat("ru")
        out.retry_delay = cat("rdelay")
        out.k = k_max
        set_resolution(out, self.resolution, res)
        self.next_offset += len(out.times)
        return out


def merge_day(days: list[DayDraws]) -> tuple[list[float], list[DayDraws], list[int]]:
    """The first attempts of all channels of one day in time order (ties: channel order):
    (times, the DayDraws each comes from, its index in them)."""
    if not days:
        return [], [], []
    times = np.concatenate([np.asarray(d.times, float) for d in days])
    source = np.concatenate([np.full(len(d), j) for j, d in enumerate(days)]).astype(np.int64)
    index = np.concatenate([np.arange(len(d)) for d in days]).astype(np.int64)
    order = np.argsort(times, kind="stable")
    return times[order].tolist(), [days[j] for j in source[order].tolist()], index[order].tolist()
