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


@pytest.fixture(scope="session")
def shared_results(tmp_path_factory):
    """Results computed once per session and shared by the xdist workers (tests/shared_results.py):
    kept in the session's temporary directory, the parent of each worker's own."""
    from shared_results import SharedResults

    base = tmp_path_factory.getbasetemp()
    return SharedResults((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-results")


# --- the slow tests ----------------------------------------------------------------------------
# Statistical checks, whole examples, clusters, signal tests and the manual's commands take seconds
# each; tests/slow_tests.txt lists them (module::test, parameters apart), measured with
# --durations. `python -m pytest -m "not slow"` runs the rest in about a minute; CI runs all.
_SLOW = {line.strip() for line in (Path(__file__).parent / "slow_tests.txt").read_text().splitlines()
         if line.strip() and not line.startswith("#")}


# --- the longest files start first ----------------------------------------------------------------
# pytest-xdist (--dist loadfile) hands each worker the next whole file as it runs out of work, in
# the order collected (pyproject passes --no-loadscope-reorder: xdist's own order, by number of
# tests, started the slowest files, which have few tests, last, and one worker then ran them alone
# at the end). The files below, measured (CPU seconds on the 2-core machine, docs/development.md),
# go first, longest first; the rest follow in name order. A file missing here only starts later.
_LONGEST_FIRST = [
    "test_docs.py",             # 85 s
    "test_requirement_isa.py",  # 25 s
    "test_hostile_sizes.py",    # 24 s: the peak-memory run at the stated limits
    "test_requirement_docs.py", # 20 s
    "test_certificates.py",     # 7 s, and the waits of its signal tests
    "test_verify_honest.py",    # 19 s
    "test_roster_rules.py",     # 16 s
    "test_decisions.py",        # 15 s
    "test_history_backtest.py", # 15 s
    "test_people.py",           # 14 s
    "test_cluster.py",          # 13 s, clusters starting
    "test_hostile_signals.py",  # 11 s, signals and their waits
    "test_history_examples.py", # 8 s
    "test_scheduling.py",       # 9 s
    "test_startup.py",          # 8 s, new interpreters
    "test_charts.py",           # 8 s
    "test_erlang_a.py",         # 7 s
    "test_outbound.py",         # 7 s
    "test_capacity.py",         # 7 s
    "test_history_fit.py",      # 6 s
    "test_routing_ciw.py",      # 6 s
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = f"{item.path.name}::{item.originalname}"
        if name in _SLOW or item.path.name in _SLOW:
            item.add_marker(pytest.mark.slow)
    rank = {name: i for i, name in enumerate(_LONGEST_FIRST)}
    items[:] = sorted(items, key=lambda item: rank.get(item.path.name, len(rank)))  # stable


# --- every test starts as from a terminal: Ctrl-C not ignored ------------------------------------
# Under pytest-xdist a worker was seen with SIGINT ignored by the time the signal tests ran (the
# cause was not found: no test changes it while it runs). Subprocesses inherit an ignored SIGINT,
# so a staffsim started by a test then never saw its Ctrl-C. A user's terminal has it at default.
@pytest.fixture(autouse=True)
def _sigint_as_from_a_terminal():
    import signal
    import threading

    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


@pytest.fixture(autouse=True)
def _audit_stays_on():
    """Every engine run of the suite is audited (``STAFFSIM_AUDIT=1``, set above): a test that turns
    the audit off (a benchmark run in-process does) must put it back, or the later tests on its
    worker would run unaudited without a word. Checked after each test."""
    yield
    assert os.environ.get("STAFFSIM_AUDIT") == "1", "a test left STAFFSIM_AUDIT changed: the audit is off"
