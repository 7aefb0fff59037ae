"""Speed of the analytic layer: slots staffed per second, Erlang B/C and Erlang A evaluations per
second.

Run: python benchmarks/bench_erlang.py [--repeats N] [--scale F]   (prints figures; nothing is
asserted; ``--scale`` multiplies every workload's slots, e.g. 0.01 for a quick check)

Every figure is the best of N runs in CPU seconds of this process (``time.process_time``), so that
other work on a shared machine inflates it less than wall-clock time. Workload: volumes uniform
10..2,000 per 30-min slot (1-200 Erlangs), AHT 180 s, 80% in 20 s; "large" slots are 1,000-10,000
Erlangs (the top of the range Erlang B is summed without scipy).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from staffsim.models import erlang, erlang_a, staffing


def best_of(fn, repeats: int) -> float:
    """Least CPU seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def _line(label: str, slots: int, sec: float, unit: str) -> None:
    print(f"  {label:<40} {slots:>9,} slots: {sec * 1e3:8.1f} ms = {slots / sec:12,.0f} {unit}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (best is kept)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the slots of each workload")
    args = parser.parse_args(argv)
    repeats = args.repeats

    def size(slots: int) -> int:
        return max(1, round(slots * args.scale))

    rng = np.random.default_rng(2026)
    aht, slot = 180.0, 1800.0
    print(f"staffsim analytic benchmark (best of {repeats} runs, CPU time)")
    for slots in (size(10_000), size(200_000)):
        traffic = rng.uniform(10, 2000, slots) * aht / slot
        sec = best_of(lambda a=traffic: erlang.required_agents(a, aht, 20.0, 0.8), repeats)
        _line("Erlang C required agents", slots, sec, "slots staffed/s")
    large = rng.uniform(1_000, 10_000, size(10_000))
    sec = best_of(lambda: erlang.required_agents(large, aht, 20.0, 0.8), repeats)
    _line("Erlang C required agents, large slots", large.size, sec, "slots staffed/s")
    traffic = rng.uniform(10, 2000, size(10_000)) * aht / slot
    agents = np.floor(traffic) + np.ceil(np.sqrt(traffic))  # near the usual answer
    sec = best_of(lambda: erlang.erlang_b(traffic, agents), repeats)
    _line("Erlang B", traffic.size, sec, "evaluations/s")
    sec = best_of(lambda: erlang.erlang_c(traffic, agents), repeats)
    _line("Erlang C", traffic.size, sec, "evaluations/s")
    sec = best_of(lambda: erlang.service_level(traffic, agents, aht, 20.0), repeats)
    _line("Erlang C service level", traffic.size, sec, "evaluations/s")
    big_agents = np.floor(large) + np.ceil(np.sqrt(large))
    sec = best_of(lambda: erlang.erlang_c(large, big_agents), repeats)
    _line("Erlang C, large slots", large.size, sec, "evaluations/s")
    planned = size(10_000)
    forecast = {"channel": np.full(planned, "voice"), "slot_start": np.arange(planned),
                "volume": rng.uniform(10, 2000, planned), "aht_s": np.full(planned, aht)}
    import pandas as pd

    frame = pd.DataFrame(forecast)
    targets = {"voice": staffing.ChannelTargets(service_level=0.8, threshold_s=20.0)}
    sec = best_of(lambda: staffing.plan_staffing(frame, targets, slot), repeats)
    _line("plan_staffing, Erlang C (every column)", len(frame), sec, "slots planned/s")
    agents = np.ceil(traffic * 1.1).astype(int)
    sec = best_of(lambda: erlang_a.metrics(traffic, agents, aht, 240.0, 20.0), repeats)
    _line("Erlang A metrics (all figures)", traffic.size, sec, "evaluations/s")
    sec = best_of(lambda: erlang_a.required_agents(traffic, aht, 240.0, 20.0, 0.8, 0.05), repeats)
    _line("Erlang A required agents", traffic.size, sec, "slots staffed/s")
    # one slot in heavy overload with patience 10^7 handle times (10^10 contacts waiting)
    sec = best_of(lambda: erlang_a.metrics(20000.0, 10000, 10.0, 1e8, 20.0), 4 * repeats)
    print(f"  Erlang A metrics, one overloaded slot, patience 1e7 x AHT: {sec * 1e3:6.2f} ms")
    sec = best_of(lambda: erlang.required_agents(16.67, 300.0, 20.0, 0.8), 20 * repeats)
    print(f"  Erlang C required agents, one slot (16.67 Erlangs): {sec * 1e3:6.3f} ms")


if __name__ == "__main__":
    main()
