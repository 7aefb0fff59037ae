"""``assign``: the roster's seats given to named people, and the tables people read.

:class:`Assignment` holds, besides the solver's record:

- ``schedule``: one row per person and shift worked (date, start, end, paid hours, breaks, the
  grid code, whether it is a weekend or evening shift, the wishes it misses);
- ``open``: seats left open, with the reason (people named);
- ``hours``: per person and contract week: hours worked against the contract (hours owed after
  leave, maximum), days worked against days_max, hours short;
- ``fairness``: per person: shifts, hours, weekend and evening shifts against their fair
  share, missed wishes, planned days, the wish score = 1 − missed / planned days;
- ``grid``: people × days, shift codes as WFM screens show them (``LV`` leave, ``-`` off).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from staffsim._version import __version__
from staffsim.errors import InputError
from staffsim.people.agents import Agents, load_agents
from staffsim.people.assign import Solved, solve_plan
from staffsim.people.diagnose import diagnose
from staffsim.people.plan import Kind, Plan, Weights, build_plan
from staffsim.people.rosterfile import roster_input
from staffsim.scenarios.calendar import WEEKDAY_NAMES
from staffsim.units import format_clock


def shift_code(start: float, end: float) -> str:
    """``08-16``, ``0830-1630``: the shift's start and end hours as a grid cell."""
    def part(t: float) -> str:
        h, m = divmod(round(t / 60), 60)
        return f"{h:02d}" if m == 0 else f"{h:02d}{m:02d}"
    return f"{part(start)}-{part(end)}"


def _breaks_text(combo: tuple[tuple[float, float], ...]) -> str:
    return ", ".join(f"{format_clock(s)} ({round(length / 60):d}min)" for s, length in combo)


@dataclass(frozen=True, eq=False)
class Assignment:
    """People on the roster's seats (see the module doc)."""

    plan: Plan
    solved: Solved
    schedule: pd.DataFrame
    open: pd.DataFrame
    hours: pd.DataFrame
    fairness: pd.DataFrame
    grid: pd.DataFrame
    time_zone: str
    version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def agents(self) -> Agents:
        return self.plan.agents

    def breaks_of(self, p: int, k: int) -> tuple[tuple[float, float], ...]:
        """The breaks (start, length in seconds) person ``p`` takes on their shift of kind ``k``."""
        return self.extra["seat_breaks"][(p, k)]

    def summary(self) -> dict[str, Any]:
        """The objective's parts, the weights, the fairness and wish figures, and the solve."""
        f = self.fairness
        s = self.solved
        return {
            "people": len(self.plan.people), "days": self.plan.n_days,
            "first_date": self.plan.start_date.isoformat(), "seats": int(sum(k.demand for k in self.plan.kinds)),
            "seats_open": int(sum(s.open.values())), "short_hours": float(sum(s.short.values())),
            "wishes_missed": int(f["wishes_missed"].sum()),
            "worst_wish_score": float(f["wish_score"].min()) if len(f) else 1.0,
            "weekend_max_deviation": self.extra.get("weekend_max_deviation", 0.0),
            "evening_max_deviation": self.extra.get("evening_max_deviation", 0.0),
            "objective": s.objective, "dual_bound": s.dual_bound, "gap": s.gap, "optimal": s.optimal,
            "status": s.status, "solve_s": s.solve_s, "variables": s.n_variables,
            "constraints": s.n_constraints, "weights": self.plan.weights.as_dict(),
            "rest_h": self.plan.rest_s / 3600, "evening_after": format_clock(self.plan.evening_after),
            "time_zone": self.time_zone, "roster": self.plan.roster.source,
            "agents": self.plan.agents.source, "version": self.version,
        }

    def write(self, directory: str | Path, **options: Any) -> list[Path]:
        """Every output (see :func:`staffsim.people.calendars.write_assignment`), all or nothing;
        ``people_sim=`` adds the simulated KPIs."""
        from staffsim.people.calendars import write_assignment

        return write_assignment(self, directory, **options)


