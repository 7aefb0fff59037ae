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
takes; s_g the team's shrinkage; c_i the shift's paid hours × rate (+ a cost per shift). The LP
relaxation (all integrality dropped) gives the lower bound reported beside HiGHS's own dual bound.

**Start bands.** A tour p whose start may vary within a band has, for each day k it works and
each start j the band allows, integer z_pkj agents starting there, Σ_j z_pkj = y_p; the day's
shift counts are sums of z (as breaks are of w: any assignment of the day's starts to the tour's
agents is a valid roster, the rules having checked that the band keeps the rest between days).

**Several teams per channel** (``problem.demands``, the requirement per channel). Agents of
team g on the phones in slot t give continuous agent-slots f_gdt to the channels d they have the
skill for; an agent of g is worth e_gd = 1 / (its handle-time factor on d) agents of standard
speed:

    Σ_d f_gdt ≤ (1 − s_g) (Σ_i a_it x_i − Σ_ikj b_ikjt w_ikj)     every team g, slot t
    Σ_g e_gd f_gdt + u_dt ≥ r_dt                                every channel d, slot t (per slot)
    D_dt = D_d,t−1 + Σ_g e_gd f_gdt,  due_dt ≤ D_dt ≤ arrived_dt  every backlog channel d, slot t

(the backlog rows: the work done by the end of slot t is at least what is due by then and at most
what has arrived, the model of :mod:`staffsim.models.backlog`).

**Objectives.** ``cost``: the above. ``people``: lexicographic — the least cost first, then, with
the cost held at that optimum, the fewest people (tours: Σ y; without tours, agents on shifts,
Σ x: people on a one-day horizon, agent-days on several). An ``over_coverage_penalty`` π_g adds
π_g × (agent-hours of team g on the phones), which, the requirement being fixed, is the penalty on
the hours beyond it plus a constant (taken off the reported objective for a per-team requirement).

**Decomposition and limits.** Variables linked by no row (independent teams; team-days without
tours or horizon-wide rows) fall into separate components (connected components of the
constraint matrix), each solved on its own. The solve runs in a child process (fork) that is
killed when the wall-clock limit (HiGHS's ``time_limit`` plus a grace of
:data:`GRACE_S`) passes: then nothing is returned (:class:`NoSolutionInTime` says so).
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack
from scipy.sparse.csgraph import connected_components

from staffsim.scheduling.candidates import Problem

#: seconds allowed beyond HiGHS's own time limit before the solve is abandoned
GRACE_S = 5.0


@dataclass(frozen=True)
class Layout:
    """Where each kind of variable sits in the vector: x, w (per shift, per break, per start),
    y (tours), z (banded tours: per day, per start), u (team × slot slack, soft teams only),
    f (flows team → channel per slot), D (backlog cumulative work), v (channel × slot slack)."""

    n_x: int
    w_offset: list[list[int]]  # [shift][break] -> first index of its starts
    n_w: int
    n_y: int
    u_index: dict[tuple[int, int], int]
    z_index: dict[tuple[int, int], list[int]]  # (tour, day position) -> columns, one per option
    f_index: dict[tuple[int, int, int], int]  # (demand, team, slot) -> column
    d_index: dict[tuple[int, int], int]  # (backlog demand, slot) -> column
    v_index: dict[tuple[int, int], int]  # (demand, slot) -> slack column
    n: int

    @property
    def y0(self) -> int:
        return self.n_x + self.n_w


