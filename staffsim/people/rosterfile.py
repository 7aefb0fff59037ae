"""The roster as ``staffsim schedule --out DIR`` writes it, read back as assignment input.

The input contract is the written files, not the scheduler's internals: ``roster.yaml`` (the
scenario: horizon, channels, the teams' skills) and ``shifts.csv`` (columns ``team, template,
day, start, end, agents, breaks``; ``start``/``end`` as ``HH:MM`` from midnight of ``day``,
``breaks`` as ``HH:MM (15min), HH:MM (30min)``). One :class:`Seat` is one agent's place on one
shift row: the seats are what the assignment gives to people.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from staffsim.errors import InputError, excerpt
from staffsim.scenarios.scenario import Scenario
from staffsim.units import parse_clock, parse_duration

DAY = 86400.0
SHIFT_COLUMNS = ["team", "template", "day", "start", "end", "agents"]
_BREAK = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*\(([^),]*)(?:,\s*(unpaid|paid))?\s*\)\s*$")
_SPLIT = re.compile(r"^\s*split\s+(\d{1,2}:\d{2}(?::\d{2})?)\s*-\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*\(unpaid\)\s*$")


@dataclass(frozen=True)
class RosterShift:
    """One row of shifts.csv: ``agents`` people of ``team`` work ``template`` on roster ``day``
    from ``start`` to ``end`` (seconds from that day's midnight) with these breaks
    (start, length in seconds)."""

    team: str
    template: str
    day: int
    start: float
    end: float
    agents: int
    breaks: tuple[tuple[float, float], ...]
    unpaid_s: float = 0.0  # unpaid break time and a split shift's pause, seconds per agent

    @property
    def hours(self) -> float:
        """Paid hours of one agent: the shift's span less its unpaid breaks and split pause."""
        return (self.end - self.start - self.unpaid_s) / 3600.0


@dataclass(frozen=True)
class RosterInput:
    """A roster ready to be given to people: its scenario, its shifts, the teams' skills."""

    scenario: Scenario
    shifts: tuple[RosterShift, ...]
    source: str

    @property
    def days(self) -> int:
        return self.scenario.spec.horizon.days

    @property
    def start_date(self) -> dt.date | None:
        return self.scenario.spec.horizon.start_date

    def team_skills(self, team: str) -> tuple[str, ...]:
        for g in self.scenario.spec.agents:
            if g.group == team:
                return tuple(g.skills)
        raise KeyError(team)

    def time_zone(self) -> str | None:
        """The center's time zone when the scenario's volume files name one."""
        for ch in self.scenario.spec.channels.values():
            vol = getattr(ch, "volume", None)
            tz = getattr(vol, "tz", None)
            if tz:
                return tz
        return None


def parse_breaks(text: Any, where: str) -> tuple[tuple[float, float], ...]:
    """``"11:00 (15min), 11:30 (30min)"`` → ((39600, 900), (41400, 1800)); see
    :func:`parse_breaks_paid` for the unpaid marks and a split shift's pause."""
    return tuple((s, length) for s, length, _ in parse_breaks_paid(text, where))


def parse_breaks_paid(text: Any, where: str) -> tuple[tuple[float, float, bool], ...]:
    """The breaks column of shifts.csv as (start, length, paid): ``11:00 (15min)`` (paid),
    ``12:30 (30min, unpaid)``, and ``split 13:00-16:00 (unpaid)`` (a split shift's pause, read as
    an unpaid break from 13:00 to 16:00: the agent is logged out and unpaid)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return ()
    out = []
    for part in re.split(r",(?![^()]*\))", str(text)):  # commas outside parentheses
        split = _SPLIT.match(part)
        m = None if split else _BREAK.match(part)
        if not (split or m):
            raise InputError(f"{where}: breaks: expected HH:MM (length), HH:MM (length, unpaid) or "
                             f"split HH:MM-HH:MM (unpaid), ... such as 11:00 (15min), got {excerpt(part.strip())}")
        try:
            if split:
                a, b = parse_clock(split.group(1)), parse_clock(split.group(2))
                if b <= a:
                    raise ValueError(f"the split pause {part.strip()!r} ends before it starts")
                out.append((a, b - a, False))
            else:
                out.append((parse_clock(m.group(1)), parse_duration(m.group(2)), m.group(3) != "unpaid"))
        except ValueError as exc:
            raise InputError(f"{where}: breaks: {exc}") from None
    return tuple(out)


def _clock(text: str, where: str) -> float:
    """HH:MM, allowing hours past 24 for a shift that ends after midnight."""
    m = re.match(r"^\s*(\d{1,3}):(\d{2})(?::(\d{2}))?\s*$", str(text))
    if not m or int(m.group(2)) >= 60:
        raise InputError(f"{where}: expected a clock time HH:MM, got {excerpt(text)}")
    return int(m.group(1)) * 3600.0 + int(m.group(2)) * 60.0 + float(m.group(3) or 0)


def shifts_from_frame(frame: pd.DataFrame, source: str, scenario: Scenario) -> tuple[RosterShift, ...]:
    """Validate a shifts table (see the module doc) against its scenario."""
    missing = [c for c in SHIFT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: column {missing[0]!r} is missing (expected {', '.join(SHIFT_COLUMNS)}, breaks)")
    groups = {g.group for g in scenario.spec.agents}
    days = scenario.spec.horizon.days
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        where = f"{source}: row {i + 2}"
        team = str(row["team"]).strip()
        if team not in groups:
            raise InputError(f"{where}: team: {team!r} is not a group of the roster's scenario "
                             f"({', '.join(sorted(groups))})")
        try:
            day, agents = int(row["day"]), int(row["agents"])
        except (TypeError, ValueError):
            raise InputError(f"{where}: day and agents must be whole numbers, got "
                             f"{excerpt(row['day'])}, {excerpt(row['agents'])}") from None
        if not 1 <= day <= days:
            raise InputError(f"{where}: day: must be from 1 to {days} (the roster's days), got {day}")
        if agents < 0:
            raise InputError(f"{where}: agents: must be >= 0, got {agents}")
        start, end = _clock(row["start"], f"{where}: start"), _clock(row["end"], f"{where}: end")
        if end <= start:
            raise InputError(f"{where}: end: the shift ends at {row['end']}, not after its start {row['start']}")
        marked = parse_breaks_paid(row.get("breaks"), where)
        breaks = tuple((bs, bl) for bs, bl, _ in marked)
        unpaid = float(sum(bl for _, bl, paid in marked if not paid))
        for bs, bl in breaks:
            if bs < start or bs + bl > end:
                raise InputError(f"{where}: breaks: a break at {excerpt(row.get('breaks'))} lies outside "
                                 f"the shift {row['start']}-{row['end']}")
        if agents:
            out.append(RosterShift(team, str(row["template"]), day, start, end, agents, breaks, unpaid))
    return tuple(out)


def read_roster(directory: str | Path) -> RosterInput:
    """Read a roster directory written by ``staffsim schedule --out DIR`` (roster.yaml and
    shifts.csv)."""
    from staffsim.scenarios.loader import load_scenario

    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory (expected a roster written by "
                         "staffsim schedule --out DIR)")
    for name in ("roster.yaml", "shifts.csv"):
        if not (directory / name).exists():
            raise InputError(f"{directory}: {name} is missing (expected a roster written by "
                             "staffsim schedule --out DIR)")
    scenario = load_scenario(directory / "roster.yaml")
    path = directory / "shifts.csv"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    return RosterInput(scenario, shifts_from_frame(frame, str(path), scenario), str(directory))


def roster_input(roster: Any) -> RosterInput:
    """A :class:`RosterInput` from a roster directory, or from a
    :class:`~staffsim.scheduling.roster.Roster` made in Python."""
    if isinstance(roster, RosterInput):
        return roster
    if isinstance(roster, (str, Path)):
        return read_roster(roster)
    shifts = getattr(roster, "shifts", None)
    if isinstance(shifts, pd.DataFrame) and hasattr(roster, "to_scenario"):
        sc = roster.to_scenario()
        return RosterInput(sc, shifts_from_frame(shifts.astype(str), "roster shifts", sc),
                           sc.source or "roster")
    raise TypeError(f"expected a roster directory or a Roster, got {type(roster).__name__}")
