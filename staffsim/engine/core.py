"""The engine's vocabulary: attempt states and kinds, the attempt record, the timer event and the
event loop.

SimPy is the scheduler, but no contact or agent has a process of its own: every happening is an
event placed on SimPy's event queue with one callback. Two kinds of object are events: a
:class:`Tick` (one callback and two payload slots, so the hot path creates no closures) and an
:class:`Attempt` in service, which is the event of its own completion (one object fewer per
contact answered). Both are minimal events: what ``Environment.step`` needs, ``callbacks``,
``_ok`` and ``_value``.

Because every event is of these kinds, :func:`schedule` pushes onto the environment's queue
itself and :func:`run_until` pops it: exactly what ``Environment.schedule`` and
``Environment.run(until)`` do (the same ``(time, priority, event id, event)`` entries from the
same counter, the same stop event at ``until``) without the generic per-event work (method calls,
the callbacks list swap, the ``now`` property) that SimPy needs for processes. The engine reads
the clock as ``env._now``.

One event is kept off the queue: the next first arrival of the day (about a third of all events).
Its time and event id are those ``schedule`` would have given it, and :func:`run_until` fires it
when its key ``(time, NORMAL, event id)`` is below the queue's head, so the order of events is
exactly the order SimPy would pop them in. ``tests/test_engine_invariants.py`` runs the same
replications with the arrivals on the queue and SimPy's own ``env.run`` and checks every count is
identical.
"""

from __future__ import annotations

from heapq import heappop, heappush

import simpy

# attempt states
WAIT, SERVE, DONE, ABANDONED, DEFLECTED = 0, 1, 2, 3, 4
NO_SHOW = 5  # an appointment the agent waited ``grace`` for in vain (engine/appointments.py)
# ... at the queue (engine/door.py, engine/callbacks.py): left on arrival on seeing the queue;
# took a callback (the live attempt ends there); a callback dial the customer did not answer,
# dialled again later / given up
BALKED, CALLBACK, NO_ANSWER, FAILED = 6, 7, 8, 9
BLOCKED = 10  # found every line held (center ``lines``: engine/policies.py): a busy signal
# attempt kinds
FIRST, RETRY, RETURN = 0, 1, 2
REPEAT = 3  # an unresolved contact coming back (engine/repeats.py)
DIAL = 4  # an agent calling a customer back (engine/callbacks.py; one record per dial)
LEG = 5  # a transferred contact's second leg, at the target channel (engine/transfers.py)
CONFERENCE = 6  # a supervisor joining a contact (engine/transfers.py; one record per conference)
KIND_NAMES = ("first", "retry", "self_service_return", "repeat", "callback",
              "transfer", "conference")  # engine/transfers.py
# Attempt.flags bits
OFFERED_CALLBACK = 1
HOLDS_LINE = 2  # holds one of the center's lines (engine/policies.py)
LINE_BUSY = 4  # a callback dial that found every line held (engine/callbacks.py)
TRANSFERRED = 8  # moved to another channel's queue after the first talk (engine/transfers.py)
CONFERENCED = 16  # a supervisor was asked to join (engine/transfers.py)

INF = float("inf")
# event priorities at the same instant: day starts, then everything else, then patience timers
# (so that when a patience runs out at the instant an agent frees up, the agent answers: ties go
# to the agent)
URGENT, NORMAL, LATE = 0, 1, 2


class Attempt:
    """One attempt of a contact to reach an agent.

    ``channel`` index; ``draws`` the :class:`~staffsim.engine.draws.DayDraws` of the contact and
    ``i`` its index there (``draws.offset + i`` is the contact's number in its channel);
    ``num`` 0 for the first attempt; ``kind`` FIRST / RETRY / RETURN; times in seconds
    (``answer``/``end`` -1 until they happen); ``group`` the answering group (-1 none);
    ``handle`` the service time it got; ``resolved`` the first-contact-resolution outcome once
    it is known (see :mod:`~staffsim.engine.repeats`; -1 not judged); ``flags``
    OFFERED_CALLBACK when a callback was offered.

    In service the attempt is the event of its own completion: ``callbacks`` then holds the
    completion callback and ``agent`` the agent serving it (both set by the engine when it
    schedules the completion)."""

    __slots__ = ("channel", "draws", "i", "num", "kind", "arrival", "answer", "end", "state",
                 "group", "handle", "resolved", "flags", "callbacks", "agent")
    _ok = True  # a triggered event, as far as ``Environment.step`` is concerned
    _value = None

    def __init__(self, channel: int, draws, i: int, num: int, kind: int, arrival: float):
        self.channel = channel
        self.draws = draws
        self.i = i
        self.num = num
        self.kind = kind
        self.arrival = arrival
        self.answer = -1.0
        self.end = -1.0
        self.state = WAIT
        self.group = -1
        self.handle = 0.0
        self.resolved = -1
        self.flags = 0


class Dial(Attempt):
    """An agent calling a contact back: one record per dial (``kind`` DIAL, ``num`` the dial, 0
    for the first). ``arrival`` is when the dial joined the line (the request, or the retry);
    ``origin`` when the callback was requested; ``connected`` whether the customer answers
    (known from the contact's draw when the agent starts dialling)."""

    __slots__ = ("connected", "origin")

    def __init__(self, channel: int, draws, i: int, num: int, arrival: float, origin: float):
        super().__init__(channel, draws, i, num, DIAL, arrival)
        self.origin = origin
        self.connected = False


class Tick:
    """A triggered event with one callback and two payload slots."""

    __slots__ = ("callbacks", "a", "b")
    _ok = True
    _value = None

    def __init__(self, callback, a=None, b=None):
        self.callbacks = (callback,)
        self.a = a
        self.b = b


def schedule(env: simpy.Environment, delay: float, callback, priority: int = NORMAL,
             a=None, b=None) -> None:
    """Run ``callback(tick)`` ``delay`` seconds from now (``tick.a``, ``tick.b`` the payload):
    ``env.schedule(Tick(callback, a, b), priority, delay)``, inlined."""
    heappush(env._queue, (env._now + delay, priority, next(env._eid), Tick(callback, a, b)))


def run_until(env: simpy.Environment, until: float, source) -> None:
    """``env.run(until=until)`` for an environment whose events are all ticks and attempts:
    process every event before the stop event SimPy would place at ``until`` (priority URGENT,
    the next event id), then leave the clock at ``until``.

    ``source``: an object holding one normal-priority event off the queue (the next arrival):
    ``source.next_t`` its time (INF when there is none), ``source.next_eid`` its event id and
    ``source.fire()`` its callback, which sets the next one. It runs exactly when SimPy would
    have popped it had it been scheduled with that id."""
    if until <= env._now:
        raise ValueError(f"until ({until}) must be greater than the current simulation time")
    stop = Tick(None)
    queue = env._queue
    heappush(queue, (until, URGENT, next(env._eid), stop))
    fire = source.fire
    while True:
        head = queue[0]
        at = source.next_t
        if at < head[0] or (at == head[0] and (NORMAL < head[1] or (NORMAL == head[1]
                                                                   and source.next_eid < head[2]))):
            env._now = at
            fire()
            continue
        t, _, _, event = heappop(queue)
        env._now = t
        if event is stop:
            return
        event.callbacks[0](event)
