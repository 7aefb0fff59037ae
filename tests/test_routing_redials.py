"""Issue 20, item 5: retrial options (keep patience, unlimited redials, redials at opening) with
retrial values drawn only for attempts that happen (engine/redials.py)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_queue, trace
from scipy import stats

from staffsim import load_scenario, scenario_from_dict, simulate
from staffsim.errors import InputError
from staffsim.scenarios.routing import MAX_UPFRONT_ATTEMPTS, UNLIMITED_ATTEMPTS


def nobody_answers(retrial: dict, volume=(120,), hours=6, patience=None):
    """Callers in the first hour of a day no agent can serve (the one agent logs in at the end):
    every attempt abandons."""
    end = f"{hours:02d}:00"
    return scenario_from_dict({
        "name": "redial", "horizon": {"start": "00:00", "end": end, "slot": "1h"},
        "channels": {"q": {"volume": list(volume) + [0] * (hours - len(volume)),
                           "handle_time": {"dist": "exponential", "mean": 60},
                           "patience": patience or {"dist": "exponential", "mean": 20},
                           "retrial": retrial, "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "t", "skills": ["q"],
                    "shifts": [{"start": f"{hours - 1:02d}:00", "end": end, "agents": 1}]}],
        "run": {"replications": 1, "seed": 4, "drain": 0}})


def test_unlimited_redials_are_geometric():
    """Every attempt abandons and redials with probability p: attempts per caller are geometric,
    mean 1 / (1 - p) (the bound of 1000 attempts is never reached at p = 0.75)."""
    p = 0.75
    sc = nobody_answers({"probability": p, "delay": {"dist": "exponential", "mean": 30},
                         "max_attempts": "unlimited"})
    ratios = []
    for r in range(8):
        log = trace(sc, rep=r, seed=4)
        ratios.append(len(log.attempt) / (log.attempt == 0).sum())
    x = np.array(ratios)
    h = stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert abs(x.mean() - 1 / (1 - p)) < h, (x.mean(), h)
    assert h < 0.3  # would see p = 0.7 (mean 3.33) or 0.8 (mean 5)


def test_as_needed_numbers_do_not_depend_on_max_attempts_not_reached(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    runs = [simulate(sc.with_overrides({"channels.voice.retrial.draws": "as_needed",
                                        "channels.voice.retrial.max_attempts": m}), replications=2).per_replication
            for m in (40, "unlimited")]
    assert runs[0].equals(runs[1])
    # and the first attempts are the same people: arrivals and handle times untouched
    up = trace(sc)
    lazy = trace(sc.with_overrides({"channels.voice.retrial.draws": "as_needed"}))
    first_up, first_lazy = up.attempt == 0, lazy.attempt == 0
    assert np.array_equal(up.arrival[first_up], lazy.arrival[first_lazy])


def test_keep_patience_every_redial_waits_the_same():
    retrial = {"probability": 1.0, "delay": "30s", "max_attempts": 4}
    kept = trace(nobody_answers({**retrial, "keep_patience": True}))
    fresh = trace(nobody_answers(retrial))
    for log, same in ((kept, True), (fresh, False)):
        waited = log.end - log.arrival
        per_contact = {}
        for c, w in zip(log.contact, waited):
            per_contact.setdefault(int(c), []).append(w)
        spread = [np.ptp(w) for w in per_contact.values() if len(w) == 4]
        assert len(spread) > 50
        assert (np.max(spread) < 1e-9) == same


def test_redials_while_closed_come_at_opening():
    """Two days open 08:00-09:00; the callers of the day's last minutes redial 10 minutes later,
    after closing: dropped by default, made at 08:00 the next morning with at_opening."""
    base = {"probability": 1.0, "delay": {"dist": "deterministic", "mean": 600}, "max_attempts": 2}
    def sc(**extra):
        return one_queue(volume_per_hour=60, handle=3000.0, patience=5.0, agents=1, days=2,
                         retrial={**base, **extra})
    drop = trace(sc())
    late = (drop.attempt == 0) & (drop.arrival % 86400 > 9 * 3600 - 600)
    assert late.sum() > 0
    # dropped: no redial of a late caller happens at all
    assert not ((drop.attempt == 1) & (drop.arrival % 86400 < 8 * 3600 + 1)).any()
    kept = trace(sc(when_closed="at_opening"))
    at_open = (kept.attempt == 1) & (kept.arrival == 86400 + 8 * 3600)
    late_day1 = (kept.attempt == 0) & (kept.arrival < 86400) & (kept.arrival % 86400 > 9 * 3600 - 600) \
        & (kept.state == 3)
    assert at_open.sum() == late_day1.sum() > 0  # each of day 1's late callers, at the next opening
    # day 2's late callers have no opening left: counted as closed
    res = simulate(sc(when_closed="at_opening"), replications=1)
    assert res.per_replication["retries_closed"].sum() > 0


def test_many_attempts_up_front_are_refused_with_the_way_out():
    with pytest.raises(InputError, match=rf"retrial.max_attempts: 100,000 attempts drawn up front is beyond "
                                         rf"{MAX_UPFRONT_ATTEMPTS}; give draws: as_needed"):
        nobody_answers({"probability": 0.5, "delay": "1min", "max_attempts": 100000})
    # as needed, 100,000 attempts cost nothing up front
    sc = nobody_answers({"probability": 0.5, "delay": "1min", "max_attempts": 100000, "draws": "as_needed"})
    assert len(trace(sc).attempt) > 0
    assert UNLIMITED_ATTEMPTS == 1000


def test_new_retrial_options_refuse_up_front_draws():
    with pytest.raises(InputError, match=r"retrial.draws: keep_patience, unlimited attempts and redials "
                                         r"at opening draw as needed"):
        nobody_answers({"probability": 0.5, "delay": "1min", "keep_patience": True, "draws": "upfront"})