@dataclass(frozen=True)
class Solution:
    """The integer program's answer.

    ``x`` agents per shift type, ``w[i][k]`` agents per start of break k of shift i, ``y`` per
    tour, ``z[(p, k)]`` agents of tour p per start option on its k-th day (banded tours),
    ``shortfall`` (teams × slots, or channels × slots) the missing agents paid for with the
    penalty; ``flows[(d, g)]`` per slot the agent-slots team g gives channel d (per-channel
    requirement); ``objective`` its value; ``lp_bound`` the LP relaxation's optimum;
    ``dual_bound`` HiGHS's bound at the end; ``gap`` = (objective − best bound) / objective;
    ``optimal`` when proven (gap ≤ 1e-6); ``status`` HiGHS's message; ``solve_s`` the wall time;
    ``people`` the people (tours) or agent-days (shifts) of the roster, ``people_optimal`` when the
    fewest at this cost were asked for and proven; ``components`` the independent parts solved
    (those with a row; a shift no row mentions is simply left empty).
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
    z: dict | None = None
    flows: dict | None = None
    people: int = 0
    people_optimal: bool | None = None
    components: int = 1


class Infeasible(Exception):
    """No roster satisfies the rules and the requirement."""


class NoSolutionInTime(Exception):
    """The solver's limit came before any roster was found."""


def _toured_worked(problem: Problem, y0: int, z_index: dict) -> dict[int, list[int]]:
    """Shift index → the columns (y, or z for banded tours) whose sum is its headcount."""
    worked: dict[int, list[int]] = {}
    for p, tour in enumerate(problem.tours):
        for k, i in enumerate(tour.shifts):
            if (p, k) in z_index:
                for col, j in zip(z_index[(p, k)], tour.options[k]):
                    worked.setdefault(j, []).append(col)
            else:
                worked.setdefault(i, []).append(y0 + p)
    return worked


def _covering(problem: Problem) -> set[tuple[int, int]]:
    out = set()
    for s in problem.shifts:
        for t in s.slots:
            out.add((s.team, int(t)))
    return out


def layout(problem: Problem, soft: bool | None = None) -> Layout:
    """Variable positions; ``soft=True`` gives every team (channel) slack (for diagnosis), None
    follows the teams' penalties."""
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
    z_index: dict[tuple[int, int], list[int]] = {}
    for p, tour in enumerate(problem.tours):
        if tour.banded:
            for k, opts in enumerate(tour.options):
                z_index[(p, k)] = list(range(pos, pos + len(opts)))
                pos += len(opts)
    u_index = {}
    if problem.basis == "team":
        for g in range(len(problem.teams)):
            if soft or (soft is None and problem.penalty[g] is not None):
                for t in np.flatnonzero(problem.required[g] > 0):
                    u_index[(g, int(t))] = pos
                    pos += 1
    f_index, d_index, v_index = {}, {}, {}
    covered = _covering(problem)
    for d, dem in enumerate(problem.demands):
        if dem.backlog:
            last = int(np.flatnonzero(np.diff(np.concatenate([[0.0], dem.due])) > 1e-12)[-1])
            active = np.flatnonzero(dem.open & (dem.arrived > 1e-12) & (np.arange(len(dem.due)) <= last))
        else:
            active = np.flatnonzero(dem.open & (dem.required > 0))
        for t in active:
            for g in dem.teams:
                if (g, int(t)) in covered:
                    f_index[(d, g, int(t))] = pos
                    pos += 1
        if dem.backlog:
            for t in range(len(dem.due)):
                d_index[(d, t)] = pos
                pos += 1
        soft_d = soft or (soft is None and all(problem.penalty[g] is not None for g in dem.teams))
        if soft_d:
            rows = (np.flatnonzero(np.diff(np.concatenate([[0.0], dem.due])) > 1e-12) if dem.backlog
                    else np.flatnonzero(dem.required > 0))
            for t in rows:
                v_index[(d, int(t))] = pos
                pos += 1
    return Layout(len(problem.shifts), w_offset, n_w, len(problem.tours), u_index, z_index,
                  f_index, d_index, v_index, pos)