def _tables(plan: Plan, solved: Solved) -> dict[str, Any]:
    kinds = plan.kinds
    seats: dict[int, list[tuple[int, ...]]] = {k.index: list(k.breaks) for k in kinds}
    seat_breaks: dict[tuple[int, int], tuple] = {}
    rows = []
    for p in sorted(solved.works, key=lambda q: plan.people[q].id):
        a = plan.people[p]
        for k in sorted(solved.works[p], key=lambda j: (kinds[j].pday, kinds[j].start)):
            kk: Kind = kinds[k]
            combo = seats[k].pop(0)
            seat_breaks[(p, k)] = combo
            rows.append({"agent_id": a.id, "name": a.name, "agent_team": a.team, "team": kk.team,
                         "template": kk.template, "date": kk.date.isoformat(),
                         "weekday": WEEKDAY_NAMES[kk.date.weekday()], "start": format_clock(kk.start),
                         "end": format_clock(kk.end), "paid_hours": kk.hours, "breaks": _breaks_text(combo),
                         "code": shift_code(kk.start, kk.end), "weekend": kk.weekend,
                         "evening": plan.evening(kk), "wishes_missed": plan.wish_misses(p, kk)})
    schedule = pd.DataFrame(rows, columns=["agent_id", "name", "agent_team", "team", "template", "date",
                                           "weekday", "start", "end", "paid_hours", "breaks", "code",
                                           "weekend", "evening", "wishes_missed"])
    schedule = schedule.sort_values(["agent_id", "date", "start"], kind="stable").reset_index(drop=True)
    hours_rows, fair_rows = [], []
    targets = {w: plan.fair_targets(w) for w in ("weekend", "evening")}
    dev = {"weekend": 0.0, "evening": 0.0}
    for p, a in enumerate(plan.people):
        mine = [kinds[k] for k in solved.works[p]]
        for wi, (lo, hi) in enumerate(plan.weeks()):
            wk = [k for k in mine if lo <= k.pday < hi]
            hours_rows.append({
                "agent_id": a.id, "name": a.name, "contract": a.contract, "week": wi + 1,
                "week_start": plan.date(lo).isoformat(), "hours": sum(k.hours for k in wk),
                "hours_owed": plan.min_hours(p, lo, hi), "week_hours_min": a.week_hours_min,
                "week_hours_max": a.week_hours_max, "short_hours": solved.short.get((p, wi), 0.0),
                "days": len(wk), "days_max": a.days_max, "leave_days": plan.leave_days(p, lo, hi)})
        missed = plan.wish_constant(p) + sum(plan.wish_misses(p, k) for k in mine)
        we, ev = sum(k.weekend for k in mine), sum(plan.evening(k) for k in mine)
        for name, n in (("weekend", we), ("evening", ev)):
            if p in targets[name]:
                dev[name] = max(dev[name], abs(n - targets[name][p]))
        planned = plan.planned_days(p)
        fair_rows.append({
            "agent_id": a.id, "name": a.name, "team": a.team, "contract": a.contract,
            "seniority_years": a.seniority_years, "shifts": len(mine), "hours": sum(k.hours for k in mine),
            "weekend_shifts": we, "weekend_fair_share": targets["weekend"].get(p, float("nan")),
            "evening_shifts": ev, "evening_fair_share": targets["evening"].get(p, float("nan")),
            "wishes_missed": missed, "planned_days": planned,
            "wish_score": 1.0 - missed / planned if planned > 0 else 1.0})
    grid_rows = []
    for p, a in enumerate(plan.people):
        row: dict[str, Any] = {"agent_id": a.id, "name": a.name, "team": a.team}
        cells = {kinds[k].pday: shift_code(kinds[k].start, kinds[k].end) for k in solved.works[p]}
        for d in range(plan.n_days):
            date = plan.date(d)
            col = f"{WEEKDAY_NAMES[date.weekday()]} {date.strftime('%m-%d')}"
            row[col] = cells.get(d, "LV" if a.on_leave(date) else "-")
        row["hours"] = sum(kinds[k].hours for k in solved.works[p])
        grid_rows.append(row)
    grid = pd.DataFrame(grid_rows).sort_values(["team", "agent_id"], kind="stable").reset_index(drop=True)
    open_rows = diagnose(plan, solved.works, solved.open)
    open_frame = pd.DataFrame(open_rows, columns=["date", "weekday", "team", "template", "start", "end",
                                                  "seats", "seats_open", "reason", "shift"])
    return {"schedule": schedule, "open": open_frame, "hours": pd.DataFrame(hours_rows),
            "fairness": pd.DataFrame(fair_rows), "grid": grid,
            "extra": {"weekend_max_deviation": dev["weekend"], "evening_max_deviation": dev["evening"],
                      "seat_breaks": seat_breaks}}


