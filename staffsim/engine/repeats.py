"""First-contact resolution: unresolved contacts coming back as repeat attempts.

A channel with ``resolution: {first_contact: r, repeat_delay: ..., repeat_channels: {...}}``:

- when an agent *finishes* an attempt of the channel (a first attempt, or its retry or
  self-service return: the customer's first answered contact), the contact is resolved when its
  draw u < r (one draw per contact, from the stream ``(channel, "resolution", slot)``, so raising r
  resolves a superset of the same contacts);
- an unresolved contact comes back after ``repeat_delay`` (drawn for it) on a channel drawn from
  ``repeat_channels`` (default: the same channel), as a new attempt of kind ``repeat``, counted in
  ``offered`` of the slot it arrives in. It skips self-service (it needs an agent), draws its own
  handle time from its channel's handle-time distribution (× that channel's self-service uplift,
  as every contact reaching its agents), its own patience and retrial draws; abandoned, it
  retries like any contact of that channel;
- a repeat that is answered is resolved with probability ``repeat`` (default r: the number of
  answered contacts a customer needs is then geometric, mean 1/r); an unresolved repeat comes
  back again, with the delay and channel shares of the channel where the issue *first* came in.

*Landing.* A repeat whose time falls while the center is closed comes back during the next open
day instead, at a time drawn like that day's arrivals on its channel: a slot in proportion to the
channel's volume per slot that day, uniformly within the slot (uniformly over the day's open
hours when the channel has no volume that day). It is counted in ``repeats_deferred``: customers
with an unresolved issue come back when the center is open, at the hours customers call, not all
at the opening instant. One whose time falls while an event makes its channel unavailable
comes back when the window ends (landed as above if the center is closed by then), also counted
in ``repeats_deferred``. One that would fall after the end of the horizon (the close of the last
day) is not simulated: the unresolved contact is counted in ``repeats_beyond_horizon``. The run
starts with no history: repeats of contacts from before the horizon are not in it (read the
later days of a multi-day horizon for the steady state).

*After-contact work.* On a channel with ``after_work`` the customer is judged when the
conversation ends (the repeat delay runs from then), while the agent wraps up; a repeat reaching
such a channel draws its wrap-up from the stream ``(c, "repeat_after_work", channel, k, n,
j // b)``, so the wrap-up moves none of the repeat's other draws.

*Customer behaviours.* A repeat reaching a channel with segments, balking or callbacks takes
them from the stream ``(c, "repeat_behaviour", channel, k, n, j // b)``: its segment (the
customer's, by name, when the channel has a segment of that name; else drawn by the channel's
shares), that segment's own handle time and patience, the balking and callback-accept draws per
attempt and the answer draw per dial. A customer answered by a callback dial is judged when the
connected dial ends; a dial nobody answered resolves nothing.

*Draws* (common random numbers by construction). The n-th repeat of first contact j of slot k
of channel c takes its resolution draw, channel draw, landing draw (used when the center is
closed) and delay, and its handle time, patience and retrial draws for each channel it may come
back to, from the stream ``(c, "repeat", k, n, j // b)`` at place ``j % b``, with blocks of
b = 128 customers for first repeats, 512 for second ones, at most 2048 (:func:`block_size`): the
same customer gets the same repeat in every scenario that shares the seed and that slot's
volume, whatever the staffing. Blocks are drawn when first needed and cached (bounded: a block
that falls out is drawn again identically), so memory stays bounded.
On a channel whose retrials draw as needed (``keep_patience``, ``max_attempts: unlimited``,
``when_closed: at_opening``, ``draws: as_needed``) the block holds only the first attempt's
patience there, and a repeat's later attempts draw their values when they happen
(:class:`RepeatRedials`), so the numbers do not depend on ``max_attempts``; a redial of a repeat
falls at the next opening with ``at_opening`` like any redial.

``Attempt.resolved``: -1 not judged (not answered, in service at the end, or its channel has
no resolution), 1 resolved, 0 unresolved (a repeat follows), 2 unresolved and its repeat would
fall beyond the horizon.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict

import numpy as np

from staffsim.engine.core import INF, REPEAT, Attempt, schedule
from staffsim.rng import stream

NOT_JUDGED, UNRESOLVED, RESOLVED, BEYOND = -1, 0, 1, 2


class Resolution:
    """The engine's view of one channel's ``resolution`` (the channel where issues come in)."""

    __slots__ = ("channel", "name", "first", "repeat", "delay", "targets", "cum")

    def __init__(self, spec, channel: int, name: str, index: dict[str, int]):
        self.channel, self.name = channel, name
        self.first = spec.first_contact
        self.repeat = spec.repeat_share
        self.delay = spec.repeat_delay.to_distribution()
        shares = spec.repeat_channels or {name: 1.0}
        self.targets = [index[t] for t in shares]
        cum = np.cumsum(list(shares.values())).tolist()
        cum[-1] = float("inf")  # shares sum to 1 up to rounding: every u < 1 lands somewhere
        self.cum = cum

    def pick(self, u: float) -> int:
        if len(self.targets) == 1:
            return self.targets[0]
        return self.targets[bisect_right(self.cum, u)]


def make_resolution(scenario, name: str, channel: int) -> Resolution | None:
    """The channel's :class:`Resolution`, or None when it does not model resolution."""
    spec = scenario.channel(name).resolution
    if spec is None:
        return None
    return Resolution(spec, channel, name, {c: i for i, c in enumerate(scenario.channels)})


