"""Contacts arriving: the day's arrival chain, self-service, queueing, abandonment and retrials.

Self-service contains a first attempt when its draw u < ``deflection`` (a superset of the same
contacts as deflection grows); a contained contact may fail (``failure``) and return after
``failure_delay`` as a new attempt; the contacts that reach agents take ``1 + handle_time_uplift``
times their handle time. A waiting contact abandons when its wait reaches its patience (one draw
per attempt); an abandoned contact retries with ``retrial.probability`` after ``retrial.delay`` (a
new attempt, up to ``max_attempts`` in all). Retries and returns that would fall outside the
opening hours (a closed day, after closing, after the horizon) do not happen: they are counted as
``retries_closed`` in the slot of the attempt they follow. Contacts arriving while an event makes
the channel unavailable (first attempts, retries, returns) are lost and counted as
``unavailable`` (:mod:`staffsim.scenarios.events`). A contact no agent can take at once passes
the door first (:mod:`~staffsim.engine.door`: callback offers, balking) and then joins its line
(:mod:`~staffsim.engine.routing`).

With center ``lines`` a contact of a listed channel takes a line after self-service and before
the agents, and is blocked (a busy signal, state BLOCKED) when every line is held; it may redial
as an abandoned caller does (:class:`~staffsim.engine.policies.Lines`). With
``retrial.when_closed: at_opening`` a redial that would fall when closed comes at the next opening
(:mod:`~staffsim.engine.redials`).
"""

from __future__ import annotations

from heapq import heappush

from staffsim.engine.core import (
    ABANDONED,
    BLOCKED,
    DEFLECTED,
    FIRST,
    HOLDS_LINE,
    INF,
    LATE,
    RETRY,
    RETURN,
    URGENT,
    WAIT,
    Attempt,
    Tick,
    schedule,
)
from staffsim.engine.draws import merge_day
from staffsim.engine.redials import next_opening
from staffsim.scenarios.events import in_windows


