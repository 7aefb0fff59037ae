import os
import sys
from pathlib import Path

# every engine run in the tests checks its invariants (staffsim.engine.Audit); set before any
# worker process starts, so the pools inherit it
os.environ["STAFFSIM_AUDIT"] = "1"

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))  # tests/references.py

# derandomized and without an example database: every run (local or CI) tries the same examples
settings.register_profile(
    "staffsim", max_examples=150, deadline=None, derandomize=True, database=None
)
settings.load_profile("staffsim")


@pytest.fixture
def root() -> Path:
    return ROOT
