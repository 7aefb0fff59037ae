"""The fields of a service target and of a targets file's channel entry, defined once.

:class:`~staffsim.scenarios.schema.TargetSpec` and
:class:`~staffsim.scenarios.schema.ChannelTargetsSpec` (pydantic) take every field's default,
bounds and description from :data:`TARGET_FIELDS` / :data:`CHANNEL_TARGET_FIELDS`, and
:func:`channel_targets` turns either's values into the analytic model's
:class:`~staffsim.models.staffing.ChannelTargets`.

:func:`quick_check` validates a clean entry without pydantic (``staffsim plan`` starts without
it): it accepts only values of the types a YAML file carries natively (numbers, durations such as
``20s``, ``null`` for an optional field) that the pydantic schema accepts too, giving the same
values; anything else (a number written as text, an unknown key, a value out of bounds) it
leaves to the pydantic schema, whose messages name the problem. tests/test_plan_light.py checks
both on generated entries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from staffsim.limits import MAX_CONCURRENCY, MAX_CONCURRENCY_STRETCH
from staffsim.models.staffing import ChannelTargets
from staffsim.units import parse_duration

__all__ = ["CHANNEL_TARGET_FIELDS", "TARGET_FIELDS", "TargetField", "channel_targets", "quick_check"]

_REQUIRED = object()  # the default of a field without one


@dataclass(frozen=True)
class TargetField:
    """One field: ``kind`` is ``"share"``/``"number"`` (a float), ``"duration"`` (seconds,
    read with :func:`~staffsim.units.parse_duration`) or ``"whole"`` (an int); ``default`` is
    :data:`_REQUIRED` for a required field (None: optional); ``gt``/``ge``/``lt``/``le`` bound
    the value; ``model`` is the :class:`ChannelTargets` attribute it sets."""

    name: str
    kind: str
    model: str
    default: Any = _REQUIRED
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    description: str | None = None

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    def bounds(self) -> dict[str, float]:
        """The bounds given, as pydantic's ``Field`` takes them."""
        return {k: v for k, v in (("gt", self.gt), ("ge", self.ge), ("lt", self.lt), ("le", self.le))
                if v is not None}

    def field_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of pydantic's ``Field`` for this field."""
        kwargs: dict[str, Any] = dict(self.bounds())
        if not self.required:
            kwargs["default"] = self.default
        if self.description is not None:
            kwargs["description"] = self.description
        return kwargs


#: A channel's service target (``target:`` in a scenario), in file order.
TARGET_FIELDS: tuple[TargetField, ...] = (
    TargetField("service_level", "share", "service_level", gt=0, lt=1,
                description="share answered within threshold"),
    TargetField("threshold", "duration", "threshold_s", description="answer-time threshold, e.g. 20s"),
    TargetField("asa", "duration", "asa_s", None, gt=0, description="maximum average speed of answer"),
    TargetField("max_abandon", "share", "max_abandon", None, gt=0, lt=1,
                description="maximum abandon rate"),
    TargetField("max_occupancy", "share", "max_occupancy", 1.0, gt=0, le=1),
)

#: A targets file's channel entry: the target plus the channel's staffing parameters.
CHANNEL_TARGET_FIELDS: tuple[TargetField, ...] = TARGET_FIELDS + (
    TargetField("patience", "duration", "patience_s", None, gt=0, description="mean patience (Erlang A)"),
    TargetField("shrinkage", "number", "shrinkage", 0.0, ge=0, lt=1),
    TargetField("concurrency", "whole", "concurrency", 1, ge=1, le=MAX_CONCURRENCY),
    TargetField("concurrency_stretch", "number", "concurrency_stretch", 1.0, ge=1,
                le=MAX_CONCURRENCY_STRETCH),
)

_BY_NAME = {f.name: f for f in CHANNEL_TARGET_FIELDS}


def channel_targets(values: Mapping[str, Any]) -> ChannelTargets:
    """The analytic model's targets from a channel entry's field values (by field name; fields
    not given take their defaults). Raises ValueError as :class:`ChannelTargets` does
    (``"max_abandon: needs patience ..."``)."""
    kwargs = {}
    for name, value in values.items():
        kwargs[_BY_NAME[name].model] = value
    return ChannelTargets(**kwargs)


class Unchecked(Exception):
    """:func:`quick_check` leaves this entry to the pydantic schema."""


def quick_check(raw: Any, fields: tuple[TargetField, ...] = CHANNEL_TARGET_FIELDS) -> dict[str, Any]:
    """The field values of a clean entry (every field, defaults filled in, as the pydantic model
    holds them); raises :class:`Unchecked` for anything it does not accept (see module doc)."""
    if not isinstance(raw, dict):
        raise Unchecked
    known = {f.name for f in fields}
    if any(not isinstance(k, str) or k not in known for k in raw):
        raise Unchecked
    values: dict[str, Any] = {}
    for f in fields:
        if f.name not in raw:
            if f.required:
                raise Unchecked
            values[f.name] = f.default
            continue
        value = raw[f.name]
        if value is None:
            if f.default is not None:
                raise Unchecked
            values[f.name] = None
            continue
        values[f.name] = _value(f, value)
    return values


def _value(f: TargetField, value: Any) -> Any:
    if f.kind == "whole":
        if type(value) is not int:
            raise Unchecked
        number: Any = value
    else:
        if f.kind == "duration":
            if type(value) not in (int, float, str):
                raise Unchecked
            try:
                value = parse_duration(value)
            except (ValueError, OverflowError):
                raise Unchecked from None
        if type(value) not in (int, float):
            raise Unchecked
        try:
            number = float(value)
        except OverflowError:
            raise Unchecked from None
        if not math.isfinite(number):
            raise Unchecked
    if ((f.gt is not None and not number > f.gt) or (f.ge is not None and not number >= f.ge)
            or (f.lt is not None and not number < f.lt) or (f.le is not None and not number <= f.le)):
        raise Unchecked
    return number
