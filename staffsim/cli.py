"""The ``staffsim`` command line.

``main(argv)`` returns the exit code: 0 on success, 2 for bad input (one message on stderr, no
traceback; several problems in one file are listed one per line under one heading), 3 when a
worker process was lost mid-run (killed by the operating system; the finished replications are
kept), 4 when the outputs could not be written (a full disk: earlier outputs are left as they
were), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from staffsim import __version__
from staffsim.errors import InputError, OutputError, WorkerLost
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
from staffsim.limits import MAX_TABLE_ROWS, MAX_TRAFFIC
from staffsim.models.staffing import ChannelTargets, plan_staffing, staffing_metrics
from staffsim.scenarios.calendar import horizon_phrase, period_article, period_noun, slot_phrase
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
        "sweep", help="sweep a parameter, or a grid of several",
        description="Simulate the scenario at each value of one field, or at every combination of "
        "several (--param more than once: a full grid), on the same seeds at every point, and "
        "report KPIs, cost and the Erlang plan's agents per point.",
    )
    sw.add_argument("scenario", type=Path)
    sw.add_argument("--param", required=True, action="append", metavar="PATH=VALUES",
                    help="e.g. channels.voice.self_service.deflection=0:0.6:0.1 (start:stop:step) "
                    "or =0,0.2,0.4; repeat for a grid of every combination")
    sw.add_argument("--metric", help="for a grid: the KPI or cost printed as a matrix and drawn as "
                    "the heatmap (default service_level)")
    sw.add_argument("--channel", default="all", help="for a grid: the channel of the matrix and "
                    "heatmap (default all: the whole center)")
    sw.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="fixed overrides applied before sweeping")
    _common_run_flags(sw)
    sw.add_argument("--out", type=Path, help="write sweep.csv, steps.csv, result.json here")
    _add_output_format_flags(sw)
    sw.add_argument("--plot", action="store_true", help="with --out: sweep.png (lines for one "
                    "parameter, a heatmap of --metric for two)")
    sw.add_argument("--format", choices=["table", "json"], default="table")
    sw.set_defaults(func=_cmd_sweep)
    _add_capacity_parser(sub)
    _add_schedule_parser(sub)
    _add_requirement_parser(sub)
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
    p.add_argument("--cluster", default=os.environ.get("STAFFSIM_CLUSTER") or None,
                   metavar="ADDRESS", help="run on a Dask cluster: a scheduler address "
                   "tcp://HOST:8786, or 'local' for a local cluster of --jobs workers (default: "
                   "$STAFFSIM_CLUSTER; needs the distributed extra; the numbers do not depend on it)")


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
        if args.out:  # week: the file holds the rows; the terminal gets the summary
            _print_plan_summary(plan, totals, forecast.slot_s)
            print(f"\nplan written to {args.out} ({len(plan)} rows: one per channel and slot)")
            return 0
        print(format_table(plan))
        print()
        print("Totals per channel (agent hours = agents x slot length):")
        print(format_table(totals.reset_index()))
    return 0


# --- week: the plan's summary, validate's headcount -------------------------------------------
def _print_plan_summary(plan: pd.DataFrame, totals: pd.DataFrame, slot_s: float) -> None:
    """Per channel: totals, the peak slot and which targets bound the slots' agents."""
    peaks = plan.loc[plan.groupby("channel", sort=False)["agents"].idxmax()]
    binding = plan.assign(binding=plan["binding"].replace("", "none (no traffic)")).groupby(
        ["channel", "binding"], sort=False).size().rename("slots").reset_index()
    print(f"Plan per channel ({len(plan)} slots of {slot_s:g}s in all; agent hours = agents x slot "
          "length):")
    shown = totals.reset_index()
    shown["peak_slot"] = peaks["slot_start"].astype(str).to_numpy()
    print(format_table(shown))
    print()
    print("Which target set the agents (the targets that fail with one agent fewer), slots:")
    print(format_table(binding))


