"""Pydantic v2 schemas for the files staffsim reads, and readable validation messages.

Every model forbids unknown keys and is frozen. :func:`validate` turns pydantic's errors into one
:class:`~staffsim.errors.InputError` of the form
``file: field.path: what is allowed, got value``.
"""

from __future__ import annotations

import datetime
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
    MAX_ATTEMPTS,
    MAX_CONCURRENCY,
    MAX_CONCURRENCY_STRETCH,
    MAX_CV,
    MAX_RATE,
    MAX_EVENT_VOLUME_FACTOR,
    MAX_REPLICATIONS,
    MAX_SCENARIO_AGENTS,
    MAX_SLOTS,
    MAX_VOLUME_CV,
)
from staffsim.models.staffing import ChannelTargets
from staffsim.scenarios import calendar
from staffsim.scenarios.routing import (
    UNLIMITED_ATTEMPTS,
    AgentChoice,
    LinesSpec,
    QueueOrder,
    check_routing,
)
from staffsim.scenarios.target_fields import CHANNEL_TARGET_FIELDS, TARGET_FIELDS, channel_targets
from staffsim.scenarios.transfers import AfterWorkLoadSpec, check_transfers
from staffsim.units import ClockTime, Duration, format_clock, parse_clock, parse_duration


class Spec(BaseModel):
    """Base of every file schema: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _target_field(name: str) -> Any:
    """The pydantic ``Field`` of a target field: default, bounds and description from the one
    definition in :mod:`staffsim.scenarios.target_fields` (which ``staffsim plan`` checks clean
    targets files with, without pydantic)."""
    return Field(**_TARGET_FIELDS[name].field_kwargs())


_TARGET_FIELDS = {f.name: f for f in CHANNEL_TARGET_FIELDS}


class TargetSpec(Spec):
    """A channel's service target as written in files."""

    # the annotations say the kind of each field of target_fields.TARGET_FIELDS (a test holds
    # them to it); the rest comes from there
    service_level: float = _target_field("service_level")
    threshold: Duration = _target_field("threshold")
    asa: Duration | None = _target_field("asa")
    max_abandon: float | None = _target_field("max_abandon")
    max_occupancy: float = _target_field("max_occupancy")

    def to_targets(self, *, patience_s: float | None = None, shrinkage: float = 0.0,
                   concurrency: int = 1, concurrency_stretch: float = 1.0) -> ChannelTargets:
        """The analytic model's targets for this target plus the channel's staffing parameters."""
        values = {f.name: getattr(self, f.name) for f in TARGET_FIELDS}
        return channel_targets({**values, "patience": patience_s, "shrinkage": shrinkage,
                                "concurrency": concurrency, "concurrency_stretch": concurrency_stretch})


class ChannelTargetsSpec(TargetSpec):
    """One entry of a targets file: the target plus the staffing parameters of the channel."""

    patience: Duration | None = _target_field("patience")
    shrinkage: float = _target_field("shrinkage")
    concurrency: int = _target_field("concurrency")
    concurrency_stretch: float = _target_field("concurrency_stretch")

    def to_targets(self) -> ChannelTargets:  # type: ignore[override]
        """The analytic model's targets for this entry."""
        return channel_targets({f.name: getattr(self, f.name) for f in CHANNEL_TARGET_FIELDS})


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
        _check_draws(self.to_distribution())
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


def _check_draws(d: Distribution) -> None:
    """A distribution's spread within :data:`~staffsim.limits.MAX_CV` and every draw finite
    (issue 22: a Weibull shape of 0.001 gave NaN handle times and a negative ASA)."""
    cv = d.coefficient_of_variation()
    if not cv <= MAX_CV:
        spread = f"of {cv:.3g}" if math.isfinite(cv) else "too large to compute"
        given = f"shape {d.shape:g} gives a coefficient of variation {spread}" if d.dist == "weibull" else f"cv {cv:g}"
        hint = " (a shape of at least 0.13)" if d.dist == "weibull" else ""
        raise ValueError(f"{d.dist}: {given}; staffsim takes a cv up to {MAX_CV:g}{hint} "
                         "(staffsim.limits.MAX_CV)")
    top = d.largest_draw()
    if not math.isfinite(top) or top > 1e200:
        raise ValueError(f"{d.dist} with mean {d.mean:g}s: its largest draws are not finite numbers "
                         "of seconds; give a smaller mean or spread")


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


# --- week: horizon with a calendar (start_date, opening hours per weekday or date) ------------
def _date_value(v: Any) -> Any:
    """A date field's value: None, or a date written YYYY-MM-DD (or a date already)."""
    if v is None:
        return v
    d = calendar.date_key(v)
    if d is None:
        raise ValueError(f"expected a date YYYY-MM-DD, e.g. 2026-03-02, got {excerpt(v)}")
    return d


