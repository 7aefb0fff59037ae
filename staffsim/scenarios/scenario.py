"""The validated, immutable scenario that the engine and the experiments run, built from plain
data (what a YAML file holds) with ``--set``-style overrides; :mod:`staffsim.scenarios.loader`
reads the files."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.distributions import Distribution
from staffsim.errors import InputError, excerpt
from staffsim.limits import MAX_CONTACTS, MAX_CONTACTS_PER_DAY
from staffsim.plausibility import check_scenario
from staffsim.scenarios.appointments import booked_per_slot
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
    the file it came from, if any; ``aht`` per channel whose volumes come from a forecast file
    with ``aht`` on: the file's AHT in every slot (NaN where it has none), the mean handle time
    of contacts arriving in that slot (see :meth:`handle_means`).
    """

    spec: ScenarioSpec
    volumes: dict[str, np.ndarray]
    raw: dict[str, Any] = field(repr=False)
    source: str | None = None
    base_dir: str | None = None
    aht: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

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

    # --- week: handle-time means per slot, events ---------------------------------------------
    def handle_means(self, name: str) -> np.ndarray:
        """The mean handle time (before self-service uplift and events) of contacts arriving in
        each slot: the forecast file's AHT where it gives one, else the distribution's mean."""
        mean = self.handle_time(name).mean
        aht = self.aht.get(name)
        if aht is None:
            return np.full(self.spec.horizon.n_slots, mean)
        return np.where(np.isfinite(aht) & (aht > 0), aht, mean)

    def windows(self, name: str) -> list[tuple[float, float, Any]]:
        """The events touching channel ``name``: (start, end, effect) in seconds from midnight of
        day 1, in the order given."""
        h = self.spec.horizon
        out = []
        for ev in self.spec.events:
            eff = ev.channels.get(name)
            if eff is not None:
                base = ev.day_index(h) * 86400.0
                out.append((base + ev.start, base + ev.end, eff))
        return out
    # --- end week -----------------------------------------------------------------------------

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
    """Validate a scenario given as plain data (what a YAML file holds): a mapping of the
    scenario's fields (name, horizon, channels, agents, ...)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{source or 'scenario'}: a scenario is a mapping of its fields (name, "
                         f"horizon, channels, agents, ...), got {type(data).__name__} {excerpt(data)}")
    raw = copy.deepcopy(dict(data))
    items = overrides.items() if isinstance(overrides, Mapping) else [parse_override(o) for o in overrides or []]
    for key, value in items:
        set_path(raw, key, value)
    label = source or "scenario"
    base = str(base_dir) if base_dir is not None else None
    spec = validate(ScenarioSpec, raw, label, context={"base_dir": base})
    loaded = {name: _volumes_and_aht(spec, name, label, base) for name in spec.channels}
    volumes = {name: v for name, (v, _) in loaded.items()}
    _check_contacts(volumes, label, spec.horizon.slot_days())
    aht = {name: a for name, (_, a) in loaded.items() if a is not None}
    scenario = Scenario(spec=spec, volumes=volumes, raw=raw, source=source, base_dir=base, aht=aht)
    check_scenario(scenario)  # legal values that are almost certainly unit mistakes: warnings
    return scenario


def _check_contacts(volumes: dict[str, np.ndarray], label: str, days: np.ndarray) -> None:
    """At most MAX_CONTACTS_PER_DAY contacts offered on a day (the simulator's memory) and
    MAX_CONTACTS per replication (its time); ``days`` the day of every slot."""
    with np.errstate(over="ignore"):
        per = {name: float(np.sum(v)) for name, v in volumes.items()}
        by_day = sum(np.bincount(days, weights=np.asarray(v, float)) for v in volumes.values())
    total = sum(per.values())
    if not total <= MAX_CONTACTS:
        top = max(per, key=lambda k: per[k])
        raise InputError(
            f"{label}: channels: {total:,.0f} contacts offered per replication (volume x "
            f"volume_factor over the horizon; {excerpt(top)} has {per[top]:,.0f}) is beyond the "
            f"simulator's limit of {MAX_CONTACTS:,}; simulate a shorter horizon or fewer channels "
            "(staffsim plan and staffsim erlang have no such limit)")
    if len(per) and np.size(by_day) and not np.max(by_day) <= MAX_CONTACTS_PER_DAY:
        d = int(np.argmax(np.nan_to_num(by_day, nan=np.inf)))
        raise InputError(
            f"{label}: channels: {by_day[d]:,.0f} contacts offered on day {d + 1} (volume x "
            f"volume_factor) is beyond the simulator's limit of {MAX_CONTACTS_PER_DAY:,} a day (a "
            "day's contacts are held at once); simulate fewer channels or a smaller volume "
            "(staffsim plan and staffsim erlang have no such limit)")


def _volumes(spec: ScenarioSpec, name: str, source: str, base: str | None) -> np.ndarray:
    return _volumes_and_aht(spec, name, source, base)[0]


# --- week: volumes and interval AHT per slot of the calendar ---------------------------------
def _volumes_and_aht(spec: ScenarioSpec, name: str, source: str,
                     base: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(volume per slot with ``volume_factor`` applied, the file's AHT per slot or None).

    A forecast file gives rows by clock time (applied on every open day that has that slot) or
    by date and time (relative to ``horizon.start_date`` when given, else to the file's first
    date). Slots it omits inside opening hours have volume 0; a row outside the opening hours is
    refused."""
    h = spec.horizon
    ch = spec.channels[name]
    if ch.appointment:  # the appointment book, overbooking included (scenarios/appointments.py)
        booked, extra = booked_per_slot(spec, name)
        return (booked + extra).astype(float), None
    if ch.arrivals is not None:
        starts = h.slot_starts()
        idx = np.searchsorted(starts, np.asarray(ch.arrivals), side="right") - 1
        return np.bincount(idx, minlength=h.n_slots).astype(float), None
    if isinstance(ch.volume, list):
        return h.per_slot(np.asarray(ch.volume, float)) * ch.volume_factor, None
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
    starts = h.slot_starts()
    slot_at = {round(float(t), 3): k for k, t in enumerate(starts)}
    vol = np.zeros(h.n_slots)
    aht = np.full(h.n_slots, np.nan)
    per_day = rows["slot_start"].map(lambda v: isinstance(v, str)).all()
    offsets = rows["offset_s"].to_numpy(float)
    if not per_day and h.start_date is not None:
        origin = pd.Timestamp(h.start_date)
        offsets = np.array([(pd.Timestamp(v) - origin).total_seconds() for v in rows["slot_start"]])
    for offset, v, a in zip(offsets, rows["volume"].to_numpy(), rows["aht_s"].to_numpy(float)):
        day, tod = divmod(offset, 86400.0)
        if per_day:
            ks = [slot_at[key] for d in range(h.days)
                  if (key := round(d * 86400.0 + tod, 3)) in slot_at]
        else:
            ks = [slot_at[key]] if (key := round(float(offset), 3)) in slot_at else []
        if not ks:
            raise InputError(f"{label}: {file} has a row for {wanted!r} at "
                             f"{_when(h, day, tod, per_day)}, outside the opening hours "
                             f"{_hours_text(h, None if per_day else int(day))} (rows are "
                             "needed only inside them)")
        vol[ks] = v
        aht[ks] = a
    use_aht = ch.volume.aht
    return vol * ch.volume_factor, (aht if use_aht else None)


def _when(h, day: float, tod: float, per_day: bool) -> str:
    if per_day:
        return format_clock(tod)
    d = int(day)
    name = h.day_name(d) if 0 <= d < h.days else (
        f"{(h.date(0) + datetime.timedelta(days=d)).isoformat()}" if h.start_date else f"day {d + 1}")
    return f"{format_clock(tod)} on {name}"


def _hours_text(h, d: int | None) -> str:
    if d is None:
        hours = f"{format_clock(h.start)}-{format_clock(h.end)} (slots of {h.slot:g}s)"
        return hours if h.uniform else f"of every open day ({hours} by default)"
    if not 0 <= d < h.days:
        return f"of the horizon ({h.day_name(0)} to {h.day_name(h.days - 1)})"
    hours = h.day_hours(d)
    if hours is None:
        return f"({h.day_name(d)} is closed)"
    return f"{format_clock(hours[0])}-{format_clock(hours[1])} of {h.day_name(d)} (slots of {h.slot:g}s)"
# --- end week ---------------------------------------------------------------------------------
