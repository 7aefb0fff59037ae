"""The roster: shifts with their breaks, coverage per team and slot, paid hours and cost, and
the scenario that simulates it.

A :class:`Roster` is built from the integer program's answer (:func:`roster_from_solution`); its
coverage is recomputed from the shifts themselves (not read back from the solver), so what the
tables say is what the shifts give.
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from staffsim._version import __version__
from staffsim.formatting import ranges_text
from staffsim.io import dumps, output_batch, write_tables, write_text
from staffsim.metrics import slot_labels
from staffsim.requirement import Requirement
from staffsim.scenarios.scenario import Scenario, scenario_from_dict
from staffsim.scheduling.candidates import DAY, Problem, overlap_shares
from staffsim.scheduling.milp import Solution
from staffsim.scheduling.rules import Rules, format_duration
from staffsim.units import format_clock

SHIFT_COLUMNS = ["team", "template", "day", "start", "end", "agents", "paid_hours", "breaks"]
COVERAGE_COLUMNS = ["team", "day", "slot_start", "required", "scheduled", "on_break", "on_phones",
                    "surplus"]


@dataclass(frozen=True)
class ShiftRow:
    """Agents of one team working one template on one day with the same breaks (times in
    seconds from midnight of day 1)."""

    team: str
    template: str
    day: int
    start: float
    end: float
    agents: int
    breaks: tuple[tuple[float, float], ...]  # (start, length)
    gap: tuple[float, float] | None = None  # a split shift's unpaid pause (start, end)
    unpaid: float = 0.0  # unpaid break time of one agent (seconds)
    cost: float = 0.0  # of one agent on this shift
    breaks_paid: tuple[bool, ...] = ()  # per break of ``breaks``, in order (empty: all paid)

    @property
    def paid_hours(self) -> float:
        """Paid hours of all its agents: the shift, less a split shift's gap and unpaid breaks."""
        gap = self.gap[1] - self.gap[0] if self.gap else 0.0
        return self.agents * (self.end - self.start - gap - self.unpaid) / 3600.0

    @property
    def parts(self) -> tuple[tuple[float, float], ...]:
        """The worked parts (start, end): one, or two for a split shift."""
        if self.gap is None:
            return ((self.start, self.end),)
        return ((self.start, self.gap[0]), (self.gap[1], self.end))