def build(problem: Problem, lay: Layout, diagnose: bool = False):
    """(c, constraints, integrality, bounds, people, offset) for :func:`scipy.optimize.milp`.
    ``diagnose``: minimise the total shortfall instead of the cost (every team soft).
    ``people``: the objective vector counting people (tours) or agent-days (shifts);
    ``offset``: the constant taken off the objective (over-coverage penalty on the requirement)."""
    n = lay.n
    slot_h = problem.slot_s / 3600.0
    c = np.zeros(n)
    people = np.zeros(n)
    offset = 0.0
    if diagnose:
        c[list(lay.u_index.values())] = 1.0
        c[list(lay.v_index.values())] = 1.0
    else:
        c[: lay.n_x] = [s.cost for s in problem.shifts]
        for (g, _), j in lay.u_index.items():
            c[j] = problem.penalty[g]
        for (d, _), j in lay.v_index.items():
            c[j] = min(problem.penalty[g] for g in problem.demands[d].teams)
        pens = problem.over_penalty or [0.0] * len(problem.teams)
        for i, s in enumerate(problem.shifts):
            pi = pens[s.team]
            if pi > 0:
                keep = 1.0 - float(problem.shrinkage[s.team])
                c[i] += pi * keep * slot_h * len(s.slots)
                for k, b in enumerate(s.breaks):
                    for j in range(len(b.starts)):
                        c[lay.w_offset[i][k] + j] -= pi * keep * slot_h * float(np.sum(b.shares[j]))
        if problem.basis == "team":
            offset = float(sum(pens[g] * slot_h * problem.required[g].sum() for g in range(len(problem.teams))))
        else:
            # a requirement per channel: the penalty is on the hours a team has on the phones and
            # gives to no channel (its idle time), not on the hours it gives: each agent-hour given
            # takes the penalty back (and a per-slot channel then takes exactly its requirement,
            # see _over_priced, so that idle time cannot be parked in a channel's flow)
            for (_, g, _), j in lay.f_index.items():
                c[j] -= pens[g] * slot_h
    people[: lay.n_x] = 1.0
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    # a toured team's x_i is Σ_{p ∋ i} y_p (or Σ z): substituted into every row (no x columns)
    worked = _toured_worked(problem, lay.y0, lay.z_index)
    toured = {i for i, s in enumerate(problem.shifts) if s.team in problem.toured}
    for i in toured:
        if not diagnose:
            for j in worked.get(i, []):
                c[j] += c[i]
        c[i] = 0.0
        people[i] = 0.0
    people[lay.y0: lay.y0 + lay.n_y] = 1.0

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

    # agents on shift and not on break, per team and slot: Σ a x − Σ b w
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
    if problem.basis == "team":
        # coverage, divided by (1 − s): Σ a x − Σ b w (+ u / (1 − s)) ≥ r / (1 − s). Where every
        # coefficient of a row is a whole number (breaks on the slot grid) and there is no slack,
        # the left side is an integer, so the right side rounds up: ⌈r / (1 − s)⌉ agents on shift
        # and not on break (a valid cut that the LP relaxation does not see by itself).
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
    else:
        given: dict[tuple[int, int], dict[int, float]] = {}
        for (d, g, t), j in lay.f_index.items():
            given.setdefault((g, t), {})[j] = 1.0
        for (g, t), flows in given.items():
            keep = 1.0 - float(problem.shrinkage[g])
            coefs = {j: -v for j, v in cover.get((g, t), {}).items()}
            for j in flows:
                coefs[j] = 1.0 / keep
            add(coefs, -np.inf, 0.0)
        for d, dem in enumerate(problem.demands):
            if dem.backlog:
                for t in range(len(dem.due)):
                    coefs = {lay.d_index[(d, t)]: 1.0}
                    if t > 0:
                        coefs[lay.d_index[(d, t - 1)]] = -1.0
                    for g, e in dem.teams.items():
                        if (d, g, t) in lay.f_index:
                            coefs[lay.f_index[(d, g, t)]] = -e
                    add(coefs, 0.0, 0.0)
                for t in np.flatnonzero(np.diff(np.concatenate([[0.0], dem.due])) > 1e-12):
                    coefs = {lay.d_index[(d, int(t))]: 1.0}
                    if (d, int(t)) in lay.v_index:
                        coefs[lay.v_index[(d, int(t))]] = 1.0
                    add(coefs, float(dem.due[t]) - 1e-9, np.inf)
            else:
                for t in np.flatnonzero(dem.required > 0):
                    coefs = {lay.f_index[(d, g, int(t))]: e for g, e in dem.teams.items()
                             if (d, g, int(t)) in lay.f_index}
                    if (d, int(t)) in lay.v_index:
                        coefs[lay.v_index[(d, int(t))]] = 1.0
                    add(coefs, float(dem.required[t]),
                        float(dem.required[t]) if _over_priced(problem, dem) else np.inf)
    # each break placed exactly once per agent of the shift
    for i, s in enumerate(problem.shifts):
        for k, b in enumerate(s.breaks):
            coefs = {lay.w_offset[i][k] + j: 1.0 for j in range(len(b.starts))}
            coefs[i] = -1.0
            add(coefs, 0.0, 0.0)
    # each agent of a banded tour starts once on every day it works
    for (p, k), zcols in lay.z_index.items():
        rows.extend([r] * (len(zcols) + 1))
        cols.extend(zcols + [lay.y0 + p])
        vals.extend([1.0] * len(zcols) + [-1.0])
        lo.append(0.0)
        hi.append(0.0)
        r += 1
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
    lower = np.zeros(n)
    upper = np.full(n, np.inf)
    for idx in (lay.u_index, lay.f_index, lay.d_index, lay.v_index):
        for j in idx.values():
            integrality[j] = 0
    for i in toured:
        upper[i] = 0.0  # carried by the tours' y (or z)
    for (g, t), j in lay.u_index.items():
        upper[j] = float(problem.required[g, t])
    for (d, t), j in lay.d_index.items():
        upper[j] = float(problem.demands[d].arrived[t]) + 1e-9
    for (d, t), j in lay.v_index.items():
        dem = problem.demands[d]
        upper[j] = float(dem.due[t]) if dem.backlog else float(dem.required[t])
    return c, a, np.array(lo), np.array(hi), integrality, lower, upper, people, offset


