"""What first-contact resolution and appointments cost in engine time (prints figures; nothing is
asserted).

Run: python benchmarks/bench_repeats_appointments.py   (from the repository root)

(a) The M/M/20+M day of bench_engine.py (about 144,000 callers), end to end, as it is (both
    behaviours off: the cost of their hooks on the hot path) and with ``resolution``
    (first_contact 0.75, repeats after an exponential 2 hours, back on the same line) on 75% of
    the volume, so that first contacts and repeats make about the same load: attempts per
    second, repeats included.
(b) The shipped examples, one replication end to end: ``repeat_contacts.yaml`` (five days) and
    ``appointments.yaml``.
To compare (a, off) with the code before these behaviours, run bench_engine.py on both checkouts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engine import workload_a

import staffsim


def best(scenario, runs: int) -> tuple[float, int]:
    sec, n = np.inf, 0
    for r in range(runs):
        t0 = time.perf_counter()
        res = staffsim.simulate(scenario, replications=1, seed=7 + r, jobs=1, progress=False)
        sec = min(sec, time.perf_counter() - t0)
        n = int(res.per_replication.loc[res.per_replication["channel"] == "all", "offered"].iloc[0])
    return sec, n


def main() -> None:
    os.environ.pop("STAFFSIM_AUDIT", None)
    runs = 5
    print(f"first-contact resolution and appointments (best of {runs} runs, one process)")
    off = workload_a()
    # the same load: 75% of the first contacts, and the repeats of the unresolved quarter
    on = off.with_overrides({"channels.voice.volume_factor": 0.75, "channels.voice.resolution": {
        "first_contact": 0.75, "repeat_delay": {"dist": "exponential", "mean": "2h"}}})
    for label, sc in (("off", off), ("resolution on", on)):
        sec, n = best(sc, runs)
        print(f"(a) M/M/20+M, {label:14s} {n:8,d} attempts in {sec:6.2f} s = {n / sec:9,.0f}/s")
    for name in ("repeat_contacts.yaml", "appointments.yaml"):
        sec, n = best(staffsim.load_scenario(ROOT / "scenarios" / name), runs)
        print(f"(b) {name:22s}     {n:8,d} attempts in {sec:6.3f} s = {n / sec:9,.0f}/s")


if __name__ == "__main__":
    main()
