"""With first-contact resolution and appointments off, every table is what the main branch's code
wrote before they existed (tests/data/main_tables, written by tests/data/make_main_tables.py from
that code: never numbers copied from the code under test), byte for byte."""

import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))

from make_main_tables import CASES, tables


@pytest.mark.parametrize("name", list(CASES))
def test_tables_identical_to_main(name):
    for key, text in tables(name).items():
        expected = (DATA / "main_tables" / f"{Path(name).stem}.{key}.csv").read_text()
        assert text == expected, f"{name}: {key} differs from the main branch's table"
