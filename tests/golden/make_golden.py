"""Write the reference tables the "behaviour off" tests compare with.

Run with the staffsim of the commit that the references stand for on the path, from outside
the worktree, e.g. for the code before customer behaviours were added (main at 371e9a8):

    git -C /work/main archive 371e9a8 | tar -x -C /tmp/main371
    cd /tmp && PYTHONPATH=/tmp/main371 python /path/to/tests/golden/make_golden.py /path/to/tests/golden

The tables are the ones a user sees (per slot, per replication, per team, and the per-attempt log
of replication 0), written with full float precision; ``tests/test_behaviours_off.py`` recomputes
them with the current code and requires them to be identical.

Since the one Erlang plan (issue 21, item 6: backlog channels planned as backlog in ``run``'s plan
and ``staffing: plan``), the cells that change moved (email's plan rows; where email is staffed
from plan, the email, ``all`` and back_office rows): patched by tests/data/patch_backlog_plan.py,
every other cell still as 371e9a8 wrote it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import staffsim
from staffsim import load_scenario, simulate

# (scenario file, replications, keep the per-attempt log)
CASES = [("bank.yaml", 2, False), ("web_outage.yaml", 2, False), ("travel_agency.yaml", 2, True),
         ("automation.yaml", 2, False)]


def main(out: Path) -> None:
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    for name, reps, contacts in CASES:
        result = simulate(load_scenario(scenarios / name), replications=reps, jobs=1, contacts=contacts)
        stem = name.removesuffix(".yaml")
        tables = {"slots": result.slots, "per_replication": result.per_replication, "groups": result.groups}
        if contacts:
            tables["contacts"] = result.contacts
        for key, frame in tables.items():
            frame.to_csv(out / f"{stem}.{key}.csv.gz", index=False, float_format="%.17g")
    print(f"written with staffsim {staffsim.__version__} from {staffsim.__file__}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
