"""Outbound (issue 20): dial lists worked by idle agents under a blend rule, and outreach that
prevents later inbound contacts. Off unless the scenario has ``outbound:``.

*The list.* Campaign ``o`` receives records: ``list.per_day`` at each open day's opening, or
``list.per_slot[k]`` at the start of slot ``k``. Records are numbered in the order they join the
list (0, 1, ...); record ``j``'s draws come from the campaign's own streams ``(seed,
replication, "outbound", campaign, what)``, in blocks of :data:`BLOCK` records, so record ``j``
is the same customer whatever the staffing (common random numbers): ``reach`` (one uniform per
possible attempt: attempt ``a`` reaches when ``u[j, a] < reach_probability``), ``talk`` (the
record's talk time, from ``talk_time``) and ``prevent`` (one uniform: the record prevents an
inbound contact when reached and ``u < prevents.share``).

*Who dials, and when.* An agent of a campaign's ``groups`` that has nothing inbound to take
(no contact it can see in its skills, no callback to dial) takes the oldest ready record of the
first campaign it works (in the order of ``outbound:``) that has one, when the center is open
(not after the close, not while draining) and the blend rule holds:

- ``min_idle: k``: at least ``k`` other agents of its team are idle at that instant;
- ``max_waiting: m``: at most ``m`` inbound contacts wait in the watched channels (``watch``,
  default every live channel);
- ``min_service_level: s``: the service level of the watched channels' contacts that arrived in
  the last ``window`` (default 15 minutes) is at least ``s``, counting what is known at that
  instant (:meth:`OutboundMixin._ob_service_level`).

The rule is checked when the agent would otherwise go idle (after a contact, a login, a break)
and, for idle agents, when records join the list (their longest-idle first); when
``max_waiting`` or ``min_service_level`` holds an agent back, the campaign's idle agents look
again every ``recheck`` (default 1 minute) while records wait. Inbound keeps
priority: an agent dialling is busy (not idle), so an arriving contact does not take it, and it
takes inbound work again when its call ends (no pre-emption).

*A dial.* A dial reaching the customer holds the agent for the record's talk time; one that does
not, for ``dial_time``. An unreached record is dialled again (it becomes ready ``retry_interval``
after the dial ends) up to ``attempts`` dials in all, then it is *given up*. With
``carry_over: false`` records still on the list (ready, or waiting for a retry) at a day's close
*expire*. Per campaign:
``records = reached + given_up + expired + left`` (left: on the list, waiting for a retry or
being dialled unreached with attempts to spare at the end of the run) and ``dialled = reached +
unreached`` (attempts; a dial's outcome is known when it starts).

*Prevention* (``prevents: {channel, share, lag}``): a reached record whose prevent draw is below
``share`` makes one *token* that becomes active ``lag`` after its call ends; an active token
removes the next first attempt of ``channel`` arriving from the day's pre-drawn arrivals (the
contact is never offered: not counted anywhere in the channel's figures; its retries never
happen). Tokens are used oldest-activation first. So ``E[prevented + unused] = reached × share``
exactly, where ``unused`` counts tokens with no arrival left to remove by the end of the run.
Retries, self-service returns and repeats are never removed.

Agent time: ``talk_s`` and ``dial_s`` (the agents' outbound busy seconds, per group in
``group_s``) count as busy time in the group figures (logged in = busy + idle + break still
holds), not as handling work of any inbound channel (the channels' occupancy and allocated pay
are inbound only).
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush

import numpy as np

from staffsim.engine.core import CALLBACK, DEFLECTED, DIAL, NORMAL, WAIT, schedule
from staffsim.metrics import integrate
from staffsim.rng import stream

BLOCK = 1024  # records whose draws are made at a time
WINDOW = 900.0  # min_service_level: the default look-back (15 minutes)
# per campaign counters (the keys of counts["outbound"], in this order)
FIELDS = ("records", "dialled", "reached", "unreached", "given_up", "expired", "left",
          "prevented", "prevention_unused", "talk_s", "dial_s")


class Campaign:
    """One campaign's state in a replication."""

    def __init__(self, index: int, name: str, spec, group_index: dict[str, int], channels: list[str],
                 live: list[int], seed: int, rep: int):
        self.index = index
        self.name = name
        self.spec = spec
        self.groups = frozenset(group_index[g] for g in spec.groups)
        self.p = spec.reach_probability
        self.dial_time = spec.dial_time
        self.attempts = spec.attempts
        self.retry = spec.retry_interval
        self.min_idle = spec.blend.min_idle
        self.max_waiting = spec.blend.max_waiting
        self.watch = [channels.index(c) for c in spec.blend.watch] if spec.blend.watch is not None else live
        self.min_sl = spec.blend.min_service_level
        self.window = spec.blend.window if spec.blend.window is not None else WINDOW
        self.watching = [c in self.watch for c in range(len(channels))]
        self.recheck = spec.blend.recheck
        self.rechecking = False  # a re-check is scheduled
        pv = spec.prevents
        self.prevent_channel = channels.index(pv.channel) if pv is not None else -1
        self.share = pv.share if pv is not None else 0.0
        self.lag = pv.lag if pv is not None else 0.0
        self.talk_dist = spec.talk_time.to_distribution()
        self.rngs = {what: stream(seed, rep, "outbound", name, what) for what in ("reach", "talk", "prevent")}
        self.reach_u: list[list[float]] = []
        self.talk: list[float] = []
        self.prevent_u: list[float] = []
        self.ready: deque = deque()  # records (number, dials made) ready to dial, oldest first
        self.retrying: dict[int, int] = {}  # record -> dials made, waiting for its retry
        self.n = dict.fromkeys(FIELDS, 0.0)
        self.calls: list[tuple[float, float, bool]] = []  # (start, agent time, reached) per dial
        self.prevented_t: list[float] = []  # arrival times of the contacts it prevented
        self.group_s = {}

    def draws(self, j: int) -> None:
        """Make sure record ``j``'s draws exist (blocks of BLOCK records)."""
        while j >= len(self.talk):
            self.reach_u.extend(self.rngs["reach"].random((BLOCK, self.attempts)).tolist())
            self.talk.extend(self.talk_dist.sample(self.rngs["talk"], BLOCK).tolist())
            self.prevent_u.extend(self.rngs["prevent"].random(BLOCK).tolist())