def _headcount_text(sc) -> str:
    """Agents on shifts as people count them: seats, the busiest day, agent-shifts; and the
    groups staffed by slot."""
    h = sc.spec.horizon
    per_day = [0] * h.days
    seats = 0
    for g in sc.spec.agents:
        for s in g.shifts or []:
            seats += s.agents
            for d in h.shift_days(s.days):
                per_day[d - 1] += s.agents
    by_slot = [g.group for g in sc.spec.agents if g.shifts is None]
    if h.days == 1:
        text = f"{seats} agents on shifts"
    else:
        top = max(range(h.days), key=lambda d: per_day[d])
        text = (f"{seats} shift seats, at most {per_day[top]} agents working on one day "
                f"({h.day_name(top)}), {sum(per_day)} agent-shifts over the {h.days} days")
    if by_slot:
        slot_text = f"staffed slot by slot: {', '.join(by_slot)}"
        text = slot_text if seats == 0 else f"{text}; {slot_text}"
    return text
# --- end week ---------------------------------------------------------------------------------
def _check_xlsx_beside(args: argparse.Namespace) -> None:
    if args.xlsx and args.out.suffix.lower() != ".xlsx":
        check_output_file(args.out.with_suffix(".xlsx"), "--xlsx")


def _cmd_validate(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario

    for path in args.scenarios:
        sc = load_scenario(path, args.overrides)
        h = sc.spec.horizon
        days = "" if h.days == 1 else (f" over {h.days} days" + (
            f" from {h.day_name(0)}" if h.start_date else ""))
        print(f"{path}: ok - {sc.name!r}: {len(sc.channels)} channel(s) "
              f"({', '.join(sc.channels)}), {h.n_slots} slots of {h.slot:g}s{days}, "
              f"{len(sc.spec.agents)} group(s), {_headcount_text(sc)}")
    return 0


SUMMARY_COLUMNS = ["offered", "deflected", "answered", "abandoned", "unfinished", "service_level",
                   "asa_s", "abandon_rate", "occupancy", "staffed_agents"]
# first-contact resolution and appointments: shown when the scenario has them
OUTCOME_COLUMNS = ["repeats", "fcr", "no_shows", "no_show_minutes", "appointment_wait_s"]


def _cmd_run(args: argparse.Namespace) -> int:
    from staffsim.experiment import simulate
    from staffsim.scenarios.loader import load_scenario

    _needs_out(args, "run", "contacts", "plot", "parquet", "report", "xlsx")
    sc = load_scenario(args.scenario, args.overrides)
    if args.out:
        tables = ["slots", "summary", "groups", "plan"] + (["contacts"] if args.contacts else [])
        _check_out(args, tables, ["result.json", "report.html"] + [f"day_{c}.png" for c in sc.channels])
    result = simulate(sc, args.replications, args.seed, args.jobs, service_level=args.service_level,
                      progress=False if args.no_progress else None, contacts=args.contacts,
                      cluster=args.cluster)
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
        return _finish(result.complete, result.replications, result.stopped)
    summary = result.summary()
    shown = pd.DataFrame({"channel": summary["channel"]})
    for col in SUMMARY_COLUMNS + [c for c in OUTCOME_COLUMNS if c in summary]:
        shown[col] = summary[col]
        if col in ("service_level", "asa_s", "abandon_rate", "occupancy", "fcr"):
            shown[f"{col}_ci"] = summary[f"{col}_ci"]
    for col in ("retries_closed", "unavailable"):  # week: shown when anything was lost to them
        if summary[col].abs().sum() > 0:
            shown[col] = summary[col]
    _add_behaviour_columns(shown, summary)
    h = sc.spec.horizon
    period, whole = period_noun(h.days), horizon_phrase(h.days, h.start_date)
    print(f"{sc.name} - {result.replications} replications of {period_article(h.days)}, seed "
          f"{result.seed}, staffsim {result.version}")
    print(f"Over {whole}, per channel (means; _ci = 95% half-width; rates are totals over the "
          f"{period}):")
    print(format_table(shown))
    print()
    print("Erlang plan vs simulated staffing, per team (agents; the plan counts the team's channels):")
    print(format_table(result.team_staffing()))
    print()
    cur = sc.spec.costs.currency
    teams = result.team_costs()
    money = teams[["team", "paid_agent_hours", "agent_cost", "agent_cost_ci", "handling_share"]]
    for c in sc.channels:
        if teams[f"cost_{c}"].abs().sum() > 0:
            money = money.assign(**{f"allocated_{c}": teams[f"cost_{c}"]})
    print(f"Money per team ({cur}; what each team is paid; allocated_<channel> splits that pay by "
          "the handling work done for each channel, an allocation, not a saving):")
    print(format_table(money))
    fe = result.forecast_error()
    if len(fe):
        print()
        print("Forecast error (slots x replications): the Erlang plan's agents miss a target at the "
              "drawn volume in erlang_miss_share of them (0 without the error); the simulated "
              "service level is below target in simulated_below_target:")
        print(format_table(fe))
    if args.slots:
        print()
        print(f"Per {slot_phrase(h.slot)}:")
        cols = ["channel", *[c for c in ("day", "date", "weekday") if c in result.slots], "slot_start",
                "offered", "service_level", "service_level_ci", "asa_s", "abandon_rate", "occupancy",
                "staffed_agents", "max_queue"]
        print(format_table(result.slots[cols]))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, result.replications, result.stopped)


