"""The shift-scheduling integer program (``scipy.optimize.milp``, HiGHS), and nothing else.

Implicit breaks after Aykin (1996): instead of one column per shift × break placement, every
shift type i has an integer headcount x_i and, for each of its breaks k, integer variables
w_ikj = agents of shift i who take break k at its j-th allowed start, tied by
Σ_j w_ikj = x_i. With tours, integer y_p agents work tour p and x_i = Σ_{p ∋ i} y_p is substituted into every
row (a toured team's shifts have no columns of their own).

    minimise   Σ_i c_i x_i  +  Σ_{g,t} π_g u_gt
    subject to (1 − s_g) (Σ_i a_it x_i − Σ_ikj b_ikjt w_ikj) + u_gt ≥ r_gt   every team g, slot t
               Σ_j w_ikj = x_i                                             every shift i, break k
               lo ≤ Σ_{i ∈ L} x_i ≤ hi  (template min/max per day, headcount)
               (1 − σ_g) Σ_{i part-time} x_i − σ_g Σ_{i full-time} x_i ≤ 0   part-time share
               x, w, y ≥ 0 integer;  u ≥ 0 (only for teams with a penalty π_g; else u = 0)

a_it = 1 when shift i covers slot t; b_ikjt = the share of slot t that break k at its j-th start
takes; s_g the team's shrinkage; c_i the shift's paid hours × rate. The LP relaxation (all
integrality dropped) gives the lower bound reported beside HiGHS's own dual bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from staffsim.scheduling.candidates import Problem


@dataclass(frozen=True)
class Layout:
    """Where each kind of variable sits in the vector: x, w (per shift, per break, per start),
    y (tours), u (team × slot slack, soft teams only)."""

    n_x: int
    w_offset: list[list[int]]  # [shift][break] -> first index of its starts
    n_w: int
    n_y: int
    u_index: dict[tuple[int, int], int]

    @property
    def n(self) -> int:
        return self.n_x + self.n_w + self.n_y + len(self.u_index)

    @property
    def y0(self) -> int:
        return self.n_x + self.n_w


@dataclass(frozen=True)
class Solution:
    """The integer program's answer.

    ``x`` agents per shift type, ``w[i][k]`` agents per start of break k of shift i, ``y`` per
    tour, ``shortfall`` (teams × slots) the missing agents paid for with the penalty;
    ``objective`` its value; ``lp_bound`` the LP relaxation's optimum; ``dual_bound`` HiGHS's
    bound at the end; ``gap`` = (objective − best bound) / objective; ``optimal`` when proven (gap ≤ 1e-6);
    ``status`` HiGHS's message; ``solve_s`` the wall time of both solves.
    """

    x: np.ndarray
    w: list[list[np.ndarray]]
    y: np.ndarray
    shortfall: np.ndarray
    objective: float
    lp_bound: float
    dual_bound: float
    gap: float
    optimal: bool
    status: str
    solve_s: float


class Infeasible(Exception):
    """No roster satisfies the rules and the requirement."""


class NoSolutionInTime(Exception):
    """The solver's limit came before any roster was found."""


def layout(problem: Problem, soft: bool | None = None) -> Layout:
    """Variable positions; ``soft=True`` gives every team slack (for diagnosis), None follows
    the teams' penalties."""
    w_offset = []
    pos = len(problem.shifts)
    for s in problem.shifts:
        row = []
        for b in s.breaks:
            row.append(pos)
            pos += len(b.starts)
        w_offset.append(row)
    n_w = pos - len(problem.shifts)
    pos += len(problem.tours)
    u_index = {}
    for g in range(len(problem.teams)):
        if soft or (soft is None and problem.penalty[g] is not None):
            for t in np.flatnonzero(problem.required[g] > 0):
                u_index[(g, int(t))] = pos
                pos += 1
    return Layout(len(problem.shifts), w_offset, n_w, len(problem.tours), u_index)


