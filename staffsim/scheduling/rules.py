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

At the top level: ``objective`` (``cost``, or ``people``: least cost, then at that cost the fewest
people), ``per_channel`` (plan from the per-channel requirement even when no channel is shared),
``channels`` (per-channel opening hours, ``{chat: {open: "09:00", close: "18:00"}}``). Per team,
beyond the above: ``over_coverage_penalty`` (per agent-hour on the phones beyond the
requirement), ``max_agents_per_day`` (one number or one per day), ``contracts`` (with tours:
per contract type its ``templates``, ``mix_templates`` (each day any of them), ``work_days``,
``min_hours`` / ``max_hours`` per cycle and ``max_agents``); per template ``cost_per_hour``, ``cost_per_shift`` and ``split: {first, gap_min,
gap_max, gap_step}``; per break ``paid: false``; per tour rule ``start_band``, ``min_rest`` and
``max_consecutive_days``. A split shift's breaks each name their ``part`` (1 or 2), their
window counted from that part's start (a 6-hour part takes its lunch like a 6-hour shift: list it).
The model and its limits: docs/roster.md.

A break's ``earliest`` / ``latest`` are when it may *start*, counted from the shift's start (both
included), on a grid of ``step`` (default: the horizon's slot). The windows of one template's
breaks follow one another and do not overlap, so any choice of one start per break is a valid
day (the assumption of Aykin's implicit-break model).

Checks that need the scenario (teams exist, lengths and starts on the slot grid, a template fits
the opening hours) are in :mod:`staffsim.scheduling.candidates`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    paid: bool = Field(True, description="false: an unpaid break (lunch), not in the paid hours")
    part: Literal[1, 2] | None = Field(None, description="split shifts only: the part the break is "
                                       "taken in; earliest/latest are then counted from that part's start")

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest < self.earliest:
            raise ValueError(f"latest ({format_duration(self.latest)}) is before earliest ({format_duration(self.earliest)})")
        return self


class SplitSpec(Spec):
    """A split shift: the template's ``length`` is worked in two parts, the first ``first`` long,
    then an unpaid gap of ``gap_min`` to ``gap_max`` (on a grid of ``gap_step``, default the
    slot), then the rest."""

    first: Duration = Field(gt=0, description="length of the first part")
    gap_min: Duration = Field(gt=0)
    gap_max: Duration = Field(gt=0)
    gap_step: Duration | None = Field(None, gt=0, description="default: the horizon's slot")

    @model_validator(mode="after")
    def _gaps(self) -> SplitSpec:
        if self.gap_max < self.gap_min:
            raise ValueError(f"gap_max ({format_duration(self.gap_max)}) is below gap_min "
                             f"({format_duration(self.gap_min)})")
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
    split: SplitSpec | None = Field(None, description="worked in two parts with an unpaid gap")
    cost_per_hour: float | None = Field(None, ge=0, description="default: the team's")
    cost_per_shift: float = Field(0.0, ge=0, description="a fixed cost per shift worked")

    @property
    def unpaid_s(self) -> float:
        """Unpaid break time of one shift (seconds); a split shift's gap is outside its length."""
        return float(sum(b.length for b in self.breaks if not b.paid))

    @model_validator(mode="after")
    def _checks(self) -> TemplateSpec:
        if self.latest_start < self.earliest_start:
            raise ValueError(f"latest_start {format_clock(self.latest_start)} is before earliest_start "
                             f"{format_clock(self.earliest_start)}")
        if self.max_agents is not None and self.max_agents < self.min_agents:
            raise ValueError(f"max_agents {self.max_agents} is below min_agents {self.min_agents}")
        if self.split is not None and self.split.first >= self.length:
            raise ValueError(f"split.first ({format_duration(self.split.first)}) must be shorter than "
                             f"the length ({format_duration(self.length)}) worked in both parts")
        previous_end, previous_part = 0.0, 1
        for i, b in enumerate(self.breaks):
            label = f"breaks.{i}" + (f" ({b.name})" if b.name else "")
            if self.split is None and b.part is not None:
                raise ValueError(f"{label}.part: only a split shift has parts; drop part:")
            if self.split is not None and b.part is None:
                raise ValueError(f"{label}.part: a split shift's break names the part it is taken in "
                                 "(part: 1 or part: 2; earliest/latest count from that part's start)")
            span, what = self.length, f"the {format_duration(self.length)} shift"
            if b.part is not None:
                if b.part < previous_part:
                    raise ValueError(f"{label}: list the breaks of part 1 before those of part 2")
                if b.part > previous_part:
                    previous_end, previous_part = 0.0, b.part
                span = self.split.first if b.part == 1 else self.length - self.split.first
                what = f"part {b.part} ({format_duration(span)})"
            if b.latest + b.length > span:
                raise ValueError(
                    f"{label}: a break starting as late as {format_duration(b.latest)} and lasting "
                    f"{format_duration(b.length)} ends after {what}; its window must lie "
                    f"inside {'the shift' if b.part is None else 'the part'}")
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
    on a tour works the same template on every day it works (or, on a contract with
    ``mix_templates``, any of the contract's templates day by day), starting at the tour's clock time or
    up to ``start_band`` later (chosen day by day). Days the center is closed are never working
    days of a tour."""

    work_days: int = Field(ge=1)
    off_days: int = Field(ge=1)
    consecutive_off: bool = Field(True, description="the days off are consecutive (in the cycle)")
    start_band: Duration = Field(0.0, ge=0, description="the start may vary day to day within "
                                 "[clock, clock + start_band]")
    max_consecutive_days: int | None = Field(None, ge=1, description="most working days in a row "
                                             "(the cycle repeats: counted across its end)")
    min_rest: Duration | None = Field(None, ge=0, description="least time between the end of one "
                                      "shift and the start of the next (e.g. 11h)")

    @property
    def cycle(self) -> int:
        return self.work_days + self.off_days


class ContractSpec(Spec):
    """A contract type of a toured team: the templates its agents work, the days worked per
    tour cycle (default: the tours' ``work_days``) and the paid hours per cycle allowed.

    Without ``mix_templates`` an agent works one of ``templates`` on every day of its tour (the
    template's paid hours × the days must lie in the range). With ``mix_templates: true`` each
    working day's shift may be any of ``templates`` (e.g. two 8-hour and two 5-hour days), and
    the paid hours of the days actually worked in each tour cycle must lie in the range."""

    templates: list[str] = Field(min_length=1)
    mix_templates: bool = Field(False, description="each working day may take any of the templates; "
                                "the cycle's paid hours are the sum of the days worked")
    work_days: int | None = Field(None, ge=1)
    min_hours: float = Field(0.0, ge=0, description="least paid hours per tour cycle (week)")
    max_hours: float | None = Field(None, ge=0, description="most paid hours per tour cycle (week)")
    max_agents: int | None = Field(None, ge=0, description="most agents on this contract")

    @model_validator(mode="after")
    def _hours(self) -> ContractSpec:
        if self.max_hours is not None and self.max_hours < self.min_hours:
            raise ValueError(f"max_hours {self.max_hours:g} is below min_hours {self.min_hours:g}")
        return self


class TeamRules(Spec):
    """How one team may be rostered."""

    templates: list[TemplateSpec] = Field(min_length=1)
    cost_per_hour: float | None = Field(None, ge=0, le=MAX_RATE, description="default: scenario costs.agent_hour")
    shrinkage: float = Field(0.0, ge=0, lt=1, description="share of scheduled time off the phones "
                             "beyond breaks (meetings, training, absence)")
    max_part_time_share: float | None = Field(None, ge=0, le=1)
    headcount: int | None = Field(None, ge=0)
    missing_agent_slot_penalty: float | None = Field(None, gt=0, le=MAX_RATE, description="soft coverage")
    over_coverage_penalty: float = Field(0.0, ge=0, le=MAX_RATE, description="per agent-hour on the "
                                         "phones beyond the requirement")
    max_agents_per_day: int | list[int] | None = Field(
        None, description="most agents working on a day: one number, or one per day of the horizon")
    tours: ToursSpec | None = None
    contracts: dict[str, ContractSpec] | None = Field(None, description="with tours: contract types")

    @model_validator(mode="after")
    def _names(self) -> TeamRules:
        names = [t.name for t in self.templates]
        if len(set(names)) != len(names):
            raise ValueError("templates: two templates share a name")
        if self.contracts is not None:
            if self.tours is None:
                raise ValueError("contracts: need tours: (contracts are per tour cycle)")
            for cname, c in self.contracts.items():
                unknown = [t for t in c.templates if t not in names]
                if unknown:
                    raise ValueError(f"contracts.{cname}.templates: {unknown[0]!r} is not a template "
                                     f"(templates: {', '.join(names)})")
        caps = self.max_agents_per_day
        if isinstance(caps, int) and caps < 0 or isinstance(caps, list) and any(c < 0 for c in caps):
            raise ValueError(f"max_agents_per_day: must be >= 0, got {caps!r}")
        if self.tours is not None and self.tours.min_rest is not None:
            for t in self.templates:
                span = t.length + (t.split.gap_max if t.split else 0.0)
                rest = 86400.0 - span - self.tours.start_band
                if rest < self.tours.min_rest - 1e-9:
                    raise ValueError(
                        f"tours.min_rest: template {t.name!r} ({format_duration(span)} from start to end) with "
                        f"a start_band of {format_duration(self.tours.start_band)} may leave only "
                        f"{format_duration(max(rest, 0.0))} between one day's end and the next day's start, "
                        f"less than the {format_duration(self.tours.min_rest)} required; narrow the band")
        return self


class ChannelHours(Spec):
    """A channel's opening hours (every day): agents cover it only from ``open`` to ``close``."""

    open: ClockTime
    close: ClockTime

    @model_validator(mode="after")
    def _order(self) -> ChannelHours:
        if self.close <= self.open:
            raise ValueError(f"close {format_clock(self.close)} is not after open {format_clock(self.open)}")
        return self


class RulesSpec(Spec):
    """A whole rules file."""

    name: str = ""
    teams: dict[str, TeamRules] = Field(min_length=1)
    channels: dict[str, ChannelHours] = Field(default_factory=dict, description="per-channel "
                                              "opening hours (requirement per channel)")
    objective: Literal["cost", "people"] = Field("cost", description="cost: least cost; people: "
                                                 "least cost, then at that cost the fewest people")
    per_channel: bool = Field(False, description="plan from the per-channel Erlang requirement even when "
                              "no channel is shared (backlog channels covered within their threshold)")


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
