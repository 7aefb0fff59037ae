"""``staffsim forecast``: volume and AHT per interval from the center's interval history, with
prediction intervals, the forecast error as a scenario's ``volume_uncertainty``, and a
rolling-origin backtest beside weekly seasonal naive. Needs no simulation engine.

The methods are in :mod:`staffsim.history.methods`, the accuracy measures and the error model
in :mod:`staffsim.history.accuracy`, the reading in :mod:`staffsim.history.readers`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from staffsim._version import __version__
from staffsim.errors import InputError, excerpt
from staffsim.history.accuracy import (
    ErrorModel,
    coverage,
    estimate_error_model,
    seasonal_scale,
    wape,
)
from staffsim.history.holidays import parse_holidays
from staffsim.history.methods import METHODS, MethodOptions, aht_profile, predict
from staffsim.history.readers import History, dst_gap_slots, load_history
from staffsim.io import output_batch, write_frame, write_text, write_workbook

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIN_TRAIN_DAYS = 14


def parse_horizon(value) -> int:
    """Days in a horizon: ``2w``, ``14d`` or a whole number of days."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        days = int(value)
    else:
        m = re.fullmatch(r"\s*(\d+)\s*(w|wk|weeks?|d|days?)?\s*", str(value).lower())
        if not m:
            raise InputError(f"horizon: expected days or weeks such as 14d or 2w, got {excerpt(value)}")
        days = int(m.group(1)) * (7 if (m.group(2) or "d").startswith("w") else 1)
    if not 1 <= days <= 366:
        raise InputError(f"horizon: 1 to 366 days, got {days}")
    return days


@dataclass(frozen=True)
class ForecastResult:
    """A forecast and what stands behind it.

    ``forecast``: staffsim's forecast format (channel, slot_start, volume, aht_s) that ``plan``
    and a scenario's ``volume: {file: ...}`` read as it is. ``intervals``: the same slots with
    p10/p50/p90 of the volume. ``days``: per channel and date the expected total and its
    p10/p50/p90. ``uncertainty``: per channel the ``volume_uncertainty`` block (cv per day) and
    the slot cv. ``accuracy``: the rolling-origin backtest (None without it). ``notes``: what
    was counted, imputed or excluded."""

    forecast: pd.DataFrame
    intervals: pd.DataFrame
    days: pd.DataFrame
    uncertainty: dict
    accuracy: pd.DataFrame | None
    method: str
    start: dt.date
    horizon_days: int
    slot_s: float
    source: str
    notes: list = field(default_factory=list)
    version: str = __version__

    def summary(self) -> pd.DataFrame:
        """Per channel: the horizon's volume, the busiest day and interval, the error model."""
        rows = []
        for ch, grp in self.days.groupby("channel", sort=False):
            iv = self.intervals[self.intervals["channel"] == ch]
            peak = iv.loc[iv["volume"].idxmax()] if len(iv) else None
            busy = grp.loc[grp["volume"].idxmax()]
            u = self.uncertainty.get(ch, {})
            rows.append({"channel": ch, "volume": float(grp["volume"].sum()),
                         "busiest_day": f"{busy['weekday']} {busy['date']}",
                         "peak_interval": str(peak["slot_start"]) if peak is not None else "",
                         "peak_volume": float(peak["volume"]) if peak is not None else 0.0,
                         "cv_day": u.get("cv_day", float("nan")), "cv_slot": u.get("cv_slot", float("nan"))})
        return pd.DataFrame(rows)

    def uncertainty_yaml(self) -> str:
        """The ``volume_uncertainty`` blocks as a YAML fragment for a scenario's channels."""
        lines = [f"# Forecast error of staffsim {self.version} forecast ({self.method}) from {self.source},",
                 f"# {self.start} + {self.horizon_days} days:",
                 "# cv per day = the day-level error of the one-week-ahead rolling-origin backtest,",
                 "# net of Poisson noise (the simulator adds that itself). Paste under a channel.",
                 "channels:"]
        for ch, u in self.uncertainty.items():
            if u.get("cv_day", 0) > 0:
                lines.append(f"  {_yaml_key(ch)}:")
                lines.append(f"    volume_uncertainty: {{cv: {u['cv_day']:.4g}, per: day}}"
                             f"   # slot cv within the day {u['cv_slot']:.3g}; {u['days']} backtest days")
            else:
                lines.append(f"  # {ch}: no error beyond Poisson noise measured"
                             f" ({u.get('days', 0)} backtest days): no volume_uncertainty needed")
        return "\n".join(lines) + "\n"

    def outputs(self, path: Path) -> dict[str, Path]:
        """The files :meth:`write` writes for ``--out path``."""
        path = Path(path)
        stem = path.with_suffix("")
        out = {"forecast": path, "intervals": Path(f"{stem}_intervals.csv"),
               "days": Path(f"{stem}_days.csv"), "uncertainty": Path(f"{stem}_uncertainty.yaml")}
        if self.accuracy is not None:
            out["accuracy"] = Path(f"{stem}_accuracy.csv")
        return out

    def write(self, path: str | Path, *, csv_dialect: str = "standard", xlsx: bool = False) -> list[Path]:
        """Write the forecast file and beside it ``<stem>_intervals.csv``, ``<stem>_days.csv``,
        ``<stem>_uncertainty.yaml`` (and ``<stem>_accuracy.csv``); with ``xlsx`` also one
        workbook ``<stem>.xlsx`` with a sheet per table. All or nothing."""
        files = self.outputs(Path(path))
        tables = {"forecast": self.forecast, "intervals": self.intervals, "days": self.days}
        if self.accuracy is not None:
            tables["accuracy"] = self.accuracy
        written = []
        with output_batch():
            for name, target in files.items():
                if name == "uncertainty":
                    written.append(write_text(target, self.uncertainty_yaml()))
                else:
                    written.append(write_frame(target, tables[name], csv_dialect=csv_dialect))
            if xlsx and files["forecast"].suffix.lower() != ".xlsx":
                written.append(write_workbook(files["forecast"].with_suffix(".xlsx"), tables))
        return written


