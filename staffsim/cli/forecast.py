"""staffsim forecast: volume and AHT per interval from the center's interval history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from staffsim.cli.options import (
    _add_forecast_reader_flags,
    _add_output_format_flags,
    _as_flags,
    _duration,
    _forecast_reader_options,
)
from staffsim.errors import InputError
from staffsim.formatting import format_table
from staffsim.io import check_output_file, dumps


def add_parser(sub) -> None:
    """Register ``staffsim forecast``."""
    fc = sub.add_parser(
        "forecast", help="forecast volume and AHT per interval from interval history",
        description="Forecast each channel's volume and AHT per interval from its history (one row "
        "per channel and interval: channel, interval start with its date, volume, AHT or total "
        "handle time where present). Writes staffsim's forecast format (plan and scenarios read "
        "it as it is), p10/p50/p90 per interval and day, and the forecast error as a scenario's "
        "volume_uncertainty. --backtest scores the method on the last weeks of the history, one "
        "week ahead each, beside weekly seasonal naive (WAPE, MASE, interval coverage).",
    )
    fc.add_argument("history", type=Path, help="interval history: CSV or Excel workbook (.xlsx)")
    fc.add_argument("--horizon", default="1w", help="days or weeks to forecast: 14d, 2w (default 1w)")
    fc.add_argument("--start", help="first forecast date, YYYY-MM-DD (default: the day after the "
                    "history ends; any weekday)")
    fc.add_argument("--method", choices=["profile", "seasonal_naive", "ets"], default="profile",
                    help="profile: daily totals (robust trend x day of week) x intraday profile "
                    "(default); seasonal_naive: the same slot one week before; ets: Holt-Winters "
                    "daily totals x profile (needs statsmodels: staffsim[forecast])")
    fc.add_argument("--holidays", metavar="DATES|FILE",
                    help="holiday dates kept out of fitting; closed in the horizon, or DATE:FACTOR "
                    "to scale that day (2026-12-24:0.5,2026-12-25), or a file of dates [,factor]")
    fc.add_argument("--missing", choices=["impute", "zero", "refuse"], default="impute",
                    help="intervals without a row inside the opening hours: impute (unknown, not "
                    "fitted on; default), zero (no contacts) or refuse")
    fc.add_argument("--slot", type=_duration, help="interval length (default: inferred)")
    fc.add_argument("--aht", type=_duration, help="AHT for the forecast when the history has none")
    _add_forecast_reader_flags(fc)
    fc.add_argument("--backtest", action="store_true",
                    help="rolling-origin evaluation: WAPE and MASE per channel, interval and day "
                    "level, beside weekly seasonal naive")
    fc.add_argument("--weeks", type=int, default=4, help="--backtest: origins, one week each (default 4)")
    fc.add_argument("--out", type=Path, help="write the forecast file here (.csv or .xlsx) and beside "
                    "it <stem>_intervals.csv, <stem>_days.csv, <stem>_uncertainty.yaml "
                    "(and <stem>_accuracy.csv)")
    _add_output_format_flags(fc)
    fc.add_argument("--format", choices=["table", "json"], default="table")
    fc.add_argument("--no-progress", action="store_true", help="never print progress lines")
    fc.set_defaults(func=_cmd_forecast)


#: the flag of each argument name the library's checks use ("horizon: ..." -> "--horizon: ...")
FORECAST_FLAGS = {"horizon": "--horizon", "start": "--start", "slot": "--slot", "aht": "--aht",
                  "method": "--method", "missing": "--missing", "backtest_weeks": "--weeks",
                  "columns": "--columns"}


def _cmd_forecast(args: argparse.Namespace) -> int:
    with _as_flags(FORECAST_FLAGS):  # errors about an argument name the flag typed
        return _forecast(args)


def _forecast(args: argparse.Namespace) -> int:
    from staffsim.history.forecast import ForecastResult, forecast

    if args.xlsx and not args.out:
        raise InputError("staffsim forecast: --xlsx needs --out FILE (the workbook is written beside it)")
    if args.csv_dialect != "standard" and not args.out:
        raise InputError("staffsim forecast: --csv-dialect needs --out FILE")
    if args.weeks < 1:
        raise InputError(f"staffsim forecast: --weeks must be >= 1, got {args.weeks}")
    if args.out and args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"staffsim forecast: --out {args.out}: the forecast file is .csv or .xlsx "
                         "(what plan and scenarios read)")
    if args.out:
        probe = ForecastResult.outputs(_Probe(args.backtest), args.out)
        for path in probe.values():
            check_output_file(path)
        if args.xlsx and args.out.suffix.lower() != ".xlsx":
            check_output_file(args.out.with_suffix(".xlsx"), "--xlsx")
    from staffsim.progress import line_log

    # on a terminal each step's line; redirected (a batch job's log) a line every 30 s
    log, close = line_log("forecast", enabled=not args.no_progress, lines=args.format == "table")
    try:
        result = forecast(args.history, args.horizon, start=args.start, method=args.method,
                          holidays=args.holidays, missing=args.missing,
                          slot=args.slot, aht=args.aht, backtest=args.backtest, backtest_weeks=args.weeks,
                          log=log, **_forecast_reader_options(args))
    finally:
        close()
    if args.out:
        result.write(args.out, csv_dialect=args.csv_dialect, xlsx=args.xlsx)
    if args.format == "json":
        sys.stdout.write(dumps({"history": str(args.history), "method": result.method,
                                "start": result.start.isoformat(), "days": result.horizon_days,
                                "slot_s": result.slot_s, "version": result.version,
                                "notes": result.notes, "summary": result.summary(),
                                "uncertainty": result.uncertainty, "daily": result.days,
                                "accuracy": result.accuracy}))
        return 0
    last = result.start.toordinal() + result.horizon_days - 1
    import datetime as dt
    print(f"{args.history} - forecast ({result.method}) {result.start} to "
          f"{dt.date.fromordinal(last)}, {result.slot_s / 60:g}-minute intervals; staffsim {result.version}")
    for note in result.notes:
        print(f"  note: {note}")
    print(format_table(result.summary()))
    print("cv_day: the forecast error per day beyond Poisson noise (volume_uncertainty: {cv, per: day}); "
          "cv_slot: the error of an interval's share of its day")
    if result.accuracy is not None:
        print()
        _print_accuracy(result)
    if args.out:
        names = ", ".join(p.name for p in result.outputs(args.out).values())
        print(f"\nforecast written: {names} in {args.out.parent}/")
    return 0


def _print_accuracy(result) -> None:
    acc = result.accuracy
    if acc.empty:
        print("backtest: the history is too short (see the note above)")
        return
    n = int(acc["origins"].max())
    print(f"Backtest: {n} rolling origin(s), one week ahead each, scored on complete non-holiday days "
          "(wape = sum|A-F| / sum A; mase: scaled by the training history's weekly seasonal-naive "
          "error; coverage: share of actuals inside p10-p90, nominal 0.8; wape_vs_naive: 1 - "
          "wape / seasonal naive's)")
    print(format_table(acc))


class _Probe:
    """Stands in for a result to list the output file names before the work starts."""

    def __init__(self, backtest: bool):
        self.accuracy = object() if backtest else None