def _over_priced(problem: Problem, dem) -> bool:
    """Whether a team of per-slot channel ``dem`` has an over-coverage penalty: its coverage row
    is then an equality (the channel takes exactly its requirement; what its teams have beyond
    that is idle time, which the penalty prices). Without a penalty the row stays ``≥``, exactly as
    before (the same program, the same rosters)."""
    pens = problem.over_penalty or [0.0] * len(problem.teams)
    return any(pens[g] > 0 for g in dem.teams)


def _components(a: csr_matrix, n: int) -> tuple[int, np.ndarray]:
    """Connected components of the variables (two are linked when a row holds both)."""
    if a.shape[0] == 0:
        return n, np.arange(n)
    coo = a.tocoo()
    m = a.shape[0]
    # bipartite graph: variables 0..n-1, rows n..n+m-1
    g = coo_matrix((np.ones(len(coo.data)), (coo.col, n + coo.row)), shape=(n + m, n + m))
    k, labels = connected_components(g, directed=False)
    return k, labels[:n]


def _child(conn, args: dict) -> None:
    try:
        res = milp(**args)
        conn.send({"x": res.x, "fun": res.fun, "status": res.status, "message": res.message,
                   "mip_dual_bound": getattr(res, "mip_dual_bound", None)})
    except Exception as exc:  # noqa: BLE001  (pragma: no cover) - reported to the parent
        conn.send({"error": repr(exc)})
    finally:
        conn.close()


