"""Contacts simulated per second: staffsim end to end vs minimal idiomatic SimPy models.

Run: python benchmarks/bench_engine.py   (prints figures; nothing is asserted)

Workload (a): one queue, M/M/20+M: 100 arrivals per minute, mean handle 10.8 s, mean patience
60 s, 20 agents, 24 hours (about 144,000 callers).

- staffsim: ``staffsim.simulate(scenario, replications=1, jobs=1)`` end to end: the plan beside
  the run, the engine, per-slot and whole-day KPIs and costs; and the same with every output
  switched on (the per-contact log of ``contacts=True``).
- the idiomatic SimPy model: one process per caller, ``yield request | timeout(patience)``,
  drawing with Python's ``random`` module (the textbook form), and the same with numpy scalar
  draws.

(b) the bank scenario (scenarios/bank.yaml), one replication end to end.
All figures are CPU seconds of this process (``time.process_time``: on a shared machine the
less noisy figure; everything runs here, jobs=1), the best of several rounds (best: the highest
rate; the callers differ a little between seeds); each round runs every model once, in turn.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np
import simpy

import staffsim

ROOT = Path(__file__).resolve().parents[1]
LAM_PER_MIN, HANDLE, PATIENCE, AGENTS, HOURS = 100.0, 10.8, 60.0, 20, 24


def idiomatic(seed: int, draws: str) -> int:
    """The textbook SimPy model of workload (a). Returns the number of callers."""
    if draws == "random":
        rnd = random.Random(seed)
        exp_patience = lambda: rnd.expovariate(1.0 / PATIENCE)  # noqa: E731
        exp_handle = lambda: rnd.expovariate(1.0 / HANDLE)  # noqa: E731
        exp_gap = lambda: rnd.expovariate(LAM_PER_MIN / 60.0)  # noqa: E731
    else:
        rng = np.random.default_rng(seed)
        exp_patience = lambda: rng.exponential(PATIENCE)  # noqa: E731
        exp_handle = lambda: rng.exponential(HANDLE)  # noqa: E731
        exp_gap = lambda: rng.exponential(60.0 / LAM_PER_MIN)  # noqa: E731
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    stats = {"answered": 0, "abandoned": 0, "wait": 0.0}

    def caller(env):
        arrive = env.now
        patience = exp_patience()
        with agents.request() as req:
            result = yield req | env.timeout(patience)
            if req in result:
                stats["answered"] += 1
                stats["wait"] += env.now - arrive
                yield env.timeout(exp_handle())
            else:
                stats["abandoned"] += 1

    def source(env):
        n = 0
        while env.now < HOURS * 3600:
            yield env.timeout(exp_gap())
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


def timed(fn) -> tuple[float, object]:
    """(CPU seconds of this process, value) of ``fn()``."""
    t0 = time.process_time()
    value = fn()
    return time.process_time() - t0, value


def staffsim_callers(scenario, seed: int, contacts: bool) -> int:
    res = staffsim.simulate(scenario, replications=1, seed=seed, jobs=1, progress=False, contacts=contacts)
    return int(res.per_replication.loc[res.per_replication["channel"] == "all", "offered"].iloc[0])


def main() -> None:
    os.environ.pop("STAFFSIM_AUDIT", None)  # the invariant audit is for tests, not for timing
    runs = 7
    print(f"staffsim engine benchmark (CPU seconds, best of {runs} rounds, one process; each round runs "
          "every model once, so that all see the same machine)")
    sc = workload_a()
    models = {
        "staffsim": lambda r: staffsim_callers(sc, 7 + r, False),
        "staffsim_all": lambda r: staffsim_callers(sc, 7 + r, True),
        "random": lambda r: idiomatic(r, "random"),
        "numpy": lambda r: idiomatic(r, "numpy"),
    }
    best = {name: (np.inf, 0) for name in models}
    for r in range(runs):
        for name, fn in models.items():
            sec, n = timed(lambda fn=fn, r=r: fn(r))
            if sec / n < best[name][0] / max(best[name][1], 1):
                best[name] = (sec, n)
    rate = {name: n / sec for name, (sec, n) in best.items()}
    for name, label in (("staffsim", "staffsim.simulate(jobs=1):      "),
                        ("staffsim_all", "... with every output (contacts):")):
        sec, n = best[name]
        print(f"(a) {label} {n:8,d} callers in {sec:6.2f} s = {rate[name]:9,.0f}/s")
    for draws in ("random", "numpy"):
        sec, n = best[draws]
        print(f"(a) idiomatic SimPy, {draws:6s} draws:  {n:8,d} callers in {sec:6.2f} s = {rate[draws]:9,.0f}/s"
              f"   staffsim is {rate['staffsim'] / rate[draws]:.2f}x "
              f"({rate['staffsim_all'] / rate[draws]:.2f}x with every output)")
    bank = staffsim.load_scenario(ROOT / "scenarios" / "bank.yaml")
    sec, n = min(timed(lambda r=r: staffsim_callers(bank, 7 + r, False)) for r in range(runs))
    print(f"(b) bank scenario, one replication:  {n:8,d} attempts in {sec:6.3f} s = {n / sec:9,.0f}/s")


if __name__ == "__main__":
    main()
