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
