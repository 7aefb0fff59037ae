"""Write the reference tables that tests/test_week_regression.py compares against.

Run with the code of the commit the tables are to describe on the path, e.g. from a checkout of
that commit:  PYTHONPATH=. python tests/make_before_tables.py tests/data/before
The files committed in tests/data/before were written by the code of main at 371e9a8 (before
interval AHT, calendars, events and forecast error): every new behaviour, off, must give these
tables exactly.

Since the one Erlang plan (issue 21, item 6: backlog channels planned as backlog in ``run``'s plan
and ``staffing: plan``), the cells that change moved (email's plan rows; where email is staffed
from plan, the email, ``all`` and back_office rows): patched by tests/data/patch_backlog_plan.py,
every other cell still as 371e9a8 wrote it.
"""

import sys
from pathlib import Path

from staffsim import load_scenario, simulate

CASES = {"bank": ("bank.yaml", 3), "travel_agency": ("travel_agency.yaml", 3),
         "automation": ("automation.yaml", 2), "bank_file": ("bank.yaml", 2)}
# the bank with its volumes read from the forecast file (the AHT column then unused)
FILE_VOLUMES = {f"channels.{c}.volume": {"file": "forecast/weekday.csv", "channel": c}
                for c in ("voice", "chat", "email")}


def main(out: str, root: str = ".") -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (file, reps) in CASES.items():
        sc = load_scenario(Path(root) / "scenarios" / file,
                           FILE_VOLUMES if name == "bank_file" else None)
        res = simulate(sc, replications=reps, seed=2026, jobs=1, progress=False, contacts=True)
        for table, frame in (("slots", res.slots), ("groups", res.groups),
                             ("per_replication", res.per_replication), ("plan", res.plan),
                             ("contacts", res.contacts)):
            suffix = ".csv.gz" if table == "contacts" else ".csv"
            frame.to_csv(out_dir / f"{name}_{table}{suffix}", index=False, float_format="%.17g")


if __name__ == "__main__":
    main(sys.argv[1], *sys.argv[2:])
