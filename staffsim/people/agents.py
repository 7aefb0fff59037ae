"""The agents file: the named people, their skills, contracts, availability, time off and wishes.

One row (CSV, xlsx) or one mapping (YAML, a list or ``agents: [...]``) per person::

    id, name, team, site, skills, contract, week_hours_min, week_hours_max, days_max,
    max_consecutive_days, days_off_together, availability, time_off, preferred_start,
    wished_days_off, weekends, seniority_years

- ``skills``: channels with a handle-time factor (proficiency), ``voice:0.9; chat:1.2``
  (``voice`` alone means factor 1; 0.9 = handles contacts 10% faster than the channel's mean);
  in YAML also a mapping ``{voice: 0.9}``.
- ``contract``: a label (``full``, ``part``, ...); ``week_hours_min`` / ``week_hours_max``: paid
  hours per week (numbers are hours, or ``37.5h``); ``days_max``: most days worked per week;
  ``max_consecutive_days`` (default 6); ``days_off_together`` (default 2: each week holds at
  least one run of that many consecutive days off; 0 or 1: no such rule).
- ``availability``: when the person can work, ``mon-fri 08:00-20:00; sat 09:00-14:00``; weekdays
  not named are unavailable; empty: any time.
- ``time_off``: approved leave, ``2026-03-09..2026-03-13; 2026-03-20`` (inclusive dates).
- ``preferred_start``: a start band ``08:00-10:00``; ``wished_days_off``: weekdays or dates
  (``fri; 2026-03-14``); ``weekends``: ``avoid``, ``prefer`` or ``neutral`` (default).
- ``seniority_years``: weighs the person's wishes in the objective (see :mod:`assign`).

Checks that need the roster (skills are channels of the scenario, contract hours reachable with
its shifts) are made by :func:`staffsim.people.assign.assign`, with the same row labels.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from staffsim.errors import InputError, excerpt
from staffsim.scenarios.calendar import WEEKDAYS
from staffsim.scenarios.schema import Spec, error_lines
from staffsim.scenarios.yamlio import read_yaml
from staffsim.units import format_clock, parse_clock

COLUMNS = ["id", "name", "team", "site", "skills", "contract", "week_hours_min", "week_hours_max",
           "days_max", "max_consecutive_days", "days_off_together", "availability", "time_off",
           "preferred_start", "wished_days_off", "weekends", "seniority_years"]

_SPLIT = re.compile(r"[;\n]")


def _items(text: str) -> list[str]:
    return [t.strip() for t in _SPLIT.split(text) if t.strip()]


def _date(text: Any) -> dt.date:
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {excerpt(text)}") from None


def _band(text: str) -> tuple[float, float]:
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"expected a time band HH:MM-HH:MM, got {excerpt(text)}")
    lo, hi = parse_clock(parts[0].strip()), parse_clock(parts[1].strip())
    if hi <= lo:
        raise ValueError(f"the band {excerpt(text)} ends before it starts")
    return lo, hi


def _weekdays(text: str) -> list[int]:
    """``mon``, ``mon-fri``, ``sat,sun`` → weekday numbers (0 = Monday)."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip().lower()[:3] if "-" not in part else part.strip().lower()
        if "-" in part:
            a, b = (p.strip()[:3] for p in part.split("-"))
            if a not in WEEKDAYS or b not in WEEKDAYS:
                raise ValueError(f"expected weekdays such as mon-fri, got {excerpt(part)}")
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            if j < i:
                raise ValueError(f"{part}: weekday ranges run from Monday to Sunday")
            out.extend(range(i, j + 1))
        elif part in WEEKDAYS:
            out.append(WEEKDAYS.index(part))
        else:
            raise ValueError(f"expected a weekday (mon, ..., sun), got {excerpt(part)}")
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


