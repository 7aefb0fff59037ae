"""Pydantic v2 schemas for the files staffsim reads, and readable validation messages.

Every model forbids unknown keys and is frozen. :func:`validate` turns pydantic's errors into one
:class:`~staffsim.errors.InputError` of the form
``file: field.path: what is allowed, got value``.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from staffsim.distributions import Distribution
from staffsim.errors import InputError, excerpt, where
from staffsim.limits import (
    MAX_CONCURRENCY,
    MAX_CONCURRENCY_STRETCH,
    MAX_REPLICATIONS,
    MAX_SCENARIO_AGENTS,
    MAX_SLOTS,
)
from staffsim.models.staffing import ChannelTargets
from staffsim.units import ClockTime, Duration, format_clock, parse_clock, parse_duration


class Spec(BaseModel):
    """Base of every file schema: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetSpec(Spec):
    """A channel's service target as written in files."""

    service_level: float = Field(gt=0, lt=1, description="share answered within threshold")
    threshold: Duration = Field(description="answer-time threshold, e.g. 20s")
    asa: Duration | None = Field(None, gt=0, description="maximum average speed of answer")
    max_abandon: float | None = Field(None, gt=0, lt=1, description="maximum abandon rate")
    max_occupancy: float = Field(1.0, gt=0, le=1)

    def to_targets(self, *, patience_s: float | None = None, shrinkage: float = 0.0,
                   concurrency: int = 1, concurrency_stretch: float = 1.0) -> ChannelTargets:
        """The analytic model's targets for this target plus the channel's staffing parameters."""
        return ChannelTargets(
            service_level=self.service_level,
            threshold_s=self.threshold,
            asa_s=self.asa,
            patience_s=patience_s,
            max_abandon=self.max_abandon,
            max_occupancy=self.max_occupancy,
            shrinkage=shrinkage,
            concurrency=concurrency,
            concurrency_stretch=concurrency_stretch,
        )


class ChannelTargetsSpec(TargetSpec):
    """One entry of a targets file: the target plus the staffing parameters of the channel."""

    patience: Duration | None = Field(None, gt=0, description="mean patience (Erlang A)")
    shrinkage: float = Field(0.0, ge=0, lt=1)
    concurrency: int = Field(1, ge=1, le=MAX_CONCURRENCY)
    concurrency_stretch: float = Field(1.0, ge=1, le=MAX_CONCURRENCY_STRETCH)

    def to_targets(self) -> ChannelTargets:
        return TargetSpec.to_targets(
            self, patience_s=self.patience, shrinkage=self.shrinkage, concurrency=self.concurrency,
            concurrency_stretch=self.concurrency_stretch,
        )


M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "missing": "is required",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of fields to values",
    "finite_number": "must be a finite number",
    "too_short": "must have at least {min_length} item(s)",
}


def _field_names(model: Any, loc: tuple) -> list[str] | None:
    """The field names allowed at ``loc`` (for 'unknown field' messages), walking the schema."""
    current: Any = model
    for item in loc[:-1]:
        current = _unwrap(current, item)
        if current is None:
            return None
    current = _unwrap(current, None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _unwrap(tp: Any, item: Any) -> Any:
    """Step from a type into the field / item ``item`` (None: just strip Optional/Annotated)."""
    for _ in range(8):
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a
                      for a in typing.get_args(tp) if a is not type(None)]
            tp = next((a for a in models if isinstance(a, type) and issubclass(a, BaseModel)),
                      models[0])
        else:
            break
    if item is None:
        return tp
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(item))
        return field.annotation if field else None
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        return typing.get_args(tp)[0] if isinstance(item, int) else None
    if origin is dict:
        return typing.get_args(tp)[1]
    return None


_TYPE_TAGS = {"float", "int", "str", "bool", "list", "dict"}


