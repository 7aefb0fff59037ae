"""The capacity plan file: pydantic schema (unknown fields refused, frozen) and its loading.

A plan covers ``weeks`` weeks from ``start_date`` (week 1 starts on ``start_date``, week w on
``start_date + 7(w - 1)`` days). Everything per week can be given as one number, a list with one
value per week, or ``{by_month: [12 values]}`` (January first; a week belongs to the month of its
fourth day). Cross-field checks that need the calendar (shrinkage summing to 1 or more in some
week, a class after the last week, transfers naming unknown teams) are made in
:func:`load_plan`, with the same ``file: field: what is allowed`` messages.
"""

from __future__ import annotations

import datetime
import math
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from staffsim.capacity.calendar import Calendar
from staffsim.errors import InputError, where
from staffsim.limits import MAX_CLASS_SIZE, MAX_RAMP_WEEKS, MAX_RATE, MAX_TEAM_PEOPLE
from staffsim.scenarios.loader import deep_merge
from staffsim.scenarios.schema import Spec, validate
from staffsim.scenarios.yamlio import read_yaml

#: shrinkage categories a plan may name (share of paid time off the phones)
SHRINKAGE_CATEGORIES = ("holidays", "training", "sickness", "meetings", "coaching", "breaks", "other")


class ByMonthSpec(Spec):
    """A value per calendar month, January first."""

    by_month: list[float] = Field(min_length=12, max_length=12)


