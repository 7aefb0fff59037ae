"""Callbacks (virtual hold): the agent calling back a contact that accepted a callback at the door.

A callback is a chain of dials (:class:`~staffsim.engine.core.Dial`, one record each), waiting off
the line: it never abandons. Two modes:

- ``keep_place: true``: the callback takes the caller's place in the channel's line (the back, at
  arrival, in its segment's priority) and is served in turn like a caller on the line, the teams'
  overflow delays included;
- ``keep_place: false``: callbacks wait in a line of their own, and an agent dials one only when it
  would otherwise go idle (no live contact of its skills it can see), oldest first, skills in the
  agent's order; every team with the skill sees them at once.

A dial occupies the agent for ``connect_time`` and, when the customer answers (the dial's draw
u >= ``no_answer``, stream ``callback_answer``), the contact's handle time on top (× the
channel's self-service uplift and the team's handle-time factor); the callback is *connected*
``connect_time`` after the dial starts. Not answered, the dial's time is lost work; the callback
joins the back of the line again ``retry_delay`` later, up to ``max_attempts`` dials in all, and a
dial that would fall outside the opening hours is not made: the callback has *failed*. Callbacks
still waiting or being dialled when the run ends are unfinished. Pending callbacks wait overnight
(like email) and are dialled during the drain after closing.

*Lines.* On a channel listed in the center's ``lines``, a dial holds one of those lines while
the agent dials and talks (the connect time and, answered, the handle time), like a caller on
the line. A dial that finds every line held is *blocked*: the agent's connect time is lost as for
a dial nobody answers (the dial's record is a dial not answered, its ``flags`` bit 4 set), and
the callback is dialled again ``retry_delay`` later, up to ``max_attempts`` dials, then failed.
Its answer draw is read all the same, so the lines move no draw.

*After-contact work.* On a channel with ``after_work`` a connected dial is followed by the
agent's wrap-up (the contact's own draw), as a live contact is; a dial nobody answered has none.
"""

from __future__ import annotations

from collections import deque
from heapq import heappush

from staffsim.engine.core import FAILED, HOLDS_LINE, LINE_BUSY, NO_ANSWER, NORMAL, Dial, schedule


class CallbacksMixin:
    """Callback dials (part of :class:`~staffsim.engine.replication.Replication`)."""

    def _init_callbacks(self) -> None:
        nc = len(self.names)
        # keep_place: false - the callbacks' own lines, and how many wait in them
        self.dial_queue = [deque() for _ in range(nc)]
        self.dials_waiting = [0] * nc
        self.next_idle = any(cb is not None and not cb.keep_place for cb in self.callbacks)

    def _queue_dial(self, dial: Dial, c: int) -> None:
        """A callback (first dial or a retry) waiting for an agent."""
        cb = self.callbacks[c]
        if cb.keep_place:
            ag = self._find_agent(c)
            if ag is not None:
                self._start(ag, dial, c)
            else:
                self._enqueue(dial, c)
            return
        ag = self._find_agent(c, self.serving[c])
        if ag is not None:
            self._start(ag, dial, c)
        else:
            self.dial_queue[c].append(dial)
            self.dials_waiting[c] += 1

    def _take_dial(self, ag) -> bool:
        """An agent with no live contact to take dials the oldest waiting callback of its
        highest-priority skill that has one (``keep_place: false``)."""
        for c in ag.skills:
            if self.dials_waiting[c]:
                dial = self.dial_queue[c].popleft()
                self.dials_waiting[c] -= 1
                self._start(ag, dial, c)
                return True
        return False

    def _dial(self, ag, dial: Dial) -> None:
        """The agent starts dialling (``dial.handle`` holds the contact's handle time for this
        agent): decide whether the customer answers and schedule the end of the agent's work."""
        cb = self.callbacks[dial.channel]
        dial.connected = dial.draws.answer_u[dial.i * dial.draws.m + dial.num] >= cb.no_answer
        if self.line_on[dial.channel]:  # lines: the dial holds one, or finds them all held
            if self.lines.free > 0:
                self.lines.free -= 1
                dial.flags |= HOLDS_LINE
            else:
                dial.connected = False
                dial.flags |= LINE_BUSY
        dial.handle = cb.connect_time + (dial.handle if dial.connected else 0.0)
        dial.callbacks = (self._complete_dial,)  # the dial is the event of its end (engine/core.py)
        heappush(self._queue, (self.env._now + dial.handle, NORMAL, next(self._eid), dial))

    def _complete_dial(self, dial: Dial) -> None:
        """The dial is over: the agent frees up as after any contact (``_complete``); a dial not
        answered is then marked so and retried or given up. A connected dial on a channel with
        ``after_work`` is followed by the agent's wrap-up, as a live contact is."""
        if dial.connected and self.wrap_on[dial.channel]:
            self._complete_wrap(dial)
            return
        self._complete(dial)
        if dial.connected:
            return
        cb = self.callbacks[dial.channel]
        if dial.num + 1 < cb.max_attempts and self._open(self.env._now + cb.retry_delay):
            dial.state = NO_ANSWER
            schedule(self.env, cb.retry_delay, self._redial, a=dial)
        else:
            dial.state = FAILED

    def _redial(self, tick) -> None:
        last = tick.a
        dial = Dial(last.channel, last.draws, last.i, last.num + 1, self.env._now, last.origin)
        self._recent.append(dial)
        self._queue_dial(dial, last.channel)
