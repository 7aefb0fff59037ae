"""The ``staffsim`` command line.

``main(argv)`` returns the exit code: 0 on success, 2 for bad input (one message on stderr, no
traceback), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from staffsim import __version__
from staffsim.errors import InputError
from staffsim.models.staffing import ChannelTargets, plan_staffing, staffing_metrics
from staffsim.report import dumps, format_table, frame_to_csv, write_frame
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
    pl.add_argument("forecast", type=Path, help="forecast CSV")
    pl.add_argument(
        "--targets", type=Path,
        help="targets YAML (default: targets.yaml beside the forecast)",
    )
    pl.add_argument("--slot", type=_duration, help="slot length (default: inferred from the CSV)")
    pl.add_argument("--out", type=Path, help="write the plan to this file (.csv or .json)")
    pl.add_argument("--format", choices=["table", "csv", "json"], default="table")
    pl.set_defaults(func=_cmd_plan)
    return parser


def _cmd_erlang(args: argparse.Namespace) -> int:
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

    forecast = load_forecast(args.forecast, args.slot)
    targets_path = args.targets or args.forecast.with_name("targets.yaml")
    if args.targets is None and not targets_path.exists():
        raise InputError(f"{args.forecast}: no --targets given and no targets.yaml beside it")
    targets = load_targets(targets_path)
    try:
        plan = plan_staffing(forecast.table, targets, forecast.slot_s)
    except ValueError as exc:
        raise InputError(f"{targets_path}: {exc}") from None
    if args.out:
        write_frame(args.out, plan)
    if args.format == "csv":
        sys.stdout.write(frame_to_csv(plan))
    elif args.format == "json":
        sys.stdout.write(
            dumps({"forecast": str(args.forecast), "slot_s": forecast.slot_s,
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args))
    except (InputError, ValueError) as exc:
        print(f"staffsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("staffsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