def assign(roster: Any, agents: str | Path | Agents, *, weeks: int | None = None,
           open_cost: float | None = None, weights: Weights | None = None,
           start_date: dt.date | None = None, rest: float = 11 * 3600.0, evening_after: float = 18 * 3600.0,
           time_zone: str | None = None, time_limit: float = 60.0, mip_gap: float = 0.0) -> Assignment:
    """Give every seat of a roster to a person (an integer program, :mod:`staffsim.people.assign`).

    ``roster``: a directory written by ``staffsim schedule --out DIR`` or a
    :class:`~staffsim.scheduling.roster.Roster`; ``agents``: an agents file or :class:`Agents`;
    ``weeks``: the period (default: the roster's days), the roster repeated week after week;
    ``open_cost``: per seat left open (default None: every seat must be staffed, else an
    :class:`InputError` says which shifts cannot be staffed and why); ``weights``: the objective's
    other weights (:class:`Weights`); ``rest``: seconds between shifts (11 h); ``evening_after``:
    a shift ending after this clock time is an evening shift; ``time_zone``: the center's (default:
    the scenario's forecast file's, else UTC).
    """
    r = roster_input(roster)
    channels = list(r.scenario.spec.channels)
    people = agents if isinstance(agents, Agents) else load_agents(agents, channels=channels)
    if isinstance(agents, Agents):
        for i, a in enumerate(people.people):
            unknown = [s for s in a.skills if s not in channels]
            if unknown:
                raise InputError(f"{people.where(i, 'skills')}: unknown skill {unknown[0]!r} (the "
                                 f"scenario's channels: {', '.join(channels)})")
    w = weights or Weights()
    if open_cost is not None:
        if not open_cost >= 0:
            raise InputError(f"--open-cost: must be a number >= 0, got {open_cost}")
        w = Weights(**{**w.as_dict(), "open_shift": float(open_cost)})
    plan = build_plan(r, people, weeks, w, start_date=start_date, rest_s=rest, evening_after=evening_after)
    solved = solve_plan(plan, time_limit=time_limit, mip_gap=mip_gap)
    tables = _tables(plan, solved)
    if solved.open and w.open_shift is None and solved.timed_out:
        n = sum(solved.open.values())
        raise InputError(
            f"{people.source}: the assignment program stopped at its time limit ({time_limit:g} s) with "
            f"{n} seat(s) of {r.source} still open; that is not a proof they cannot be staffed (the "
            "machine may be busy): raise the time limit (--time-limit), or give an open-shift cost "
            "(--open-cost) to accept open seats")
    if solved.open and w.open_shift is None:
        lines = [f"cannot staff {o['shift']}: {o['seats_open']} of {o['seats']} seat(s): {o['reason']}"
                 for o in tables["open"].to_dict("records")]
        hint = "give an open-shift cost, --open-cost, to leave them open"
        if len(lines) == 1:
            raise InputError(f"{people.source}: {lines[0]} ({hint})")
        raise InputError.several(
            f"{people.source}: cannot staff {len(lines)} shift(s) of {r.source} ({hint}):", lines)
    tz = time_zone or r.time_zone() or "UTC"
    return Assignment(plan, solved, tables["schedule"], tables["open"], tables["hours"],
                      tables["fairness"], tables["grid"], tz, extra=tables["extra"])
