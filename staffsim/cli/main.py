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
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# Building the parser imports light modules only (no numpy, pandas, scipy or pydantic): each
# command imports what it runs when it runs (``staffsim erlang`` answers without pandas or scipy;
# tests/test_startup.py holds it, benchmarks/bench_startup.py measures it).
from staffsim import stopping
from staffsim._version import __version__
from staffsim.cli.assign import add_parser as _add_assign_parser
from staffsim.cli.backtest import _add_backtest_parser
from staffsim.cli.capacity import _add_capacity_parser
from staffsim.cli.fit import _add_fit_parser
from staffsim.cli.forecast import add_parser as _add_forecast_parser
from staffsim.cli.options import (
    COMMON_FLAGS,
    EXIT_WORKER_LOST,
    _add_forecast_reader_flags,
    _add_output_format_flags,
    _add_overwrite_flags,
    _agents,
    _as_flags,
    _bounded,
    _check_out,
    _common_run_flags,
    _duration,
    _finish,
    _forecast_reader_options,
    _needs_out,
    _out_batch,
    _output_formats,
    _Parser,
    _share,
)
from staffsim.cli.requirement import _add_requirement_parser
from staffsim.cli.schedule import _add_schedule_parser
from staffsim.errors import InputError, OutputError, Terminated, WorkerLost
from staffsim.formatting import count_of, format_columns, format_differences, format_table
from staffsim.io import (
    check_output_file,
    dumps,
    files_written,
    frame_to_csv,
    output_batch,
    write_frame,
    write_text,
)
from staffsim.limits import MAX_TRAFFIC
from staffsim.plausibility import PlausibilityWarning, check_aht, check_slot
from staffsim.scenarios.calendar import horizon_phrase, period_article, period_noun, slot_phrase

if TYPE_CHECKING:
    import pandas as pd


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
        "KPIs with 95% confidence half-widths, beside the Erlang plan.",
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
        "and report the paired differences with 95% confidence half-widths, in KPIs and money.",
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
    # One module per command family; each adds its subparsers (set_defaults(func=...)) here.
    # A new command goes in staffsim/cli/<name>.py with an add_parser(sub) and one line below.
    _add_capacity_parser(sub)
    _add_schedule_parser(sub)
    _add_requirement_parser(sub)
    _add_assign_parser(sub)
    _add_fit_parser(sub)
    _add_backtest_parser(sub)
    _add_forecast_parser(sub)
    for command in sub.choices.values():  # every command, those above included
        command.add_argument("--quiet", action="store_true",
                             help="no warnings about values that look like unit mistakes")
    _add_overwrite_flags(sub)  # every command writing an --out directory (cli/options.py)
    return parser



#: erlang: the flag of each field its checks name (cli/options.py: _as_flags)
ERLANG_FLAGS = {"service_level": "--target", "threshold": "--threshold", "asa": "--asa",
                "patience": "--patience", "max_abandon": "--max-abandon",
                "max_occupancy": "--max-occupancy", "shrinkage": "--shrinkage",
                "concurrency": "--concurrency", "concurrency_stretch": "--concurrency-stretch",
                "volume": "--volume", "aht": "--aht", "aht_s": "--aht", "slot": "--slot",
                "agents": "--agents"}


def _cmd_erlang(args: argparse.Namespace) -> int:
    with _as_flags(ERLANG_FLAGS):
        return _erlang(args)


