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
from dataclasses import dataclass, field, replace

import numpy as np

from staffsim.erlang_plan import backlog_channel_plan
from staffsim.errors import InputError
from staffsim.limits import MAX_MILP_COLUMNS
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
    paid: bool = True


@dataclass(frozen=True)
class ShiftType:
    """One shift a template allows: team index, template, day (from 1), start and end (seconds
    from midnight of day 1), the slots it covers, its cost and paid hours for one agent;
    ``gap`` the unpaid pause (start, end) of a split shift, ``unpaid`` the unpaid break time
    (seconds) of one agent."""

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
    gap: tuple[float, float] | None = None
    unpaid: float = 0.0
    money: float = 0.0  # what one agent on it costs (rate × paid hours + cost per shift)


@dataclass(frozen=True)
class Tour:
    """Agents of ``team`` working ``template`` at clock time ``clock`` on ``days`` (from 1):
    ``shifts`` are the indices of the day's :class:`ShiftType` at ``clock``; ``options[k]`` the
    shifts the agents may work on ``days[k]`` (starts from ``clock`` to ``clock`` + the start
    band; just ``shifts[k]`` without a band); ``contract`` the contract type ("" without).
    A tour of a contract with ``mix_templates`` works ``templates[k]`` on ``days[k]`` (its
    ``template`` then names them in order, joined by "/"); empty: ``template`` every day."""

    team: int
    template: str
    clock: float
    days: tuple[int, ...]
    shifts: tuple[int, ...]
    options: tuple[tuple[int, ...], ...] = ()
    contract: str = ""
    templates: tuple[str, ...] = ()

    @property
    def banded(self) -> bool:
        return any(len(o) > 1 for o in self.options)


@dataclass(frozen=True)
class Demand:
    """A channel's requirement, covered by several teams (``basis="channel"``).

    ``required``: agents of standard speed per slot (slot-by-slot cover); ``teams``: team index →
    agents of standard speed one of its agents on the phones is worth (1 / its handle-time
    factor); ``due`` / ``arrived``: for backlog (deferrable) work, the cumulative standard
    agent-slots of work that must be done / that has arrived by the end of each slot (the cover
    is then cumulative, not per slot); ``open``: the slots in which the channel may be worked."""

    name: str
    required: np.ndarray
    teams: dict[int, float]
    open: np.ndarray
    due: np.ndarray | None = None
    arrived: np.ndarray | None = None

    @property
    def backlog(self) -> bool:
        return self.due is not None


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
    demands: list[Demand] = field(default_factory=list)
    over_penalty: list[float] = field(default_factory=list)  # per team, per agent-hour on the phones
    objective: str = "cost"
    basis: str = "team"  # "team" (a requirement per team) or "channel" (per channel, covered by teams)

    @property
    def keys(self) -> list[str]:
        """The requirement's keys: the teams, or the channels that have work."""
        return [d.name for d in self.demands] if self.basis == "channel" else list(self.teams)

    def with_required(self, required: np.ndarray) -> Problem:
        """The same problem with another requirement (rows in the order of :attr:`keys`)."""
        required = np.asarray(required, np.int64)
        if self.basis == "channel":
            demands = [replace(d, required=required[k]) for k, d in enumerate(self.demands)]
            return replace(self, demands=demands)
        return replace(self, required=required)


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


