"""Time ``staffsim assign`` on the worked example (examples/people/: 53 people, 4 weeks, 920
seats). Prints figures; never asserted (the machine is shared, timings are noisy).

    python benchmarks/bench_assign.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from staffsim.people.assignment import assign


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ex = ROOT / "examples" / "people"
    for i in range(args.repeat):
        t0 = time.perf_counter()
        a = assign(ex / "roster", ex / "agents.csv", weeks=4)
        wall = time.perf_counter() - t0
        s = a.summary()
        print(f"run {i + 1}: {wall:.1f} s wall ({s['solve_s']:.1f} s in the solver), {s['people']} people, "
              f"{s['seats']} seats, open {s['seats_open']}, objective {s['objective']:.2f} (LP bound "
              f"{s['dual_bound']:.2f}, gap {s['gap']:.1%}), "
              f"largest program {s['variables']} variables x {s['constraints']} constraints")


if __name__ == "__main__":
    main()
