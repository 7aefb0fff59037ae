"""staffsim requirement: agents needed per team and slot."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from staffsim.cli.options import (
    _add_output_format_flags,
    _check_out,
    _finish,
    _needs_out,
    _out_batch,
    _output_formats,
)
from staffsim.errors import InputError
from staffsim.formatting import format_table
from staffsim.io import (
    dumps,
)

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
    rq.add_argument("--rule", choices=["mean", "interval"], default="interval",
                    help="isa: a slot meets a target when its whole 95%% interval does (default: an "
                    "answer that holds on new customers) or when its mean does (fits the seed "
                    "searched on)")
    rq.add_argument("--batch", choices=["days", "spaced", "none"], default="days",
                    help="isa: a team whose days are independent is searched day by day, one "
                    "day's staffing per day in each simulation; 'days' (default, exact) tests one "
                    "agent fewer in one slot per day, 'spaced' also several slots of a day apart by "
                    "the team's reach (3 x patience + handle time + redial delay: faster, "
                    "approximate), 'none' searches the team whole with one decrement per simulation")
    rq.add_argument("--no-validate", action="store_true",
                    help="isa: skip the validation repair (the answer simulated on new customers, "
                    "fresh each round: seed + 1, + 3, + 5, ...; one agent more in every slot missing in "
                    "mean, until a round finds none)")
    rq.add_argument("--no-check", action="store_true",
                    help="isa: skip the out-of-sample check (the answer and the Erlang requirement "
                    "simulated on customers neither the search nor the validation saw: seed + 2)")
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
        from staffsim.progress import line_log

        # on a terminal each iteration's line; redirected (a batch job's log) a line every 30 s
        log, close = line_log("requirement", enabled=not args.no_progress,
                              lines=args.format == "table")
        try:
            req = requirement(sc, "isa", args.replications, args.seed, args.jobs, rule=args.rule, log=log,
                              cluster=args.cluster or os.environ.get("STAFFSIM_CLUSTER") or None,
                              batch=args.batch, check=not args.no_check, validate=not args.no_validate)
        finally:
            close()
    else:
        for flag in ("replications", "seed", "jobs", "cluster"):
            if getattr(args, flag) is not None:
                raise InputError(f"staffsim requirement: --{flag} is for --method isa (erlang does "
                                 "not simulate)")
        req = requirement(sc, "erlang")
    if args.out:
        with _out_batch(args, req.provenance().get("seed")):
            req.write(args.out, **_output_formats(args, "requirement.xlsx"))
    if args.format == "json":
        sys.stdout.write(dumps({**req.provenance(), "summary": req.summary(), "requirement": req.table,
                                "kpis": req.kpis, "teams": req.extra.get("teams"),
                                "incomplete": req.extra.get("incomplete")}))
        return _exit(req)
    if req.method == "isa":
        cut = req.extra.get("incomplete")
        state = ("converged" if req.converged else "NOT converged") + (
            f" (cut short: {cut}; the requirement as far as searched)" if cut else "")
        print(f"{sc.name} - requirement verified by simulation (isa): {req.iterations} iterations, "
              f"{req.extra['staffings_simulated']} staffings x {req.replications} replications, seed "
              f"{req.seed}, rule {req.extra['rule']}: {state}; staffsim {req.version}")
        from staffsim.isa import RULE_TEXT

        for rule in (req.extra["rule"], *(r for r in RULE_TEXT if r != req.extra["rule"])):
            print(f"  {RULE_TEXT[rule]}" + ("" if rule == req.extra["rule"] else " (not used here)"))
        for group, info in req.extra["teams"].items():
            if info["note"]:
                print(f"  {group}: {info['note']}")
            v = info.get("validation")
            if v is not None:
                print(f"  {group}: validation on new customers (seeds {', '.join(map(str, v['seeds']))}, one "
                      f"per round): {v['added']} agent-slot(s) added in {v['rounds']} round(s); "
                      f"{v['left']} slot(s) missing in mean in the last round")
            if info.get("in_sample") is not None:
                print(f"  {group}: {_misses(info['in_sample'])} in sample (seed {req.seed})"
                      + (f"; {_misses(info['out_of_sample'])} out of sample (new customers, seed "
                         f"{info['check_seed']}), where the Erlang requirement has "
                         f"{_misses(info['erlang_out_of_sample'])}"
                         if info.get("out_of_sample") is not None else "; no out-of-sample check"))
    else:
        print(f"{sc.name} - requirement by per-slot Erlang (backlog channels: "
              f"{', '.join(req.extra['backlog_channels']) or 'none'}); staffsim {req.version}")
    if req.basis == "channel":
        shared = req.extra.get("shared_channels", [])
        which = f"channels {', '.join(shared)} are" if len(shared) != 1 else f"channel {shared[0]} is"
        print(f"Per channel ({which} served by several "
              "teams, so the requirement is per channel, in agents of standard speed; the scheduler "
              "decides which team covers what; agent hours = agents x slot length):")
    else:
        print("Per team (agent hours = agents x slot length):")
    print(format_table(req.summary()))
    if args.slots:
        print()
        cols = [c for c in ("group", "channel", "day", "slot_start", "agents", "erlang_agents", "meets", "binding",
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
    return _exit(req)


def _misses(counts: dict) -> str:
    text = f"{counts['in_mean']} channel-slot(s) missing in mean ({counts['beyond']} beyond the 95% interval)"
    if counts.get("undetermined"):
        text += f", {counts['undetermined']} without an interval (not enough replications)"
    return text


def _exit(req) -> int:
    """0, or for a search cut short 130 (Ctrl-C) / 3 (a lost worker), what finished kept."""
    cut = req.extra.get("incomplete") if req.method == "isa" else None
    if cut is None:
        return 0
    return _finish(False, req.replications or 0, cut)


# --- end requirement ---------------------------------------------------------------------------
