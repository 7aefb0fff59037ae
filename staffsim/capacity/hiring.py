r"""The cheapest hiring plan: class sizes and start weeks by a mixed-integer program (HiGHS via
``scipy.optimize.milp``), and nothing else.

For each team with ``hiring:`` and each allowed start week h (from ``lead_weeks + 1``, every
``every_weeks`` weeks, up to ``last_week``): an integer class size :math:`x_h` and a binary
:math:`y_h` (the class runs). For each week w: overtime :math:`o_w \ge 0` and shortfall
:math:`u_w \ge 0`, in FTE on the phones. With :math:`B_w` the available FTE of the plan without
recommended classes, :math:`a_{hw}` the expected available FTE in week w of one person hired in
week h (FTE × survival to w × productivity × (1 − shrinkage), see
:func:`staffsim.capacity.supply.unit_contribution`) and :math:`R_w` the FTE to cover:

.. math::

    \min \sum_h (c_\text{hire} + c_\text{hour} H \textstyle\sum_w p_{hw})\,x_h
        + \sum_w c_\text{ot} H\, o_w + c_\text{short} H\, u_w

    B_w + \sum_h a_{hw} x_h + o_w + u_w \ge R_w, \qquad
    o_w \le m \,(B_w + \textstyle\sum_h a_{hw} x_h),

    \text{min\_class}\; y_h \le x_h \le \text{max\_class}\; y_h, \qquad
    \textstyle\sum_h y_h \le \text{max\_classes}

where H = fte_hours, :math:`p_{hw}` the expected paid FTE of the hire in week w (their wages until
the plan ends), m the overtime limit. Without ``short_cost_per_hour`` the plan is lexicographic:
first the least total shortfall Σ u_w hiring can reach, then the cheapest plan no shorter in any
week (see :func:`solve`). Wages after the plan's last week are not counted, so a late class looks cheaper than it
will be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix, vstack

from staffsim.capacity.calendar import Calendar
from staffsim.capacity.schema import PlanSpec
from staffsim.capacity.supply import Cohort, class_cohort, unit_contribution
from staffsim.errors import InputError


@dataclass(frozen=True)
class TeamProblem:
    """The numbers of one team's hiring problem (all arrays over weeks)."""

    team: str
    starts: np.ndarray  # allowed start weeks
    contribution: np.ndarray  # (starts, weeks): available FTE per hire
    wage_cost: np.ndarray  # (starts,): expected wages per hire over the plan
    base: np.ndarray  # available FTE without recommended classes
    required: np.ndarray  # FTE to cover (with any Monte Carlo margin)
    overtime_share: float
    cost_per_hire: float
    overtime_cost: float  # per FTE-week
    short_cost: float | None  # per FTE-week; None: close every gap hiring can close
    min_class: int
    max_class: int
    max_classes: int | None
    fte: float


def allowed_starts(spec: PlanSpec, team: str) -> np.ndarray:
    h = spec.teams[team].hiring
    last = min(spec.weeks, h.last_week or spec.weeks)
    return np.arange(h.lead_weeks + 1, last + 1, h.every_weeks)


def reachable_weeks(spec: PlanSpec, team: str) -> np.ndarray:
    """Per week (bool): whether a class allowed by the team's hiring rules can be on the phones
    then (started and past training). Before the first such week no hiring plan changes
    anything."""
    out = np.zeros(spec.weeks, bool)
    for s in allowed_starts(spec, team):
        out |= hire_cohort(spec, team, int(s), 1).productivity(spec.weeks) > 0
    return out


def hire_cohort(spec: PlanSpec, team: str, week: int, size: int) -> Cohort:
    t = spec.teams[team]
    return class_cohort(team, t, week, size, t.hiring.fte, kind="hire", key=f"hire{week}")


def team_problem(spec: PlanSpec, team: str, base: np.ndarray, required: np.ndarray,
                 shrinkage: np.ndarray) -> TeamProblem:
    t = spec.teams[team]
    h = t.hiring
    starts = allowed_starts(spec, team)
    H = spec.fte_hours
    contrib, wages = [], []
    for s in starts:
        productive, paid = unit_contribution(spec, hire_cohort(spec, team, int(s), 1))
        contrib.append(productive * (1.0 - shrinkage))
        wages.append(h.cost_per_hour * H * paid.sum())
    contribution = np.array(contrib).reshape(len(starts), spec.weeks)
    ot = t.overtime
    overtime_cost = (ot.cost_per_hour if ot else 0.0) * H
    short = None if h.short_cost_per_hour is None else h.short_cost_per_hour * H
    return TeamProblem(team=team, starts=starts, contribution=contribution,
                       wage_cost=np.array(wages), base=np.asarray(base, float),
                       required=np.asarray(required, float),
                       overtime_share=ot.max_share if ot else 0.0, cost_per_hire=h.cost_per_hire,
                       overtime_cost=overtime_cost, short_cost=short, min_class=h.min_class,
                       max_class=h.max_class, max_classes=h.max_classes, fte=h.fte)