def _erlang(args: argparse.Namespace) -> int:
    from staffsim.models.staffing import ChannelTargets, slot_agents, staffing_figures

    if not (math.isfinite(args.volume) and args.volume >= 0):  # said about the flag, with the value
        raise InputError(f"--volume: must be a number >= 0, got {args.volume:g}")
    if args.volume > 0 and not (math.isfinite(args.aht) and args.aht > 0):
        raise InputError(f"--aht: must be > 0 when --volume is, got {args.aht:g}")
    check_slot(args.slot, "--slot")
    check_aht(args.aht, "--aht")
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
        agents = [slot_agents(args.volume, args.aht, args.slot, targets)]  # as plan_staffing plans it
    else:
        for flag in ("asa", "max_abandon"):
            if getattr(args, flag) is not None:
                raise InputError(f"staffsim erlang: --{flag.replace('_', '-')} needs --target")
        if args.max_occupancy != 1.0:
            raise InputError("staffsim erlang: --max-occupancy needs --target (with --agents the "
                             "agents are given, nothing is capped)")
        agents = args.agents
    table = staffing_figures(  # the columns of staffing_metrics, without pandas
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
        for column in ("service_level_answered", "mean_wait_s", "p_abandon"):
            del table[column]
    model = "Erlang A (M/M/n+M)" if args.patience is not None else "Erlang C (M/M/n)"
    if args.format == "json":
        rows = [dict(zip(table, values)) for values in zip(*(v.tolist() for v in table.values()))]
        sys.stdout.write(dumps({"model": model, "version": __version__, "rows": rows}))
    else:
        from staffsim.units import format_duration as d  # 30min, 5min, 24h: as people write them

        print(f"{model}: {args.volume:g} contacts per {d(args.slot)} slot, AHT {d(args.aht)}, "
              f"threshold {d(args.threshold)}" + (f", patience {d(args.patience)}" if args.patience else ""))
        if args.target is not None:
            print(f"required agents for {args.target:.0%} in {d(args.threshold)}: {agents[0]}")
        print(format_columns(table))  # format_table's text for these columns
    return 0


#: ``staffsim plan`` of a clock-time forecast without a workbook runs without pandas
#: (cli/plan_output.py); tests/test_plan_light.py sets this False to compare with the pandas path.
PLAN_WITHOUT_PANDAS = True


def _cmd_plan(args: argparse.Namespace) -> int:
    from staffsim.scenarios.forecast import load_targets, read_forecast

    if args.xlsx and not args.out:
        raise InputError("staffsim plan: --xlsx needs --out FILE (the workbook is written beside it)")
    targets_path = args.targets or args.forecast.with_name("targets.yaml")
    if args.out:
        check_output_file(args.out, inputs=[args.forecast, targets_path])
        _check_xlsx_beside(args, [args.forecast, targets_path])
    columns = read_forecast(args.forecast, args.slot, **_forecast_reader_options(args))
    if args.targets is None and not targets_path.exists():
        raise InputError(f"{args.forecast}: no --targets given and no targets.yaml beside it")
    targets = load_targets(targets_path)
    workbook = args.xlsx or (args.out is not None and args.out.suffix.lower() == ".xlsx")
    if PLAN_WITHOUT_PANDAS and columns.clock and not workbook:
        from staffsim.cli.plan_output import run_plan

        return run_plan(args, columns, targets, targets_path)
    return _plan_with_pandas(args, columns, targets, targets_path)


def _plan_with_pandas(args: argparse.Namespace, columns, targets, targets_path: Path) -> int:
    """``staffsim plan`` on a pandas table: forecasts of date-times, and workbooks."""
    import pandas as pd

    from staffsim.cli.plan_output import plan_totals
    from staffsim.models.staffing import plan_staffing

    forecast = columns.to_forecast()
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
        totals = pd.DataFrame(plan_totals(plan["channel"].tolist(), plan["volume"].to_numpy(),
                                          plan["agents"].to_numpy(), plan["scheduled"].to_numpy(),
                                          forecast.slot_s)).set_index("channel")
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
def _check_xlsx_beside(args: argparse.Namespace, inputs=()) -> None:
    if args.xlsx and args.out.suffix.lower() != ".xlsx":
        check_output_file(args.out.with_suffix(".xlsx"), "--xlsx", inputs)


def _cmd_validate(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario

    bad = 0
    for path in args.scenarios:  # every file is checked and reported, the bad ones on stderr
        try:
            sc = load_scenario(path, args.overrides)
        except InputError as exc:
            bad += 1
            print(f"staffsim: error: {_bounded(str(exc))}", file=sys.stderr)
            continue
        h = sc.spec.horizon
        days = "" if h.days == 1 else (f" over {h.days} days" + (
            f" from {h.day_name(0)}" if h.start_date else ""))
        print(f"{path}: ok - {sc.name!r}: {len(sc.channels)} channel(s) "
              f"({', '.join(sc.channels)}), {h.n_slots} slots of {h.slot:g}s{days}, "
              f"{len(sc.spec.agents)} group(s), {_headcount_text(sc)}"
              + (f", {len(sc.spec.outbound)} outbound campaign(s) ({', '.join(sc.spec.outbound)})"
                 if sc.spec.outbound else ""))
    if bad and len(args.scenarios) > 1:
        print(f"staffsim: {bad} of {len(args.scenarios)} files did not validate", file=sys.stderr)
    return 2 if bad else 0


SUMMARY_COLUMNS = ["offered", "deflected", "answered", "abandoned", "unfinished", "service_level",
                   "asa_s", "abandon_rate", "occupancy", "staffed_agents"]
# first-contact resolution and appointments: shown when the scenario has them
OUTCOME_COLUMNS = ["repeats", "fcr", "no_shows", "no_show_minutes", "appointment_wait_s"]


def _cmd_run(args: argparse.Namespace) -> int:
    import pandas as pd

    from staffsim.experiment import simulate
    from staffsim.scenarios.loader import load_scenario
    from staffsim.targets import MIX_LABEL, label_all_rows, shared_threshold, target_columns

    _needs_out(args, "run", "contacts", "plot", "parquet", "report", "xlsx")
    sc = load_scenario(args.scenario, args.overrides)
    if args.out:
        tables = ["slots", "summary", "groups", "plan"] + (["contacts"] if args.contacts else [])
        tables += ["outbound", "outbound_slots"] if sc.spec.outbound else []  # outbound campaigns
        _check_out(args, tables, ["result.json", "report.html"] + [f"day_{c}.png" for c in sc.channels]
                   + (["outbound.png"] if sc.spec.outbound else []))
    result = simulate(sc, args.replications, args.seed, args.jobs, service_level=args.service_level,
                      progress=False if args.no_progress else None, contacts=args.contacts,
                      cluster=args.cluster)
    if args.out:
        with _out_batch(args, result.seed):
            result.write(args.out, contacts=args.contacts, parquet=args.parquet,
                         **_output_formats(args, "results.xlsx"))
            if args.plot:
                from staffsim.plots import plot_day, plot_outbound, save_figures

                figures = {f"day_{c}": plot_day(result, c) for c in sc.channels}
                if sc.spec.outbound:  # outbound campaigns
                    figures["outbound"] = plot_outbound(result)
                save_figures(figures, args.out)
            if args.report:
                from staffsim.report import run_report

                write_text(args.out / "report.html", run_report(result))
    if args.format == "json":
        sys.stdout.write(result.to_json())
        return _finish(result.complete, result.replications, result.stopped)
    summary = result.summary()
    shown = pd.DataFrame({"channel": label_all_rows(sc, summary["channel"])})
    marks = target_columns(sc, summary)
    for col in SUMMARY_COLUMNS + [c for c in OUTCOME_COLUMNS if c in summary]:
        shown[col] = summary[col]
        if col in ("service_level", "asa_s", "abandon_rate", "occupancy", "fcr"):
            shown[f"{col}_ci"] = summary[f"{col}_ci"]
        if col == "service_level":
            shown["target"], shown["target_met"] = marks["target"], marks["target_met"]
    for col in ("retries_closed", "unavailable"):  # week: shown when anything was lost to them
        if summary[col].abs().sum() > 0:
            shown[col] = summary[col]
    _add_behaviour_columns(shown, summary)
    h = sc.spec.horizon
    period, whole = period_noun(h.days), horizon_phrase(h.days, h.start_date)
    print(f"{sc.name} - {count_of(result.replications, 'replication')} of {period_article(h.days)}, seed "
          f"{result.seed}, staffsim {result.version}")
    print(f"Over {whole}, per channel (means; _ci = 95% half-width; rates are totals over the "
          f"{period}; target_met judges the means):")
    print(format_table(shown))
    if not shared_threshold(sc):
        print(f"({MIX_LABEL}: the channels' service levels have different thresholds; the pooled "
              "service level and ASA mix them and meet no single target)")
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
    if sc.spec.absence > 0:
        print(f"Absence: {sc.spec.absence:.0%} of shift seats per day, "
              + ("paid (sick pay: absent agents' shifts are in paid hours and cost)."
                 if sc.spec.absence_paid else
                 "unpaid (absent agents' shifts are not in paid hours or cost; "
                 "absence: {share: ..., paid: true} for sick pay)."))
    fe = result.forecast_error()
    if len(fe):
        print()
        print("Forecast error (slots x replications): the Erlang plan's agents miss a target at the "
              "drawn volume in erlang_miss_share of them (0 without the error); the simulated "
              "service level is below target in simulated_below_target:")
        print(format_table(fe))
    if sc.spec.outbound:  # outbound campaigns (staffsim/outbound_metrics.py)
        _print_outbound(result, cur)
    if args.slots:
        print()
        print(f"Per {slot_phrase(h.slot)}:")
        cols = ["channel", *[c for c in ("day", "date", "weekday") if c in result.slots], "slot_start",
                "offered", "service_level", "service_level_ci", "asa_s", "abandon_rate", "occupancy",
                "staffed_agents", "max_queue"]
        print(format_table(result.slots[cols]))
        if sc.spec.outbound:  # outbound campaigns
            print()
            print(f"Outbound per {slot_phrase(h.slot)} (dialling_agents: agents on the campaign's calls, "
                  "a time-average):")
            ocols = ["campaign", *[c for c in ("day", "date", "weekday") if c in result.slots], "slot_start",
                     "dialled", "reached", "inbound_prevented", "dialling_agents"]
            print(format_table(result.outbound_slots()[ocols]))
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, result.replications, result.stopped)


def _print_outbound(result, currency: str) -> None:
    """The outbound campaigns' table of ``run`` (means over replications)."""
    ob = result.outbound()
    cols = ["campaign", "records", "dialled", "reached", "reach_rate", "reach_rate_ci", "records_left",
            "inbound_prevented", "inbound_prevented_ci", "agent_hours", "agent_cost", "value", "net_value"]
    print()
    print(f"Outbound, per campaign (means; dialled = reached + unreached; records_left: on the list "
          f"at the end; agent_cost: the agents' outbound hours at their rate, {currency}; value: "
          "reached x value):")
    print(format_table(ob[cols]))


# --- customer behaviours: the run table's segment and behaviour columns, when the scenario has them
BEHAVIOUR_COLUMNS = ["balked", "callbacks_accepted", "callbacks_connected", "callback_delay_s",
                     "callback_service_level", "blocked", "block_rate",  # blocked: lines (issue 20)
                     "inbound_prevented",  # outbound campaigns (issue 20)
                     "transferred", "transfer_wait_s", "conferenced", "conference_hold_s"]  # transfers (issue 20)


def _add_behaviour_columns(shown: pd.DataFrame, summary: pd.DataFrame) -> None:
    if "segment" in summary:
        shown.insert(1, "segment", summary["segment"])
    for col in BEHAVIOUR_COLUMNS:
        if col in summary:
            shown[col] = summary[col]
# --- end of customer behaviours


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
        with _out_batch(args, result.baseline.seed):
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
    print(f"{result.baseline_label} vs {', '.join(result.variants)} - {count_of(b.replications, 'replication')} "
          f"each on the same simulated customers (seed {b.seed}), staffsim {b.version}")
    for v in result.variants:
        print(result.headline(v))
    print()
    d = result.differences
    shown = d[d["metric"].isin(["service_level", "asa_s", "abandon_rate", "occupancy",
                                "paid_agent_hours", "cost",
                                # first-contact resolution and appointments, when present
                                "fcr", "repeats", "no_shows", "reminder_cost", "appointment_value",
                                "blocked", "block_rate",  # blocked: center lines (issue 20)
                                "transferred", "transfer_wait_s", "conference_hold_s",  # transfers (issue 20)
                                "outbound_dialled", "outbound_reached", "inbound_prevented",
                                "outbound_net_value"])]  # outbound campaigns (issue 20)
    shown = shown[~(shown["baseline"].isna() & shown["value"].isna()
                    & shown["metric"].str.startswith(("outbound_", "inbound_")))]
    from staffsim.targets import MIX_LABEL, comparison_mixes_thresholds

    mixed = comparison_mixes_thresholds(result)
    if mixed:  # the pooled rows named for what they are, as run's table names them
        shown = shown.assign(channel=shown["channel"].where(shown["channel"] != "all", MIX_LABEL))
    print("Differences per channel (variant - baseline; ci = 95% half-width of the paired difference):")
    print(format_differences(shown, b.scenario.spec.costs.currency))
    if mixed:
        print(f"({MIX_LABEL}: the channels' service levels have different thresholds; the pooled "
              "service level and ASA mix them and meet no single target: read the channels)")
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, b.replications, _stopped(result))


