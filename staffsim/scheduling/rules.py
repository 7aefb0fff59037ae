"""Scheduling rules: the shift templates, break rules, limits and tours a roster may use.

A rules file names, per team (a group of the scenario)::

    teams:
      phones:
        cost_per_hour: 32            # per paid hour (default: the scenario's costs.agent_hour)
        shrinkage: 0.05              # share of scheduled time off the phones beyond breaks
        max_part_time_share: 0.4     # at most this share of the shifts worked are part-time
        headcount: 60                # most agents on the roster (per day; with tours, in all)
        missing_agent_slot_penalty: 400   # soft coverage: pay this per missing agent-slot
        tours: {work_days: 5, off_days: 2}   # weekly tours (multi-day horizons)
        templates:
          - name: full
            length: 8h
            earliest_start: "07:00"
            latest_start: "12:00"
            start_step: 15min        # default: the horizon's slot
            days: [1, 2, 3, 4, 5]    # default: every day
            part_time: false
            min_agents: 0            # per day, on this template
            max_agents: 40
            breaks:                  # the solver places each break inside its window
              - {name: coffee, length: 15min, earliest: 2h, latest: 3h}
              - {name: lunch, length: 30min, earliest: 3.5h, latest: 5h}

A break's ``earliest`` / ``latest`` are when it may *start*, counted from the shift's start (both
included), on a grid of ``step`` (default: the horizon's slot). The windows of one template's
breaks follow one another and do not overlap, so any choice of one start per break is a valid
day (the assumption of Aykin's implicit-break model).

Checks that need the scenario (teams exist, lengths and starts on the slot grid, a template fits
the opening hours) are in :mod:`staffsim.scheduling.candidates`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from staffsim.errors import InputError
from staffsim.limits import MAX_RATE
from staffsim.scenarios.schema import Spec, validate
from staffsim.scenarios.yamlio import read_yaml
from staffsim.units import ClockTime, Duration, format_clock, format_duration


class BreakRule(Spec):
    """One break of a template: its length and the window in which it may start."""

    name: str = ""
    length: Duration = Field(gt=0)
    earliest: Duration = Field(ge=0, description="earliest start, after the shift's start")
    latest: Duration = Field(ge=0, description="latest start, after the shift's start")
    step: Duration | None = Field(None, gt=0, description="start grid (default: the slot)")

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest < self.earliest:
            raise ValueError(f"latest ({format_duration(self.latest)}) is before earliest ({format_duration(self.earliest)})")
        return self


class TemplateSpec(Spec):
    """A shift template: a length and the starts it may take."""

    name: str = Field(min_length=1)
    length: Duration = Field(gt=0)
    earliest_start: ClockTime
    latest_start: ClockTime
    start_step: Duration | None = Field(None, gt=0, description="default: the horizon's slot")
    days: list[int] | None = Field(None, description="days (1 = first) it may work; default all")
    part_time: bool = False
    min_agents: int = Field(0, ge=0, description="fewest agents on it, on every day it may work")
    max_agents: int | None = Field(None, ge=0, description="most agents on it, per day")
    breaks: list[BreakRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _checks(self) -> TemplateSpec:
        if self.latest_start < self.earliest_start:
            raise ValueError(f"latest_start {format_clock(self.latest_start)} is before earliest_start "
                             f"{format_clock(self.earliest_start)}")
        if self.max_agents is not None and self.max_agents < self.min_agents:
            raise ValueError(f"max_agents {self.max_agents} is below min_agents {self.min_agents}")
        previous_end = 0.0
        for i, b in enumerate(self.breaks):
            label = f"breaks.{i}" + (f" ({b.name})" if b.name else "")
            if b.latest + b.length > self.length:
                raise ValueError(
                    f"{label}: a break starting as late as {format_duration(b.latest)} and lasting "
                    f"{format_duration(b.length)} ends after the {format_duration(self.length)} shift; its window must lie "
                    "inside the shift")
            if b.earliest < previous_end:
                raise ValueError(
                    f"{label}: its window (from {format_duration(b.earliest)}) overlaps the previous break's, "
                    f"which may run until {format_duration(previous_end)}; list breaks in order with windows that "
                    "do not overlap")
            previous_end = b.latest + b.length
        if self.days is not None and (not self.days or any(d < 1 for d in self.days)):
            raise ValueError(f"days: must list day numbers >= 1, got {self.days!r}")
        return self


class ToursSpec(Spec):
    """Weekly tours: each agent works ``work_days`` then has ``off_days`` off, cycling. An agent
    on a tour works the same template at the same start on every day it works."""

    work_days: int = Field(ge=1)
    off_days: int = Field(ge=1)
    consecutive_off: bool = Field(True, description="the days off are consecutive (in the cycle)")

    @property
    def cycle(self) -> int:
        return self.work_days + self.off_days


class TeamRules(Spec):
    """How one team may be rostered."""

    templates: list[TemplateSpec] = Field(min_length=1)
    cost_per_hour: float | None = Field(None, ge=0, le=MAX_RATE, description="default: scenario costs.agent_hour")
    shrinkage: float = Field(0.0, ge=0, lt=1, description="share of scheduled time off the phones "
                             "beyond breaks (meetings, training, absence)")
    max_part_time_share: float | None = Field(None, ge=0, le=1)
    headcount: int | None = Field(None, ge=0)
    missing_agent_slot_penalty: float | None = Field(None, gt=0, le=MAX_RATE, description="soft coverage")
    tours: ToursSpec | None = None

    @model_validator(mode="after")
    def _names(self) -> TeamRules:
        names = [t.name for t in self.templates]
        if len(set(names)) != len(names):
            raise ValueError("templates: two templates share a name")
        return self


class RulesSpec(Spec):
    """A whole rules file."""

    name: str = ""
    teams: dict[str, TeamRules] = Field(min_length=1)


class Rules:
    """Loaded rules with the file they came from (for messages and provenance)."""

    def __init__(self, spec: RulesSpec, source: str | None = None, raw: dict | None = None):
        self.spec = spec
        self.source = source
        self.raw = raw or spec.model_dump()

    @property
    def label(self) -> str:
        return self.source or "rules"

    def __repr__(self) -> str:
        return f"Rules({self.label!r}, teams={list(self.spec.teams)})"


def rules_from_dict(data: dict, source: str | None = None) -> Rules:
    """Validate rules given as plain data (what a YAML file holds)."""
    if not isinstance(data, dict):
        raise InputError(f"{source or 'rules'}: a rules file must be a mapping with teams: ...")
    return Rules(validate(RulesSpec, data, source or "rules"), source, data)


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules YAML file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    return rules_from_dict(read_yaml(path), str(path))
