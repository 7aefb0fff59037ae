r"""KPI definitions: from one replication's :class:`~staffsim.results.ContactLog` to tables.

Contacts are attributed to the slot in which the attempt **arrived**. Per channel and slot:

- ``offered`` = attempts arriving (first attempts, retries and self-service returns each count);
- ``deflected`` = attempts contained by self-service;
- ``offered_to_agents`` = offered − deflected;
- ``answered``, ``abandoned``, ``unfinished`` (still waiting when the run ended), so that
  offered = deflected + answered + abandoned + balked + callbacks_accepted + unfinished (the
  last but one and two only with balking and callbacks);
- *on the line* = offered_to_agents − callbacks_accepted (= offered_to_agents without callbacks):
  the attempts of the live queue;
- ``service_level`` (default, "offered") = answered within the channel's threshold ÷ on the
  line (abandons and balks count against). Variants by name: "answered" = answered within
  threshold ÷ answered; "excluding_short_abandons" = answered within threshold ÷
  (on the line − abandoned before the threshold);
- ``asa_s`` = Σ wait of answered ÷ answered (seconds);
- ``mean_wait_s`` = Σ wait of every attempt on the line ÷ on the line, where the wait of an
  abandoned attempt is its time to abandon, of an unfinished one its time waited, of a balk 0;
- ``abandon_rate`` = abandoned ÷ on the line;
- ``p_wait`` = attempts that queued (not answered on arrival, did not balk) ÷ on the line;
- ``max_queue`` = the longest queue of the channel during the slot;
- ``staffed_agents`` = time-average number of logged-in agents of the groups that have the
  channel's skill (shared agents count in every channel they serve);
- ``occupancy`` = handling time ÷ available time of those groups in the slot, where available =
  logged in and not on break, and a contact held with concurrency k counts 1/k of its time;
- ``retries_closed`` = retries and self-service returns of attempts arriving in the slot that
  would have fallen outside the opening hours (lost: the abandon is counted once, as abandoned);
- ``unavailable`` = contacts arriving in the slot while an event made the channel unavailable
  (lost; not in ``offered``).

With balking (columns present only then): ``balked`` = attempts that left on arrival on seeing
the queue; ``balk_rate`` = balked ÷ on the line. With center ``lines`` (likewise): ``blocked`` =
attempts that found every line held (a busy signal: offered to agents and on the line, like a
balk: no wait, never queued, lost; they may redial), ``block_rate`` = blocked ÷ on the line; so
offered = deflected + answered + abandoned + balked + blocked + callbacks_accepted + unfinished. With callbacks (likewise): ``callbacks_offered``,
``callbacks_accepted`` (live attempts that took one; their live attempt ends there);
``callbacks_connected`` + ``callbacks_failed`` (given up after the last dial not answered) +
``callbacks_unfinished`` (waiting or being dialled at the end) = callbacks_accepted;
``callback_dials_unanswered``; ``callback_delay_s`` = Σ (dial start + connect time − request) ÷
connected; ``callback_service_level`` = connected within the callback target's threshold ÷
accepted (NaN without a target). Callbacks count in the slot of their request; their dials are
agent work (``work_s``, occupancy) and handled minutes. With customer segments, every contact
count is also kept per segment (agent figures are the channel's only).

A ratio whose denominator is 0 in a slot is undefined (NaN, shown as "-"), not 0.

Per group and slot: ``staffed`` (logged in), ``on_break``, ``available``, ``busy`` (holding at
least one contact), ``idle`` — all time-averages in agents — ``scheduled`` (agents on a shift that
showed up) and ``occupancy``. Over the whole run, logged-in time = busy + idle + break time.

Money (whole horizon, per replication; rates from the scenario's ``costs``):

- ``paid_agent_hours`` = scheduled hours of the agents who showed up (shifts, paid breaks included,
  unpaid breaks — ``paid: false`` — not;
  for a group staffed from plan the gross headcount ⌈net / (1 − shrinkage)⌉) + overtime (logged in
  past the scheduled end: finishing a contact, draining the queues at closing);
- ``agent_cost`` = paid hours × the group's ``agent_hour`` rate;
- ``abandon_cost`` = contacts lost × ``abandoned`` (lost revenue), lost = abandoned + balked +
  callbacks failed, at the segment's ``abandon_value`` where it has one;
- ``self_service_cost`` = deflected × ``self_service``;
- ``telephony_cost`` = handled minutes × ``handled_minute``;
- ``cost`` = the sum; ``cost_per_handled`` = cost ÷ (answered + callbacks connected).

A group's pay is allocated to its channels in proportion to the handling work (time ÷ concurrency)
it did for each (equally among its skills if it did none), so the channels' costs add up to the
center's (the ``all`` row). That is an allocation, not a marginal cost: :func:`team_money` gives
each team's own pay, and its split, per replication.

Transfers and conferences add ``transferred``, ``transfer_wait_s``, ``conferenced`` and
``conference_hold_s``, only in the scenarios that use them (:mod:`staffsim.transfer_kpis`): a
transferred contact counts once, at its first answer on the channel it came in on; the second
agent's and the supervisor's time are agent work of their teams.

First-contact resolution (repeat contacts) and appointments add their own columns, only in the
scenarios that use them (:mod:`staffsim.outcomes`): an appointment's **no-show** (state 5) is an
outcome of its own (offered = deflected + answered + abandoned + unfinished + no-shows), taken by
an agent (its wait counts in ``mean_wait_s`` and ``p_wait``, its grace in the agents' work and
``occupancy``) but not answered, and left out of the service level's denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffsim.outcomes import (
    OutcomeAccumulator,
    outcome_horizon_kpis,
    outcome_slot_kpis,
    uses_appointments,
    uses_repeats,
)
from staffsim.scenarios.scenario import Scenario
from staffsim.transfer_kpis import (
    TransferAccumulator,
    transfer_horizon_kpis,
    transfer_slot_kpis,
    uses_transfers,
)
from staffsim.units import format_clock

SERVICE_LEVEL_VARIANTS = ("offered", "answered", "excluding_short_abandons")

# per channel x slot counts and sums computed for each replication
COUNT_FIELDS = (
    "offered",
    "deflected",
    "offered_to_agents",
    "answered",
    "abandoned",
    "unfinished",
    "answered_within",
    "abandoned_before_threshold",
    "waited",
    "handled_s",
    "wait_answered_s",
    "wait_all_s",
    "work_s",
    "available_s",
    "logged_in_s",
    "retries_closed",
    "unavailable",
)
SLOT_KPIS = (
    "offered",
    "deflected",
    "offered_to_agents",
    "answered",
    "abandoned",
    "unfinished",
    "service_level",
    "asa_s",
    "mean_wait_s",
    "abandon_rate",
    "p_wait",
    "occupancy",
    "staffed_agents",
    "max_queue",
    "retries_closed",
    "unavailable",
)
GROUP_KPIS = ("staffed", "on_break", "available", "busy", "idle", "scheduled", "occupancy")

# --- customer behaviours at the queue: columns present only when the scenario uses them ----------
# attempt states and kinds beyond the five above (as in staffsim.engine.core / ContactLog)
# attempt states and kinds (staffsim.engine.core's codes; this module sits below the engine)
_NO_SHOW = 5
_BALKED, _CALLBACK, _NO_ANSWER, _FAILED = 6, 7, 8, 9
_DIAL = 4
_BLOCKED = 10  # lines (issue 20): found every line held
BALKING_COUNTS = ("balked",)
BLOCKING_COUNTS = ("blocked",)
BLOCKING_KPIS = ("blocked", "block_rate")
CALLBACK_COUNTS = ("callbacks_offered", "callbacks_accepted", "callbacks_connected",
                   "callbacks_connected_within", "callbacks_failed", "callbacks_unfinished",
                   "callback_dials_unanswered", "callback_delay_s")
BALKING_KPIS = ("balked", "balk_rate")
CALLBACK_KPIS = ("callbacks_offered", "callbacks_accepted", "callbacks_connected", "callbacks_failed",
                 "callbacks_unfinished", "callback_dials_unanswered", "callback_delay_s",
                 "callback_service_level")
# per channel x slot counts that are about contacts (also kept per customer segment)
CONTACT_FIELDS = tuple(f for f in COUNT_FIELDS if f not in ("work_s", "available_s", "logged_in_s"))


def uses(scenario: Scenario) -> dict[str, bool]:
    """Which customer behaviours the scenario switches on (any channel)."""
    chans = scenario.spec.channels.values()
    return {"segments": any(c.segments for c in chans),
            "balking": any(c.balking is not None for c in chans),
            "callbacks": any(c.callbacks is not None for c in chans),
            "lines": scenario.spec.lines is not None}


def kpi_names(scenario: Scenario) -> tuple[str, ...]:
    """The per-slot KPI columns of a scenario: :data:`SLOT_KPIS`, plus the balking and callback
    KPIs when it uses them (without them the tables are exactly those of earlier versions)."""
    on = uses(scenario)
    return (SLOT_KPIS + (BALKING_KPIS if on["balking"] else ()) + (CALLBACK_KPIS if on["callbacks"] else ())
            + (BLOCKING_KPIS if on["lines"] else ()))


def segment_rows(scenario: Scenario) -> list[tuple[str, str]]:
    """(channel, segment) of every customer segment, in file order."""
    return [(c, name) for c, ch in scenario.spec.channels.items() for name in (ch.segments or {})]


def row_order(scenario: Scenario) -> list[tuple[bool, int]]:
    """The order of the tables' rows with customer segments: each channel's row (False, channel
    index) followed by its segments' rows (True, segment row)."""
    rows = segment_rows(scenario)
    order = []
    for j, c in enumerate(scenario.spec.channels):
        order.append((False, j))
        order.extend((True, i) for i, (cc, _) in enumerate(rows) if cc == c)
    return order


