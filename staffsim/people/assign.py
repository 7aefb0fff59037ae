"""The assignment integer program (``scipy.optimize.milp``, HiGHS): who works which seat.

Variables: x_pk ∈ {0, 1} person p works a seat of kind k (only where :func:`can_work`: skill,
no leave, availability, shift ≤ weekly maximum); o_k ≥ 0 integer open seats of kind k;
s_pw ≥ 0 contract hours short in week w; z_pwj ∈ {0, 1} the j-th run of days off together is
free; Z (worst missed-wish rate), D_we, D_ev (largest deviation from the fair share of weekend
and evening shifts) ≥ 0. With W(p, d) = Σ_{k on day d} x_pk::

    minimise  c_open Σ o_k + c_short Σ s_pw + c_wish Σ_p (1 + σ·seniority_p) M_p
              + c_worst Z + c_we D_we + c_ev D_ev
    subject to Σ_p x_pk + o_k = demand_k                                  every kind
               W(p, d) ≤ 1                                                one shift a day
               x_pk + Σ_{k' on day d'} x_pk' ≤ 1   k' starting < rest after k ends (d' > d)
               Σ_{d=t}^{t+C} W(p, d) ≤ C                                  C = max consecutive days
               Σ_{k in w} h_k x_pk ≤ H_max;  Σ h_k x_pk + s_pw ≥ H_min(p, w)   weekly hours
               Σ_{d in w} W(p, d) ≤ days_max
               z_pwj + W(p, d) ≤ 1 for d in run j;  Σ_j z_pwj ≥ 1            days off together
               planned_p Z ≥ M_p                                           max-min wishes
               D_we ≥ ±(E_p − t_p);  D_ev ≥ ±(V_p − u_p)                     fairness

M_p = c_p + Σ_k m_pk x_pk (missed wishes, :meth:`Plan.wish_misses`), E_p / V_p the person's
weekend / evening shifts and t_p / u_p their fair shares (:meth:`Plan.fair_targets`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from staffsim.people.plan import DAY_S, Plan


@dataclass(frozen=True)
class Solved:
    """The program's answer: ``works[p]`` the kinds person p works, ``open[k]`` seats left
    open, ``short[(p, w)]`` contract hours short; objective and how good it is proven."""

    works: dict[int, list[int]]
    open: dict[int, int]
    short: dict[tuple[int, int], float]
    objective: float
    dual_bound: float
    gap: float
    optimal: bool
    status: str
    solve_s: float
    n_variables: int
    n_constraints: int
    timed_out: bool = False  # a program stopped at the time limit (its answer is not proven)


class _Builder:
    def __init__(self) -> None:
        self.n = 0
        self.c: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.r_lo: list[float] = []
        self.r_hi: list[float] = []

    def var(self, cost: float, lo: float, hi: float, integer: bool) -> int:
        self.c.append(cost)
        self.lo.append(lo)
        self.hi.append(hi)
        self.integer.append(1 if integer else 0)
        self.n += 1
        return self.n - 1

    def row(self, cols: list[int], vals: list[float], lo: float, hi: float) -> None:
        r = len(self.r_lo)
        self.rows.extend([r] * len(cols))
        self.cols.extend(cols)
        self.vals.extend(vals)
        self.r_lo.append(lo)
        self.r_hi.append(hi)


def objective_parts(plan: Plan, works: dict[int, list[int]]) -> dict[str, float]:
    """The objective's terms for an assignment ``works`` (person -> kinds), from the definitions
    (not from the solver): open seats, short hours, weighted missed wishes, the worst missed-wish
    rate, the largest weekend and evening deviations; ``total`` the weighted sum."""
    w, kinds = plan.weights, plan.kinds
    taken: dict[int, int] = {}
    for ks in works.values():
        for k in ks:
            taken[k] = taken.get(k, 0) + 1
    n_open = sum(k.demand - taken.get(k.index, 0) for k in kinds)
    short = wish = worst = 0.0
    for p, a in enumerate(plan.people):
        mine = [kinds[k] for k in works.get(p, [])]
        for lo, hi in plan.weeks():
            short += max(0.0, plan.min_hours(p, lo, hi) - sum(k.hours for k in mine if lo <= k.pday < hi))
        misses = plan.wish_constant(p) + sum(plan.wish_misses(p, k) for k in mine)
        wish += (1.0 + w.seniority * a.seniority_years) * misses
        worst = max(worst, misses / plan.planned_days(p))
    dev = {}
    for which in ("weekend", "evening"):
        test = (lambda k: k.weekend) if which == "weekend" else plan.evening
        dev[which] = max([abs(sum(test(kinds[k]) for k in works.get(p, [])) - t)
                          for p, t in plan.fair_targets(which).items()], default=0.0)
    total = (w.open_cost * n_open + w.short_hour * short + w.wish_miss * wish
             + w.worst_wish_rate * worst + w.weekend_spread * dev["weekend"]
             + w.evening_spread * dev["evening"])
    return {"open_seats": float(n_open), "short_hours": short, "weighted_wishes_missed": wish,
            "worst_wish_rate": worst, "weekend_max_deviation": dev["weekend"],
            "evening_max_deviation": dev["evening"], "total": total}


def solve_plan(plan: Plan, time_limit: float = 60.0, mip_gap: float = 0.0,
               by_week: bool | None = None) -> Solved:
    """Solve the program for ``plan`` (see the module doc). ``by_week`` (default: when the
    period is longer than a week): a rolling horizon, one program per contract week with the
    earlier weeks' shifts fixed (rest, consecutive days, fairness and wishes counted over the
    period so far); each week's program is solved to optimality (or ``mip_gap``), the whole
    period is then not proven optimal. ``time_limit`` is for the whole period."""
    weeks = plan.weeks()
    if by_week is None:
        by_week = len(weeks) > 1
    windows = weeks if by_week else [(0, plan.n_days)]
    works: dict[int, list[int]] = {p: [] for p in range(len(plan.people))}
    opens: dict[int, int] = {}
    t0 = time.perf_counter()
    statuses, gaps, n_var, n_row, all_optimal, timed_out = [], [], 0, 0, True, False
    for i, (lo, hi) in enumerate(windows):
        left = time_limit - (time.perf_counter() - t0)
        budget = max(1.0, left / (len(windows) - i))
        res, x, open_var, bn, rows = _solve_window(plan, lo, hi, works, budget, mip_gap)
        n_var, n_row = max(n_var, bn), max(n_row, rows)
        for (p, k), j in x.items():
            if res.x[j] > 0.5:
                works[p].append(k)
        for k, j in open_var.items():
            if round(res.x[j]) > 0:
                opens[k] = round(res.x[j])
        statuses.append(str(res.message))
        bound = getattr(res, "mip_dual_bound", None)
        gap = 0.0 if bound is None or not np.isfinite(bound) else abs(res.fun - bound) / max(1.0, abs(res.fun))
        gaps.append(gap)
        all_optimal &= res.status == 0 and gap <= mip_gap + 1e-6
        timed_out |= res.status == 1  # scipy's milp: 1 = iteration or time limit reached
    solve_s = time.perf_counter() - t0
    parts = objective_parts(plan, works)
    shorts = {}
    for p in range(len(plan.people)):
        for wi, (lo, hi) in enumerate(weeks):
            gap_h = plan.min_hours(p, lo, hi) - sum(plan.kinds[k].hours for k in works[p] if lo <= plan.kinds[k].pday < hi)
            if gap_h > 1e-6:
                shorts[(p, wi)] = gap_h
    status = statuses[0] if len(set(statuses)) == 1 else "; ".join(f"week {i + 1}: {m}" for i, m in enumerate(statuses))
    if by_week and len(windows) > 1:
        status = f"solved week by week ({len(windows)} programs): {status}"
    rolling = by_week and len(windows) > 1
    if rolling:  # how good is the week-by-week answer? The whole period's LP relaxation bounds it
        lp = _solve_window(plan, 0, plan.n_days, {p: [] for p in range(len(plan.people))},
                           max(1.0, time_limit), 0.0, relax=True)[0]
        constant = sum(plan.weights.wish_miss * (1.0 + plan.weights.seniority * a.seniority_years)
                       * plan.wish_constant(p) for p, a in enumerate(plan.people))
        bound = float(lp.fun) + constant if lp.status == 0 else float("nan")
        gap = (parts["total"] - bound) / max(1.0, abs(parts["total"])) if np.isfinite(bound) else float("nan")
        status += (f"; the whole period's LP relaxation bounds the objective at {bound:.2f} (gap {gap:.1%})"
                   if np.isfinite(bound) else "")
        return Solved(works, opens, shorts, parts["total"], bound, gap, False, status, solve_s, n_var, n_row,
                      timed_out)
    bound = parts["total"] if all_optimal else float("nan")
    return Solved(works, opens, shorts, parts["total"], bound, max(gaps), all_optimal, status,
                  solve_s, n_var, n_row, timed_out)


def _solve_window(plan: Plan, lo: int, hi: int, fixed: dict[int, list[int]], time_limit: float,
                  mip_gap: float, relax: bool = False):
    """One program for period days [lo, hi) with the shifts in ``fixed`` (earlier days) kept;
    ``relax``: its LP relaxation (integrality dropped)."""
    w = plan.weights
    kinds, people = plan.kinds, plan.people
    b = _Builder()
    x: dict[tuple[int, int], int] = {}
    by_pd: dict[tuple[int, int], list[int]] = {}
    worst_rows = []
    window = [k for k in kinds if lo <= k.pday < hi]
    mine_of: dict[int, list[int]] = {}
    for p, a in enumerate(people):
        before = [kinds[k] for k in fixed[p]]
        pri = w.wish_miss * (1.0 + w.seniority * a.seniority_years)
        misses_cols, misses_vals = [], []
        mine = []
        for k in plan.eligible[p]:
            kk = kinds[k]
            if not lo <= kk.pday < hi:
                continue
            if any(kk.pday - j.pday <= 2 and (kk.pday - j.pday) * DAY_S + kk.start - j.end < plan.rest_s - 1e-9
                   for j in before):
                continue  # too soon after an earlier week's shift
            m = plan.wish_misses(p, kk)
            jv = b.var(pri * m, 0, 1, True)
            x[(p, k)] = jv
            mine.append(k)
            by_pd.setdefault((p, kk.pday), []).append(jv)
            if m:
                misses_cols.append(jv)
                misses_vals.append(m)
        mine_of[p] = mine
        prior_misses = plan.wish_constant(p, hi) + sum(plan.wish_misses(p, j) for j in before)
        worst_rows.append((p, misses_cols, misses_vals, prior_misses))
    open_var = {k.index: b.var(w.open_cost, 0, k.demand, True) for k in window}
    z_worst = b.var(w.worst_wish_rate, 0, np.inf, False)
    d_we = b.var(w.weekend_spread, 0, np.inf, False)
    d_ev = b.var(w.evening_spread, 0, np.inf, False)

    for k in window:  # cover every seat
        cols = [x[(p, k.index)] for p in range(len(people)) if (p, k.index) in x] + [open_var[k.index]]
        b.row(cols, [1.0] * len(cols), k.demand, k.demand)
    for p, a in enumerate(people):
        mine = mine_of[p]
        worked_before = {kinds[k].pday for k in fixed[p]}
        for d in range(lo, hi):  # one shift a day
            if len(by_pd.get((p, d), [])) > 1:
                b.row(by_pd[(p, d)], [1.0] * len(by_pd[(p, d)]), -np.inf, 1)
        for k in mine:  # rest between shifts
            kk = kinds[k]
            later: dict[int, list[int]] = {}
            for k2 in mine:
                k2k = kinds[k2]
                if kk.pday < k2k.pday <= kk.pday + 2 and \
                        (k2k.pday - kk.pday) * DAY_S + k2k.start - kk.end < plan.rest_s - 1e-9:
                    later.setdefault(k2k.pday, []).append(x[(p, k2)])
            for cols in later.values():
                b.row([x[(p, k)]] + cols, [1.0] * (len(cols) + 1), -np.inf, 1)
        cmax = a.max_consecutive_days  # at most C days worked in any C + 1 consecutive days
        for t in range(max(0, lo - cmax), hi - cmax):
            span = range(t, t + cmax + 1)
            cols = [j for d in span if d >= lo for j in by_pd.get((p, d), [])]
            done = sum(1 for d in span if d < lo and d in worked_before)
            possible = done + len({d for d in span if by_pd.get((p, d))})
            if cols and possible > cmax:
                b.row(cols, [1.0] * len(cols), -np.inf, cmax - done)
        for wlo, whi in plan.weeks():
            if whi <= lo or wlo >= hi:
                continue
            ks = [k for k in mine if wlo <= kinds[k].pday < whi]
            cols = [x[(p, k)] for k in ks]
            hours = [kinds[k].hours for k in ks]
            if cols:
                b.row(cols, hours, -np.inf, a.week_hours_max)
                b.row(cols, [1.0] * len(cols), -np.inf, a.days_max)
            need = plan.min_hours(p, wlo, whi)
            if need > 1e-9:
                s = b.var(w.short_hour, 0, np.inf, False)
                b.row(cols + [s], hours + [1.0], need, np.inf)
            run = a.days_off_together
            if run >= 2 and whi - wlo == 7 and cols:
                runs = [range(wlo + j, wlo + j + run) for j in range(7 - run + 1)]
                if any(all(not by_pd.get((p, d)) for d in r) for r in runs):
                    continue  # a run of days off is free whatever the person works
                zs = []
                for r in runs:
                    z = b.var(0.0, 0, 1, True)
                    zs.append(z)
                    for d in r:
                        if by_pd.get((p, d)):
                            b.row([z] + by_pd[(p, d)], [1.0] * (1 + len(by_pd[(p, d)])), -np.inf, 1)
                b.row(zs, [1.0] * len(zs), 1, np.inf)
    for p, cols, vals, c in worst_rows:  # max-min wishes, over the period so far
        b.row([z_worst] + cols, [plan.planned_days(p, hi)] + [-float(v) for v in vals], c, np.inf)
    for which, dvar in (("weekend", d_we), ("evening", d_ev)):  # fairness, over the period so far
        test = (lambda k: k.weekend) if which == "weekend" else plan.evening
        for p, target in plan.fair_targets(which, hi).items():
            done = sum(1 for k in fixed[p] if test(kinds[k]))
            cols = [x[(p, k)] for k in mine_of[p] if test(kinds[k])]
            b.row([dvar] + cols, [1.0] + [-1.0] * len(cols), done - target, np.inf)
            b.row([dvar] + cols, [1.0] * (1 + len(cols)), target - done, np.inf)

    n_rows = len(b.r_lo)
    a_mat = coo_matrix((b.vals, (b.rows, b.cols)), shape=(n_rows, b.n)).tocsr()
    res = milp(np.asarray(b.c), constraints=[LinearConstraint(a_mat, b.r_lo, b.r_hi)],
               integrality=np.zeros(b.n) if relax else np.asarray(b.integer), bounds=Bounds(b.lo, b.hi),
               options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_gap), "disp": False})
    if res.x is None and not relax:
        raise RuntimeError(f"the assignment program found no solution ({res.message}); it always has "
                           "one (open seats), so this is a solver limit: raise the time limit")
    return res, x, open_var, b.n, n_rows