def build_problem(scenario: Scenario, rules: Rules, required: dict[str, np.ndarray],
                  basis: str = "team", backlog: list[str] | tuple[str, ...] = ()) -> Problem:
    """The candidate shifts, breaks, tours and limits for ``rules`` on ``scenario``'s horizon;
    ``required``: team → agents on the phones needed in every slot (``basis="team"``), or
    channel → agents of standard speed (``basis="channel"``: the teams with the skill cover
    it; ``backlog`` channels are covered as deferrable work, cumulatively within their
    threshold)."""
    src = rules.label
    check_problem_size(scenario, rules)  # refused before anything is built when beyond the limits
    h = scenario.spec.horizon
    slot = h.slot
    starts = h.slot_starts()
    days = horizon_days(scenario)
    n_cal = max(int(h.days), days[-1].number)
    groups = [g.group for g in scenario.spec.agents]
    teams = list(rules.spec.teams)
    for name in teams:
        if name not in groups:
            raise InputError(f"{src}: teams.{name}: not a group of the scenario "
                             f"{scenario.source or scenario.name!r} (groups: {', '.join(groups)})")
        if basis == "team" and name not in required:
            raise InputError(f"{src}: teams.{name}: the requirement has no rows for this team")
    if basis == "team" and rules.spec.channels:
        raise InputError(f"{src}: channels: per-channel opening hours need a requirement per channel "
                         "(when a channel is served by several teams)")
    grid0 = float(starts[0] % DAY)
    shifts: list[ShiftType] = []
    tours: list[Tour] = []
    limits: list[Limit] = []
    part_time: list[PartTimeShare] = []
    toured: set[int] = set()
    for ti, name in enumerate(teams):
        team = rules.spec.teams[name]
        rate = team_rate(scenario, rules, name)
        team_shifts: list[int] = []
        by_key: dict[tuple[str, float], dict[int, int]] = {}
        for k, t in enumerate(team.templates):
            where = f"{src}: teams.{name}.templates.{k} ({t.name})"
            t_rate = float(t.cost_per_hour) if t.cost_per_hour is not None else rate
            weight = t_rate if (t_rate > 0 or t.cost_per_shift > 0) else 1.0  # no rate: least paid hours
            step = t.start_step if t.start_step is not None else slot
            for label, value in (("length", t.length), ("start_step", step)):
                if not _on_grid(value, slot):
                    raise InputError(f"{where}.{label}: {format_duration(value)} is not a whole number of the "
                                     f"horizon's {format_duration(slot)} slots")
            gaps = [0.0]
            if t.split is not None:
                gstep = t.split.gap_step if t.split.gap_step is not None else slot
                for label, value in (("split.first", t.split.first), ("split.gap_min", t.split.gap_min),
                                     ("split.gap_step", gstep)):
                    if not _on_grid(value, slot):
                        raise InputError(f"{where}.{label}: {format_duration(value)} is not a whole number of "
                                         f"the horizon's {format_duration(slot)} slots")
                n_gaps = int(np.floor((t.split.gap_max - t.split.gap_min) / gstep + 1e-9)) + 1
                gaps = [t.split.gap_min + gstep * j for j in range(n_gaps)]
            if not _on_grid(t.earliest_start - grid0, slot):
                raise InputError(f"{where}.earliest_start: {format_clock(t.earliest_start)} is not on the "
                                 f"slot grid ({format_duration(slot)} slots from {format_clock(grid0)})")
            for d in t.days or []:
                if d > n_cal:
                    raise InputError(f"{where}.days: day {d} is outside the horizon's 1..{n_cal}")
            allowed = set(t.days) if t.days else {d.number for d in days}
            count = 0
            per_day: dict[int, list[int]] = {}
            paid = (t.length - t.unpaid_s) / 3600.0
            for day in days:
                if day.number not in allowed:
                    continue
                base = (day.number - 1) * DAY
                clock = t.earliest_start
                while clock <= t.latest_start + 1e-9:
                    lo = base + clock
                    for g in gaps:
                        hi = lo + t.length + g
                        if not (lo >= day.open - 1e-9 and hi <= day.close + 1e-9):
                            continue
                        gap = None
                        if t.split is not None:
                            gap = (lo + t.split.first, lo + t.split.first + g)
                            idx1, _ = overlap_shares(starts, slot, lo, gap[0])
                            idx2, _ = overlap_shares(starts, slot, gap[1], hi)
                            slots_idx = np.concatenate([idx1, idx2])
                        else:
                            slots_idx, _ = overlap_shares(starts, slot, lo, hi)
                        options = []
                        for b in t.breaks:
                            bstep = b.step if b.step is not None else slot
                            n = int(np.floor((b.latest - b.earliest) / bstep + 1e-9)) + 1
                            origin = gap[1] if gap is not None and b.part == 2 else lo  # split: its part's start
                            bstarts = origin + b.earliest + bstep * np.arange(n)
                            cov = [overlap_shares(starts, slot, s_, s_ + b.length) for s_ in bstarts]
                            options.append(BreakOptions(b.name, b.length, bstarts,
                                                        [c[0] for c in cov], [c[1] for c in cov], b.paid))
                        shifts.append(ShiftType(ti, t.name, day.number, lo, hi, slots_idx,
                                                weight * paid + t.cost_per_shift, paid, t.part_time,
                                                tuple(options), gap, t.unpaid_s,
                                                t_rate * paid + t.cost_per_shift))
                        i = len(shifts) - 1
                        team_shifts.append(i)
                        per_day.setdefault(day.number, []).append(i)
                        if t.split is None or g == gaps[0]:
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
        caps = _day_caps(team.max_agents_per_day, n_cal, f"{src}: teams.{name}.max_agents_per_day")
        if team.tours is not None:
            toured.add(ti)
            first = len(tours)
            tours.extend(_team_tours(ti, name, team, by_key, days, n_cal, src, rules, slot))
            mine = list(range(first, len(tours)))
            if team.headcount is not None:
                limits.append(Limit("tour", np.array(mine), 0.0, float(team.headcount),
                                    f"teams.{name}.headcount"))
            for cname, c in (team.contracts or {}).items():
                if c.max_agents is not None:
                    idx = [j for j in mine if tours[j].contract == cname]
                    limits.append(Limit("tour", np.array(idx, dtype=np.int64), 0.0, float(c.max_agents),
                                        f"teams.{name}.contracts.{cname}.max_agents"))
            for d, cap in caps.items():
                idx = [j for j in mine if d in tours[j].days]
                if idx:
                    limits.append(Limit("tour", np.array(idx), 0.0, float(cap),
                                        f"teams.{name}.max_agents_per_day on day {d}"))
        else:
            for day in days:
                idx = [i for i in team_shifts if shifts[i].day == day.number]
                if not idx:
                    continue
                if team.headcount is not None:
                    limits.append(Limit("shift", np.array(idx), 0.0, float(team.headcount),
                                        f"teams.{name}.headcount on day {day.number}"))
                if day.number in caps:
                    limits.append(Limit("shift", np.array(idx), 0.0, float(caps[day.number]),
                                        f"teams.{name}.max_agents_per_day on day {day.number}"))
        if team.max_part_time_share is not None:
            pt = np.array([i for i in team_shifts if shifts[i].part_time], dtype=np.int64)
            part_time.append(PartTimeShare(ti, pt, np.array(team_shifts, dtype=np.int64),
                                           team.max_part_time_share))
    req = np.zeros((len(teams), h.n_slots), np.int64)
    demands: list[Demand] = []
    if basis == "team":
        for ti, name in enumerate(teams):
            r = np.asarray(required[name], np.int64)
            if r.shape != (h.n_slots,):
                raise InputError(f"requirement for {name!r} has {r.size} slots, the horizon {h.n_slots}")
            req[ti] = r
    else:
        demands = channel_demands(scenario, rules, required, backlog)
    return Problem(
        n_slots=h.n_slots, slot_s=slot, teams=teams, required=req,
        shrinkage=np.array([rules.spec.teams[n].shrinkage for n in teams]),
        penalty=[rules.spec.teams[n].missing_agent_slot_penalty for n in teams],
        rates=[team_rate(scenario, rules, n) for n in teams],
        shifts=shifts, tours=tours, toured=toured, limits=limits, part_time=part_time,
        demands=demands, over_penalty=[rules.spec.teams[n].over_coverage_penalty for n in teams],
        objective=rules.spec.objective, basis=basis,
    )


