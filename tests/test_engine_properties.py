"""Conservation, reproducibility and common random numbers."""

import numpy as np
import pandas as pd
import pytest
from helpers import channel_draws, one_queue
from hypothesis import given, settings
from hypothesis import strategies as st

from staffsim import load_scenario, scenario_from_dict, simulate

SCENARIOS = ["bank.yaml", "web_outage.yaml", "travel_agency.yaml"]


def assert_conserved(result):
    pr = result.per_replication
    assert np.array_equal(pr["offered"], pr["deflected"] + pr["answered"] + pr["abandoned"] + pr["unfinished"])
    slots = result.slots
    total = slots["deflected"] + slots["answered"] + slots["abandoned"] + slots["unfinished"]
    assert np.allclose(slots["offered"], total, rtol=0, atol=1e-9)
    for balance in result.extra["group_balance"]:
        logged_in, busy, idle, brk = balance.T
        assert np.allclose(logged_in, busy + idle + brk, rtol=1e-9, atol=1e-6)
        assert (busy >= -1e-9).all() and (idle >= -1e-9).all()


@pytest.mark.parametrize("name", SCENARIOS)
def test_examples_conserve_contacts_and_agent_time(root, name):
    assert_conserved(simulate(load_scenario(root / "scenarios" / name), replications=3))


shift = st.tuples(st.integers(0, 7), st.integers(1, 8), st.integers(0, 4), st.booleans())


@settings(max_examples=25)
@given(
    volumes=st.lists(st.integers(0, 60), min_size=8, max_size=8),
    shifts=st.lists(shift, min_size=1, max_size=3),
    conc=st.integers(1, 3),
    patience=st.one_of(st.none(), st.floats(5, 600)),
    deflection=st.floats(0, 0.5),
    retry=st.floats(0, 1),
)
def test_random_small_days_conserve(volumes, shifts, conc, patience, deflection, retry):
    rows = []
    for start, length, agents, brk in shifts:
        s, e = start, min(8, start + length)
        if e <= s:
            continue
        row = {"start": f"{8 + s:02d}:00", "end": f"{8 + e:02d}:00", "agents": agents}
        if brk and e - s >= 2:
            row["breaks"] = [{"start": f"{8 + s:02d}:30", "length": "20min"}]
        rows.append(row)
    if not rows:
        rows = [{"start": "08:00", "end": "16:00", "agents": 1}]
    voice = {"volume": volumes, "handle_time": {"dist": "lognormal", "mean": 240, "cv": 1.0},
             "target": {"service_level": 0.8, "threshold": 20}, "concurrency": conc,
             "self_service": {"deflection": deflection, "failure": 0.3, "failure_delay": 300},
             "retrial": {"probability": retry, "delay": 120}}
    if patience:
        voice["patience"] = {"dist": "exponential", "mean": patience}
    email = {"volume": [5] * 8, "handle_time": 300, "target": {"service_level": 0.9, "threshold": "4h"}}
    sc = scenario_from_dict({
        "name": "random", "horizon": {"start": "08:00", "end": "16:00", "slot": "1h", "days": 2},
        "channels": {"voice": voice, "email": email},
        "agents": [{"group": "a", "skills": ["voice", "email"], "shifts": rows},
                   {"group": "b", "skills": ["email"], "staffing": "plan"}],
        "absence": 0.1, "run": {"replications": 2, "seed": 3, "drain": "30min"},
    })
    assert_conserved(simulate(sc))


def test_same_seed_identical_for_one_and_two_jobs(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    one = simulate(sc, replications=4, seed=99, jobs=1, contacts=True)
    two = simulate(sc, replications=4, seed=99, jobs=2, contacts=True)
    pd.testing.assert_frame_equal(one.slots, two.slots, check_exact=True)
    pd.testing.assert_frame_equal(one.per_replication, two.per_replication, check_exact=True)
    pd.testing.assert_frame_equal(one.contacts, two.contacts, check_exact=True)
    other = simulate(sc, replications=4, seed=100, jobs=1)
    assert not one.per_replication["answered"].equals(other.per_replication["answered"])


def test_more_agents_see_the_same_customers(root):
    base = load_scenario(root / "scenarios" / "bank.yaml")
    more = load_scenario(root / "scenarios" / "bank.yaml", ["agents.0.shifts.0.agents=30"])
    for name in base.channels:
        a, b = channel_draws(base, name, 2026, 3), channel_draws(more, name, 2026, 3)
        for field in ("times", "deflect_u", "handle", "patience", "retry_u", "retry_delay"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), (name, field)
    ra = simulate(base, replications=1, contacts=True).contacts
    rb = simulate(more, replications=1, contacts=True).contacts
    first_a = ra[ra["attempt"] == 1].set_index(["channel", "contact"])
    first_b = rb[rb["attempt"] == 1].set_index(["channel", "contact"])
    assert first_a.index.equals(first_b.index)
    assert np.array_equal(first_a["arrival_s"], first_b["arrival_s"])
    both = first_a["answered"] & first_b["answered"]
    assert np.allclose(first_a.loc[both, "handle_s"], first_b.loc[both, "handle_s"])
    assert (first_b["wait_s"].sum() < first_a["wait_s"].sum())  # the same people wait less


def test_more_deflection_contains_a_superset():
    low = one_queue(volume_per_hour=300, self_service={"deflection": 0.1})
    high = one_queue(volume_per_hour=300, self_service={"deflection": 0.2})
    a = simulate(low, contacts=True).contacts
    b = simulate(high, contacts=True).contacts
    da = set(a.loc[a["deflected"], "contact"])
    db = set(b.loc[b["deflected"], "contact"])
    assert da < db


def test_adding_a_channel_leaves_the_others_draws_unchanged():
    base = one_queue(volume_per_hour=100)
    extra = one_queue(volume_per_hour=100, skills=["q", "sms"], extra_channel={
        "sms": {"volume": [20], "handle_time": 60, "target": {"service_level": 0.8, "threshold": 60}}})
    a, b = channel_draws(base, "q", 1, 0), channel_draws(extra, "q", 1, 0)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.handle, b.handle)
