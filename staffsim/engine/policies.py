"""Routing policies chosen by the scenario (issue 20): small objects, not branches in the callbacks.

*Queue order* (per team, ``queue_order``): which waiting contact a freed agent with nothing in
hand takes.

- ``priority`` (default, earlier numbers): the skills in the team's order, the first with a
  contact the agent can see (``None`` here: the engine's own loop);
- ``oldest``: the oldest waiting contact across the agent's skills;
- ``weighted``: skill priority with an age bonus: the head contact of each skill scores
  ``wait − r × priority_step`` (``r`` the skill's rank in the team's list, 0 for the first;
  ``wait`` = now − the time it joined the line) and the highest score is taken. ``priority_step``
  0 is ``oldest``; a step longer than any wait is ``priority``.

The candidate of a skill is the contact the engine would serve next there (highest customer-
segment priority first, then the oldest; under an overflow delay, only contacts the team can
see). Ties (the same score) go to the skill ranked higher. Appointment skills come first
whatever the order (booked work first). An agent already holding chats keeps to the rules of
:mod:`~staffsim.engine.routing` (more chats of that channel unless a skill it ranks higher waits).

*Agent choice* (per channel, ``agent_choice``): which free agent takes an arriving contact, among
the idle agents of the teams that take the channel at once.

- ``longest_idle`` (default, earlier numbers): the agent idle longest (``None`` here);
- ``random_free``: a team at random in proportion to its idle agents (every idle agent equally
  likely), then that team's longest-idle agent; one uniform draw per choice between two or more
  teams, from the channel's own stream ``(seed, replication, channel, "agent_choice")``;
- ``least_occupied``: the idle agent with the lowest occupancy so far in the run (busy time ÷
  time logged in and not on break; 0 for an agent with no such time yet); ties go to the agent
  idle longest.

When no agent is idle, a chat channel's partly busy agents are tried as before
(:meth:`~staffsim.engine.routing.RoutingMixin._find_agent`).

*Lines* (center level, ``lines``): :class:`Lines`.
"""

from __future__ import annotations

from staffsim.engine.core import WAIT
from staffsim.rng import stream

BUFFER = 1024  # uniform draws made at a time for random_free


def head(rep, c: int, delay: float):
    """The contact of channel ``c`` the engine would serve next among those that have waited at
    least ``delay`` (without taking it), or None."""
    now = rep.env._now
    for q in rep.levels[c]:
        while q and q[0].state != WAIT:
            q.popleft()  # answered or abandoned: dropped lazily, as _pop does
        if q and not (delay and q[0].arrival + delay > now):
            return q[0]
    return None


class AgeOrder:
    """``oldest`` (``step`` 0) and ``weighted`` (``step`` = priority_step): see the module doc."""

    def __init__(self, step: float):
        self.step = float(step)

    def skills(self, rep, ag) -> list[int]:
        """The agent's skills in the order to try them now: appointment skills first, then the
        live skills with a visible contact by score (ties: the skill ranked higher)."""
        first, ranked = [], []
        delays = ag.delays
        waiting = rep.waiting
        for r, c in enumerate(ag.skills):
            if not waiting[c]:
                continue
            if rep.appt[c]:
                first.append(c)
                continue
            att = head(rep, c, 0.0 if delays is None else delays[c])
            if att is not None:
                ranked.append((att.arrival + r * self.step, r, c))
        ranked.sort()
        return first + [c for _, _, c in ranked]


class RandomFree:
    """``random_free``: see the module doc."""

    def __init__(self, seed: int, rep: int, name: str):
        self.rng = stream(seed, rep, name, "agent_choice")
        self.buf: list[float] = []

    def uniform(self) -> float:
        if not self.buf:
            self.buf = self.rng.random(BUFFER).tolist()[::-1]
        return self.buf.pop()

    def choose(self, rep, teams):
        counts = []
        total = 0
        for g in teams:
            n = 0
            for entry in rep.idle[g]:
                if entry[1] == entry[2].token:
                    n += 1
            counts.append(n)
            total += n
        if total == 0:
            return None
        pick = next(j for j, n in enumerate(counts) if n)
        if counts.count(0) < len(counts) - 1:  # two or more teams have idle agents: draw
            x = self.uniform() * total
            for j, n in enumerate(counts):
                if x < n:
                    pick = j
                    break
                x -= n
            else:  # x rounded onto total: the last team with idle agents
                pick = max(j for j, n in enumerate(counts) if n)
        q = rep.idle[teams[pick]]
        while q[0][1] != q[0][2].token:
            q.popleft()
        return q.popleft()[2]


class LeastOccupied:
    """``least_occupied``: see the module doc."""

    def choose(self, rep, teams):
        now = rep.env._now
        best = None
        best_key = None
        for g in teams:
            for since, token, ag in rep.idle[g]:
                if token != ag.token:
                    continue
                key = (occupancy(ag, now), since)
                if best is None or key < best_key:
                    best, best_key = ag, key
        return best  # its idle entry goes stale when it starts (its token moves on)


def occupancy(ag, now: float) -> float:
    """The agent's busy time ÷ its time logged in and not on break, so far (0 with none)."""
    avail = ag.avail_s + (now - ag.avail_from if ag.avail_from >= 0 else 0.0)
    busy = ag.busy_s + (now - ag.busy_from if ag.load > 0 else 0.0)
    return busy / avail if avail > 0 else 0.0


def queue_order(group) -> AgeOrder | None:
    """The team's queue-order policy (None: priority, the engine's own loop)."""
    if group.queue_order == "oldest":
        return AgeOrder(0.0)
    if group.queue_order == "weighted":
        return AgeOrder(group.priority_step)
    return None


def agent_choice(channel, seed: int, rep: int, name: str):
    """The channel's agent-choice policy (None: longest idle, the engine's own search)."""
    if channel.agent_choice == "random_free":
        return RandomFree(seed, rep, name)
    if channel.agent_choice == "least_occupied":
        return LeastOccupied()
    return None


class Lines:
    """``lines: {count, channels}``: a trunk limit shared by channels.

    A contact of a listed channel reaching the center (a first attempt, a retry, a self-service
    return: after self-service, whose time is not modelled, so a contained contact holds no
    line) takes a line when one is free and holds it while it waits and while it is served; it
    gives it back when it is answered and done, abandons, balks or takes a callback. Finding
    every line held, it is **blocked** (a busy signal: state BLOCKED, counted ``blocked``) and
    may redial as an abandoned caller does (``retrial``). A callback dial of a listed channel
    holds a line while the agent dials and talks, and finds them all held like a caller
    (:mod:`~staffsim.engine.callbacks`)."""

    def __init__(self, spec, names: list[str]):
        self.free = spec.count
        self.on = [c in spec.channels for c in names]