@dataclass(frozen=True, eq=False)
class Roster:
    """A roster for the teams of a rules file.

    - ``shifts``: one row per team × template × day × start × break placement, with ``agents``,
      ``paid_hours`` and the breaks as ``HH:MM (length)``; ``rows`` the same as :class:`ShiftRow`;
    - ``tours``: for teams with tours, one row per tour (template, start, days worked, agents);
    - ``coverage``: per team and slot the ``required`` agents on the phones, ``scheduled`` agents
      on a shift, ``on_break`` (agents, time-averaged over the slot), ``on_phones`` =
      (scheduled − on break) × (1 − shrinkage) and ``surplus`` = on phones − required;
    - ``paid_hours`` and ``cost`` (paid hours × the team's rate) over the horizon;
    - ``objective``, ``lp_bound`` (LP relaxation), ``dual_bound`` (the solver's final bound),
      ``gap`` (relative), ``optimal``, ``status``, ``solve_s``: how good the answer is proven;
    - ``verification``: the closed loop's record when the roster was verified by simulation;
    - ``basis``: ``team`` (a requirement per team) or ``channel`` (per channel, covered by the
      teams with the skill); then ``required`` is per channel, ``coverage``'s ``required`` is what
      the team gives the channels (agents on the phones), and ``channel_coverage`` has per channel
      and slot the ``required`` agents of standard speed, the ``covered`` ones and each team's
      share (``from_<team>``); for backlog channels ``due`` and ``done`` (cumulative agent-slots);
    - ``people``: people on the roster (tours), or agents on shifts summed over days (agent-days);
      ``people_optimal``: with the ``people`` objective, whether the fewest at least cost is proven;
      ``components``: the independent parts the program was solved in;
    - ``agents``: the roster person by person (:func:`agent_rows`; written as ``agents.csv``).
    """

    scenario: Scenario
    rules: Rules
    requirement: Requirement
    required: dict[str, np.ndarray]
    rows: tuple[ShiftRow, ...]
    shifts: pd.DataFrame
    tours: pd.DataFrame
    coverage: pd.DataFrame
    paid_hours: float
    cost: float
    objective: float
    lp_bound: float
    dual_bound: float
    gap: float
    optimal: bool
    status: str
    solve_s: float
    version: str = __version__
    verification: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    basis: str = "team"
    channel_coverage: pd.DataFrame | None = None
    people: int = 0
    people_optimal: bool | None = None
    components: int = 1
    agents: pd.DataFrame | None = None

    @property
    def teams(self) -> list[str]:
        return list(self.rules.spec.teams)

    @property
    def currency(self) -> str:
        return self.scenario.spec.costs.currency

    def short_slots(self) -> pd.DataFrame:
        """Coverage rows where the agents on the phones fall short of the requirement."""
        return self.coverage[self.coverage["surplus"] < -1e-9]

    def coverage_summary(self) -> pd.DataFrame:
        """Per team: required and on-the-phones agent hours, surplus hours, slots short, peaks."""
        slot_h = self.scenario.spec.horizon.slot / 3600.0
        rows = []
        for team, cov in self.coverage.groupby("team", sort=False):
            rows.append({
                "team": team,
                "required_hours": float(cov["required"].sum() * slot_h),
                "on_phones_hours": float(cov["on_phones"].sum() * slot_h),
                "surplus_hours": float(cov["surplus"].sum() * slot_h),
                "slots_short": int((cov["surplus"] < -1e-9).sum()),
                "peak_required": int(cov["required"].max()),
                "peak_scheduled": int(cov["scheduled"].max()),
                "paid_hours": float(self.shifts.loc[self.shifts["team"] == team, "paid_hours"].sum()),
            })
        return pd.DataFrame(rows)

    def provenance(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name, "source": self.scenario.source,
            "rules": self.rules.source, "requirement_method": self.requirement.method,
            "requirement": self.requirement.provenance(), "version": self.version,
            "paid_hours": self.paid_hours, "cost": self.cost, "currency": self.currency,
            "objective": self.objective, "lp_bound": self.lp_bound, "dual_bound": self.dual_bound,
            "gap": self.gap, "optimal": self.optimal, "status": self.status, "solve_s": self.solve_s,
            "basis": self.basis, "people": self.people, "people_optimal": self.people_optimal,
            "objective_kind": self.rules.spec.objective, "components": self.components,
        }

    # ------------------------------------------------------------------ as a scenario
    def scenario_data(self, directory: str | Path | None = None) -> dict[str, Any]:
        """The scenario's plain data with the rostered teams' ``shifts`` replaced by the roster
        (other groups untouched). ``directory``: where the data will be written; relative file
        references are rewritten to resolve from there."""
        raw = copy.deepcopy(self.scenario.raw)
        multi_day = self.scenario.spec.horizon.days > 1
        for team in self.teams:
            group = next(g for g in raw["agents"] if g.get("group") == team)
            group.pop("staffing", None)
            group.pop("shrinkage", None)
            group["shifts"] = [part for r in self.rows if r.team == team for part in _shift_data(r, multi_day)]
        raw["name"] = f"{self.scenario.name} - roster"
        raw["description"] = (f"Roster for {', '.join(self.teams)} by staffsim schedule (rules "
                              f"{self.rules.source or 'given in Python'}, requirement "
                              f"{self.requirement.method}); the other groups as in "
                              f"{self.scenario.source or self.scenario.name}.")
        if directory is not None and self.scenario.base_dir is not None:
            _rebase_files(raw, Path(self.scenario.base_dir), Path(directory))
        return raw

    def to_scenario(self) -> Scenario:
        """A Scenario whose rostered teams work the roster's shifts (other groups untouched)."""
        return scenario_from_dict(self.scenario_data(), source=self.scenario.source,
                                  base_dir=self.scenario.base_dir)

    def to_dict(self) -> dict[str, Any]:
        out = {**self.provenance(), "shifts": self.shifts, "tours": self.tours,
               "coverage": self.coverage, "coverage_summary": self.coverage_summary()}
        if self.channel_coverage is not None:
            out["channel_coverage"] = self.channel_coverage
        if self.verification is not None:
            out["verification"] = self.verification.to_dict()
        return out

    def write(self, directory: str | Path, **formats: Any) -> list[Path]:
        """``shifts.csv``, ``coverage.csv`` (``tours.csv``), ``roster.yaml`` (a scenario that
        ``staffsim run`` simulates as it is) and ``roster.json``, all or nothing. ``formats``:
        ``csv_dialect`` and ``xlsx`` (a workbook name) as :func:`staffsim.io.write_tables` takes."""
        directory = Path(directory)
        tables = {"shifts": self.shifts, "coverage": self.coverage}
        if self.channel_coverage is not None:
            tables["channel_coverage"] = self.channel_coverage
        if self.agents is not None:
            tables["agents"] = self.agents
        if not self.tours.empty:
            tables["tours"] = self.tours
        if self.verification is not None:
            tables["rounds"] = self.verification.rounds
            tables["still_missing"] = self.verification.missing
        with output_batch():
            return self._write(directory, tables, formats)

    def _write(self, directory: Path, tables: dict, formats: dict) -> list[Path]:
        written = write_tables(directory, tables, currency=self.currency, **formats)
        data = self.scenario_data(directory)
        header = (f"# Roster from staffsim {self.version}: scenario {self.scenario.source or self.scenario.name}, "
                  f"rules {self.rules.source or 'given in Python'}, requirement {self.requirement.method}.\n"
                  f"# Paid hours {self.paid_hours:.2f}, cost {self.cost:.2f} {self.currency}, "
                  f"gap {self.gap:.4%}. Run it with: staffsim run roster.yaml\n")
        text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        written.append(write_text(directory / "roster.yaml", text))
        written.append(write_text(directory / "roster.json", dumps(self.to_dict())))
        return written


