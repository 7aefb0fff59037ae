"""Write the reference tables the "behaviour off reproduces today's numbers" tests compare with.

The tables are written by the code of the main branch *before* first-contact resolution and
appointments existed (commit 371e9a8), never copied from the code under test. To regenerate them
from such a checkout:

    PYTHONPATH=/path/to/that/checkout python tests/data/make_main_tables.py tests/data/main_tables

The cases (``CASES``) are shared with the test, which runs them with the code under test and
compares the CSV text byte for byte.

Since the one Erlang plan (issue 21, item 6: backlog channels planned as backlog in ``run``'s plan
and ``staffing: plan``), the cells that change moved (email's plan rows; where email is staffed
from plan, the email, ``all`` and back_office rows): patched by tests/data/patch_backlog_plan.py,
every other cell still as 371e9a8 wrote it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: scenario file (relative to the repository) or an inline scenario name -> replications
CASES = {"bank.yaml": 2, "travel_agency.yaml": 2, "kitchen_sink": 2}
#: the cases whose per-attempt log of replication 0 is kept too (the small ones)
WITH_CONTACTS = ("travel_agency.yaml", "kitchen_sink")

KITCHEN_SINK = {
    "name": "kitchen sink",
    "horizon": {"start": "08:00", "end": "12:00", "slot": "30min", "days": 2},
    "channels": {
        "voice": {"volume": [20, 30, 25, 30, 35, 20, 15, 10],
                  "handle_time": {"dist": "lognormal", "mean": 240, "cv": 1.0},
                  "patience": {"dist": "exponential", "mean": 90},
                  "target": {"service_level": 0.8, "threshold": 20},
                  "self_service": {"deflection": 0.2, "handle_time_uplift": 0.1, "failure": 0.3,
                                   "failure_delay": 300},
                  "retrial": {"probability": 0.5, "delay": 120}},
        "chat": {"volume": [10, 12, 14, 12, 10, 8, 6, 4], "handle_time": {"dist": "gamma", "mean": 400, "cv": 0.8},
                 "patience": {"dist": "weibull", "mean": 300, "shape": 0.8}, "concurrency": 3,
                 "concurrency_stretch": 1.3, "target": {"service_level": 0.8, "threshold": 60}},
        "email": {"volume": [5] * 8, "handle_time": 300, "target": {"service_level": 0.9, "threshold": "4h"}},
    },
    "agents": [
        {"group": "front", "skills": ["voice", "chat", "email"],
         "shifts": [{"start": "08:00", "end": "12:00", "agents": 6,
                     "breaks": [{"start": "10:00", "length": "15min"}]}]},
        {"group": "back", "skills": ["email", "chat"], "staffing": "plan", "shrinkage": 0.2},
    ],
    "absence": 0.1,
    "costs": {"agent_hour": {"front": 30, "back": 25}, "abandoned": {"voice": 5},
              "self_service": {"voice": 0.4}, "handled_minute": 0.02},
    "run": {"replications": 2, "seed": 5, "drain": "30min"},
}


def load_case(name: str):
    from staffsim import load_scenario, scenario_from_dict

    if name == "kitchen_sink":
        return scenario_from_dict(KITCHEN_SINK)
    return load_scenario(ROOT / "scenarios" / name)


def tables(name: str) -> dict[str, str]:
    """CSV text of every table of a run of the case."""
    from staffsim import simulate

    contacts = name in WITH_CONTACTS
    res = simulate(load_case(name), replications=CASES[name], jobs=1, progress=False, contacts=contacts)
    frames = {"slots": res.slots, "groups": res.groups, "per_replication": res.per_replication,
              "plan": res.plan}
    if contacts:
        frames["contacts"] = res.contacts
    return {key: frame.to_csv(index=False) for key, frame in frames.items()}


def main(out: str) -> None:
    import staffsim

    print("writing with", staffsim.__file__)
    for name in CASES:
        for key, text in tables(name).items():
            path = Path(out) / f"{Path(name).stem}.{key}.csv"
            path.write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
