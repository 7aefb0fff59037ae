"""Issue 20, item 8: first-contact resolution (repeat contacts) together with the retrial options
that draw as needed (``keep_patience``, ``max_attempts: unlimited``, ``when_closed: at_opening``,
``draws: as_needed``).

The center: issues come in on ``front`` (ample agents, resolved at first contact with
probability r); unresolved ones come back an hour later on ``back``, whose team has no agent, so
every attempt there abandons and redials with probability p, unlimited, keeping its patience.

Oracles: the share of first contacts left unresolved is 1 − r (binomial, 99%); each repeat
customer makes a geometric number of attempts on ``back``, mean 1 / (1 − p) (99% interval of the
customers' mean); with ``keep_patience`` every attempt of a repeat waits exactly its first
patience (without, the waits differ). Every run is audited (tests/conftest.py): per agent
logged-in = busy + idle + break, logins inside the roster, every unresolved contact whose repeat
falls in the horizon has exactly one repeat attempt. Streams: the repeats' draws do not depend on
``max_attempts`` or ``keep_patience`` beyond what they mean, and turning resolution or the
retrial options on moves no first contact's draw.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import trace
from scipy import stats

from staffsim import scenario_from_dict, simulate
from staffsim.engine.core import REPEAT
from staffsim.engine.draws import ChannelDrawer
from staffsim.engine.repeats import RepeatDrawer

R, P, LAM, DAYS = 0.7, 0.75, 60.0, 4
RETRIAL = {"probability": P, "delay": {"dist": "exponential", "mean": 60}, "max_attempts": "unlimited",
           "keep_patience": True}


def center(retrial=None, resolution=True, days: int = 1, hours=("00:00", "24:00")):
    slots = int(hours[1][:2]) - int(hours[0][:2])
    back = {"volume": [0] * slots, "handle_time": {"dist": "exponential", "mean": 240},
            "patience": {"dist": "exponential", "mean": 60},
            "target": {"service_level": 0.8, "threshold": 20}}
    if retrial is not None:
        back["retrial"] = retrial
    front = {"volume": [LAM] * slots, "handle_time": {"dist": "exponential", "mean": 180},
             "target": {"service_level": 0.8, "threshold": 20}}
    if resolution:
        front["resolution"] = {"first_contact": R, "repeat_delay": "1h", "repeat_channels": {"back": 1.0}}
    return scenario_from_dict({
        "name": "repeats-redials", "horizon": {"start": hours[0], "end": hours[1], "slot": "1h", "days": days},
        "channels": {"front": front, "back": back},
        "agents": [{"group": "ample", "skills": ["front"], "shifts": [{"start": hours[0], "end": hours[1], "agents": 12}]},
                   {"group": "none", "skills": ["back"], "shifts": [{"start": hours[0], "end": hours[1], "agents": 0}]}],
        "run": {"replications": DAYS, "seed": 9, "drain": 0}})


@pytest.fixture(scope="module")
def logs():
    sc = center(RETRIAL)
    return [trace(sc, rep=r, seed=9) for r in range(DAYS)]


def test_unresolved_share_is_one_minus_r(logs):
    judged = np.concatenate([log.extra["resolved"][(log.kind == 0) & (log.extra["resolved"] >= 0)] for log in logs])
    unresolved = (judged != 1).mean()  # 0: a repeat follows; 2: it would fall after the horizon
    n = len(judged)
    h = stats.norm.ppf(0.995) * np.sqrt(R * (1 - R) / n)
    assert abs(unresolved - (1 - R)) < h, (unresolved, h)
    for log in logs:  # every unresolved contact inside the horizon has its one repeat (and conserved)
        assert (log.kind == REPEAT).sum() == (log.extra["resolved"] == 0).sum() > 0
        assert set(np.unique(log.state[log.channel == 1]).tolist()) <= {0, 3}  # waiting or abandoned


def test_repeat_customers_redial_a_geometric_number_of_times_with_one_patience(logs):
    attempts, spread = [], []
    for log in logs:
        back = log.channel == 1
        for contact in np.unique(log.contact[back & (log.kind == REPEAT) & (log.arrival < 20 * 3600)]):
            mine = back & (log.contact == contact)
            assert (log.state[mine] == 3).all()  # nobody answers on back
            attempts.append(mine.sum())
            waits = log.end[mine] - log.arrival[mine]
            spread.append(waits.max() - waits.min())
    a = np.asarray(attempts, float)
    h = stats.t.ppf(0.995, len(a) - 1) * a.std(ddof=1) / np.sqrt(len(a))
    assert abs(a.mean() - 1 / (1 - P)) < h, (a.mean(), h)
    assert abs(a.mean() - 1 / (1 - 0.5)) > 3 * h  # sees a wrong redial probability
    assert max(spread) < 1e-6  # keep_patience: every attempt waits the first patience


def test_without_keep_patience_the_waits_differ():
    log = trace(center({**RETRIAL, "keep_patience": False}), rep=0, seed=9)
    back = log.channel == 1
    many = [c for c in np.unique(log.contact[back]) if (back & (log.contact == c)).sum() >= 2]
    assert many
    waits = [np.ptp(log.end[back & (log.contact == c)] - log.arrival[back & (log.contact == c)]) for c in many]
    assert min(waits) > 0


def test_redials_of_repeats_at_opening():
    """Open 08:00-18:00 two days: a repeat's redial due after the close comes at 08:00 the next
    morning (with no ``at_opening`` it would be counted closed and not happen)."""
    sc = center({**RETRIAL, "delay": {"dist": "exponential", "mean": "2h"}, "when_closed": "at_opening"},
                days=2, hours=("08:00", "18:00"))
    log = trace(sc, rep=0, seed=9)
    morning = (log.channel == 1) & (log.kind == 1) & (log.arrival == 86400 + 8 * 3600)
    assert morning.sum() > 0
    assert set(np.unique(log.contact[morning])) <= set(np.unique(log.contact[log.kind == REPEAT]))
    assert ((log.arrival % 86400 >= 8 * 3600) & (log.arrival % 86400 < 18 * 3600)).all()


def repeat_values(sc, k: int = 6):
    """The draws of the first repeats of front's first 300 contacts of slot 3: handle, delay,
    the resolution draw, and per attempt patience, retrial draw and delay."""
    drawer = RepeatDrawer(sc, 9, 1)
    res = ChannelDrawer(sc, "front", 0, 9, 1).resolution
    out = []
    for j in range(300):
        d = drawer.draw((res, 3, j, j, None), 1)
        out.append([d.handle[0], d.delay, d.resolve_u[0], d.land_u]
                   + [d.patience[m] for m in range(k)] + [d.retry_u[m] for m in range(k)]
                   + [d.retry_delay[m] for m in range(k)])
    return np.asarray(out)


def test_repeat_draws_do_not_depend_on_max_attempts_or_move_with_keep_patience():
    unlimited = repeat_values(center(RETRIAL))
    forty = repeat_values(center({**RETRIAL, "max_attempts": 40}))
    assert np.array_equal(unlimited, forty)
    fresh = repeat_values(center({**RETRIAL, "keep_patience": False}))
    k = 6
    same = list(range(4)) + [4] + list(range(4 + k, 4 + 3 * k))  # all but patience of attempts 1..5
    assert np.array_equal(unlimited[:, same], fresh[:, same])
    assert (unlimited[:, 5:4 + k] == unlimited[:, [4]]).all()  # kept: the first patience
    assert (fresh[:, 5:4 + k] != fresh[:, [4]]).all()


@pytest.mark.parametrize("variant", [{"retrial": None, "resolution": False}, {"retrial": None},
                                     {"retrial": {**RETRIAL, "max_attempts": 5, "keep_patience": False}}])
def test_resolution_and_redials_move_no_first_contact(variant):
    """Front's first contacts (arrivals, handle times, patience) are the same person whatever
    resolution or back's retrial options say."""
    base = ChannelDrawer(center(RETRIAL), "front", 0, 9, 2).day(0)
    other = ChannelDrawer(center(**variant), "front", 0, 9, 2).day(0)
    for f in ("times", "handle", "deflect_u", "patience"):
        assert list(getattr(base, f)) == list(getattr(other, f)), f
    first = [log.arrival[(log.channel == 0) & (log.kind == 0)]
             for log in (trace(center(RETRIAL), rep=2, seed=9), trace(center(**variant), rep=2, seed=9))]
    assert np.array_equal(*first)


