"""Customer behaviours and team routing switched off reproduce the earlier numbers exactly.

The reference tables in ``tests/golden/`` were written by ``tests/golden/make_golden.py`` with the
code before segments, balking, callbacks, team handle-time factors and overflow existed (main at
371e9a8). The same scenarios, seeds and replications must give identical tables: the same rows,
every column there with every number bit for bit (columns added since by other behaviours'
KPIs, or the calendar, may be there too).
"""

from pathlib import Path

import pandas as pd
import pytest
from helpers import assert_columns_hold

from staffsim import load_scenario, simulate

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]
CASES = [("bank.yaml", 2, False), ("web_outage.yaml", 2, False), ("travel_agency.yaml", 2, True),
         ("automation.yaml", 2, False)]


def reference(stem: str, key: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / f"{stem}.{key}.csv.gz", keep_default_na=False, na_values=[""])


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the reference was: written to CSV and read back (the same dtypes)."""
    from io import StringIO

    return pd.read_csv(StringIO(frame.to_csv(index=False, float_format="%.17g")),
                       keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("name,reps,contacts", CASES, ids=[c[0] for c in CASES])
def test_tables_identical_to_the_code_before(name, reps, contacts):
    result = simulate(load_scenario(ROOT / "scenarios" / name), replications=reps, jobs=1, contacts=contacts)
    stem = name.removesuffix(".yaml")
    tables = {"slots": result.slots, "per_replication": result.per_replication, "groups": result.groups}
    if contacts:
        tables["contacts"] = result.contacts
    for key, frame in tables.items():
        assert_columns_hold(reference(stem, key), as_written(frame), f"{stem} {key}")