def set_resolution(out, res: Resolution | None, parts: list | None) -> None:
    """Attach the first-contact resolution draws to a day's draws (``parts``: (slot, u) per slot
    with contacts, in time order), or mark the channel as not modelling resolution."""
    out.res = res
    if parts is None:
        out.resolve_u = out.slot_k = out.slot_j = None
        return
    out.resolve_u = np.concatenate([u for _, u in parts]).tolist() if parts else []
    out.slot_k = [k for k, u in parts for _ in range(len(u))]
    out.slot_j = [j for _, u in parts for j in range(len(u))]


class RepeatDraws:
    """One repeat attempt's draws, with the interface of a day's draws the engine uses (the
    contact is ``i = 0``): ``handle``, ``patience``/``retry_u``/``retry_delay`` (one per
    possible attempt, ``k``), the resolution draw, and where the issue came from (``origin``:
    resolution, slot, index in the slot, contact number, the customer's segment name or None);
    ``delay`` and ``land_u`` place it; ``wrap`` its after-contact work, and ``segment``,
    ``balk_u``, ``accept_u``, ``answer_u``, ``m`` the customer behaviours of the channel it
    reaches (empty when that channel has none)."""

    __slots__ = ("channel", "offset", "handle", "patience", "retry_u", "retry_delay", "k", "level",
                 "res", "resolve_u", "origin", "deferred", "delay", "land_u", "wrap",
                 # customer behaviours of the channel it reaches (empty when it has none)
                 "segment", "balk_u", "accept_u", "answer_u", "m")


class Behaviours:
    """A channel's customer behaviours as repeats reaching it need them: segment names and
    shares, the segments' own handle times and patience, balking, callback dials."""

    __slots__ = ("names", "cum", "own_handle", "own_patience", "balking", "m")

    def __init__(self, ch):
        segs = ch.segments or {}
        self.names = list(segs)
        cum = np.cumsum([x.share for x in segs.values()])
        if len(cum):
            cum[-1] = 1.0  # every draw u < 1 falls in a segment whatever the rounding
        self.cum = cum
        self.own_handle = [(j, x.handle_time.to_distribution()) for j, x in enumerate(segs.values())
                           if x.handle_time is not None]
        self.own_patience = [(j, x.patience.to_distribution()) for j, x in enumerate(segs.values())
                             if x.patience is not None]
        self.balking = ch.balking is not None
        self.m = ch.callbacks.max_attempts if ch.callbacks is not None else 0


