"""staffsim schedule: shift scheduling (staffsim/scheduling/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from staffsim.cli.options import (
    _add_output_format_flags,
    _as_flags,
    _check_out,
    _duration,
    _finish,
    _needs_out,
    _out_batch,
    _output_formats,
    _share,
)
from staffsim.errors import InputError
from staffsim.formatting import format_table


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
    sc.add_argument("--rounds", type=int, help="with --verify: most simulations (default 5)")
    sc.add_argument("--verify-rule", choices=["interval", "mean"],
                    help="with --verify: act on slots missing beyond their 95%% interval (default) "
                    "or on every slot missing in mean")
    sc.add_argument("--trim", action="store_true",
                    help="with --verify: also remove surplus (one agent from each slot clear of every "
                    "target), until nothing changes")
    sc.add_argument("--no-check", action="store_true",
                    help="with --verify: skip the out-of-sample check (the kept roster simulated on "
                    "new customers, seed + 1)")
    sc.add_argument("--time-limit", type=_duration, default=60.0,
                    help="solver time limit per solve (default 60s); the best roster found is kept "
                    "with its gap")
    sc.add_argument("--mip-gap", type=_share, default=0.0,
                    help="stop once the roster is proven within this relative gap of the bound, "
                    "e.g. 0.01 (default 0: proven optimal)")
    sc.add_argument("--objective", choices=["cost", "people"],
                    help="cost: least cost; people: least cost, then at that cost the fewest people "
                    "(default: the rules' objective, else cost)")
    sc.add_argument("--plot", action="store_true", help="with --out: coverage.png (and channel_coverage.png with a requirement per channel)")
    sc.add_argument("-n", "--replications", type=int,
                    help="replications per simulation (--verify, --requirement isa; default: the scenario's)")
    sc.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    sc.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    sc.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    sc.set_defaults(func=_cmd_schedule)


def _cmd_schedule(args: argparse.Namespace) -> int:
    from staffsim.scenarios.loader import load_scenario
    from staffsim.scheduling import schedule
    from staffsim.scheduling.roster import channel_summary  # (imported when the command runs)

    _needs_out(args, "schedule", "plot", "xlsx")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit: must be > 0, got {args.time_limit:g}s")
    if not args.verify:  # the verification's flags, given without it, would be ignored silently
        given = [flag for flag, on in (("--rounds", args.rounds is not None),
                                       ("--verify-rule", args.verify_rule is not None),
                                       ("--trim", args.trim), ("--no-check", args.no_check)) if on]
        if given:
            raise InputError(f"staffsim schedule: {given[0]} is for --verify (the roster simulated "
                             "and solved again); give --verify too, or leave it out")
    args.rounds = 5 if args.rounds is None else args.rounds
    args.verify_rule = args.verify_rule or "interval"
    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs: must be at least 1, got {args.jobs}")
    if not 0 <= args.mip_gap < 1:
        raise InputError(f"--mip-gap: must be >= 0 and < 1, got {args.mip_gap:g}")
    sc = load_scenario(args.scenario, args.overrides)
    if args.out:
        _check_out(args, ["shifts", "coverage", "channel_coverage", "agents", "tours", "rounds", "still_missing"],
                   ["roster.yaml", "roster.json", "coverage.png", "channel_coverage.png"], "roster.xlsx")
    from staffsim.progress import heartbeat

    # redirected: a line every 30 s while the solver works (the simulations print their own)
    with _as_flags({"method": "--requirement"}), heartbeat("schedule", enabled=not args.no_progress):
        roster = schedule(sc, args.requirement, args.rules, verify=args.verify, rounds=args.rounds,
                          replications=args.replications, seed=args.seed, jobs=args.jobs,
                          time_limit=args.time_limit, mip_gap=args.mip_gap,
                          progress=False if args.no_progress else None, objective=args.objective,
                          verify_rule=args.verify_rule, trim=args.trim, check=not args.no_check)
    if args.out:
        with _out_batch(args, args.seed):
            roster.write(args.out, **_output_formats(args, "roster.xlsx"))
            if args.plot:
                from staffsim.plots import plot_coverage, save_figures

                figures = {"coverage": plot_coverage(roster.coverage, title=f"{sc.name}: roster coverage")}
                if roster.channel_coverage is not None:
                    from staffsim.scheduling.plot import plot_channel_coverage

                    worth = {c: {g.group: 1.0 / g.handle_time_factor.get(c, 1.0) for g in sc.spec.agents}
                             for c in sc.channels}
                    figures["channel_coverage"] = plot_channel_coverage(
                        roster.channel_coverage, worth, title=f"{sc.name}: coverage per channel")
                save_figures(figures, args.out)
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
                                      else f" (objective {roster.objective:,.2f}: {_objective_parts(roster)})"))
    kind = args.objective or roster.rules.spec.objective
    who = "people" if not roster.tours.empty or sc.spec.horizon.days == 1 else "agent-days"
    if kind == "people":
        state = "proven the fewest at this cost" if roster.people_optimal else "NOT proven the fewest"
        print(f"Objective: least cost, then the fewest {who} at that cost: {roster.people} {who} ({state}).")
    else:
        print(f"Objective: least cost ({roster.people} {who}; --objective people asks for the fewest at "
              "this cost).")
    if roster.components > 1:
        print(f"Solved as {roster.components} independent parts (no rule links them).")
    print()
    if not roster.tours.empty:
        mixed = roster.tours["template"].str.contains("/", regex=False).any()
        print("Tours (" + ("the template of each day worked in order, a/b/..., or one every day"
                           if mixed else "the same template every day worked")
              + ", starting at start" + (" or up to latest_start" if "latest_start" in roster.tours else "") + "):")
        print(format_table(roster.tours))
        print()
    print("Shifts (agents per template, day, start and break placement; paid hours: the shift less "
          "unpaid breaks and split pauses):")
    print(format_table(roster.shifts))
    print()
    if roster.basis == "channel":
        print("Coverage per team (agent hours; on the phones = on a shift, not on break, after shrinkage; "
              "required = what the team gives the channels):")
    else:
        print("Coverage per team (agent hours; on the phones = on a shift, not on break, after shrinkage):")
    print(format_table(roster.coverage_summary()))
    if roster.channel_coverage is not None:
        print()
        print("Per channel (a requirement per channel: the channels are shared between teams; agent hours "
              "of standard speed; from_<team> = that team's agent hours on the channel; backlog channels "
              "are covered within their threshold, not slot by slot):")
        print(format_table(channel_summary(roster)))
    short = roster.short_slots()
    if len(short):
        print(f"\n{len(short)} slot(s) left short (soft coverage, paid for with the penalty):")
        print(format_table(short))
    v = roster.verification
    if v is not None:
        _print_verification(v)
    if args.out:
        print(f"\nroster written to {args.out}/ (run it: staffsim run {args.out}/roster.yaml)")
    if v is not None and not v.complete:
        return _finish(False, v.replications_run or 0, v.incomplete)
    return 0


def _print_verification(v) -> None:
    """The closed loop's rounds and exactly what holds, in and out of sample."""
    from staffsim.scheduling.slot_checks import RULE_TEXT

    print()
    print(f"Closed loop: each roster simulated {v.replications} replications (seed {v.seed}, the "
          "same customers every round)" + ("; surplus removed where a slot is clear of every target"
                                           if v.trim else "") + ".")
    print(f"  {RULE_TEXT[v.rule]}.")
    other = "mean" if v.rule == "interval" else "interval"
    print(f"  (the other: {RULE_TEXT[other]}.)")
    rounds = v.rounds.copy()
    rounds["gap"] = rounds["gap"].map(lambda g: f"{g:.2%}")
    print(format_table(rounds))
    if v.stopped:
        print(f"The loop stopped: {v.stopped}")
    if not v.complete:
        print(f"NOT verified: a simulation ran {v.replications_run} of {v.replications} "
              f"replications ({v.incomplete}); nothing is certified.")
    kept = f"round {v.kept_round}" if v.kept_round else "no round"
    print(f"In sample (seed {v.seed}, {kept}): {v.statement()}.")
    if v.check is not None:
        print(f"Out of sample (new customers: seed {v.check.seed}, {v.check.replications_run} "
              f"replications): {v.check.statement(v.rule)}.")
    if v.complete and v.converged:
        print("Verified: no slot misses under the " + v.rule + " rule in sample.")
    if len(v.missing):
        print(f"Slots missing under the {v.rule} rule in {kept}:")
        print(format_table(v.missing))
    if len(v.undetermined):
        print(f"Not enough replications to judge {len(v.undetermined)} channel-slot KPI(s) "
              "(no 95% interval): not shown to meet:")
        print(format_table(v.undetermined))


# --- end schedule ---------------------------------------------------------------------------------


def _objective_parts(roster) -> str:
    """What the solver's objective adds to the cost, from the rules: a shortfall penalty (soft
    coverage), the over-coverage penalty on the hours on the phones beyond the requirement (idle
    hours), or paid hours where no rate is set."""
    teams = roster.rules.spec.teams.values()
    parts = ["cost"]
    if any(t.missing_agent_slot_penalty is not None for t in teams):
        parts.append("shortfall penalty")
    if any(t.over_coverage_penalty > 0 for t in teams):
        parts.append("over-coverage penalty on idle hours on the phones")
    text = " + ".join(parts)
    return text + ", or paid hours where no rate is set" if len(parts) == 1 else text