def _yaml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ -]*", name) else '"' + name.replace('"', '\\"') + '"'


def forecast(history, horizon="1w", *, start=None, method: str = "profile", holidays=None,
             columns=None, missing: str = "impute", slot: float | None = None,
             dayfirst: bool | None = None, tz: str | None = None, sheet: str | None = None,
             backtest: bool = False, backtest_weeks: int = 4, calibration_weeks: int = 4,
             aht: float | None = None, options: MethodOptions | None = None,
             log=None) -> ForecastResult:
    """Forecast volume and AHT per channel and interval from interval history.

    ``history``: a file (CSV or xlsx, one row per channel and interval: channel, interval start
    with its date, volume, and AHT or total handle time where present) or a
    :class:`~staffsim.history.readers.History`. ``horizon``: ``"2w"``, ``"14d"`` or days.
    ``start``: the first forecast date (default: the day after the history ends; any weekday).
    ``method``: profile (default), seasonal_naive or ets (needs statsmodels). ``holidays``:
    dates (a list, ``"2026-12-25,2026-12-26"``, or a file of dates with an optional factor
    column) kept out of fitting; in the horizon a holiday is closed, or its forecast is
    multiplied by the factor given. ``columns``: header mapping (``"channel=Cola,start=Inicio
    Intervalo,volume=Ofrecidas,aht=TMO"``). ``missing``: impute, zero or refuse (see
    :mod:`staffsim.history.readers`). ``backtest``: also the rolling-origin evaluation over the
    last ``backtest_weeks`` weeks, one week ahead each, beside weekly seasonal naive.
    ``calibration_weeks``: one-week-ahead backtests whose errors set the prediction intervals.
    ``aht``: seconds, when the history has no AHT.
    """
    if method not in METHODS:
        raise InputError(f"method: choose one of {', '.join(METHODS)}, got {excerpt(method)}")
    options = options or MethodOptions()
    hol = parse_holidays(holidays)
    if not isinstance(history, History):
        history = load_history(history, columns=columns, slot=slot, dayfirst=dayfirst, tz=tz,
                               sheet=sheet, missing=missing, holidays=hol)
    days = parse_horizon(horizon)
    end = history.date(history.days - 1)
    if start is None:
        start_date = end + dt.timedelta(days=1)
    else:
        try:
            start_date = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start).strip())
        except ValueError:
            raise InputError(f"start: expected a date such as 2026-03-04, got {excerpt(start)}") from None
        if start_date <= end:
            raise InputError(f"start: {start_date} is inside the history (it ends {end}); a forecast "
                             "starts after the last day of history (use --backtest to score past weeks)")
    origin = (start_date - history.first_date).days
    S = history.slots_per_day
    gaps = set(dst_gap_slots(history.first_date, origin + days, S, history.slot_s, history.tz))
    f_rows, i_rows, d_rows, uncertainty, acc_rows = [], [], [], {}, []
    notes = list(history.notes)
    for name, ch in history.channels.items():
        if log:
            log(f"{name}: fitting {method}")
        F = predict(method, ch.volume, ch.usable, history.weekday, ch.span, origin, days, options)
        cache: dict = {}
        cal = _calibrate(method, ch, history, range(1, calibration_weeks + 1), options, cache)
        uncertainty[name] = {"cv_day": cal.cv_day, "cv_slot": cal.cv_slot, "days": cal.days,
                             "volume_uncertainty": {"cv": round(cal.cv_day, 4), "per": "day"}
                             if cal.cv_day > 0 else None}
        if cal.days == 0:
            notes.append(f"{name}: history too short for a backtest week (needs "
                         f"{MIN_TRAIN_DAYS // 7 + 1} weeks): the intervals are Poisson noise only")
        A = aht_profile(ch.volume, ch.aht, ch.usable, history.weekday, ch.span, options)
        if np.isnan(A).all():
            if aht is None:
                raise InputError(f"{history.source}: channel {excerpt(name)} has no AHT in the history; "
                                 "give one (--aht 180s) for the forecast file")
            A = np.full_like(A, float(aht))
        for h in range(days):
            date = start_date + dt.timedelta(days=h)
            w = date.weekday()
            factor, note = 1.0, ""
            if date in hol:
                factor = hol[date] if hol[date] is not None else 0.0
                note = "holiday (closed)" if hol[date] is None else f"holiday x{factor:g}"
            span = ch.span[w]
            if span is None:
                note = note or "closed weekday"
            mean = F[h] * factor
            slots = [s for s in range(span[0], span[1] + 1) if (origin + h, s) not in gaps] \
                if (span is not None and factor > 0) else []
            m = mean[slots]
            lo, med, hi = (cal.interval_quantiles(m, q) for q in (0.1, 0.5, 0.9))
            for k, s in enumerate(slots):
                when = f"{date.isoformat()} {_clock(s * history.slot_s)}"
                f_rows.append((name, when, float(m[k]), float(A[w, s])))
                i_rows.append((name, when, float(m[k]), lo[k], med[k], hi[k]))
            day_q = [cal.day_quantiles(m[None, :], q)[0] if slots else 0.0 for q in (0.1, 0.5, 0.9)]
            d_rows.append((name, date.isoformat(), WEEKDAYS[w], float(m.sum()) if slots else 0.0,
                           *day_q, note))
        if backtest:
            acc_rows += _backtest_channel(method, ch, history, backtest_weeks, calibration_weeks,
                                          options, log, cache)
    if not f_rows:
        raise InputError(f"{history.source}: the horizon {start_date} + {days} days has no open "
                         "interval (every day closed or a holiday)")
    accuracy = _accuracy_table(acc_rows, method) if backtest else None
    if backtest and accuracy is not None and accuracy.empty:
        notes.append(f"backtest: the history is too short for {backtest_weeks} weeks of rolling "
                     f"origins with {MIN_TRAIN_DAYS // 7} training weeks before each")
    return ForecastResult(
        forecast=pd.DataFrame(f_rows, columns=["channel", "slot_start", "volume", "aht_s"]),
        intervals=pd.DataFrame(i_rows, columns=["channel", "slot_start", "volume", "p10", "p50", "p90"]),
        days=pd.DataFrame(d_rows, columns=["channel", "date", "weekday", "volume", "p10", "p50", "p90",
                                           "note"]),
        uncertainty=uncertainty, accuracy=accuracy, method=method, start=start_date,
        horizon_days=days, slot_s=history.slot_s, source=history.source, notes=notes)