def behaviours_of(ch) -> Behaviours | None:
    """The channel's :class:`Behaviours`, or None when it has no segments, balking or callbacks."""
    if ch.segments is None and ch.balking is None and ch.callbacks is None:
        return None
    return Behaviours(ch)


_HELD = 1 << 22  # drawn values kept at once, 32 MB (a block that falls out is drawn again)


def block_size(n: int) -> int:
    """Customers of a slot whose n-th repeats are drawn together: 128 for first repeats, four
    times more for each further repeat (fewer customers get that far), at most 2048."""
    return min(128 << 2 * (n - 1), 2048)


class RepeatDrawer:
    """Draws repeats' attributes for one (seed, replication).

    The n-th repeats of the customers j of slot k of a channel are drawn together for a block
    of :func:`block_size` customers (``j // size``) from the stream
    ``(channel, "repeat", k, n, block)``, when the first of them is needed; blocks are cached,
    least recently used out first once they hold 2**22 values (32 MB; a block that falls out is
    drawn again identically), so memory stays bounded and a stream is made for a block, not
    for every repeat."""

    def __init__(self, scenario, seed: int, rep: int):
        self.seed, self.rep = seed, rep
        self.names = list(scenario.channels)
        self.handle = [scenario.handle_time(c) for c in self.names]
        self.patience = [scenario.patience(c) for c in self.names]
        chans = [scenario.channel(c) for c in self.names]
        self.k = [c.retrial.attempts if c.retrial else 1 for c in chans]
        self.retry_delay = [c.retrial.delay.to_distribution() if c.retrial else None for c in chans]
        # retrial values drawn as attempts happen (engine/redials.py): the block holds the first
        # attempt's patience only; later attempts' values come from the repeat's own streams
        self.lazy = [c.retrial is not None and c.retrial.lazy for c in chans]
        self.keep = [c.retrial is not None and c.retrial.keep_patience for c in chans]
        # after-contact work (engine/agents.py): from the block's own stream per target channel
        self.after_work = [c.after_work.to_distribution() if c.after_work is not None else None for c in chans]
        # customer behaviours (segments, balking, callbacks) of the channels repeats reach
        self.behaviours = [behaviours_of(c) for c in chans]
        self._blocks: OrderedDict[tuple, tuple] = OrderedDict()  # least recently used first
        self._held = 0

    def _block(self, res: Resolution, slot: int, n: int, block: int, size: int) -> tuple:
        key = (res.channel, slot, n, block)
        got = self._blocks.get(key)
        if got is not None:
            self._blocks.move_to_end(key)
            return got
        got = self._draw_block(res, slot, n, block, size)
        self._blocks[key] = got
        self._held += got[3]
        while self._held > _HELD and len(self._blocks) > 1:
            _, old = self._blocks.popitem(last=False)
            self._held -= old[3]
        return got

    def _draw_block(self, res: Resolution, slot: int, n: int, block: int, size: int) -> tuple:
        rng = stream(self.seed, self.rep, res.name, "repeat", slot, n, block)
        u = rng.random((size, 3))  # resolution, channel, landing
        delay = res.delay.sample(rng, size)
        per_target = {}
        for t in res.targets:  # every channel the repeats may come back to, in a fixed order
            k = self.k[t]
            pat, rd = self.patience[t], self.retry_delay[t]
            if self.lazy[t]:  # the first attempt's patience; the rest as attempts happen
                per_target[t] = (self.handle[t].sample(rng, size),
                                 pat.sample(rng, (size, 1)) if pat is not None else np.full((size, 1), INF))
                continue
            per_target[t] = (
                self.handle[t].sample(rng, size),
                pat.sample(rng, (size, k)) if pat is not None else np.full((size, k), INF),
                rng.random((size, k)),
                rd.sample(rng, (size, k)) if rd is not None else np.zeros((size, k)),
            )
        wraps = {t: self.after_work[t].sample(stream(self.seed, self.rep, res.name, "repeat_after_work",
                                                     self.names[t], slot, n, block), size)
                 for t in res.targets if self.after_work[t] is not None}
        behave = {t: self._behaviour_block(res, t, slot, n, block, size)
                  for t in res.targets if self.behaviours[t] is not None}
        values = u.size + delay.size + sum(a.size for arrays in per_target.values() for a in arrays)
        values += sum(w.size for w in wraps.values())
        values += sum(a.size for b in behave.values() for a in b.values() if isinstance(a, np.ndarray))
        values += sum(a.size for b in behave.values() for key in ("handle", "patience") for a in b[key].values())
        return u, delay, per_target, values, wraps, behave

    def _behaviour_block(self, res: Resolution, t: int, slot: int, n: int, block: int, size: int) -> dict:
        """The block's customer-behaviour draws on channel ``t``, from their own stream
        ``(c, "repeat_behaviour", t's name, k, n, block)``: the segment draw, the segments' own
        handle times and patience, then the balking and callback-accept draws per attempt (the
        first only when ``t``'s retrials draw as needed) and the answer draw per dial."""
        b = self.behaviours[t]
        rng = stream(self.seed, self.rep, res.name, "repeat_behaviour", self.names[t], slot, n, block)
        kb = 1 if self.lazy[t] else self.k[t]
        out: dict = {"seg_u": rng.random(size) if b.names else None}
        out["handle"] = {j: dist.sample(rng, size) for j, dist in b.own_handle}
        out["patience"] = {j: dist.sample(rng, (size, kb)) for j, dist in b.own_patience}
        out["balk_u"] = rng.random((size, kb)) if b.balking else None
        out["accept_u"] = rng.random((size, kb)) if b.m else None
        out["answer_u"] = rng.random((size, b.m)) if b.m else None
        return out

    def draw(self, origin: tuple, n: int) -> RepeatDraws:
        """The ``n``-th repeat of the customer ``origin``: (resolution, slot, index in the slot,
        contact number, segment name or None) of its first contact."""
        res, slot, j, contact, segment = origin
        size = block_size(n)
        block, p = divmod(j, size)
        u, delay, per_target, _, wraps, behave = self._block(res, slot, n, block, size)
        resolve_u, chan_u, land_u = u[p].tolist()
        t = res.pick(chan_u)
        d = RepeatDraws()
        d.channel = t
        d.offset = contact
        d.segment = d.balk_u = d.accept_u = d.answer_u = ()
        d.m = 0
        b = behave.get(t)
        seg = -1
        if b is not None and b["seg_u"] is not None:  # the customer's segment on channel t
            names = self.behaviours[t].names
            seg = names.index(segment) if segment in names else \
                int(np.searchsorted(self.behaviours[t].cum, b["seg_u"][p], side="right"))
            d.segment = (seg,)
        if self.lazy[t]:
            handle, patience = per_target[t]
            d.handle = (float(handle[p]),)
            pat = self.patience[t]
            first = float(patience[p, 0])
            if b is not None and seg in b["patience"]:  # the segment's own patience
                pat = dict(self.behaviours[t].own_patience)[seg]
                first = float(b["patience"][seg][p, 0])
            firsts = [first, None, None, None, None]
            if b is not None and b["balk_u"] is not None:
                firsts[3] = float(b["balk_u"][p, 0])
            if b is not None and b["accept_u"] is not None:
                firsts[4] = float(b["accept_u"][p, 0])
            views = RepeatRedials(firsts, self.keep[t], pat, self.retry_delay[t],
                                  (self.seed, self.rep, res.name, "repeat_redial", slot, n, j)).views()
            d.patience, d.retry_u, d.retry_delay = views[:3]
            if firsts[3] is not None:
                d.balk_u = views[3]
            if firsts[4] is not None:
                d.accept_u = views[4]
        else:
            handle, patience, retry_u, retry_delay = per_target[t]
            # tuples of floats: the garbage collector stops tracking them (many repeats wait for
            # days; lists would make every full collection walk them)
            d.handle = (float(handle[p]),)
            d.patience = tuple(patience[p].tolist())
            d.retry_u = tuple(retry_u[p].tolist())
            d.retry_delay = tuple(retry_delay[p].tolist())
            if seg in (b["patience"] if b is not None else {}):
                d.patience = tuple(b["patience"][seg][p].tolist())
            if b is not None and b["balk_u"] is not None:
                d.balk_u = tuple(b["balk_u"][p].tolist())
            if b is not None and b["accept_u"] is not None:
                d.accept_u = tuple(b["accept_u"][p].tolist())
        if seg in (b["handle"] if b is not None else {}):  # the segment's own handle time
            d.handle = (float(b["handle"][seg][p]),)
        if b is not None and b["answer_u"] is not None:
            d.answer_u = tuple(b["answer_u"][p].tolist())
            d.m = self.behaviours[t].m
        d.wrap = (float(wraps[t][p]),) if t in wraps else ()
        d.k = self.k[t]
        d.level = n
        d.res = res
        d.resolve_u = (resolve_u,)
        d.origin = origin
        d.deferred = False
        d.delay = float(delay[p])
        d.land_u = land_u
        return d