def segment_inputs(counts: dict, seg_counts: dict[str, np.ndarray], scenario: Scenario) -> dict:
    """The segment rows' counts ready for :func:`slot_kpis`: the agent figures undefined (they are
    the channel's), the callbacks' target that of the segment's channel."""
    out = dict(seg_counts)
    shape = seg_counts["offered"].shape
    for key in ("work_s", "available_s", "logged_in_s", "max_queue"):
        out[key] = np.full(shape, np.nan)
    if "callback_target" in counts:
        channels = list(scenario.spec.channels)
        out["callback_target"] = counts["callback_target"][[channels.index(c) for c, _ in segment_rows(scenario)]]
    return out
# --- end of customer behaviours ---------------------------------------------------------------------


def integrate(times: np.ndarray, deltas: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """∫ level(t) dt over each [lo_i, hi_i], where level jumps by ``deltas`` at ``times``
    (level 0 before the first change)."""
    lo = np.asarray(lo, float)
    hi = np.asarray(hi, float)
    if len(times) == 0:
        return np.zeros(lo.shape)
    at = _running_integral(times, deltas)
    return at(hi) - at(lo)


def _running_integral(times: np.ndarray, deltas: np.ndarray):
    """x -> ∫ level(t) dt from the first change to x (0 before it), for a level jumping by
    ``deltas`` at ``times`` (at least one change)."""
    order = np.argsort(times, kind="stable")
    t = times[order]
    level = np.cumsum(deltas[order])
    # cumulative integral at each breakpoint
    cum = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(t))])

    def at(x):
        j = np.searchsorted(t, x, side="right") - 1
        valid = j >= 0
        jj = np.where(valid, j, 0)
        return np.where(valid, cum[jj] + level[jj] * (x - t[jj]), 0.0)

    return at


