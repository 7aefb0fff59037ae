r"""Backlog work: agents per slot that answer each slot's contacts within a threshold of hours.

Email or back-office work may wait for hours: its threshold spans many slots, so it is not a
queue to be cleared slot by slot (Erlang with an occupancy cap staffs it as if it were, which
over-staffs the morning: the bank's email would need 10 agents at 08:00 for a 24-hour target).
Here the work is a fluid that agents clear in arrival order (FIFO), carried forward from slot to
slot and over closed nights, and the plan is the smoothest one that answers every slot's share of
contacts in time.

The model
---------
Slots :math:`j = 0..K-1` of length :math:`L` start at :math:`t_j` (increasing; gaps between them
are closed time: a night, a weekend). Work :math:`w_j` (agent-seconds: contacts × handle time)
arrives evenly during slot :math:`j`. :math:`n_j` agents work :math:`n_j L u` agent-seconds in
slot :math:`j` (:math:`u` the occupancy cap, 1 by default), none in closed time. The work answered
by the end of slot :math:`j` (the fluid FIFO output) is

.. math:: D_j = \min(A_j,\ D_{j-1} + n_j L u), \qquad D_{-1} = 0, \quad A_j = \textstyle\sum_{i \le j} w_i,

exact for a fluid: within a slot the backlog falls (or rises) linearly, and once it is empty the
agents keep pace with the arrivals.

*On time.* A contact arriving at :math:`a` is on time when it is answered by :math:`a + \tau`. The
rule for every slot :math:`k` with work, with target share :math:`p` (the channel's service level): the first
:math:`p` of its work, in FIFO order after everything that arrived before it, is answered by its
first contact's deadline :math:`t_k + \tau`, read at the last slot end :math:`e(k)` not after it
(the close, when the deadline falls in closed time or after the horizon):

.. math:: D_{e(k)} \ \ge\ R_k = A_{k-1} + p\,w_k .

This is conservative by less than one slot (contacts arriving later in slot :math:`k` have later
deadlines; a deadline inside a slot is read at the slot's start), which is why the rule is for
thresholds of several slots. Work still waiting at the close of a day waits for the next morning
(its clock keeps running); work left after the horizon's last slot is not counted on (the
simulation's drain is ignored: conservative).

The lower curve :math:`W_j = \max_{e(k) \le j} R_k` (work due by the end of slot :math:`j`) and the
upper curve :math:`A_j` (work arrived) bound every feasible cumulative output.

The plan
--------
*Fluid plan:* the taut string — the shortest path from :math:`(0, 0)` to :math:`(K, W_{K-1})`
between :math:`W` and :math:`A`, one straight piece per slot. Among all fluid plans that meet every
deadline it has the least peak rate and the least agent-hours (:math:`W_{K-1}/(L u)` agent-slots),
and it is the smoothest (it minimises :math:`\sum_j \phi(\text{rate}_j)` for every convex
:math:`\phi`): flat where the deadlines allow, rising only where work must be answered soon.

*Integer plan:* slot by slot, the fewest agents that keep the fluid output :math:`D` at or above
the string: :math:`n_j = \lceil (S_j - D_{j-1}) / (L u) \rceil`. Then :math:`D_j \ge S_j \ge W_j`
(every deadline is met), :math:`n_j \le \lceil \text{rate}_j \rceil` so the peak is
:math:`\lceil \max_j \text{rate}_j \rceil`, the least peak of any integer plan, and the
agent-slots are the least possible, :math:`\lceil W_{K-1} / (L u) \rceil`, unless agents would idle
in some slot (capacity beyond the work there; each such slot adds less than one agent-slot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BacklogPlan", "backlog_agents", "backlog_plan", "deadline_slots", "fluid_output"]

_EPS = 1e-9  # relative tolerance for rounding up agents and comparing slopes


@dataclass(frozen=True)
class BacklogPlan:
    """A backlog plan (arrays over the slots; work in agent-seconds).

    ``agents``: the integer plan; ``fluid_agents``: the taut string's agents (fractional);
    ``due``: :math:`W_j`, work that must be answered by the end of slot j; ``arrived``: :math:`A_j`;
    ``answered``: :math:`D_j` under ``agents``; ``deadline``: :math:`e(k)`, the slot by whose end
    slot k's share is due.
    """

    agents: np.ndarray
    fluid_agents: np.ndarray
    due: np.ndarray
    arrived: np.ndarray
    answered: np.ndarray
    deadline: np.ndarray


def _check(work, slot_starts, slot_s, threshold_s, share, max_occupancy):
    w = np.asarray(work, float)
    t = np.asarray(slot_starts, float)
    if w.ndim != 1 or t.shape != w.shape:
        raise ValueError(f"work and slot_starts: one value per slot each, got shapes {w.shape} and {t.shape}")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ValueError("work: must be finite agent-seconds >= 0 in every slot")
    if not (isinstance(slot_s, (int, float)) and math.isfinite(slot_s) and slot_s > 0):
        raise ValueError(f"slot: must be a duration > 0, got {slot_s!r}")
    if len(t) > 1 and (np.diff(t) < slot_s * (1 - _EPS)).any():
        raise ValueError("slot_starts: must increase by at least one slot length")
    if not (math.isfinite(threshold_s) and threshold_s >= slot_s):
        raise ValueError(f"threshold: a backlog threshold must be at least one slot ({slot_s:g}s), "
                         f"got {threshold_s!r}")
    if not 0 < share <= 1:
        raise ValueError(f"share: must be in (0, 1], got {share!r}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy: must be in (0, 1], got {max_occupancy!r}")
    return w, t


def deadline_slots(slot_starts, slot_s: float, threshold_s: float) -> np.ndarray:
    """:math:`e(k)`: the last slot whose end is at or before :math:`t_k + \\tau` (at least k)."""
    t = np.asarray(slot_starts, float)
    ends = t + slot_s
    e = np.searchsorted(ends, t + threshold_s + slot_s * _EPS, side="right") - 1
    return np.maximum(e, np.arange(len(t))).astype(np.int64)


def fluid_output(agents, work, slot_s: float, max_occupancy: float = 1.0) -> np.ndarray:
    """:math:`D_j`: work answered by the end of each slot with ``agents`` (see module doc)."""
    a = np.cumsum(np.asarray(work, float))
    cap = np.asarray(agents, float) * slot_s * max_occupancy
    out = np.empty(len(a))
    done = 0.0
    for j in range(len(a)):
        done = min(a[j], done + cap[j])
        out[j] = done
    return out


def _taut_string(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Values S_0..S_K of the taut string through points i = 0..K (unit spacing) with
    lower_i <= S_i <= upper_i, S_0 = lower_0 = upper_0 and S_K = lower_K = upper_K."""
    k_end = len(lower) - 1
    s = np.empty(k_end + 1)
    s[0] = lower[0]
    scale = max(1.0, float(np.abs(upper).max(initial=0.0)))
    tol = _EPS * scale
    p, v = 0, float(lower[0])
    while p < k_end:
        lo, hi = -math.inf, math.inf
        lo_at = hi_at = p
        j = p + 1
        bend = None
        while j <= k_end:
            d = j - p
            sl = (lower[j] - v) / d
            sh = (upper[j] - v) / d
            if sh * d < lo * d - tol:      # the upper curve at j cuts below: bend down at lo_at
                bend = (lo_at, lower[lo_at], lo)
                break
            if sl * d > hi * d + tol:      # the lower curve at j rises above: bend up at hi_at
                bend = (hi_at, upper[hi_at], hi)
                break
            if sl >= lo:
                lo, lo_at = sl, j
            if sh <= hi:
                hi, hi_at = sh, j
            j += 1
        if bend is None:                   # reaches the end point with a slope in [lo, hi]
            bend = (k_end, lower[k_end], (lower[k_end] - v) / (k_end - p))
        q, vq, slope = bend
        s[p + 1:q + 1] = v + slope * np.arange(1, q - p + 1)
        s[q] = vq
        p, v = q, float(vq)
    return s


