"""Each new behaviour of the week work (interval AHT, calendars, events, forecast error), off,
reproduces the tables of the code before it exactly: tests/data/before was written by
tests/make_before_tables.py with main's code at 371e9a8 (same scenarios, seed and replications).
New columns may be added; every column that was there must hold the same values."""

from pathlib import Path

import pandas as pd
import pytest
from helpers import as_read_back, assert_columns_hold
from make_before_tables import CASES, FILE_VOLUMES

from staffsim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
BEFORE = ROOT / "tests" / "data" / "before"


@pytest.mark.parametrize("name", [*CASES, "bank_dated"])
def test_off_reproduces_the_tables_before(name):
    overrides = None
    if name == "bank_file":  # the file's AHT column was not used then: aht: false
        overrides = {k: {**v, "aht": False} for k, v in FILE_VOLUMES.items()}
    if name == "bank_dated":  # a date on a one-day horizon (a Monday) changes labels, not numbers
        overrides = {"horizon.start_date": "2026-03-02", "horizon.hours": {"sun": "closed"},
                     "events": [], "channels.voice.volume_uncertainty": None}
        name = "bank"
    file, reps = CASES[name]
    sc = load_scenario(ROOT / "scenarios" / file, overrides)
    res = simulate(sc, replications=reps, seed=2026, jobs=1, progress=False, contacts=True)
    for table, frame in (("slots", res.slots), ("groups", res.groups),
                         ("per_replication", res.per_replication), ("plan", res.plan),
                         ("contacts", res.contacts)):
        suffix = ".csv.gz" if table == "contacts" else ".csv"
        before = pd.read_csv(BEFORE / f"{name}_{table}{suffix}", keep_default_na=True,
                             dtype={"slot_start": str, "arrival": str})
        assert_columns_hold(before, as_read_back(frame), f"{name} {table}", rtol=1e-12 if table == "plan" else 0.0)