def _clock(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _week_errors(method, ch, history, origin, options, cache=None):
    """(actual, forecast) per scored day of the week from ``origin`` (usable days, open slots);
    memoised in ``cache`` (the calibration windows of successive origins overlap)."""
    key = (method, ch.name, origin)
    if cache is not None and key in cache:
        return cache[key]
    F = predict(method, ch.volume, ch.usable, history.weekday, ch.span, origin, 7, options)
    pairs = []
    for h in range(7):
        d = origin + h
        if d >= history.days or not ch.usable[d]:
            continue
        mask = ch.open_slots[d]
        pairs.append((d, ch.volume[d, mask], F[h, mask]))
    if cache is not None:
        cache[key] = pairs
    return pairs


def _origins(history, ks):
    return [history.days - 7 * k for k in ks if history.days - 7 * k >= MIN_TRAIN_DAYS]


def _calibrate(method, ch, history, ks, options, cache=None) -> ErrorModel:
    pairs = []
    for o in _origins(history, ks):
        pairs += [(a, f) for _, a, f in _week_errors(method, ch, history, o, options, cache)]
    return estimate_error_model(pairs)


def _backtest_channel(method, ch, history, weeks, cal_weeks, options, log, cache=None) -> list[dict]:
    """Scored points of each evaluation origin for ``method`` and seasonal naive."""
    rows = []
    S = history.slots_per_day
    for k in range(1, weeks + 1):
        origins = _origins(history, [k])
        if not origins:
            continue
        o = origins[0]
        if log:
            log(f"{ch.name}: backtest origin {history.date(o)}")
        past = np.where(ch.open_slots[:o], ch.volume[:o], np.nan)
        scale_i = seasonal_scale(past.ravel(), 7 * S)
        totals = np.where(ch.usable[:o], np.nansum(ch.volume[:o], axis=1), np.nan)
        scale_d = seasonal_scale(totals, 7)
        for m in dict.fromkeys([method, "seasonal_naive"]):
            err = _calibrate(m, ch, history, range(k + 1, k + cal_weeks + 1), options, cache)
            for d, a, f in _week_errors(m, ch, history, o, options, cache):
                rows.append({"channel": ch.name, "method": m, "origin": history.date(o), "day": d,
                             "a": a, "f": f, "scale_i": scale_i, "scale_d": scale_d,
                             "lo_i": err.interval_quantiles(f, 0.1), "hi_i": err.interval_quantiles(f, 0.9),
                             "lo_d": err.day_quantiles(f[None, :], 0.1)[0],
                             "hi_d": err.day_quantiles(f[None, :], 0.9)[0], "calibrated": err.days > 0})
    return rows


def _accuracy_table(rows: list[dict], method: str) -> pd.DataFrame:
    """WAPE, MASE and p10-p90 coverage per channel (and all channels), level and method."""
    out = []
    if not rows:
        return pd.DataFrame(columns=["channel", "level", "method", "wape", "mase", "coverage_p10_p90",
                                     "points", "origins", "wape_vs_naive"])
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    groups = [(c, [r for r in rows if r["channel"] == c]) for c in channels]
    if len(channels) > 1:
        groups.append(("all", rows))
    for chname, rs in groups:
        for level in ("interval", "day"):
            wapes = {}
            for m in dict.fromkeys([method, "seasonal_naive"]):
                sel = [r for r in rs if r["method"] == m]
                if level == "interval":
                    a = np.concatenate([r["a"] for r in sel])
                    f = np.concatenate([r["f"] for r in sel])
                    scaled = np.concatenate([np.abs(r["a"] - r["f"]) / r["scale_i"] for r in sel])
                    cov_sel = [r for r in sel if r["calibrated"]]
                    cov = coverage(np.concatenate([r["a"] for r in cov_sel]),
                                   np.concatenate([r["lo_i"] for r in cov_sel]),
                                   np.concatenate([r["hi_i"] for r in cov_sel])) if cov_sel else math.nan
                else:
                    a = np.array([r["a"].sum() for r in sel])
                    f = np.array([r["f"].sum() for r in sel])
                    scaled = np.abs(a - f) / np.array([r["scale_d"] for r in sel])
                    cov_sel = [r for r in sel if r["calibrated"]]
                    cov = coverage(np.array([r["a"].sum() for r in cov_sel]),
                                   np.array([r["lo_d"] for r in cov_sel]),
                                   np.array([r["hi_d"] for r in cov_sel])) if cov_sel else math.nan
                wapes[m] = wape(a, f)
                scaled = scaled[np.isfinite(scaled)]
                out.append({"channel": chname, "level": level, "method": m, "wape": wapes[m],
                            "mase": float(scaled.mean()) if scaled.size else math.nan,
                            "coverage_p10_p90": cov, "points": int(a.size),
                            "origins": len({r["origin"] for r in sel})})
            for row in out[-len(wapes):]:
                naive = wapes["seasonal_naive"]
                row["wape_vs_naive"] = 1 - row["wape"] / naive if naive and naive > 0 else math.nan
    return pd.DataFrame(out)