class HorizonSpec(Spec):
    """Opening hours, slot length and number of calendar days.

    Without ``start_date`` every day opens ``start``-``end``. With it, day 1 is that date and
    ``hours`` may give other hours per weekday (``sat: ["09:00", "14:00"]``, ``sun: closed``) or
    per date (a date key wins). Slots exist only in opening hours; :meth:`slot_starts` is the
    single source of the slot grid (see :mod:`staffsim.scenarios.calendar`)."""

    start: ClockTime = Field(description="opening time of every day (08:00)")
    end: ClockTime = Field(description='closing time ("24:00" for midnight)')
    slot: Duration = Field(gt=0, description="length of a slot (30min, 15min); volumes are per slot")
    days: int = Field(1, ge=1, description="calendar days in the horizon, closed ones included")
    start_date: datetime.date | None = Field(None, description="the date of day 1 (YYYY-MM-DD)")
    hours: dict[str, list[ClockTime] | Literal["closed"]] | None = Field(
        None, description='opening hours by weekday or date: ["09:00", "14:00"] or closed')

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_form(cls, v: Any) -> Any:
        return _date_value(v)

    @field_validator("hours", mode="before")
    @classmethod
    def _hours_keys(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out = {}
        for key, value in v.items():
            wd, d = calendar.weekday_key(key), calendar.date_key(key)
            if wd is None and d is None:
                raise ValueError(f"{key!r} is neither a weekday (mon, tue, ..., sun) nor a date "
                                 "YYYY-MM-DD")
            name = wd or d.isoformat()
            if name in out:
                raise ValueError(f"{key!r} is given twice")
            if isinstance(value, str) and value.strip().lower() == "closed":
                value = "closed"
            elif not (isinstance(value, list) and len(value) == 2):
                raise ValueError(f"{key}: expected [\"HH:MM\", \"HH:MM\"] (opening, closing) or "
                                 f"closed, got {value!r}")
            out[name] = value
        return out

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
        if self.hours and self.start_date is None:
            raise ValueError("hours: opening hours by weekday or date need start_date (the date "
                             "of day 1)")
        for key, value in (self.hours or {}).items():
            if value == "closed":
                continue
            lo, hi = value
            if hi <= lo:
                raise ValueError(f"hours.{key}: closes at {format_clock(hi)}, before it opens at "
                                 f"{format_clock(lo)}")
            m = (hi - lo) / self.slot
            if abs(m - round(m)) > 1e-9:
                raise ValueError(f"hours.{key}: {format_clock(lo)}-{format_clock(hi)} is not a whole "
                                 f"number of {self.slot:g}s slots")
            d = calendar.date_key(key)
            if d is not None and not (0 <= (d - self.start_date).days < self.days):
                raise ValueError(f"hours.{key}: the date is outside the horizon "
                                 f"({calendar.day_label(self.start_date, 0)} to "
                                 f"{calendar.day_label(self.start_date, self.days - 1)})")
        if not self.open_days():
            raise ValueError("the horizon has no opening hours on any day")
        return self

    @property
    def slots_per_day(self) -> int:
        """Slots of a day with the default hours ``start``-``end``."""
        return int(round((self.end - self.start) / self.slot))

    @property
    def uniform(self) -> bool:
        """Every day opens ``start``-``end`` (no ``hours`` that change a day)."""
        return all(self.day_hours(d) == (self.start, self.end) for d in range(self.days))

    @property
    def n_slots(self) -> int:
        return len(self.slot_starts())

    def date(self, d: int) -> datetime.date | None:
        """The date of day ``d`` (0-based), or None without ``start_date``."""
        return None if self.start_date is None else self.start_date + datetime.timedelta(days=d)

    def day_hours(self, d: int) -> tuple[float, float] | None:
        """(opening, closing) seconds after midnight of day ``d`` (0-based), None when closed."""
        value = None
        if self.hours and self.start_date is not None:
            date = self.date(d)
            value = self.hours.get(date.isoformat(), self.hours.get(calendar.WEEKDAYS[date.weekday()]))
        if value is None:
            return (self.start, self.end)
        if value == "closed":
            return None
        return (float(value[0]), float(value[1]))

    def open_days(self) -> list[int]:
        """The days (0-based) with opening hours."""
        return [d for d in range(self.days) if self.day_hours(d) is not None]

    def slot_starts(self) -> np.ndarray:
        """Start of every slot, seconds from midnight of day 1; slots only in opening hours."""
        if self.hours is None:
            k = np.arange(self.slots_per_day * self.days)
            day, j = np.divmod(k, self.slots_per_day)
            return day * 86400.0 + self.start + j * self.slot
        parts = []
        for d in range(self.days):
            hours = self.day_hours(d)
            if hours is None:
                continue
            j = np.arange(int(round((hours[1] - hours[0]) / self.slot)))
            parts.append(d * 86400.0 + hours[0] + j * self.slot)
        return np.concatenate(parts) if parts else np.zeros(0)

    def slot_days(self) -> np.ndarray:
        """The day (0-based) of every slot."""
        return (self.slot_starts() // 86400.0).astype(np.int64)

    def default_day_index(self) -> np.ndarray:
        """For every slot, its position in a default day ``start``-``end`` (by clock time), or
        -1 where the slot's time is not a slot of the default day."""
        tod = self.slot_starts() % 86400.0
        j = (tod - self.start) / self.slot
        ok = (tod >= self.start) & (tod < self.end) & (np.abs(j - np.round(j)) < 1e-9)
        return np.where(ok, np.round(j), -1).astype(np.int64)

    @property
    def run_start(self) -> float:
        """When a run starts: the default opening of day 1, or day 1's first slot if earlier."""
        starts = self.slot_starts()
        return float(min(self.start, starts[0]))

    @property
    def close(self) -> float:
        """When the last open day closes (seconds from midnight of day 1)."""
        d = self.open_days()[-1]
        return d * 86400.0 + self.day_hours(d)[1]

    def is_open(self, t: float) -> bool:
        """Whether time ``t`` falls in opening hours."""
        day, tod = divmod(t, 86400.0)
        if day < 0 or day >= self.days:
            return False
        hours = self.day_hours(int(day))
        return hours is not None and hours[0] <= tod < hours[1]

    def per_slot(self, values) -> np.ndarray:
        """A per-slot list as one value per slot of the horizon: all of them as given, or one
        day's values taken by clock time on every open day (see ``_per_slot_list``)."""
        arr = np.asarray(values)
        if len(arr) == self.n_slots:
            return arr
        return arr[self.default_day_index()]

    def day_name(self, d: int) -> str:
        """``Mon 2026-03-02`` or ``day 3`` (``d`` 0-based)."""
        return calendar.day_label(self.start_date, d)

    def shift_days(self, days: list | None) -> list[int]:
        """Days (1-based) a shift with ``days`` works: numbers or weekday names; default every
        open day."""
        if days is None:
            return [d + 1 for d in self.open_days()]
        out = []
        for item in days:
            wd = calendar.weekday_key(item)
            if wd is None:
                out.append(int(item))
            else:
                out.extend(d + 1 for d in range(self.days)
                           if calendar.WEEKDAYS[self.date(d).weekday()] == wd)
        return sorted(set(out))
# --- end week -------------------------------------------------------------------------------


class SelfServiceSpec(Spec):
    """Self-service (IVR, bot, web) in front of the agents."""

    deflection: float = Field(0.0, ge=0, lt=1, description="share contained by self-service "
                              "(default 0: none; so one field can be set alone)")
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
    max_attempts: int | Literal["unlimited"] = Field(
        3, description=f"attempts in all, the first included; unlimited: up to {UNLIMITED_ATTEMPTS}")
    # --- routing (issue 20): scenarios/routing.py -----------------------------------------------
    keep_patience: bool = Field(False, description="a redial keeps the caller's first patience "
                                "(the total wait a caller accepts runs on across redials)")
    when_closed: Literal["drop", "at_opening"] = Field(
        "drop", description="a redial that would fall when closed: drop it, or make it at the next opening")
    draws: Literal["upfront", "as_needed"] | None = Field(
        None, description="upfront: every possible attempt's values drawn when the day starts (the "
        "default: earlier numbers); as_needed: only the attempts that happen (implied by the options above)")

    @field_validator("max_attempts")
    @classmethod
    def _attempts(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool) and v < 2:
            raise ValueError(f"max_attempts must be >= 2 (attempts in all, the first included) or unlimited, got {v}")
        return v

    @property
    def attempts(self) -> int:
        """Attempts in all, the first included (``unlimited``: the stated bound)."""
        return UNLIMITED_ATTEMPTS if self.max_attempts == "unlimited" else int(self.max_attempts)

    @property
    def lazy(self) -> bool:
        """Retrial values are drawn as attempts happen (not up front)."""
        return (self.draws == "as_needed" or self.keep_patience or self.max_attempts == "unlimited"
                or self.when_closed == "at_opening")
    # --- end routing ---


# --- customer behaviours at the queue: segments, balking, callbacks (channel fields) ----------

RESERVED_SEGMENT = "all"  # the segment label of a channel's rows over all its segments


class SegmentSpec(Spec):
    """A customer segment of a channel: a share of its contacts with their own patience, handle
    time, routing priority and value of an abandon. Fields left out inherit the channel's."""

    share: float = Field(gt=0, le=1, description="share of the channel's contacts")
    patience: DistributionSpec | None = None
    handle_time: DistributionSpec | None = None
    priority: int = Field(0, description="higher is served first (FIFO within a priority)")
    abandon_value: float | None = Field(None, ge=0, description="lost value per contact lost "
                                        "(abandoned, balked, callback failed); default costs.abandoned")


class BalkingSpec(Spec):
    """Leaving on arrival on seeing the queue: the probability of leaving at each point (number
    of contacts waiting ahead, or the announced expected wait), linear between points and flat
    beyond the first and the last."""

    by: Literal["position", "expected_wait"]
    points: list[Any] = Field(min_length=1, description="[[x, probability], ...] in increasing x")

    @model_validator(mode="after")
    def _points(self) -> BalkingSpec:
        what = "position" if self.by == "position" else "expected wait"
        parsed = []
        for i, point in enumerate(self.points, start=1):
            if not isinstance(point, (list, tuple)) or len(point) != 2:
                raise ValueError(f"points: point {i} must be a pair [{what}, probability], got {point!r}")
            x, p = point
            try:
                if self.by == "position":
                    if isinstance(x, bool) or not isinstance(x, (int, float)) or not (math.isfinite(x) and x >= 0):
                        raise ValueError(f"a position (contacts waiting ahead) must be a number >= 0, got {x!r}")
                    x = float(x)
                else:
                    x = parse_duration(x)
                    if not math.isfinite(x):
                        raise ValueError(f"an expected wait must be a finite duration, got {point[0]!r}")
            except ValueError as exc:
                raise ValueError(f"points: point {i}: {exc}") from None
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
                raise ValueError(f"points: point {i}: the probability of leaving must be within [0, 1], got {p!r}")
            if parsed and x <= parsed[-1][0]:
                raise ValueError(f"points: the {what}s must increase from point to point; point {i} "
                                 f"({point[0]!r}) is not after point {i - 1} ({self.points[i - 2][0]!r})")
            parsed.append((x, float(p)))
        object.__setattr__(self, "points", parsed)
        return self


class OfferWhenSpec(Spec):
    """When a callback is offered to a contact that would have to queue: the expected wait
    announced at arrival is at least ``expected_wait``, or at least ``position`` contacts are
    waiting ahead. Exactly one of the two."""

    expected_wait: Duration | None = None
    position: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one(self) -> OfferWhenSpec:
        if (self.expected_wait is None) == (self.position is None):
            raise ValueError("give exactly one of expected_wait (a duration) or position (contacts ahead)")
        if self.expected_wait is not None and not math.isfinite(self.expected_wait):
            raise ValueError("expected_wait: must be a finite duration")
        return self


class CallbackTargetSpec(Spec):
    """The callbacks' own service target: connected within ``threshold`` of the request."""

    service_level: float = Field(gt=0, lt=1)
    threshold: Duration = Field(gt=0)


class CallbackSpec(Spec):
    """Callbacks (virtual hold) offered to contacts that would have to queue."""

    offer_when: OfferWhenSpec
    accept: float = Field(ge=0, le=1, description="share of offered contacts who accept")
    keep_place: bool = Field(True, description="true: the callback keeps the caller's place in the "
                             "queue; false: agents call back when they have no live contact to take")
    connect_time: Duration = Field(0.0, description="agent time to dial and connect, every dial")
    no_answer: float = Field(0.0, ge=0, lt=1, description="share of dials the customer does not answer")
    max_attempts: int = Field(3, ge=1, le=MAX_ATTEMPTS, description="dials in all before the callback is "
                              "given up")
    retry_delay: Duration = Field(300.0, description="wait before dialling again after no answer")
    target: CallbackTargetSpec | None = None

    @model_validator(mode="after")
    def _finite(self) -> CallbackSpec:
        for name in ("connect_time", "retry_delay"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name}: must be a finite duration")
        return self


# --- end of customer behaviours ----------------------------------------------------------------


class VolumeFileSpec(Spec):
    """Volumes from a forecast file, CSV or Excel (the format ``staffsim plan`` reads). With
    ``aht`` (default) the file's AHT of each slot becomes the mean of the channel's handle-time
    distribution for contacts arriving in that slot (its shape kept; see
    ``Distribution.scaled``); with ``aht: false`` only the volumes are taken and every slot has
    the distribution's own mean. ``dayfirst``, ``tz`` and ``sheet`` are the reader's options
    (``plan --dayfirst/--tz/--sheet``)."""

    file: str
    channel: str | None = None
    aht: bool = Field(True, description="use the file's AHT per slot as the handle-time mean")
    dayfirst: bool | None = Field(None, description="dates are day/month/year (false: month/day)")
    tz: str | None = Field(None, description="the center's time zone, e.g. Europe/Madrid")
    sheet: str | None = Field(None, description="the workbook's sheet holding the forecast")

    def reader_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`staffsim.scenarios.forecast.load_forecast`."""
        return {"dayfirst": self.dayfirst, "tz": self.tz, "sheet": self.sheet}


# --- week: forecast error and events ---------------------------------------------------------
class VolumeUncertaintySpec(Spec):
    """Forecast error: the slot's Poisson rate is the forecast times a gamma multiplier of mean 1
    and coefficient of variation ``cv``, drawn once per day (every slot of the day shares it) or
    per slot, from its own random stream."""

    cv: float = Field(gt=0, le=MAX_VOLUME_CV, description="coefficient of variation of the multiplier "
                      f"(at most {MAX_VOLUME_CV:g}: staffsim.limits.MAX_VOLUME_CV)")
    per: Literal["day", "slot"] = "day"
    # routing (issue 20): one factor for several channels (scenarios/routing.py)
    shared: bool | str = Field(False, description="true: one factor shared by every channel with "
                               "shared: true; a name: shared by the channels giving that name")

    @field_validator("shared")
    @classmethod
    def _shared(cls, v: Any) -> Any:
        if isinstance(v, str) and (not v or v in ("true", "false")):
            raise ValueError(f"shared: true, false or a group name, got {v!r}")
        return v


class EventEffectSpec(Spec):
    """What an event does to one channel inside its window."""

    volume_factor: float = Field(1.0, ge=0, le=MAX_EVENT_VOLUME_FACTOR, description="multiplies the arrival rate")
    handle_time_factor: float = Field(1.0, gt=0, description="multiplies handle times of "
                                      "contacts arriving in the window")
    unavailable: bool = Field(False, description="the channel takes no contacts: arrivals (and "
                              "retries) in the window are lost and counted as unavailable")
    self_service_unavailable: bool = Field(False, description="self-service is down: no "
                                           "contact is contained in the window")


class EventSpec(Spec):
    """A window of one day with effects per channel."""

    name: str = ""
    day: int | None = Field(None, ge=1, description="day number (1 = first)")
    date: datetime.date | None = Field(None, description="or the date (needs horizon.start_date)")
    start: ClockTime
    end: ClockTime
    channels: dict[str, EventEffectSpec] = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _date_form(cls, v: Any) -> Any:
        return _date_value(v)

    @model_validator(mode="after")
    def _window(self) -> EventSpec:
        if (self.day is None) == (self.date is None):
            raise ValueError("give either day (1 = first) or date")
        if self.end <= self.start:
            raise ValueError(f"end {format_clock(self.end)} must be after start {format_clock(self.start)}")
        return self

    def day_index(self, h: HorizonSpec) -> int:
        """The event's day, 0-based, in horizon ``h`` (validated by the scenario)."""
        return self.day - 1 if self.day is not None else (self.date - h.start_date).days
# --- end week ---------------------------------------------------------------------------------


# --- first-contact resolution and appointments (repeats branch) ------------------------------


class ResolutionSpec(Spec):
    """First-contact resolution: an answered contact is resolved with probability
    ``first_contact``; an unresolved one comes back as a repeat attempt after ``repeat_delay``
    on one of ``repeat_channels`` (shares; default the same channel). A repeat is itself
    resolved with probability ``repeat`` (default ``first_contact``: the number of contacts a
    customer needs is geometric)."""

    first_contact: float = Field(ge=0, le=1, description="share resolved at the first answered contact")
    repeat: float | None = Field(None, gt=0, le=1, description="share of repeats resolved (default: first_contact)")
    repeat_delay: DistributionSpec = Field(description="from the end of the unresolved contact to the repeat")
    repeat_channels: dict[str, float] | None = Field(
        None, description="channel -> share of the repeats that come back there (shares sum to 1)")

    @field_validator("repeat_channels")
    @classmethod
    def _shares(cls, v: Any) -> Any:
        if v is None:
            return v
        if not v:
            raise ValueError("give at least one channel and its share, e.g. {voice: 0.7, chat: 0.3}")
        for name, x in v.items():
            if not (math.isfinite(x) and 0 <= x <= 1):
                raise ValueError(f"the share of {name!r} must be a number in [0, 1], got {x!r}")
        total = math.fsum(v.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"shares must sum to 1, got {total:g} ({', '.join(f'{k}: {x:g}' for k, x in v.items())})")
        return v

    @model_validator(mode="after")
    def _terminates(self) -> ResolutionSpec:
        if self.first_contact == 0 and self.repeat is None:
            raise ValueError("first_contact 0 resolves nothing, ever: give repeat (> 0), the share of "
                             "repeats resolved")
        return self

    @property
    def repeat_share(self) -> float:
        """The share of repeats resolved."""
        return self.first_contact if self.repeat is None else self.repeat


class RemindersSpec(Spec):
    """Appointment reminders: every booking is sent one; a share ``reach`` is read, and a
    customer who read it misses the appointment with probability ``no_show_if_reminded``."""

    reach: float = Field(ge=0, le=1, description="share of reminders that reach (are read by) the customer")
    no_show_if_reminded: float = Field(ge=0, le=1, description="no-show probability of a reminded customer")
    cost: float = Field(0.0, ge=0, description="per reminder sent (in costs.currency)")

    @field_validator("cost")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number >= 0, got {v!r}")
        return v


class OverbookingSpec(Spec):
    """Extra bookings per slot: a whole number (``extra``) or a share of the slot's bookings
    (``share``, spread so that the running total is the rounded share of the running bookings)."""

    extra: int | None = Field(None, ge=0, description="extra bookings in every slot with bookings")
    share: float | None = Field(None, ge=0, le=1, description="extra bookings as a share of the bookings")

    @model_validator(mode="after")
    def _one(self) -> OverbookingSpec:
        if (self.extra is None) == (self.share is None):
            raise ValueError("give either extra (bookings per slot) or share (of the bookings)")
        return self


def _clock_times(v: Any, what: str) -> Any:
    """Sorted seconds from clock times or seconds >= 0 (booked appointment times)."""
    if v is None:
        return v
    out = []
    for x in v:
        t = parse_clock(x) if isinstance(x, str) else float(x)
        if not (math.isfinite(t) and t >= 0):
            raise ValueError(f"{what} must be clock times or seconds >= 0, got {excerpt(x)}")
        out.append(t)
    return sorted(out)


APPOINTMENT_FIELDS = ("bookings", "booked", "booking_interval", "length", "no_show", "reminders",
                      "grace", "lateness", "overbooking", "value")
LIVE_ONLY_FIELDS = ("volume", "arrivals", "volume_factor", "handle_time", "patience", "self_service",
                    "retrial", "concurrency", "concurrency_stretch")

# --- end of first-contact resolution and appointments ------------------------------------------


class TransferSpec(Spec):
    """``transfer`` (issue 20): after the first agent's talk, a drawn share of the contacts moves
    to another channel's (skill's) queue and is served there (scenarios/transfers.py)."""

    share: float = Field(ge=0, le=1, description="share of answered contacts transferred (0 to 1)")
    to: str = Field(description="the channel (skill) whose queue the contact joins")
    handle_time: DistributionSpec | None = Field(
        None, description="the second agent's handle time (default: the target channel's)")
    handoff: Duration = Field(0.0, ge=0, description="the first agent's time after the contact has "
                              "moved (notes for the next agent) before it is free")
    position: Literal["back", "front"] = Field(
        "back", description="back: joins the back of the target's line; front: before every contact "
        "waiting there (after the transferred contacts already at the front)")


class ConferenceSpec(Spec):
    """``conference`` (issue 20): after the first agent's talk, a drawn share of the contacts needs
    an agent of another team (a supervisor) to join for a drawn time; the first agent stays."""

    share: float = Field(ge=0, le=1, description="share of answered contacts conferenced (0 to 1)")
    group: str = Field(description="the team (agents.group) whose agent joins, e.g. supervisors")
    time: DistributionSpec = Field(description="how long the conference lasts (both agents busy)")


class ChannelSpec(Spec):
    """One contact channel."""

    volume: Annotated[
        Annotated[list[float], Tag("list-form")] | Annotated[VolumeFileSpec, Tag("file-form")],
        Discriminator(lambda v: "file-form" if isinstance(v, dict) else "list-form"),
    ] | None = Field(None, description="contacts offered per slot: one day's slots (repeated by "
                       "clock time on every open day) or one value per slot of the horizon; or a "
                       "forecast file")
    arrivals: list[float | str] | None = Field(
        None, description="explicit arrival times instead of volume (clock times or seconds), to replay a day")
    volume_factor: float = Field(1.0, ge=0, description="multiplies every volume (what-if growth)")
    handle_time: DistributionSpec | None = Field(  # required for live channels (_kind_fields)
        None, description="handle time per contact (a distribution of durations; required for live channels)")
    patience: DistributionSpec | None = Field(
        None, description="how long a caller waits before hanging up; absent: never abandons (email)")
    target: TargetSpec
    self_service: SelfServiceSpec | None = None
    retrial: RetrialSpec | None = None
    concurrency: int = Field(1, ge=1, le=MAX_CONCURRENCY,
                             description="contacts an agent holds at once (chats; 1 for voice)")
    concurrency_stretch: float = Field(
        1.0, ge=1, le=MAX_CONCURRENCY_STRETCH,
        description="a contact started while the agent holds concurrency - 1 others lasts this many times as long (1: no slowdown)")
    # --- first-contact resolution and appointments (repeats branch) ---
    resolution: ResolutionSpec | None = None
    kind: Literal["live", "appointment"] = Field(
        "live", description="live: contacts arrive and queue; appointment: booked in advance")
    bookings: list[int] | None = Field(None, description="appointments booked per slot (one day, or all)")
    booked: list[float | str] | None = Field(None, description="explicit booked times (clock times)")
    booking_interval: Duration | None = Field(
        None, gt=0, description="grid of booked times within a slot (default: the slot)")
    length: DistributionSpec | None = Field(None, description="an appointment's duration")
    no_show: float = Field(0.0, ge=0, le=1, description="probability a booked customer does not come")
    reminders: RemindersSpec | None = None
    grace: Duration | None = Field(None, description="how long the agent waits for the customer")
    lateness: DistributionSpec | None = Field(None, description="customer arrives this long after the "
                                              "booked time (default: punctual)")
    overbooking: OverbookingSpec | None = None
    value: float = Field(0.0, ge=0, description="revenue per served appointment (in costs.currency)")
    # --- end ---
    volume_uncertainty: VolumeUncertaintySpec | None = None  # week: forecast error
    # customer behaviours at the queue
    segments: dict[str, SegmentSpec] | None = None
    balking: BalkingSpec | None = None
    callbacks: CallbackSpec | None = None
    # routing (issue 20): which free agent takes an arriving contact (scenarios/routing.py)
    agent_choice: AgentChoice = Field("longest_idle", description="longest_idle, random_free (at random "
                                      "among free agents) or least_occupied")
    after_work: DistributionSpec | None = Field(
        None, description="after-contact work: the agent's wrap-up after each answered contact, a phase "
        "of its own (the customer has gone; the agent takes nothing new of the channel's concurrency slot)")
    # transfers, conferences, wrap-up under load (issue 20; scenarios/transfers.py)
    after_work_under_load: AfterWorkLoadSpec | None = Field(
        None, description="the wrap-up shortened while contacts wait: {queue_at_least: n, factor: f}")
    transfer: TransferSpec | None = Field(
        None, description="a share of the answered contacts moves to another channel's queue after the talk")
    conference: ConferenceSpec | None = Field(
        None, description="a share of the answered contacts needs a supervisor to join after the talk")

    @field_validator("segments")
    @classmethod
    def _segments(cls, v: Any) -> Any:
        if v is None:
            return v
        for name in v:
            if not name or "." in name or "=" in name or name == RESERVED_SEGMENT:
                raise ValueError(f"segment names may not be empty, {RESERVED_SEGMENT!r} or contain "
                                 f"'.' or '=': {name!r}")
        total = math.fsum(s.share for s in v.values())
        if abs(total - 1.0) > 1e-9:
            parts = ", ".join(f"{name} {s.share:g}" for name, s in v.items())
            raise ValueError(f"the segments' shares must add up to 1, got {total:g} ({parts})")
        return v

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
        return _clock_times(v, "arrival times")

    @model_validator(mode="after")
    def _one_source(self) -> ChannelSpec:
        if self.kind == "appointment":
            return self  # bookings instead (_kind_fields)
        if (self.volume is None) == (self.arrivals is None):
            raise ValueError("give either volume (per slot) or arrivals (explicit times)")
        return self

    # --- first-contact resolution and appointments (repeats branch) ---
    @field_validator("booked")
    @classmethod
    def _booked(cls, v: Any) -> Any:
        return _clock_times(v, "booked times")

    @field_validator("grace")
    @classmethod
    def _finite_grace(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite duration (an agent who waits forever for a customer "
                             f"who does not come is never free again), got {v!r}")
        return v

    @field_validator("value")
    @classmethod
    def _finite_value(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number >= 0, got {v!r}")
        return v

    @model_validator(mode="after")
    def _kind_fields(self) -> ChannelSpec:
        given = self.model_fields_set
        if self.kind == "live":
            wrong = [f for f in APPOINTMENT_FIELDS if f in given]
            if wrong:
                raise ValueError(f"{wrong[0]} is for appointment channels (add kind: appointment)")
            if self.handle_time is None:
                raise ValueError("handle_time is required (the handle-time distribution, e.g. "
                                 "{dist: lognormal, mean: 5min, cv: 0.8})")
            return self
        if "patience" in given:
            raise ValueError("patience: an appointment channel takes no patience: a customer who "
                             "came waits for the agent (customers who do not come are no_show, "
                             "and the agent gives up after grace)")
        wrong = [f for f in LIVE_ONLY_FIELDS if f in given]
        if wrong:
            hint = {"handle_time": " (give length, the appointment's duration)",
                    "volume": " (give bookings per slot, or booked times)",
                    "arrivals": " (give booked times)"}.get(wrong[0], "")
            raise ValueError(f"{wrong[0]}: not for appointment channels{hint}")
        if (self.bookings is None) == (self.booked is None):
            raise ValueError("an appointment channel needs either bookings (per slot) or booked "
                             "(explicit times)")
        if any(b < 0 for b in self.bookings or []):
            raise ValueError("bookings must be whole numbers >= 0")
        if self.booked is not None and (self.overbooking is not None or self.booking_interval is not None):
            raise ValueError("overbooking and booking_interval go with bookings per slot; with "
                             "booked times, list every booking")
        if self.length is None:
            raise ValueError("an appointment channel needs length (the appointment's duration, "
                             "e.g. {dist: gamma, mean: 25min, cv: 0.3})")
        if self.grace is None:
            raise ValueError("an appointment channel needs grace (how long the agent waits for a "
                             "customer who is late or does not come, e.g. 10min)")
        object.__setattr__(self, "handle_time", self.length)  # the engine's service time
        return self

    @property
    def appointment(self) -> bool:
        return self.kind == "appointment"

    def no_show_probability(self) -> float:
        """The no-show probability of a booking, reminders counted: reach × no_show_if_reminded
        + (1 − reach) × no_show."""
        r = self.reminders
        if r is None:
            return self.no_show
        return r.reach * r.no_show_if_reminded + (1.0 - r.reach) * self.no_show
    # --- end ---


class BreakSpec(Spec):
    """A break in a shift; ``paid: false`` (an unpaid lunch) takes it out of the paid hours."""

    start: ClockTime
    length: Duration = Field(gt=0)
    paid: bool = Field(True, description="false: unpaid (not in paid_agent_hours nor the agent cost)")


class ShiftSpec(Spec):
    start: ClockTime
    end: ClockTime
    agents: int = Field(ge=0, le=MAX_SCENARIO_AGENTS)
    breaks: list[BreakSpec] = []
    days: list[int | str] | None = Field(
        None, description="days the shift works: numbers (1 = first) or weekdays (mon, ..., with "
        "horizon.start_date); default every open day")


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
    # routing a planner recognises
    handle_time_factor: dict[str, float] = Field(
        {}, description="per channel: the team's handle times are this many times the channel's")
    overflow_after: dict[str, Duration] = Field(
        {}, description="per channel: the team takes a contact only once it has waited this long")
    # routing (issue 20): which waiting contact a freed agent takes (scenarios/routing.py)
    queue_order: QueueOrder = Field("priority", description="priority (skills in order), oldest (the "
                                    "oldest waiting across the skills) or weighted (priority_step)")
    priority_step: Duration | None = Field(None, ge=0, description="weighted: how much longer a "
                                           "contact of the next skill down must have waited to go first")
    blend: list[str] | None = Field(None, description="digital blending: channels (same concurrency k) "
                                    "whose contacts an agent mixes, k in all at once")

    @field_validator("handle_time_factor")
    @classmethod
    def _factors(cls, v: dict[str, float]) -> dict[str, float]:
        for name, x in v.items():
            if not (math.isfinite(x) and x > 0):
                raise ValueError(f"{name}: a handle-time factor must be a number > 0, got {x!r}")
        return v

    @field_validator("overflow_after")
    @classmethod
    def _delays(cls, v: dict[str, float]) -> dict[str, float]:
        for name, x in v.items():
            if not math.isfinite(x):
                raise ValueError(f"{name}: an overflow delay must be a finite duration, got {x!r}")
        return v

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
            if not (math.isfinite(x) and 0 <= x <= MAX_RATE):
                raise ValueError(f"rates must be numbers from 0 to {MAX_RATE:,.0f} "
                                 f"(staffsim.limits.MAX_RATE), got {excerpt(x)}")
        return v

    def rate(self, field: str, name: str) -> float:
        value = getattr(self, field)
        return float(value.get(name, 0.0)) if isinstance(value, dict) else float(value)


class RunSpec(Spec):
    replications: int = Field(10, ge=1, le=MAX_REPLICATIONS,
                              description="independent simulated days (or weeks); -n overrides it")
    seed: int = Field(0, ge=0, description="random seed; --seed overrides it")
    drain: Duration = Field(3600.0, ge=0, description="how long queues may drain after closing")


# --- outbound (issue 20): dial lists worked by idle agents (engine/outbound.py) ---------------
MAX_OUTBOUND_RECORDS = 10_000_000  # records added to a list per slot or day: a stated bound


class OutboundListSpec(Spec):
    """The records a campaign's list receives: ``per_day`` records at each open day's opening,
    or ``per_slot`` records at the start of each slot (one day's slots, or every slot of the
    horizon)."""

    per_day: int | None = Field(None, ge=0, le=MAX_OUTBOUND_RECORDS, description="records added "
                                "at each open day's opening")
    per_slot: list[int] | None = Field(None, description="records added at the start of each slot "
                                       "(one day's slots, or all)")
    carry_over: bool = Field(True, description="records not dialled by a day's close stay on the "
                             "list for the next open day (false: they expire at the close)")

    @model_validator(mode="after")
    def _one(self) -> OutboundListSpec:
        if (self.per_day is None) == (self.per_slot is None):
            raise ValueError("give either per_day (records added at each opening) or per_slot "
                             "(records added per slot)")
        for i, x in enumerate(self.per_slot or []):
            if not 0 <= x <= MAX_OUTBOUND_RECORDS:
                raise ValueError(f"per_slot {i + 1} must be a whole number of records between 0 and "
                                 f"{MAX_OUTBOUND_RECORDS:,}, got {excerpt(x)}")
        return self


class OutboundBlendSpec(Spec):
    """When an agent with nothing inbound to take may dial: ``min_idle`` agents of its team must
    stay idle besides it, at most ``max_waiting`` inbound contacts may wait in ``watch``, and the
    service level of the contacts of ``watch`` that arrived in the last ``window`` must be at
    least ``min_service_level``."""

    min_idle: int = Field(0, ge=0, le=MAX_SCENARIO_AGENTS, description="agents of the dialling "
                          "agent's team that must be idle besides it (kept for inbound)")
    max_waiting: int | None = Field(None, ge=0, description="dial only while at most this many "
                                    "inbound contacts wait in the watched channels (0: none waits)")
    min_service_level: float | None = Field(None, ge=0, le=1, description="dial only while the "
                                            "service level of the watched channels' contacts of the "
                                            "last window is at least this")
    window: Duration | None = Field(None, gt=0, description="min_service_level: how far back the "
                                    "service level looks (default 15min)")
    watch: list[str] | None = Field(None, description="channels max_waiting and min_service_level "
                                    "count (default: every live channel)")
    recheck: Duration = Field(60.0, gt=0, description="an idle agent held back by max_waiting or "
                              "min_service_level looks again this often")

    @model_validator(mode="after")
    def _window(self) -> OutboundBlendSpec:
        if self.window is not None and self.min_service_level is None:
            raise ValueError("window: goes with min_service_level (the service level over the last "
                             "window below which agents stop dialling)")
        return self


class OutboundPreventsSpec(Spec):
    """Outreach that prevents inbound contacts: each reached record, with probability ``share``
    (its own draw), removes the first inbound first attempt of ``channel`` arriving ``lag`` or
    more after the call ends."""

    channel: str = Field(description="the inbound channel whose first contacts it prevents")
    share: float = Field(ge=0, le=1, description="inbound contacts prevented per reached record")
    lag: Duration = Field(0.0, ge=0, description="from the end of the reached call to the "
                          "earliest inbound contact it prevents, e.g. 1d")


class OutboundSpec(Spec):
    """One outbound campaign: a dial list worked by idle agents of ``groups`` under a blend rule."""

    groups: list[str] = Field(min_length=1, description="agent groups that dial the list")
    list: OutboundListSpec
    reach_probability: float = Field(ge=0, le=1, description="probability a dial reaches the "
                                     "customer")
    talk_time: DistributionSpec = Field(description="agent time of a reached call (a handle-time "
                                        "distribution)")
    dial_time: Duration = Field(0.0, ge=0, description="agent time of a dial that does not reach "
                                "(ringing, voicemail)")
    attempts: int = Field(1, ge=1, le=MAX_ATTEMPTS, description="dials per record at most")
    retry_interval: Duration = Field(3600.0, gt=0, description="wait before an unreached record "
                                     "may be dialled again")
    blend: OutboundBlendSpec = OutboundBlendSpec()
    prevents: OutboundPreventsSpec | None = None
    value: float = Field(0.0, ge=0, description="value per reached record (in costs.currency)")

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number >= 0, got {v!r}")
        return v


def _check_outbound(spec: ScenarioSpec) -> None:
    """Cross-field checks of ``outbound`` (groups, channels, list lengths)."""
    groups = [g.group for g in spec.agents]
    names = list(spec.channels)
    for name, ob in (spec.outbound or {}).items():
        here = f"outbound.{name}"
        if not name or "." in name or "=" in name:
            raise ValueError(f"outbound: campaign names may not be empty or contain '.' or '=': {excerpt(name)}")
        for g in ob.groups:
            if g not in groups:
                raise ValueError(f"{here}.groups: {excerpt(g)} is not an agent group (groups: {', '.join(groups)})")
        if len(set(ob.groups)) != len(ob.groups):
            raise ValueError(f"{here}.groups: a group is listed twice")
        if ob.list.per_slot is not None:
            _per_slot_list(spec.horizon, len(ob.list.per_slot), f"{here}.list.per_slot")
        for c in ob.blend.watch or []:
            if c not in spec.channels:
                raise ValueError(f"{here}.blend.watch: {excerpt(c)} is not a channel (channels: {', '.join(names)})")
        if ob.blend.watch is not None and ob.blend.max_waiting is None and ob.blend.min_service_level is None:
            raise ValueError(f"{here}.blend.watch: goes with max_waiting or min_service_level (the "
                             "inbound channels the rule looks at)")
        appointments = [c for c in ob.blend.watch or [] if spec.channels[c].appointment]
        if appointments:
            raise ValueError(f"{here}.blend.watch: {appointments[0]!r} is an appointment channel; the "
                             "blend rule watches live channels")
        p = ob.prevents
        if p is not None:
            if p.channel not in spec.channels:
                raise ValueError(f"{here}.prevents.channel: {excerpt(p.channel)} is not a channel "
                                 f"(channels: {', '.join(names)})")
            if spec.channels[p.channel].appointment:
                raise ValueError(f"{here}.prevents.channel: {p.channel!r} is an appointment channel; "
                                 "outreach prevents contacts of a live channel")
            if spec.channels[p.channel].arrivals is not None:
                raise ValueError(f"{here}.prevents.channel: {p.channel!r} replays explicit arrival "
                                 "times; prevention thins drawn arrivals (give volume)")
# --- end outbound ---


class ScenarioSpec(Spec):
    """A whole scenario file."""

    name: str
    description: str = ""
    horizon: HorizonSpec
    channels: dict[str, ChannelSpec] = Field(min_length=1)
    agents: list[GroupSpec] = Field(min_length=1)
    absence: float = Field(0.0, ge=0, lt=1, description="share of scheduled agents absent per day "
                           "(also written absence: {share: 0.08, paid: true})")
    absence_paid: bool = Field(False, description="absent agents are paid (sick pay): their "
                               "scheduled hours count in paid hours and cost; default false: unpaid")
    costs: CostsSpec = CostsSpec()
    run: RunSpec = RunSpec()
    events: list[EventSpec] = []  # week: windows with volume / handle-time factors, outages
    lines: LinesSpec | None = None  # routing (issue 20): a trunk limit shared by channels
    outbound: dict[str, OutboundSpec] | None = None  # dial lists worked by idle agents (issue 20)

    @model_validator(mode="before")
    @classmethod
    def _absence_mapping(cls, data: Any) -> Any:
        """``absence: {share: 0.08, paid: true}`` is ``absence: 0.08`` with ``absence_paid: true``."""
        if not isinstance(data, dict) or not isinstance(data.get("absence"), dict):
            return data
        given = data["absence"]
        unknown = sorted(str(k) for k in given if k not in ("share", "paid"))
        if unknown:
            raise ValueError(f"absence: unknown key(s) {', '.join(unknown)} (allowed: share, paid)")
        if "absence_paid" in data:
            raise ValueError("absence: give paid inside absence: {share, paid} or as absence_paid, "
                             "not both")
        return {**data, "absence": given.get("share", 0.0), "absence_paid": given.get("paid", False)}

    @model_validator(mode="after")
    def _cross_checks(self) -> ScenarioSpec:
        h = self.horizon
        names = list(self.channels)
        for name, ch in self.channels.items():
            if not name or "." in name or "=" in name:
                raise ValueError(f"channels: channel names may not be empty or contain '.' or '=': {excerpt(name)}")
            if isinstance(ch.volume, list):
                _per_slot_list(h, len(ch.volume), f"channels.{name}.volume")
            if ch.arrivals is not None:
                for t in ch.arrivals:
                    if not h.is_open(t):
                        raise ValueError(
                            f"channels.{name}.arrivals: {format_clock(t)} is outside the opening hours"
                        )
            if ch.target.max_abandon is not None and ch.patience is None:
                raise ValueError(f"channels.{name}.target.max_abandon: needs patience")
            if ch.volume_uncertainty is not None and ch.appointment:
                raise ValueError(f"channels.{name}.volume_uncertainty: an appointment channel's "
                                 "bookings are known in advance (use no_show for who does not come)")
            if ch.volume_uncertainty is not None and ch.arrivals is not None:  # week
                raise ValueError(f"channels.{name}.volume_uncertainty: explicit arrivals are "
                                 "replayed as given; forecast error needs volume")
        self._resolution_and_appointments()  # repeats branch
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
                _shift_in_hours(h, s, where_)
                last = s.start
                for b in sorted(s.breaks, key=lambda b: b.start):
                    if b.start < last or b.start + b.length > s.end:
                        raise ValueError(
                            f"{where_}.breaks: the break at {format_clock(b.start)} overlaps another "
                            f"or falls outside the shift {format_clock(s.start)}-{format_clock(s.end)}"
                        )
                    last = b.start + b.length
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
            if isinstance(g.staffing, list):
                _per_slot_list(h, len(g.staffing), f"agents.{i}.staffing")
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
        _check_events(self)
        check_routing(self)  # routing (issue 20)
        _check_outbound(self)  # outbound (issue 20)
        check_transfers(self)  # transfers and conferences (issue 20)
        return self

    # --- first-contact resolution and appointments (repeats branch) ---
    def _resolution_and_appointments(self) -> None:
        h = self.horizon
        names = list(self.channels)
        for name, ch in self.channels.items():
            here = f"channels.{name}"
            res = ch.resolution
            if res is not None:
                if ch.appointment and res.repeat_channels is None:
                    raise ValueError(f"{here}.resolution: an unresolved appointment comes back on a "
                                     "live channel: give repeat_channels, e.g. {voice: 1.0}")
                for target in res.repeat_channels or {}:
                    if target not in self.channels:
                        raise ValueError(f"{here}.resolution.repeat_channels: {target!r} is not a "
                                         f"channel (channels: {', '.join(names)})")
                    if self.channels[target].appointment:
                        raise ValueError(f"{here}.resolution.repeat_channels: {target!r} is an "
                                         "appointment channel; repeats come back on live channels")
            behaviours = [f for f in ("segments", "balking", "callbacks") if getattr(ch, f) is not None]
            if behaviours and ch.appointment:
                raise ValueError(f"{here}.{behaviours[0]}: an appointment channel has no queue to "
                                 "segment, balk from or call back from (customer behaviours are for live channels)")
            if not ch.appointment:
                continue
            if ch.bookings is not None and len(ch.bookings) not in (h.slots_per_day, h.n_slots):
                want = f"{h.slots_per_day}" + (f" (or {h.n_slots} for all {h.days} days)" if h.days > 1 else "")
                raise ValueError(
                    f"{here}.bookings: has {len(ch.bookings)} values but the horizon "
                    f"{format_clock(h.start)}-{format_clock(h.end)} has {want} slots of {h.slot:g}s "
                    "(bookings outside the horizon cannot be served)"
                )
            if ch.bookings is not None:  # one day's book on a week whose days differ (issue 20)
                _per_slot_list(h, len(ch.bookings), f"{here}.bookings")
            for t in ch.booked or []:
                day, tod = divmod(t, 86400.0)
                if day >= h.days or not (h.start <= tod < h.end):
                    raise ValueError(f"{here}.booked: {format_clock(t)} is outside the opening hours "
                                     f"{format_clock(h.start)}-{format_clock(h.end)} of the "
                                     f"{h.days}-day horizon")
                if not h.is_open(t):  # a short or closed day of a week (issue 20)
                    hours = h.day_hours(int(day))
                    said = "closed" if hours is None else f"open {format_clock(hours[0])}-{format_clock(hours[1])}"
                    raise ValueError(f"{here}.booked: {format_clock(tod)} on {h.day_name(int(day))} is outside "
                                     f"that day's opening hours ({said})")
            if ch.booking_interval is not None:
                n = h.slot / ch.booking_interval
                if ch.booking_interval > h.slot or abs(n - round(n)) > 1e-9:
                    raise ValueError(f"{here}.booking_interval: {ch.booking_interval:g}s does not divide "
                                     f"the {h.slot:g}s slot into whole intervals")
    # --- end ---

    # --- customer behaviours and team routing: cross-field checks --------------------------------
    @model_validator(mode="before")
    @classmethod
    def _behaviour_without_channel(cls, data: Any) -> Any:
        """A channel entry holding only behaviour fields (segments, balking, callbacks) names a
        channel that does not exist: a misspelt name in an ``extends:`` child or a ``--set``."""
        channels = data.get("channels") if isinstance(data, dict) else None
        if not isinstance(channels, dict):
            return data
        behaviour = {"segments", "balking", "callbacks"}
        real = [n for n, ch in channels.items() if not (isinstance(ch, dict) and ch and set(ch) <= behaviour)]
        for name, ch in channels.items():
            if name not in real:
                field = min(ch)
                raise ValueError(f"channels.{name}.{field}: {name!r} is not a channel "
                                 f"(channels: {', '.join(real)})")
        return data

    @model_validator(mode="after")
    def _behaviour_checks(self) -> ScenarioSpec:
        for name, ch in self.channels.items():
            if ch.callbacks is not None and ch.concurrency > 1:
                raise ValueError(f"channels.{name}.callbacks: callbacks need concurrency 1 (an agent "
                                 f"dials one customer at a time), got concurrency {ch.concurrency}")
        for i, g in enumerate(self.agents):
            for field in ("handle_time_factor", "overflow_after"):
                for channel in getattr(g, field):
                    if channel not in self.channels:
                        raise ValueError(f"agents.{i}.{field}: {channel!r} is not a channel "
                                         f"(channels: {', '.join(self.channels)})")
                    if channel not in g.skills:
                        raise ValueError(f"agents.{i}.{field}: team {g.group!r} does not serve "
                                         f"{channel!r} (skills: {', '.join(g.skills)})")
            delayed = [c for c in g.skills if g.overflow_after.get(c, 0.0) > 0]
            if delayed and len(delayed) == len(g.skills):
                which = (f"{delayed[0]!r} is the team's only channel" if len(delayed) == 1
                         else "every channel the team serves has one")
                raise ValueError(f"agents.{i}.overflow_after: an overflow delay on every channel of team "
                                 f"{g.group!r} ({which}): the team would take no contact until one has "
                                 f"waited and sit idle otherwise; give it a channel it takes at once, or "
                                 f"remove the delay")
        return self
    # --- end of customer behaviours and team routing checks ----------------------------------------


# --- week: calendar and event checks ----------------------------------------------------------
def _per_slot_list(h: HorizonSpec, n: int, where_: str) -> None:
    """A per-slot list (volumes, staffing) has one day's values (taken by clock time on every
    open day) or one value per slot of the horizon."""
    if n == h.n_slots:
        return
    if n != h.slots_per_day:
        want = f"{h.slots_per_day}" + (f" (one day) or {h.n_slots} (every slot of the {h.days} "
                                       f"days)" if h.n_slots != h.slots_per_day else "")
        raise ValueError(f"{where_}: has {n} values but the horizon {format_clock(h.start)}-"
                         f"{format_clock(h.end)} has {want} slots of {h.slot:g}s")
    index = h.default_day_index()
    if (index < 0).any():
        k = int(np.flatnonzero(index < 0)[0])
        t = h.slot_starts()[k]
        raise ValueError(f"{where_}: one day's {n} values cover {format_clock(h.start)}-"
                         f"{format_clock(h.end)}, but {h.day_name(int(t // 86400))} has a slot at "
                         f"{format_clock(t % 86400)}; give one value per slot of the horizon "
                         f"({h.n_slots}) or a forecast file")


def _shift_in_hours(h: HorizonSpec, s: ShiftSpec, where_: str) -> None:
    """Every day a shift works, it lies inside that day's opening hours."""
    for item in s.days or []:
        if calendar.weekday_key(item) is not None:
            if h.start_date is None:
                raise ValueError(f"{where_}.days: weekday {item!r} needs horizon.start_date")
        elif isinstance(item, str) and not item.strip().isdigit():
            raise ValueError(f"{where_}.days: {item!r} is neither a day number nor a weekday "
                             "(mon, ..., sun)")
        elif not 1 <= int(item) <= h.days:
            raise ValueError(f"{where_}.days: day {item} is outside 1..{h.days}")
    for d in h.shift_days(s.days):
        hours = h.day_hours(d - 1)
        if hours is None:
            raise ValueError(f"{where_}: works on {h.day_name(d - 1)}, which is closed")
        if not (hours[0] <= s.start < s.end <= hours[1]):
            hint = "" if s.days is not None else " (give the shift days: to say when it works)"
            raise ValueError(
                f"{where_}: {format_clock(s.start)}-{format_clock(s.end)} is outside the horizon's "
                f"opening hours {format_clock(hours[0])}-{format_clock(hours[1])} of {h.day_name(d - 1)}"
                f"{hint}")


def _check_events(spec: ScenarioSpec) -> None:
    h = spec.horizon
    for i, ev in enumerate(spec.events):
        where_ = f"events.{i}" + (f" ({ev.name})" if ev.name else "")
        if ev.date is not None:
            if h.start_date is None:
                raise ValueError(f"{where_}.date: needs horizon.start_date (or give day: instead)")
            d = (ev.date - h.start_date).days
            when = ev.date.isoformat()
        else:
            d = ev.day - 1
            when = f"day {ev.day}"
        if not 0 <= d < h.days:
            raise ValueError(f"{where_}: {when} is outside the horizon ({h.day_name(0)} to "
                             f"{h.day_name(h.days - 1)})")
        hours = h.day_hours(d)
        if hours is None or ev.end <= hours[0] or ev.start >= hours[1]:
            shown = "closed" if hours is None else f"open {format_clock(hours[0])}-{format_clock(hours[1])}"
            raise ValueError(f"{where_}: {format_clock(ev.start)}-{format_clock(ev.end)} on "
                             f"{h.day_name(d)} is outside the opening hours ({shown})")
        for name, eff in ev.channels.items():
            if name not in spec.channels:
                raise ValueError(f"{where_}.channels: {name!r} is not a channel (channels: "
                                 f"{', '.join(spec.channels)})")
            if spec.channels[name].appointment:
                raise ValueError(f"{where_}.channels.{name}: an appointment channel's bookings are "
                                 "fixed in advance; events apply to live channels")
            if eff.self_service_unavailable and spec.channels[name].self_service is None:
                raise ValueError(f"{where_}.channels.{name}.self_service_unavailable: the channel "
                                 "has no self_service")
# --- end week ---------------------------------------------------------------------------------
