"""The simulation-verified requirement (method "isa") of a week of channels, timed, with its
slots missing in sample and out of sample (new customers) beside the Erlang requirement's.

Run: python benchmarks/bench_isa_week.py [-n REPLICATIONS] [--jobs J] [--batch days|spaced|none]
[--rule mean|interval] [--scenario PATH] [--max-iterations N]
(prints figures; nothing is asserted). Default: scenarios/week.yaml, 10 replications, all cores,
batch days, rule mean.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from staffsim import load_scenario
from staffsim.formatting import format_table
from staffsim.requirement import requirement

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--replications", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--batch", default="days", choices=["days", "spaced", "none"])
    ap.add_argument("--rule", default="mean", choices=["mean", "interval"])
    ap.add_argument("--max-iterations", type=int, default=60)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "week.yaml")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    t0 = time.perf_counter()
    req = requirement(sc, "isa", replications=args.replications, jobs=args.jobs, batch=args.batch,
                      rule=args.rule, max_iterations=args.max_iterations)
    wall = time.perf_counter() - t0
    print(f"{sc.name}: isa requirement, {req.replications} replications, batch {args.batch}, rule "
          f"{args.rule}, jobs={args.jobs or os.cpu_count()}, cores={os.cpu_count()}")
    print(f"  wall {wall:.1f} s (search and the out-of-sample check); {req.iterations} iterations, "
          f"{req.extra['staffings_simulated']} staffings simulated; "
          f"{'converged' if req.converged else 'NOT converged'}")
    rows = []
    for g, info in req.extra["teams"].items():
        oos, erl = info.get("out_of_sample") or {}, info.get("erlang_out_of_sample") or {}
        rows.append({"team": g, "converged": info["converged"],
                     "in_sample_mean": (info.get("in_sample") or {}).get("in_mean"),
                     "out_of_sample_mean": oos.get("in_mean"), "out_of_sample_beyond": oos.get("beyond"),
                     "erlang_out_of_sample_mean": erl.get("in_mean"),
                     "erlang_out_of_sample_beyond": erl.get("beyond")})
    print("Channel-slots missing a target (in mean; beyond the 95% interval), in sample (the search's "
          "seed) and out of sample (seed + 1):")
    print(format_table(__import__("pandas").DataFrame(rows)))
    print(format_table(req.summary()))


if __name__ == "__main__":
    main()
