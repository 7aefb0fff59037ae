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

from staffsim.rng import stream
from staffsim.scenarios.scenario import Scenario


class DayDraws:
    """One channel's first attempts of one day, in arrival order (Python lists: fast scalar
    access in the event loop). ``offset``: the channel's contact number of the first of them;
    ``patience``, ``retry_u`` and ``retry_delay`` are flat, ``[i * k + attempt]``."""

    __slots__ = ("channel", "offset", "times", "deflect_u", "fail_u", "fail_delay", "handle",
                 "patience", "retry_u", "retry_delay", "k",
                 # customer behaviours (empty lists when the channel has none): the segment of
                 # each contact; per attempt [i * k + attempt] the balking and callback-accept
                 # draws; per callback dial [i * m + dial] the answer draws
                 "segment", "balk_u", "accept_u", "answer_u", "m")

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
        self._behaviours(ch)

    def day(self, d: int) -> DayDraws:
        """The draws of day ``d`` (0-based); call in day order (contact numbers run on)."""
        k_max = self.k
        seed, rep, name = self.seed, self.rep, self.name
        parts: dict[str, list[np.ndarray]] = {key: [] for key in
                                              ("t", "defl", "fail", "fdelay", "handle", "pat", "ru", "rdelay")}
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
            self._behaviour_draws(parts, k, n)

        def cat(key: str) -> list[float]:
            return np.concatenate(parts[key]).ravel().tolist() if parts.get(key) else []

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
        out.segment = cat("segment")
        out.balk_u = cat("balk_u")
        out.accept_u = cat("accept_u")
        out.answer_u = cat("answer_u")
        out.m = self.m
        self.next_offset += len(out.times)
        return out

    # --- customer behaviours: segments, balking, callbacks (each draw its own stream) ----------
    def _behaviours(self, ch) -> None:
        segs = ch.segments or {}
        shares = np.cumsum([s.share for s in segs.values()])
        if len(shares):
            shares[-1] = 1.0  # every draw u < 1 falls in a segment whatever the rounding
        self.seg_cum = shares
        self.seg_handle = [(j, name, s.handle_time.to_distribution())
                           for j, (name, s) in enumerate(segs.items()) if s.handle_time is not None]
        self.seg_patience = [(j, name, s.patience.to_distribution())
                             for j, (name, s) in enumerate(segs.items()) if s.patience is not None]
        self.balking = ch.balking is not None
        self.m = ch.callbacks.max_attempts if ch.callbacks is not None else 0

    def _behaviour_draws(self, parts: dict, k: int, n: int) -> None:
        """Slot ``k``'s segment, balking and callback draws for its ``n`` contacts; a contact of
        a segment with its own handle time or patience takes them from the segment's streams
        (overwriting the channel's draws just made). Contact i's draws depend only on its index
        in the slot and its segment, so moving a share moves few contacts and changes no other
        draw."""
        seed, rep, name = self.seed, self.rep, self.name
        if len(self.seg_cum):
            u = stream(seed, rep, name, "segment", k).random(n)
            seg = np.searchsorted(self.seg_cum, u, side="right")
            parts.setdefault("segment", []).append(seg)
            for j, sname, dist in self.seg_handle:
                own = dist.sample(stream(seed, rep, name, "segment_handle", sname, k), n)
                parts["handle"][-1][seg == j] = own[seg == j]
            for j, sname, dist in self.seg_patience:
                own = dist.sample(stream(seed, rep, name, "segment_patience", sname, k), (n, self.k))
                parts["pat"][-1][seg == j] = own[seg == j]
        if self.balking:
            parts.setdefault("balk_u", []).append(stream(seed, rep, name, "balking", k).random((n, self.k)))
        if self.m:
            parts.setdefault("accept_u", []).append(stream(seed, rep, name, "callback", k).random((n, self.k)))
            # dial by dial, so that max_attempts changes no dial's draw
            dials = [stream(seed, rep, name, "callback_answer", k, d).random(n) for d in range(self.m)]
            parts.setdefault("answer_u", []).append(np.stack(dials, axis=1))
    # --- end of customer behaviours -----------------------------------------------------------


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