def build(problem: Problem, lay: Layout, diagnose: bool = False):
    """(c, constraints, integrality, bounds) for :func:`scipy.optimize.milp`. ``diagnose``:
    minimise the total shortfall instead of the cost (every team soft)."""
    n = lay.n
    c = np.zeros(n)
    if diagnose:
        c[list(lay.u_index.values())] = 1.0
    else:
        c[: lay.n_x] = [s.cost for s in problem.shifts]
        for (g, _), j in lay.u_index.items():
            c[j] = problem.penalty[g]
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    # a toured team's x_i is Σ_{p ∋ i} y_p: substituted into every row (no x columns of its own)
    worked: dict[int, list[int]] = {}
    for p, tour in enumerate(problem.tours):
        for i in tour.shifts:
            worked.setdefault(i, []).append(lay.y0 + p)
    toured = {i for i, s in enumerate(problem.shifts) if s.team in problem.toured}
    if not diagnose:
        for i in toured:
            for j in worked.get(i, []):
                c[j] += c[i]
            c[i] = 0.0

    def add(coefs: dict[int, float], lower: float, upper: float) -> None:
        nonlocal r
        merged: dict[int, float] = {}
        for j, v in coefs.items():
            for col in (worked.get(j, []) if j in toured else [j]):
                merged[col] = merged.get(col, 0.0) + v
        for j, v in merged.items():
            if v != 0.0:
                rows.append(r)
                cols.append(j)
                vals.append(v)
        lo.append(lower)
        hi.append(upper)
        r += 1

    # coverage, divided by (1 − s): Σ a x − Σ b w (+ u / (1 − s)) ≥ r / (1 − s). Where every
    # coefficient of a row is a whole number (breaks on the slot grid) and there is no slack,
    # the left side is an integer, so the right side rounds up: ⌈r / (1 − s)⌉ agents on shift
    # and not on break (a valid cut that the LP relaxation does not see by itself).
    cover: dict[tuple[int, int], dict[int, float]] = {}
    for i, s in enumerate(problem.shifts):
        for t in s.slots:
            cover.setdefault((s.team, int(t)), {})[i] = 1.0
        for k, b in enumerate(s.breaks):
            for j in range(len(b.starts)):
                col = lay.w_offset[i][k] + j
                for t, share in zip(b.slots[j], b.shares[j]):
                    row = cover.setdefault((s.team, int(t)), {})
                    row[col] = row.get(col, 0.0) - share
    for g in range(len(problem.teams)):
        keep = 1.0 - float(problem.shrinkage[g])
        for t in np.flatnonzero(problem.required[g] > 0):
            coefs = dict(cover.get((g, int(t)), {}))
            need = float(problem.required[g, t]) / keep
            if (g, int(t)) in lay.u_index:
                coefs[lay.u_index[(g, int(t))]] = 1.0 / keep
            elif all(abs(v - round(v)) < 1e-12 for v in coefs.values()):
                need = float(np.ceil(need - 1e-9))
            add(coefs, need, np.inf)
    # each break placed exactly once per agent of the shift
    for i, s in enumerate(problem.shifts):
        for k, b in enumerate(s.breaks):
            coefs = {lay.w_offset[i][k] + j: 1.0 for j in range(len(b.starts))}
            coefs[i] = -1.0
            add(coefs, 0.0, 0.0)
    for lim in problem.limits:
        base = 0 if lim.kind == "shift" else lay.y0
        add({base + int(i): 1.0 for i in lim.indices}, lim.lo, lim.hi)
    for pt in problem.part_time:
        # σ = p/q: (q − p) Σ part-time − p Σ full-time ≤ 0, whole-number coefficients
        share = Fraction(pt.share).limit_denominator(10_000)
        p, q = share.numerator, share.denominator
        part = {int(i) for i in pt.part_time}
        add({int(i): float(q - p) if int(i) in part else -float(p) for i in pt.all}, -np.inf, 0.0)
    a = coo_matrix((vals, (rows, cols)), shape=(r, n)).tocsr()
    integrality = np.ones(n)
    upper = np.full(n, np.inf)
    for j in lay.u_index.values():
        integrality[j] = 0
    for i in toured:
        upper[i] = 0.0  # carried by the tours' y
    for (g, t), j in lay.u_index.items():
        upper[j] = float(problem.required[g, t])
    return c, LinearConstraint(a, lo, hi), integrality, Bounds(np.zeros(n), upper)