def backlog_plan(work, slot_starts, slot_s: float, threshold_s: float, share: float = 1.0,
                 max_occupancy: float = 1.0) -> BacklogPlan:
    """The backlog plan for work arriving per slot (see the module doc for the model and the
    guarantees).

    ``work``: agent-seconds arriving in each slot (contacts × handle time; for chat, ÷ the
    concurrency); ``slot_starts``: each slot's start in seconds (gaps are closed time);
    ``slot_s``: slot length; ``threshold_s``: the answer-time threshold (at least one slot);
    ``share``: the share of each slot's contacts to answer within it (the service-level target);
    ``max_occupancy``: the share of a logged-in agent's time spent working (1: all of it).
    """
    w, t = _check(work, slot_starts, float(slot_s), float(threshold_s), float(share), float(max_occupancy))
    k = len(w)
    if k == 0:
        empty = np.zeros(0)
        return BacklogPlan(np.zeros(0, np.int64), empty, empty, empty, empty, np.zeros(0, np.int64))
    arrived = np.cumsum(w)
    before = arrived - w
    e = deadline_slots(t, float(slot_s), float(threshold_s))
    due = np.zeros(k)
    has = w > 0  # a slot without contacts has no share to answer
    np.maximum.at(due, e[has], (before + share * w)[has])
    due = np.minimum(np.maximum.accumulate(due), arrived)  # <= arrived up to rounding
    lower = np.concatenate([[0.0], due])
    upper = np.concatenate([[0.0], arrived])
    upper[-1] = lower[-1]  # end on the last due work: doing more is never required
    string = _taut_string(lower, upper)[1:]
    unit = float(slot_s) * float(max_occupancy)
    fluid = np.diff(np.concatenate([[0.0], string])) / unit
    agents = np.zeros(k, np.int64)
    answered = np.empty(k)
    done = 0.0
    for j in range(k):
        need = (string[j] - done) / unit
        n = max(0, math.ceil(need - _EPS * max(1.0, abs(need))))
        agents[j] = n
        done = min(arrived[j], done + n * unit)
        answered[j] = done
    return BacklogPlan(agents=agents, fluid_agents=np.maximum(fluid, 0.0), due=due, arrived=arrived,
                       answered=answered, deadline=e)


def backlog_agents(work, slot_starts, slot_s: float, threshold_s: float, share: float = 1.0,
                   max_occupancy: float = 1.0) -> np.ndarray:
    """Agents per slot of :func:`backlog_plan` (int64)."""
    return backlog_plan(work, slot_starts, slot_s, threshold_s, share, max_occupancy).agents
