"""Interval history in: one row per channel and interval (volume; AHT or total handle time where
present), read with the forecast reader ``plan`` uses (vendor headers, ``;`` files with decimal
commas, day-first dates, time zones, xlsx) plus a ``--columns`` mapping, and laid on a grid of
days x slots per channel.

What the grid holds and what is counted (never silently dropped):

* a weekday with no row in any week is a *closed weekday* (the forecast has no rows for it);
* on an open weekday, the *opening span* is the first to the last slot of the day that has a
  row on any such weekday; a slot in the span without a row is a *missing interval*, and a day
  with no row at all is a *missing day*. ``missing="impute"`` (default) leaves them unknown: the
  methods fit on complete days only and forecast every slot of the span; ``"zero"`` reads an
  absent row as no contacts (exports that omit empty intervals); ``"refuse"`` stops at the first;
* holiday dates (``holidays``) are kept out of fitting and evaluation (counted);
* with a time zone, local clock times that do not exist (the hour skipped when daylight saving
  time starts) are refused, and the skipped slots are not missing intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from staffsim.errors import InputError, excerpt
from staffsim.scenarios.forecast import load_forecast, parse_column_mapping

MISSING_POLICIES = ("impute", "zero", "refuse")


@dataclass(frozen=True)
class ChannelHistory:
    """One channel on the grid: ``volume`` and ``aht`` are (days, slots) arrays, NaN where
    unknown; ``span`` per weekday (0 = Monday) is the (first, last) open slot or None (closed);
    ``usable`` marks complete, non-holiday days (the days methods fit on and backtests score)."""

    name: str
    volume: np.ndarray
    aht: np.ndarray
    span: tuple
    usable: np.ndarray
    open_slots: np.ndarray  # (days, slots) bool: inside the weekday's span (and not a DST gap)


@dataclass(frozen=True)
class History:
    """Interval history on a grid: ``first_date`` + ``days`` calendar days of ``slot_s`` slots."""

    source: str
    slot_s: float
    first_date: dt.date
    days: int
    channels: dict[str, ChannelHistory]
    holidays: frozenset = frozenset()
    tz: str | None = None
    notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def slots_per_day(self) -> int:
        """Slots in a day."""
        return round(86400.0 / self.slot_s)

    def date(self, d: int) -> dt.date:
        """The date of day index ``d`` (may lie beyond the history)."""
        return self.first_date + dt.timedelta(days=int(d))

    def weekday(self, d: int) -> int:
        """Weekday (0 = Monday) of day index ``d``."""
        return (self.first_date.weekday() + int(d)) % 7


def load_history(path: str | Path, *, columns=None, slot: float | None = None,
                 dayfirst: bool | None = None, tz: str | None = None, sheet: str | None = None,
                 missing: str = "impute", holidays=()) -> History:
    """Read an interval history file (CSV or xlsx) onto a grid of days x slots per channel.

    ``columns``: ``"channel=Cola,start=Inicio Intervalo,volume=Ofrecidas,aht=TMO"`` or a mapping;
    ``missing``: impute, zero or refuse (see the module docstring); ``holidays``: dates kept out
    of fitting. Every refusal names the file, the line and the column.
    """
    if missing not in MISSING_POLICIES:
        raise InputError(f"missing: choose one of {', '.join(MISSING_POLICIES)}, got {excerpt(missing)}")
    source = str(path)
    mapping = parse_column_mapping(columns)
    fc = load_forecast(path, slot, dayfirst=dayfirst, tz=tz, sheet=sheet, columns=mapping, history=True)
    table = fc.table
    start_col = mapping.get("slot_start", "slot_start")
    if table["slot_start"].map(lambda v: isinstance(v, str)).any():
        line = int(table.loc[table["slot_start"].map(lambda v: isinstance(v, str)), "line"].min())
        raise InputError(f"{source}: line {line}, column {excerpt(start_col)}: a history needs dates "
                         "with the interval starts (2026-03-02 08:30), not clock times alone")
    slot_s = fc.slot_s
    if abs(86400.0 / slot_s - round(86400.0 / slot_s)) > 1e-9:
        raise InputError(f"{source}: intervals of {slot_s:g}s do not divide a day")
    _check_order(table, source, start_col, slot_s)
    _check_dst(table, tz, source, start_col)
    first = min(pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo else pd.Timestamp(v)
                for v in table["slot_start"]).date()
    offsets = table["offset_s"].to_numpy(float)
    day_idx = (offsets // 86400).astype(int)
    slot_idx = np.round((offsets % 86400) / slot_s).astype(int)
    days = int(day_idx.max()) + 1
    n = round(86400.0 / slot_s)
    gaps = dst_gap_slots(first, days, n, slot_s, tz)
    hol = frozenset(holidays)
    counts = {"rows": len(table), "holiday_days": 0, "missing_days": 0, "missing_intervals": 0,
              "zero_filled": 0, "dst_gap_slots": 0, "closed_weekdays": {}}
    notes: list[str] = []
    weekday = [(first.weekday() + d) % 7 for d in range(days)]
    hol_days = [d for d in range(days) if first + dt.timedelta(days=d) in hol]
    channels: dict[str, ChannelHistory] = {}
    for name, rows in table.groupby("channel", sort=False):
        vol = np.full((days, n), np.nan)
        aht = np.full((days, n), np.nan)
        di, si = day_idx[rows.index], slot_idx[rows.index]
        vol[di, si] = rows["volume"].to_numpy(float)
        aht[di, si] = rows["aht_s"].to_numpy(float)
        present = ~np.isnan(vol)
        gap = np.zeros((days, n), bool)
        for d, s in gaps:
            if d < days:
                gap[d, s] = True
        span = []
        for w in range(7):
            mask = present[[d for d in range(days) if weekday[d] == w]].any(axis=0)
            span.append((int(np.argmax(mask)), int(n - 1 - np.argmax(mask[::-1]))) if mask.any() else None)
        open_slots = np.zeros((days, n), bool)
        for d in range(days):
            if span[weekday[d]] is not None:
                a, b = span[weekday[d]]
                open_slots[d, a:b + 1] = True
        open_slots &= ~gap
        counts["dst_gap_slots"] += int((gap & ~present).sum())
        for d in hol_days:
            vol[d], aht[d] = np.nan, np.nan
        absent = open_slots & ~present
        absent[hol_days] = False
        if absent.any():
            d0, s0 = np.argwhere(absent)[0]
            when = f"{first + dt.timedelta(days=int(d0))} {_clock(s0 * slot_s)}"
            whole = [d for d in range(days) if open_slots[d].any() and not present[d].any()
                     and d not in hol_days]
            if missing == "refuse":
                raise InputError(f"{source}: channel {excerpt(name)}: no row for the interval {when} "
                                 f"({int(absent.sum())} missing interval(s) in all, {len(whole)} whole "
                                 "day(s)); add them, or read absent rows as no contacts (--missing zero) "
                                 "or as unknown (--missing impute)")
            if missing == "zero":
                vol[absent] = 0.0
                counts["zero_filled"] += int(absent.sum())
                notes.append(f"{name}: {int(absent.sum())} interval(s) without a row read as 0 contacts "
                             f"(--missing zero; first {when})")
            else:
                part = int(absent.sum()) - sum(int(open_slots[d].sum()) for d in whole)
                counts["missing_days"] += len(whole)
                counts["missing_intervals"] += part
                notes.append(f"{name}: {len(whole)} missing day(s) and {part} missing interval(s) on "
                             f"other days left unknown (imputed by the model, not fitted on; first {when})")
        complete = ~(open_slots & np.isnan(vol)).any(axis=1)
        usable = complete & np.array([d not in hol_days for d in range(days)])
        usable &= np.array([span[weekday[d]] is not None for d in range(days)])
        closed = [w for w in range(7) if span[w] is None]
        counts["closed_weekdays"][name] = closed
        channels[str(name)] = ChannelHistory(str(name), vol, aht, tuple(span), usable, open_slots)
    if hol_days:
        counts["holiday_days"] = len(hol_days)
        notes.append(f"{len(hol_days)} holiday date(s) in the history kept out of fitting and scoring")
    if counts["dst_gap_slots"]:
        notes.append(f"{counts['dst_gap_slots']} slot(s) skipped by daylight saving time (not missing)")
    return History(source, slot_s, first, days, channels, hol, tz, notes, counts)


def _clock(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _check_order(table: pd.DataFrame, source: str, col: str, slot_s: float) -> None:
    """Refuse rows out of time order within a channel and intervals that overlap (a start off
    the channel's own grid of interval lengths)."""
    for name, rows in table.sort_values("line").groupby("channel", sort=False):
        off = rows["offset_s"].to_numpy(float)
        lines = rows["line"].to_numpy()
        back = np.flatnonzero(np.diff(off) < 0)
        if back.size:
            k = int(back[0]) + 1
            raise InputError(
                f"{source}: line {lines[k]}, column {excerpt(col)}: interval {rows['slot_start'].iloc[k]} "
                f"of channel {excerpt(name)} comes after {rows['slot_start'].iloc[k - 1]} (line "
                f"{lines[k - 1]}); a history must be in time order within each channel")
        gaps = np.diff(off)
        if gaps.size:
            values, freq = np.unique(np.round(gaps, 3), return_counts=True)
            mode = float(values[np.argmax(freq)])
            if mode > slot_s + 1e-9 and abs(mode / slot_s - round(mode / slot_s)) < 1e-9:
                phase = np.round((off % 86400.0) % mode, 3)
                common = float(np.bincount(np.round(phase / slot_s).astype(int)).argmax()) * slot_s
                bad = np.flatnonzero(np.abs(phase - common) > 1e-6)
                if bad.size:
                    k = int(bad[0])
                    raise InputError(
                        f"{source}: line {lines[k]}, column {excerpt(col)}: interval "
                        f"{rows['slot_start'].iloc[k]} of channel {excerpt(name)} overlaps another: "
                        f"the channel's intervals are {mode / 60:g} min long elsewhere (give --slot if "
                        "the file really changes interval length)")


def dst_gap_slots(first: dt.date, days: int, n: int, slot_s: float, tz: str | None) -> list:
    """(day, slot) pairs whose local start does not exist in ``tz`` (the skipped hour)."""
    if tz is None:
        return []
    grid = pd.Timestamp(first) + pd.to_timedelta(np.arange(days * n) * slot_s, unit="s")
    local = pd.DatetimeIndex(grid).tz_localize(tz, nonexistent="NaT", ambiguous=np.zeros(len(grid), bool))
    return [divmod(int(k), n) for k in np.flatnonzero(local.isna())]


def _check_dst(table: pd.DataFrame, tz: str | None, source: str, col: str) -> None:
    """With a zone: refuse naive local times that do not exist (daylight saving time starts)."""
    if tz is None:
        return
    starts = table["slot_start"]
    if any(pd.Timestamp(v).tzinfo is not None for v in starts):
        return
    idx = pd.DatetimeIndex(starts)
    local = idx.tz_localize(tz, nonexistent="NaT", ambiguous=np.zeros(len(idx), bool))
    bad = np.flatnonzero(local.isna())
    if bad.size:
        k = int(bad[0])
        raise InputError(f"{source}: line {int(table['line'].iloc[k])}, column {excerpt(col)}: "
                         f"{starts.iloc[k]} does not exist in {tz} (the clock skips that hour when "
                         "daylight saving time starts); a history cannot have a row there")
