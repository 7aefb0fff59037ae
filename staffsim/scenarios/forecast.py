"""Forecast CSVs and targets YAML: what ``staffsim plan`` reads (scenarios take volumes from it).

Every problem is reported as an :class:`~staffsim.errors.InputError` naming the file, the column
or field, the line, and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError, where
from staffsim.models.staffing import ChannelTargets
from staffsim.scenarios.schema import ChannelTargetsSpec, validate
from staffsim.scenarios.yamlio import read_yaml
from staffsim.units import format_clock, parse_clock, parse_duration

# Header names (normalised: lower case, single spaces, no punctuation) accepted for each column.
# The canonical name always wins; two different aliases for one column are an error.
FORECAST_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "queue", "media type", "mediatype", "media", "skill"),
    "slot_start": (
        "slot start",
        "slot",
        "interval start",
        "interval",
        "start",
        "start time",
        "period start",
        "period",
        "datetime",
        "date time",
        "timestamp",
        "time",
    ),
    "volume": (
        "volume",
        "offered",
        "contacts offered",
        "calls offered",
        "offered contacts",
        "offered calls",
        "forecast volume",
        "contacts",
        "calls",
    ),
    "aht_s": ("aht s", "aht", "aht sec", "aht seconds", "average handle time", "avg handle time"),
    "total_handle_time_s": (
        "total handle time s",
        "total handle time",
        "handle time total",
        "tht",
    ),
    "date": ("date", "day"),
}


def _norm(header: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", str(header).lower())
    return " ".join(text.split())


@dataclass(frozen=True)
class Forecast:
    """A forecast read from a CSV.

    ``table`` has columns ``channel, slot_start, volume, aht_s, offset_s``: ``slot_start`` is the
    text ``"HH:MM"`` for a time-of-day forecast or a timestamp when dates were given;
    ``offset_s`` is seconds from midnight of the first day. ``slot_s`` is the slot length.
    """

    table: pd.DataFrame
    slot_s: float
    source: str


def _map_columns(columns: list[str], source: str) -> dict[str, str]:
    """Map canonical names to the CSV's headers."""
    normal = {c: _norm(c) for c in columns}
    found: dict[str, str] = {}
    for canon, aliases in FORECAST_ALIASES.items():
        exact = [c for c in columns if normal[c] == _norm(canon)]
        if exact:
            found[canon] = exact[0]
            continue
        hits = [c for c in columns if normal[c] in aliases]
        if len(hits) > 1:
            names = " and ".join(repr(h) for h in hits)
            raise InputError(
                f"{source}: columns {names} could both be the {canon} column; "
                f"rename the one to use to {canon!r}"
            )
        if hits:
            found[canon] = hits[0]
    missing = [c for c in ("channel", "slot_start", "volume") if c not in found]
    if "aht_s" not in found and "total_handle_time_s" not in found:
        missing.append("aht_s (or total_handle_time_s)")
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(columns)} "
            "(expected channel, slot_start, volume, aht_s)"
        )
    return found


