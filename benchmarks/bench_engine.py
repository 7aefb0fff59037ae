"""Contacts simulated per second: staffsim's engine vs a minimal idiomatic SimPy model.

Run: python benchmarks/bench_engine.py   (prints figures; nothing is asserted)

(a) one queue, M/M/20+M: 100 arrivals per minute, mean handle 10.8 s, mean patience 60 s, 24 hours
    (about 144,000 contacts); staffsim with all its bookkeeping (contact log, per-slot KPIs);
    the idiomatic model: one process per caller, ``yield request | timeout(patience)``.
(b) the bank scenario (scenarios/bank.yaml), one replication.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import simpy

import staffsim
from staffsim.engine import run_replication
from staffsim.experiment import plan_for, plan_headcount
from staffsim.metrics import replication_counts

ROOT = Path(__file__).resolve().parents[1]
LAM_PER_MIN, HANDLE, PATIENCE, AGENTS, HOURS = 100.0, 10.8, 60.0, 20, 24


def idiomatic(seed: int) -> int:
    """The textbook SimPy model of workload (a). Returns the number of callers."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    stats = {"answered": 0, "abandoned": 0, "wait": 0.0}

    def caller(env):
        arrive = env.now
        patience = rng.exponential(PATIENCE)
        with agents.request() as req:
            result = yield req | env.timeout(patience)
            if req in result:
                stats["answered"] += 1
                stats["wait"] += env.now - arrive
                yield env.timeout(rng.exponential(HANDLE))
            else:
                stats["abandoned"] += 1

    def source(env):
        n = 0
        while env.now < HOURS * 3600:
            yield env.timeout(rng.exponential(60.0 / LAM_PER_MIN))
            env.process(caller(env))
            n += 1
        stats["n"] = n

    env.process(source(env))
    env.run()
    return stats["n"]


def workload_a():
    return staffsim.scenario_from_dict({
        "name": "M/M/20+M",
        "horizon": {"start": "00:00", "end": "24:00", "slot": "30min"},
        "channels": {"voice": {
            "volume": [LAM_PER_MIN * 30] * 48,
            "handle_time": {"dist": "exponential", "mean": HANDLE},
            "patience": {"dist": "exponential", "mean": PATIENCE},
            "target": {"service_level": 0.8, "threshold": 20},
        }},
        "agents": [{"group": "team", "skills": ["voice"],
                    "shifts": [{"start": "00:00", "end": "24:00", "agents": AGENTS}]}],
        "run": {"replications": 1, "seed": 1, "drain": 0},
    })


def time_engine(scenario, reps: int = 3) -> tuple[float, int, float]:
    heads = plan_headcount(scenario, plan_for(scenario))
    best, best_all, n = np.inf, np.inf, 0
    for r in range(reps):
        t0 = time.perf_counter()
        log = run_replication(scenario, 7, r, heads)
        t1 = time.perf_counter()
        replication_counts(log, scenario)
        t2 = time.perf_counter()
        best, best_all, n = min(best, t1 - t0), min(best_all, t2 - t0), len(log)
    return best, n, best_all


def main() -> None:
    print("staffsim engine benchmark (best of 3 runs)")
    sec, n, sec_all = time_engine(workload_a())
    print(f"(a) staffsim engine:       {n:8,d} contacts in {sec:6.2f} s = {n / sec:9,.0f} contacts/s"
          f"  (with per-slot KPIs: {n / sec_all:9,.0f}/s)")
    best = np.inf
    for r in range(3):
        t0 = time.perf_counter()
        m = idiomatic(r)
        best = min(best, time.perf_counter() - t0)
    print(f"(a) idiomatic SimPy model: {m:8,d} contacts in {best:6.2f} s = {m / best:9,.0f} contacts/s")
    print(f"    ratio staffsim / idiomatic: {(n / sec) / (m / best):.2f}x"
          f" (with KPIs {(n / sec_all) / (m / best):.2f}x)")
    bank = staffsim.load_scenario(ROOT / "scenarios" / "bank.yaml")
    sec, n, sec_all = time_engine(bank)
    print(f"(b) bank scenario:         {n:8,d} attempts in {sec:6.2f} s = {n / sec:9,.0f} contacts/s"
          f"  (with per-slot KPIs: {n / sec_all:9,.0f}/s)")


if __name__ == "__main__":
    main()
