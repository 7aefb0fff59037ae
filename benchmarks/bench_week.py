"""The cost of a real week: the week scenario (15-minute slots, calendar, interval AHT, an event,
forecast error) end to end, and the same with each new behaviour switched off.

Run: python benchmarks/bench_week.py   (prints figures; nothing is asserted)

Each line: one replication of scenarios/week.yaml with ``simulate(..., jobs=1)`` (the plan
beside the run, the engine, KPIs, money per team and the forecast-error table), best of 3, and
the contacts simulated per second.
"""

from __future__ import annotations

import time
from pathlib import Path

from staffsim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]

VARIANTS = {
    "week as shipped": {},
    "no forecast error": {"channels.voice.volume_uncertainty": None},
    "no event": {"events": []},
    "no interval AHT": {"channels.voice.volume.aht": False, "channels.chat.volume.aht": False},
}


def main() -> None:
    for label, overrides in VARIANTS.items():
        sc = load_scenario(ROOT / "scenarios" / "week.yaml", overrides)
        best, contacts = float("inf"), 0
        for _ in range(3):
            t = time.perf_counter()
            res = simulate(sc, replications=1, jobs=1, progress=False)
            best = min(best, time.perf_counter() - t)
            contacts = int(res.summary().set_index("channel").loc["all", "offered"])
        print(f"{label:20s} {best:6.2f} s per replication of the week, {contacts:6d} attempts, "
              f"{contacts / best:9,.0f} attempts/s")


if __name__ == "__main__":
    main()