def _day_caps(caps: int | list[int] | None, n_cal: int, where: str) -> dict[int, int]:
    """``max_agents_per_day`` as day → cap."""
    if caps is None:
        return {}
    if isinstance(caps, int):
        return {d: caps for d in range(1, n_cal + 1)}
    if len(caps) != n_cal:
        raise InputError(f"{where}: one cap per day of the horizon ({n_cal}), got {len(caps)}")
    return {d + 1: int(c) for d, c in enumerate(caps)}


def _team_tours(ti: int, name: str, team, by_key: dict[tuple[str, float], dict[int, int]],
                days: list[_Day], n_cal: int, src: str, rules: Rules, slot: float) -> list[Tour]:
    """The tours of one team: per contract (or all templates), per template and clock, per
    pattern of working days over the calendar (closed days are never working days), with the
    starts the band allows each day."""
    tr = team.tours
    open_days = {d.number for d in days}
    contracts = team.contracts or {"": None}
    out: list[Tour] = []
    templates = {t.name: t for t in team.templates}
    for cname, c in contracts.items():
        work = (c.work_days if c is not None and c.work_days is not None else tr.work_days)
        off = tr.cycle - work
        if off < 1:
            raise InputError(f"{src}: teams.{name}.contracts.{cname}.work_days: {work} leaves no day off "
                             f"in the {tr.cycle}-day tour cycle")
        patterns = [p for p in _tour_patterns(work, off, tr.consecutive_off, n_cal)
                    if all(open_days.__contains__(d + 1) for d in range(n_cal) if p[d])
                    and (tr.max_consecutive_days is None or _longest_run(p) <= tr.max_consecutive_days)]
        names = c.templates if c is not None else list(templates)
        if c is not None and c.mix_templates:
            out.extend(_mixed_tours(ti, name, cname, c, templates, by_key, patterns, work, tr, n_cal, src, slot))
            continue
        fitting = []
        for tname in names:
            t = templates[tname]
            hours = work * (t.length - t.unpaid_s) / 3600.0
            if c is not None and not (c.min_hours - 1e-9 <= hours <= (c.max_hours if c.max_hours is not None
                                                                        else np.inf) + 1e-9):
                continue
            fitting.append(tname)
        if c is not None and not fitting:
            raise InputError(
                f"{src}: teams.{name}.contracts.{cname}: no template gives "
                f"{f'at least {c.min_hours:g}' if c.max_hours is None else f'{c.min_hours:g}-{c.max_hours:g}'} "
                f"paid hours in {work} days "
                f"({', '.join(f'{n}: {work * (templates[n].length - templates[n].unpaid_s) / 3600:g} h' for n in names)})")
        band = tr.start_band
        for (tname, clock), on_days in by_key.items():
            if tname not in fitting:
                continue
            t = templates[tname]
            step = t.start_step if t.start_step is not None else slot
            later = [clock + step * j for j in range(int(np.floor(band / step + 1e-9)) + 1)]
            for pattern in patterns:
                worked = tuple(d + 1 for d in range(n_cal) if pattern[d])
                if not worked or not all(d in on_days for d in worked):
                    continue
                options = tuple(tuple(by_key[(tname, c2)][d] for c2 in later
                                      if d in by_key.get((tname, c2), {})) for d in worked)
                out.append(Tour(ti, tname, clock, worked, tuple(on_days[d] for d in worked), options, cname))
    if not out:
        raise InputError(f"{src}: teams.{name}.tours: no template can be worked on every day of "
                         f"any {tr.work_days}-on / {tr.off_days}-off tour of the {n_cal}-day horizon "
                         "(check the templates' days, the days the center is closed, "
                         "max_consecutive_days and the contracts)")
    return out


