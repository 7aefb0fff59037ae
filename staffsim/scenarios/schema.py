"""Pydantic v2 schemas for the files staffsim reads, and readable validation messages.

Every model forbids unknown keys and is frozen. :func:`validate` turns pydantic's errors into one
:class:`~staffsim.errors.InputError` of the form
``file: field.path: what is allowed, got value``.
"""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from staffsim.errors import InputError, where
from staffsim.models.staffing import ChannelTargets
from staffsim.units import Duration


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


class ChannelTargetsSpec(TargetSpec):
    """One entry of a targets file: the target plus the staffing parameters of the channel."""

    patience: Duration | None = Field(None, gt=0, description="mean patience (Erlang A)")
    shrinkage: float = Field(0.0, ge=0, lt=1)
    concurrency: int = Field(1, ge=1)
    concurrency_stretch: float = Field(1.0, ge=1)

    def to_targets(self) -> ChannelTargets:
        return ChannelTargets(
            service_level=self.service_level,
            threshold_s=self.threshold,
            asa_s=self.asa,
            patience_s=self.patience,
            max_abandon=self.max_abandon,
            max_occupancy=self.max_occupancy,
            shrinkage=self.shrinkage,
            concurrency=self.concurrency,
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
            models = [a for a in typing.get_args(tp) if a is not type(None)]
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


def format_errors(exc: ValidationError, model: Any, source: str | None, prefix: str = "") -> str:
    """One message for a pydantic error: the first problem, and how many more there are."""
    errors = exc.errors(include_url=False)
    lines = []
    for err in errors:
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        path = ".".join(str(x) for x in loc)
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        kind = err["type"]
        value = err.get("input")
        if kind == "extra_forbidden":
            allowed = _field_names(model, loc)
            msg = f"unknown field {str(loc[-1])!r}"
            if allowed:
                msg += f" (allowed: {', '.join(allowed)})"
            path = ".".join(path.split(".")[:-1])
            lines.append(f"{where(source, path)}: {msg}")
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
            msg += f", got {value!r}"
        lines.append(f"{where(source, path)}: {msg}")
    more = len(lines) - 1
    return lines[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def validate(model: type[M], data: Any, source: str | None = None, prefix: str = "") -> M:
    """Validate ``data`` into ``model``; raise :class:`InputError` with a readable message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(format_errors(exc, model, source, prefix)) from None