def _stopped(comparison) -> str | None:
    return next((r.stopped for r in comparison.results.values() if r.stopped), None)


SWEEP_SHOWN = ("service_level", "abandon_rate", "asa_s", "occupancy", "paid_agent_hours",
               "plan_agent_hours", "plan_agents_peak", "cost",
               "fcr", "repeats", "no_shows", "reminder_cost", "appointment_value",  # when present
               "outbound_dialled", "outbound_reached", "inbound_prevented", "outbound_net_value")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario
    from staffsim.sweeps import SWEEP_METRICS, parse_values, sweep

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
        try:  # parsed here, so that a bad list or range is reported about the flag typed
            grid[path] = parse_values(values, path)
        except InputError as exc:
            text = str(exc)
            raise InputError(text if text.startswith("--param") else f"--param {text}") from None
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
        with _out_batch(args, result.results[0].seed):
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
    print(f"{sc.name}: sweeping {what}, {count_of(first.replications, 'replication')} each on the same simulated "
          f"customers (seed {first.seed})")
    if only:
        for channel in list(sc.channels) + ["all"]:
            wide = result.pivot(channel)
            cols = [result.parameter] + [c for m in SWEEP_SHOWN for c in (m, f"{m}_ci")
                                         if c in wide and not (c.startswith("plan_") and c.endswith("_ci"))
                                         and not (c.startswith("outbound_") and wide[c].isna().all())]
            shown, heading = _sweep_targets(result, channel, wide[cols])
            print(f"\n{heading}:")
            print(format_table(shown))
    else:
        _print_grid(result, metric, args.channel)
    if args.out:
        print(f"\nresults written to {args.out}/")
    return _finish(result.complete, first.replications, result.stopped)