def slot_index(scenario: Scenario, times: np.ndarray) -> np.ndarray:
    """The slot each time falls in (-1 outside the opening hours)."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    k = np.searchsorted(starts, times, side="right") - 1
    inside = (k >= 0) & (times < starts[np.maximum(k, 0)] + h.slot)
    return np.where(inside, k, -1)


def integrate_from(times: np.ndarray, deltas: np.ndarray, level0: float, t0: float, t1: float,
                   lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """∫ level(t) dt over each [lo_i, hi_i] ∩ [t0, t1], where the level is ``level0`` at ``t0``
    and jumps by ``deltas`` at ``times`` (all within [t0, t1])."""
    a = np.clip(np.asarray(lo, float), t0, t1)
    b = np.clip(np.asarray(hi, float), t0, t1)
    t = np.concatenate([[t0], np.asarray(times, float)])
    d = np.concatenate([[level0], np.asarray(deltas, float)])
    return integrate(t, d, a, b)


_GROUP_LEVELS = ("logged_in", "on_break", "busy", "idle")


class SlotAccumulator:
    """Per channel × slot counts, sums and time integrals of one replication, accumulated chunk by
    chunk as the run goes (so a long horizon never holds every attempt at once).

    The engine feeds it finished attempts (:meth:`add_attempts`), the agents' level changes
    (:meth:`add_levels`) and the queue lengths (:meth:`add_queue`) of each stretch of time;
    :meth:`counts` returns the arrays the KPIs are computed from (shape (channels, slots), and
    per group × slot the ``group_*`` integrals). Every sum is additive over chunks, so the result
    does not depend on where the chunks were cut.
    """

    def __init__(self, scenario: Scenario):
        spec = scenario.spec
        h = spec.horizon
        self.channels = list(spec.channels)
        self.nc, self.ns = len(self.channels), h.n_slots
        self.ng = len(spec.agents)
        self.starts = h.slot_starts()
        self.ends = self.starts + h.slot
        self.slot = h.slot
        self.thresholds = np.array([spec.channels[c].target.threshold for c in self.channels])
        self.conc = np.array([spec.channels[c].concurrency for c in self.channels], float)
        self.serves = np.zeros((self.nc, self.ng))
        for gi, g in enumerate(spec.agents):
            for c in g.skills:
                self.serves[self.channels.index(c), gi] = 1.0
        shape = (self.nc, self.ns)
        self.sums = {key: np.zeros(shape) for key in COUNT_FIELDS if key not in
                     ("work_s", "available_s", "logged_in_s")}
        # customer behaviours: their counts, and the same contact counts per segment
        on = uses(scenario)
        self.balking, self.callbacks, self.blocking = on["balking"], on["callbacks"], on["lines"]
        extra = ((BALKING_COUNTS if self.balking else ()) + (CALLBACK_COUNTS if self.callbacks else ())
                 + (BLOCKING_COUNTS if self.blocking else ()))
        self.sums.update({key: np.zeros(shape) for key in extra})
        chans = [spec.channels[c] for c in self.channels]
        self.connect = np.array([c.callbacks.connect_time if c.callbacks else 0.0 for c in chans])
        self.cb_threshold = np.array([c.callbacks.target.threshold if c.callbacks and c.callbacks.target
                                      else np.nan for c in chans])
        self.nseg = len(segment_rows(scenario))
        self.seg_sums = ({key: np.zeros((self.nseg, self.ns)) for key in CONTACT_FIELDS + extra}
                         if self.nseg else None)
        self.max_queue = np.zeros(shape)
        self.group = {key: np.zeros((self.ng, self.ns)) for key in _GROUP_LEVELS}
        self.group_total = {key: np.zeros(self.ng) for key in _GROUP_LEVELS}
        self.work = np.zeros((self.ng, self.ns))
        self.work_gc = np.zeros((self.ng, self.nc))
        # first-contact resolution and appointments (staffsim/outcomes.py), when used
        self.outcomes = (OutcomeAccumulator(scenario, self.nc, self.ns, self.ng, self.conc)
                         if uses_repeats(scenario) or uses_appointments(scenario) else None)
        # transfers and conferences (staffsim/transfer_kpis.py), when used
        self.transfers = TransferAccumulator(scenario, self.nc, self.ns) if any(uses_transfers(scenario)) else None

    def slot_of(self, times: np.ndarray) -> np.ndarray:
        """The slot each time falls in (-1 outside the opening hours)."""
        k = np.searchsorted(self.starts, times, side="right") - 1
        inside = (k >= 0) & (times < self.ends[np.maximum(k, 0)])
        return np.where(inside, k, -1)

    def add_attempts(self, ch: np.ndarray, arrival: np.ndarray, answer: np.ndarray, end: np.ndarray,
                     state: np.ndarray, group: np.ndarray, run_end: float, *, kind: np.ndarray | None = None,
                     segment: np.ndarray | None = None, origin: np.ndarray | None = None,
                     flags: np.ndarray | None = None, wrap: np.ndarray | None = None) -> None:
        """Attempts that are over (or, at the end of the run, still waiting or in service).
        ``answer``/``end`` NaN where they did not happen; ``state`` as in
        :class:`~staffsim.results.ContactLog`; ``run_end`` the time the run ended. With customer
        behaviours: ``kind`` (callback dials are not offered contacts; they count as the
        callback of the slot of their request, ``origin``), ``segment`` (the row of the contact's
        segment, -1 none) and ``flags`` (bit 1: offered a callback). ``wrap``: after-contact work
        after each attempt (the agent's work runs on past ``end`` by it, up to ``run_end``)."""
        if len(ch) == 0:
            return
        nc, ns = self.nc, self.ns
        ch = ch.astype(np.int64)
        dial = kind == _DIAL if self.callbacks else None
        k = self.slot_of(arrival if dial is None else np.where(dial, origin, arrival))
        valid = k >= 0
        cell = (ch * ns + k)[valid]
        answered = (state == 1) | (state == 2)
        abandoned = state == 3
        deflected = state == 4
        unfinished = state == 0
        worked = answered | (state == _NO_SHOW)  # agent work: answered, a no-show's grace, dials
        if dial is not None:
            worked = worked | (dial & ~np.isnan(answer))
            answered = answered & ~dial
            unfinished = unfinished & ~dial
        to_agents = ~deflected if dial is None else ~deflected & ~dial
        taken = answered | (state == _NO_SHOW)  # an appointment's no-show was taken by an agent too
        wait = np.where(taken, answer - arrival, np.nan)
        wait = np.where(abandoned, end - arrival, wait)
        wait = np.where(unfinished, run_end - arrival, wait)
        queued = to_agents & ~(taken & (answer == arrival))  # not answered on arrival
        if self.balking or self.callbacks or self.blocking:  # left at the door: no wait, never queued
            left = (state == _BALKED) | (state == _CALLBACK) | (state == _BLOCKED)
            wait = np.where(left, 0.0, wait)
            queued = queued & ~left
        thr = self.thresholds[ch]
        within = answered & (answer - arrival <= thr)
        early_ab = abandoned & (end - arrival < thr)
        stop = np.minimum(np.where(np.isnan(end), run_end, end), run_end)
        seg_cell = None
        if self.seg_sums is not None and segment is not None:
            in_seg = valid & (segment >= 0)
            seg_cell = (segment * ns + k)[in_seg]

        def add(key, mask, weights=None):
            w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
            self.sums[key] += np.bincount(cell, weights=w[valid], minlength=nc * ns).reshape(nc, ns)
            if seg_cell is not None:
                self.seg_sums[key] += np.bincount(seg_cell, weights=w[in_seg],
                                                  minlength=self.nseg * ns).reshape(self.nseg, ns)

        add("offered", np.ones(len(ch), bool) if dial is None else ~dial)
        add("deflected", deflected)
        add("offered_to_agents", to_agents)
        add("answered", answered)
        add("abandoned", abandoned)
        add("unfinished", unfinished)
        add("answered_within", within)
        add("abandoned_before_threshold", early_ab)
        add("waited", queued)
        add("handled_s", worked & (state != _NO_SHOW), stop - answer)  # talk time: not a no-show's grace
        add("wait_answered_s", answered, wait)
        add("wait_all_s", to_agents, wait)
        if self.balking:
            add("balked", state == _BALKED)
        if self.blocking:
            add("blocked", state == _BLOCKED)
        if dial is not None:
            done = dial & (state == 2)
            delay = answer + self.connect[ch] - origin  # request to connect
            add("callbacks_offered", ~dial & (flags & 1).astype(bool))
            add("callbacks_accepted", state == _CALLBACK)
            add("callbacks_connected", done)
            add("callbacks_connected_within", done & (delay <= self.cb_threshold[ch]))
            add("callbacks_failed", state == _FAILED)
            add("callbacks_unfinished", dial & ((state == 0) | (state == 1)))
            add("callback_dials_unanswered", (state == _NO_ANSWER) | (state == _FAILED))
            add("callback_delay_s", done, delay)
        if worked.any():  # agent work: answered contacts, the grace of no-shows, callback dials
            t0, t1 = answer[worked], stop[worked]
            if wrap is not None:  # after-contact work (issue 20): agent work, not talk time
                t1 = np.minimum(t1 + wrap[worked], run_end)
            self.add_work(ch[worked], group[worked], t0, t1)

    def add_work(self, ch: np.ndarray, group: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> None:
        """Agent work of team ``group`` on channel ``ch`` over [t0, t1] (1/concurrency of it):
        for the groups' and channels' occupancy and the pay split."""
        g_of = group.astype(np.int64)
        share = 1.0 / self.conc[ch]
        np.add.at(self.work_gc, (g_of, ch), (t1 - t0) * share)
        for g in np.unique(g_of):
            m = g_of == g
            times = np.concatenate([t0[m], t1[m]])
            deltas = np.concatenate([share[m], -share[m]])
            self.work[g] += integrate(times, deltas, self.starts, self.ends)

    def add_count(self, key: str, c: int, times: np.ndarray) -> None:
        """Add one to ``key`` of channel ``c`` in the slot of each time (week: ``retries_closed``
        at the attempt the retry follows, ``unavailable`` at the lost contact's arrival)."""
        k = self.slot_of(times)
        k = k[k >= 0]
        self.sums[key][c] += np.bincount(k, minlength=self.ns)

    def add_levels(self, key: str, g: int, times: np.ndarray, deltas: np.ndarray, level0: float,
                   t0: float, t1: float) -> None:
        """Group ``g``'s level ``key`` (logged_in, on_break, busy, idle) over [t0, t1]."""
        # integrate_from over the slots and over [t0, t1] at once: one running integral,
        # evaluated at every bound in one call (elementwise: the same numbers as one by one)
        at = _running_integral(np.concatenate([[t0], np.asarray(times, float)]),
                               np.concatenate([[level0], np.asarray(deltas, float)]))
        ns = len(self.starts)
        v = at(np.concatenate([np.clip(self.ends, t0, t1), np.clip(self.starts, t0, t1), [t1, t0]]))
        self.group[key][g] += v[:ns] - v[ns:2 * ns]
        self.group_total[key][g] += v[-2] - v[-1]

    def add_queue(self, c: int, times: np.ndarray, lengths: np.ndarray, level0: float,
                  t0: float, t1: float) -> None:
        """Channel ``c``'s queue over (t0, t1]: ``level0`` at t0, then ``lengths`` at ``times``."""
        maxq = self.max_queue[c]
        if level0 > 0:  # the slot under way at t0 has level0 until the first change
            first = (self.starts <= t0) & (self.ends > t0)
            maxq[first] = np.maximum(maxq[first], level0)
        if len(times):
            kk = self.slot_of(times)
            m = kk >= 0
            np.maximum.at(maxq, kk[m], lengths[m])
            # the level carried into each slot starting inside the chunk
        inside = np.flatnonzero((self.starts > t0) & (self.starts <= t1))
        j = np.searchsorted(times, self.starts[inside], side="right") - 1
        carried = np.where(j >= 0, lengths[np.maximum(j, 0)] if len(times) else 0.0, level0)
        maxq[inside] = np.maximum(maxq[inside], carried)

    def counts(self, scheduled_s: np.ndarray, overtime_s: np.ndarray,
               unpaid_s: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The per channel × slot arrays and per group × slot integrals (see the module doc);
        ``unpaid_s`` per group: unpaid break seconds, taken off the paid time."""
        out = {key: v.copy() for key, v in self.sums.items()}
        available = self.group["logged_in"] - self.group["on_break"]
        out["work_s"] = self.serves @ self.work
        out["available_s"] = self.serves @ available
        out["logged_in_s"] = self.serves @ self.group["logged_in"]
        out["max_queue"] = self.max_queue.copy()
        for key, values in self.group.items():
            out[f"group_{key}_s"] = values.copy()
        out["group_work_s"] = self.work.copy()
        out["group_scheduled_s"] = scheduled_s
        out["group_channel_work_s"] = self.work_gc.copy()
        out["group_paid_s"] = scheduled_s.sum(axis=1) + overtime_s
        if unpaid_s is not None and np.any(unpaid_s):  # else untouched: today's numbers bit for bit
            out["group_paid_s"] = out["group_paid_s"] - unpaid_s
        if self.outcomes is not None:
            out.update(self.outcomes.counts())
        if self.transfers is not None:  # transfers and conferences (staffsim/transfer_kpis.py)
            out.update(self.transfers.counts())
        if self.callbacks:
            out["callback_target"] = np.isfinite(self.cb_threshold)
        if self.seg_sums is not None:
            out["segment_counts"] = {key: v.copy() for key, v in self.seg_sums.items()}
        return out

    def balance(self) -> np.ndarray:
        """Per group: (logged-in, busy, idle, break) seconds over the whole run."""
        return np.stack([self.group_total[k] for k in ("logged_in", "busy", "idle", "on_break")], axis=1)


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def slot_kpis(counts: dict[str, np.ndarray], slot_s: float, variant: str = "offered") -> dict[str, np.ndarray]:
    """Per channel × slot KPIs of one replication (see module doc)."""
    if variant not in SERVICE_LEVEL_VARIANTS:
        raise ValueError(
            f"service_level: unknown variant {variant!r} (choose {', '.join(SERVICE_LEVEL_VARIANTS)})"
        )
    c = counts
    # the live queue: contacts offered to agents, less those who took a callback at the door
    line = c["offered_to_agents"] - c["callbacks_accepted"] if "callbacks_accepted" in c else c["offered_to_agents"]
    served = line - c["no_shows"] if "no_shows" in c else line  # appointments: a no-show is not a failure of service
    if variant == "offered":
        sl = _ratio(c["answered_within"], served)
    elif variant == "answered":
        sl = _ratio(c["answered_within"], c["answered"])
    else:
        sl = _ratio(c["answered_within"], served - c["abandoned_before_threshold"])
    out = {
        "offered": c["offered"],
        "deflected": c["deflected"],
        "offered_to_agents": c["offered_to_agents"],
        "answered": c["answered"],
        "abandoned": c["abandoned"],
        "unfinished": c["unfinished"],
        "service_level": sl,
        "asa_s": _ratio(c["wait_answered_s"], c["answered"]),
        "mean_wait_s": _ratio(c["wait_all_s"], line),
        "abandon_rate": _ratio(c["abandoned"], line),
        "p_wait": _ratio(c["waited"], line),
        "occupancy": _ratio(c["work_s"], c["available_s"]),
        "staffed_agents": c["logged_in_s"] / slot_s,
        "max_queue": c["max_queue"],
        "retries_closed": c["retries_closed"],
        "unavailable": c["unavailable"],
    }
    if "balked" in c:
        out["balked"] = c["balked"]
        out["balk_rate"] = _ratio(c["balked"], line)
    if "blocked" in c:  # lines (issue 20)
        out["blocked"] = c["blocked"]
        out["block_rate"] = _ratio(c["blocked"], line)
    if "callbacks_accepted" in c:
        for key in ("callbacks_offered", "callbacks_accepted", "callbacks_connected", "callbacks_failed",
                    "callbacks_unfinished", "callback_dials_unanswered"):
            out[key] = c[key]
        out["callback_delay_s"] = _ratio(c["callback_delay_s"], c["callbacks_connected"])
        target = np.asarray(c["callback_target"], bool).reshape(-1, *([1] * (np.ndim(line) - 1)))
        out["callback_service_level"] = np.where(
            target, _ratio(c["callbacks_connected_within"], c["callbacks_accepted"]), np.nan)
    out.update(outcome_slot_kpis(c))  # first-contact resolution, appointments (when used)
    out.update(transfer_slot_kpis(c))  # transfers and conferences (when used)
    return out


COST_COLUMNS = ("paid_agent_hours", "agent_cost", "abandon_cost", "self_service_cost",
                "telephony_cost", "cost", "cost_per_handled")


def horizon_kpis(counts: dict[str, np.ndarray], scenario: Scenario, variant: str = "offered") -> pd.DataFrame:
    """Whole-horizon KPIs and money of one replication, per channel and for all channels together
    (``channel == "all"``): every rate is a ratio of horizon totals (volume-weighted), never an
    average of slot rates. With customer segments, a ``segment`` column: ``"all"`` on the
    channel rows, and after each channel's row one row per segment (contact KPIs and the costs
    that belong to contacts; agent figures are the channel's and left undefined there)."""
    spec = scenario.spec
    channels = list(spec.channels)
    h = spec.horizon
    extra = tuple(k for k in BALKING_COUNTS + CALLBACK_COUNTS + BLOCKING_COUNTS if k in counts)
    totals = {key: counts[key].sum(axis=1) for key in COUNT_FIELDS + extra}
    rows = {key: np.append(v, v.sum()) for key, v in totals.items()}
    if "no_shows" in counts:  # appointments: the service level leaves no-shows out
        rows["no_shows"] = np.append(counts["no_shows"].sum(axis=1), counts["no_shows"].sum())
    # all channels: occupancy and staffing over all groups once (not summed per channel)
    rows["work_s"][-1] = counts["group_work_s"].sum()
    rows["available_s"][-1] = (counts["group_logged_in_s"] - counts["group_on_break_s"]).sum()
    rows["logged_in_s"][-1] = counts["group_logged_in_s"].sum()
    rows["max_queue"] = np.append(counts["max_queue"].max(axis=1), np.nan)
    if "callback_target" in counts:
        rows["callback_target"] = np.append(counts["callback_target"], counts["callback_target"].any())
    kpis = slot_kpis(rows, h.n_slots * h.slot, variant)
    names = kpi_names(scenario)
    # columns gathered first, the frame built once (a column insert costs ~1 ms in pandas 3)
    frame = {"channel": channels + ["all"]}
    for key in names:
        frame[key] = kpis[key]

    # money: allocate each group's pay to channels by handling work
    costs = spec.costs
    _, done, share, paid_h, rate_g = _pay_split(counts, scenario)
    paid_c = paid_h @ share
    agent_c = (paid_h * rate_g) @ share
    rate = {f: np.array([costs.rate(f, c) for c in channels]) for f in ("abandoned", "self_service", "handled_minute")}
    abandon_c = _lost(totals) * rate["abandoned"]
    self_c = totals["deflected"] * rate["self_service"]
    tel_c = totals["handled_s"] / 60.0 * rate["handled_minute"]
    segs = segment_rows(scenario)
    if segs:  # a segment's own value of a lost contact
        seg_tot = {key: v.sum(axis=1) for key, v in counts["segment_counts"].items()}
        seg_rate = np.array([_segment_value(spec, c, s) for c, s in segs])
        seg_abandon = _lost(seg_tot) * seg_rate
        for j, c in enumerate(channels):
            mine = [i for i, (cc, _) in enumerate(segs) if cc == c]
            if mine:
                abandon_c[j] = seg_abandon[mine].sum()
    cost_c = agent_c + abandon_c + self_c + tel_c
    outcome = None
    if "repeats" in counts or "no_shows" in counts:  # staffsim/outcomes.py
        outcome = outcome_horizon_kpis(counts, scenario, paid_h * rate_g, done.ravel())
        cost_c = cost_c + outcome.pop("_cost")
    for key, values in (("paid_agent_hours", paid_c), ("agent_cost", agent_c), ("abandon_cost", abandon_c),
                        ("self_service_cost", self_c), ("telephony_cost", tel_c), ("cost", cost_c)):
        frame[key] = np.append(values, values.sum())
    frame["cost_per_handled"] = _ratio(frame["cost"], _handled(frame))
    for key, values in (outcome or {}).items():
        frame[key] = values
    for key, values in transfer_horizon_kpis(counts).items():  # transfers and conferences (when used)
        frame[key] = values
    frame = pd.DataFrame(frame)
    if not segs:
        return frame

    # per segment: contact KPIs, and the costs that follow the segment's contacts
    ci = np.array([channels.index(c) for c, _ in segs])
    skpis = slot_kpis(segment_inputs(counts, seg_tot, scenario), h.n_slots * h.slot, variant)
    part = pd.DataFrame({"channel": [c for c, _ in segs], "segment": [s for _, s in segs]})
    for key in names:
        part[key] = skpis[key]
    for key in COST_COLUMNS:
        part[key] = np.nan
    part["abandon_cost"] = seg_abandon
    part["self_service_cost"] = seg_tot["deflected"] * rate["self_service"][ci]
    part["telephony_cost"] = seg_tot["handled_s"] / 60.0 * rate["handled_minute"][ci]
    frame.insert(1, "segment", "all")
    pieces = [(part if seg else frame).iloc[[i]] for seg, i in row_order(scenario)]
    return pd.concat(pieces + [frame.iloc[[len(channels)]]], ignore_index=True)


def _pay_split(counts: dict[str, np.ndarray], scenario: Scenario):
    """(group names, each group's handling work (groups x 1), the share of it each channel takes
    (groups x channels: by handling work, equally among its skills if it did none), paid hours,
    the hourly rate) of one replication."""
    spec = scenario.spec
    channels = list(spec.channels)
    groups = [g.group for g in spec.agents]
    work = counts["group_channel_work_s"]
    serves = np.array([[c in g.skills for c in channels] for g in spec.agents], float)
    done = work.sum(axis=1, keepdims=True)
    share = np.where(done > 0, work / np.where(done > 0, done, 1.0), serves / serves.sum(axis=1, keepdims=True))
    paid_h = counts["group_paid_s"] / 3600.0
    rate = np.array([spec.costs.rate("agent_hour", g) for g in groups])
    return groups, done, share, paid_h, rate


def _lost(totals: dict[str, np.ndarray]) -> np.ndarray:
    """Contacts lost: abandoned, and with the behaviours on balked and callbacks given up."""
    lost = totals["abandoned"]
    for key in ("balked", "callbacks_failed", "blocked"):
        if key in totals:
            lost = lost + totals[key]
    return lost


def _handled(frame) -> np.ndarray:
    """Contacts handled: answered, and callbacks connected (``frame``: columns by name)."""
    handled = np.asarray(frame["answered"], float)
    return handled + np.asarray(frame["callbacks_connected"], float) if "callbacks_connected" in frame else handled


def _segment_value(spec, channel: str, segment: str) -> float:
    own = spec.channels[channel].segments[segment].abandon_value
    return spec.costs.rate("abandoned", channel) if own is None else float(own)


def team_money(counts: dict[str, np.ndarray], scenario: Scenario) -> pd.DataFrame:
    """Per team (group), one replication: what the team was paid and what it did.

    ``paid_agent_hours`` and ``agent_cost`` are the team's own (its shifts or gross plan
    headcount plus overtime, at its ``agent_hour`` rate); ``handling_hours`` its handling work
    (time ÷ concurrency); ``handling_share`` = handling_hours ÷ paid_agent_hours;
    ``cost_<channel>`` the part of its pay allocated to each channel it serves in proportion to
    the handling work it did for it (an allocation, not a marginal cost)."""
    channels = list(scenario.spec.channels)
    groups, done, share, paid_h, rate = _pay_split(counts, scenario)
    frame = pd.DataFrame({"team": groups, "paid_agent_hours": paid_h, "agent_cost": paid_h * rate,
                          "handling_hours": done[:, 0] / 3600.0})
    frame["handling_share"] = _ratio(frame["handling_hours"].to_numpy(), paid_h)
    for j, c in enumerate(channels):
        frame[f"cost_{c}"] = paid_h * rate * share[:, j]
    return frame


def group_kpis(counts: dict[str, np.ndarray], slot_s: float) -> dict[str, np.ndarray]:
    """Per group × slot staffing figures of one replication (time-averages in agents)."""
    li = counts["group_logged_in_s"]
    br = counts["group_on_break_s"]
    return {
        "staffed": li / slot_s,
        "on_break": br / slot_s,
        "available": (li - br) / slot_s,
        "busy": counts["group_busy_s"] / slot_s,
        "idle": counts["group_idle_s"] / slot_s,
        "scheduled": counts["group_scheduled_s"] / slot_s,
        "occupancy": _ratio(counts["group_work_s"], li - br),
    }


def slot_calendar(scenario: Scenario) -> pd.DataFrame:
    """For every slot: ``day`` (from 1), then, when the horizon has a ``start_date``, ``date``
    (YYYY-MM-DD) and ``weekday`` (Mon..Sun), then ``slot_start`` ("HH:MM"): the key columns of
    every per-slot table."""
    from staffsim.scenarios.calendar import WEEKDAY_NAMES

    h = scenario.spec.horizon
    day, labels = slot_labels(scenario)
    frame = pd.DataFrame({"day": day})
    if h.start_date is not None:
        dates = [h.date(d - 1) for d in range(1, h.days + 1)]
        frame["date"] = np.array([d.isoformat() for d in dates], dtype=object)[day - 1]
        frame["weekday"] = np.array([WEEKDAY_NAMES[d.weekday()] for d in dates], dtype=object)[day - 1]
    frame["slot_start"] = labels
    return frame


def slot_labels(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(day number from 1, "HH:MM" start) for every slot."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    day = (starts // 86400).astype(int) + 1
    labels = np.array([format_clock(s % 86400) for s in starts])
    return day, labels
