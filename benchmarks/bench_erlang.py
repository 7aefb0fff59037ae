"""Speed of the analytic layer: slots staffed per second and Erlang A evaluations per second.

Run: python benchmarks/bench_erlang.py   (prints figures; nothing is asserted)
Workload: volumes uniform 10..2,000 per 30-min slot, AHT 180 s, 80% in 20 s.
"""

from __future__ import annotations

import time

import numpy as np

from staffsim.models import erlang, erlang_a


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(2026)
    aht, slot = 180.0, 1800.0
    print("staffsim analytic benchmark (best of several runs)")
    for slots, repeats in ((10_000, 5), (1_000_000, 2)):
        traffic = rng.uniform(10, 2000, slots) * aht / slot
        sec = best_of(lambda a=traffic: erlang.required_agents(a, aht, 20.0, 0.8), repeats)
        print(f"  Erlang C required agents, {slots:>9,} slots: {sec * 1e3:8.1f} ms "
              f"= {slots / sec:12,.0f} slots staffed/s")
    traffic = rng.uniform(10, 2000, 10_000) * aht / slot
    agents = np.ceil(traffic * 1.1).astype(int)
    sec = best_of(lambda: erlang_a.metrics(traffic, agents, aht, 240.0, 20.0), 3)
    print(f"  Erlang A metrics (all figures),   10,000 slots: {sec * 1e3:8.1f} ms "
          f"= {10_000 / sec:12,.0f} evaluations/s")
    sec = best_of(lambda: erlang_a.required_agents(traffic, aht, 240.0, 20.0, 0.8, 0.05), 3)
    print(f"  Erlang A required agents,         10,000 slots: {sec * 1e3:8.1f} ms "
          f"= {10_000 / sec:12,.0f} slots staffed/s")
    # one slot in heavy overload with patience 10^7 handle times (10^10 contacts waiting)
    sec = best_of(lambda: erlang_a.metrics(20000.0, 10000, 10.0, 1e8, 20.0), 20)
    print(f"  Erlang A metrics, one overloaded slot, patience 1e7 x AHT: {sec * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
