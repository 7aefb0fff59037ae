"""The validated, immutable scenario that the engine and the experiments run, built from plain
data (what a YAML file holds) with ``--set``-style overrides; :mod:`staffsim.scenarios.loader`
reads the files."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from staffsim.distributions import Distribution
from staffsim.errors import InputError, excerpt
from staffsim.limits import MAX_CONTACTS
from staffsim.scenarios.forecast import load_forecast
from staffsim.scenarios.schema import ChannelSpec, ScenarioSpec, validate
from staffsim.scenarios.yamlio import YAMLSyntaxError, load_yaml_text
from staffsim.units import format_clock


@dataclass(frozen=True, eq=False)
class Scenario:
    """A scenario ready to run.

    ``spec`` is the validated file content; ``volumes`` the offered volume of each channel in every
    slot of the horizon (``horizon.n_slots`` values, the channel's ``volume_factor`` applied);
    ``raw`` the merged plain data it was validated from (for overrides and sweeps); ``source``
    the file it came from, if any.
    """

    spec: ScenarioSpec
    volumes: dict[str, np.ndarray]
    raw: dict[str, Any] = field(repr=False)
    source: str | None = None
    base_dir: str | None = None

    @property
    def label(self) -> str:
        """A short name: the file's stem, or the scenario's name."""
        if self.source:
            return Path(self.source).stem
        return self.spec.name

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new, validated scenario with ``{"field.path": value}`` changed."""
        return scenario_from_dict(self.raw, source=self.source, base_dir=self.base_dir,
                                  overrides=overrides)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def channels(self) -> list[str]:
        return list(self.spec.channels)

    def channel(self, name: str) -> ChannelSpec:
        return self.spec.channels[name]

    def handle_time(self, name: str) -> Distribution:
        return self.spec.channels[name].handle_time.to_distribution()

    def patience(self, name: str) -> Distribution | None:
        p = self.spec.channels[name].patience
        return p.to_distribution() if p is not None else None

    def raw_copy(self) -> dict[str, Any]:
        return copy.deepcopy(self.raw)


def parse_override(text: str) -> tuple[str, Any]:
    """``"channels.voice.self_service.deflection=0.3"`` → (path, value); the value is read as YAML."""
    if "=" not in text:
        raise InputError(f"--set {text!r}: expected PATH=VALUE, e.g. channels.voice.volume_factor=1.3")
    path, value = text.split("=", 1)
    path = path.strip()
    if not path or any(not part for part in path.split(".")):
        raise InputError(f"--set {text!r}: the field path is empty or has an empty part")
    try:
        parsed = load_yaml_text(value, f"--set {path}") if value.strip() else ""
    except YAMLSyntaxError:
        parsed = value
    return path, parsed


def set_path(data: dict, path: str, value: Any, source: str = "--set") -> None:
    """Set ``a.b.0.c`` in nested dicts/lists, creating mappings that are missing."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(parts[: i + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(
                    f"{source} {path}: {here} is not an item of a list with {len(node)} item(s)"
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            raise InputError(f"{source} {path}: {'.'.join(parts[:i])} is a value, not a mapping or list")


def scenario_from_dict(
    data: Mapping[str, Any],
    source: str | None = None,
    base_dir: str | Path | None = None,
    overrides: Mapping[str, Any] | list[str] | None = None,
) -> Scenario:
    """Validate a scenario given as plain data (what a YAML file holds)."""
    raw = copy.deepcopy(dict(data))
    items = overrides.items() if isinstance(overrides, Mapping) else [parse_override(o) for o in overrides or []]
    for key, value in items:
        set_path(raw, key, value)
    label = source or "scenario"
    base = str(base_dir) if base_dir is not None else None
    spec = validate(ScenarioSpec, raw, label, context={"base_dir": base})
    volumes = {name: _volumes(spec, name, label, base) for name in spec.channels}
    _check_contacts(volumes, label)
    return Scenario(spec=spec, volumes=volumes, raw=raw, source=source, base_dir=base)


def _check_contacts(volumes: dict[str, np.ndarray], label: str) -> None:
    """At most MAX_CONTACTS contacts offered per replication (the simulator's memory and time)."""
    with np.errstate(over="ignore"):
        per = {name: float(np.sum(v)) for name, v in volumes.items()}
    total = sum(per.values())
    if not total <= MAX_CONTACTS:
        top = max(per, key=lambda k: per[k])
        raise InputError(
            f"{label}: channels: {total:,.0f} contacts offered per replication (volume x "
            f"volume_factor over the horizon; {excerpt(top)} has {per[top]:,.0f}) is beyond the "
            f"simulator's limit of {MAX_CONTACTS:,}; simulate a shorter horizon or fewer channels "
            "(staffsim plan and staffsim erlang have no such limit)")


def _volumes(spec: ScenarioSpec, name: str, source: str, base: str | None) -> np.ndarray:
    h = spec.horizon
    ch = spec.channels[name]
    if ch.arrivals is not None:
        starts = h.slot_starts()
        idx = np.searchsorted(starts, np.asarray(ch.arrivals), side="right") - 1
        return np.bincount(idx, minlength=h.n_slots).astype(float)
    if isinstance(ch.volume, list):
        vol = np.asarray(ch.volume, float)
        if len(vol) == h.slots_per_day:
            vol = np.tile(vol, h.days)
        return vol * ch.volume_factor
    file = Path(ch.volume.file)
    if not file.is_absolute() and base is not None:
        file = Path(base) / file
    label = f"{source}: channels.{name}.volume"
    try:
        forecast = load_forecast(file, slot=h.slot, **ch.volume.reader_options())
    except InputError as exc:
        raise InputError(f"{label}: {exc}") from None
    wanted = ch.volume.channel or name
    rows = forecast.table[forecast.table["channel"] == wanted]
    if rows.empty:
        have = ", ".join(dict.fromkeys(forecast.table["channel"]))
        raise InputError(f"{label}: {file} has no channel {wanted!r} (has {have})")
    vol = np.zeros(h.n_slots)
    seen = np.zeros(h.n_slots, bool)
    per_day = rows["slot_start"].map(lambda s: isinstance(s, str)).all()
    for offset, v in zip(rows["offset_s"].to_numpy(), rows["volume"].to_numpy()):
        day, tod = divmod(offset, 86400.0)
        j = (tod - h.start) / h.slot
        if not (h.start <= tod < h.end) or day >= h.days or abs(j - round(j)) > 1e-9:
            raise InputError(
                f"{label}: {file} has a slot at {format_clock(tod)}"
                f"{'' if per_day else f' on day {int(day) + 1}'} outside the horizon's slots"
            )
        days = range(h.days) if per_day else [int(day)]
        for d in days:
            k = d * h.slots_per_day + int(round(j))
            vol[k] = v
            seen[k] = True
    if not seen.all():
        k = int(np.flatnonzero(~seen)[0])
        missing = format_clock(h.start + (k % h.slots_per_day) * h.slot)
        raise InputError(f"{label}: {file} has no row for {wanted!r} at {missing} (day {k // h.slots_per_day + 1})")
    return vol * ch.volume_factor
