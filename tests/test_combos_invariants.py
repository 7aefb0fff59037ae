"""Issue 20, item 8: the invariants of every combination made to work, checked explicitly on the
group levels of one audited replication each (the audit, on in every test run, checks them agent
by agent as well): at every instant logged-in = busy + idle + on break, and the agents logged in
never exceed the roster (the conservation of contacts is checked in each combination's module).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import test_combos_appointments_choice as appt
import test_combos_blend as blend
import test_combos_callback_lines as cblines
import test_combos_callbacks_after_work as cbacw
import test_combos_repeats_after_work as racw
import test_combos_repeats_behaviours as rbeh
import test_combos_repeats_redials as rred
from helpers import trace

CASES = {
    "blend+stretch": lambda: blend.digital(True, stretch=1.6, reps=1),
    "blend+after_work": lambda: blend.digital(True, wrap=blend.WRAP, reps=1),
    "callbacks+lines": lambda: cblines.center(reps=1),
    "callbacks+after_work": lambda: cbacw.center(reps=1),
    "repeats+redials": lambda: rred.center(rred.RETRIAL),
    "repeats+after_work": lambda: racw.center(reps=1),
    "repeats+behaviours": lambda: rbeh.center(reps=1),
    "appointments+agent_choice": lambda: appt.booked("random_free"),
}


def level(changes, at: np.ndarray) -> np.ndarray:
    """The group level (times, +1/-1 steps) just after each instant of ``at``."""
    times, deltas = (np.asarray(x, float) for x in changes)
    if not len(times):
        return np.zeros(len(at))
    order = np.argsort(times, kind="stable")
    steps = np.cumsum(deltas[order])
    k = np.searchsorted(times[order], at, side="right")
    return np.where(k > 0, steps[np.maximum(k - 1, 0)], 0.0)


@pytest.mark.parametrize("name", list(CASES))
def test_levels_balance_and_stay_within_the_roster(name):
    assert os.environ.get("STAFFSIM_AUDIT") == "1"  # and the audit checks every agent
    sc = CASES[name]()
    log = trace(sc, rep=0, seed=3)
    roster = [sum(s.agents for s in g.shifts) for g in sc.spec.agents]
    for g in range(len(log.groups)):
        lv = {key: log.levels[key][g] for key in ("logged_in", "busy", "idle", "on_break")}
        at = np.unique(np.concatenate([np.asarray(lv[k][0], float) for k in lv]))
        got = {k: level(v, at) for k, v in lv.items()}
        assert np.array_equal(got["logged_in"], got["busy"] + got["idle"] + got["on_break"]), name
        assert got["logged_in"].max(initial=0) <= roster[g]
        assert (min(x.min(initial=0) for x in got.values())) >= 0
