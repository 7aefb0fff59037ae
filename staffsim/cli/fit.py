"""staffsim fit: behaviour fitted from a contact-level log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from staffsim.cli.options import (
    _add_forecast_reader_flags,
    _add_output_format_flags,
    _as_flags,
    _check_out,
    _duration,
    _forecast_reader_options,
    _needs_out,
    _out_batch,
    _output_formats,
)
from staffsim.formatting import format_table
from staffsim.io import dumps


def _add_fit_parser(sub) -> None:
    p = sub.add_parser(
        "fit", help="fit arrivals, handle times, patience and redials from a contact log",
        description="Read a contact-level log (one row per contact: channel, arrival, then answer "
        "and end, or abandon; optionally customer and segment) and estimate the scenario pieces it "
        "shows, with 95% intervals and goodness of fit: volumes per weekday and slot, the handle-time "
        "distribution (chosen by AIC and a Kolmogorov-Smirnov test), patience from censored waits "
        "(Kaplan-Meier and censored maximum likelihood), the abandonment hazard, redials and "
        "time-of-day effects. --out writes scenario_fragment.yaml (complete it with extends:), the "
        "tables, the figures and fit_report.html.",
    )
    p.add_argument("contacts", type=Path, help="contact log: CSV (also .csv.gz) or Excel workbook")
    _add_forecast_reader_flags(p, columns_help=("map the file's headers: channel, arrival, answer, end, abandon, date, customer, "
                   "segment, e.g. channel=Cola,arrival=Llegada,answer=Atendida,end=Fin,abandon=Abandono"))
    p.add_argument("--slot", type=_duration, default=1800.0, help="slot length of the volumes (default 30min)")
    p.add_argument("--redial-window", type=_duration, default=3600.0,
                   help="a contact of the same customer this soon after an abandon is a redial (default 1h)")
    p.add_argument("--out", type=Path, help="write the fragment, tables, figures and report into this directory")
    _add_output_format_flags(p)
    p.add_argument("--no-report", action="store_true", help="with --out: skip the figures and fit_report.html")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=_cmd_fit)


#: the flag of each argument name the library's checks use ("horizon: ..." -> "--horizon: ...")
FIT_FLAGS = {"slot": "--slot", "redial_window": "--redial-window", "columns": "--columns"}


def _cmd_fit(args: argparse.Namespace) -> int:
    with _as_flags(FIT_FLAGS):  # errors about an argument name the flag typed
        return _fit(args)


def _fit(args: argparse.Namespace) -> int:
    from staffsim.history.fit import FitResult, fit

    _needs_out(args, "fit", "xlsx", "no_report")
    if args.out:
        names = [f"{t}.csv" for t in ("fit_summary", "handle_fits", "patience_fits", "volumes", "hazard",
                                      "slot_waits", "redials", "periods", "kaplan_meier")]
        _check_out(args, [], names + ["scenario_fragment.yaml", "fit.json", "fit_report.html"], "fit.xlsx")
    result: FitResult = fit(args.contacts, slot=args.slot, redial_window=args.redial_window,
                            columns=args.columns, **_forecast_reader_options(args, columns=False))
    if args.out:
        with _out_batch(args):
            result.write(args.out, report=not args.no_report, **_output_formats(args, "fit.xlsx"))
    if args.format == "json":
        sys.stdout.write(dumps(result.to_dict()))
        return 0
    s = result.summary
    print(f"{args.contacts}: {int(s['contacts'].sum()):,} contacts, {len(s)} channel(s); staffsim {result.version}")
    print("Per channel (95% intervals; patience from censored waits; naive = mean wait of the abandoners "
          "only, biased low):")
    shown = s[["channel", "contacts", "abandon_rate", "handle_dist", "aht_s", "aht_lo", "aht_hi", "patience_dist",
               "patience_mean_s", "patience_lo", "patience_hi", "patience_shape_is", "patience_shape",
               "naive_patience_s",
               "redial_share"]]
    print(format_table(shown))
    print()
    print("Handle time per family (chosen: lowest AIC unless its Kolmogorov-Smirnov p < 1%, then empirical):")
    h = result.handle[["channel", "family", "mean_s", "shape_is", "shape", "shape_lo", "shape_hi", "delta_aic",
                       "ks_distance", "ks_p", "chosen"]]
    print(format_table(h))
    print()
    print("Patience per family (censored maximum likelihood; km_distance = largest gap to Kaplan-Meier; "
          "p_exponential = likelihood-ratio test of shape 1):")
    p = result.patience[["channel", "family", "mean_s", "mean_lo", "mean_hi", "shape_is", "shape", "shape_lo",
                         "shape_hi", "delta_aic", "km_distance", "p_exponential", "chosen"]]
    print(format_table(p))
    effects = result.periods[result.periods["aht_effect"] | result.periods["patience_effect"]]
    print()
    if len(effects):
        print("Time-of-day effects (p < 1%):")
        print(format_table(result.periods[["channel", "period", "aht_s", "p_aht", "patience_exp_s", "p_patience"]]))
    else:
        print("No time-of-day effect on AHT or patience at the 1% level (see periods.csv).")
    if args.out:
        print(f"\nfit written to {args.out}/ (scenario_fragment.yaml: complete it with extends:)")
    return 0