def _shift_data(r: ShiftRow, multi_day: bool) -> list[dict[str, Any]]:
    """The scenario's shift entries for one row: one, or one per part of a split shift."""
    base = (r.day - 1) * DAY
    out = []
    for lo, hi in r.parts:
        item: dict[str, Any] = {"start": format_clock(lo - base), "end": format_clock(hi - base),
                                "agents": int(r.agents)}
        paid = r.breaks_paid or (True,) * len(r.breaks)
        inside = [(s, length, p) for (s, length), p in zip(r.breaks, paid) if lo <= s < hi]
        if inside:  # an unpaid break says so (the simulation then leaves it out of the paid hours)
            item["breaks"] = [{"start": format_clock(s - base), "length": format_duration(length),
                               **({} if p else {"paid": False})} for s, length, p in inside]
        if multi_day:
            item["days"] = [int(r.day)]
        out.append(item)
    return out


def _rebase_files(data: Any, old_dir: Path, new_dir: Path) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "file" and isinstance(value, str) and not Path(value).is_absolute():
                data[key] = os.path.relpath(Path(old_dir).resolve() / value, Path(new_dir).resolve())
            else:
                _rebase_files(value, old_dir, new_dir)
    elif isinstance(data, list):
        for item in data:
            _rebase_files(item, old_dir, new_dir)


