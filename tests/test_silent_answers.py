"""Silent wrong answers (issue 22): each case here gave a plausible but wrong figure, with no
error, before it was fixed. The expected values are worked out by hand in each test."""

import numpy as np
import pytest

from staffsim import InputError, scenario_from_dict, simulate


def _booked(times, *, grace, no_show=1.0, end="11:00", drain=0, agents=1):
    """``agents`` agents (default one), appointments booked at ``times``, 20-minute appointments, no live work."""
    return scenario_from_dict({
        "name": "grace past the end",
        "horizon": {"start": "08:00", "end": end, "slot": "1h"},
        "channels": {"video": {"kind": "appointment", "booked": list(times),
                               "length": {"dist": "deterministic", "mean": 1200},
                               "no_show": no_show, "grace": grace,
                               "target": {"service_level": 0.9, "threshold": "2min"}}},
        "agents": [{"group": "team", "skills": ["video"],
                    "shifts": [{"start": "08:00", "end": end, "agents": agents}]}],
        "run": {"replications": 1, "seed": 1, "drain": drain},
    })


def test_a_no_show_whose_grace_runs_past_the_end_of_the_run_is_a_no_show(monkeypatch):
    # every customer stays away (no_show 1); the agent waits 61 minutes for each. The 09:00
    # booking is given up at 10:01; the 10:30 booking's grace would end at 11:31, after the run
    # (close 11:00, no drain): it was counted as a show before (answered 1, show rate 1).
    monkeypatch.setenv("STAFFSIM_AUDIT", "1")
    sc = _booked(["09:00", "10:30"], grace="61min")
    row = simulate(sc, replications=1).per_replication.set_index("channel").loc["video"]
    assert row["no_shows"] == 2
    assert row["shows"] == 0
    assert row["answered"] == 0
    # agent minutes lost: 61 for the first, 30 (10:30 to the end of the run at 11:00) for the second
    assert row["no_show_minutes"] == pytest.approx(61 + 30, abs=1e-9)


def test_no_shows_do_not_depend_on_the_grace_when_nobody_comes(monkeypatch):
    # six bookings, six agents (each booking is taken at its time), nobody comes: six no-shows
    # whatever the grace (45 minutes used to give 3.25 of 6 in a day like this)
    monkeypatch.setenv("STAFFSIM_AUDIT", "1")
    times = ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]
    for grace in ("5min", "45min", "61min", "3h"):
        row = simulate(_booked(times, grace=grace, agents=6), replications=1).per_replication \
            .set_index("channel").loc["video"]
        assert (row["no_shows"], row["shows"], row["answered"]) == (6, 0, 0), grace


def test_a_customer_who_comes_is_still_a_show():
    row = simulate(_booked(["10:30"], grace="61min", no_show=0.0), replications=1) \
        .per_replication.set_index("channel").loc["video"]
    assert (row["shows"], row["no_shows"]) == (1, 0)


def test_an_infinite_grace_is_refused_naming_the_field():
    with pytest.raises(InputError, match=r"grace.*finite"):
        _booked(["09:00"], grace="inf")
    with pytest.raises(InputError, match=r"grace.*finite"):
        _booked(["09:00"], grace=float("inf"))


# --- capacity: a huge max_class gave "no new classes" while short 51 of 52 weeks -------------

def _hiring_plan(max_class):
    # 1,500 hours a week to cover with 30 people of 37.5 hours, 10% shrinkage: 30 x 37.5 x 0.9 =
    # 1,012.5 hours, short from week 1. A class may start from week 2 (lead 1 week, no training):
    # only week 1 is out of reach, so the plan must close weeks 2-52.
    return {"name": "t", "start_date": "2027-01-04", "weeks": 52, "fte_hours": 37.5,
            "teams": {"front": {"required_hours": 1500,
                                "shrinkage": {"holidays": 0.06, "sickness": 0.04}, "headcount": 30,
                                "hiring": {"lead_weeks": 1, "min_class": 1, "max_class": max_class,
                                           "cost_per_hire": 500, "cost_per_hour": 25}}}}


def test_the_largest_class_allowed_still_closes_every_reachable_week():
    from staffsim import capacity
    from staffsim.limits import MAX_CLASS_SIZE
    for max_class in (30, MAX_CLASS_SIZE):
        res = capacity(_hiring_plan(max_class))
        rec = res.recommended[res.recommended["team"] == "front"]
        short = rec["short_fte"].to_numpy()
        assert short[0] > 0 and (short[1:] < 1e-6).all(), max_class
        # (1500 / (37.5 x 0.9) = 44.44 people needed: 15 hires on top of 30)
        assert res.classes["size"].sum() == 15


def test_a_max_class_beyond_the_stated_limit_is_refused_naming_the_field():
    from staffsim import capacity
    with pytest.raises(InputError, match=r"teams\.front\.hiring\.max_class: .*10000"):
        capacity(_hiring_plan(10**8))