# --- customer behaviours: the run table's segment and behaviour columns, when the scenario has them
BEHAVIOUR_COLUMNS = ["balked", "callbacks_accepted", "callbacks_connected", "callback_delay_s",
                     "callback_service_level"]


def _add_behaviour_columns(shown: pd.DataFrame, summary: pd.DataFrame) -> None:
    if "segment" in summary:
        shown.insert(1, "segment", summary["segment"])
    for col in BEHAVIOUR_COLUMNS:
        if col in summary:
            shown[col] = summary[col]
# --- end of customer behaviours


def _needs_out(args: argparse.Namespace, command: str, *flags: str) -> None:
    for flag in flags:
        if getattr(args, flag, False) and not args.out:
            raise InputError(f"staffsim {command}: --{flag} needs --out DIR")
    if getattr(args, "csv_dialect", "standard") != "standard" and not args.out:
        raise InputError(f"staffsim {command}: --csv-dialect needs --out DIR")


EXIT_WORKER_LOST = 3


def _finish(complete: bool, replications: int, stopped: str | None = None) -> int:
    """Exit code: 130 (and a note) when Ctrl-C cut the run short, 3 when a worker process was
    lost (the note names what it was running); what finished was kept either way."""
    if complete:
        return 0
    if stopped and stopped != "interrupted":
        print(f"staffsim: stopped: {stopped}; kept the {replications} replication(s) that had "
              "finished", file=sys.stderr)
        return EXIT_WORKER_LOST
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
                     progress=False if args.no_progress else None, cluster=args.cluster)
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
        return _finish(result.complete, result.baseline.replications, _stopped(result))
    b = result.baseline
    print(f"{result.baseline_label} vs {', '.join(result.variants)} - {b.replications} replications "
          f"each on the same simulated customers (seed {b.seed}), staffsim {b.version}")
    for v in result.variants:
        print(result.headline(v))
    print()
    d = result.differences
    shown = d[d["metric"].isin(["service_level", "asa_s", "abandon_rate", "occupancy",
                                "paid_agent_hours", "cost",
                                # first-contact resolution and appointments, when present
                                "fcr", "repeats", "no_shows", "reminder_cost", "appointment_value"])]
    print("Differences per channel (variant - baseline; ci = 95% half-width of the paired difference):")
    print(format_differences(shown, b.scenario.spec.costs.currency))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, b.replications, _stopped(result))


def _stopped(comparison) -> str | None:
    return next((r.stopped for r in comparison.results.values() if r.stopped), None)


SWEEP_SHOWN = ("service_level", "abandon_rate", "asa_s", "occupancy", "paid_agent_hours",
               "plan_agent_hours", "plan_agents_peak", "cost",
               "fcr", "repeats", "no_shows", "reminder_cost", "appointment_value")  # when present


