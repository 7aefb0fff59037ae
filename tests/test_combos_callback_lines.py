"""Issue 20, item 8: callback dials use the center's shared lines.

A dial of a channel listed in ``lines.channels`` holds a line while the agent dials and talks;
a dial that finds every line held is blocked: the agent's connect time is lost as for a dial
nobody answers (flags bit 4), the callback is dialled again ``retry_delay`` later (up to
``max_attempts`` dials), then failed (engine/callbacks.py).

Oracles:

- exact accounting: from the log, the lines held at every instant (live contacts from arrival to
  end, dials from the dial's start to its end) never exceed the count; every blocked dial found
  them all held;
- PASTA (Poisson arrivals see time averages): the share of first attempts blocked equals the
  share of time every line is held, counted *with* the dials (paired per day, 99% interval);
  counted without them the time share is visibly smaller (the test sees dials left off);
- lines that never bind change nothing: every per-slot figure equals the run without lines.

The center: 6 agents answer voice first, then email (agents freed from an email, which holds no
line, take the next voice item, a callback keeping its caller's place among them, while waiting
callers may hold every line: that is when a dial is blocked).

Every run here is audited (tests/conftest.py sets STAFFSIM_AUDIT=1): per agent logged-in = busy
+ idle + break at every instant, logins only inside the roster's windows, lines held = line-
holding attempts waiting or in service, callbacks conserved.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DRAW_FIELDS, channel_draws, trace
from scipy import stats

from staffsim import scenario_from_dict, simulate

N, LINES, LAM_H, LAM_EMAIL, DAYS = 6, 8, 90.0, 24.0, 10
CALLBACKS = {"offer_when": {"position": 1}, "accept": 0.6, "keep_place": True, "connect_time": "20s",
             "no_answer": 0.2, "max_attempts": 3, "retry_delay": "3min"}


def center(lines: int | None = LINES, callbacks: bool = True, reps: int = DAYS):
    voice = {"volume": [LAM_H] * 24, "handle_time": {"dist": "exponential", "mean": 180},
             "patience": {"dist": "exponential", "mean": 120},
             "target": {"service_level": 0.8, "threshold": 20}}
    if callbacks:
        voice["callbacks"] = CALLBACKS
    data = {"name": "callback-lines", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
            "channels": {"voice": voice,
                         "email": {"volume": [LAM_EMAIL] * 24, "handle_time": {"dist": "exponential", "mean": 300},
                                   "target": {"service_level": 0.8, "threshold": "8h"}}},
            "agents": [{"group": "team", "skills": ["voice", "email"],
                        "shifts": [{"start": "00:00", "end": "24:00", "agents": N}]}],
            "run": {"replications": reps, "seed": 5, "drain": 0}}
    if lines is not None:
        data["lines"] = {"count": lines, "channels": ["voice"]}
    return scenario_from_dict(data)


def held_intervals(log, with_dials: bool = True):
    """(start, end) of every line held (``end`` the run's end when still held)."""
    flags = np.asarray(log.extra["flags"])
    holds = (flags & 2) > 0
    dial = np.asarray(log.kind) == 4
    start = np.where(dial, log.answer, log.arrival)
    end = np.where(np.isnan(log.end), log.run_end, log.end)
    keep = holds & (with_dials | ~dial)
    return start[keep], end[keep]


def held_at(starts, ends, t):
    """Lines held at instant ``t`` (a line given back at t is free at t)."""
    return int(((starts <= t) & (ends > t)).sum())


def all_held_share(starts, ends, lo, hi, count):
    """Share of [lo, hi) during which ``count`` lines are held."""
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # at one instant a line given back before one taken
    times, level = times[order], np.cumsum(steps[order])
    edges = np.clip(np.append(times, hi), lo, hi)
    return float(np.diff(edges)[level >= count].sum()) / (hi - lo)


@pytest.fixture(scope="module")
def logs():
    sc = center()
    return [trace(sc, rep=r, seed=5) for r in range(DAYS)]


def test_dials_hold_lines_and_are_blocked_when_all_are_held(logs):
    blocked_dials = holding_dials = 0
    for log in logs:
        s, e = held_intervals(log)
        times = np.sort(np.concatenate([s, e]))
        assert max(held_at(s, e, t) for t in times) <= LINES
        flags, kind = np.asarray(log.extra["flags"]), np.asarray(log.kind)
        dial = kind == 4
        busy = dial & ((flags & 4) > 0)
        for t in log.answer[busy]:
            assert held_at(s, e, t) == LINES  # found every line held
        for t in log.answer[dial & ((flags & 2) > 0)]:
            assert held_at(s, e, t) <= LINES
        assert np.isin(log.state[busy], (8, 9)).all()  # counted a dial not answered
        assert np.allclose(log.end[busy] - log.answer[busy], 20.0)  # the connect time lost
        blocked_dials += int(busy.sum())
        holding_dials += int((dial & ((flags & 2) > 0)).sum())
    assert blocked_dials > 0 and holding_dials > 0  # both happen in this center


def test_blocking_seen_by_arrivals_is_the_time_all_lines_are_held(logs):
    diff, diff_without = [], []
    for log in logs:
        first = (np.asarray(log.kind) == 0) & (np.asarray(log.channel) == 0)
        seen = float((log.state[first] == 10).mean())
        diff.append(seen - all_held_share(*held_intervals(log), 0.0, 86400.0, LINES))
        diff_without.append(seen - all_held_share(*held_intervals(log, False), 0.0, 86400.0, LINES))
    d = np.asarray(diff)
    h = stats.t.ppf(0.995, DAYS - 1) * d.std(ddof=1) / np.sqrt(DAYS)
    assert abs(d.mean()) < h, (d.mean(), h)
    w = np.asarray(diff_without)
    assert w.mean() > h + stats.t.ppf(0.995, DAYS - 1) * w.std(ddof=1) / np.sqrt(DAYS)


def test_conservation_with_callbacks_on_lines():
    pr = simulate(center(reps=3), replications=3).per_replication
    v = pr[pr["channel"] == "voice"]
    left = (v["deflected"] + v["answered"] + v["abandoned"] + v["blocked"] + v["callbacks_accepted"]
            + v["unfinished"])  # (no balking here)
    assert np.array_equal(v["offered"].to_numpy(), left.to_numpy())
    assert (v["blocked"] > 0).all() and (v["callbacks_accepted"] > 0).all()


def test_lines_that_never_bind_change_nothing():
    a = simulate(center(lines=100_000, reps=3), replications=3).slots
    b = simulate(center(lines=None, reps=3), replications=3).slots
    shared = [c for c in b.columns if c in a.columns]
    assert (a["blocked"].fillna(0) == 0).all()
    assert a[shared].equals(b[shared])


@pytest.mark.parametrize("change", [{"lines": {"count": LINES, "channels": ["voice"]}},
                                    {"channels.voice.callbacks": CALLBACKS}])
def test_lines_and_callbacks_move_no_draw(change):
    """Turning lines or callbacks on leaves every contact's drawn arrival, handle time, patience
    and retrial values as they were (callbacks add their own accept and answer draws)."""
    base = center(lines=None, callbacks=False, reps=1)
    varied = base.with_overrides(change)
    for name in ("voice", "email"):
        x, y = channel_draws(base, name, 3, 2), channel_draws(varied, name, 3, 2)
        for f in DRAW_FIELDS:
            if f not in ("accept_u", "answer_u"):
                assert np.array_equal(getattr(x, f), getattr(y, f)), (name, f)
