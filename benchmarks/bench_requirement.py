"""Time to find the simulation-verified requirement (method "isa") of the bank's day.

Run: python benchmarks/bench_requirement.py [-n REPLICATIONS] [--jobs J] [--scenario PATH]
(prints figures; nothing is asserted). Default: scenarios/bank.yaml, 10 replications per
staffing tried, all cores.

Prints the wall time and the processor time (this process and its workers), the iterations
(simulation batches) and staffings simulated, whether every team's search converged, and per team
the requirement's peak and agent-hours beside the Erlang requirement's.
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
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "bank.yaml")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    t0, c0 = time.perf_counter(), os.times()
    req = requirement(sc, "isa", replications=args.replications, jobs=args.jobs)
    wall = time.perf_counter() - t0
    c1 = os.times()
    own = (c1.user - c0.user) + (c1.system - c0.system)
    workers = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    staffings = req.extra["staffings_simulated"]
    print(f"{sc.name}: isa requirement, {req.replications} replications per staffing, "
          f"jobs={args.jobs or os.cpu_count()}, cores={os.cpu_count()}")
    print(f"  wall {wall:.1f} s; processor {own + workers:.1f} s (this process {own:.1f} s, workers "
          f"{workers:.1f} s); {req.iterations} iterations, {staffings} "
          f"staffings simulated ({staffings * req.replications} team-days); "
          f"{'converged' if req.converged else 'NOT converged'}")
    print(format_table(req.summary()))


if __name__ == "__main__":
    main()