class RepeatRedials:
    """One repeat's per-attempt values on a channel whose retrials draw as needed
    (``keep_patience``, ``max_attempts: unlimited``, ``when_closed: at_opening``, ``draws:
    as_needed``; :mod:`~staffsim.engine.redials`): attempt 0's values come from the repeat's
    block; those of attempt ``num`` (patience, retrial draw, retrial delay, balking draw,
    callback-accept draw, in that order) from the stream ``(seed, replication, origin channel,
    "repeat_redial", slot, n, j, num)`` when the attempt happens (its patience is attempt 0's
    with ``keep_patience``). They depend only on the customer, the repeat and the attempt: not
    on ``max_attempts``, nor on other customers."""

    __slots__ = ("firsts", "keep", "pat", "rd", "key", "cache")

    def __init__(self, firsts: list, keep: bool, pat, rd, key: tuple):
        self.firsts, self.keep, self.pat, self.rd, self.key = firsts, keep, pat, rd, key
        self.cache: dict[int, tuple[float, ...]] = {}

    def values(self, num: int) -> tuple[float, ...]:
        got = self.cache.get(num)
        if got is None:
            rng = stream(*self.key, num)
            p = float(self.pat.sample(rng, 1)[0]) if self.pat is not None else INF
            u = float(rng.random())
            delay = float(self.rd.sample(rng, 1)[0]) if self.rd is not None else 0.0
            balk, accept = rng.random(2).tolist()
            got = self.cache[num] = (p, u, delay, balk, accept)
        return got

    def views(self) -> tuple:
        """(patience, retry_u, retry_delay, balk_u, accept_u), each indexed by the attempt (the
        contact is i = 0)."""
        return tuple(_View(self, w) for w in range(5))