def _cmd_sweep(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario
    from staffsim.sweeps import SWEEP_METRICS, sweep

    _needs_out(args, "sweep", "plot", "parquet", "xlsx")
    if args.out:
        _check_out(args, ["sweep", "steps"], ["result.json", "sweep.png"])
    grid = {}
    for text in args.param:
        if "=" not in text:
            raise InputError(f"--param {text!r}: expected PATH=VALUES, e.g. "
                             "channels.voice.self_service.deflection=0:0.6:0.1")
        path, values = (part.strip() for part in text.split("=", 1))
        if path in grid:
            raise InputError(f"--param {path}: given twice; one --param per field")
        grid[path] = values
    if len(grid) == 1 and (args.metric or args.channel != "all"):
        raise InputError("staffsim sweep: --metric and --channel choose the matrix and heatmap of a "
                         "grid (two or more --param); one parameter prints every KPI per channel")
    metric = args.metric or "service_level"
    if metric not in SWEEP_METRICS:
        raise InputError(f"--metric: unknown metric {metric!r}; choose one of {', '.join(SWEEP_METRICS)}")
    if args.plot and len(grid) > 2:
        raise InputError(f"staffsim sweep: --plot draws one --param as lines or two as a heatmap, "
                         f"not {len(grid)}; sweep.csv holds every point")
    sc = load_scenario(args.scenario, args.overrides)
    if args.channel not in ["all", *sc.channels]:
        raise InputError(f"--channel: no channel {args.channel!r} in {args.scenario} (channels: "
                         f"{', '.join(sc.channels)}, or all)")
    only = next(iter(grid)) if len(grid) == 1 else None
    result = sweep(sc, only or grid, grid[only] if only else None, args.replications, args.seed, args.jobs,
                   progress=False if args.no_progress else None, cluster=args.cluster)
    if args.out:
        with output_batch():
            result.write(args.out, parquet=args.parquet, **_output_formats(args, "results.xlsx"))
            if args.plot:
                from staffsim.plots import plot_sweep, plot_sweep_heatmap, save_figures

                fig = plot_sweep(result) if only else plot_sweep_heatmap(result, metric, args.channel)
                save_figures({"sweep": fig}, args.out)
    first = result.results[0]
    if args.format == "json":
        sys.stdout.write(dumps(result.to_dict()))
        return _finish(result.complete, first.replications, result.stopped)
    shape = " x ".join(str(len(a)) for a in result.axes)
    what = (f"{result.parameter} over {len(result.values)} values" if only else
            f"a grid of {shape} = {len(result.points)} points ({', '.join(result.parameters)})")
    print(f"{sc.name}: sweeping {what}, {first.replications} replications each on the same simulated "
          f"customers (seed {first.seed})")
    if only:
        for channel in list(sc.channels) + ["all"]:
            wide = result.pivot(channel)
            cols = [result.parameter] + [c for m in SWEEP_SHOWN for c in (m, f"{m}_ci")
                                         if c in wide and not (c.startswith("plan_") and c.endswith("_ci"))]
            print(f"\n{'whole center' if channel == 'all' else channel}:")
            print(format_table(wide[cols]))
    else:
        _print_grid(result, metric, args.channel)
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, first.replications, result.stopped)


def _print_grid(result, metric: str, channel: str) -> None:
    """A grid's chosen metric: a matrix for two parameters, else one row per point."""
    from staffsim.formatting import format_metric

    cur = result.results[0].scenario.spec.costs.currency
    where = "whole center" if channel == "all" else channel
    if len(result.parameters) == 2:
        mean, ci = result.grid(metric, channel), result.grid(metric, channel, "ci")
        shown = mean.map(lambda v: format_metric(metric, v, currency=cur))
        first, second = (p.split(".")[-1] for p in result.parameters)
        shown.index = [f"{first}={v}" for v in shown.index]
        shown.columns = [f"{second}={v}" for v in shown.columns]
        print(f"\n{metric} ({where}; rows: {result.parameters[0]}, columns: {result.parameters[1]}):")
        print(shown.to_string())
    else:
        wide = result.pivot(channel, (metric,))
        ci = wide[f"{metric}_ci"]
        print(f"\n{metric} ({where}):")
        print(format_table(wide.drop(columns=f"{metric}_ci").assign(**{f"{metric}_ci": ci})))
    finite = [v for v in ci.to_numpy(float).ravel() if math.isfinite(v)]
    if finite:
        print(f"95% half-widths from {format_metric(metric, min(finite), ci=True, currency=cur)} "
              f"to {format_metric(metric, max(finite), ci=True, currency=cur)}; with --out, sweep.csv "
              "holds every metric and channel at every point")


# --- capacity (long-range FTE, attrition, hiring) ---------------------------------------------

CAPACITY_SHOWN = ("required_fte_mean", "available_fte_mean", "weeks_gap", "weeks_short",
                  "worst_gap_fte", "worst_week", "service_level_mean", "headcount_end", "leavers",
                  "hires", "classes")