def solve(problem: Problem, time_limit: float | None = None, node_limit: int | None = None,
          mip_gap: float = 0.0) -> Solution:
    """Least-cost roster. Raises :class:`Infeasible` when no roster exists and
    :class:`NoSolutionInTime` when a limit stopped the solver before it found one. At a limit
    with a roster found, returns it with ``optimal=False`` and its gap."""
    lay = layout(problem)
    c, cons, integrality, bounds = build(problem, lay)
    began = time.perf_counter()
    # the relaxation counts against the time limit too (alone it can take minutes on a big problem)
    relaxed = milp(c, constraints=cons, integrality=np.zeros_like(integrality), bounds=bounds,
                   options={} if time_limit is None else {"time_limit": time_limit})
    if relaxed.status == 2:
        raise Infeasible("the LP relaxation is infeasible")
    options: dict = {"mip_rel_gap": mip_gap}
    if time_limit is not None:
        options["time_limit"] = max(1e-3, time_limit - (time.perf_counter() - began))
    if node_limit is not None:
        options["node_limit"] = node_limit
    res = milp(c, constraints=cons, integrality=integrality, bounds=bounds, options=options)
    elapsed = time.perf_counter() - began
    if res.status == 2:
        raise Infeasible(res.message)
    if res.x is None:
        raise NoSolutionInTime(res.message)
    lp_bound = float(relaxed.fun) if relaxed.status == 0 else -np.inf
    dual = getattr(res, "mip_dual_bound", None)
    dual = float(dual) if dual is not None and np.isfinite(dual) else lp_bound
    bound = max(lp_bound, dual)
    objective = float(res.fun)
    gap = 0.0 if objective <= 1e-9 else max(0.0, (objective - bound) / abs(objective))
    proven = res.status == 0 and gap <= 1e-6
    return _unpack(problem, lay, res.x, objective, lp_bound, dual, gap, proven, res.message, elapsed)


def shortfall(problem: Problem, time_limit: float | None = None) -> tuple[np.ndarray, bool]:
    """The least total shortfall (teams × slots) any roster within the limits leaves: the slots
    that cannot be covered, and whether that least shortfall is proven (False: the time limit
    stopped the solver first, and the figures are those of the best roster it found, an upper
    bound). Raises :class:`Infeasible` when the limits contradict each other even with coverage
    relaxed, :class:`NoSolutionInTime` when the limit came before any answer."""
    lay = layout(problem, soft=True)
    c, cons, integrality, bounds = build(problem, lay, diagnose=True)
    options = {"time_limit": time_limit} if time_limit is not None else {}
    res = milp(c, constraints=cons, integrality=integrality, bounds=bounds, options=options)
    if res.status == 2:
        raise Infeasible(res.message)
    if res.x is None:
        raise NoSolutionInTime(res.message)
    out = np.zeros(problem.required.shape)
    for (g, t), j in lay.u_index.items():
        out[g, t] = res.x[j]
    return out, res.status == 0


def _unpack(problem: Problem, lay: Layout, v: np.ndarray, objective: float, lp_bound: float,
            dual: float, gap: float, optimal: bool, status: str, elapsed: float) -> Solution:
    rounded = np.round(v)
    ints = rounded.astype(np.int64)
    x = ints[: lay.n_x].copy()
    w = [[ints[off: off + len(b.starts)] for off, b in zip(lay.w_offset[i], s.breaks)]
         for i, s in enumerate(problem.shifts)]
    y = ints[lay.y0: lay.y0 + lay.n_y]
    for p, tour in enumerate(problem.tours):
        for i in tour.shifts:
            x[i] += y[p]
    short = np.zeros(problem.required.shape)
    for (g, t), j in lay.u_index.items():
        short[g, t] = max(0.0, float(v[j]))
    return Solution(x, w, y, short, objective, lp_bound, dual, gap, optimal, status, elapsed)
