"""Memory of one replication of a year: 52 weeks of 15-minute intervals.

Run: python benchmarks/bench_memory.py [days]   (prints figures; nothing is asserted)

A planner's volumes: about 27,000 calls a day between 08:00 and 23:00 (60 slots of 15 minutes),
lognormal handle times, exponential patience, retrials, staffed from the Erlang plan; 364 days
(about 10 million attempts). Each measurement runs in a fresh process and reports its peak
resident memory (``ru_maxrss``) beside that of a process that only imports staffsim.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys, time
os.environ.pop("STAFFSIM_AUDIT", None)
import numpy as np
import staffsim
days = int(sys.argv[1])
if days == 0:
    print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    sys.exit()
shape = np.array([0.6, 0.8, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 0.95, 0.9,
                  0.85, 0.8, 0.7, 0.6, 0.5])
sc = staffsim.scenario_from_dict({
    "name": "a year", "horizon": {"start": "08:00", "end": "23:00", "slot": "15min", "days": days},
    "channels": {"voice": {"volume": (np.repeat(shape, 3) * 500).round().tolist(),
                           "handle_time": {"dist": "lognormal", "mean": 240, "cv": 1.0},
                           "patience": {"dist": "exponential", "mean": 120},
                           "retrial": {"probability": 0.3, "delay": 300},
                           "target": {"service_level": 0.8, "threshold": 20}}},
    "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
    "run": {"replications": 1, "seed": 1}})
t = time.perf_counter()
r = staffsim.simulate(sc, jobs=1, progress=False)
seconds = time.perf_counter() - t
offered = float(r.per_replication.loc[r.per_replication["channel"] == "all", "offered"].iloc[0])
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "seconds": seconds, "attempts": offered, "slots": len(r.slots)}))
"""


def measure(days: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(days)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 364
    base = measure(0)["rss_mb"]
    print(f"staffsim imported, nothing simulated: peak {base:6.0f} MB")
    for d in sorted({7, days}):
        m = measure(d)
        print(f"{d:4d} days ({m['slots']:,} slots): {m['attempts']:12,.0f} attempts in {m['seconds']:6.1f} s, "
              f"peak {m['rss_mb']:6.0f} MB ({m['rss_mb'] - base:+.0f} MB over the import)")


if __name__ == "__main__":
    main()
