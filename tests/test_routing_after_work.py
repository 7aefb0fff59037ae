"""Issue 20, item 6: after-contact work as its own phase per channel.

Oracle: one agent, Poisson arrivals, exponential talk time (mean a) and a fixed wrap-up w: the
agent's time per contact is S = talk + w, an M/G/1 queue. Pollaczek-Khinchine: mean wait
Wq = λ E[S²] / (2 (1 − ρ)), E[S²] = a² + (a + w)², ρ = λ (a + w); occupancy = ρ, talk time per
contact a. Tolerance: the days' 99% interval. (Folding the wrap-up into nothing would give the
M/M/1 wait ρ' a / (1 − ρ') with ρ' = λ a: 80 s here against 195 s.)
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_queue, trace
from scipy import stats

from staffsim import load_scenario, scenario_from_dict, simulate
from staffsim.errors import InputError

A, W, LAM_H, DAYS = 120.0, 60.0, 12.0, 40


def mg1(reps=DAYS, **extra):
    return scenario_from_dict({
        "name": "acw", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"q": {"volume": [LAM_H] * 24, "handle_time": {"dist": "exponential", "mean": A},
                           "after_work": {"dist": "deterministic", "mean": W},
                           "target": {"service_level": 0.8, "threshold": 20}, **extra}},
        "agents": [{"group": "t", "skills": ["q"], "shifts": [{"start": "00:00", "end": "24:00", "agents": 1}]}],
        "run": {"replications": reps, "seed": 31, "drain": "2h"}})


def ci(x):
    return x.mean(), stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))


def test_after_work_is_an_mg1_phase():
    pr = simulate(mg1(), replications=DAYS).per_replication
    pr = pr[pr["channel"] == "q"]
    lam = LAM_H / 3600.0
    rho = lam * (A + W)
    wq = lam * (A**2 + (A + W) ** 2) / (2 * (1 - rho))
    m, h = ci(pr["asa_s"].to_numpy())
    assert abs(m - wq) < h, (m, h, wq)
    assert abs(80.0 - wq) > 3 * h  # the test sees a wrap-up left out
    m, h = ci(pr["occupancy"].to_numpy())
    assert abs(m - rho) < h, (m, h, rho)


def test_after_work_trace():
    """Two calls at 08:00 and 08:01 on one agent; talk 300 s, wrap-up 60 s: the second waits
    for the first's talk and wrap-up (answered 08:06); the contacts end when the talk ends."""
    sc = one_queue(arrivals=["08:00", "08:01"], handle=300.0, agents=1,
                   after_work={"dist": "deterministic", "mean": 60})
    log = trace(sc)
    assert list(log.answer) == [8 * 3600, 8 * 3600 + 360]
    assert list(log.end) == [8 * 3600 + 300, 8 * 3600 + 660]
    res = simulate(sc, replications=1)
    pr = res.per_replication
    # the agent worked 2 x 360 s of the hour (occupancy), the talk was 2 x 300 s
    assert pr.loc[pr["channel"] == "q", "occupancy"].iloc[0] == pytest.approx(720 / 3600)


def test_after_work_off_is_todays_and_shifts_no_other_draw(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    base = trace(sc)
    on = trace(sc.with_overrides({"channels.chat.after_work": {"dist": "exponential", "mean": 30}}))
    first = base.attempt == 0
    assert np.array_equal(base.arrival[first], on.arrival[on.attempt == 0])  # the same customers


def test_after_work_refused_with_appointments(root):
    with pytest.raises(InputError, match=r"channels.video.after_work: an appointment's length includes"):
        load_scenario(root / "scenarios" / "appointments.yaml",
                      ["channels.video.after_work={dist: deterministic, mean: 60}"])
