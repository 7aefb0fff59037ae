"""Issue 20, item 8: first-contact resolution (repeat contacts) together with customer
behaviours (segments, balking, callbacks).

A repeat reaching a channel with behaviours takes them from its own stream (engine/repeats.py):
its segment (the customer's, by name, when the channel has it; else drawn by the channel's
shares), the segment's own handle time and patience, the balking and callback draws; a customer
answered through a callback dial is judged when the connected dial ends, a dial nobody answered
resolves nothing.

The center: issues come in on ``q`` (segments vip / std, balking, callbacks), unresolved ones
come back half on ``q``, half on ``web`` (segments a / b). Oracles (99%, binomial):

- the share of answered customers (live or by a connected dial) left unresolved is 1 − r; the
  judged contacts are exactly the live ones answered and the dials connected;
- a repeat on ``q`` keeps its customer's segment (exact) and its segment's handle time (mean
  240 s for vip, 180 s for std: t intervals); on ``web`` the segments follow web's shares;
- balking p(x) = 0.3 flat: among repeats that found a queue on ``q`` (balked, or waited), 30% balk.

Every run is audited (tests/conftest.py): logged-in = busy + idle + break per agent, logins in
the roster, callbacks conserved, every unresolved contact with its one repeat. Streams: the
behaviours of the channel repeats reach move none of the repeats' other draws, and resolution
moves none of the first contacts' behaviour draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DRAW_FIELDS, channel_draws, trace
from scipy import stats

from staffsim import scenario_from_dict, simulate
from staffsim.engine.core import REPEAT
from staffsim.engine.draws import ChannelDrawer
from staffsim.engine.repeats import RepeatDrawer

R, BALK, DAYS = 0.6, 0.3, 4
Z = stats.norm.ppf(0.995)
BEHAVIOURS = {
    "segments": {"vip": {"share": 0.3, "priority": 2, "handle_time": {"dist": "exponential", "mean": 240}},
                 "std": {"share": 0.7, "priority": 1}},
    "balking": {"by": "position", "points": [[0, BALK]]},
    "callbacks": {"offer_when": {"position": 3}, "accept": 0.5, "keep_place": False, "connect_time": "15s",
                  "no_answer": 0.3, "max_attempts": 2, "retry_delay": "5min"},
}


def center(behaviours: bool = True, resolution: bool = True, reps: int = DAYS):
    q = {"volume": [90] * 24, "handle_time": {"dist": "exponential", "mean": 180},
         "patience": {"dist": "exponential", "mean": 150}, "target": {"service_level": 0.8, "threshold": 20}}
    web = {"volume": [10] * 24, "handle_time": {"dist": "exponential", "mean": 180},
           "patience": {"dist": "exponential", "mean": 300}, "target": {"service_level": 0.8, "threshold": 60}}
    if behaviours:
        q.update(BEHAVIOURS)
        web["segments"] = {"a": {"share": 0.4}, "b": {"share": 0.6}}
    if resolution:
        q["resolution"] = {"first_contact": R, "repeat_delay": {"dist": "exponential", "mean": 1800},
                           "repeat_channels": {"q": 0.5, "web": 0.5}}
    return scenario_from_dict({
        "name": "repeats-behaviours", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"q": q, "web": web},
        "agents": [{"group": "t", "skills": ["q", "web"], "shifts": [{"start": "00:00", "end": "24:00", "agents": 7}]}],
        "run": {"replications": reps, "seed": 4, "drain": 0}})


@pytest.fixture(scope="module")
def logs():
    sc = center()
    return [trace(sc, rep=r, seed=4) for r in range(DAYS)]


def test_judged_are_the_answered_and_one_minus_r_unresolved(logs):
    judged = []
    for log in logs:
        res = log.extra["resolved"]
        dial = log.kind == 4
        connected = dial & (log.state == 2)
        # web's own first contacts model no resolution: not judged
        live_done = ~dial & (log.state == 2) & ((log.channel == 0) | (log.extra["level"] > 0))
        assert np.array_equal(res >= 0, connected | live_done)  # unanswered dials: not judged
        assert (res[dial & np.isin(log.state, (8, 9))] == -1).all()
        assert connected.sum() > 0 and (dial & (log.state == 8)).sum() > 0
        assert (log.kind == REPEAT).sum() == (res == 0).sum()
        judged.append(res[res >= 0])
    first = np.concatenate([j for j in judged])
    # every answered contact (first or repeat) is resolved with probability r (repeat share = r)
    share = (first != 1).mean()
    h = Z * np.sqrt(R * (1 - R) / len(first))
    assert abs(share - (1 - R)) < h, (share, h)


def test_repeats_keep_their_segment_on_q_and_take_webs_shares(logs):
    web_a, web_n = 0, 0
    for log in logs:
        names = log.segment_names
        seg = log.segment
        first = (log.kind == 0) & (log.channel == 0)
        segment_of = dict(zip(log.contact[first].tolist(), seg[first].tolist()))
        back_q = (log.kind == REPEAT) & (log.channel == 0)
        assert back_q.sum() > 0
        assert all(segment_of[c] == s for c, s in zip(log.contact[back_q].tolist(), seg[back_q].tolist())
                   if c in segment_of)
        back_web = (log.kind == REPEAT) & (log.channel == 1)
        web_a += int((seg[back_web] == names.index("web/a")).sum())
        web_n += int(back_web.sum())
        assert set(seg[back_web].tolist()) <= {names.index("web/a"), names.index("web/b")}
    h = Z * np.sqrt(0.4 * 0.6 / web_n)
    assert abs(web_a / web_n - 0.4) < h, (web_a / web_n, h)
    # a repeat of a vip customer takes vip's own handle time (mean 240 s; std: q's 180 s)
    for j, mean in ((0, 240.0), (1, 180.0)):
        hdl = np.concatenate([log.handle[(log.kind == REPEAT) & (log.channel == 0) & (log.state == 2)
                                         & (log.segment == j)] for log in logs])
        h = stats.t.ppf(0.995, len(hdl) - 1) * hdl.std(ddof=1) / np.sqrt(len(hdl))
        assert abs(hdl.mean() - mean) < h, (j, hdl.mean(), h)


def test_repeats_balk_with_the_channels_probability(logs):
    balked = waited = 0
    for log in logs:
        rq = (log.kind == REPEAT) & (log.channel == 0)
        balked += int((rq & (log.state == 6)).sum())
        queued = rq & ((log.state == 3) | (log.state == 7) | (log.state == 0)
                       | ((log.state == 2) & (log.answer > log.arrival)))
        waited += int(queued.sum())
    n = balked + waited
    h = Z * np.sqrt(BALK * (1 - BALK) / n)
    assert abs(balked / n - BALK) < h, (balked / n, h, n)


def test_conserved_with_every_behaviour_and_repeats():
    pr = simulate(center(reps=2), replications=2).per_replication
    pr = pr[(pr["channel"] != "all") & (pr["segment"] == "all")]
    left = (pr["deflected"] + pr["answered"] + pr["abandoned"] + pr["balked"] + pr["callbacks_accepted"]
            + pr["unfinished"])
    assert np.array_equal(pr["offered"].to_numpy(), left.to_numpy())


def test_behaviours_move_no_repeat_draw_and_resolution_no_behaviour_draw():
    on, off = center(True), center(False)
    res = ChannelDrawer(on, "q", 0, 4, 1).resolution
    d_on, d_off = RepeatDrawer(on, 4, 1), RepeatDrawer(off, 4, 1)
    for j in range(300):
        x, y = d_on.draw((res, 6, j, j, "std"), 1), d_off.draw((res, 6, j, j, "std"), 1)
        assert (x.channel, x.delay, x.resolve_u, x.land_u, x.retry_u, x.retry_delay, x.patience) == \
            (y.channel, y.delay, y.resolve_u, y.land_u, y.retry_u, y.retry_delay, y.patience)
        assert x.handle == y.handle  # "std" has no handle time of its own; web's segments neither
        assert y.segment == () and len(x.segment) == 1
        if x.channel == 0:
            assert x.segment == (1,) and len(x.balk_u) == len(x.accept_u) == 1 and len(x.answer_u) == 2
    without = center(True, resolution=False, reps=1)
    for name in ("q", "web"):
        a, b = channel_draws(on, name, 4, 2), channel_draws(without, name, 4, 2)
        for f in DRAW_FIELDS:
            assert np.array_equal(getattr(a, f), getattr(b, f)), (name, f)


def test_repeats_redialling_as_needed_through_the_door():
    """Keep-patience unlimited redials on q too: a repeat's later attempts take their balking and
    callback draws as they happen (engine/repeats.py, RepeatRedials); the audit holds, the
    contacts are conserved, and redials of repeats balk with the channel's probability."""
    sc = center(reps=2).with_overrides({"channels.q.retrial": {
        "probability": 0.6, "delay": {"dist": "exponential", "mean": 120}, "max_attempts": "unlimited",
        "keep_patience": True}})
    balked = waited = 0
    for r in range(2):
        log = trace(sc, rep=r, seed=4)
        redial = (log.extra["level"] > 0) & (log.kind == 1) & (log.channel == 0)
        assert redial.sum() > 0
        balked += int((redial & (log.state == 6)).sum())
        waited += int((redial & ((log.state == 3) | (log.state == 7) | (log.state == 0)
                                 | ((log.state == 2) & (log.answer > log.arrival)))).sum())
    n = balked + waited
    assert abs(balked / n - BALK) < Z * np.sqrt(BALK * (1 - BALK) / n), (balked / n, n)
    pr = simulate(sc, replications=2).per_replication
    pr = pr[(pr["channel"] != "all") & (pr["segment"] == "all")]
    left = (pr["answered"] + pr["abandoned"] + pr["balked"] + pr["callbacks_accepted"] + pr["unfinished"])
    assert np.array_equal(pr["offered"].to_numpy(), left.to_numpy())