def _add_capacity_parser(sub) -> None:
    ca = sub.add_parser(
        "capacity", help="long-range capacity: FTE, attrition, hiring classes, ramp-up",
        description="Week by week per team: required FTE, available FTE after training, ramp-up "
        "and shrinkage, the gap, overtime and service; Monte Carlo bands over attrition and "
        "volume; and the cheapest hiring plan (a MILP) for teams with hiring rules. With "
        "--compare, the first plan is the baseline, as in 'staffsim compare'.",
    )
    ca.add_argument("plan", type=Path, help="capacity plan YAML")
    ca.add_argument("--compare", type=Path, nargs="+", metavar="PLAN",
                    help="variant plans to compare with the first (e.g. a higher attrition)")
    ca.add_argument("--monte-carlo", type=int, metavar="N",
                    help="Monte Carlo paths (default: the plan's monte_carlo.paths; 0: none)")
    ca.add_argument("--seed", type=int, help="random seed (default: the plan's)")
    ca.add_argument("--no-hiring", action="store_true", help="skip the hiring optimisation")
    ca.add_argument("--time-limit", type=float, default=5.0, metavar="SECONDS",
                    help="seconds per hiring MILP solve (default 5; the gap reached is reported)")
    ca.add_argument("--out", type=Path, help="write weekly.csv, summary.csv, recommended.csv, "
                    "classes.csv, capacity.json here (with --compare: differences.csv, ...)")
    ca.add_argument("--plot", action="store_true", help="with --out: capacity.png")
    ca.add_argument("--report", action="store_true", help="with --out: report.html for managers")
    ca.add_argument("--parquet", action="store_true", help="with --out: Parquet files too")
    _add_output_format_flags(ca)
    ca.add_argument("--weekly", action="store_true", help="also print the weekly table")
    ca.add_argument("--format", choices=["table", "json"], default="table")
    ca.set_defaults(func=_cmd_capacity)


def _write_capacity(args: argparse.Namespace, result, name: str, plot, report) -> None:
    """A capacity result's (or comparison's) tables, ``<name>.xlsx``, ``<name>.png`` (--plot)
    and ``report.html`` (--report) in --out, all or nothing."""
    with output_batch():
        result.write(args.out, parquet=args.parquet, **_output_formats(args, f"{name}.xlsx"))
        if args.plot:
            from staffsim.plots import save_figures

            save_figures({name: plot(result)}, args.out)
        if args.report:
            write_text(args.out / "report.html", report(result))


def _cmd_capacity(args: argparse.Namespace) -> int:
    from staffsim.capacity import capacity

    _needs_out(args, "capacity", "plot", "parquet", "report", "xlsx")
    if args.out:
        _check_out(args, ["weekly", "summary", "recommended", "classes", "demand", "differences",
                          "weekly_differences"], ["capacity.json", "compare.json", "capacity.png",
                                                  "compare.png", "report.html"],
                   "compare.xlsx" if args.compare else "capacity.xlsx")
    if args.monte_carlo is not None and (args.monte_carlo < 0 or args.monte_carlo == 1):
        raise InputError(f"staffsim capacity: --monte-carlo must be 0 or at least 2, got {args.monte_carlo}")

    def run(path: Path):
        return capacity(path, monte_carlo=args.monte_carlo, seed=args.seed, optimise=not args.no_hiring,
                        time_limit=args.time_limit)

    if args.compare:
        return _capacity_compare(args, run)
    result = run(args.plan)
    if args.out:
        from staffsim.capacity.plots import plot_capacity
        from staffsim.report import capacity_report

        _write_capacity(args, result, "capacity", plot_capacity, capacity_report)
    if args.format == "json":
        sys.stdout.write(result.to_json())
        return 0
    spec = result.spec
    mc = f", {result.paths} Monte Carlo paths (seed {result.seed})" if result.paths else ""
    print(f"{spec.name} - {spec.weeks} weeks from {spec.start_date}, FTE = {spec.fte_hours:g} h"
          f"{mc}, staffsim {result.version}")
    for line in result.headlines():
        print(line)
    print()
    print("Per team (FTE on the phones; current = as planned, recommended = with the hiring plan):")
    summary = result.summary()
    print(format_table(summary[["plan", "team", *CAPACITY_SHOWN]].rename(
        columns={"service_level_mean": "service_level"})))
    if result.classes is not None and not result.classes.empty:
        print()
        gap = result.solver["mip_gap"]
        print(f"Recommended hiring classes (MILP: {result.solver['status']}"
              + (f", within {gap:.2%} of the cheapest plan" if gap else "") + "):")
        print(format_table(result.classes))
    if args.weekly:
        cols = ["week", "date", "team", "required_fte", "headcount", "in_training", "leavers", "hires",
                "available_fte", "gap_fte", "overtime_fte", "short_fte", "service_level"]
        cols += [c for c in ("available_fte_p10", "available_fte_p90", "p_short") if c in result.weekly]
        print()
        print("Week by week, as planned:")
        print(format_table(result.weekly[cols]))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return 0


