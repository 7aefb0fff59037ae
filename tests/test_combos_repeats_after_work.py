"""Issue 20, item 8: first-contact resolution (repeat contacts) together with after-contact work.

The customer is judged when the conversation ends (the repeat delay runs from then) while the
agent wraps up; a repeat on a channel with ``after_work`` has a wrap-up of its own (own stream).

Oracles: an exact one-agent trace; with ample agents, no abandonment and repeats on the same
channel resolved with the same r, the answered contacts per customer are geometric (mean 1/r),
so the agents' occupancy is λ (talk + wrap-up) / (r n), and the share of contacts left unresolved
is 1 − r (99% intervals; 3-day horizons open round the clock, so the missing repeats of the first
minutes weigh little). Every run is audited (tests/conftest.py): logged-in = busy + idle + break
per agent, logins inside the roster, each unresolved contact with its one repeat. Streams: the
wrap-up moves no repeat's or first contact's draw.
"""

from __future__ import annotations

import numpy as np
from helpers import one_queue, trace
from scipy import stats

from staffsim import scenario_from_dict, simulate
from staffsim.engine.core import REPEAT
from staffsim.engine.draws import ChannelDrawer
from staffsim.engine.repeats import RepeatDrawer

R, A, W, LAM, N, DAYS = 0.6, 240.0, 60.0, 40.0, 8, 6


def fixed(s):
    return {"dist": "deterministic", "mean": s}


def test_trace_judged_at_the_end_of_the_talk():
    """08:00 and 08:01 calls on one agent, talk 300 s, wrap-up 60 s, never resolved at first
    (r = 0), repeats always resolved, 10 min after the talk ended: the second call waits for the
    first's talk and wrap-up (answered 08:06); the repeats arrive 08:15 and 08:21 (10 min after
    the talks ended at 08:05 and 08:11, not after the wrap-ups) and are answered when the agent
    is free (08:21: the first repeat's wrap-up ends then)."""
    sc = one_queue(arrivals=["08:00", "08:01"], handle=300.0, agents=1, after_work=fixed(60),
                   resolution={"first_contact": 0.0, "repeat": 1.0, "repeat_delay": fixed(600)})
    log = trace(sc)
    order = np.argsort(log.arrival)
    m = 60.0
    t0 = 8 * 3600.0
    assert log.kind[order].tolist() == [0, 0, REPEAT, REPEAT]
    assert log.arrival[order].tolist() == [t0, t0 + m, t0 + 15 * m, t0 + 21 * m]
    assert log.answer[order].tolist() == [t0, t0 + 6 * m, t0 + 15 * m, t0 + 21 * m]
    assert log.end[order].tolist() == [t0 + 5 * m, t0 + 11 * m, t0 + 20 * m, t0 + 26 * m]
    assert log.extra["resolved"][order].tolist() == [0, 0, 1, 1]


def center(after_work=True, reps=DAYS):
    q = {"volume": [LAM] * 24, "handle_time": {"dist": "exponential", "mean": A},
         "resolution": {"first_contact": R, "repeat_delay": {"dist": "exponential", "mean": 600}},
         "target": {"service_level": 0.8, "threshold": 20}}
    if after_work:
        q["after_work"] = {"dist": "exponential", "mean": W}
    return scenario_from_dict({
        "name": "repeats-acw", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h", "days": 3},
        "channels": {"q": q},
        "agents": [{"group": "t", "skills": ["q"], "shifts": [{"start": "00:00", "end": "24:00", "agents": N}]}],
        "run": {"replications": reps, "seed": 13, "drain": 0}})


def ci(x):
    x = np.asarray(x, float)
    return x.mean(), stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))


def test_occupancy_counts_every_answered_contact_and_its_wrap_up():
    pr = simulate(center(), replications=DAYS).per_replication
    assert np.array_equal(pr["offered"], pr["answered"] + pr["abandoned"] + pr["unfinished"])
    rho = LAM / 3600.0 * (A + W) / (R * N)
    m, h = ci(pr["occupancy"])
    assert abs(m - rho) < h, (m, h, rho)
    assert abs(LAM / 3600.0 * A / (R * N) - rho) > 3 * h  # sees the wrap-up left out
    assert abs(LAM / 3600.0 * (A + W) / N - rho) > 3 * h  # sees the repeats left out


def test_unresolved_share_with_wrap_up():
    log = trace(center(reps=1), rep=0, seed=13)
    res = log.extra["resolved"]
    judged = res[res >= 0]
    h = stats.norm.ppf(0.995) * np.sqrt(R * (1 - R) / len(judged))
    assert abs((judged != 1).mean() - (1 - R)) < h
    assert (log.kind == REPEAT).sum() == (res == 0).sum()


def test_wrap_up_moves_no_draw():
    on, off = center(True, 1), center(False, 1)
    for f in ("times", "handle", "patience", "resolve_u"):
        a, b = (getattr(ChannelDrawer(sc, "q", 0, 13, 1).day(1), f) for sc in (on, off))
        assert list(a) == list(b), f
    d_on, d_off = RepeatDrawer(on, 13, 1), RepeatDrawer(off, 13, 1)
    res = ChannelDrawer(on, "q", 0, 13, 1).resolution
    for j in range(200):
        x, y = d_on.draw((res, 5, j, j, None), 1), d_off.draw((res, 5, j, j, None), 1)
        assert (x.handle, x.delay, x.resolve_u, x.patience, x.retry_u, x.land_u) == \
            (y.handle, y.delay, y.resolve_u, y.patience, y.retry_u, y.land_u)
        assert len(x.wrap) == 1 and x.wrap[0] > 0 and y.wrap == ()
