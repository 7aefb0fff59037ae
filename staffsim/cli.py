"""The ``staffsim`` command line.

``main(argv)`` returns the exit code: 0 on success, 2 for bad input (one message on stderr, no
traceback; several problems in one file are listed one per line under one heading), 4 when the
outputs could not be written (a full disk: earlier outputs are left as they were), 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from staffsim import __version__
from staffsim.errors import InputError, OutputError
from staffsim.limits import MAX_TABLE_ROWS, MAX_TRAFFIC
from staffsim.models.staffing import ChannelTargets, plan_staffing, staffing_metrics
from staffsim.formatting import format_differences, format_table
from staffsim.io import (
    CSV_DIALECTS,
    check_output_dir,
    check_output_file,
    dumps,
    frame_to_csv,
    output_batch,
    write_frame,
    write_text,
)
from staffsim.units import parse_duration


class _Parser(argparse.ArgumentParser):
    """argparse that reports problems as InputError (exit 2, one line)."""

    def error(self, message: str):  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    return value


def _agents(text: str) -> list[int]:
    """``14`` or a range ``10:20`` (inclusive)."""
    try:
        if ":" in text:
            lo, hi = (int(x) for x in text.split(":"))
            if lo < 0 or hi < lo:
                raise ValueError
            if hi - lo + 1 > MAX_TABLE_ROWS:
                raise argparse.ArgumentTypeError(
                    f"a range of at most {MAX_TABLE_ROWS:,} agent counts, got {hi - lo + 1:,} ({text})")
            return list(range(lo, hi + 1))
        n = int(text)
        if n < 0:
            raise ValueError
        return [n]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of agents or a range such as 10:20, got {text!r}"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="staffsim",
        description="Contact-center staffing and queue simulation (times in seconds; files accept "
        "20s, 15min, 1h).",
    )
    parser.add_argument("--version", action="version", version=f"staffsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    er = sub.add_parser(
        "erlang",
        help="Erlang C / Erlang A calculator for one slot",
        description="Service level, ASA, abandonment and occupancy for one slot; the required "
        "agents for a target; or a table over a range of agent counts. Erlang C unless "
        "--patience is given (then Erlang A).",
    )
    er.add_argument("--volume", type=float, required=True, help="contacts offered in the slot")
    er.add_argument("--slot", type=_duration, default=1800.0, help="slot length (default 30min)")
    er.add_argument("--aht", type=_duration, required=True, help="average handle time, e.g. 180s")
    er.add_argument("--threshold", type=_duration, required=True, help="service-level threshold")
    what = er.add_mutually_exclusive_group(required=True)
    what.add_argument("--agents", type=_agents, help="agents on the phones: N or a range LO:HI")
    what.add_argument("--target", type=_share, help="service-level target, e.g. 0.8")
    er.add_argument("--patience", type=_duration, help="mean patience: use Erlang A")
    er.add_argument("--asa", type=_duration, help="with --target: maximum ASA too")
    er.add_argument("--max-abandon", type=_share, help="with --target and --patience: max abandon")
    er.add_argument("--max-occupancy", type=_share, default=1.0, help="occupancy cap (default 1)")
    er.add_argument("--shrinkage", type=_share, default=0.0, help="share of paid time off the phones")
    er.add_argument("--concurrency", type=int, default=1, help="chats an agent holds at once")
    er.add_argument(
        "--concurrency-stretch", type=float, default=1.0,
        help="handle-time multiplier when holding --concurrency chats (default 1)",
    )
    er.add_argument("--format", choices=["table", "json"], default="table")
    er.set_defaults(func=_cmd_erlang)

    pl = sub.add_parser(
        "plan",
        help="per-slot staffing plan from a forecast CSV",
        description="Agents needed per channel and slot to meet the targets (Erlang C, or Erlang "
        "A for channels with a patience). The forecast has one row per channel and slot: "
        "channel, slot_start (HH:MM or ISO date-time), volume, aht_s.",
    )
    pl.add_argument("forecast", type=Path, help="forecast CSV or Excel workbook (.xlsx)")
    pl.add_argument(
        "--targets", type=Path,
        help="targets YAML (default: targets.yaml beside the forecast)",
    )
    pl.add_argument("--slot", type=_duration, help="slot length (default: inferred from the CSV)")
    _add_forecast_reader_flags(pl)
    pl.add_argument("--out", type=Path, help="write the plan to this file (.csv, .json or .xlsx)")
    _add_output_format_flags(pl)
    pl.add_argument("--format", choices=["table", "csv", "json"], default="table")
    pl.set_defaults(func=_cmd_plan)

    va = sub.add_parser(
        "validate", help="check scenario files",
        description="Load and validate each scenario (extends: included); print one line each.",
    )
    va.add_argument("scenarios", nargs="+", type=Path)
    va.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override a field, e.g. channels.voice.volume_factor=1.3 (repeatable)")
    va.set_defaults(func=_cmd_validate)

    ru = sub.add_parser(
        "run", help="simulate a scenario",
        description="Simulate the scenario's day(s) over independent replications and print the "
        "KPIs with 95%% confidence half-widths, beside the Erlang plan.",
    )
    ru.add_argument("scenario", type=Path)
    ru.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override a field, e.g. channels.voice.self_service.deflection=0.3")
    _common_run_flags(ru)
    ru.add_argument("--service-level", choices=["offered", "answered", "excluding_short_abandons"],
                    default="offered", help="service-level definition (default: offered)")
    ru.add_argument("--out", type=Path, help="write slots.csv, summary.csv, groups.csv, plan.csv, "
                    "result.json into this directory")
    _add_output_format_flags(ru)
    ru.add_argument("--contacts", action="store_true", help="with --out: also contacts.csv")
    ru.add_argument("--plot", action="store_true", help="with --out: day_<channel>.png charts")
    ru.add_argument("--report", action="store_true", help="with --out: report.html for managers")
    ru.add_argument("--slots", action="store_true", help="also print the per-slot table")
    ru.add_argument("--format", choices=["table", "json"], default="table")
    ru.set_defaults(func=_cmd_run)

    co = sub.add_parser(
        "compare", help="compare scenarios on the same simulated customers",
        description="Simulate a baseline and variants with the same seeds (common random numbers) "
        "and report the paired differences with 95%% confidence half-widths, in KPIs and money.",
    )
    co.add_argument("baseline", type=Path)
    co.add_argument("variants", type=Path, nargs="+")
    _common_run_flags(co)
    co.add_argument("--out", type=Path, help="write differences.csv, summaries.csv, result.json here")
    _add_output_format_flags(co)
    co.add_argument("--plot", action="store_true", help="with --out: compare.png")
    co.add_argument("--report", action="store_true", help="with --out: report.html for managers")
    co.add_argument("--format", choices=["table", "json"], default="table")
    co.set_defaults(func=_cmd_compare)

    sw = sub.add_parser(
        "sweep", help="sweep one parameter",
        description="Simulate the scenario at each value of one field (same seeds at every value) "
        "and report KPIs, cost and the Erlang plan's agents per value.",
    )
    sw.add_argument("scenario", type=Path)
    sw.add_argument("--param", required=True, action="append", metavar="PATH=VALUES",
                    help="e.g. channels.voice.self_service.deflection=0:0.6:0.1 (start:stop:step) "
                    "or =0,0.2,0.4")
    sw.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="fixed overrides applied before sweeping")
    _common_run_flags(sw)
    sw.add_argument("--out", type=Path, help="write sweep.csv, steps.csv, result.json here")
    _add_output_format_flags(sw)
    sw.add_argument("--plot", action="store_true", help="with --out: sweep.png")
    sw.add_argument("--format", choices=["table", "json"], default="table")
    sw.set_defaults(func=_cmd_sweep)
    return parser


def _common_run_flags(p: argparse.ArgumentParser) -> None:
    """Flags of every simulating command (run, compare, sweep)."""
    p.add_argument("-n", "--replications", type=int,
                   help="replications of each scenario or value (default: the (first) scenario's)")
    p.add_argument("--seed", type=int, help="random seed (default: the (first) scenario's)")
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores; the numbers do "
                   "not depend on it)")
    p.add_argument("--parquet", action="store_true", help="with --out: Parquet files too (needs pyarrow)")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")


def _cmd_erlang(args: argparse.Namespace) -> int:
    traffic = args.volume * args.aht * args.concurrency_stretch / args.slot if args.slot > 0 else 0.0
    if traffic > MAX_TRAFFIC:  # bad signs and zeros are reported below, with the field's rule
        raise InputError(f"staffsim erlang: --volume x --aht / --slot is {traffic:.3g} Erlangs; "
                         f"staffsim's limit is {MAX_TRAFFIC:.0e} Erlangs per slot")
    if args.target is not None:
        targets = ChannelTargets(
            service_level=args.target,
            threshold_s=args.threshold,
            asa_s=args.asa,
            patience_s=args.patience,
            max_abandon=args.max_abandon,
            max_occupancy=args.max_occupancy,
            shrinkage=args.shrinkage,
            concurrency=args.concurrency,
            concurrency_stretch=args.concurrency_stretch,
        )
        forecast = pd.DataFrame(
            {"channel": ["slot"], "slot_start": ["-"], "volume": [args.volume], "aht_s": [args.aht]}
        )
        agents = [int(plan_staffing(forecast, {"slot": targets}, args.slot)["agents"].iloc[0])]
    else:
        for flag in ("asa", "max_abandon"):
            if getattr(args, flag) is not None:
                raise InputError(f"staffsim erlang: --{flag.replace('_', '-')} needs --target")
        agents = args.agents
    table = staffing_metrics(
        args.volume,
        args.aht,
        args.slot,
        agents,
        threshold_s=args.threshold,
        patience_s=args.patience,
        concurrency=args.concurrency,
        concurrency_stretch=args.concurrency_stretch,
        shrinkage=args.shrinkage,
    )
    if args.patience is None:
        table = table.drop(columns=["service_level_answered", "mean_wait_s", "p_abandon"])
    model = "Erlang A (M/M/n+M)" if args.patience is not None else "Erlang C (M/M/n)"
    if args.format == "json":
        sys.stdout.write(dumps({"model": model, "version": __version__, "rows": table}))
    else:
        print(f"{model}: {args.volume:g} contacts per {args.slot:g}s slot, AHT {args.aht:g}s, "
              f"threshold {args.threshold:g}s" + (f", patience {args.patience:g}s" if args.patience else ""))
        if args.target is not None:
            print(f"required agents for {args.target:.0%} in {args.threshold:g}s: {agents[0]}")
        print(format_table(table))
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_forecast, load_targets

    if args.xlsx and not args.out:
        raise InputError("staffsim plan: --xlsx needs --out FILE (the workbook is written beside it)")
    if args.out:
        check_output_file(args.out)
        _check_xlsx_beside(args)
    forecast = load_forecast(args.forecast, args.slot, **_forecast_reader_options(args))
    targets_path = args.targets or args.forecast.with_name("targets.yaml")
    if args.targets is None and not targets_path.exists():
        raise InputError(f"{args.forecast}: no --targets given and no targets.yaml beside it")
    targets = load_targets(targets_path)
    try:
        plan = plan_staffing(forecast.table, targets, forecast.slot_s)
    except ValueError as exc:  # a channel without targets, or a slot beyond the stated limits
        raise InputError(f"{args.forecast} with {targets_path}: {exc}") from None
    if "media_type" in forecast.table:
        media = dict(zip(forecast.table["channel"], forecast.table["media_type"]))
        plan.insert(1, "media_type", plan["channel"].map(media))
    if args.out:
        with output_batch():
            write_frame(args.out, plan, csv_dialect=args.csv_dialect)
            if args.xlsx and args.out.suffix.lower() != ".xlsx":
                write_frame(args.out.with_suffix(".xlsx"), plan)
    if args.format == "csv":
        sys.stdout.write(frame_to_csv(plan, args.csv_dialect))
    elif args.format == "json":
        sys.stdout.write(
            dumps({"forecast": str(args.forecast), "slot_s": forecast.slot_s, "tz": forecast.tz,
                   "version": __version__, "plan": plan})
        )
    else:
        totals = plan.groupby("channel", sort=False).agg(
            volume=("volume", "sum"), agent_slots=("agents", "sum"), scheduled_slots=("scheduled", "sum"),
            peak_agents=("agents", "max"),
        )
        hours = forecast.slot_s / 3600.0
        totals["agent_hours"] = totals.pop("agent_slots") * hours
        totals["scheduled_hours"] = totals.pop("scheduled_slots") * hours
        print(format_table(plan))
        print()
        print("Totals per channel (agent hours = agents x slot length):")
        print(format_table(totals.reset_index()))
        if args.out:
            print(f"\nplan written to {args.out}")
    return 0


def _check_xlsx_beside(args: argparse.Namespace) -> None:
    if args.xlsx and args.out.suffix.lower() != ".xlsx":
        check_output_file(args.out.with_suffix(".xlsx"), "--xlsx")


def _cmd_validate(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario

    for path in args.scenarios:
        sc = load_scenario(path, args.overrides)
        h = sc.spec.horizon
        people = sum(s.agents for g in sc.spec.agents for s in g.shifts or [])
        print(f"{path}: ok - {sc.name!r}: {len(sc.channels)} channel(s) "
              f"({', '.join(sc.channels)}), {h.n_slots} slots of {h.slot:g}s, "
              f"{len(sc.spec.agents)} group(s), {people} agents on shifts")
    return 0


SUMMARY_COLUMNS = ["offered", "deflected", "answered", "abandoned", "unfinished", "service_level",
                   "asa_s", "abandon_rate", "occupancy", "staffed_agents"]


def _cmd_run(args: argparse.Namespace) -> int:
    from staffsim.experiment import simulate
    from staffsim.scenarios.loader import load_scenario

    _needs_out(args, "run", "contacts", "plot", "parquet", "report", "xlsx")
    sc = load_scenario(args.scenario, args.overrides)
    if args.out:
        tables = ["slots", "summary", "groups", "plan"] + (["contacts"] if args.contacts else [])
        _check_out(args, tables, ["result.json", "report.html"] + [f"day_{c}.png" for c in sc.channels])
    result = simulate(sc, args.replications, args.seed, args.jobs, service_level=args.service_level,
                      progress=False if args.no_progress else None)
    if args.out:
        with output_batch():
            result.write(args.out, contacts=args.contacts, parquet=args.parquet,
                         **_output_formats(args, "results.xlsx"))
            if args.plot:
                from staffsim.plots import plot_day, save_figures

                save_figures({f"day_{c}": plot_day(result, c) for c in sc.channels}, args.out)
            if args.report:
                from staffsim.report import run_report

                write_text(args.out / "report.html", run_report(result))
    if args.format == "json":
        sys.stdout.write(result.to_json())
        return _finish(result.complete, result.replications)
    summary = result.summary()
    shown = pd.DataFrame({"channel": summary["channel"]})
    for col in SUMMARY_COLUMNS:
        shown[col] = summary[col]
        if col in ("service_level", "asa_s", "abandon_rate", "occupancy"):
            shown[f"{col}_ci"] = summary[f"{col}_ci"]
    print(f"{sc.name} - {result.replications} replications, seed {result.seed}, "
          f"staffsim {result.version}")
    print("Whole day per channel (means; _ci = 95% half-width; rates are totals over the day):")
    print(format_table(shown))
    print()
    print("Erlang plan vs simulated staffing, per team (agents; the plan counts the team's channels):")
    print(format_table(result.team_staffing()))
    if args.slots:
        print()
        cols = ["channel", "day", "slot_start", "offered", "service_level", "service_level_ci",
                "asa_s", "abandon_rate", "occupancy", "staffed_agents", "max_queue"]
        print(format_table(result.slots[cols]))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, result.replications)


def _needs_out(args: argparse.Namespace, command: str, *flags: str) -> None:
    for flag in flags:
        if getattr(args, flag, False) and not args.out:
            raise InputError(f"staffsim {command}: --{flag} needs --out DIR")
    if getattr(args, "csv_dialect", "standard") != "standard" and not args.out:
        raise InputError(f"staffsim {command}: --csv-dialect needs --out DIR")


def _finish(complete: bool, replications: int) -> int:
    """Exit code: 130 (and a note) when Ctrl-C cut the run short; what finished was kept."""
    if complete:
        return 0
    print(f"staffsim: interrupted - kept the {replications} replication(s) that had finished",
          file=sys.stderr)
    return 130


def _cmd_compare(args: argparse.Namespace) -> int:
    from staffsim.experiment import compare
    from staffsim.scenarios.loader import load_scenario

    _needs_out(args, "compare", "plot", "parquet", "report", "xlsx")
    if args.out:
        _check_out(args, ["differences", "summaries"], ["result.json", "compare.png", "report.html"])
    base = load_scenario(args.baseline)
    variants = [load_scenario(v) for v in args.variants]
    result = compare(base, *variants, replications=args.replications, seed=args.seed, jobs=args.jobs,
                     progress=False if args.no_progress else None)
    if args.out:
        with output_batch():
            result.write(args.out, parquet=args.parquet, **_output_formats(args, "results.xlsx"))
            if args.plot:
                from staffsim.plots import plot_comparison, save_figures

                save_figures({"compare": plot_comparison(result)}, args.out)
            if args.report:
                from staffsim.report import comparison_report

                write_text(args.out / "report.html", comparison_report(result))
    if args.format == "json":
        sys.stdout.write(dumps(result.to_dict()))
        return _finish(result.complete, result.baseline.replications)
    b = result.baseline
    print(f"{result.baseline_label} vs {', '.join(result.variants)} - {b.replications} replications "
          f"each on the same simulated customers (seed {b.seed}), staffsim {b.version}")
    for v in result.variants:
        print(result.headline(v))
    print()
    d = result.differences
    shown = d[d["metric"].isin(["service_level", "asa_s", "abandon_rate", "occupancy",
                                "paid_agent_hours", "cost"])]
    print("Differences per channel (variant - baseline; ci = 95% half-width of the paired difference):")
    print(format_differences(shown, b.scenario.spec.costs.currency))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, b.replications)


SWEEP_SHOWN = ("service_level", "abandon_rate", "asa_s", "occupancy", "paid_agent_hours",
               "plan_agent_hours", "plan_agents_peak", "cost")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from staffsim.experiment import sweep
    from staffsim.scenarios.loader import load_scenario

    _needs_out(args, "sweep", "plot", "parquet", "xlsx")
    if args.out:
        _check_out(args, ["sweep", "steps"], ["result.json", "sweep.png"])
    if len(args.param) != 1:
        raise InputError("staffsim sweep: give exactly one --param (one parameter per sweep)")
    if "=" not in args.param[0]:
        raise InputError(f"--param {args.param[0]!r}: expected PATH=VALUES, e.g. "
                         "channels.voice.self_service.deflection=0:0.6:0.1")
    path, values = args.param[0].split("=", 1)
    sc = load_scenario(args.scenario, args.overrides)
    result = sweep(sc, path.strip(), values, args.replications, args.seed, args.jobs,
                   progress=False if args.no_progress else None)
    if args.out:
        with output_batch():
            result.write(args.out, parquet=args.parquet, **_output_formats(args, "results.xlsx"))
            if args.plot:
                from staffsim.plots import plot_sweep, save_figures

                save_figures({"sweep": plot_sweep(result)}, args.out)
    first = result.results[0]
    if args.format == "json":
        sys.stdout.write(dumps(result.to_dict()))
        return _finish(result.complete, first.replications)
    print(f"{sc.name}: sweeping {result.parameter} over {len(result.values)} values, "
          f"{first.replications} replications each on the same simulated customers (seed {first.seed})")
    for channel in list(sc.channels) + ["all"]:
        wide = result.pivot(channel)
        cols = [result.parameter] + [c for m in SWEEP_SHOWN for c in (m, f"{m}_ci")
                                     if c in wide and not (c.startswith("plan_") and c.endswith("_ci"))]
        print(f"\n{'whole center' if channel == 'all' else channel}:")
        print(format_table(wide[cols]))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, first.replications)


# --- input and output options shared by commands (reuse them in new commands) ----------------

def _add_forecast_reader_flags(p: argparse.ArgumentParser) -> None:
    """--dayfirst/--monthfirst, --tz, --sheet: how to read a forecast file (see load_forecast)."""
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True,
                       help="dates are day/month/year (02/03/2026 is 2 March)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="dates are month/day/year")
    p.add_argument("--tz", help="the center's time zone (e.g. Europe/Madrid): time stamps with a "
                   "zone are converted to it")
    p.add_argument("--sheet", help="the sheet of an Excel workbook that holds the forecast")


def _forecast_reader_options(args: argparse.Namespace) -> dict:
    return {"dayfirst": args.dayfirst, "tz": args.tz, "sheet": args.sheet}


def _add_output_format_flags(p: argparse.ArgumentParser) -> None:
    """--csv-dialect and --xlsx for a command that writes tables (pass them on with
    _output_formats)."""
    p.add_argument("--csv-dialect", choices=CSV_DIALECTS, default="standard",
                   help="excel-eu: CSV separated by semicolons with decimal commas, as Spanish, "
                   "German and French Excel open it (default: standard)")
    p.add_argument("--xlsx", action="store_true",
                   help="also one Excel workbook, a sheet per table, units in the headers "
                   "(needs openpyxl)")


def _output_formats(args: argparse.Namespace, workbook: str) -> dict:
    """write_tables keyword arguments from _add_output_format_flags' flags; ``workbook`` is the
    file name of the --xlsx workbook in the output directory."""
    return {"csv_dialect": args.csv_dialect, "xlsx": workbook if args.xlsx else None}


def _check_out(args: argparse.Namespace, tables: list[str], files: list[str] = ()) -> None:
    """Refuse an --out directory that cannot be written before the work (simulating) starts."""
    names = [f"{t}.csv" for t in tables] + list(files)
    names += [f"{t}.parquet" for t in tables] if getattr(args, "parquet", False) else []
    names += ["results.xlsx"] if getattr(args, "xlsx", False) else []
    check_output_dir(args.out, names)


def _bounded(message: str, limit: int = 2000) -> str:
    """Never print an unbounded message: each line is cut at ``limit`` characters."""
    return "\n".join(line if len(line) <= limit else f"{line[:limit]}... ({len(line):,} characters)"
                     for line in message.splitlines())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args))
    except (InputError, ValueError) as exc:
        print(f"staffsim: error: {_bounded(str(exc))}", file=sys.stderr)
        return 2
    except OutputError as exc:
        print(f"staffsim: error: could not write the outputs: {_bounded(exc.strerror or str(exc))}",
              file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("staffsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
