"""Agents and their timelines: who logs in when, takes which breaks, and logs off.

Groups on ``shifts`` get one agent per shift seat; each seat misses a day with probability
``absence`` (drawn per agent and day from its own stream). Groups staffed by slot
(``staffing: plan`` or a list) get as many agents as their peak; agent *j* is logged in during
every slot whose headcount exceeds *j*, one login per run of consecutive slots, no breaks and
no absence. Paid (scheduled) agent-seconds per group and slot are: the shifts of the agents who
showed up (breaks included; of every seat when ``absence_paid``: sick pay), or the gross headcount ⌈net / (1 − shrinkage)⌉ for a group staffed
by slot; unpaid breaks (``paid: false``) are counted apart and taken off the paid hours.
"""

from __future__ import annotations

import numpy as np

from staffsim.models.staffing import scheduled_agents
from staffsim.rng import stream
from staffsim.scenarios.scenario import Scenario

# roster actions, in the order they run at the same instant
DRAIN, LOGOFF, BREAK, LOGIN = 0, 1, 2, 3


class Agent:
    """One agent's state during a replication."""

    __slots__ = ("index", "group", "skills", "logged_in", "on_break", "pending", "load", "load_ch",
                 "token", "idle", "staying", "sched_end", "hfac", "delays",
                 "order", "busy_s", "busy_from", "avail_s", "avail_from",  # engine/policies.py
                 "blend")  # digital blending: the team's blended channels (a set), or None

    def __init__(self, index: int, group: int, skills: list[int]):
        self.index = index  # creation order: breaks ties between roster events deterministically
        self.group = group
        self.skills = skills
        self.logged_in = False
        self.on_break = False
        self.pending = None  # ("break", length) or ("logoff",) while finishing contacts
        self.load = 0
        self.load_ch = -1
        self.token = 0
        self.idle = False
        self.staying = False  # logged in at the close: drains the queues
        self.sched_end = 0.0  # when the current shift (or run of slots) is scheduled to end
        # the team's, per channel (engine/routing.py): handle-time multiplier, overflow delays
        self.hfac: list[float] = []
        self.delays: list[float] | None = None
        # routing policies (engine/policies.py): the team's queue order (None: skills in order);
        # busy and available seconds so far (least_occupied; -1: not available now)
        self.order = None
        self.blend = None
        self.busy_s = 0.0
        self.busy_from = 0.0
        self.avail_s = 0.0
        self.avail_from = -1.0


def build_roster(scenario: Scenario, seed: int, rep: int, headcount: dict[str, np.ndarray],
                 channel_index: dict[str, int], close: float):
    """(agents, roster events sorted in time, scheduled agent-seconds per group and slot,
    unpaid break seconds per group).

    Events are tuples ``(time, action, agent index, agent, value)``: LOGIN carries the scheduled
    end, BREAK the break length; one DRAIN event at ``close``. The unpaid seconds are the
    ``paid: false`` breaks of the seats that are paid (those who showed up, or every seat with
    ``absence_paid``): the paid hours are the scheduled ones less these."""
    spec = scenario.spec
    h = spec.horizon
    starts = h.slot_starts()
    agents: list[Agent] = []
    events = []
    scheduled = np.zeros((len(spec.agents), h.n_slots))
    unpaid = np.zeros(len(spec.agents))
    for gi, g in enumerate(spec.agents):
        skills = [channel_index[s] for s in g.skills]
        if g.shifts is not None:
            for si, shift in enumerate(g.shifts):
                people = [Agent(len(agents) + i, gi, skills) for i in range(shift.agents)]
                agents.extend(people)
                for d in h.shift_days(shift.days):
                    base = (d - 1) * 86400.0
                    absent = stream(seed, rep, "absence", g.group, si, d).random(shift.agents) < spec.absence
                    present = [p for p, a in zip(people, absent) if not a]
                    lo, hi = base + shift.start, base + shift.end
                    paid = shift.agents if spec.absence_paid else len(present)  # sick pay or not
                    scheduled[gi] += paid * _overlap(starts, h.slot, lo, hi)
                    unpaid[gi] += paid * sum(b.length for b in shift.breaks if not b.paid)
                    for p in present:
                        events.append((lo, LOGIN, p.index, p, hi))
                        for b in shift.breaks:
                            events.append((base + b.start, BREAK, p.index, p, b.length))
                        events.append((hi, LOGOFF, p.index, p, 0.0))
        else:
            heads = np.asarray(headcount[g.group], dtype=np.int64)
            people = [Agent(len(agents) + i, gi, skills) for i in range(int(heads.max(initial=0)))]
            agents.extend(people)
            scheduled[gi] += scheduled_agents(heads, g.shrinkage) * h.slot
            on = heads[None, :] > np.arange(len(people))[:, None]  # agent j: the slots with more than j
            for j, lo, hi in _runs(on, starts, h.slot):
                p = people[j]
                events.append((lo, LOGIN, p.index, p, hi))
                events.append((hi, LOGOFF, p.index, p, 0.0))
    events.append((close, DRAIN, 0, None, 0.0))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return agents, events, scheduled, unpaid


def _runs(on: np.ndarray, starts: np.ndarray, slot: float) -> list[tuple[int, float, float]]:
    """Maximal runs of consecutive (abutting) slots where ``on`` (agents × slots), agent by
    agent and in time: [(agent row, start, end), ...]. Slot k continues the run of slot k - 1
    when both are on and k starts where k - 1 ends."""
    on = np.asarray(on, bool)
    joins = np.zeros((len(on), len(starts) + 1), bool)  # [:, k]: slot k continues slot k - 1's run
    joins[:, 1:-1] = on[:, :-1] & on[:, 1:] & (starts[1:] == starts[:-1] + slot)
    rows, first = np.nonzero(on & ~joins[:, :-1])
    _, last = np.nonzero(on & ~joins[:, 1:])  # row-major: the same runs, in the same order
    return list(zip(rows.tolist(), starts[first].astype(float).tolist(),
                    (starts[last] + slot).astype(float).tolist()))


def _overlap(starts: np.ndarray, slot: float, lo: float, hi: float) -> np.ndarray:
    """Seconds of [lo, hi) inside each slot."""
    return np.clip(np.minimum(starts + slot, hi) - np.maximum(starts, lo), 0.0, None)