class ScheduleValue(Spec):
    """Internal canonical form of a per-week value: ``constant`` or ``weekly`` or ``by_month``."""

    constant: float | None = None
    weekly: list[float] | None = None
    by_month: list[float] | None = Field(None, min_length=12, max_length=12)

    @model_validator(mode="after")
    def _one(self) -> ScheduleValue:
        given = [k for k in ("constant", "weekly", "by_month") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give a number, a list with one value per week, or {by_month: [12 "
                             "values, January first]}")
        return self


class HoursSpec(ScheduleValue):
    """Weekly hours: a number, a list, {by_month}, or from a CSV: ``file`` with a ``week`` (1, 2,
    ...) or ``date`` column and a column of hours (``column``; default the team's name, else
    ``required_hours``)."""

    file: str | None = None
    column: str | None = None

    @model_validator(mode="after")
    def _one(self) -> HoursSpec:
        given = [k for k in ("constant", "weekly", "by_month", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give a number, a list with one value per week, {by_month: [12 values]} "
                             "or {file: hours.csv, column: NAME}")
        if self.column is not None and self.file is None:
            raise ValueError("column goes with file")
        return self


def _per_week(value: Any) -> Any:
    """Number | list | {by_month} → the canonical {constant|weekly|by_month} mapping."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return {"constant": value}
    if isinstance(value, list):
        return {"weekly": value}
    return value


class ForecastDemandSpec(Spec):
    """Required hours from a weekly forecast turned into hours by the Erlang plan.

    ``forecast``: CSV with ``week`` (or ``date``), ``channel``, ``volume`` (contacts in the week),
    ``aht_s``. ``intraday``: a one-day forecast in the ``staffsim plan`` format whose volumes give
    each channel's shape over the day (shares of the day's volume per slot) and whose AHTs the
    shape of handle time (relative to the day's mean). ``days``: the shares of the week's volume
    on each open day (sum 1). ``targets``: a targets YAML as for ``staffsim plan``.
    """

    forecast: str
    intraday: str
    days: list[float] = Field(min_length=1, max_length=7)
    targets: str
    channels: list[str] | None = Field(None, min_length=1,
                                       description="the forecast's channels this team answers")

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[float]) -> list[float]:
        if any(not (math.isfinite(d) and d >= 0) for d in v):
            raise ValueError(f"each day's share must be a number >= 0, got {v}")
        if abs(sum(v) - 1) > 1e-6:
            raise ValueError(f"the shares of the week's volume on each open day must sum to 1, "
                             f"got {sum(v):g}")
        return v


class ScenarioDemandSpec(Spec):
    """Required hours from a day scenario's requirement (:func:`staffsim.requirement.requirement`,
    the Erlang method): the agents its ``group`` needs per slot × slot length, over the
    scenario's horizon, × ``days_per_week`` ÷ its days; ``index`` scales every channel's volume
    per week (a number, a list per week or ``{by_month}``; 1 = the scenario as written)."""

    scenario: str
    group: str | None = Field(None, description="the scenario's group (default: the team's name)")
    index: ScheduleValue = Field(default_factory=lambda: ScheduleValue(constant=1.0))
    days_per_week: float = Field(5.0, gt=0, le=7)

    @field_validator("index", mode="before")
    @classmethod
    def _index_in(cls, v: Any) -> Any:
        return _per_week(v)


def _demand_kind(v: Any) -> str:
    return "ScenarioDemandSpec" if isinstance(v, dict) and "scenario" in v else "ForecastDemandSpec"


class CohortSpec(Spec):
    """A group of people on the team at week 1."""

    people: int = Field(ge=0, le=MAX_TEAM_PEOPLE, description="whole people")
    fte: float = Field(1.0, gt=0, le=1.5, description="FTE per person (0.5: half-time)")
    tenure_weeks: int | None = Field(None, ge=0, description="weeks since they started (omit: "
                                     "long-serving, fully productive)")


class RateSpec(Spec):
    weekly: float | None = Field(None, ge=0, lt=1)
    monthly: float | None = Field(None, ge=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> RateSpec:
        if (self.weekly is None) == (self.monthly is None):
            raise ValueError("give exactly one of weekly or monthly")
        return self

    def per_week(self) -> float:
        """The weekly rate; a monthly rate m becomes 1 - (1 - m)^(12/52)."""
        if self.weekly is not None:
            return float(self.weekly)
        return 1.0 - (1.0 - float(self.monthly)) ** (12.0 / 52.0)


class EarlyAttritionSpec(RateSpec):
    weeks: int = Field(ge=1, description="tenure (weeks since starting) up to which this rate applies")


class AttritionSpec(RateSpec):
    """Share of the people present in a week who leave at its end (see the module doc of supply)."""

    early: EarlyAttritionSpec | None = Field(None, description="a different rate in the first weeks")


RampValue = float


class RampStepSpec(Spec):
    weeks: int = Field(ge=1, le=MAX_RAMP_WEEKS)
    productivity: float


def _ramp(value: Any) -> Any:
    """[0.5, 0.75] or [{weeks: 2, productivity: 0.5}, ...] → one productivity per week."""
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for item in value:
        if isinstance(item, dict):
            step = RampStepSpec.model_validate(item)
            if len(out) + step.weeks > MAX_RAMP_WEEKS:  # counted before the list is built
                raise ValueError(f"a ramp of at most {MAX_RAMP_WEEKS} weeks in all (a plan has at most "
                                 f"520), got more than {len(out) + step.weeks:,}")
            out.extend([step.productivity] * step.weeks)
        else:
            out.append(item)
    return out


def _check_ramp(v: list[float]) -> list[float]:
    for k, p in enumerate(v):
        if not (isinstance(p, (int, float)) and math.isfinite(p)):
            raise ValueError(f"week {k + 1} after training: productivity must be a number, got {p!r}")
        if p > 1:
            raise ValueError(f"productivity is a share of a fully trained agent's, at most 1 (100%); "
                             f"week {k + 1} after training has {p:g}")
        if p <= 0:
            raise ValueError(f"week {k + 1} after training: productivity must be > 0, got {p:g} "
                             "(weeks off the phones are training_weeks)")
    return v


class ClassSpec(Spec):
    """A planned hiring class: ``size`` people start in ``week`` (1 = start_date)."""

    week: int
    size: int = Field(ge=1, le=MAX_TEAM_PEOPLE)
    fte: float = Field(1.0, gt=0, le=1.5, description="FTE per person")
    training_weeks: int | None = Field(None, ge=0, description="default: the team's")
    ramp: list[float] | None = Field(None, description="default: the team's")

    @field_validator("week")
    @classmethod
    def _week(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"a class starts in week 1 or later, got {v} (people hired before the "
                             "plan starts belong in headcount with their tenure_weeks)")
        return v

    _ramp_in = field_validator("ramp", mode="before")(classmethod(lambda cls, v: _ramp(v)))
    _ramp_ok = field_validator("ramp")(classmethod(lambda cls, v: None if v is None else _check_ramp(v)))


class HiringSpec(Spec):
    """What the hiring optimiser may do for a team, and what things cost."""

    lead_weeks: int = Field(0, ge=0, description="weeks from today (week 1) before a class can start")
    min_class: int = Field(1, ge=1, le=MAX_CLASS_SIZE)
    max_class: int = Field(ge=1, le=MAX_CLASS_SIZE, description="most people in one class (at most "
                           f"{MAX_CLASS_SIZE:,}: staffsim.limits.MAX_CLASS_SIZE)")
    every_weeks: int = Field(1, ge=1, description="classes may start every N weeks from the first "
                             "week allowed")
    max_classes: int | None = Field(None, ge=0, description="most classes over the plan")
    last_week: int | None = Field(None, ge=1, description="no class starts after this week")
    fte: float = Field(1.0, gt=0, le=1.5, description="FTE per hire")
    cost_per_hire: float = Field(0.0, ge=0, le=MAX_RATE, description="recruiting and training, per person")
    cost_per_hour: float = Field(0.0, ge=0, le=MAX_RATE, description="an agent's paid hour (wage and on-costs)")
    short_cost_per_hour: float | None = Field(None, gt=0, le=MAX_RATE, description="penalty per agent hour on "
                                              "the phones missing (omit: close every gap that "
                                              "hiring can close)")

    @model_validator(mode="after")
    def _sizes(self) -> HiringSpec:
        if self.min_class > self.max_class:
            raise ValueError(f"min_class ({self.min_class}) must be <= max_class ({self.max_class})")
        return self


class OvertimeSpec(Spec):
    max_share: float = Field(ge=0, le=1, description="overtime as a share of productive hours, at most")
    cost_per_hour: float = Field(0.0, ge=0, le=MAX_RATE)


class EfficiencySpec(Spec):
    """A scheduling efficiency read from a roster (:mod:`staffsim.capacity.efficiency`)."""

    roster: str = Field(description="a roster.json written by staffsim schedule --out")
    team: str | None = Field(None, description="the roster's team (default: the plan team's name)")


class TeamSpec(Spec):
    required_hours: HoursSpec | None = Field(
        None, description="agent hours on the phones needed per week (net of shrinkage)")
    demand: Annotated[
        Annotated[ForecastDemandSpec, Tag("ForecastDemandSpec")]
        | Annotated[ScenarioDemandSpec, Tag("ScenarioDemandSpec")],
        Discriminator(_demand_kind),
    ] | None = None
    shrinkage: dict[Literal["holidays", "training", "sickness", "meetings", "coaching", "breaks",
                            "other"], ScheduleValue] = Field(default_factory=dict)
    headcount: list[CohortSpec]
    attrition: AttritionSpec = Field(default_factory=lambda: AttritionSpec(weekly=0.0))
    training_weeks: int = Field(0, ge=0)
    ramp: list[float] = Field(default_factory=list)
    classes: list[ClassSpec] = Field(default_factory=list)
    hiring: HiringSpec | None = None
    overtime: OvertimeSpec | None = None
    scheduling_efficiency: float | EfficiencySpec | None = Field(
        None, description="paid hours a roster needs ÷ the requirement's hours (a number, or "
        "{roster: roster.json}): multiplies the required hours")

    @field_validator("required_hours", mode="before")
    @classmethod
    def _hours_in(cls, v: Any) -> Any:
        return v if isinstance(v, dict) else _per_week(v)

    @field_validator("shrinkage", mode="before")
    @classmethod
    def _shrinkage_in(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {k: _per_week(x) for k, x in v.items()}

    @field_validator("headcount", mode="before")
    @classmethod
    def _headcount_in(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"must be a whole number of people >= 0, got {v!r}")
            if v != int(v):
                raise ValueError(f"must be a whole number of people, got {v!r} (part-timers: "
                                 "[{people: 40, fte: 0.5}])")
            return [{"people": int(v)}]
        return v

    _ramp_in = field_validator("ramp", mode="before")(classmethod(lambda cls, v: _ramp(v)))
    _ramp_ok = field_validator("ramp")(classmethod(lambda cls, v: _check_ramp(v)))

    @model_validator(mode="after")
    def _demand(self) -> TeamSpec:
        if (self.required_hours is None) == (self.demand is None):
            raise ValueError("give exactly one of required_hours or demand")
        return self


class TransferSpec(Spec):
    """``people`` fully productive people move ``from`` one team ``to`` another at the start of
    ``week``; they spend ``training_weeks`` off the phones in the new team, then ``ramp``."""

    week: int = Field(ge=1)
    from_: str = Field(alias="from")
    to: str
    people: int = Field(ge=1, le=MAX_TEAM_PEOPLE)
    training_weeks: int = Field(0, ge=0)
    ramp: list[float] = Field(default_factory=list)

    _ramp_in = field_validator("ramp", mode="before")(classmethod(lambda cls, v: _ramp(v)))
    _ramp_ok = field_validator("ramp")(classmethod(lambda cls, v: _check_ramp(v)))


class GrowthSpec(Spec):
    """Annual volume growth around the forecast, drawn once per path, uniform in [low, high]."""

    low: float = Field(gt=-1)
    high: float = Field(gt=-1)

    @model_validator(mode="after")
    def _order(self) -> GrowthSpec:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must be <= high ({self.high:g})")
        return self


class MonteCarloSpec(Spec):
    paths: int = Field(1000, ge=2)
    seed: int = Field(2026, ge=0)
    growth: GrowthSpec | None = None
    weekly_cv: float = Field(0.0, ge=0, lt=1, description="week-to-week volume noise (a mean-1 "
                             "gamma factor per team and week)")
    coverage: float | None = Field(None, gt=0, lt=1, description="size the hiring plan so that in "
                                   "each week at least this share of paths is not short")


class PlanSpec(Spec):
    name: str
    description: str | None = None
    start_date: datetime.date
    weeks: int = Field(ge=1, le=520)
    fte_hours: float = Field(gt=0, le=168, description="paid hours of one FTE per week")
    currency: str = "EUR"
    teams: dict[str, TeamSpec] = Field(min_length=1)
    transfers: list[TransferSpec] = Field(default_factory=list)
    monte_carlo: MonteCarloSpec | None = None


# ---------------------------------------------------------------------------------------------


def load_plan(plan: str | Path | dict, base: str | Path | None = None) -> tuple[PlanSpec, str, Path]:
    """Validate a plan (a YAML path or a mapping) → (spec, source name, base directory for files).

    Raises :class:`InputError` naming the file, the field and what is allowed.
    """
    if isinstance(plan, dict):
        source, data = "plan", plan
        base_dir = Path(base) if base is not None else Path.cwd()
    else:
        source = str(plan)
        data = _read_plan(Path(plan))
        base_dir = Path(base) if base is not None else Path(plan).parent
    spec = validate(PlanSpec, data, source)
    _cross_checks(spec, source)
    return spec, source, base_dir


#: fields holding file names (relative to the plan file that names them)
_FILE_KEYS = ("file", "forecast", "intraday", "targets", "scenario")


def _read_plan(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """A plan YAML; ``extends: other.yaml`` deep-merges another plan under it (mappings merge,
    lists are replaced), its file names kept relative to where they were written."""
    source = str(path)
    if path.resolve() in seen:
        raise InputError(f"{source}: extends: forms a cycle")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping of fields (name, start_date, weeks, "
                         "fte_hours, teams, ...)")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(f"{source}: extends: must be the path of another plan file")
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise InputError(f"{source}: extends: file {str(parent_path)!r} not found")
    base = _read_plan(parent_path, seen + (path.resolve(),))
    _rebase(base, parent_path.parent, path.parent)
    return deep_merge(base, data)


def _rebase(data: Any, old: Path, new: Path) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _FILE_KEYS and isinstance(value, str) and not Path(value).is_absolute():
                data[key] = os.path.relpath(old / value, new)
            else:
                _rebase(value, old, new)
    elif isinstance(data, list):
        for item in data:
            _rebase(item, old, new)


def _cross_checks(spec: PlanSpec, source: str) -> None:
    cal = Calendar(spec.start_date, spec.weeks)
    for name, team in spec.teams.items():
        field = f"teams.{name}"
        for k, c in enumerate(team.classes):
            if c.week > spec.weeks:
                raise InputError(f"{where(source, f'{field}.classes.{k}.week')}: must be <= weeks "
                                 f"({spec.weeks}), got {c.week}")
        h = team.hiring
        if h is not None and h.lead_weeks >= spec.weeks:
            raise InputError(f"{where(source, f'{field}.hiring.lead_weeks')}: must be < weeks "
                             f"({spec.weeks}), got {h.lead_weeks}")
        if h is not None and h.last_week is not None and h.last_week <= h.lead_weeks:
            raise InputError(f"{where(source, f'{field}.hiring.last_week')}: must be after the lead "
                             f"time (the first class may start in week {h.lead_weeks + 1}), got "
                             f"{h.last_week}: no class could ever start")
        total = 0.0
        parts = {}
        for cat, value in team.shrinkage.items():
            arr = cal.expand(value, source, f"{field}.shrinkage.{cat}")
            if (arr < 0).any() or (arr >= 1).any():
                w = int(((arr < 0) | (arr >= 1)).argmax())
                raise InputError(f"{where(source, f'{field}.shrinkage.{cat}')}: must be a share in "
                                 f"[0, 1), got {arr[w]:g} in week {w + 1}")
            parts[cat] = arr
            total = total + arr
        if parts and (total >= 1).any():
            w = int((total >= 1).argmax())
            detail = " + ".join(f"{c} {a[w]:g}" for c, a in parts.items())
            raise InputError(f"{where(source, f'{field}.shrinkage')}: the categories sum to "
                             f"{total[w]:g} in week {w + 1} ({cal.dates[w]}: {detail}); they must "
                             "sum to less than 1 (nobody would be left on the phones)")
        if team.required_hours is not None and team.required_hours.file is None:
            arr = cal.expand(team.required_hours, source, f"{field}.required_hours")
            if not (np.isfinite(arr) & (arr >= 0)).all():
                raise InputError(f"{where(source, f'{field}.required_hours')}: must be hours >= 0")
    for k, t in enumerate(spec.transfers):
        for key, team in (("from", t.from_), ("to", t.to)):
            if team not in spec.teams:
                raise InputError(f"{where(source, f'transfers.{k}.{key}')}: no team {team!r} "
                                 f"(teams: {', '.join(spec.teams)})")
        if t.from_ == t.to:
            raise InputError(f"{where(source, f'transfers.{k}')}: from and to are the same team")
        if t.week > spec.weeks:
            raise InputError(f"{where(source, f'transfers.{k}.week')}: must be <= weeks "
                             f"({spec.weeks}), got {t.week}")

