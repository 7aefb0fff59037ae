"""The engine's share of the simulated requirement (ISA): the replications the search of
scenarios/week.yaml asks for, replayed through the engine alone, timed in CPU seconds.

Run: python benchmarks/bench_isa_team.py [-n REPLICATIONS] [--sample K] [--rounds N] [--scenario PATH]
[--max-iterations N] [--profile]
(prints figures; nothing is asserted). The search is run once, in this process (jobs=1), and
every replication it simulates is captured (scenario, seed, replication number, agents per
slot): one team's week with the volumes of the days under test, the way
:mod:`staffsim.isa` builds them. Every K-th of them is then replayed ``--rounds`` times through
``run_replication`` (the engine) and through the worker's whole task (engine and per-slot KPIs),
and the best round is printed (CPU seconds of this process, ``time.process_time``: the machine
may be shared, CPU time is the less noisy figure). ``--profile`` prints a cProfile of one replay
of the engine, sorted by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

from staffsim import experiment, load_scenario
from staffsim.engine import run_replication
from staffsim.requirement import requirement

ROOT = Path(__file__).resolve().parents[1]


def capture(scenario, replications: int, max_iterations: int = 60) -> list[tuple]:
    """Run the ISA search in this process; return the arguments of every replication it ran."""
    seen: list[tuple] = []
    original = experiment._replicate

    def recording(args: tuple):
        seen.append(args)
        return original(args)

    experiment._replicate = recording
    try:
        requirement(scenario, "isa", replications=replications, jobs=1, batch="spaced", rule="interval",
                    validate=False, check=False, max_iterations=max_iterations)
    finally:
        experiment._replicate = original
    return seen


def engine_only(tasks: list[tuple]) -> int:
    n = 0
    for scenario, seed, rep, heads, _variant, keep in tasks:
        out = run_replication(scenario, seed, rep, heads, keep_log=keep)
        n += int(out.counts["offered"].sum())
    return n


def whole_task(tasks: list[tuple]) -> None:
    for args in tasks:
        experiment._replicate(args)


def best_cpu(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--replications", type=int, default=3)
    ap.add_argument("--sample", type=int, default=4, help="replay every K-th replication captured")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "week.yaml")
    ap.add_argument("--max-iterations", type=int, default=60, help="of the search (60: the command's)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    os.environ.pop("STAFFSIM_AUDIT", None)  # the invariant audit is for tests, not for timing
    sc = load_scenario(args.scenario)
    t0 = time.process_time()
    tasks = capture(sc, args.replications, args.max_iterations)
    search = time.process_time() - t0
    sample = tasks[::args.sample]
    n = engine_only(sample)
    eng = best_cpu(lambda: engine_only(sample), args.rounds)
    task = best_cpu(lambda: whole_task(sample), args.rounds)
    print(f"{sc.name}: ISA search, {args.replications} replications, jobs=1: {search:.1f} CPU s, "
          f"{len(tasks)} replications simulated")
    print(f"replay of every {args.sample}th ({len(sample)} replications, {n:,d} offered contacts), best of "
          f"{args.rounds} rounds, CPU seconds:")
    print(f"  engine (run_replication):       {eng:7.3f} s = {n / eng:9,.0f} contacts/s")
    print(f"  worker task (engine + KPIs):    {task:7.3f} s = {n / task:9,.0f} contacts/s")
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(engine_only, sample)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