def _guarded_milp(time_limit: float | None, **args):
    """``milp(**args)`` in a child process, abandoned once ``time_limit`` + :data:`GRACE_S` has
    passed (HiGHS may overrun its own limit). Without a limit, in this process."""
    if time_limit is None or multiprocessing.current_process().daemon:
        return milp(**args)  # a daemonic worker may not start a process: HiGHS's own limit only
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - no fork on this platform: HiGHS's own limit only
        return milp(**args)
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, args), daemon=True)
    proc.start()
    child.close()
    wall = time_limit + GRACE_S
    if parent.poll(wall):
        try:
            out = parent.recv()
        except EOFError:
            out = {"error": "the solver process ended without an answer"}
        proc.join(1.0)
        if "error" in out:
            raise RuntimeError(f"HiGHS failed: {out['error']}")
        return SimpleNamespace(**out)
    proc.kill()
    proc.join(1.0)
    raise NoSolutionInTime(f"abandoned after {wall:.3g} s of wall clock (HiGHS's time limit "
                           f"{time_limit:.3g} s + {GRACE_S:g} s grace): nothing returned")


def solve(problem: Problem, time_limit: float | None = None, node_limit: int | None = None,
          mip_gap: float = 0.0, objective: str | None = None) -> Solution:
    """Least-cost roster (``objective="people"``: then, at that cost, the fewest people).
    Raises :class:`Infeasible` when no roster exists and :class:`NoSolutionInTime` when a limit
    stopped the solver before it found one (or the wall clock ran out: the solve is abandoned).
    At a limit with a roster found, returns it with ``optimal=False`` and its gap. Independent
    parts of the program (no row links them) are solved one after the other."""
    objective = objective or problem.objective
    lay = layout(problem)
    c, a, lo, hi, integrality, lower, upper, people, offset = build(problem, lay)
    began = time.perf_counter()
    k, labels = _components(a, lay.n)
    x = np.zeros(lay.n)
    lp_total = dual_total = 0.0
    statuses, all_done, people_done = [], True, True
    coo = a.tocoo()
    row_label = np.full(a.shape[0], -1)
    row_label[coo.row] = labels[coo.col]
    var_groups = np.split(np.argsort(labels, kind="stable"), np.cumsum(np.bincount(labels, minlength=k))[:-1])
    empty = row_label < 0
    if np.any((lo[empty] > 1e-9) | (hi[empty] < -1e-9)):
        raise Infeasible("a row with no variable cannot be met (a slot no shift covers)")
    row_order = np.argsort(row_label, kind="stable")[int(np.sum(empty)):]
    row_groups = np.split(row_order, np.cumsum(np.bincount(row_label[~empty], minlength=k))[:-1])
    for comp in range(k):
        vars_ = var_groups[comp]
        rws = row_groups[comp]
        if not len(rws):  # a variable in no row: at its lower bound (its cost is never negative)
            x[vars_] = lower[vars_]
            lp_total += float(c[vars_] @ lower[vars_])
            dual_total += float(c[vars_] @ lower[vars_])
            continue
        sub = a[rws][:, vars_]
        cons = LinearConstraint(sub, lo[rws], hi[rws])
        bnds = Bounds(lower[vars_], upper[vars_])
        cc = c[vars_]
        # the relaxation counts against the time limit too (alone it can take minutes on a big
        # problem), and is guarded like the integer program: HiGHS may overrun its limit there too
        left = None if time_limit is None else max(1e-3, time_limit - (time.perf_counter() - began))
        relaxed = _guarded_milp(left, c=cc, constraints=cons, integrality=np.zeros(len(vars_)), bounds=bnds,
                                options={} if left is None else {"time_limit": left})
        if relaxed.status == 2:
            raise Infeasible("the LP relaxation is infeasible")
        options: dict = {"mip_rel_gap": mip_gap}
        left = None
        if time_limit is not None:
            left = max(1e-3, time_limit - (time.perf_counter() - began))
            options["time_limit"] = left
        if node_limit is not None:
            options["node_limit"] = node_limit
        res = _guarded_milp(left, c=cc, constraints=cons, integrality=integrality[vars_], bounds=bnds,
                            options=options)
        if res.status == 2:
            raise Infeasible(res.message)
        if res.x is None:
            raise NoSolutionInTime(res.message)
        lp = float(relaxed.fun) if relaxed.status == 0 else -np.inf
        dual = res.mip_dual_bound
        dual = float(dual) if dual is not None and np.isfinite(dual) else lp
        lp_total += lp
        dual_total += max(lp, dual)
        statuses.append(res.message)
        done = res.status == 0 and float(res.fun) - max(lp, dual) <= 1e-6 * max(1.0, abs(float(res.fun)))
        all_done &= done
        xs = res.x
        if objective == "people":
            # hold the cost at this optimum (a hair above, for rounding) and count people
            tol = 1e-7 * max(1.0, abs(float(res.fun))) + 1e-6
            sub2 = LinearConstraint(_stack(sub, cc), np.append(lo[rws], -np.inf),
                                    np.append(hi[rws], float(res.fun) + tol))
            opts2 = {**options, "mip_rel_gap": 0.0}  # the fewest people proven, or said not to be
            if time_limit is not None:
                opts2["time_limit"] = max(1e-3, time_limit - (time.perf_counter() - began))
            res2 = _guarded_milp(opts2.get("time_limit"), c=people[vars_], constraints=sub2,
                                 integrality=integrality[vars_], bounds=bnds, options=opts2)
            if res2.x is not None:
                xs = res2.x
                people_done &= res2.status == 0
            else:
                people_done = False
        x[vars_] = xs
    elapsed = time.perf_counter() - began
    integral = integrality > 0
    x[integral] = np.round(x[integral])
    obj_total = float(c @ x)
    gap = 0.0 if obj_total <= 1e-9 else max(0.0, (obj_total - dual_total) / abs(obj_total))
    proven = all_done and gap <= 1e-6
    sol = _unpack(problem, lay, x, obj_total - offset, lp_total - offset, dual_total - offset, gap,
                  proven, "; ".join(dict.fromkeys(statuses)) or "no variables", elapsed)
    n_people = round(float(people @ np.round(x)))
    solved = sum(1 for g in row_groups if len(g))
    return replace(sol, people=n_people, people_optimal=(people_done if objective == "people" else None),
                   components=max(1, solved))


