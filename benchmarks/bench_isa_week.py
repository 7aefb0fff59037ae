"""The simulated requirement (method "isa") of a week of channels, timed (wall and CPU seconds),
with the channel-slots missing a target in sample (the search's customers) and out of sample
(customers neither the search nor its validation saw), for the answer and for the Erlang
requirement beside it.

Run: python benchmarks/bench_isa_week.py [-n REPLICATIONS] [--jobs J] [--batch days|spaced|none]
[--rule mean|interval] [--no-validate] [--four-channels | --scenario PATH] [--max-iterations N]
(prints figures; nothing is asserted; the machine may be shared: the wall time is noisy, the CPU
seconds less so). ``--four-channels``: scenarios/week_four_channels.yaml (voice, chat, WhatsApp,
social messages; three teams). Default: scenarios/week.yaml, 10 replications, all cores, batch spaced (the
fast one; the command's default is days, exact and slower), rule interval, validation on (as the
command `staffsim requirement` does).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from staffsim import load_scenario
from staffsim.formatting import format_table
from staffsim.isa import RULE_TEXT, out_of_sample
from staffsim.requirement import erlang_requirement, requirement, team_channels

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--replications", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--batch", default="spaced", choices=["days", "spaced", "none"])
    ap.add_argument("--rule", default="interval", choices=["mean", "interval"])
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--max-iterations", type=int, default=60)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "week.yaml")
    ap.add_argument("--four-channels", action="store_true",
                    help="the week of four channels (scenarios/week_four_channels.yaml)")
    args = ap.parse_args()
    sc = load_scenario(ROOT / "scenarios" / "week_four_channels.yaml" if args.four_channels else args.scenario)
    t0, c0 = time.perf_counter(), cpu_seconds()
    req = requirement(sc, "isa", replications=args.replications, jobs=args.jobs, batch=args.batch,
                      rule=args.rule, max_iterations=args.max_iterations, validate=not args.no_validate)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    # the Erlang requirement on the search's customers (its in-sample misses), for the table
    teams = team_channels(sc)
    erl = erlang_requirement(sc).agents()
    busy = [g for g in teams if g in req.extra["teams"] and "in_sample" in req.extra["teams"][g]]
    erl_in, _ = out_of_sample(sc, [(g, teams[g], erl[g]) for g in busy], req.replications, req.seed,
                              args.jobs)
    print(f"{sc.name}: isa requirement, {req.replications} replications, batch {args.batch}, rule "
          f"{args.rule}, validation {'off' if args.no_validate else 'on'}, jobs={args.jobs or os.cpu_count()}, "
          f"cores={os.cpu_count()}")
    print(f"  {RULE_TEXT[args.rule]}")
    other = "mean" if args.rule == "interval" else "interval"
    print(f"  {RULE_TEXT[other]} (not used here)")
    print(f"  time: wall {wall:.1f} s, CPU {cpu:.1f} s (search, validation and the out-of-sample check); "
          f"{req.iterations} iterations, {req.extra['staffings_simulated']} simulations in the search; "
          f"{'converged' if req.converged else 'NOT converged'}")
    rows = []
    for g in busy:
        info = req.extra["teams"][g]
        oos, erl_oos = info.get("out_of_sample") or {}, info.get("erlang_out_of_sample") or {}
        v = info.get("validation") or {}
        rows.append({"team": g, "converged": info["converged"], "by_day": info.get("searched_by_day"),
                     "agent_hours": float(req.summary().set_index("group").loc[g, "agent_hours"])
                     if "agent_hours" in req.summary() else None,
                     "validation_added": v.get("added"),
                     "isa_in_sample": (info.get("in_sample") or {}).get("in_mean"),
                     "isa_out_of_sample": oos.get("in_mean"), "isa_oos_beyond": oos.get("beyond"),
                     "erlang_in_sample": erl_in[busy.index(g)]["in_mean"] if erl_in else None,
                     "erlang_out_of_sample": erl_oos.get("in_mean"), "erlang_oos_beyond": erl_oos.get("beyond")})
    seeds = {info.get("check_seed") for info in req.extra["teams"].values()} - {None}
    print(f"Channel-slots missing a target in mean (and beyond the 95% interval), in sample (seed {req.seed}) "
          f"and out of sample (seed {', '.join(map(str, sorted(seeds)))}):")
    print(format_table(pd.DataFrame(rows)))
    print(format_table(req.summary()))


if __name__ == "__main__":
    main()