class ArrivalsMixin:
    """Event callbacks for arrivals (part of :class:`~staffsim.engine.replication.Replication`)."""

    def _start_day(self, tick) -> None:
        """Make day ``tick.a``'s draws and start its arrival chain (at midnight, before anything
        else that instant; day 0 at the start of the run). Finished work is recorded first."""
        d = tick.a
        if d > 0:
            self.recorder.flush(self)
        if d + 1 < self.h.days:
            schedule(self.env, (d + 1) * 86400.0 - self.env._now, self._start_day, URGENT, d + 1)
        days = [dr.day(d) for dr in self.drawers]
        self.recorder.lost(days)  # week: first attempts lost to an unavailable channel
        times, src, idx = merge_day(days)
        # the day's arrivals in order: (their draws, their index there, when the next one comes)
        self._arrivals = zip(src, idx, times[1:] + [None])
        if times:
            self._set_next_arrival(times[0])

    # The next first arrival is kept off SimPy's queue (engine/core.py, run_until): ``next_t``,
    # ``next_eid`` are the time and event id ``schedule`` would have given it. With
    # ``arrivals_on_queue`` (tests: SimPy's own ``env.run``) it is scheduled as a tick instead.
    next_t = INF
    next_eid = 0
    arrivals_on_queue = False

    def _set_next_arrival(self, t: float) -> None:
        now = self.env._now
        if self.arrivals_on_queue:
            schedule(self.env, t - now, lambda _tick: self.fire())
        else:
            self.next_t = now + (t - now)
            self.next_eid = next(self._eid)

    def fire(self) -> None:
        """The next first arrival of the day, now."""
        draws, i, t_next = next(self._arrivals)
        now = self.env._now
        if t_next is None:
            self.next_t = INF
        elif self.arrivals_on_queue:
            self._set_next_arrival(t_next)
        else:  # _set_next_arrival, inlined (hot path)
            self.next_t = now + (t_next - now)
            self.next_eid = next(self._eid)
        c = draws.channel
        if self.prevent_tokens is not None and self._prevented(c):  # outbound (engine/outbound.py)
            return
        att = Attempt(c, draws, i, 0, FIRST, now)  # the event's own time: no wait of -1e-12 s
        self._recent.append(att)
        if draws.deflect_u[i] < self.deflection[c]:
            att.state = DEFLECTED
            att.end = now
            if draws.fail_u[i] < self.failure[c]:
                self._schedule_attempt(c, draws, i, 1, RETURN, draws.fail_delay[i], now)
            return
        if self.line_on[c] and not self._take_line(att, c):  # lines (engine/policies.py)
            return
        ag = self._find_agent(c)  # _offer, inlined (hot path)
        if ag is not None:
            self._start(ag, att, c)
        else:
            self._wait(att, c)

    def _schedule_attempt(self, c: int, draws, i: int, num: int, kind: int, delay: float,
                          origin: float = 0.0) -> None:
        at = self.env._now + delay
        if num >= draws.k:
            return
        if not self._open(at):
            # retrial.when_closed: at_opening (engine/redials.py): a redial comes at the next opening
            opening = next_opening(self.h, self.day_hours, at) if kind == RETRY and self.at_opening[c] else None
            if opening is None:
                self.recorder.closed[c].append(origin)  # week: would fall when closed
                return
            delay = opening - self.env._now
            at = opening
        if self.unavailable[c] and in_windows(self.unavailable[c], at, "unavailable"):
            self.recorder.unavailable[c].append(at)  # week: the channel is down then
            return
        schedule(self.env, delay, self._on_attempt, a=(c, draws, i, num), b=kind)

    def _on_attempt(self, tick) -> None:
        c, draws, i, num = tick.a
        att = Attempt(c, draws, i, num, tick.b, self.env._now)
        self._recent.append(att)
        self._offer(att, c)

    def _open(self, t: float) -> bool:
        day, tod = divmod(t, 86400.0)
        if day >= self.h.days:
            return False
        hours = self.day_hours[int(day)]
        return hours is not None and hours[0] <= tod < hours[1]

    def _offer(self, att: Attempt, c: int) -> None:
        """An attempt reaches the channel: an agent takes it now, or it waits."""
        if self.line_on[c] and not self._take_line(att, c):  # lines (engine/policies.py)
            return
        ag = self._find_agent(c)
        if ag is not None:
            self._start(ag, att, c)
        else:
            self._wait(att, c)

    def _wait(self, att: Attempt, c: int) -> None:
        """No agent can take ``att`` now: the door, then the line and the patience timer."""
        if self.door[c] and self._at_door(att, c):
            if att.flags & HOLDS_LINE:
                self.lines.free += 1
            return  # took a callback, or balked (engine/door.py)
        self._enqueue(att, c)
        pat = att.draws.patience[att.i * att.draws.k + att.num]
        if pat != INF:  # schedule(self.env, pat, self._abandon, LATE, att), inlined (hot path)
            heappush(self._queue, (self.env._now + pat, LATE, next(self._eid), Tick(self._abandon, att)))

    def _abandon(self, tick) -> None:
        att = tick.a
        if att.state != WAIT:
            return  # answered first (ties go to the agent)
        c = att.channel
        att.state = ABANDONED
        now = att.end = self.env._now
        if att.flags & HOLDS_LINE:
            self.lines.free += 1
        n = self.waiting[c] - 1
        self.waiting[c] = n
        self.q_t[c].append(now)  # _log_queue, inlined (hot path)
        self.q_len[c].append(n)
        if self.retry_p[c] > 0:
            draws, i, num = att.draws, att.i, att.num
            if draws.retry_u[i * draws.k + num] < self.retry_p[c]:
                self._schedule_attempt(c, draws, i, num + 1, RETRY, draws.retry_delay[i * draws.k + num],
                                       att.arrival)

    # --- lines (issue 20): a trunk limit shared by channels (engine/policies.py) ----------------
    def _take_line(self, att: Attempt, c: int) -> bool:
        """``att`` takes a free line, or finds every line held: blocked (a busy signal), and it
        may redial as an abandoned caller does (``retrial``, the attempt's own retrial draws)."""
        lines = self.lines
        if lines.free > 0:
            lines.free -= 1
            att.flags |= HOLDS_LINE
            return True
        att.state = BLOCKED
        att.end = self.env._now
        if self.retry_p[c] > 0:
            self._retry_after(att, c)
        return False

    def _retry_after(self, att: Attempt, c: int) -> None:
        """An abandoned or blocked attempt's retry, when its draw says it retries."""
        draws, i, num = att.draws, att.i, att.num
        if draws.retry_u[i * draws.k + num] < self.retry_p[c]:
            self._schedule_attempt(c, draws, i, num + 1, RETRY, draws.retry_delay[i * draws.k + num], att.arrival)
