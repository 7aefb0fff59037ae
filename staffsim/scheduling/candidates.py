"""From rules and a scenario's horizon to the candidate shifts of the integer program.

:func:`build_problem` checks the rules against the scenario (teams exist, lengths and starts on
the slot grid, every template fits the opening hours on some day it may work) and lays out every
shift a template allows: one :class:`ShiftType` per (team, template, day, start), each with the
start options of every break, and the tours (for a team with ``tours:``). It works from the
horizon's slot starts (``horizon.slot_starts()``), never from a fixed number of slots a day, so a
horizon whose days open at different hours works the same way: each day's opening hours are the
span of that day's slots.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from staffsim.errors import InputError
from staffsim.scenarios.scenario import Scenario
from staffsim.scheduling.rules import Rules, format_duration
from staffsim.scheduling.size import check_problem_size
from staffsim.units import format_clock

DAY = 86400.0


@dataclass(frozen=True)
class BreakOptions:
    """The places one break of one shift may go: ``starts`` (seconds from midnight of day 1)
    and, for each, the slots it overlaps (``slots[j]``) with the share of each slot it takes
    (``shares[j]``)."""

    name: str
    length: float
    starts: np.ndarray
    slots: list[np.ndarray]
    shares: list[np.ndarray]


@dataclass(frozen=True)
class ShiftType:
    """One shift a template allows: team index, template, day (from 1), start and end (seconds
    from midnight of day 1), the slots it covers, its cost and paid hours for one agent."""

    team: int
    template: str
    day: int
    start: float
    end: float
    slots: np.ndarray
    cost: float
    paid_hours: float
    part_time: bool
    breaks: tuple[BreakOptions, ...]


@dataclass(frozen=True)
class Tour:
    """Agents of ``team`` working ``template`` at clock time ``clock`` on ``days`` (from 1):
    ``shifts`` are the indices of the day's :class:`ShiftType`."""

    team: int
    template: str
    clock: float
    days: tuple[int, ...]
    shifts: tuple[int, ...]


@dataclass(frozen=True)
class Limit:
    """``lo <= sum of variables[indices] <= hi`` on shift (``kind="shift"``) or tour variables."""

    kind: str
    indices: np.ndarray
    lo: float
    hi: float
    label: str


@dataclass(frozen=True)
class PartTimeShare:
    """Part-time shifts of a team at most ``share`` of all its shifts (agent-days)."""

    team: int
    part_time: np.ndarray
    all: np.ndarray
    share: float


@dataclass
class Problem:
    """Everything the integer program needs, in horizon slots (``n_slots``)."""

    n_slots: int
    slot_s: float
    teams: list[str]
    required: np.ndarray  # (teams, slots) agents on the phones
    shrinkage: np.ndarray  # (teams,)
    penalty: list[float | None]
    rates: list[float]
    shifts: list[ShiftType]
    tours: list[Tour] = field(default_factory=list)
    toured: set[int] = field(default_factory=set)
    limits: list[Limit] = field(default_factory=list)
    part_time: list[PartTimeShare] = field(default_factory=list)

    def with_required(self, required: np.ndarray) -> Problem:
        return Problem(self.n_slots, self.slot_s, self.teams, np.asarray(required, np.int64),
                       self.shrinkage, self.penalty, self.rates, self.shifts, self.tours, self.toured,
                       self.limits, self.part_time)


@dataclass(frozen=True)
class _Day:
    number: int  # from 1
    first: int  # index of its first slot
    open: float  # seconds from midnight of day 1
    close: float


def horizon_days(scenario: Scenario) -> list[_Day]:
    """Each day of the horizon with its first slot index and opening hours (from the slots)."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    day = (starts // DAY).astype(int)
    out = []
    for d in np.unique(day):
        idx = np.flatnonzero(day == d)
        out.append(_Day(int(d) + 1, int(idx[0]), float(starts[idx[0]]), float(starts[idx[-1]] + h.slot)))
    return out


def overlap_shares(starts: np.ndarray, slot: float, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Slots overlapping [lo, hi) and the share of each slot covered."""
    cover = np.clip(np.minimum(starts + slot, hi) - np.maximum(starts, lo), 0.0, None) / slot
    idx = np.flatnonzero(cover > 1e-12)
    return idx, cover[idx]