def shift_rows(problem: Problem, solution: Solution) -> list[ShiftRow]:
    """The solver's headcounts as shifts with breaks: the agents of a shift type take its
    breaks' placements in order (first agent: earliest of each break), which keeps every agent's
    breaks in their windows, in order and apart (the windows do not overlap)."""
    rows = []
    for i, s in enumerate(problem.shifts):
        n = int(solution.x[i])
        if n <= 0:
            continue
        per_break = []
        for b, w in zip(s.breaks, solution.w[i]):
            starts = np.repeat(b.starts, w)
            if len(starts) != n:
                raise RuntimeError(f"break placements ({len(starts)}) differ from agents ({n})")
            per_break.append([(float(t), b.length) for t in starts])
        combos = Counter(tuple(c) for c in zip(*per_break)) if per_break else Counter({(): n})
        for combo, agents in sorted(combos.items()):
            rows.append(ShiftRow(problem.teams[s.team], s.template, s.day, s.start, s.end, agents, combo,
                                 s.gap, s.unpaid, s.money, tuple(b.paid for b in s.breaks)))
    return rows


def on_phones(scenario: Scenario, problem: Problem, rows: list[ShiftRow]) -> dict[str, tuple]:
    """Team → (scheduled, on break, on the phones) per slot, from the shifts themselves."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    out = {}
    for g, team in enumerate(problem.teams):
        scheduled = np.zeros(h.n_slots)
        on_break = np.zeros(h.n_slots)
        for r in rows:
            if r.team != team:
                continue
            for lo, hi in r.parts:
                idx, share = overlap_shares(starts, h.slot, lo, hi)
                scheduled[idx] += r.agents * share
            for bs, length in r.breaks:
                idx, share = overlap_shares(starts, h.slot, bs, bs + length)
                on_break[idx] += r.agents * share
        out[team] = (scheduled, on_break, (scheduled - on_break) * (1.0 - problem.shrinkage[g]))
    return out


AGENT_COLUMNS = ["agent", "team", "template", "contract", "day", "start", "end", "paid_hours", "breaks"]


def agent_rows(problem: Problem, solution: Solution) -> pd.DataFrame:
    """The roster person by person: one row per agent and day worked. On a toured team an agent
    is one person over the horizon (``agent`` = team/tour/number, the same on every day of the
    tour; with a start band the day's start is handed out in order of the solver's counts); on
    other teams each agent-day is its own ``agent``. Each day's break placements are handed out
    to the agents on that shift in order (any order keeps every break in its window)."""
    per_shift: dict[int, list[tuple[str, str]]] = {}  # shift index -> [(agent, contract)]
    for p, tour in enumerate(problem.tours):
        n = int(solution.y[p])
        if n <= 0:
            continue
        ids = [f"{problem.teams[tour.team]}/t{p}/{j + 1:03d}" for j in range(n)]
        for k, i in enumerate(tour.shifts):
            if solution.z and (p, k) in solution.z:
                counts = solution.z[(p, k)]
                opts = tour.options[k]
            else:
                counts, opts = [n], [i]
            j = 0
            for opt, c in zip(opts, counts):
                for _ in range(int(c)):
                    per_shift.setdefault(opt, []).append((ids[j], tour.contract))
                    j += 1
    records = []
    for i, s in enumerate(problem.shifts):
        n = int(solution.x[i])
        if n <= 0:
            continue
        people = per_shift.get(i) or [(f"{problem.teams[s.team]}/d{s.day}/s{i}/{j + 1:03d}", "") for j in range(n)]
        if len(people) != n:
            raise RuntimeError(f"shift {i}: {len(people)} agents from the tours, {n} on the shift")
        per_break = [np.repeat(b.starts, w) for b, w in zip(s.breaks, solution.w[i])]
        base = (s.day - 1) * DAY
        for j, (who, contract) in enumerate(people):
            text = [f"{format_clock(float(pb[j]) - base)} ({format_duration(b.length)}"
                    f"{'' if b.paid else ', unpaid'})" for b, pb in zip(s.breaks, per_break)]
            if s.gap is not None:
                text.append(f"split {format_clock(s.gap[0] - base)}-{format_clock(s.gap[1] - base)} (unpaid)")
            records.append({"agent": who, "team": problem.teams[s.team], "template": s.template,
                            "contract": contract, "day": s.day, "start": format_clock(s.start - base),
                            "end": format_clock(s.end - base), "paid_hours": s.paid_hours,
                            "breaks": ", ".join(text)})
    frame = pd.DataFrame(records, columns=AGENT_COLUMNS)
    return frame.sort_values(["team", "agent", "day"], kind="stable").reset_index(drop=True)


def coverage_table(scenario: Scenario, problem: Problem, rows: list[ShiftRow],
                   given: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Per team and slot: required, scheduled, on break, on the phones, surplus — from the
    shifts themselves. ``given`` (per-channel requirement): team → agents on the phones it gives
    the channels, shown as its ``required``."""
    day, labels = slot_labels(scenario)
    phones = on_phones(scenario, problem, rows)
    frames = []
    for g, team in enumerate(problem.teams):
        scheduled, on_break, on = phones[team]
        required = problem.required[g] if given is None else given[team]
        frames.append(pd.DataFrame({
            "team": team, "day": day, "slot_start": labels,
            "required": required if given is not None else required.astype(np.int64),
            "scheduled": np.round(scheduled).astype(np.int64), "on_break": on_break,
            "on_phones": on, "surplus": on - required,
        }))
    return pd.concat(frames, ignore_index=True)[COVERAGE_COLUMNS]