class AgentSpec(Spec):
    """One person of the agents file (see the module doc for the columns)."""

    id: str = Field(min_length=1)
    name: str = ""
    team: str = ""
    site: str = ""
    skills: dict[str, float] = Field(min_length=1, description="channel: handle-time factor")
    contract: str = "full"
    week_hours_min: float = Field(0.0, ge=0, description="paid hours per week, at least")
    week_hours_max: float = Field(gt=0, description="paid hours per week, at most")
    days_max: int = Field(5, ge=1, le=7, description="days worked per week, at most")
    max_consecutive_days: int = Field(6, ge=1)
    days_off_together: int = Field(2, ge=0, le=7)
    availability: dict[int, list[tuple[float, float]]] | None = Field(
        None, description="weekday (0 = Monday): windows in seconds; None = any time")
    time_off: list[tuple[dt.date, dt.date]] = Field(default_factory=list)
    preferred_start: tuple[float, float] | None = None
    wished_days_off: tuple[tuple[int, ...], tuple[dt.date, ...]] = ((), ())
    weekends: Literal["avoid", "prefer", "neutral"] = "neutral"
    seniority_years: float = Field(0.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not _blank(v)}
        return data

    @field_validator("id", "name", "team", "site", "contract", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip() if isinstance(v, (str, int)) and not isinstance(v, bool) else v

    @field_validator("week_hours_min", "week_hours_max", mode="before")
    @classmethod
    def _hours(cls, v: Any) -> Any:
        if isinstance(v, str):
            t = v.strip().lower()
            t = t.removesuffix("h")
            try:
                return float(t)
            except ValueError:
                raise ValueError(f"expected hours per week such as 37.5 or 37.5h, got {excerpt(v)}") from None
        return v

    @field_validator("skills", mode="before")
    @classmethod
    def _skills(cls, v: Any) -> Any:
        if isinstance(v, list):
            v = "; ".join(str(x) for x in v)
        if isinstance(v, str):
            out: dict[str, Any] = {}
            for item in re.split(r"[;,\n]", v):
                item = item.strip()
                if not item:
                    continue
                name, _, factor = item.partition(":")
                name = name.strip()
                if name in out:
                    raise ValueError(f"{name!r} is listed twice")
                try:
                    out[name] = float(factor) if factor.strip() else 1.0
                except ValueError:
                    raise ValueError(f"{name}: expected a handle-time factor such as 0.9, got "
                                     f"{excerpt(factor.strip())}") from None
            return out
        return v

    @field_validator("skills")
    @classmethod
    def _factors(cls, v: dict[str, float]) -> dict[str, float]:
        for name, x in v.items():
            if not name:
                raise ValueError("a skill without a channel name")
            if not (math.isfinite(x) and x > 0):
                raise ValueError(f"{name}: a handle-time factor must be a number > 0, got {x!r}")
        return v

    @field_validator("availability", mode="before")
    @classmethod
    def _availability(cls, v: Any) -> Any:
        if isinstance(v, dict):
            v = "; ".join(f"{k} {w}" for k, ws in v.items() for w in (ws if isinstance(ws, list) else [ws]))
        if not isinstance(v, str):
            return v
        out: dict[int, list[tuple[float, float]]] = {}
        for item in _items(v):
            days, _, band = item.rpartition(" ")
            if not days.strip():
                raise ValueError(f"expected weekdays and a time band such as mon-fri 08:00-20:00, "
                                 f"got {excerpt(item)}")
            window = _band(band.strip())
            for d in _weekdays(days):
                out.setdefault(d, []).append(window)
        for d, windows in out.items():
            windows.sort()
            for (a0, a1), (b0, _) in itertools.pairwise(windows):
                if b0 < a1:
                    raise ValueError(f"{WEEKDAYS[d]}: windows {format_clock(a0)}-{format_clock(a1)} and "
                                     f"{format_clock(b0)}-... overlap")
        return out

    @field_validator("time_off", mode="before")
    @classmethod
    def _time_off(cls, v: Any) -> Any:
        if isinstance(v, (dt.date, str)):
            v = _items(v) if isinstance(v, str) else [v]
        if not isinstance(v, list):
            return v
        out = []
        for item in v:
            if isinstance(item, str) and ".." in item:
                a, b = item.split("..", 1)
                lo, hi = _date(a), _date(b)
                if hi < lo:
                    raise ValueError(f"{item}: the leave ends before it starts")
            else:
                lo = hi = _date(item)
            out.append((lo, hi))
        spans = sorted(out)
        for (a0, a1), (b0, b1) in itertools.pairwise(spans):
            if b0 <= a1:
                raise ValueError(f"leave {a0}..{a1} and {b0}..{b1} overlap; list each day once")
        return out

    @field_validator("preferred_start", mode="before")
    @classmethod
    def _pref(cls, v: Any) -> Any:
        return _band(v) if isinstance(v, str) else v

    @field_validator("wished_days_off", mode="before")
    @classmethod
    def _wished(cls, v: Any) -> Any:
        if isinstance(v, list):
            v = "; ".join(str(x) for x in v)
        if not isinstance(v, str):
            return v
        days: list[int] = []
        dates: list[dt.date] = []
        for item in _items(v.replace(",", ";")):
            if item[:1].isdigit():
                dates.append(_date(item))
            else:
                days.extend(_weekdays(item))
        return (tuple(sorted(set(days))), tuple(sorted(set(dates))))

    @field_validator("weekends", mode="before")
    @classmethod
    def _weekends(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("days_max", "max_consecutive_days", "days_off_together", "seniority_years",
                     mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                x = float(v)
            except ValueError:
                raise ValueError(f"expected a number, got {excerpt(v)}") from None
            return int(x) if x.is_integer() else x
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    @model_validator(mode="after")
    def _contract(self) -> AgentSpec:
        if self.week_hours_min > self.week_hours_max:
            raise ValueError(f"week_hours_min ({self.week_hours_min:g}) is above week_hours_max "
                             f"({self.week_hours_max:g})")
        if self.days_max + self.days_off_together > 7 and self.days_off_together > 1:
            raise ValueError(f"days_off_together: {self.days_off_together} consecutive days off a "
                             f"week leave at most {7 - self.days_off_together} working days, but "
                             f"days_max is {self.days_max}")
        return self

    # ------------------------------------------------------------------ questions
    def on_leave(self, date: dt.date) -> bool:
        """True on a day of approved time off."""
        return any(lo <= date <= hi for lo, hi in self.time_off)

    def available(self, weekday: int, start: float, end: float) -> bool:
        """True when a shift from ``start`` to ``end`` (seconds from midnight of its day) lies in
        one of the person's windows on that weekday."""
        if self.availability is None:
            return True
        return any(lo <= start and end <= hi for lo, hi in self.availability.get(weekday, ()))

    def wishes_day_off(self, date: dt.date) -> bool:
        """True on a weekday or date the person wished to have off."""
        days, dates = self.wished_days_off
        return date.weekday() in days or date in dates

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id


@dataclass(frozen=True)
class Agents:
    """A validated agents file: the people in file order, their row labels for messages."""

    people: tuple[AgentSpec, ...]
    rows: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.people)

    def where(self, i: int, field: str | None = None) -> str:
        """``"agents.csv: row 7 (id A07): field"`` for messages about person ``i``."""
        text = f"{self.source}: {self.rows[i]} (id {self.people[i].id})"
        return f"{text}: {field}" if field else text

    def by_id(self, agent_id: str) -> AgentSpec:
        for p in self.people:
            if p.id == agent_id:
                return p
        raise KeyError(agent_id)

    def to_frame(self) -> pd.DataFrame:
        """The people back as a table with the file's columns (for outputs)."""
        rows = []
        for p in self.people:
            rows.append({"id": p.id, "name": p.name, "team": p.team, "site": p.site,
                         "skills": "; ".join(f"{k}:{v:g}" for k, v in p.skills.items()),
                         "contract": p.contract, "week_hours_min": p.week_hours_min,
                         "week_hours_max": p.week_hours_max, "days_max": p.days_max,
                         "seniority_years": p.seniority_years})
        return pd.DataFrame(rows)


def agents_from_records(records: list[Any], source: str, row_labels: list[str] | None = None,
                        channels: list[str] | None = None) -> Agents:
    """Validate people given as plain records (dicts); every problem is named by file, row and
    field. ``channels``: when given, skills must be among them."""
    labels = row_labels or [f"agents[{i}]" for i in range(len(records))]
    problems: list[str] = []
    people: list[AgentSpec] = []
    seen: dict[str, str] = {}
    for rec, label in zip(records, labels):
        if not isinstance(rec, dict):
            problems.append(f"{label}: expected a mapping of fields, got {excerpt(rec)}")
            continue
        try:
            p = AgentSpec.model_validate(rec)
        except ValidationError as exc:
            rid = rec.get("id")
            head = f"{label}" + (f" (id {rid})" if not _blank(rid) else "")
            problems.extend(f"{head}: {line}" for line in error_lines(exc, AgentSpec))
            continue
        if p.id in seen:
            problems.append(f"{label} (id {p.id}): id: {p.id!r} is already used on {seen[p.id]}; "
                            "ids must be unique")
            continue
        if channels is not None:
            unknown = [s for s in p.skills if s not in channels]
            if unknown:
                problems.append(f"{label} (id {p.id}): skills: unknown skill {unknown[0]!r} "
                                f"(the scenario's channels: {', '.join(channels)})")
                continue
        seen[p.id] = label
        people.append(p)
    if problems:
        raise InputError.several(f"{source}: {len(problems)} problems:",
                                 [f"{source}: {x}" for x in problems])
    if not people:
        raise InputError(f"{source}: no agents (expected one row per person with columns "
                         f"{', '.join(COLUMNS[:5])}, ...)")
    return Agents(tuple(people), tuple(labels[: len(records)]), source)


def load_agents(path: str | Path, channels: list[str] | None = None, sheet: str | None = None) -> Agents:
    """Read and validate an agents file: ``.csv``, ``.yaml``/``.yml`` or ``.xlsx`` (first sheet,
    or ``sheet``). Raises :class:`InputError` naming the file, row and field of every problem."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise InputError(f"{source}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data = read_yaml(path)
        if isinstance(data, dict) and "agents" in data:
            data = data["agents"]
        if not isinstance(data, list):
            raise InputError(f"{source}: expected a list of agents (or agents: [...])")
        return agents_from_records(data, source, [f"agents[{i}]" for i in range(len(data))], channels)
    if suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"{source}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    elif suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object)
        except ImportError:
            raise InputError(f"{source}: reading .xlsx needs openpyxl (pip install openpyxl)") from None
        except (ValueError, KeyError) as exc:
            raise InputError(f"{source}: {exc}") from None
        frame = frame.astype(object).where(frame.notna(), None)
    else:
        raise InputError(f"{source}: an agents file is .csv, .yaml/.yml or .xlsx, got {path.suffix or 'no suffix'}")
    frame.columns = [str(c).strip() for c in frame.columns]
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise InputError(f"{source}: unknown column {unknown[0]!r} (allowed: {', '.join(COLUMNS)})")
    for needed in ("id", "skills", "week_hours_max"):
        if needed not in frame.columns:
            raise InputError(f"{source}: column {needed!r} is missing (columns: {', '.join(COLUMNS)})")
    records = frame.to_dict("records")
    return agents_from_records(records, source, [f"row {i + 2}" for i in range(len(records))], channels)