class OutboundMixin:
    """Outbound dialling (part of :class:`~staffsim.engine.replication.Replication`)."""

    ob = None  # the campaigns, or None when the scenario has no outbound
    prevent_tokens = None  # per channel: a heap of (activation time, campaign), or None

    def _init_outbound(self, spec, seed: int, rep: int) -> None:
        """Build the campaigns (``spec.outbound``); nothing happens without one."""
        if not spec.outbound:
            return
        gi = {g: i for i, g in enumerate(self.group_names)}
        live = [c for c, name in enumerate(self.names) if not spec.channels[name].appointment]
        self.ob = [Campaign(i, name, o, gi, list(self.names), live, seed, rep)
                   for i, (name, o) in enumerate(spec.outbound.items())]
        self.ob_threshold = [spec.channels[c].target.threshold for c in self.names]
        self.ob_of_group = [[c for c in self.ob if g in c.groups] for g in range(len(self.group_names))]
        self.ob_team_size = [0] * len(self.group_names)
        for ag in self.agents:
            self.ob_team_size[ag.group] += 1
        self.ob_calls = 0  # calls in progress (held by agents; the audit counts them)
        # agent index -> (campaign, start, record, dials made before, reached, group)
        self.ob_active: dict[int, tuple] = {}
        self.ob_ch = len(self.names)  # an outbound call's load_ch: an index whose concurrency is 1
        self.conc = self.conc + [1]
        if any(c.prevent_channel >= 0 for c in self.ob):
            self.prevent_tokens = [[] for _ in self.names]

    def _start_outbound(self) -> None:
        """Schedule the list loads (each open day's opening, or every slot start) and, with
        ``carry_over: false``, the daily expiries."""
        h = self.h
        starts = h.slot_starts()
        now = self.env._now
        for camp in self.ob:
            lst = camp.spec.list
            if lst.per_day is not None:
                for d in h.open_days():
                    t = d * 86400.0 + self.day_hours[d][0]
                    if lst.per_day:
                        schedule(self.env, t - now, self._ob_load, NORMAL, camp, lst.per_day)
            else:
                for t, n in zip(starts.tolist(), h.per_slot(lst.per_slot).tolist()):
                    if n:
                        schedule(self.env, t - now, self._ob_load, NORMAL, camp, int(n))
            if not lst.carry_over:
                for d in h.open_days():
                    t = d * 86400.0 + self.day_hours[d][1]
                    schedule(self.env, t - now, self._ob_expire, NORMAL, camp)

    # ------------------------------------------------------------------ the list
    def _ob_load(self, tick) -> None:
        camp, n = tick.a, tick.b
        first = int(camp.n["records"])
        camp.n["records"] += n
        camp.ready.extend((j, 0) for j in range(first, first + n))
        self._ob_wake(camp)

    def _ob_expire(self, tick) -> None:
        """A day's close with ``carry_over: false``: records still on the list expire."""
        camp = tick.a
        camp.n["expired"] += len(camp.ready) + len(camp.retrying)
        camp.ready.clear()
        camp.retrying.clear()

    def _ob_retry(self, tick) -> None:
        camp, j = tick.a, tick.b
        made = camp.retrying.pop(j, None)
        if made is None:
            return  # expired meanwhile
        camp.ready.append((j, made))
        self._ob_wake(camp)

    def _ob_wake(self, camp) -> None:
        """Records joined the list: idle agents of the campaign's teams dial while the rule holds
        (longest idle first, teams in the scenario's order)."""
        for g in sorted(camp.groups):
            q = self._ob_idle(g)
            for entry in list(q):
                if not camp.ready:
                    return
                ag = entry[2]
                if entry[1] != ag.token or not ag.idle:
                    continue
                if not self._ob_allowed(camp, ag, self_idle=True):
                    break  # the same count holds for every other idle agent of the team
                self._clear_idle(ag)
                self._ob_dial(ag, camp)

    # ------------------------------------------------------------------ the blend rule
    def _ob_allowed(self, camp, ag, self_idle: bool = False) -> bool:
        if self.draining or not self._open(self.env._now):
            return False
        if not self._ob_inbound_ok(camp):
            if not camp.rechecking:  # look again in ``recheck`` (idle agents are not woken otherwise)
                camp.rechecking = True
                schedule(self.env, camp.recheck, self._ob_recheck, NORMAL, camp)
            return False
        if camp.min_idle:
            others = -1 if self_idle else 0
            for entry in self._ob_idle(ag.group):
                if entry[1] == entry[2].token:
                    others += 1
            if others < camp.min_idle:
                return False
        return True

    def _ob_idle(self, g: int):
        """Team ``g``'s idle line (entries ``(since, token, agent)``, stale once the agent's token
        moved on), compacted when stale entries outnumber the team: agents who dial leave stale
        entries the inbound search would otherwise drop only from the front. Compacting keeps
        the valid entries in order, so which agent is longest idle does not change."""
        q = self.idle[g]
        if len(q) > 2 * self.ob_team_size[g] + 8:
            valid = [e for e in q if e[1] == e[2].token]
            q.clear()
            q.extend(valid)
        return q

    def _ob_inbound_ok(self, camp) -> bool:
        """``max_waiting`` and ``min_service_level`` hold now."""
        if camp.max_waiting is not None:
            waiting = 0
            for c in camp.watch:
                waiting += self.waiting[c]
            if waiting > camp.max_waiting:
                return False
        return camp.min_sl is None or self._ob_service_level(camp) >= camp.min_sl

    def _ob_recheck(self, tick) -> None:
        camp = tick.a
        camp.rechecking = False
        if camp.ready:
            self._ob_wake(camp)

    def _ob_service_level(self, camp) -> float:
        """The service level of the watched channels' contacts that arrived in the last window,
        as far as it is known now: answered within the channel's threshold (good), answered
        later, abandoned, balked, blocked, or still waiting past the threshold (missed); those
        still waiting within it, contained by self-service or taking a callback are not counted.
        1 when nothing is known yet."""
        now = self.env._now
        lo = now - camp.window
        watching, thr = camp.watching, self.ob_threshold
        good = known = 0
        for att in reversed(self._recent):  # in arrival order: newest first
            if att.arrival < lo:
                break
            c = att.channel
            if not watching[c] or att.kind == DIAL:
                continue
            state = att.state
            if state == DEFLECTED or state == CALLBACK:
                continue
            if att.answer >= 0:
                known += 1
                if att.answer - att.arrival <= thr[c]:
                    good += 1
            elif state != WAIT or now - att.arrival > thr[c]:
                known += 1
        return good / known if known else 1.0

    def _outbound(self, ag) -> bool:
        """Hook in ``_ready``: ``ag`` has nothing inbound to take; it dials a record when one of
        its campaigns has one ready and the rule allows. True when it dialled."""
        for camp in self.ob_of_group[ag.group]:
            if camp.ready and self._ob_allowed(camp, ag, ag.idle):
                if ag.idle:
                    self._clear_idle(ag)
                self._ob_dial(ag, camp)
                return True
        return False

    # ------------------------------------------------------------------ a dial
    def _ob_dial(self, ag, camp) -> None:
        now = self.env._now
        j, made = camp.ready.popleft()
        camp.draws(j)
        reached = camp.reach_u[j][made] < camp.p
        camp.n["dialled"] += 1
        camp.n["reached" if reached else "unreached"] += 1
        held = camp.talk[j] if reached else camp.dial_time
        camp.calls.append((now, held, reached))
        # the agent is busy (as _start does for a contact)
        self.lv_busy[ag.group].append(now)
        ag.busy_from = now
        if self.audit is not None:
            self.audit.change(ag, "busy", now, 1)
        ag.load += 1
        ag.load_ch = self.ob_ch
        self.ob_calls += 1
        self.ob_active[ag.index] = (camp, now, j, made, reached, ag.group)
        schedule(self.env, held, self._ob_done, NORMAL, ag)

    def _ob_done(self, tick) -> None:
        ag = tick.a
        now = self.env._now
        camp, start, j, made, reached, _ = self.ob_active.pop(ag.index)
        self.ob_calls -= 1
        self._ob_time(camp, ag.group, now - start, reached)
        if reached:
            if camp.prevent_channel >= 0 and camp.prevent_u[j] < camp.share:
                heappush(self.prevent_tokens[camp.prevent_channel], (now + camp.lag, camp.index))
        elif made + 1 >= camp.attempts:
            camp.n["given_up"] += 1
        elif not camp.spec.list.carry_over and not self._open(now):
            camp.n["expired"] += 1  # dialled unreached at the close: expires with the day's list
        else:
            camp.retrying[j] = made + 1
            schedule(self.env, camp.retry, self._ob_retry, NORMAL, camp, j)
        # the agent frees up (as _complete does for a contact)
        ag.load -= 1
        if ag.load == 0:
            self._end_busy(ag, now)
        self._ready(ag)

    def _ob_time(self, camp, group: int, seconds: float, reached: bool) -> None:
        camp.n["talk_s" if reached else "dial_s"] += seconds
        camp.group_s[group] = camp.group_s.get(group, 0.0) + seconds

    # ------------------------------------------------------------------ prevention
    def _prevented(self, c: int) -> bool:
        """Hook in the arrival chain: an active token of channel ``c`` removes this first
        attempt (True: it never happens)."""
        tokens = self.prevent_tokens[c]
        if tokens and tokens[0][0] <= self.env._now:
            _, o = heappop(tokens)
            self.ob[o].n["prevented"] += 1
            self.ob[o].prevented_t.append(self.env._now)
            return True
        return False

    # ------------------------------------------------------------------ the figures
    def _outbound_counts(self) -> dict[str, np.ndarray]:
        """``outbound``: per campaign the :data:`FIELDS` counters; ``outbound_group_s``: per
        campaign × group the agents' outbound seconds. Calls still in progress count their time
        so far; records being dialled unreached with dials to spare, and those on the list, are
        ``left``."""
        now = self.env._now
        for camp, start, j, made, reached, group in self.ob_active.values():
            self._ob_time(camp, group, now - start, reached)
            if not reached:
                if made + 1 < camp.attempts:
                    camp.n["left"] += 1
                else:
                    camp.n["given_up"] += 1
        for camp in self.ob:
            camp.n["left"] += len(camp.ready) + len(camp.retrying)
        if self.prevent_tokens is not None:
            for tokens in self.prevent_tokens:
                for _, o in tokens:
                    self.ob[o].n["prevention_unused"] += 1
        ng = len(self.group_names)
        group_s = np.zeros((len(self.ob), ng))
        for camp in self.ob:
            for g, s in camp.group_s.items():
                group_s[camp.index, g] = s
        out = {"outbound": np.array([[camp.n[f] for f in FIELDS] for camp in self.ob], float),
               "outbound_group_s": group_s}
        out.update(self._outbound_slots())
        return out

    def _outbound_slots(self) -> dict[str, np.ndarray]:
        """Per campaign × slot: dials started (``outbound_slot_dialled``), those reaching
        (``..._reached``), inbound contacts prevented by the time they would have arrived
        (``..._prevented``) and agent seconds on the campaign's calls (``..._agent_s``, up to
        the end of the run)."""
        h = self.h
        starts = h.slot_starts()
        lo, hi = starts, np.minimum(starts + h.slot, self.env._now)
        ns = len(starts)
        keys = ("dialled", "reached", "prevented", "agent_s")
        out = {k: np.zeros((len(self.ob), ns)) for k in keys}
        for camp in self.ob:
            o = camp.index
            if camp.calls:
                t, held, reached = (np.asarray(x) for x in zip(*camp.calls))
                k = _slot_of(starts, h.slot, t)
                np.add.at(out["dialled"][o], k[k >= 0], 1.0)
                np.add.at(out["reached"][o], k[(k >= 0) & reached], 1.0)
                times = np.concatenate([t, t + held])
                deltas = np.concatenate([np.ones(len(t)), -np.ones(len(t))])
                out["agent_s"][o] = np.maximum(integrate(times, deltas, lo, np.maximum(hi, lo)), 0.0)
            if camp.prevented_t:
                k = _slot_of(starts, h.slot, np.asarray(camp.prevented_t))
                np.add.at(out["prevented"][o], k[k >= 0], 1.0)
        return {f"outbound_slot_{k}": v for k, v in out.items()}


def _slot_of(starts: np.ndarray, slot: float, times: np.ndarray) -> np.ndarray:
    """The slot each time falls in (-1 outside the opening hours), as
    :func:`staffsim.metrics.slot_index`."""
    k = np.searchsorted(starts, times, side="right") - 1
    inside = (k >= 0) & (times < starts[np.maximum(k, 0)] + slot)
    return np.where(inside, k, -1)