@dataclass(frozen=True)
class Solution:
    """Class sizes per team (start week → size) and the solver's account."""

    sizes: dict[str, dict[int, int]]
    objective: float
    status: str
    mip_gap: float | None


def solve(problems: list[TeamProblem], *, mip_rel_gap: float = 1e-4, time_limit: float = 10.0) -> Solution:
    """The cheapest plan of each team. Teams share nothing (transfers are fixed), so each is its
    own MILP; ``objective`` is their sum, ``mip_gap`` the largest relative gap reached and
    ``status`` lists any team whose solve stopped at ``time_limit`` seconds.

    A team without ``short_cost_per_hour`` (``short_cost`` None) must close every gap hiring can
    close: a first MILP finds its least total shortfall (FTE-weeks), a second the cheapest plan
    that is short in no week by more than the first plan is (so no big-M penalty spoils the
    numbers; typically the first plan is short only in weeks no class can reach in time, where
    every plan is short by the same amount). ``mip_rel_gap``: the relative gap at which HiGHS
    may stop (0 asks for a proven optimum).
    """
    sizes: dict[str, dict[int, int]] = {}
    objective, gaps, stopped = 0.0, [], []
    for p in problems:
        team_sizes, obj, gap, optimal = _solve_team(p, mip_rel_gap, time_limit)
        sizes[p.team] = team_sizes
        objective += obj
        if gap is not None:
            gaps.append(gap)
        if not optimal:
            stopped.append(p.team)
    status = ("optimal within the gap" if not stopped else
              f"time limit ({time_limit:g} s) reached for {', '.join(stopped)}: best plan found")
    return Solution(sizes=sizes, objective=objective, status=status,
                    mip_gap=max(gaps) if gaps else None)


def _solve_team(p: TeamProblem, mip_rel_gap: float, time_limit: float):
    model = _Model([p])
    if model.n == 0 or len(p.starts) == 0:
        return {}, 0.0, None, True
    hard = model.hard_shortfall > 0
    bounds = None
    if hard.any():
        first = model.run(hard.astype(float), None, mip_rel_gap, time_limit)
        hi = model.bounds.ub.copy()
        hi[hard] = first.x[hard] + 1e-7 * np.maximum(1.0, first.x[hard])
        bounds = Bounds(model.bounds.lb, hi)
    res = model.run(model.cost, bounds, mip_rel_gap, time_limit)
    _, ix, S = model.layout[0]
    sizes = {int(p.starts[s]): int(round(res.x[ix + s])) for s in range(S) if round(res.x[ix + s]) > 0}
    gap = getattr(res, "mip_gap", None)
    return sizes, float(res.fun), None if gap is None else float(gap), res.status == 0