def _sweep_targets(result, channel: str, shown: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A one-parameter sweep's table for one channel with ``target_met`` (each point's means
    judged against its target), and its heading: the channel and its target (a ``target``
    column instead when the sweep moves the target); for the whole center, a mix when the
    channels' thresholds differ."""
    import pandas as pd

    from staffsim.targets import shared_threshold, target_columns

    marks = pd.concat([target_columns(r.scenario, shown.iloc[[k]].assign(channel=channel))
                       for k, r in enumerate(result.results)])
    marks.index = shown.index
    name = "whole center" if channel == "all" else channel
    if channel == "all" and not all(shared_threshold(r.scenario) for r in result.results):
        return shown, (f"{name} (a mix: the channels' service levels have different thresholds, "
                       "so the pooled service level and ASA meet no single target; read the channels)")
    shown = shown.assign(target_met=marks["target_met"])
    if marks["target"].nunique() == 1:
        return shown, f"{name} (target {marks['target'].iloc[0]})"
    return shown.assign(target=marks["target"]), name


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



def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Plausibility warnings as one line each (silenced by --quiet); others as Python shows them."""
    if issubclass(category, PlausibilityWarning):
        print(f"staffsim: warning: {_bounded(str(message))}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # one stop scope for the whole command: Ctrl-C and SIGTERM (staffsim/stopping.py)
    written = files_written()
    with stopping.scope() as stop:
        try:
            args = parser.parse_args(argv)
            with warnings.catch_warnings(), _as_flags(COMMON_FLAGS):
                # plausibility warnings once each (or none with --quiet); "replications: ..."
                # from the library names -n/--replications
                warnings.simplefilter("ignore" if args.quiet else "once", PlausibilityWarning)
                warnings.showwarning = _show_warning
                return int(args.func(args))
        except (InputError, ValueError) as exc:
            notes = "" if isinstance(exc, InputError) else "".join(f" {n}" for n in getattr(exc, "__notes__", []))
            text = re.sub(r"^staffsim (?=[a-z]+[ :])", "", str(exc))  # "run: ...", never "staffsim" twice
            print(f"staffsim: error: {_bounded(text + notes)}", file=sys.stderr)
            return 2
        except WorkerLost as exc:
            print(f"staffsim: stopped: {_bounded(str(exc))}", file=sys.stderr)
            return EXIT_WORKER_LOST
        except OutputError as exc:
            print(f"staffsim: error: could not write the outputs: {_bounded(exc.strerror or str(exc))}",
                  file=sys.stderr)
            return 4
        except KeyboardInterrupt as exc:
            why = stopping.TERMINATED if isinstance(exc, Terminated) else (stop.reason or stopping.INTERRUPTED)
            what = "terminated (SIGTERM)" if why == stopping.TERMINATED else "interrupted"
            kept = ("nothing was written" if files_written() == written else
                    "the outputs written before it were complete")
            print(f"staffsim: {what}; {kept}", file=sys.stderr)
            return stopping.EXIT_CODES[why]
        except BrokenPipeError:
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
