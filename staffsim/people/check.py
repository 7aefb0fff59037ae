"""An independent check of an assignment: every rule verified on the written schedule table,
without the integer program's matrices or variables.

:func:`check_assignment` reads the schedule (one row per person and shift: ``agent_id, team,
date, start, end``) and returns the list of broken rules (empty when all hold): every seat of
the roster covered once (or listed open), skills, leave, availability, one shift a day, rest,
consecutive days, weekly hours and days, days off together.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pandas as pd

from staffsim.people.agents import Agents
from staffsim.people.rosterfile import RosterInput
from staffsim.units import parse_clock


def _seconds(date: dt.date, first: dt.date, clock: str) -> float:
    return (date - first).days * 86400.0 + parse_clock(clock)


def check_assignment(schedule: pd.DataFrame, roster: RosterInput, agents: Agents, first: dt.date,
                     n_days: int, open_seats: pd.DataFrame | None = None, rest_s: float = 11 * 3600.0,
                     allow_short: bool = True) -> list[str]:
    """Every broken rule of ``schedule`` as a sentence (empty list: the assignment is valid).
    ``allow_short``: people below week_hours_min (leave counted as worked) are reported only
    when False (the program pays for short hours instead of failing)."""
    problems: list[str] = []
    people = {a.id: a for a in agents.people}
    # 1. seats: the roster repeated day after day, each seat once (worked or open)
    wanted: Counter = Counter()
    for d in range(n_days):
        date = first + dt.timedelta(days=d)
        rday = d % roster.days + 1
        for s in roster.shifts:
            if s.day == rday:
                wanted[(date.isoformat(), s.team, s.template, s.start, s.end)] += s.agents
    got: Counter = Counter()
    for r in schedule.itertuples(index=False):
        got[(r.date, r.team, r.template, parse_clock(r.start), parse_clock(r.end))] += 1
    if open_seats is not None:
        for r in open_seats.itertuples(index=False):
            got[(r.date, r.team, r.template, parse_clock(r.start), parse_clock(r.end))] += int(r.seats_open)
    for key in set(wanted) | set(got):
        if wanted[key] != got[key]:
            problems.append(f"seats {key}: the roster has {wanted[key]}, the assignment fills {got[key]}")
    # 2. per person
    for agent_id, rows in schedule.groupby("agent_id"):
        a = people.get(agent_id)
        if a is None:
            problems.append(f"{agent_id}: not in the agents file")
            continue
        shifts = []
        for r in rows.itertuples(index=False):
            date = dt.date.fromisoformat(r.date)
            start, end = parse_clock(r.start), parse_clock(r.end)
            skills = roster.team_skills(r.team)
            if not all(s in a.skills for s in skills):
                problems.append(f"{agent_id} {r.date}: works {r.team} without the skill {skills}")
            if any(lo <= date <= hi for lo, hi in a.time_off):
                problems.append(f"{agent_id} {r.date}: works on approved leave")
            if a.availability is not None and not any(
                    lo <= start and end <= hi for lo, hi in a.availability.get(date.weekday(), [])):
                problems.append(f"{agent_id} {r.date}: works {r.start}-{r.end} outside availability")
            shifts.append((date, _seconds(date, first, r.start), _seconds(date, first, r.end)))
        shifts.sort()
        dates = [s[0] for s in shifts]
        if len(set(dates)) != len(dates):
            problems.append(f"{agent_id}: two shifts on one day")
        for (d0, _, e0), (d1, s1, _) in itertools.pairwise(shifts):
            if s1 - e0 < rest_s - 1e-6:
                problems.append(f"{agent_id}: {(s1 - e0) / 3600:g} h rest between {d0} and {d1}")
        worked = {(d - first).days for d in dates}
        run = best = 0
        for d in range(n_days):
            run = run + 1 if d in worked else 0
            best = max(best, run)
        if best > a.max_consecutive_days:
            problems.append(f"{agent_id}: {best} consecutive days (at most {a.max_consecutive_days})")
        for w0 in range(0, n_days, 7):
            w1 = min(w0 + 7, n_days)
            wk = [s for s in shifts if w0 <= (s[0] - first).days < w1]
            hours = sum((e - s) / 3600 for _, s, e in wk)
            if hours > a.week_hours_max + 1e-6:
                problems.append(f"{agent_id} week from day {w0 + 1}: {hours:g} h > {a.week_hours_max:g}")
            if len(wk) > a.days_max:
                problems.append(f"{agent_id} week from day {w0 + 1}: {len(wk)} days > {a.days_max}")
            leave = sum(1 for d in range(w0, w1) if any(lo <= first + dt.timedelta(days=d) <= hi
                                                        for lo, hi in a.time_off))
            owed = max(0.0, a.week_hours_min * (w1 - w0) / 7 - leave * a.week_hours_min / a.days_max)
            if not allow_short and hours < owed - 1e-6:
                problems.append(f"{agent_id} week from day {w0 + 1}: {hours:g} h < {owed:g} owed")
            L = a.days_off_together
            if L >= 2 and w1 - w0 == 7:
                off = [d not in worked for d in range(w0, w1)]
                if not any(all(off[j:j + L]) for j in range(7 - L + 1)):
                    problems.append(f"{agent_id} week from day {w0 + 1}: no {L} days off together")
    return problems
