"""Issue 20, item 8: agent choice (``random_free``, ``least_occupied``) on an appointment channel.

Booked work still comes first for a freed agent (queue order); agent choice only says which idle
agent takes an appointment at its booked time. Oracle: one booking an hour, each over well before
the next (length 10 min, grace 5 min), so at every booked time all 5 agents of the two teams (2 and
3) are idle: ``random_free`` gives team A each appointment with probability 2/5 (binomial, 99%; a choice of
team at even odds, 1/2, lies outside the interval), and a sequence of teams unlike
``longest_idle``'s fixed rotation. The runs
are audited (tests/conftest.py); the choice's draws come from the channel's own stream, so the
bookings' draws do not move (checked).
"""

from __future__ import annotations

import numpy as np
from helpers import DRAW_FIELDS, channel_draws, trace
from scipy import stats

from staffsim import scenario_from_dict

REPS = 12


def booked(choice: str):
    return scenario_from_dict({
        "name": "appointment-choice", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"video": {"kind": "appointment", "bookings": [1] * 24,
                               "length": {"dist": "deterministic", "mean": 600}, "grace": "5min",
                               "no_show": 0.1, "agent_choice": choice,
                               "target": {"service_level": 0.9, "threshold": 120}}},
        "agents": [{"group": "A", "skills": ["video"], "shifts": [{"start": "00:00", "end": "24:00", "agents": 2}]},
                   {"group": "B", "skills": ["video"], "shifts": [{"start": "00:00", "end": "24:00", "agents": 3}]}],
        "run": {"replications": REPS, "seed": 8, "drain": 0}})


def test_random_free_picks_a_team_in_proportion_to_its_idle_agents():
    groups = np.concatenate([trace(booked("random_free"), rep=r, seed=8).group for r in range(REPS)])
    assert len(groups) == 24 * REPS and (groups >= 0).all()
    share = (groups == 0).mean()
    h = stats.norm.ppf(0.995) * np.sqrt(0.4 * 0.6 / len(groups))
    assert abs(share - 0.4) < h, (share, h)
    assert abs(0.5 - 0.4) > h
    rotation = trace(booked("longest_idle"), rep=0, seed=8).group
    assert not np.array_equal(groups[:24], rotation)


def test_least_occupied_spreads_appointments_over_the_agents():
    """least_occupied: the agent with the least occupancy takes the next booking: every agent gets
    its turn before anyone gets a second (5 agents, 24 bookings: 4 or 5 each, team A 9 or 10)."""
    log = trace(booked("least_occupied"), rep=0, seed=8)
    assert (log.group == 0).sum() in (9, 10)


def test_choice_moves_no_booking_draw():
    a, b = channel_draws(booked("random_free"), "video", 8, 3), channel_draws(booked("longest_idle"), "video", 8, 3)
    for f in DRAW_FIELDS:
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