def channel_summary(roster: Roster) -> pd.DataFrame:
    """Per channel (per-channel requirement): required and covered agent hours of standard speed,
    each team's agent hours on it, the slots short (backlog: the slots where work done falls behind
    what is due)."""
    cov = roster.channel_coverage
    slot_h = roster.scenario.spec.horizon.slot / 3600.0
    rows = []
    for channel, c in cov.groupby("channel", sort=False):
        backlog = bool(c["backlog"].iloc[0])
        row = {"channel": channel, "backlog": backlog,
               "required_hours": float(c["required"].sum() * slot_h),
               "covered_hours": float(c["covered"].sum() * slot_h)}
        for col in c.columns:
            if col.startswith("from_"):
                row[col] = float(c[col].sum() * slot_h)
        short = (c["done"] < c["due"] - 1e-6) if backlog else (c["covered"] < c["required"] - 1e-6)
        row["slots_short"] = int(short.sum())
        rows.append(row)
    return pd.DataFrame(rows)


def channel_coverage_table(scenario: Scenario, problem: Problem, solution: Solution) -> pd.DataFrame:
    """Per channel and slot (per-channel requirement): required agents of standard speed, those
    covered (Σ teams' agents given × their worth), each team's agents given (``from_<team>``) and,
    for backlog channels, the cumulative standard agent-slots due, done and arrived."""
    day, labels = slot_labels(scenario)
    frames = []
    for d, dem in enumerate(problem.demands):
        covered = np.zeros(problem.n_slots)
        frame = pd.DataFrame({"channel": dem.name, "day": day, "slot_start": labels,
                              "required": dem.required.astype(np.int64)})
        for g, team in enumerate(problem.teams):
            f = solution.flows.get((d, g), np.zeros(problem.n_slots)) if g in dem.teams else np.zeros(problem.n_slots)
            covered += f * dem.teams.get(g, 0.0)
            frame[f"from_{team}"] = f
        frame.insert(4, "covered", covered)
        frame["backlog"] = dem.backlog
        frame["due"] = dem.due if dem.backlog else np.nan
        frame["done"] = np.cumsum(covered) if dem.backlog else np.nan
        frame["arrived"] = dem.arrived if dem.backlog else np.nan
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["channel", "day", "slot_start", "required", "covered"])
    return pd.concat(frames, ignore_index=True)