def load_forecast(path: str | Path, slot: float | None = None) -> Forecast:
    """Read a long-format forecast CSV (one row per channel and slot).

    Comma-separated (numbers may use thousands commas, "1,234"), semicolon-separated with decimal
    commas ("180,5", as European spreadsheets export) or tab-separated; a UTF-8 byte-order mark is
    ignored.

    Columns (vendor header names accepted where unambiguous, see :data:`FORECAST_ALIASES`):
    channel; slot start as ``HH:MM`` or an ISO date-time (or a ``date`` column plus ``HH:MM``);
    volume (contacts in the slot); AHT in seconds (or a duration such as ``3min`` / ``3:05``), or
    total handle time from which AHT = total / volume. ``slot`` (seconds) is inferred from the
    spacing of the slot starts when not given, and checked against it when given.
    """
    source = str(path)
    try:
        with open(path, encoding="utf-8-sig") as fh:
            header = fh.readline()
        # spreadsheet exports: "a;b;c" with decimal commas (Europe), or tab-separated
        sep = ";" if header.count(";") > header.count(",") else ("\t" if "\t" in header else ",")
        decimal_comma = sep == ";"
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, sep=sep,
                          encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    cols = _map_columns(list(raw.columns), source)
    if raw.empty:
        raise InputError(f"{source}: no data rows")

    def cell_error(i: int, canon: str, msg: str) -> InputError:
        return InputError(f"{source}: line {i + 2}, column {cols[canon]!r}: {msg}")

    channels, starts, offsets, volumes, ahts = [], [], [], [], []
    first_day = None
    kinds = set()
    for i, row in enumerate(raw.to_dict("records")):
        channel = row[cols["channel"]].strip()
        if not channel:
            raise cell_error(i, "channel", "the channel name is empty")
        text = row[cols["slot_start"]].strip()
        if "date" in cols and row[cols["date"]].strip():
            text = f"{row[cols['date']].strip()} {text}"
        try:
            start, offset_day, kind = _parse_start(text)
        except ValueError:
            raise cell_error(
                i, "slot_start", f"expected HH:MM or an ISO date-time such as 2026-03-02 08:30, got {text!r}"
            ) from None
        kinds.add(kind)
        if len(kinds) > 1:
            raise cell_error(i, "slot_start", "mixes clock times and dates; use one form throughout")
        if kind == "datetime":
            day = start.normalize()
            first_day = day if first_day is None else min(first_day, day)
        vol = _number(row[cols["volume"]], decimal_comma)
        if vol is None or not math.isfinite(vol) or vol < 0:
            hint = " (a ';'-separated file takes decimal commas: 12,5)" if decimal_comma else ""
            raise cell_error(i, "volume", f"must be a number >= 0, got {row[cols['volume']]!r}{hint}")
        aht_col = "aht_s" if "aht_s" in cols else "total_handle_time_s"
        aht = _aht(row, cols, vol, lambda m, i=i, col=aht_col: cell_error(i, col, m), decimal_comma)
        channels.append(channel)
        starts.append(start)
        offsets.append(offset_day)
        volumes.append(vol)
        ahts.append(aht)

    if kinds == {"datetime"}:
        offsets = [(s - first_day).total_seconds() for s in starts]
    table = pd.DataFrame(
        {"channel": channels, "slot_start": starts, "volume": volumes, "aht_s": ahts, "offset_s": offsets}
    )
    dup = table.duplicated(["channel", "offset_s"], keep=False)
    if dup.any():
        lines = [str(i + 2) for i in np.flatnonzero(dup.to_numpy())[:2]]
        raise InputError(
            f"{source}: lines {' and '.join(lines)}: duplicate slot {table.loc[dup, 'slot_start'].iloc[0]}"
            f" for channel {table.loc[dup, 'channel'].iloc[0]!r}"
        )
    table = table.sort_values(["offset_s"], kind="stable")
    order = {c: k for k, c in enumerate(dict.fromkeys(channels))}
    table = table.sort_values("channel", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    slot_s = _infer_slot(table, slot, source)
    return Forecast(table=table, slot_s=slot_s, source=source)


_GROUPED = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$")


def _number(text: str, decimal_comma: bool = False) -> float | None:
    """A number from a CSV cell: "1,234.5" (thousands commas) in a "," file; in a ";" file a
    comma is the decimal mark and a dot only groups thousands ("1.204", "12.345,5"). None when
    it is not a number (the caller names the cell)."""
    text = text.strip()
    if not text:
        return None
    if decimal_comma:
        if "." in text and not _GROUPED.match(text):
            return None  # "180.5" in a decimal-comma file: ambiguous, refuse rather than guess
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _aht(row: dict, cols: dict[str, str], vol: float, err, decimal_comma: bool = False) -> float:
    if "aht_s" in cols:
        text = row[cols["aht_s"]].strip()
        if decimal_comma and re.fullmatch(r"[-+0-9.,]+", text):  # a bare number, not "3:05"/"3min"
            number = _number(text, decimal_comma=True)
            if number is None:
                raise err(f"expected seconds with a decimal comma (a ';'-separated file), got {text!r}")
            text = str(number)
        if not text:
            if vol == 0:
                return math.nan
            raise err("missing AHT where the volume is > 0")
        try:
            aht = parse_duration(text)
        except ValueError:
            raise err(f"expected seconds or a duration such as 180s, 3min or 3:00, got {text!r}") from None
    else:
        total = _number(row[cols["total_handle_time_s"]], decimal_comma)
        if total is None or not math.isfinite(total) or total < 0:
            raise err(f"must be a number of seconds >= 0, got {row[cols['total_handle_time_s']]!r}")
        if vol == 0:
            return math.nan
        aht = total / vol
    if vol > 0 and not (math.isfinite(aht) and aht > 0):
        raise err(f"AHT must be > 0 where the volume is > 0, got {aht!r}")
    return aht


def _parse_start(text: str) -> tuple[Any, float, str]:
    """(slot_start value, offset seconds within the day, kind)."""
    try:
        seconds = parse_clock(text)
    except ValueError:
        pass
    else:
        if seconds >= 86400:
            raise ValueError(text)
        return format_clock(seconds), seconds, "clock"
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    ts = pd.Timestamp(text)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts, 0.0, "datetime"


def _infer_slot(table: pd.DataFrame, slot: float | None, source: str) -> float:
    gaps = []
    for _, rows in table.groupby("channel", sort=False):
        gaps.extend(np.diff(np.sort(rows["offset_s"].to_numpy())))
    gaps_arr = np.array(gaps, float)
    if gaps_arr.size == 0:
        if slot is None:
            raise InputError(f"{source}: one slot per channel, so the slot length cannot be inferred; give --slot")
        return float(slot)
    inferred = float(gaps_arr.min())
    if np.any(np.abs(gaps_arr / inferred - np.round(gaps_arr / inferred)) > 1e-9):
        raise InputError(f"{source}: slot starts are not on a regular grid (smallest gap {inferred:g}s)")
    if slot is not None and abs(slot - inferred) > 1e-9:
        raise InputError(
            f"{source}: slot starts are {inferred:g}s apart but the slot length given is {slot:g}s"
        )
    return inferred


class Targets(Mapping[str, ChannelTargets]):
    """Channel name → :class:`ChannelTargets`, with an optional default for unlisted channels."""

    def __init__(self, channels: dict[str, ChannelTargets], default: ChannelTargets | None = None):
        self._channels = dict(channels)
        self.default = default

    def __getitem__(self, name: str) -> ChannelTargets:
        if name in self._channels:
            return self._channels[name]
        if self.default is not None:
            return self.default
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self._channels or self.default is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._channels)

    def __len__(self) -> int:
        return len(self._channels)


