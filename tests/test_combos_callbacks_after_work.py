"""Issue 20, item 8: callbacks together with after-contact work: a connected callback dial is
followed by the agent's wrap-up (the contact's own draw), as a live contact is; a dial nobody
answered has none (engine/callbacks.py).

Oracles: an exact one-agent trace; with deterministic times the agents' busy time is exactly
talk + wrap-up per live contact and connect + talk + wrap-up per connected dial (a dial without
its wrap-up would fall short by w each, over a thousand dials a day here); and the occupancy
with exponential times: with no abandonment and every dial answered, occupancy =
(λ (a + w) + c × connect) / n with c the callbacks per second (99% interval over the days). Every run
is audited (tests/conftest.py). Streams: the wrap-up moves no callback draw.
"""

from __future__ import annotations

import numpy as np
from helpers import DRAW_FIELDS, channel_draws, one_queue, trace
from scipy import stats

from staffsim import scenario_from_dict, simulate

A, W, CONNECT, LAM, N, DAYS = 240.0, 60.0, 15.0, 64.0, 6, 8
CALLBACKS = {"offer_when": {"position": 1}, "accept": 1.0, "keep_place": False, "connect_time": CONNECT,
             "no_answer": 0.0, "max_attempts": 1, "retry_delay": "5min"}


def test_trace_a_connected_dial_wraps_up():
    """One agent logging in at 08:00; talk 300 s, wrap-up 60 s, connect 15 s. Calls at 08:00
    (before the login that instant), 08:01 and 08:02 all find no free agent and take a callback
    (offered from position 0). Each dial lasts 15 + 300 s and is followed by 60 s of wrap-up
    before the next dial: dials at 08:00, 08:06:15, 08:12:30."""
    cb = {**CALLBACKS, "offer_when": {"position": 0}}
    sc = one_queue(arrivals=["08:00", "08:01", "08:02"], handle=300.0, agents=1, callbacks=cb,
                   after_work={"dist": "deterministic", "mean": 60})
    log = trace(sc)
    dials = np.flatnonzero(log.kind == 4)
    t0 = 8 * 3600.0
    assert (log.state[log.kind == 0] == 7).all()  # all three took a callback
    assert log.answer[dials].tolist() == [t0, t0 + 375, t0 + 750]
    assert log.end[dials].tolist() == [t0 + 315, t0 + 690, t0 + 1065]


def center(after_work: bool = True, reps: int = DAYS):
    q = {"volume": [LAM] * 24, "handle_time": {"dist": "exponential", "mean": A},
         "callbacks": CALLBACKS, "target": {"service_level": 0.8, "threshold": 20}}
    if after_work:
        q["after_work"] = {"dist": "exponential", "mean": W}
    return scenario_from_dict({
        "name": "callbacks-acw", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h", "days": 2},
        "channels": {"q": q},
        "agents": [{"group": "t", "skills": ["q"], "shifts": [{"start": "00:00", "end": "24:00", "agents": N}]}],
        "run": {"replications": reps, "seed": 2, "drain": 0}})


def busy_seconds(log) -> float:
    """Agent-seconds busy (holding a contact or wrapping up) over the run, from the group levels."""
    times, deltas = log.levels["busy"][0]
    order = np.argsort(times, kind="stable")
    t, level = np.asarray(times)[order], np.cumsum(np.asarray(deltas)[order])
    return float(np.sum(np.diff(np.append(t, log.run_end)) * level))


def test_agents_are_busy_for_every_dials_talk_and_wrap_up():
    """Deterministic talk a and wrap-up w: the agents' busy time is exactly a + w per live contact
    answered, connect + a + w per connected dial (and the remainder of what is in hand at the
    end); without the dials' wrap-up it would fall short by w per connected dial."""
    sc = center(reps=1).with_overrides({"channels.q.handle_time": {"dist": "deterministic", "mean": A},
                                        "channels.q.after_work": {"dist": "deterministic", "mean": W},
                                        "channels.q.callbacks.offer_when": {"position": 0}})
    for rep in range(2):
        log = trace(sc, rep=rep, seed=2)
        dial = log.kind == 4
        assert (dial & (log.state == 2)).sum() > 1000
        work = np.where(dial, CONNECT + A + W, A + W)
        started = ~np.isnan(log.answer)
        expected = np.minimum(log.answer[started] + work[started], log.run_end) - log.answer[started]
        assert abs(busy_seconds(log) - expected.sum()) < 1e-6 * expected.sum(), (busy_seconds(log), expected.sum())


def test_occupancy_counts_the_dials_wrap_up():
    """Exponential times, 64 calls an hour on 6 agents, most called back: occupancy =
    (λ (a + w) + c × connect) / n within the days' 99% interval."""
    pr = simulate(center(), replications=DAYS).per_replication
    pr = pr[pr["channel"] == "q"]
    assert np.array_equal(pr["offered"], pr["answered"] + pr["callbacks_accepted"] + pr["unfinished"])
    cb = pr["callbacks_accepted"].to_numpy() / (2 * 86400.0)
    want = (LAM / 3600.0 * (A + W) + cb * CONNECT) / N
    d = pr["occupancy"].to_numpy() - want
    h = stats.t.ppf(0.995, DAYS - 1) * d.std(ddof=1) / np.sqrt(DAYS)
    assert abs(d.mean()) < h, (d.mean(), h)


def test_wrap_up_moves_no_callback_draw():
    on, off = center(True, 1), center(False, 1)
    a, b = channel_draws(on, "q", 2, 1), channel_draws(off, "q", 2, 1)
    for f in DRAW_FIELDS:
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
