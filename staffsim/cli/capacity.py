"""staffsim capacity: long-range FTE, attrition and hiring."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from staffsim.cli.options import (
    _add_output_format_flags,
    _check_out,
    _needs_out,
    _out_batch,
    _output_formats,
)
from staffsim.errors import InputError
from staffsim.formatting import format_table
from staffsim.io import (
    dumps,
    write_text,
)

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
    ca.add_argument("--roster", type=Path, metavar="ROSTER.json",
                    help="a roster.json from staffsim schedule --out: its teams' scheduling efficiency "
                    "(paid hours / required hours) multiplies the required hours of the plan's teams "
                    "of the same name, so required FTE includes what the contracts cost")
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
    with _out_batch(args, getattr(result, "seed", None)):
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
                        time_limit=args.time_limit, roster=args.roster)

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
    for team, eff in (result.extra.get("scheduling_efficiency") or {}).items():
        if eff != 1.0:
            print(f"{team}: required hours x {eff:.4f} scheduling efficiency (paid hours / required "
                  f"hours{' of ' + str(args.roster) if args.roster else ''}): required FTE includes "
                  "what the contracts cost")
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
