"""The assignment problem laid out: the period's days, the shift kinds with their seats, who may
work which kind, and the objective's weights. Shared by the integer program
(:mod:`staffsim.people.assign`), the diagnosis of open shifts and the reports.

The period is ``weeks`` × 7 days from the roster's first date; period day ``i`` works the shifts
of roster day ``i mod D + 1`` (``D`` = the roster's days), so a weekly roster repeats every week.
Contract weeks are the 7-day blocks from the first day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from staffsim.errors import InputError
from staffsim.people.agents import Agents, AgentSpec
from staffsim.people.rosterfile import RosterInput
from staffsim.scenarios.calendar import WEEKDAY_NAMES
from staffsim.units import format_clock

DAY_S = 86400.0


@dataclass(frozen=True)
class Weights:
    """The objective's weights (all stated in the outputs).

    - ``open_shift``: per seat left open; ``None`` = every seat must be staffed (the program
      still carries the slack at a prohibitive cost so that it is always feasible; open seats
      then become a "cannot staff" error with a diagnosis);
    - ``short_hour``: per contract hour below a person's ``week_hours_min`` in a week;
    - ``wish_miss``: per missed wish, times ``1 + seniority × seniority_years``;
    - ``worst_wish_rate``: per unit of the largest missed-wish rate over people (max-min: the
      least-served person first; a rate is missed wishes / planned days);
    - ``weekend_spread`` / ``evening_spread``: per shift of the largest deviation of a person's
      weekend (evening) shifts from their fair share.
    """

    open_shift: float | None = None
    short_hour: float = 100.0
    wish_miss: float = 1.0
    seniority: float = 0.05
    worst_wish_rate: float = 20.0
    weekend_spread: float = 5.0
    evening_spread: float = 2.0

    #: the open-seat cost used when ``open_shift`` is None
    PROHIBITIVE = 100_000.0

    @property
    def open_cost(self) -> float:
        return self.PROHIBITIVE if self.open_shift is None else float(self.open_shift)

    def as_dict(self) -> dict[str, float | None]:
        return {"open_shift": self.open_shift, "short_hour": self.short_hour,
                "wish_miss": self.wish_miss, "seniority": self.seniority,
                "worst_wish_rate": self.worst_wish_rate, "weekend_spread": self.weekend_spread,
                "evening_spread": self.evening_spread}


@dataclass(frozen=True)
class Kind:
    """Identical seats: ``demand`` people of ``team`` on ``template`` from ``start`` to ``end``
    (seconds from midnight of period day ``pday``), one break combination per seat."""

    index: int
    pday: int
    date: dt.date
    team: str
    template: str
    start: float
    end: float
    demand: int
    breaks: tuple[tuple[tuple[float, float], ...], ...]
    skills: tuple[str, ...]
    unpaid_s: float = 0.0  # unpaid breaks and a split shift's pause, seconds per seat

    @property
    def hours(self) -> float:
        """Paid hours of one seat: the span less its unpaid breaks and split pause."""
        return (self.end - self.start - self.unpaid_s) / 3600.0

    @property
    def weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def label(self) -> str:
        return (f"{WEEKDAY_NAMES[self.date.weekday()]} {self.date.isoformat()} {self.team} "
                f"{self.template} {format_clock(self.start)}-{format_clock(self.end)}")


@dataclass(frozen=True)
class Plan:
    """Everything the program and its readers need, built by :func:`build_plan`."""

    roster: RosterInput
    agents: Agents
    start_date: dt.date
    n_days: int
    weights: Weights
    rest_s: float
    evening_after: float
    kinds: tuple[Kind, ...]
    eligible: dict[int, list[int]] = field(default_factory=dict)  # person -> kinds

    @property
    def people(self) -> tuple[AgentSpec, ...]:
        return self.agents.people

    def date(self, pday: int) -> dt.date:
        return self.start_date + dt.timedelta(days=pday)

    def weeks(self) -> list[tuple[int, int]]:
        """Contract weeks as (first, last + 1) period days."""
        return [(w, min(w + 7, self.n_days)) for w in range(0, self.n_days, 7)]

    def evening(self, k: Kind) -> bool:
        return k.end > self.evening_after

    def leave_days(self, p: int, lo: int, hi: int) -> int:
        return sum(self.people[p].on_leave(self.date(d)) for d in range(lo, hi))

    def min_hours(self, p: int, lo: int, hi: int) -> float:
        """The hours a person owes in period days [lo, hi): week_hours_min × days/7, less
        week_hours_min / days_max per day of approved leave (leave counts as worked)."""
        a = self.people[p]
        owed = a.week_hours_min * (hi - lo) / 7.0 - self.leave_days(p, lo, hi) * a.week_hours_min / a.days_max
        return max(0.0, owed)

    def planned_days(self, p: int, upto: int | None = None) -> float:
        """The days a person is planned to work over the period (before period day ``upto``):
        days_max × weeks (the denominator of the missed-wish rate)."""
        return self.people[p].days_max * (self.n_days if upto is None else upto) / 7.0

    def wish_misses(self, p: int, k: Kind) -> int:
        """Missed wishes if person ``p`` works kind ``k``: a start outside the preferred band, a
        wished day off worked, a weekend day worked by someone who avoids weekends; minus one for
        a weekend day worked by someone who prefers weekends (see :meth:`wish_constant`)."""
        a = self.people[p]
        m = 0
        if a.preferred_start is not None and not (a.preferred_start[0] <= k.start <= a.preferred_start[1]):
            m += 1
        if a.wishes_day_off(k.date):
            m += 1
        if k.weekend and a.weekends == "avoid":
            m += 1
        if k.weekend and a.weekends == "prefer":
            m -= 1
        return m

    def wish_constant(self, p: int, upto: int | None = None) -> int:
        """For a person who prefers weekends: the weekend days (before period day ``upto``) they
        could work (each one not worked is a missed wish)."""
        if self.people[p].weekends != "prefer":
            return 0
        upto = self.n_days if upto is None else upto
        return len({self.kinds[k].pday for k in self.eligible.get(p, [])
                    if self.kinds[k].weekend and self.kinds[k].pday < upto})

    def fair_targets(self, which: str, upto: int | None = None) -> dict[int, float]:
        """Each person's fair share of the weekend (``which='weekend'``) or evening seats (of
        the period days before ``upto``): total seats × a_p / Σ a, a_p = week_hours_max × the
        days on which the person could work such a seat. Only people who could work both kinds
        (weekend and weekday; evening and day) share: someone whose availability allows only
        evenings, or no weekends, chose it and is left out."""
        upto = self.n_days if upto is None else upto
        test = (lambda k: k.weekend and k.pday < upto) if which == "weekend" else \
            (lambda k: self.evening(k) and k.pday < upto)
        total = sum(k.demand for k in self.kinds if test(k))
        weight = {}
        for p in range(len(self.people)):
            mine = [self.kinds[k] for k in self.eligible.get(p, []) if self.kinds[k].pday < upto]
            days = {k.pday for k in mine if test(k)}
            if days and any(not test(k) for k in mine):
                weight[p] = self.people[p].week_hours_max * len(days)
        s = sum(weight.values())
        return {p: total * w / s for p, w in weight.items()} if s > 0 else {}


def can_work(a: AgentSpec, k: Kind) -> bool:
    """The person has the team's skills, is not on leave, is available then, and the shift fits
    the weekly hours."""
    return (all(s in a.skills for s in k.skills) and not a.on_leave(k.date)
            and a.available(k.date.weekday(), k.start, k.end) and k.hours <= a.week_hours_max + 1e-9)


def build_plan(roster: RosterInput, agents: Agents, weeks: int | None, weights: Weights,
               start_date: dt.date | None = None, rest_s: float = 11 * 3600.0,
               evening_after: float = 18 * 3600.0) -> Plan:
    """Lay out the period, the kinds and who may work them; check each person's contract can
    be met with the roster's shifts (an :class:`InputError` names file, row and field)."""
    first = roster.start_date or start_date
    if first is None:
        raise InputError(f"{roster.source}: the roster's scenario has no horizon.start_date; give "
                         "the date of day 1 (--start-date YYYY-MM-DD)")
    if weeks is not None and weeks < 1:
        raise InputError(f"--weeks: must be at least 1, got {weeks}")
    n_days = 7 * weeks if weeks is not None else roster.days
    by_day: dict[int, dict[tuple, list]] = {}
    for s in roster.shifts:
        key = (s.team, s.template, s.start, s.end, s.unpaid_s)
        by_day.setdefault(s.day, {}).setdefault(key, []).extend([s.breaks] * s.agents)
    kinds = []
    for d in range(n_days):
        for (team, template, start, end, unpaid), combos in sorted(
                by_day.get(d % roster.days + 1, {}).items(), key=lambda kv: (kv[0][2], kv[0][3], kv[0][0], kv[0][1])):
            kinds.append(Kind(len(kinds), d, first + dt.timedelta(days=d), team, template, start, end,
                              len(combos), tuple(combos), roster.team_skills(team), unpaid))
    plan = Plan(roster, agents, first, n_days, weights, rest_s, evening_after, tuple(kinds))
    for p, a in enumerate(agents.people):
        plan.eligible[p] = [k.index for k in kinds if can_work(a, k)]
    _check_contracts(plan)
    return plan