def roster_from_solution(scenario: Scenario, rules: Rules, requirement: Requirement, problem: Problem,
                         solution: Solution) -> Roster:
    """The :class:`Roster` of the integer program's answer (coverage recomputed from the shifts)."""
    rows = shift_rows(problem, solution)
    records = []
    for r in rows:
        base = (r.day - 1) * DAY
        paid = r.breaks_paid or (True,) * len(r.breaks)
        text = [f"{format_clock(s - base)} ({format_duration(length)}{'' if ok else ', unpaid'})"
                for (s, length), ok in zip(r.breaks, paid)]
        if r.gap is not None:
            text.append(f"split {format_clock(r.gap[0] - base)}-{format_clock(r.gap[1] - base)} (unpaid)")
        records.append({
            "team": r.team, "template": r.template, "day": r.day,
            "start": format_clock(r.start - base), "end": format_clock(r.end - base),
            "agents": r.agents, "paid_hours": r.paid_hours, "breaks": ", ".join(text),
        })
    shifts = pd.DataFrame(records, columns=SHIFT_COLUMNS)
    tours = []
    for p, tour in enumerate(problem.tours):
        if solution.y[p] > 0:
            s = problem.shifts[tour.shifts[0]]
            if tour.templates:  # mixed templates: the longest day, the paid hours of the days worked
                span = max(problem.shifts[i].end - problem.shifts[i].start for i in tour.shifts)
                hours = sum(problem.shifts[i].paid_hours for i in tour.shifts)
            else:
                span, hours = s.end - s.start, len(tour.days) * s.paid_hours
            row = {"team": problem.teams[tour.team], "template": tour.template,
                   "start": format_clock(tour.clock), "end": format_clock(tour.clock + span),
                   "days": ranges_text(tour.days), "agents": int(solution.y[p]),
                   "paid_hours": float(solution.y[p] * hours)}
            if any(t.banded for t in problem.tours):
                row["latest_start"] = format_clock(max(problem.shifts[j].start % DAY
                                                       for opts in tour.options for j in opts))
            if any(t.contract for t in problem.tours):
                row["contract"] = tour.contract
            tours.append(row)
    tour_cols = ["team", "template", "start", "end", "days", "agents", "paid_hours"]
    if any(t.banded for t in problem.tours):
        tour_cols.insert(3, "latest_start")
    if any(t.contract for t in problem.tours):
        tour_cols.append("contract")
    tours_frame = pd.DataFrame(tours, columns=tour_cols)
    paid = float(shifts["paid_hours"].sum()) if len(shifts) else 0.0
    cost = float(sum(r.agents * r.cost for r in rows))
    given = None
    channel_cov = None
    if problem.basis == "channel":
        given = {team: sum((solution.flows.get((d, g), np.zeros(problem.n_slots))
                            for d in range(len(problem.demands))), np.zeros(problem.n_slots))
                 for g, team in enumerate(problem.teams)}
        channel_cov = channel_coverage_table(scenario, problem, solution)
    return Roster(
        scenario=scenario, rules=rules, requirement=requirement,
        required={k: (problem.required[g] if problem.basis == "team" else problem.demands[g].required).copy()
                  for g, k in enumerate(problem.keys)},
        rows=tuple(rows), shifts=shifts, tours=tours_frame,
        coverage=coverage_table(scenario, problem, rows, given), paid_hours=paid, cost=cost,
        objective=solution.objective, lp_bound=solution.lp_bound, dual_bound=solution.dual_bound,
        gap=solution.gap, optimal=solution.optimal, status=solution.status, solve_s=solution.solve_s,
        basis=problem.basis, channel_coverage=channel_cov, people=solution.people,
        people_optimal=solution.people_optimal, components=solution.components,
        agents=agent_rows(problem, solution),
    )