class _Model:
    """Variables [x (class sizes), y (class runs), o (overtime), u (shortfall)] per team."""

    def __init__(self, problems: list[TeamProblem]):
        cost, lo, hi, integ, hard, blocks, lb, ub = [], [], [], [], [], [], [], []
        self.layout = []
        offset = 0
        for p in problems:
            S, W = len(p.starts), len(p.base)
            self.layout.append((p, offset, S))
            offset += 2 * S + 2 * W
        self.n = offset
        for p, ix, S in self.layout:
            W = len(p.base)
            iy, io, iu = ix + S, ix + 2 * S, ix + 2 * S + W
            short = 0.0 if p.short_cost is None else p.short_cost
            cost += [p.cost_per_hire + p.wage_cost, np.zeros(S), np.full(W, p.overtime_cost),
                     np.full(W, short)]
            hard += [np.zeros(2 * S + W), np.full(W, 1.0 if p.short_cost is None else 0.0)]
            lo += [np.zeros(2 * S + 2 * W)]
            hi += [np.full(S, float(p.max_class)), np.ones(S),
                   np.full(W, np.inf if p.overtime_share > 0 else 0.0), np.full(W, np.inf)]
            integ += [np.ones(2 * S), np.zeros(2 * W)]
            rows = 2 * W + 2 * S + (1 if p.max_classes is not None else 0)
            block = lil_matrix((rows, self.n))
            r = 0
            for w in range(W):  # cover: sum_h a_hw x_h + o_w + u_w >= R_w - B_w
                block[r, ix:ix + S] = p.contribution[:, w]
                block[r, io + w] = 1.0
                block[r, iu + w] = 1.0
                lb.append(p.required[w] - p.base[w])
                ub.append(np.inf)
                r += 1
            for w in range(W):  # overtime limit: o_w - m sum_h a_hw x_h <= m B_w
                block[r, ix:ix + S] = -p.overtime_share * p.contribution[:, w]
                block[r, io + w] = 1.0
                lb.append(-np.inf)
                ub.append(p.overtime_share * max(p.base[w], 0.0))
                r += 1
            for s in range(S):  # class size: min y <= x <= max y
                block[r, ix + s], block[r, iy + s] = 1.0, -float(p.max_class)
                lb.append(-np.inf)
                ub.append(0.0)
                block[r + 1, ix + s], block[r + 1, iy + s] = 1.0, -float(p.min_class)
                lb.append(0.0)
                ub.append(np.inf)
                r += 2
            if p.max_classes is not None:
                block[r, iy:iy + S] = 1.0
                lb.append(0.0)
                ub.append(float(p.max_classes))
            blocks.append(block.tocsr())
        if self.n:
            self.cost = np.concatenate(cost)
            self.hard_shortfall = np.concatenate(hard)
            self.bounds = Bounds(np.concatenate(lo), np.concatenate(hi))
            self.integrality = np.concatenate(integ)
            self.A = vstack(blocks).tocsr()
            self.lb, self.ub = np.array(lb), np.array(ub)

    def run(self, objective: np.ndarray, bounds: Bounds | None, gap: float, time_limit: float):
        res = milp(objective, integrality=self.integrality, bounds=bounds or self.bounds,
                   constraints=LinearConstraint(self.A, self.lb, self.ub), options={"time_limit": time_limit, "mip_rel_gap": gap})
        if res.x is None:  # every plan is feasible (no class at all is one): only a limit stops it
            teams = ", ".join(p.team for p, _, _ in self.layout)
            raise InputError(f"the hiring MILP for {teams} found no plan within its time limit "
                             f"({time_limit:g} s; {res.message}): allow more time (--time-limit)")
        return res


def plan_cost(p: TeamProblem, sizes: dict[int, int]) -> dict[str, float]:
    """The objective of a given plan, computed directly (overtime first when it is cheaper than
    being short, then shortfall): what the tests compare with brute force. ``short_fte_weeks``
    is the shortfall left (the first objective of a team without ``short_cost``)."""
    x = np.zeros(len(p.starts))
    index = {int(s): k for k, s in enumerate(p.starts)}
    for week, size in sizes.items():
        x[index[week]] = size
    available = p.base + x @ p.contribution
    shortfall = np.maximum(p.required - available, 0.0)
    short_cost = np.inf if p.short_cost is None else p.short_cost
    if p.overtime_cost <= short_cost:
        overtime = np.minimum(shortfall, p.overtime_share * np.maximum(available, 0.0))
    else:
        overtime = np.zeros_like(shortfall)
    short = shortfall - overtime
    hiring = float(x @ (p.cost_per_hire + p.wage_cost))
    ot = float(overtime.sum() * p.overtime_cost)
    penalty = 0.0 if p.short_cost is None else float(short.sum() * p.short_cost)
    return {"hiring": hiring, "overtime": ot, "short": penalty, "total": hiring + ot + penalty,
            "short_fte_weeks": float(short.sum())}


def classes_table(spec: PlanSpec, cal: Calendar, sizes: dict[str, dict[int, int]]) -> pd.DataFrame:
    """The recommended classes: team, start week and date, size, first week on the phones, first
    week fully productive, and the hiring cost."""
    rows = []
    for team, by_week in sizes.items():
        t = spec.teams[team]
        for week, size in sorted(by_week.items()):
            c = hire_cohort(spec, team, week, size)
            rows.append({
                "team": team, "week": week, "date": cal.dates[week - 1].isoformat(), "size": size,
                "fte": t.hiring.fte, "on_phones_week": week + c.training_weeks,
                "fully_productive_week": c.fully_productive_from(),
                "hiring_cost": size * t.hiring.cost_per_hire,
            })
    return pd.DataFrame(rows, columns=["team", "week", "date", "size", "fte", "on_phones_week",
                                       "fully_productive_week", "hiring_cost"])