def _check_contracts(plan: Plan) -> None:
    """Every person's week_hours_min must be reachable with at most days_max of the shift
    lengths the person may work (one shift a day), without passing week_hours_max."""
    problems = []
    for p, a in enumerate(plan.people):
        if all(plan.min_hours(p, lo, hi) <= 1e-9 for lo, hi in plan.weeks()):
            continue  # owes no hours (no minimum, or on leave throughout)
        lengths = sorted({round(plan.kinds[k].hours * 4) for k in plan.eligible[p]})  # quarter hours
        lo, hi = a.week_hours_min * 4, a.week_hours_max * 4
        reach = {0}
        for _ in range(a.days_max):
            reach |= {r + x for r in reach for x in lengths if r + x <= hi + 1e-9}
        if lo > 0 and not any(lo - 1e-9 <= r <= hi + 1e-9 for r in reach):
            shown = ", ".join(f"{x / 4:g}h" for x in lengths) or "none (no shift they may work)"
            problems.append(f"{plan.agents.where(p, 'week_hours_min')}: {a.week_hours_min:g}-"
                            f"{a.week_hours_max:g} hours a week cannot be reached with at most "
                            f"{a.days_max} shifts a week of the lengths this person may work "
                            f"({shown})")
    if problems:
        raise InputError.several(f"{plan.agents.source}: {len(problems)} problems:", problems)