def _capacity_compare(args: argparse.Namespace, run) -> int:
    from staffsim.capacity.compare import compare_capacity

    paths = [args.plan, *args.compare]
    labels = [p.stem for p in paths]
    if len(set(labels)) != len(labels):
        labels = [str(p) for p in paths]
    try:
        comparison = compare_capacity({label: run(p) for label, p in zip(labels, paths)})
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"staffsim capacity --compare: {exc}") from None
    if args.out:
        from staffsim.capacity.plots import plot_capacity_comparison
        from staffsim.report import capacity_comparison_report

        _write_capacity(args, comparison, "compare", plot_capacity_comparison, capacity_comparison_report)
    if args.format == "json":
        sys.stdout.write(dumps(comparison.to_dict()))
        return 0
    print(f"{comparison.baseline_label} vs {', '.join(comparison.variants)} - expected weekly "
          "tables compared (variant - baseline)")
    for v in comparison.variants:
        print(comparison.headline(v))
    print()
    d = comparison.differences
    print(format_table(d[d["metric"].isin(CAPACITY_SHOWN + ("payroll_cost", "hiring_cost"))]))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return 0

# --- end capacity -----------------------------------------------------------------------------
# --- schedule (shift scheduling: staffsim/scheduling/) -------------------------------------------
def _add_schedule_parser(sub) -> None:
    sc = sub.add_parser(
        "schedule", help="roster from a requirement: shifts and breaks by integer programming",
        description="The least-cost roster (shifts and their breaks) whose agents on the phones cover "
        "the requirement in every slot, from the shift templates and break rules of a rules file "
        "(integer program, HiGHS). --verify simulates the roster, raises the requirement where a "
        "slot misses its target and solves again.",
    )
    sc.add_argument("scenario", type=Path)
    sc.add_argument("--rules", type=Path, required=True, help="rules YAML (templates, breaks, limits)")
    sc.add_argument("--requirement", default="erlang", metavar="erlang|isa|FILE.csv",
                    help="agents needed per team and slot: a method or a requirement CSV (default erlang)")
    sc.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override a scenario field, e.g. channels.voice.volume_factor=1.1")
    sc.add_argument("--out", type=Path, help="write shifts.csv, coverage.csv, roster.yaml, roster.json here")
    _add_output_format_flags(sc)
    sc.add_argument("--verify", action="store_true",
                    help="simulate the roster and re-solve where slots miss their targets")
    sc.add_argument("--rounds", type=int, default=5, help="with --verify: most simulations (default 5)")
    sc.add_argument("--time-limit", type=_duration, default=60.0,
                    help="solver time limit per solve (default 60s); the best roster found is kept "
                    "with its gap")
    sc.add_argument("--mip-gap", type=_share, default=0.0,
                    help="stop once the roster is proven within this relative gap of the bound, "
                    "e.g. 0.01 (default 0: proven optimal)")
    sc.add_argument("--plot", action="store_true", help="with --out: coverage.png")
    sc.add_argument("-n", "--replications", type=int,
                    help="replications per simulation (--verify, --requirement isa; default: the scenario's)")
    sc.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    sc.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    sc.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    sc.set_defaults(func=_cmd_schedule)


