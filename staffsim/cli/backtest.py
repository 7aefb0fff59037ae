"""staffsim backtest: simulate the observed days and compare with what the center observed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from staffsim.cli.options import (
    _add_forecast_reader_flags,
    _add_output_format_flags,
    _as_flags,
    _check_out,
    _common_run_flags,
    _forecast_reader_options,
    _needs_out,
    _out_batch,
    _output_formats,
)
from staffsim.formatting import format_table
from staffsim.io import dumps


def _add_backtest_parser(sub) -> None:
    p = sub.add_parser(
        "backtest", help="simulate the center's observed days and compare with what it observed",
        description="For every day of the staffing table, simulate the scenario with the agents that "
        "were logged in and the observed arrivals, and put the observed service level, ASA, abandon "
        "rate and occupancy beside the simulated mean and 95% prediction band (2.5-97.5 percentiles "
        "of the replications: where one day's KPI should fall), per slot and per day, with a "
        "calibration summary (share of observations inside the band, expected share, bias).",
    )
    p.add_argument("scenario", type=Path, help="the (fitted) scenario: behaviour, targets, teams")
    p.add_argument("--observed", type=Path, required=True, help="the contact log of the days to replay")
    p.add_argument("--staffing", type=Path, required=True,
                   help="agents logged in per slot: CSV with group (or channel), slot_start, agents")
    p.add_argument("--arrivals", choices=["observed", "volumes", "forecast"], default="observed",
                   help="observed: replay the arrival times (default); volumes: Poisson with each "
                   "slot's observed count; forecast: Poisson with the scenario's own (dated) volumes and "
                   "its forecast error")
    p.add_argument("--start", metavar="DATE", help="first day to replay, YYYY-MM-DD (default: the first "
                   "day of the staffing table)")
    p.add_argument("--end", metavar="DATE", help="last day to replay, inclusive (default: the last)")
    _add_forecast_reader_flags(p, columns_help=("map the contact log's headers (as fit)"))
    _common_run_flags(p, parquet=False)  # -n (per day), --seed, --jobs, --no-progress, --cluster
    p.add_argument("--out", type=Path, help="write backtest_slots.csv, backtest_days.csv, calibration.csv, "
                   "backtest.json into this directory")
    _add_output_format_flags(p)
    p.add_argument("--plot", action="store_true", help="with --out: backtest_<channel>.png")
    p.add_argument("--days", action="store_true", help="also print the per-day table")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=_cmd_backtest)


#: the flag of each argument name the library's checks use ("horizon: ..." -> "--horizon: ...")
BACKTEST_FLAGS = {"start": "--start", "end": "--end", "arrivals": "--arrivals", "columns": "--columns",
                  "staffing": "--staffing", "observed": "--observed"}


def _cmd_backtest(args: argparse.Namespace) -> int:
    with _as_flags(BACKTEST_FLAGS):  # errors about an argument name the flag typed
        return _backtest(args)


def _backtest(args: argparse.Namespace) -> int:
    from staffsim.history.backtest import backtest
    from staffsim.scenarios.loader import load_scenario

    _needs_out(args, "backtest", "plot", "xlsx")
    sc = load_scenario(args.scenario)
    if args.out:
        _check_out(args, ["backtest_slots", "backtest_days", "calibration"],
                   ["backtest.json"] + [f"backtest_{c}.png" for c in sc.channels], "backtest.xlsx")
    result = backtest(sc, args.observed, args.staffing, replications=args.replications, seed=args.seed,
                      jobs=args.jobs, arrivals=args.arrivals, columns=args.columns,
                      progress=False if args.no_progress else None, cluster=args.cluster,
                      start=args.start, end=args.end, **_forecast_reader_options(args, columns=False))
    if args.out:
        with _out_batch(args, args.seed):
            result.write(args.out, plot=args.plot, **_output_formats(args, "backtest.xlsx"))
    if args.format == "json":
        sys.stdout.write(dumps(result.to_dict()))
        return 0
    days = result.days
    print(f"{sc.name} against {args.observed}: {days['date'].nunique()} day(s), {result.replications} "
          f"replications per day (seed {result.seed}), arrivals {result.arrivals}; staffsim {result.version}")
    for note in result.notes:
        print(f"note: {note}")
    print("Calibration (band = 2.5-97.5 percentiles of the replications: a prediction band for one day, not "
          "the CI of the mean; expected = the same check on the simulation itself, leave one out; "
          "bias = mean of observed - simulated):")
    print(format_table(result.calibration))
    if args.days:
        print()
        cols = ["channel", "date", "weekday", "offered_observed"] + [
            f"{k}_{s}" for k in ("service_level", "asa_s", "abandon_rate", "occupancy")
            for s in ("observed", "lo", "hi")]
        print(format_table(days[cols]))
    if args.out:
        print(f"\nbacktest written to {args.out}/")
    return 0
