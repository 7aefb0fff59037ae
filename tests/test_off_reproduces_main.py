"""With first-contact resolution and appointments off, every table is what the main branch's code
wrote before they existed (tests/data/main_tables, written by tests/data/make_main_tables.py from
that code: never numbers copied from the code under test): every column there holds the same
values, bit for bit; columns added since (other behaviours' KPIs, calendar columns) may be there
too."""

import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))

from helpers import as_read_back, assert_columns_hold
from make_main_tables import CASES, tables


@pytest.mark.parametrize("name", list(CASES))
def test_tables_identical_to_main(name):
    for key, text in tables(name).items():
        expected = (DATA / "main_tables" / f"{Path(name).stem}.{key}.csv").read_text()
        assert_columns_hold(as_read_back(expected), as_read_back(text), f"{name} {key}",
                            rtol=1e-12 if key == "plan" else 0.0)