def load_targets(path: str | Path) -> Targets:
    """Read a targets YAML file::

        default: {service_level: 0.8, threshold: 20s, shrinkage: 0.3}   # optional
        channels:
          voice: {patience: 3min, max_abandon: 0.05}     # fields override the default
          chat: {threshold: 60s, concurrency: 3}
    """
    source = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping with 'default' and/or 'channels'")
    unknown = set(data) - {"default", "channels"}
    if unknown:
        raise InputError(
            f"{source}: unknown field {sorted(unknown)[0]!r} (allowed: default, channels)"
        )
    default_raw = data.get("default") or {}
    channels_raw = data.get("channels") or {}
    if not isinstance(default_raw, dict):
        raise InputError(f"{where(source, 'default')}: must be a mapping of fields to values")
    if not isinstance(channels_raw, dict):
        raise InputError(f"{where(source, 'channels')}: must be a mapping of channel names")
    # `default` may be partial (shared fields only): check the fields it has, with placeholders
    # for required ones it lacks; it serves unlisted channels only when it is complete.
    required = {"service_level": 0.5, "threshold": 0}
    validate(ChannelTargetsSpec, {**required, **default_raw}, source, "default")
    default = None
    if all(k in default_raw for k in required):
        spec = validate(ChannelTargetsSpec, default_raw, source, "default")
        default = _targets(spec, source, "default")
    channels = {}
    for name, raw in channels_raw.items():
        if not isinstance(raw, dict):
            raise InputError(f"{where(source, f'channels.{name}')}: must be a mapping of fields")
        spec = validate(ChannelTargetsSpec, {**default_raw, **raw}, source, f"channels.{name}")
        channels[str(name)] = _targets(spec, source, f"channels.{name}")
    if not channels and default is None:
        raise InputError(f"{source}: no targets (give 'default' or 'channels')")
    return Targets(channels, default)


def _targets(spec: ChannelTargetsSpec, source: str, path: str) -> ChannelTargets:
    try:
        return spec.to_targets()
    except ValueError as exc:
        raise InputError(f"{source}: {path}.{exc}") from None