def _is_tag(item: Any) -> bool:
    """pydantic puts validator and union-member names in error locations; they are not fields."""
    if not isinstance(item, str):
        return False
    return (item.startswith("function-") or "[" in item or item in _TYPE_TAGS
            or item.endswith("-form") or (item[:1].isupper() and item.endswith("Spec")))


def error_lines(exc: ValidationError, model: Any, prefix: str = "") -> list[str]:
    """Every problem in a pydantic error, one ``"field.path: what is allowed, got value"`` each
    (one per field; an unknown key names the known one it is closest to)."""
    unknown, lines = [], []
    seen_paths: set[str] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(x for x in err["loc"] if not _is_tag(x))
        path = ".".join(str(x) for x in loc)
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        kind = err["type"]
        value = err.get("input")
        if kind == "extra_forbidden":
            allowed = _field_names(model, loc)
            name = str(loc[-1])
            msg = f"unknown field {excerpt(name)}"
            if allowed:
                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                msg += f" ({hint}allowed: {', '.join(allowed)})"
            path = ".".join(path.split(".")[:-1])
            unknown.append(f"{path}: {msg}" if path else msg)
            continue
        if kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        elif kind == "literal_error":
            msg = f"must be one of {err.get('ctx', {}).get('expected', '')}"
        elif kind in _MESSAGES:
            ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in err.get("ctx", {}).items()}
            msg = _MESSAGES[kind].format(**ctx)
        else:
            msg = err["msg"]
        if kind not in ("missing", "value_error") and value is not None:
            msg += f", got {excerpt(value)}"
        if path in seen_paths:
            continue  # another branch of the same field's alternatives: one message per field
        seen_paths.add(path)
        lines.append(f"{path}: {msg}" if path else msg)
    return unknown + lines  # an unknown key is often why a known one is missing: it comes first


def format_errors(exc: ValidationError, model: Any, source: str | None, prefix: str = "") -> str:
    """The message for a pydantic error: ``"file: field: problem"``, or with several problems a
    heading ``"file: 3 problems:"`` and one problem per line."""
    return str(errors_to_input_error(error_lines(exc, model, prefix), source))


def errors_to_input_error(lines: list[str], source: str | None) -> InputError:
    """One :class:`InputError` for the problems found in one file."""
    if len(lines) == 1:
        return InputError(where(source, lines[0]))
    return InputError.several(f"{where(source, None) or 'input'}: {len(lines)} problems:", lines)


