"""Capacity planning speed: a 78-week plan of three teams with 1,000 Monte Carlo paths.

Run: python benchmarks/bench_capacity.py   (prints figures; nothing is asserted)

(a) the expected weekly table alone (no paths, no hiring);
(b) with 1,000 Monte Carlo paths (binomial leavers per cohort and week, volume growth, weekly noise);
(c) with the hiring MILP as well, planned on expected values;
(d) with the MILP sized to 90% coverage over the paths (solve, simulate, re-solve);
(e) the shipped bank plan (52 weeks, front-office hours from the weekly forecast by the Erlang plan).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from staffsim import capacity

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 78


def plan(coverage: float | None) -> dict:
    w = np.arange(WEEKS)
    season = 1 + 0.2 * np.exp(-(((w % 52) - 28) / 6.0) ** 2)

    def team(hours, people, lead, max_class):
        return {
            "required_hours": [float(h) for h in hours * season],
            "shrinkage": {"holidays": {"by_month": [0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.14, 0.15,
                                                    0.08, 0.07, 0.06, 0.1]},
                          "sickness": 0.045, "breaks": 0.067, "meetings": 0.02},
            "headcount": [{"people": people}, {"people": people // 5, "fte": 0.5},
                          {"people": 6, "tenure_weeks": 1}],
            "attrition": {"monthly": 0.04, "early": {"monthly": 0.08, "weeks": 13}},
            "training_weeks": 4, "ramp": [0.5, 0.5, 0.75, 0.9],
            "classes": [{"week": 8, "size": 10}],
            "overtime": {"max_share": 0.05, "cost_per_hour": 42},
            "hiring": {"lead_weeks": lead, "every_weeks": 2, "min_class": 5, "max_class": max_class,
                       "cost_per_hire": 3500, "cost_per_hour": 28},
        }

    return {"name": "bench", "start_date": "2027-01-04", "weeks": WEEKS, "fte_hours": 37.5,
            "teams": {"front": team(4200.0, 120, 6, 20), "sales": team(1800.0, 50, 6, 12),
                      "back_office": team(900.0, 24, 4, 8)},
            "transfers": [{"week": 20, "from": "back_office", "to": "front", "people": 3}],
            "monte_carlo": {"paths": 1000, "seed": 1, "growth": {"low": -0.03, "high": 0.06},
                            "weekly_cv": 0.03, "coverage": coverage}}


def timed(label: str, fn) -> None:
    fn()  # warm up (imports, first calls)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    extra = ""
    if result.solver:
        extra = (f"; MILP {result.solver['rounds']} round(s), gap {result.solver['mip_gap'] or 0:.2e}, "
                 f"{len(result.classes)} classes, {int(result.classes['size'].sum())} hires")
        missed = result.solver.get("coverage_missed")
        if missed is not None:
            extra += "; coverage not met in " + (", ".join(f"{t} weeks {w}" for t, w in missed.items())
                                                 or "no week a class can reach")
    print(f"{label:<62} {best:7.2f} s{extra}")


if __name__ == "__main__":
    print(f"{WEEKS}-week plan, 3 teams (best of 3 runs):")
    timed("(a) expected weekly table", lambda: capacity(plan(None), monte_carlo=0, optimise=False))
    timed("(b) + 1,000 Monte Carlo paths", lambda: capacity(plan(None), optimise=False))
    timed("(c) + hiring MILP on expected values", lambda: capacity(plan(None)))
    timed("(d) + hiring MILP to 90% coverage over the paths", lambda: capacity(plan(0.9)))
    timed("(e) scenarios/capacity/bank_2027.yaml (52 weeks, Erlang demand)",
          lambda: capacity(ROOT / "scenarios" / "capacity" / "bank_2027.yaml"))