def test_one_channel_with_resolution_and_redials_runs_audited():
    """Resolution and keep-patience redials on the same loaded channel (repeats come back to it):
    the audit holds, the contacts are conserved and each unresolved contact has its repeat."""
    sc = center(RETRIAL).with_overrides({
        "channels.front.patience": {"dist": "exponential", "mean": 90}, "channels.front.retrial": RETRIAL,
        "channels.front.resolution.repeat_channels": {"front": 0.5, "back": 0.5},
        "agents.0.shifts": [{"start": "00:00", "end": "24:00", "agents": 3}]})
    log = trace(sc, rep=0, seed=9)
    assert (log.kind == REPEAT).sum() == (log.extra["resolved"] == 0).sum() > 0
    front_repeats = (log.channel == 0) & (log.kind == REPEAT)
    assert front_repeats.sum() > 0 and (log.state[(log.channel == 0) & (log.kind == 1)] >= 0).all()
    assert ((log.channel == 0) & (log.kind == 1) & (log.attempt > 1)).sum() > 0  # redials of redials
    pr = simulate(sc, replications=2).per_replication
    pr = pr[pr["channel"] != "all"]
    assert np.array_equal(pr["offered"], pr["deflected"] + pr["answered"] + pr["abandoned"] + pr["unfinished"])