def validate(
    model: type[M], data: Any, source: str | None = None, prefix: str = "", context: dict | None = None
) -> M:
    """Validate ``data`` into ``model``; raise :class:`InputError` naming every problem."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise errors_to_input_error(error_lines(exc, model, prefix), source) from None


# ---------------------------------------------------------------------------------------------
# Scenario files
# ---------------------------------------------------------------------------------------------

DIST_NAMES = ("exponential", "lognormal", "gamma", "weibull", "deterministic", "uniform", "empirical")


class DistributionSpec(Spec):
    """A distribution of durations. A bare duration (``180s``) means exponential with that mean."""

    dist: Literal[
        "exponential", "lognormal", "gamma", "weibull", "deterministic", "uniform", "empirical"
    ]
    mean: Duration | None = None
    cv: float | None = Field(None, gt=0)
    shape: float | None = Field(None, gt=0)
    low: Duration | None = None
    high: Duration | None = None
    values: list[Duration] | None = None
    file: str | None = None
    column: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, (int, float, str)) and not isinstance(data, bool):
            return {"dist": "exponential", "mean": data}
        return data

    @model_validator(mode="after")
    def _parameters(self, info: ValidationInfo) -> DistributionSpec:
        d = self.dist
        needs = {
            "exponential": ("mean",),
            "deterministic": ("mean",),
            "lognormal": ("mean", "cv"),
            "gamma": ("mean", "cv"),
            "weibull": ("mean", "shape"),
            "uniform": ("low", "high"),
            "empirical": (),
        }[d]
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"{d} needs {name}")
        allowed = set(needs) | {"dist"} | ({"values", "file", "column"} if d == "empirical" else set())
        extra = [k for k in ("mean", "cv", "shape", "low", "high", "values", "file", "column")
                 if getattr(self, k) is not None and k not in allowed]
        if extra:
            raise ValueError(f"{d} takes {', '.join(sorted(allowed - {'dist'}))}; not {extra[0]}")
        if self.mean is not None and (self.mean <= 0 and d != "deterministic" or math.isinf(self.mean)):
            raise ValueError(f"mean: must be a finite duration > 0, got {excerpt(self.mean)}")
        if d == "uniform" and not (0 <= self.low < self.high < math.inf):
            raise ValueError(f"uniform needs 0 <= low < high, got low {self.low}, high {self.high}")
        if d == "empirical":
            if (self.values is None) == (self.file is None):
                raise ValueError("empirical needs either values (a list) or file and column")
            if self.file is not None:
                if self.column is None:
                    raise ValueError("empirical with file needs column")
                base = (info.context or {}).get("base_dir")
                values = _read_column(self.file, self.column, base)
                object.__setattr__(self, "values", values)
                object.__setattr__(self, "file", None)
                object.__setattr__(self, "column", None)
            if not self.values:
                raise ValueError("empirical needs at least one value")
            if any(not math.isfinite(v) for v in self.values):
                raise ValueError("empirical values must be finite durations")
        return self

    def to_distribution(self) -> Distribution:
        mean = self.mean
        if self.dist == "uniform":
            mean = (self.low + self.high) / 2
        elif self.dist == "empirical":
            mean = float(np.mean(self.values))
        return Distribution(
            dist=self.dist, mean=float(mean), cv=self.cv, shape=self.shape, low=self.low,
            high=self.high, values=tuple(self.values) if self.values is not None else None,
        )


def _read_column(file: str, column: str, base: str | None) -> list[float]:
    path = Path(file)
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise ValueError(f"file {str(path)!r} not found") from None
    except IsADirectoryError:
        raise ValueError(f"file {str(path)!r} is a directory, not a CSV file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"file {str(path)!r} is not a readable CSV ({exc})") from None
    if column not in frame:
        raise ValueError(f"file {str(path)!r} has no column {column!r} (has {', '.join(frame.columns)})")
    values = []
    for i, v in enumerate(frame[column].tolist()):
        try:
            values.append(parse_duration(v))
        except ValueError as exc:
            raise ValueError(f"file {str(path)!r}, line {i + 2}, column {column!r}: {exc}") from None
    return values


class HorizonSpec(Spec):
    """Opening hours, slot length and number of days (the same hours every day)."""

    start: ClockTime
    end: ClockTime
    slot: Duration = Field(gt=0)
    days: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _grid(self) -> HorizonSpec:
        if self.end <= self.start:
            raise ValueError(f"end must be after start ({format_clock(self.start)})")
        n = (self.end - self.start) / self.slot
        if abs(n - round(n)) > 1e-9:
            raise ValueError(
                f"the day {format_clock(self.start)}-{format_clock(self.end)} is not a whole number "
                f"of {self.slot:g}s slots"
            )
        if round(n) * self.days > MAX_SLOTS:
            raise ValueError(f"{round(n) * self.days:,} slots ({self.days:,} day(s) of {round(n):,}) "
                             f"is beyond staffsim's limit of {MAX_SLOTS:,} slots per scenario")
        return self

    @property
    def slots_per_day(self) -> int:
        return int(round((self.end - self.start) / self.slot))

    @property
    def n_slots(self) -> int:
        return self.slots_per_day * self.days

    def slot_starts(self) -> np.ndarray:
        """Start of every slot, seconds from midnight of day 1."""
        k = np.arange(self.n_slots)
        day, j = np.divmod(k, self.slots_per_day)
        return day * 86400.0 + self.start + j * self.slot


class SelfServiceSpec(Spec):
    """Self-service (IVR, bot, web) in front of the agents."""

    deflection: float = Field(ge=0, lt=1, description="share contained by self-service")
    handle_time_uplift: float = Field(0.0, ge=0, description="extra handle time of the rest")
    failure: float = Field(0.0, ge=0, le=1, description="share of contained contacts that come back")
    failure_delay: DistributionSpec | None = None

    @model_validator(mode="after")
    def _failure(self) -> SelfServiceSpec:
        if self.failure > 0 and self.failure_delay is None:
            raise ValueError("failure > 0 needs failure_delay (when the contact comes back)")
        return self


class RetrialSpec(Spec):
    """Abandoned contacts that try again."""

    probability: float = Field(ge=0, le=1)
    delay: DistributionSpec
    max_attempts: int = Field(3, ge=2, description="attempts in all, the first included")


class VolumeFileSpec(Spec):
    """Volumes from a forecast file, CSV or Excel (the format ``staffsim plan`` reads). Only the
    volumes are taken; handle times come from the channel's ``handle_time`` distribution.
    ``dayfirst``, ``tz`` and ``sheet`` are the reader's options (``plan --dayfirst/--tz/--sheet``)."""

    file: str
    channel: str | None = None
    dayfirst: bool | None = Field(None, description="dates are day/month/year (false: month/day)")
    tz: str | None = Field(None, description="the center's time zone, e.g. Europe/Madrid")
    sheet: str | None = Field(None, description="the workbook's sheet holding the forecast")

    def reader_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`staffsim.scenarios.forecast.load_forecast`."""
        return {"dayfirst": self.dayfirst, "tz": self.tz, "sheet": self.sheet}


class ChannelSpec(Spec):
    """One contact channel."""

    volume: Annotated[
        Annotated[list[float], Tag("list-form")] | Annotated[VolumeFileSpec, Tag("file-form")],
        Discriminator(lambda v: "file-form" if isinstance(v, dict) else "list-form"),
    ] | None = None
    arrivals: list[float | str] | None = None
    volume_factor: float = Field(1.0, ge=0, description="multiplies every volume (what-if growth)")
    handle_time: DistributionSpec
    patience: DistributionSpec | None = None
    target: TargetSpec
    self_service: SelfServiceSpec | None = None
    retrial: RetrialSpec | None = None
    concurrency: int = Field(1, ge=1, le=MAX_CONCURRENCY)
    concurrency_stretch: float = Field(1.0, ge=1, le=MAX_CONCURRENCY_STRETCH)

    @field_validator("volume", mode="before")
    @classmethod
    def _volume_form(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, (list, dict)):
            raise ValueError(
                f"expected a list of contacts per slot, e.g. [60, 95, 130], or "
                f"{{file: forecast.csv, channel: voice}}, got {excerpt(v)}"
            )
        return v

    @field_validator("volume")
    @classmethod
    def _volumes(cls, v: Any) -> Any:
        if isinstance(v, list):
            for i, x in enumerate(v):
                if not (math.isfinite(x) and x >= 0):
                    raise ValueError(f"volume {i + 1} must be a number >= 0, got {excerpt(x)}")
        return v

    @field_validator("arrivals")
    @classmethod
    def _arrivals(cls, v: Any) -> Any:
        if v is None:
            return v
        out = []
        for x in v:
            t = parse_clock(x) if isinstance(x, str) else float(x)
            if not (math.isfinite(t) and t >= 0):
                raise ValueError(f"arrival times must be clock times or seconds >= 0, got {excerpt(x)}")
            out.append(t)
        return sorted(out)

    @model_validator(mode="after")
    def _one_source(self) -> ChannelSpec:
        if (self.volume is None) == (self.arrivals is None):
            raise ValueError("give either volume (per slot) or arrivals (explicit times)")
        return self


class BreakSpec(Spec):
    start: ClockTime
    length: Duration = Field(gt=0)


class ShiftSpec(Spec):
    start: ClockTime
    end: ClockTime
    agents: int = Field(ge=0, le=MAX_SCENARIO_AGENTS)
    breaks: list[BreakSpec] = []
    days: list[int] | None = Field(None, description="days (1 = first) the shift works; default all")


class GroupSpec(Spec):
    """A team of agents with the same skills."""

    group: str
    skills: list[str] = Field(min_length=1, description="channels, in routing priority order")
    shifts: list[ShiftSpec] | None = None
    staffing: Literal["plan"] | list[int] | None = Field(
        None, description="plan: log in the Erlang plan's agents slot by slot; or a list of agents "
        "logged in per slot (one day, repeated, or the whole horizon)")
    shrinkage: float = Field(0.0, ge=0, lt=1,
                             description="for staffing by slot: paid = ceil(net / (1 - s))")

    @field_validator("staffing", mode="before")
    @classmethod
    def _staffing_form(cls, v: Any) -> Any:
        if v is not None and v != "plan" and not isinstance(v, list):
            raise ValueError(f"expected plan or a list of agents per slot, e.g. [10, 12, 14], got {excerpt(v)}")
        if isinstance(v, list):
            for i, x in enumerate(v):
                if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= MAX_SCENARIO_AGENTS:
                    raise ValueError(f"agents per slot must be whole numbers from 0 to "
                                     f"{MAX_SCENARIO_AGENTS:,}; item {i + 1} is {excerpt(x)}")
        return v

    @model_validator(mode="after")
    def _one_staffing(self) -> GroupSpec:
        if (self.shifts is None) == (self.staffing is None):
            raise ValueError("give either shifts or staffing (plan, or agents per slot)")
        if len(set(self.skills)) != len(self.skills):
            raise ValueError("skills lists a channel twice")
        return self


class CostsSpec(Spec):
    """Money. Rates are per unit in ``currency``; a mapping gives a rate per group / channel
    (names not listed cost 0), a number applies to all."""

    currency: str = "EUR"
    agent_hour: float | dict[str, float] = Field(0.0, description="per paid agent hour, by group")
    abandoned: float | dict[str, float] = Field(0.0, description="per abandoned contact (lost revenue)")
    self_service: float | dict[str, float] = Field(0.0, description="per contact contained by self-service")
    handled_minute: float | dict[str, float] = Field(0.0, description="per handled minute (telephony)")

    @field_validator("agent_hour", "abandoned", "self_service", "handled_minute")
    @classmethod
    def _non_negative(cls, v: Any) -> Any:
        values = v.values() if isinstance(v, dict) else [v]
        for x in values:
            if not (math.isfinite(x) and x >= 0):
                raise ValueError(f"rates must be numbers >= 0, got {excerpt(x)}")
        return v

    def rate(self, field: str, name: str) -> float:
        value = getattr(self, field)
        return float(value.get(name, 0.0)) if isinstance(value, dict) else float(value)


class RunSpec(Spec):
    replications: int = Field(10, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(0, ge=0)
    drain: Duration = Field(3600.0, ge=0, description="how long queues may drain after closing")


class ScenarioSpec(Spec):
    """A whole scenario file."""

    name: str
    description: str = ""
    horizon: HorizonSpec
    channels: dict[str, ChannelSpec] = Field(min_length=1)
    agents: list[GroupSpec] = Field(min_length=1)
    absence: float = Field(0.0, ge=0, lt=1, description="share of scheduled agents absent per day")
    costs: CostsSpec = CostsSpec()
    run: RunSpec = RunSpec()

    @model_validator(mode="after")
    def _cross_checks(self) -> ScenarioSpec:
        h = self.horizon
        names = list(self.channels)
        for name, ch in self.channels.items():
            if not name or "." in name or "=" in name:
                raise ValueError(f"channels: channel names may not be empty or contain '.' or '=': {excerpt(name)}")
            if isinstance(ch.volume, list) and len(ch.volume) not in (h.slots_per_day, h.n_slots):
                want = f"{h.slots_per_day}" + (f" (or {h.n_slots} for all {h.days} days)" if h.days > 1 else "")
                raise ValueError(
                    f"channels.{name}.volume: has {len(ch.volume)} values but the horizon "
                    f"{format_clock(h.start)}-{format_clock(h.end)} has {want} slots of {h.slot:g}s"
                )
            if ch.arrivals is not None:
                for t in ch.arrivals:
                    day, tod = divmod(t, 86400.0)
                    if day >= h.days or not (h.start <= tod < h.end):
                        raise ValueError(
                            f"channels.{name}.arrivals: {format_clock(t)} is outside the opening hours"
                        )
            if ch.target.max_abandon is not None and ch.patience is None:
                raise ValueError(f"channels.{name}.target.max_abandon: needs patience")
        groups = [g.group for g in self.agents]
        if len(set(groups)) != len(groups):
            raise ValueError("agents: two groups share a name")
        served = set()
        for i, g in enumerate(self.agents):
            for skill in g.skills:
                if skill not in self.channels:
                    raise ValueError(
                        f"agents.{i}.skills: {excerpt(skill)} is not a channel (channels: {', '.join(names)})"
                    )
                served.add(skill)
            for j, s in enumerate(g.shifts or []):
                where_ = f"agents.{i}.shifts.{j}"
                if not (h.start <= s.start < s.end <= h.end):
                    raise ValueError(
                        f"{where_}: {format_clock(s.start)}-{format_clock(s.end)} is outside the horizon "
                        f"{format_clock(h.start)}-{format_clock(h.end)}"
                    )
                last = s.start
                for b in sorted(s.breaks, key=lambda b: b.start):
                    if b.start < last or b.start + b.length > s.end:
                        raise ValueError(
                            f"{where_}.breaks: the break at {format_clock(b.start)} overlaps another "
                            f"or falls outside the shift {format_clock(s.start)}-{format_clock(s.end)}"
                        )
                    last = b.start + b.length
                for d in s.days or []:
                    if not 1 <= d <= h.days:
                        raise ValueError(f"{where_}.days: day {d} is outside 1..{h.days}")
        for field in ("abandoned", "self_service", "handled_minute"):
            rates = getattr(self.costs, field)
            for name in rates if isinstance(rates, dict) else []:
                if name not in self.channels:
                    raise ValueError(f"costs.{field}: {excerpt(name)} is not a channel (channels: {', '.join(names)})")
        if isinstance(self.costs.agent_hour, dict):
            for name in self.costs.agent_hour:
                if name not in groups:
                    raise ValueError(f"costs.agent_hour: {excerpt(name)} is not a group (groups: {', '.join(groups)})")
        for i, g in enumerate(self.agents):
            if isinstance(g.staffing, list) and len(g.staffing) not in (h.slots_per_day, h.n_slots):
                want = f"{h.slots_per_day}" + (f" (or {h.n_slots} for all {h.days} days)" if h.days > 1 else "")
                raise ValueError(f"agents.{i}.staffing: has {len(g.staffing)} values but the horizon has "
                                 f"{want} slots")
        planned: dict[str, str] = {}
        for g in self.agents:
            for skill in g.skills if g.staffing == "plan" else []:
                if skill in planned:
                    raise ValueError(
                        f"channels.{skill}: two groups staffed from plan serve it ({planned[skill]}, "
                        f"{g.group}); each would log in the channel's whole plan"
                    )
                planned[skill] = g.group
        on_shifts = sum(s.agents for g in self.agents for s in g.shifts or [])
        if on_shifts > MAX_SCENARIO_AGENTS:
            raise ValueError(f"agents: {on_shifts:,} agents on shifts in all is beyond staffsim's "
                             f"limit of {MAX_SCENARIO_AGENTS:,} per scenario")
        unserved = [c for c in names if c not in served]
        if unserved:
            raise ValueError(f"channels.{unserved[0]}: no agent group has this skill")
        return self
