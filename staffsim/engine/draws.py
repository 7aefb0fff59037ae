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

from staffsim.engine.redials import RedialDrawer
from staffsim.engine.repeats import make_resolution, set_resolution
from staffsim.engine.transfers import transfer_drawer
from staffsim.rng import stream
from staffsim.scenarios import events as ev
from staffsim.scenarios.scenario import Scenario


class DayDraws:
    """One channel's first attempts of one day, in arrival order (Python lists: fast scalar
    access in the event loop). ``offset``: the channel's contact number of the first of them;
    ``patience``, ``retry_u`` and ``retry_delay`` are flat, ``[i * k + attempt]``."""

    __slots__ = ("channel", "offset", "times", "deflect_u", "fail_u", "fail_delay", "handle",
                 "patience", "retry_u", "retry_delay", "k", "lost",
                 "res", "resolve_u", "slot_k", "slot_j",  # engine/repeats.py
                 # customer behaviours (empty lists when the channel has none): the segment of
                 # each contact; per attempt [i * k + attempt] the balking and callback-accept
                 # draws; per callback dial [i * m + dial] the answer draws
                 "segment", "balk_u", "accept_u", "answer_u", "m",
                 "wrap",  # after-contact work per contact (issue 20; empty when off)
                 "xfer")  # transfer and conference draws (engine/transfers.py; None when off)
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
        # week: interval AHT, forecast error and events (each None / empty when off)
        mean = scenario.handle_time(name).mean
        self.handle_ratio = scenario.handle_means(name) / mean if name in scenario.aht else None
        self.uncertainty = ch.volume_uncertainty
        self.windows = scenario.windows(name)
        self.uplift = 1.0 + (ch.self_service.handle_time_uplift if ch.self_service else 0.0)
        self.k = (ch.retrial.attempts if ch.retrial else 1) + (
            1 if ch.self_service and ch.self_service.failure > 0 else 0
        )
        self.volumes = scenario.volumes[name]
        self.handle = scenario.handle_time(name)
        self.patience = scenario.patience(name)
        ss, retry = ch.self_service, ch.retrial
        self.self_service = ss is not None  # without it, no self-service draw is ever read
        self.fail_delay = ss.failure_delay.to_distribution() if ss and ss.failure > 0 else None
        self.retry_delay = retry.delay.to_distribution() if retry else None
        self.arrivals = None
        if ch.arrivals is not None:
            times = np.asarray(ch.arrivals, float)
            self.arrivals = (times, np.searchsorted(self.starts, times, side="right") - 1)
        self.next_offset = 0
        self.resolution = make_resolution(scenario, name, channel)
        # retrial values drawn as attempts happen (engine/redials.py); up front: every attempt's
        lazy = ch.retrial is not None and ch.retrial.lazy
        self.redials = RedialDrawer(self, ch.retrial) if lazy else None
        self.k_draw = 1 if lazy else self.k  # attempts drawn up front per contact
        self._behaviours(ch)
        self.after_work = ch.after_work.to_distribution() if ch.after_work is not None else None
        self.xfer = transfer_drawer(scenario, name, seed, rep)  # transfers, conferences (issue 20)

    def day(self, d: int) -> DayDraws:
        """The draws of day ``d`` (0-based); call in day order (contact numbers run on)."""
        k_max = self.k
        k_draw = self.k_draw
        seed, rep, name = self.seed, self.rep, self.name
        parts: dict[str, list[np.ndarray]] = {key: [] for key in
                                              ("t", "defl", "fail", "fdelay", "handle", "pat", "ru", "rdelay",
                                               "lost", "kslot", "jslot")}
        sizes: dict[int, int] = {}  # contacts per slot (retrial draws as needed)
        res = [] if self.resolution is not None else None  # first-contact resolution draws
        day_factor = None  # the day's forecast-error multiplier (per: day), once drawn
        for k in self.day_slots[d]:
            cuts = None  # the slot cut by event windows (None: no event touches it)
            if self.windows and ev.touched(self.windows, self.starts[k], self.starts[k] + self.slot):
                cuts = ev.pieces(self.windows, self.starts[k], self.starts[k] + self.slot)
            if self.arrivals is not None:
                times = self.arrivals[0][self.arrivals[1] == k]
                n = len(times)
            else:
                vol = self.volumes[k]
                if not vol > 0:  # no volume, no contacts: the slot's streams are keyed, none is read
                    continue
                if self.uncertainty is not None:
                    if self.uncertainty.per != "day":
                        vol = vol * volume_multiplier(self.uncertainty, seed, rep, name, d, k)
                    else:  # one multiplier per day: drawn once (the same number for every slot)
                        if day_factor is None:
                            day_factor = volume_multiplier(self.uncertainty, seed, rep, name, d, k)
                        vol = vol * day_factor
                if cuts is not None:
                    vol = vol * ev.mean_volume_factor(cuts)
                rng = stream(seed, rep, name, "arrivals", k)
                n = int(rng.poisson(vol)) if vol > 0 else 0
                if cuts is None:
                    times = np.sort(rng.uniform(self.starts[k], self.starts[k] + self.slot, n))
                else:
                    times = ev.place(cuts, np.sort(rng.uniform(0.0, 1.0, n)))
            if n == 0:
                continue
            parts["t"].append(times)
            if self.self_service:
                rng = stream(seed, rep, name, "self_service", k)
                deflect_u = rng.random(n)
                fail_u = rng.random(n)
                if self.fail_delay is not None:  # read only when self-service can fail
                    parts["fdelay"].append(self.fail_delay.sample(rng, n))
            else:  # no self-service: the stream is not made (u = 1 is never below a deflection of 0)
                deflect_u, fail_u = np.ones(n), np.ones(n)
            handle = self.handle.sample(stream(seed, rep, name, "handle", k), n)
            if self.handle_ratio is not None:  # the slot's AHT: the distribution scaled to it
                handle = handle * self.handle_ratio[k]
            lost = np.zeros(n, bool)
            hf = 1.0
            if cuts is not None:  # events: handle factor, self-service down, unavailable
                hf, lost, down = ev.effects_at(cuts, times)
                handle = handle * hf
                if down.any():
                    handle[down] /= self.uplift  # the whole mix reaches agents: no uplift
                    hf = np.where(down, hf / self.uplift, hf)  # the same for segments' own draws
                    deflect_u[down] = 2.0  # a draw u >= 1 is never < deflection
                    fail_u[down] = 2.0
            parts["defl"].append(deflect_u)
            parts["fail"].append(fail_u)
            parts["handle"].append(handle)
            parts["lost"].append(lost)
            parts["pat"].append(self.patience.sample(stream(seed, rep, name, "patience", k), (n, k_draw))
                                if self.patience else np.full((n, k_draw), np.inf))
            if self.redials is not None:  # retrial values as needed: the contacts' slot and place
                parts["kslot"].append(np.full(n, k, np.int64))
                parts["jslot"].append(np.arange(n))
                sizes[int(k)] = n
            elif self.retry_delay is not None:  # the retrial draws are read only with retrials on
                rng = stream(seed, rep, name, "retrial", k)
                parts["ru"].append(rng.random((n, k_max)))
                parts["rdelay"].append(self.retry_delay.sample(rng, (n, k_max)))
            if res is not None:
                res.append((k, stream(seed, rep, name, "resolution", k).random(n)))
            self._behaviour_draws(parts, k, n, hf)
            if self.after_work is not None:  # after-contact work: one per contact, its own stream
                parts.setdefault("wrap", []).append(self.after_work.sample(stream(seed, rep, name, "after_work", k), n))
            if self.xfer is not None:  # transfers and conferences: their own streams (engine/transfers.py)
                self.xfer.draw(parts, k, n)

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
        lost = np.concatenate(parts["lost"]) if parts["lost"] else np.zeros(0, bool)
        out.lost = lost if lost.any() else None  # contacts arriving while the channel is unavailable
        set_resolution(out, self.resolution, res)
        out.segment = cat("segment")
        out.balk_u = cat("balk_u")
        out.accept_u = cat("accept_u")
        out.answer_u = cat("answer_u")
        out.m = self.m
        out.wrap = cat("wrap")
        out.xfer = self.xfer.collect(parts) if self.xfer is not None else None
        if self.redials is not None:
            self.redials.wrap(out, parts, sizes)
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

    def _behaviour_draws(self, parts: dict, k: int, n: int, hf=1.0) -> None:
        """Slot ``k``'s segment, balking and callback draws for its ``n`` contacts; a contact of
        a segment with its own handle time or patience takes them from the segment's streams
        (overwriting the channel's draws just made; an event's handle-time factor ``hf`` applies
        to them too, interval AHT does not: it is the channel's mix). Contact i's draws depend only on its index
        in the slot and its segment, so moving a share moves few contacts and changes no other
        draw."""
        seed, rep, name = self.seed, self.rep, self.name
        if len(self.seg_cum):
            u = stream(seed, rep, name, "segment", k).random(n)
            seg = np.searchsorted(self.seg_cum, u, side="right")
            parts.setdefault("segment", []).append(seg)
            for j, sname, dist in self.seg_handle:
                own = dist.sample(stream(seed, rep, name, "segment_handle", sname, k), n)
                parts["handle"][-1][seg == j] = (own * hf)[seg == j]
            for j, sname, dist in self.seg_patience:
                own = dist.sample(stream(seed, rep, name, "segment_patience", sname, k), (n, self.k_draw))
                parts["pat"][-1][seg == j] = own[seg == j]
        if self.balking:
            parts.setdefault("balk_u", []).append(stream(seed, rep, name, "balking", k).random((n, self.k_draw)))
        if self.m:
            parts.setdefault("accept_u", []).append(stream(seed, rep, name, "callback", k).random((n, self.k_draw)))
            # dial by dial, so that max_attempts changes no dial's draw
            dials = [stream(seed, rep, name, "callback_answer", k, d).random(n) for d in range(self.m)]
            parts.setdefault("answer_u", []).append(np.stack(dials, axis=1))
    # --- end of customer behaviours -----------------------------------------------------------