class _View:
    __slots__ = ("src", "which")

    def __init__(self, src: RepeatRedials, which: int):
        self.src, self.which = src, which

    def __getitem__(self, num: int) -> float:
        src = self.src
        first = src.firsts[self.which]
        if first is not None and (num == 0 or (self.which == 0 and src.keep)):
            return first
        return src.values(num)[self.which]


class RepeatsMixin:
    """Resolution and repeats (part of :class:`~staffsim.engine.replication.Replication`)."""

    def _init_repeats(self, scenario, seed: int, rep: int) -> None:
        h = scenario.spec.horizon
        self.repeat_drawer = RepeatDrawer(scenario, seed, rep)
        starts = h.slot_starts()
        self._open_starts = starts.tolist()
        self._slot_len = h.slot
        day = (starts // 86400.0).astype(np.int64)
        self._day_slots = {int(d): np.flatnonzero(day == d) for d in np.unique(day)}
        self._slot_day = day.tolist()
        self._volumes = [np.asarray(scenario.volumes[c], float) for c in scenario.channels]
        self._profiles: dict[tuple[int, int], np.ndarray] = {}
        self._seg_names = [list(scenario.channel(c).segments or {}) for c in scenario.channels]

    def _resolve(self, att) -> None:
        """An agent finished ``att`` on a channel modelling resolution: resolved, or a repeat."""
        d = att.draws
        res = d.res
        i = att.i
        n = d.level
        if d.resolve_u[i] < (res.first if n == 0 else res.repeat):
            att.resolved = RESOLVED
            return
        if n == 0:  # the customer, and its segment's name (kept on a channel that has it)
            origin = (res, d.slot_k[i], d.slot_j[i], d.offset + i,
                      self._seg_names[att.channel][d.segment[i]] if d.segment else None)
        else:
            origin = d.origin
        rd = self.repeat_drawer.draw(origin, n + 1)
        now = self.env._now
        at = now + rd.delay
        t = self._landing(at, rd.channel, rd.land_u)
        down = self.unavailable[rd.channel]  # week: events that make the channel unavailable
        while t is not None and down and any(a <= t < b for a, b, _ in down):
            t = self._landing(max(b for a, b, _ in down if a <= t < b), rd.channel, rd.land_u)
        if t is None:
            att.resolved = BEYOND
            return
        att.resolved = UNRESOLVED
        rd.deferred = t != at
        schedule(self.env, t - now, self._on_repeat, a=rd)

    def _landing(self, t: float, c: int, u: float) -> float | None:
        """When a repeat due at ``t`` on channel ``c`` arrives: ``t`` when the center is open;
        else during the next open day, placed by ``u`` like that day's arrivals on ``c``; None
        after the horizon."""
        starts = self._open_starts
        k = bisect_right(starts, t) - 1
        if k >= 0 and t < starts[k] + self._slot_len:
            return t
        if k + 1 >= len(starts):
            return None
        day = self._slot_day[k + 1]
        cum = self._profiles.get((c, day))
        if cum is None:
            slots = self._day_slots[day]
            vol = self._volumes[c][slots]
            if vol.sum() <= 0:
                vol = np.ones(len(slots))
            cum = np.concatenate([[0.0], np.cumsum(vol) / vol.sum()])
            cum[-1] = 1.0
            self._profiles[(c, day)] = cum
        slots = self._day_slots[day]
        i = min(int(np.searchsorted(cum, u, side="right")) - 1, len(slots) - 1)  # cum[i] <= u < cum[i+1]
        frac = (u - cum[i]) / (cum[i + 1] - cum[i])
        return starts[slots[i]] + min(max(frac, 0.0), 1.0 - 1e-12) * self._slot_len

    def _on_repeat(self, tick) -> None:
        rd = tick.a
        att = Attempt(rd.channel, rd, 0, 0, REPEAT, self.env._now)
        self._recent.append(att)
        self._offer(att, rd.channel)


def repeat_columns(attempts: list) -> dict[str, np.ndarray]:
    """Per-attempt columns for the figures and the log: ``level`` (0 first contact, n the n-th
    repeat), ``resolved`` (see the module doc), ``deferred`` (a repeat moved to the opening) and
    ``origin_channel`` (where the issue first came in)."""
    level = np.array([a.draws.level for a in attempts], np.int64)
    origin = np.array([a.draws.origin[0].channel if a.draws.level else a.channel for a in attempts], np.int64)
    return {
        "level": level,
        "resolved": np.array([a.resolved for a in attempts], np.int64),
        "deferred": np.array([a.kind == REPEAT and a.draws.deferred for a in attempts], bool),
        "origin_channel": origin,
    }
