"""``capacity(plan)``: demand, supply, the weekly table, Monte Carlo bands and the hiring plan.

Steps: validate the plan; required hours per team and week (:mod:`~staffsim.capacity.demand`);
the expected projection of the people already planned — staff, planned classes, transfers
(:mod:`~staffsim.capacity.supply`) — and its weekly table (:mod:`~staffsim.capacity.weekly`);
with ``monte_carlo`` paths, the percentile bands (:mod:`~staffsim.capacity.montecarlo`); for teams
with ``hiring:``, the cheapest classes (:mod:`~staffsim.capacity.hiring`) and the weekly table
with them.

Planning to a coverage (``monte_carlo.coverage`` = q): the MILP covers, in each week, the
expected requirement plus a margin — the q-quantile over paths of (required − available ×
(1 + overtime limit)) minus its expected value (the MILP's row already lets overtime stretch
what the hires add by 1 + the limit, so the margin is in the requirement's units). The chosen
plan is then simulated on the same paths (common random numbers); where a week that a class can
reach is still short in more than 1 − q of the paths, the margin grows by that week's remaining
q-quantile shortfall (above what the plan covers there, so that the plan must change) and the
MILP is solved again (at most :data:`COVERAGE_ROUNDS` times).
Attrition of the recommended hires is random in the check, not in the margin: the loop is what
accounts for it. Weeks no class can reach (lead time and training) and weeks where the hiring
rules already cap the classes are left out of the loop; the weeks a class can reach that still
miss the coverage are in ``solver["coverage_missed"]`` and the headline.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from staffsim._version import __version__
from staffsim.capacity import hiring as milp
from staffsim.capacity.calendar import Calendar
from staffsim.capacity.demand import TeamDemand, team_demand
from staffsim.capacity.efficiency import check_efficiency, roster_efficiency, roster_teams
from staffsim.capacity.montecarlo import PERCENTILES, MonteCarlo
from staffsim.capacity.montecarlo import run as run_monte_carlo
from staffsim.capacity.result import CapacityResult
from staffsim.capacity.schema import EfficiencySpec, PlanSpec, load_plan
from staffsim.capacity.supply import Cohort, plan_cohorts, project
from staffsim.capacity.weekly import shrinkage_total, weekly_table
from staffsim.errors import InputError, where
from staffsim.limits import MAX_WEEKLY_HOURS, MC_BYTES_PER_CELL, MEMORY_BUDGET_BYTES, memory_text

COVERAGE_ROUNDS = 4


def check_paths(paths: int, teams: int, weeks: int) -> None:
    """Refuse, before drawing, Monte Carlo paths x teams x weeks whose arrays (two runs: the
    given plan and the recommended one) would take more than
    :data:`~staffsim.limits.MEMORY_BUDGET_BYTES`, with the figure and the most paths allowed."""
    need = 2.0 * paths * teams * weeks * MC_BYTES_PER_CELL
    if need > MEMORY_BUDGET_BYTES:
        most = int(MEMORY_BUDGET_BYTES // (2 * teams * weeks * MC_BYTES_PER_CELL))
        raise InputError(f"monte_carlo: {paths:,} paths x {teams} team(s) x {weeks} weeks would hold about "
                         f"{memory_text(need)}, beyond staffsim's limit of {memory_text(MEMORY_BUDGET_BYTES)}; "
                         f"use at most {most:,} paths (the bands' percentiles are steady well before)")


def capacity(plan: str | Path | dict, *, monte_carlo: int | None = None, seed: int | None = None,
             optimise: bool = True, base: str | Path | None = None,
             mip_rel_gap: float = 1e-4, time_limit: float = 5.0,
             roster: str | Path | None = None) -> CapacityResult:
    """Plan capacity week by week.

    ``plan``: a plan YAML path or the same as a mapping (files named in it are relative to
    ``base``, default the YAML's folder or the current directory). ``monte_carlo``: paths
    (default: the plan's ``monte_carlo.paths`` when it has that section, else none; 0: none).
    ``seed``: default the plan's ``monte_carlo.seed``. ``optimise``: find the hiring plan for
    teams with ``hiring:``; ``mip_rel_gap`` and ``time_limit`` (seconds per solve) bound the
    MILP's effort (the gap reached is in ``result.solver``). ``roster``: a ``roster.json``
    whose teams' scheduling efficiency (paid ÷ required hours) multiplies the required hours of
    the plan's teams of the same name (overriding their ``scheduling_efficiency``; see
    :mod:`staffsim.capacity.efficiency`).
    """
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise InputError(f"time limit: must be a number of seconds > 0, got {time_limit!r}")
    if not (isinstance(mip_rel_gap, (int, float)) and 0 <= mip_rel_gap < 1):
        raise InputError(f"mip_rel_gap: must be >= 0 and < 1, got {mip_rel_gap!r}")
    spec, source, base_dir = load_plan(plan, base)
    cal = Calendar(spec.start_date, spec.weeks)
    demand = {name: team_demand(name, team, cal, source, base_dir) for name, team in spec.teams.items()}
    efficiency = efficiencies(spec, source, base_dir, roster)
    demand = {t: replace(d, hours=d.hours * efficiency[t]) if efficiency[t] != 1.0 else d
              for t, d in demand.items()}
    shrink = shrinkage_total(spec, cal, source)
    for t in spec.teams:  # the MILP's right-hand sides within its tolerances (limits.py)
        big = np.flatnonzero(~(demand[t].hours <= MAX_WEEKLY_HOURS))
        if len(big):
            w = int(big[0])
            raise InputError(f"{where(source, f'teams.{t}')}: week {w + 1} needs {demand[t].hours[w]:.3g} "
                             f"hours; staffsim plans up to {MAX_WEEKLY_HOURS:.0e} hours a week per team "
                             "(staffsim.limits.MAX_WEEKLY_HOURS)")
    required = {t: demand[t].hours / spec.fte_hours for t in spec.teams}
    mc_spec = spec.monte_carlo
    paths = monte_carlo if monte_carlo is not None else (mc_spec.paths if mc_spec else 0)
    if paths is not None and (isinstance(paths, bool) or int(paths) != paths or paths < 0 or paths == 1):
        raise InputError(f"monte_carlo: paths must be 0 (none) or a whole number >= 2, got {paths!r}")
    paths = int(paths)
    check_paths(paths, len(spec.teams), spec.weeks)
    seed = int(seed if seed is not None else (mc_spec.seed if mc_spec else 2026))

    cohorts = plan_cohorts(spec)
    weekly = _weekly(spec, cal, demand, shrink, cohorts, source)
    mc = run_monte_carlo(spec, cohorts, required, shrink, paths, seed) if paths else None
    if mc is not None:
        weekly = _with_bands(weekly, mc, demand)

    teams_hiring = [t for t, team in spec.teams.items() if team.hiring is not None]
    recommended = classes = mc_rec = solver = None
    if optimise and teams_hiring:
        coverage = mc_spec.coverage if (mc_spec and mc is not None) else None
        margin = {t: np.zeros(spec.weeks) for t in teams_hiring}
        if coverage is not None:
            margin = {t: _margin(mc, t, coverage, required[t], _cover_det(spec, weekly, t))
                      for t in teams_hiring}
        reach = {t: milp.reachable_weeks(spec, t) for t in teams_hiring}
        sizes: dict[str, dict[int, int]] = {}
        solves, gaps, statuses = [], [], []
        todo = list(teams_hiring)
        for rounds in range(1, COVERAGE_ROUNDS + 1):
            solution = _solve(spec, weekly, shrink, required, margin, todo, mip_rel_gap, time_limit)
            sizes.update(solution.sizes)
            solves.append(todo)
            statuses.append(solution.status)
            if solution.mip_gap is not None:
                gaps.append(solution.mip_gap)
            extra = [milp.hire_cohort(spec, t, w, n) for t in teams_hiring
                     for w, n in sorted(sizes.get(t, {}).items())]
            rec_cohorts = plan_cohorts(spec, extra)
            recommended = _weekly(spec, cal, demand, shrink, rec_cohorts, source, service=False)
            if mc is None:
                break
            mc_rec = run_monte_carlo(spec, rec_cohorts, required, shrink, paths, seed)
            recommended = _with_bands(recommended, mc_rec, demand, service=False)
            if coverage is None:
                break
            todo = []
            for t in teams_hiring:
                ti = mc_rec.teams.index(t)
                deficit = np.percentile(mc_rec.values["required_fte"][:, ti]
                                        - mc_rec.values["cover_fte"][:, ti], 100 * coverage, axis=0)
                # what the plan covers beyond the requirement (expected, overtime included); below
                # the margin where the hiring rules capped the classes (the MILP left a shortfall)
                covered = _cover_det(spec, recommended, t) - required[t]
                capped = covered < margin[t] - 1e-6
                still = (reach[t] & ~capped & (mc_rec.p_short()[ti] > 1 - coverage + 1e-12)
                         & (deficit > 1e-9))
                if still.any():
                    # the plan may cover more than its rows ask (a class sized for another week):
                    # raise the row above what the plan covers, not only above the old margin,
                    # or the same plan comes back and the loop stalls
                    raised = np.maximum(margin[t] + deficit, covered + deficit)
                    margin[t] = np.where(still, raised, margin[t])
                    todo.append(t)
            if not todo:
                break
        # the service level of the plan kept (drafts skip it)
        recommended = _weekly(spec, cal, demand, shrink, rec_cohorts, source)
        if mc_rec is not None:
            recommended = _with_bands(recommended, mc_rec, demand)
        classes = milp.classes_table(spec, cal, sizes)
        solver = {"status": "; ".join(dict.fromkeys(statuses)), "mip_gap": max(gaps) if gaps else None,
                  "rounds": len(solves), "teams_solved": solves}
        if coverage is not None:
            solver["coverage"] = coverage
            solver["coverage_missed"] = {}
            for t in teams_hiring:
                p_short = mc_rec.p_short()[mc_rec.teams.index(t)]
                weeks = np.flatnonzero(reach[t] & (p_short > 1 - coverage + 1e-12)) + 1
                if len(weeks):
                    solver["coverage_missed"][t] = [int(w) for w in weeks]
    return CapacityResult(
        spec=spec, source=source, weekly=weekly, recommended=recommended, classes=classes,
        channels=_channels(demand), monte_carlo=mc, monte_carlo_recommended=mc_rec,
        paths=paths, seed=seed if paths else None,
        solver=solver,
        version=__version__,
        extra={"scheduling_efficiency": efficiency, "roster": None if roster is None else str(roster)})


def efficiencies(spec: PlanSpec, source: str, base: Path, roster: str | Path | None) -> dict[str, float]:
    """Team → scheduling efficiency (1 when none is given): the plan's
    ``scheduling_efficiency`` (a number or a roster), overridden by ``roster`` for the teams it
    has; a ``roster`` sharing no team with the plan is refused."""
    out = {}
    for name, team in spec.teams.items():
        field_ = where(source, f"teams.{name}.scheduling_efficiency")
        value = team.scheduling_efficiency
        if value is None:
            out[name] = 1.0
        elif isinstance(value, EfficiencySpec):
            path = Path(value.roster) if Path(value.roster).is_absolute() else base / value.roster
            out[name] = roster_efficiency(path, value.team or name, field_)
        else:
            out[name] = check_efficiency(value, field_)
    if roster is not None:
        teams = roster_teams(roster)
        shared = [t for t in spec.teams if t in teams]
        if not shared:
            raise InputError(f"--roster {roster}: none of its teams ({', '.join(teams)}) is a team of the "
                             f"plan ({', '.join(spec.teams)})")
        for t in shared:
            out[t] = check_efficiency(teams[t]["efficiency"], f"--roster {roster} (team {t})")
    return out


def _share(spec: PlanSpec, team: str) -> float:
    ot = spec.teams[team].overtime
    return ot.max_share if ot else 0.0


def _weekly(spec, cal, demand, shrink, cohorts: list[Cohort], source: str, *,
            service: bool = True) -> pd.DataFrame:
    proj = project(spec, cohorts)
    for k, missing in proj.short_transfers.items():
        t = spec.transfers[k]
        raise InputError(f"{where(source, f'transfers.{k}')}: team {t.from_!r} is expected to have "
                         f"only {t.people - missing:.1f} fully productive people in week {t.week} "
                         f"to move, not {t.people}")
    return weekly_table(spec, cal, demand, shrink, proj, service=service)


def _cover_det(spec: PlanSpec, weekly: pd.DataFrame, team: str) -> np.ndarray:
    rows = weekly[weekly["team"] == team]
    return rows["available_fte"].to_numpy() * (1 + _share(spec, team))


def _margin(mc: MonteCarlo, team: str, coverage: float, required: np.ndarray,
            cover_det: np.ndarray) -> np.ndarray:
    """FTE to add to the requirement so that covering it in expectation covers the q-quantile
    path: Q_q(required − cover) over paths − (required − cover) expected (cover = available ×
    (1 + overtime limit))."""
    ti = mc.teams.index(team)
    deficit = mc.values["required_fte"][:, ti] - mc.values["cover_fte"][:, ti]
    return np.percentile(deficit, 100 * coverage, axis=0) - (required - cover_det)


def _solve(spec: PlanSpec, weekly: pd.DataFrame, shrink: dict[str, np.ndarray],
           required: dict[str, np.ndarray], margin: dict[str, np.ndarray],
           teams: list[str], mip_rel_gap: float, time_limit: float) -> milp.Solution:
    problems = []
    for t in teams:
        rows = weekly[weekly["team"] == t]
        base = rows["available_fte"].to_numpy()
        problems.append(milp.team_problem(spec, t, base, required[t] + margin[t], shrink[t]))
    return milp.solve(problems, mip_rel_gap=mip_rel_gap, time_limit=time_limit)


def _with_bands(weekly: pd.DataFrame, mc: MonteCarlo, demand: dict[str, TeamDemand], *,
                service: bool = True) -> pd.DataFrame:
    """Percentile columns (``<quantity>_p10`` ...), ``p_short`` and ``service_level_p10``."""
    out = weekly.copy()
    for q in ("available_fte", "gap_fte", "headcount", "required_fte"):
        for p in PERCENTILES:
            out[f"{q}_p{p}"] = mc.percentile(q, p).ravel()
    out["p_short"] = mc.p_short().ravel()
    sl = []
    for ti, t in enumerate(mc.teams):
        svc = demand[t].service
        req, avail = mc.values["required_fte"][:, ti], mc.values["available_fte"][:, ti]
        if svc is None or not service:
            sl.append(np.full(req.shape[1], np.nan))
            continue
        staffed = np.minimum(mc.values["cover_fte"][:, ti], np.maximum(req, avail))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.percentile(np.where(req > 0, staffed / req, np.nan), 10, axis=0)
        sl.append(svc.service_level(ratio))
    out["service_level_p10"] = np.concatenate(sl)
    return out


def _channels(demand: dict[str, TeamDemand]) -> pd.DataFrame:
    frames = [d.channels.assign(team=t) for t, d in demand.items() if not d.channels.empty]
    if not frames:
        return pd.DataFrame(columns=["week", "team", "channel", "volume", "aht_s", "required_hours"])
    df = pd.concat(frames, ignore_index=True)
    return df[["week", "team", "channel", "volume", "aht_s", "required_hours"]]