def _stack(sub: csr_matrix, row: np.ndarray) -> csr_matrix:
    """``sub`` with ``row`` appended as its last row."""
    return vstack([sub, csr_matrix(row.reshape(1, -1))]).tocsr()


def shortfall(problem: Problem, time_limit: float | None = None) -> tuple[np.ndarray, bool, list[str]]:
    """The least total shortfall (teams × slots, or channels × slots) any roster within the
    limits leaves: the slots that cannot be covered, whether that least shortfall is proven
    (False: the time limit stopped the solver first, and the figures are those of the best roster
    it found, an upper bound), and the limits that roster holds at their bound (their labels, with
    the bound: the head-counts, caps, contract limits and part-time shares that stop it covering
    more; read on a least-short roster with the fewest agents). Raises :class:`Infeasible` when
    the limits contradict each other even with coverage relaxed, :class:`NoSolutionInTime` when
    the limit came before any answer."""
    lay = layout(problem, soft=True)
    c, a, lo, hi, integrality, lower, upper, people, _ = build(problem, lay, diagnose=True)
    began = time.perf_counter()
    options = {"time_limit": time_limit} if time_limit is not None else {}
    res = _guarded_milp(time_limit, c=c, constraints=LinearConstraint(a, lo, hi), integrality=integrality,
                        bounds=Bounds(lower, upper), options=options)
    if res.status == 2:
        raise Infeasible(res.message)
    if res.x is None:
        raise NoSolutionInTime(res.message)
    out = np.zeros((len(problem.keys), problem.n_slots))
    for (g, t), j in lay.u_index.items():
        out[g, t] = res.x[j]
    for (d, t), j in lay.v_index.items():
        out[d, t] = res.x[j]
    # the limits held at their bound, read on a least-short roster with the fewest agents (so a
    # limit nothing pushes against, say a head-count the least-short roster need not reach, is
    # not named); the second solve shares the time limit with the first, and if it finds nothing
    # in what is left, the first roster is read
    least = float(c @ res.x)
    left = None if time_limit is None else time_limit - (time.perf_counter() - began)
    fewest = None
    if left is None or left > 0.5:
        try:
            fewest = _guarded_milp(left, c=people, integrality=integrality, bounds=Bounds(lower, upper),
                                   constraints=[LinearConstraint(a, lo, hi),
                                                LinearConstraint(c[None, :], -np.inf, least + 1e-6 + 1e-9 * least)],
                                   options={} if left is None else {"time_limit": left}).x
        except NoSolutionInTime:
            fewest = None
    return out, res.status == 0, _at_bound(problem, lay, fewest if fewest is not None else res.x)