def _cmd_schedule(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario
    from staffsim.scheduling import schedule

    _needs_out(args, "schedule", "plot", "xlsx")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit: must be > 0, got {args.time_limit:g}s")
    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs: must be at least 1, got {args.jobs}")
    if not 0 <= args.mip_gap < 1:
        raise InputError(f"--mip-gap: must be >= 0 and < 1, got {args.mip_gap:g}")
    sc = load_scenario(args.scenario, args.overrides)
    if args.out:
        _check_out(args, ["shifts", "coverage", "tours", "rounds", "still_missing"],
                   ["roster.yaml", "roster.json", "coverage.png"], "roster.xlsx")
    roster = schedule(sc, args.requirement, args.rules, verify=args.verify, rounds=args.rounds,
                      replications=args.replications, seed=args.seed, jobs=args.jobs,
                      time_limit=args.time_limit, mip_gap=args.mip_gap,
                      progress=False if args.no_progress else None)
    if args.out:
        with output_batch():
            roster.write(args.out, **_output_formats(args, "roster.xlsx"))
            if args.plot:
                from staffsim.plots import plot_coverage, save_figures

                save_figures({"coverage": plot_coverage(roster.coverage, title=f"{sc.name}: roster coverage")},
                             args.out)
    cur = roster.currency
    print(f"Roster for {sc.name} - teams {', '.join(roster.teams)}; requirement {roster.requirement.method}; "
          f"rules {args.rules}; staffsim {roster.version}")
    if roster.optimal:
        how = f"proven optimal in {roster.solve_s:.2f} s"
    elif roster.gap <= args.mip_gap and "limit" not in roster.status.lower():
        how = (f"stopped after {roster.solve_s:.2f} s within the allowed gap ({args.mip_gap:.2%}); "
               "NOT proven optimal")
    else:
        how = (f"stopped at the solver's limit after {roster.solve_s:.1f} s ({roster.status}); the best "
               "roster found, NOT proven optimal")
    print(f"Solved: {how}. Cost {roster.cost:,.0f} {cur} for {roster.paid_hours:,.2f} paid hours; "
          f"LP bound {roster.lp_bound:,.0f}, best bound {max(roster.lp_bound, roster.dual_bound):,.0f}, "
          f"gap {roster.gap:.2%}" + ("" if abs(roster.objective - roster.cost) < 1e-6 * max(1, roster.cost)
                                      else f" (objective {roster.objective:,.2f}: cost + shortfall penalty, "
                                      "or paid hours where no rate is set)"))
    print()
    if not roster.tours.empty:
        print("Tours (the same template and start on every day worked):")
        print(format_table(roster.tours))
        print()
    print("Shifts (agents per template, day, start and break placement; paid hours include breaks):")
    print(format_table(roster.shifts))
    print()
    print("Coverage per team (agent hours; on the phones = on a shift, not on break, after shrinkage):")
    print(format_table(roster.coverage_summary()))
    short = roster.short_slots()
    if len(short):
        print(f"\n{len(short)} slot(s) left short (soft coverage, paid for with the penalty):")
        print(format_table(short))
    v = roster.verification
    if v is not None:
        print()
        print(f"Closed loop: each roster simulated {v.replications} replications (seed {v.seed}, the "
              "same customers every round); a slot misses when its 95% interval is wholly on the wrong "
              "side of a target:")
        rounds = v.rounds.copy()
        rounds["gap"] = rounds["gap"].map(lambda g: f"{g:.2%}")
        print(format_table(rounds))
        if v.stopped:
            print(f"The loop stopped: {v.stopped}")
        if v.converged:
            print("Every slot meets its targets in simulation.")
        else:
            print(f"Slots still missing their targets after {len(v.rounds)} round(s):")
            print(format_table(v.missing))
    if args.out:
        print(f"\nroster written to {args.out}/ (run it: staffsim run {args.out}/roster.yaml)")
    return 0
# --- end schedule ---------------------------------------------------------------------------------


# --- requirement (agents needed per team and slot) -------------------------------------------

def _add_requirement_parser(sub) -> None:
    rq = sub.add_parser(
        "requirement", help="agents needed per team and slot (Erlang, or verified by simulation)",
        description="Agents each team needs per slot. --method erlang: the per-slot Erlang plan "
        "(backlog channels such as email planned as work carried forward), summed over each "
        "team's channels. --method isa: the fewest agents per slot that meet every target of "
        "every channel in every slot of the simulated day (common random numbers; see the README).",
    )
    rq.add_argument("scenario", type=Path)
    rq.add_argument("--method", choices=["erlang", "isa"], default="isa",
                    help="erlang or isa (default: isa)")
    rq.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override a field, e.g. channels.voice.volume_factor=1.2")
    rq.add_argument("-n", "--replications", type=int,
                    help="isa: replications per staffing tried (default: the scenario's)")
    rq.add_argument("--seed", type=int, help="isa: random seed (default: the scenario's)")
    rq.add_argument("--jobs", type=int, help="isa: worker processes (default: all cores; the answer "
                    "does not depend on it)")
    rq.add_argument("--rule", choices=["mean", "interval"], default="mean",
                    help="isa: a slot meets a target when the mean does (default) or when its "
                    "whole 95%% interval does")
    rq.add_argument("--out", type=Path, help="write requirement.csv (and requirement_kpis.csv) and "
                    "requirement.json into this directory")
    _add_output_format_flags(rq)
    rq.add_argument("--slots", action="store_true", help="also print the per-slot tables")
    rq.add_argument("--format", choices=["table", "json"], default="table")
    rq.add_argument("--no-progress", action="store_true", help="never print the iterations")
    rq.add_argument("--cluster", metavar="ADDRESS",
                    help="isa: run the simulations on a Dask cluster (tcp://HOST:8786 or 'local'; "
                    "default: $STAFFSIM_CLUSTER)")
    rq.set_defaults(func=_cmd_requirement)


def _cmd_requirement(args: argparse.Namespace) -> int:
    from staffsim.requirement import requirement
    from staffsim.scenarios.loader import load_scenario

    _needs_out(args, "requirement", "xlsx")
    sc = load_scenario(args.scenario, args.overrides)
    if args.out:
        _check_out(args, ["requirement", "requirement_kpis"], ["requirement.json"], "requirement.xlsx")
    if args.method == "isa":
        show = not args.no_progress and args.format == "table" and sys.stderr.isatty()
        log = (lambda line: print(f"requirement: {line}", file=sys.stderr, flush=True)) if show else None
        req = requirement(sc, "isa", args.replications, args.seed, args.jobs, rule=args.rule, log=log,
                          cluster=args.cluster or os.environ.get("STAFFSIM_CLUSTER") or None)
    else:
        for flag in ("replications", "seed", "jobs", "cluster"):
            if getattr(args, flag) is not None:
                raise InputError(f"staffsim requirement: --{flag} is for --method isa (erlang does "
                                 "not simulate)")
        req = requirement(sc, "erlang")
    if args.out:
        req.write(args.out, **_output_formats(args, "requirement.xlsx"))
    if args.format == "json":
        sys.stdout.write(dumps({**req.provenance(), "summary": req.summary(), "requirement": req.table,
                                "kpis": req.kpis, "teams": req.extra.get("teams")}))
        return 0
    if req.method == "isa":
        state = "converged" if req.converged else "NOT converged"
        print(f"{sc.name} - requirement verified by simulation (isa): {req.iterations} iterations, "
              f"{req.extra['staffings_simulated']} staffings x {req.replications} replications, seed "
              f"{req.seed}, rule {req.extra['rule']}: {state}; staffsim {req.version}")
        for group, info in req.extra["teams"].items():
            if info["note"]:
                print(f"  {group}: {info['note']}")
    else:
        print(f"{sc.name} - requirement by per-slot Erlang (backlog channels: "
              f"{', '.join(req.extra['backlog_channels']) or 'none'}); staffsim {req.version}")
    print("Per team (agent hours = agents x slot length):")
    print(format_table(req.summary()))
    if args.slots:
        print()
        cols = [c for c in ("group", "day", "slot_start", "agents", "erlang_agents", "meets", "binding",
                            "occupancy") if c in req.table]
        print(format_table(req.table[cols]))
        if req.kpis is not None:
            print()
            print("Simulated KPIs of the requirement per channel and slot (_ci = 95% half-width):")
            kc = ["group", "channel", "day", "slot_start", "offered_to_agents", "service_level",
                  "service_level_ci", "asa_s", "abandon_rate", "abandon_rate_ci"]
            print(format_table(req.kpis[kc]))
    if args.out:
        print(f"\nrequirement written to {args.out}/")
    return 0


# --- end requirement ---------------------------------------------------------------------------


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


def _check_out(args: argparse.Namespace, tables: list[str], files: list[str] = (),
               workbook: str = "results.xlsx") -> None:
    """Refuse an --out directory that cannot be written before the work (simulating) starts."""
    names = [f"{t}.csv" for t in tables] + list(files)
    names += [f"{t}.parquet" for t in tables] if getattr(args, "parquet", False) else []
    names += [workbook] if getattr(args, "xlsx", False) else []
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
        notes = "" if isinstance(exc, InputError) else "".join(f" {n}" for n in getattr(exc, "__notes__", []))
        print(f"staffsim: error: {_bounded(str(exc) + notes)}", file=sys.stderr)
        return 2
    except WorkerLost as exc:
        print(f"staffsim: stopped: {_bounded(str(exc))}", file=sys.stderr)
        return EXIT_WORKER_LOST
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