def volume_multiplier(spec, seed: int, rep: int, name: str, day: int, k: int) -> float:
    """The forecast-error multiplier of channel ``name`` in slot ``k`` (on day ``day``): gamma
    with mean 1 and the spec's cv, one per day (shared by the day's slots) or one per slot, each
    from its own stream ``(seed, rep, name, "volume_uncertainty", "day"|"slot", day|k)`` (with
    ``shared``, the group's name in place of the channel's: :func:`factor_name`)."""
    shape = 1.0 / spec.cv**2
    key = day if spec.per == "day" else k
    return float(stream(seed, rep, factor_name(spec, name), "volume_uncertainty", spec.per, key)
                 .gamma(shape, 1.0 / shape))


def factor_name(spec, name: str) -> str:
    """Whose stream a channel's forecast-error multiplier comes from: its own (``shared`` off),
    or its group's when the factor is ``shared`` (issue 20): ``"shared.shared"`` for
    ``shared: true``, ``"shared.<name>"`` for a named group. No channel can have these names (a
    channel name holds no '.'), so a shared factor never takes a channel's draws; the channels
    of a group then get the same multiplier, day by day (or slot by slot)."""
    if spec.shared is False:
        return name
    return "shared." + ("shared" if spec.shared is True else spec.shared)


def merge_day(days: list[DayDraws]) -> tuple[list[float], list[DayDraws], list[int]]:
    """The first attempts of all channels of one day in time order (ties: channel order):
    (times, the DayDraws each comes from, its index in them)."""
    if not days:
        return [], [], []
    times = np.concatenate([np.asarray(d.times, float) for d in days])
    source = np.concatenate([np.full(len(d), j) for j, d in enumerate(days)]).astype(np.int64)
    index = np.concatenate([np.arange(len(d)) for d in days]).astype(np.int64)
    if any(d.lost is not None for d in days):  # contacts lost to an unavailable channel never arrive
        keep = ~np.concatenate([d.lost if d.lost is not None else np.zeros(len(d), bool) for d in days])
        times, source, index = times[keep], source[keep], index[keep]
    order = np.argsort(times, kind="stable")
    return times[order].tolist(), [days[j] for j in source[order].tolist()], index[order].tolist()