def _on_grid(value: float, grid: float) -> bool:
    q = value / grid
    return abs(q - round(q)) < 1e-9


def team_rate(scenario: Scenario, rules: Rules, team: str) -> float:
    """Cost per paid hour: the rules' ``cost_per_hour``, else the scenario's ``agent_hour``."""
    r = rules.spec.teams[team].cost_per_hour
    return float(r) if r is not None else scenario.spec.costs.rate("agent_hour", team)


def build_problem(scenario: Scenario, rules: Rules, required: dict[str, np.ndarray]) -> Problem:
    """The candidate shifts, breaks, tours and limits for ``rules`` on ``scenario``'s horizon;
    ``required``: team → agents on the phones needed in every slot."""
    src = rules.label
    check_problem_size(scenario, rules)  # refused before anything is built when beyond the limits
    h = scenario.spec.horizon
    slot = h.slot
    starts = h.slot_starts()
    days = horizon_days(scenario)
    groups = [g.group for g in scenario.spec.agents]
    teams = list(rules.spec.teams)
    for name in teams:
        if name not in groups:
            raise InputError(f"{src}: teams.{name}: not a group of the scenario "
                             f"{scenario.source or scenario.name!r} (groups: {', '.join(groups)})")
        if name not in required:
            raise InputError(f"{src}: teams.{name}: the requirement has no rows for this team")
    grid0 = float(starts[0] % DAY)
    shifts: list[ShiftType] = []
    tours: list[Tour] = []
    limits: list[Limit] = []
    part_time: list[PartTimeShare] = []
    toured: set[int] = set()
    for ti, name in enumerate(teams):
        team = rules.spec.teams[name]
        rate = team_rate(scenario, rules, name)
        weight = rate if rate > 0 else 1.0  # no rate: least paid hours
        team_shifts: list[int] = []
        by_key: dict[tuple[str, float], dict[int, int]] = {}
        for k, t in enumerate(team.templates):
            where = f"{src}: teams.{name}.templates.{k} ({t.name})"
            step = t.start_step if t.start_step is not None else slot
            if not _on_grid(t.length, slot):
                raise InputError(f"{where}.length: {format_duration(t.length)} is not a whole number of the "
                                 f"horizon's {format_duration(slot)} slots")
            if not _on_grid(step, slot):
                raise InputError(f"{where}.start_step: {format_duration(step)} is not a whole number of the "
                                 f"horizon's {format_duration(slot)} slots")
            if not _on_grid(t.earliest_start - grid0, slot):
                raise InputError(f"{where}.earliest_start: {format_clock(t.earliest_start)} is not on the "
                                 f"slot grid ({format_duration(slot)} slots from {format_clock(grid0)})")
            for d in t.days or []:
                if d > len(days):
                    raise InputError(f"{where}.days: day {d} is outside the horizon's 1..{len(days)}")
            allowed = set(t.days) if t.days else {d.number for d in days}
            count = 0
            per_day: dict[int, list[int]] = {}
            for day in days:
                if day.number not in allowed:
                    continue
                base = (day.number - 1) * DAY
                clock = t.earliest_start
                while clock <= t.latest_start + 1e-9:
                    lo = base + clock
                    hi = lo + t.length
                    if lo >= day.open - 1e-9 and hi <= day.close + 1e-9:
                        slots_idx, _ = overlap_shares(starts, slot, lo, hi)
                        options = []
                        for b in t.breaks:
                            bstep = b.step if b.step is not None else slot
                            n = int(np.floor((b.latest - b.earliest) / bstep + 1e-9)) + 1
                            bstarts = lo + b.earliest + bstep * np.arange(n)
                            cov = [overlap_shares(starts, slot, s, s + b.length) for s in bstarts]
                            options.append(BreakOptions(b.name, b.length, bstarts,
                                                        [c[0] for c in cov], [c[1] for c in cov]))
                        hours = t.length / 3600.0
                        shifts.append(ShiftType(ti, t.name, day.number, lo, hi, slots_idx,
                                                weight * hours, hours, t.part_time, tuple(options)))
                        i = len(shifts) - 1
                        team_shifts.append(i)
                        per_day.setdefault(day.number, []).append(i)
                        by_key.setdefault((t.name, clock), {})[day.number] = i
                        count += 1
                    clock += step
            if count == 0:
                hours = ", ".join(sorted({f"{format_clock(d.open % DAY)}-{format_clock(d.close - (d.number - 1) * DAY)}"
                                          for d in days}))
                raise InputError(
                    f"{where}: never fits the opening hours ({hours}): a {format_duration(t.length)} shift starting "
                    f"{format_clock(t.earliest_start)}-{format_clock(t.latest_start)} would run past closing "
                    "or start before opening on every day it may work")
            for d, idx in per_day.items():
                if t.min_agents > 0 or t.max_agents is not None:
                    hi_ = float(t.max_agents) if t.max_agents is not None else np.inf
                    limits.append(Limit("shift", np.array(idx), float(t.min_agents), hi_,
                                        f"teams.{name}.templates.{k} ({t.name}) min/max_agents on day {d}"))
        if team.tours is not None:
            toured.add(ti)
            n_days = len(days)
            patterns = _tour_patterns(team.tours.work_days, team.tours.off_days,
                                      team.tours.consecutive_off, n_days)
            for (tname, clock), on_days in by_key.items():
                for pattern in patterns:
                    worked = tuple(days[j].number for j in range(n_days) if pattern[j])
                    if worked and all(d in on_days for d in worked):
                        tours.append(Tour(ti, tname, clock, worked, tuple(on_days[d] for d in worked)))
            mine = [j for j, tr in enumerate(tours) if tr.team == ti]
            if not mine:
                raise InputError(f"{src}: teams.{name}.tours: no template can be worked on every day of "
                                 f"any {team.tours.work_days}-on / {team.tours.off_days}-off tour of the "
                                 f"{n_days}-day horizon (check the templates' days)")
            if team.headcount is not None:
                limits.append(Limit("tour", np.array(mine), 0.0, float(team.headcount),
                                    f"teams.{name}.headcount"))
        elif team.headcount is not None:
            for day in days:
                idx = [i for i in team_shifts if shifts[i].day == day.number]
                if idx:
                    limits.append(Limit("shift", np.array(idx), 0.0, float(team.headcount),
                                        f"teams.{name}.headcount on day {day.number}"))
        if team.max_part_time_share is not None:
            pt = np.array([i for i in team_shifts if shifts[i].part_time], dtype=np.int64)
            part_time.append(PartTimeShare(ti, pt, np.array(team_shifts, dtype=np.int64),
                                           team.max_part_time_share))
    req = np.zeros((len(teams), h.n_slots), np.int64)
    for ti, name in enumerate(teams):
        r = np.asarray(required[name], np.int64)
        if r.shape != (h.n_slots,):
            raise InputError(f"requirement for {name!r} has {r.size} slots, the horizon {h.n_slots}")
        req[ti] = r
    return Problem(
        n_slots=h.n_slots, slot_s=slot, teams=teams, required=req,
        shrinkage=np.array([rules.spec.teams[n].shrinkage for n in teams]),
        penalty=[rules.spec.teams[n].missing_agent_slot_penalty for n in teams],
        rates=[team_rate(scenario, rules, n) for n in teams],
        shifts=shifts, tours=tours, toured=toured, limits=limits, part_time=part_time,
    )


def _tour_patterns(work: int, off: int, consecutive: bool, n_days: int) -> list[tuple[bool, ...]]:
    """Which days of the horizon a tour works: the cycle of ``work + off`` days repeated from day
    1, in every rotation (consecutive days off) or every choice of ``off`` days in the cycle."""
    cycle = work + off
    if consecutive:
        on_sets = [{(j - r) % cycle for j in range(work)} for r in range(cycle)]
    else:
        on_sets = [set(c) for c in itertools.combinations(range(cycle), work)]
    patterns = {tuple((d % cycle) in on for d in range(n_days)) for on in on_sets}
    return sorted(p for p in patterns if any(p))