def _mixed_tours(ti: int, name: str, cname: str, c, templates: dict, by_key: dict[tuple[str, float], dict[int, int]],
                 patterns: list[tuple[bool, ...]], work: int, tr, n_cal: int, src: str, slot: float) -> list[Tour]:
    """The tours of a contract with ``mix_templates``: per day pattern and anchor clock, one tour
    per sequence of the contract's templates over the days worked whose paid hours lie in the
    contract's range in every whole tour cycle of the horizon (a partial last cycle: at most
    ``max_hours``). Every day the agents start in [clock, clock + start_band], on that day's
    template's own start grid, so the rest rule (checked per template on the rules) holds
    between any two days whatever the templates."""
    names = list(c.templates)
    paid = {n: (templates[n].length - templates[n].unpaid_s) / 3600.0 for n in names}
    lo = c.min_hours - 1e-9
    hi = (c.max_hours if c.max_hours is not None else np.inf) + 1e-9
    cycle = tr.cycle
    if not any(lo <= sum(combo) <= hi for combo in itertools.combinations_with_replacement(paid.values(), work)):
        raise InputError(
            f"{src}: teams.{name}.contracts.{cname}: no mix of its templates gives "
            f"{f'at least {c.min_hours:g}' if c.max_hours is None else f'{c.min_hours:g}-{c.max_hours:g}'} "
            f"paid hours in {work} days ({', '.join(f'{n}: {paid[n]:g} h' for n in names)})")
    sequences = len(patterns) * len(names) ** sum(1 for x in (patterns[0] if patterns else ()) if x)
    clocks = sorted({clk for (tn, clk) in by_key if tn in names})
    if sequences * len(clocks) > MAX_MILP_COLUMNS:
        raise InputError(
            f"{src}: teams.{name}.contracts.{cname}.mix_templates: {len(names)} templates on each of the "
            f"tour's days give about {sequences * len(clocks):,} tours, beyond staffsim's limit of "
            f"{MAX_MILP_COLUMNS:,}; use fewer templates, a coarser start_step or a shorter horizon")
    band = tr.start_band
    later: dict[tuple[str, float], list[float]] = {}
    for tn in names:
        step = templates[tn].start_step if templates[tn].start_step is not None else slot
        for clk in clocks:
            later[(tn, clk)] = [clk + step * j for j in range(int(np.floor(band / step + 1e-9)) + 1)]
    out: list[Tour] = []
    seen: set = set()
    for pattern in patterns:
        worked = tuple(d + 1 for d in range(n_cal) if pattern[d])
        if not worked:
            continue
        groups: dict[int, list[int]] = {}
        for k, d in enumerate(worked):
            groups.setdefault((d - 1) // cycle, []).append(k)
        for clock in clocks:
            # per day worked and template: the shifts starting in [clock, clock + band]
            opts = [{tn: tuple(by_key[(tn, c2)][d] for c2 in later[(tn, clock)]
                               if (tn, c2) in by_key and d in by_key[(tn, c2)]) for tn in names}
                    for d in worked]
            choices = [[tn for tn in names if o[tn]] for o in opts]
            per_cycle = []
            for j, ks in groups.items():
                whole = (j + 1) * cycle <= n_cal
                seqs = [seq for seq in itertools.product(*(choices[k] for k in ks))
                        if sum(paid[tn] for tn in seq) <= hi and (not whole or sum(paid[tn] for tn in seq) >= lo)]
                per_cycle.append(seqs)
            for parts in itertools.product(*per_cycle):
                seq = tuple(tn for part in parts for tn in part)
                options = tuple(opts[k][tn] for k, tn in enumerate(seq))
                if (worked, options) in seen:  # a later anchor with the same starts: the same tour
                    continue
                seen.add((worked, options))
                label = seq[0] if len(set(seq)) == 1 else "/".join(seq)
                out.append(Tour(ti, label, clock, worked, tuple(o[0] for o in options), options, cname, seq))
    return out


def _longest_run(pattern: tuple[bool, ...]) -> int:
    """The longest run of working days, the pattern repeating (counted across its end)."""
    if all(pattern):
        return len(pattern) * 2
    doubled = pattern + pattern
    best = run = 0
    for on in doubled:
        run = run + 1 if on else 0
        best = max(best, run)
    return best


def channel_demands(scenario: Scenario, rules: Rules, required: dict[str, np.ndarray],
                    backlog: list[str] | tuple[str, ...] = ()) -> list[Demand]:
    """One :class:`Demand` per channel with work and a rostered team that has the skill: the
    teams' worth (1 / handle-time factor), the channel's opening hours (rules ``channels:``) and,
    for backlog channels, the cumulative work due and arrived (standard agent-slots)."""
    src = rules.label
    h = scenario.spec.horizon
    starts = h.slot_starts()
    teams = list(rules.spec.teams)
    groups = {g.group: g for g in scenario.spec.agents}
    for c in rules.spec.channels:
        if c not in scenario.channels:
            raise InputError(f"{src}: channels.{c}: not a channel of the scenario "
                             f"(channels: {', '.join(scenario.channels)})")
    out = []
    for c in scenario.channels:
        if c not in required:
            raise InputError(f"the requirement has no rows for channel {c!r}")
        r = np.asarray(required[c], np.int64)
        if r.shape != (h.n_slots,):
            raise InputError(f"requirement for {c!r} has {r.size} slots, the horizon {h.n_slots}")
        worth = {ti: 1.0 / groups[name].handle_time_factor.get(c, 1.0)
                 for ti, name in enumerate(teams) if c in groups[name].skills}
        is_open = np.ones(h.n_slots, bool)
        hours = rules.spec.channels.get(c)
        if hours is not None:
            clock = starts % DAY
            is_open = (clock >= hours.open - 1e-9) & (clock + h.slot <= hours.close + 1e-9)
        due = arrived = None
        if c in backlog:
            plan = backlog_channel_plan(scenario, c)
            unit = h.slot * scenario.channel(c).target.max_occupancy
            due, arrived = plan.due / unit, plan.arrived / unit
            if due[-1] <= 1e-12:
                continue
        elif not r.any():
            continue
        if not worth:
            raise InputError(f"{src}: channel {c!r} has work but no team of the rules has the skill "
                             f"(teams with it: {', '.join(g for g in groups if c in groups[g].skills)})")
        if c not in backlog:
            closed = np.flatnonzero((r > 0) & ~is_open)
            if len(closed):
                day, clk = divmod(float(starts[closed[0]]), DAY)
                raise InputError(f"{src}: channels.{c}: the requirement asks for agents in {len(closed)} "
                                 f"slot(s) outside the channel's opening hours (first: day {int(day) + 1} "
                                 f"{format_clock(clk)}): rule channels.{c} open/close cannot be met")
        out.append(Demand(c, r, worth, is_open, due, arrived))
    return out


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