def _at_bound(problem: Problem, lay: Layout, v: np.ndarray) -> list[str]:
    """The upper limits (and part-time shares) roster ``v`` holds at their bound, labelled."""
    # agents per shift: a toured team's shifts are carried by its tours' columns (y or z)
    toured = {i for i, s in enumerate(problem.shifts) if s.team in problem.toured}
    worked = _toured_worked(problem, lay.y0, lay.z_index)
    x = np.array([float(v[worked.get(i, [])].sum()) if i in toured else float(v[i])
                  for i in range(len(problem.shifts))])
    held = []
    for lim in problem.limits:
        if not np.isfinite(lim.hi) or lim.hi <= 0 or not len(lim.indices):
            continue
        idx = lim.indices.astype(np.int64)
        value = float(x[idx].sum()) if lim.kind == "shift" else float(v[lay.y0 + idx].sum())
        if value >= lim.hi - 1e-6:
            held.append(f"{lim.label} ({lim.hi:g})")
    for pt in problem.part_time:
        total = float(x[pt.all].sum())
        if total > 0 and float(x[pt.part_time].sum()) >= pt.share * total - 1e-6:
            held.append(f"teams.{problem.teams[pt.team]}.max_part_time_share ({pt.share:g})")
    return held


def _unpack(problem: Problem, lay: Layout, v: np.ndarray, objective: float, lp_bound: float,
            dual: float, gap: float, optimal: bool, status: str, elapsed: float) -> Solution:
    rounded = np.round(v)
    ints = rounded.astype(np.int64)
    x = ints[: lay.n_x].copy()
    w = [[ints[off: off + len(b.starts)] for off, b in zip(lay.w_offset[i], s.breaks)]
         for i, s in enumerate(problem.shifts)]
    y = ints[lay.y0: lay.y0 + lay.n_y]
    z = {key: ints[cols] for key, cols in lay.z_index.items()}
    for p, tour in enumerate(problem.tours):
        for k, i in enumerate(tour.shifts):
            if (p, k) in z:
                for j, n in zip(tour.options[k], z[(p, k)]):
                    x[j] += n
            else:
                x[i] += y[p]
    short = np.zeros((len(problem.keys), problem.n_slots))
    for (g, t), j in lay.u_index.items():
        short[g, t] = max(0.0, float(v[j]))
    for (d, t), j in lay.v_index.items():
        short[d, t] = max(0.0, float(v[j]))
    flows: dict[tuple[int, int], np.ndarray] = {}
    for (d, g, t), j in lay.f_index.items():
        flows.setdefault((d, g), np.zeros(problem.n_slots))[t] = max(0.0, float(v[j]))
    return Solution(x, w, y, short, objective, lp_bound, dual, gap, optimal, status, elapsed, z, flows)
