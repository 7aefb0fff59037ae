"""Appointments: exact traces on one-agent cases (forced shows and no-shows through
probabilities 1 and 0), the no-show rate against its formula, common random numbers, the plan,
the shipped example's "send reminders?" comparison, and bad input."""

import re

import numpy as np
import pytest
import yaml
from helpers import trace
from scipy import stats

from staffsim import InputError, load_scenario, scenario_from_dict, simulate
from staffsim.cli import main
from staffsim.engine.core import NO_SHOW
from staffsim.experiment import plan_for


def clock(h, m, s=0):
    return h * 3600.0 + m * 60 + s


def fixed(seconds):
    return {"dist": "deterministic", "mean": seconds}


def booked(times=("09:00",), calls=(), *, no_show=0.0, grace="10min", length=1200, lateness=None,
           reminders=None, value=0.0, call_handle=300, start="08:00", end="11:00", agents=1, **video):
    """One agent with skills [q, video] (live first in its list: appointments go first anyway)."""
    v = {"kind": "appointment", "booked": list(times), "length": fixed(length), "no_show": no_show,
         "grace": grace, "target": {"service_level": 0.9, "threshold": "2min"}, "value": value, **video}
    if lateness is not None:
        v["lateness"] = fixed(lateness)
    if reminders is not None:
        v["reminders"] = reminders
    return scenario_from_dict({
        "name": "appointments",
        "horizon": {"start": start, "end": end, "slot": "1h"},
        "channels": {"q": {"arrivals": list(calls), "handle_time": fixed(call_handle),
                           "target": {"service_level": 0.8, "threshold": 20}},
                     "video": v},
        "agents": [{"group": "team", "skills": ["q", "video"],
                    "shifts": [{"start": start, "end": end, "agents": agents}]}],
        "costs": {"currency": "EUR"},
        "run": {"replications": 1, "seed": 1, "drain": 0},
    })


def rows(log):
    """(channel, arrival, answer, end, state) per attempt, channel 0 = q, 1 = video."""
    return [(int(c), a, b, e, int(s)) for c, a, b, e, s in
            zip(log.channel, log.arrival, log.answer, log.end, log.state)]


def horizon(sc):
    return simulate(sc, replications=1).per_replication.set_index("channel")


def test_no_show_holds_the_agent_for_grace_then_frees_it_for_another_skill():
    sc = booked(calls=["09:02"], no_show=1.0)
    log = trace(sc)
    assert rows(log) == [(1, clock(9, 0), clock(9, 0), clock(9, 10), NO_SHOW),
                         (0, clock(9, 2), clock(9, 10), clock(9, 15), 2)]
    t, d = log.levels["busy"][0]
    assert list(zip(t, d)) == [(clock(9, 0), 1), (clock(9, 10), -1), (clock(9, 10), 1), (clock(9, 15), -1)]
    video = horizon(sc).loc["video"]
    assert video["no_shows"] == 1 and video["shows"] == 0 and video["no_show_minutes"] == 10
    assert video["offered"] == video["answered"] + video["no_shows"] + video["unfinished"]


def test_show_is_served_for_its_length():
    sc = booked(calls=["09:02"], no_show=0.0)
    log = trace(sc)
    assert rows(log) == [(1, clock(9, 0), clock(9, 0), clock(9, 20), 2),
                         (0, clock(9, 2), clock(9, 20), clock(9, 25), 2)]
    video = horizon(sc).loc["video"]
    assert video["shows"] == 1 and video["no_shows"] == 0 and video["appointment_wait_s"] == 0


def test_booked_work_goes_first_and_the_customer_waits_for_a_busy_agent():
    # the agent is on a call 08:50-09:05; a second call waits from 08:58; the 09:00 appointment
    # is taken first at 09:05 (the customer waited 5 minutes), the waiting call after it
    sc = booked(calls=["08:50", "08:58"], call_handle=900)
    log = trace(sc)
    assert rows(log) == [(0, clock(8, 50), clock(8, 50), clock(9, 5), 2),
                         (0, clock(8, 58), clock(9, 25), clock(9, 40), 2),
                         (1, clock(9, 0), clock(9, 5), clock(9, 25), 2)]
    video = horizon(sc).loc["video"]
    assert video["appointment_wait_s"] == 300 and video["asa_s"] == 300


@pytest.mark.parametrize("late,served_until,state", [(180, clock(9, 23), 2), (900, clock(9, 10), NO_SHOW)])
def test_a_late_customer_is_waited_for_up_to_grace(late, served_until, state):
    # 3 minutes late: the agent waits, serves 09:03-09:23; 15 minutes late (> grace 10): the
    # agent gives up at 09:10 and the appointment is a no-show
    log = trace(booked(lateness=late))
    assert rows(log) == [(1, clock(9, 0), clock(9, 0), served_until, state)]
    assert log.extra["customer_arrival"][0] == clock(9, 0) + late


def test_a_late_agent_still_finds_a_customer_who_came_late():
    # the agent frees at 09:12; the customer came 09:08 (after grace from 09:00, but within
    # grace of when the agent could take it): served, having waited 4 minutes
    sc = booked(calls=["08:50"], call_handle=1320, lateness=480, grace="5min")
    log = trace(sc)
    assert rows(log)[1] == (1, clock(9, 0), clock(9, 12), clock(9, 32), 2)
    assert horizon(sc).loc["video", "appointment_wait_s"] == 240


@pytest.mark.parametrize("reach,state", [(1.0, 2), (0.0, NO_SHOW)])
def test_a_reminder_that_reaches_the_customer_changes_the_no_show_probability(reach, state):
    sc = booked(no_show=1.0, reminders={"reach": reach, "no_show_if_reminded": 0.0, "cost": 0.07}, value=50)
    log = trace(sc)
    assert log.state[0] == state and log.extra["reminded"][0] == (reach == 1.0)
    video = horizon(sc).loc["video"]
    assert video["reminders_sent"] == 1 and video["reminder_cost"] == pytest.approx(0.07)
    assert video["appointment_value"] == (50 if state == 2 else 0)
    assert video["cost"] == pytest.approx(0.07 - video["appointment_value"])  # no agent pay set


def test_appointment_due_at_the_shift_start_is_served_on_time():
    log = trace(booked(times=["08:00"]))
    assert rows(log) == [(1, clock(8, 0), clock(8, 0), clock(8, 20), 2)]


def test_bookings_per_slot_on_a_grid_and_overbooking():
    # 3, 0 and 2 bookings per hour on a 20-minute grid, one extra booking in slots with bookings
    data = booked().raw_copy()
    video = data["channels"]["video"]
    del video["booked"]
    video.update(bookings=[3, 0, 2], booking_interval="20min", overbooking={"extra": 1})
    data["agents"][0]["shifts"][0]["agents"] = 4
    sc = scenario_from_dict(data)
    assert list(sc.volumes["video"]) == [4, 0, 3]
    log = trace(sc)
    due = sorted(log.arrival[log.channel == 1])
    assert due == [clock(8, 0), clock(8, 0), clock(8, 20), clock(8, 40), clock(10, 0), clock(10, 20),
                   clock(10, 40)]
    plan = plan_for(sc)
    # each booking holds an agent 20 min (no no-shows): two at once at 08:00, one at a time later
    assert list(plan.loc[plan.channel == "video", "agents"]) == [2, 0, 1]


def test_more_reminder_reach_reminds_a_superset_and_no_shows_a_subset():
    data = booked(times=["09:00"] * 40, no_show=0.3, agents=40,
                  reminders={"reach": 0.3, "no_show_if_reminded": 0.1}).raw_copy()

    def outcome(reach):
        data["channels"]["video"]["reminders"]["reach"] = reach
        log = trace(scenario_from_dict(data))
        return log.extra["reminded"], log.state == NO_SHOW

    r1, n1 = outcome(0.3)
    r2, n2 = outcome(0.7)
    assert (r1 <= r2).all() and r2.sum() > r1.sum()
    assert (n2 <= n1).all() and n1.sum() > n2.sum()


def test_no_show_rate_matches_reach_formula():
    """P(no-show) = reach × no_show_if_reminded + (1 − reach) × no_show: the 99.9% interval of
    the per-replication no-show share holds it and excludes the rate at reach ± 0.25."""
    p, p_r = 0.25, 0.05
    data = {
        "name": "no-show rate", "horizon": {"start": "08:00", "end": "12:00", "slot": "1h"},
        "channels": {"video": {"kind": "appointment", "bookings": [100, 100, 100, 100], "length": fixed(240),
                               "booking_interval": "5min", "no_show": p, "grace": "1min",
                               "reminders": {"reach": 0.5, "no_show_if_reminded": p_r},
                               "target": {"service_level": 0.9, "threshold": 60}}},
        "agents": [{"group": "team", "skills": ["video"], "shifts": [{"start": "08:00", "end": "12:00", "agents": 10}]}],
        "run": {"replications": 12, "seed": 9, "drain": 0},
    }
    pr = simulate(scenario_from_dict(data), jobs=1).per_replication
    v = pr[pr.channel == "video"]
    share = (v["no_shows"] / v["offered"]).to_numpy()
    mean = share.mean()
    half = stats.t.ppf(1 - 0.0005, len(share) - 1) * share.std(ddof=1) / np.sqrt(len(share))

    def rate(reach):
        return reach * p_r + (1 - reach) * p

    assert abs(mean - rate(0.5)) <= half
    for other in (0.25, 0.75):
        assert abs(mean - rate(other)) > half
    assert (v["offered"] == v["shows"] + v["no_shows"]).all()
    assert (v["asa_s"] == 0).all()  # 9 bookings at a time, 10 agents: every one on time


def test_the_audit_catches_a_lost_repeat_and_a_wrong_grace(monkeypatch):
    from staffsim.engine import InvariantError, Replication

    sc = booked(calls=["08:10"], no_show=1.0, start="08:00", end="10:00")
    data = sc.raw_copy()
    data["channels"]["q"]["resolution"] = {"first_contact": 0.0, "repeat": 1.0, "repeat_delay": fixed(60)}
    sc = scenario_from_dict(data)
    trace(sc)  # passes as it is
    monkeypatch.setattr(Replication, "_on_repeat", lambda self, tick: None)
    with pytest.raises(InvariantError, match="1 unresolved contacts should come back"):
        trace(sc)
    monkeypatch.undo()
    original = Replication._appointment_busy
    monkeypatch.setattr(Replication, "_appointment_busy", lambda self, att, now: original(self, att, now) + 1)
    with pytest.raises(InvariantError, match="no-show held its agent other than the grace"):
        trace(sc)


def test_send_reminders_compare_is_what_the_readme_quotes(capsys, root):
    text = (root / "docs" / "tutorials" / "what-ifs.md").read_text()
    quoted = re.search(r"```\n(appointments vs appointments_no_reminders: .*)\n```", text).group(1)
    code = main(["compare", str(root / "scenarios" / "appointments_no_reminders.yaml"),
                 str(root / "scenarios" / "appointments.yaml"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and quoted in out
    assert "±" in quoted and "no-shows" in quoted and "appointment value" in quoted


BASE = {
    "name": "bad", "horizon": {"start": "08:00", "end": "10:00", "slot": "1h"},
    "channels": {
        "video": {"kind": "appointment", "bookings": [2, 2], "length": "20min", "grace": "10min",
                  "no_show": 0.2, "reminders": {"reach": 0.9, "no_show_if_reminded": 0.05},
                  "target": {"service_level": 0.9, "threshold": "2min"}},
        "voice": {"volume": [10, 10], "handle_time": 180, "target": {"service_level": 0.8, "threshold": 20}},
    },
    "agents": [{"group": "g", "skills": ["voice", "video"], "shifts": [{"start": "08:00", "end": "10:00", "agents": 3}]}],
}


@pytest.mark.parametrize("path,value,match", [
    ("no_show", 1.2, r"channels.video.no_show: must be <= 1, got 1.2"),
    ("patience", "3min", r"channels.video: patience: an appointment channel takes no patience"),
    ("reminders.reach", 1.5, r"channels.video.reminders.reach: must be <= 1, got 1.5"),
    ("reminders.reach", -0.1, r"channels.video.reminders.reach: must be >= 0, got -0.1"),
    ("bookings", [2, 2, 2], r"channels.video.bookings: has 3 values but the horizon 08:00-10:00 has 2 slots"),
    ("booked", ["07:30"], r"channels.video: an appointment channel needs either bookings"),
    ("handle_time", 300, r"channels.video: handle_time: not for appointment channels \(give length"),
    ("grace", None, r"channels.video: an appointment channel needs grace"),
    ("balking", {"by": "position", "points": [[0, 0], [5, 0.5]]},
     r"channels.video.balking: an appointment channel has no queue to segment, balk from or call back from"),
])
def test_bad_appointments_exit_2_with_one_message(capsys, tmp_path, path, value, match):
    import copy

    data = copy.deepcopy(BASE)
    node = data["channels"]["video"]
    *parents, last = path.split(".")
    for p in parents:
        node = node[p]
    if value is None:
        del node[last]
    else:
        node[last] = value
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    code = main(["validate", str(file)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert re.search(match, err), err
    with pytest.raises(InputError):
        scenario_from_dict(data)


def test_events_and_forecast_error_are_refused_on_appointment_channels():
    import copy

    data = copy.deepcopy(BASE)
    data["events"] = [{"day": 1, "start": "08:00", "end": "09:00", "channels": {"video": {"volume_factor": 2}}}]
    with pytest.raises(InputError, match=r"events.0.channels.video: an appointment channel's bookings are fixed"):
        scenario_from_dict(data)
    data = copy.deepcopy(BASE)
    data["channels"]["video"]["volume_uncertainty"] = {"cv": 0.1}
    with pytest.raises(InputError, match=r"channels.video.volume_uncertainty: an appointment channel"):
        scenario_from_dict(data)


def test_booked_times_outside_the_horizon_are_refused():
    data = {**BASE, "channels": {**BASE["channels"], "video": {
        k: v for k, v in BASE["channels"]["video"].items() if k != "bookings"} | {"booked": ["10:30"]}}}
    with pytest.raises(InputError, match=r"channels.video.booked: 10:30 is outside the opening hours"):
        scenario_from_dict(data)
    data["channels"]["voice"]["no_show"] = 0.1
    with pytest.raises(InputError, match=r"channels.voice: no_show is for appointment channels"):
        scenario_from_dict(data)


def test_shipped_example_conserves_with_no_shows(root):
    res = simulate(load_scenario(root / "scenarios" / "appointments.yaml"), replications=3)
    pr = res.per_replication
    assert np.array_equal(pr["offered"], pr["deflected"] + pr["answered"] + pr["abandoned"]
                          + pr["unfinished"] + pr["no_shows"])
    video = pr[pr.channel == "video"]
    assert (video["no_shows"] > 0).all() and (video["shows"] == video["answered"]).all()


def test_an_unresolved_appointment_comes_back_on_a_live_channel():
    # the 09:00 consultation (20 min) leaves the issue open (first_contact 0): the member calls
    # 30 minutes after it ended, at 09:50, and that call resolves it
    sc = booked(resolution={"first_contact": 0.0, "repeat": 1.0, "repeat_delay": fixed(1800),
                            "repeat_channels": {"q": 1.0}})
    log = trace(sc)
    assert rows(log) == [(1, clock(9, 0), clock(9, 0), clock(9, 20), 2),
                         (0, clock(9, 50), clock(9, 50), clock(9, 55), 2)]
    assert list(log.kind) == [0, 3] and list(log.extra["resolved"]) == [0, 1]
    assert list(log.extra["origin_channel"]) == [1, 1]


def test_a_no_show_is_not_judged_for_resolution():
    sc = booked(no_show=1.0, resolution={"first_contact": 0.0, "repeat": 1.0, "repeat_delay": fixed(60),
                                         "repeat_channels": {"q": 1.0}})
    log = trace(sc)
    assert len(log) == 1 and log.state[0] == NO_SHOW and log.extra["resolved"][0] == -1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_everything_on_conserves_and_passes_the_audit(seed):
    """Appointments (overbooked, late customers, reminders), repeats across channels with
    abandonment, retrials, self-service and chat concurrency, two days, breaks and absence: the
    audit checks every invariant and the outcomes add up."""
    data = {
        "name": "everything", "horizon": {"start": "08:00", "end": "12:00", "slot": "30min", "days": 2},
        "channels": {
            "video": {"kind": "appointment", "bookings": [3, 2, 3, 0, 2, 3, 3, 2], "booking_interval": "15min",
                      "length": {"dist": "gamma", "mean": "20min", "cv": 0.5}, "grace": "5min", "no_show": 0.3,
                      "lateness": {"dist": "exponential", "mean": "3min"}, "overbooking": {"share": 0.2},
                      "reminders": {"reach": 0.6, "no_show_if_reminded": 0.1, "cost": 0.1}, "value": 30,
                      "target": {"service_level": 0.9, "threshold": 60},
                      "resolution": {"first_contact": 0.8, "repeat_delay": "2h", "repeat_channels": {"voice": 1}}},
            "voice": {"volume": [20, 30, 25, 30, 35, 20, 15, 10], "handle_time": {"dist": "lognormal", "mean": 240, "cv": 1},
                      "patience": {"dist": "exponential", "mean": 90}, "target": {"service_level": 0.8, "threshold": 20},
                      "self_service": {"deflection": 0.2, "failure": 0.3, "failure_delay": 300},
                      "retrial": {"probability": 0.5, "delay": 120},
                      "resolution": {"first_contact": 0.7, "repeat_delay": {"dist": "gamma", "mean": "6h", "cv": 1},
                                     "repeat_channels": {"voice": 0.6, "chat": 0.4}}},
            "chat": {"volume": [10, 12, 14, 12, 10, 8, 6, 4], "handle_time": 400, "patience": 300, "concurrency": 3,
                     "target": {"service_level": 0.8, "threshold": 60},
                     "resolution": {"first_contact": 0.5, "repeat": 0.9, "repeat_delay": "1h"}},
        },
        "agents": [{"group": "front", "skills": ["voice", "chat", "video"],
                    "shifts": [{"start": "08:00", "end": "12:00", "agents": 6,
                                "breaks": [{"start": "10:00", "length": "15min"}]}]},
                   {"group": "back", "skills": ["chat", "voice"], "staffing": "plan", "shrinkage": 0.2}],
        "absence": 0.1, "costs": {"agent_hour": 30, "handled_minute": 0.02},
        "run": {"replications": 2, "seed": seed, "drain": "20min"},
    }
    res = simulate(scenario_from_dict(data), jobs=1)
    pr = res.per_replication
    assert np.array_equal(pr["offered"], pr["deflected"] + pr["answered"] + pr["abandoned"]
                          + pr["unfinished"] + pr["no_shows"])
    for balance in res.extra["group_balance"]:
        logged_in, busy, idle, brk = balance.T
        assert np.allclose(logged_in, busy + idle + brk, rtol=1e-9, atol=1e-6)
    allrow = pr[pr.channel == "all"]
    assert (allrow["repeats"] > 0).all() and (allrow["no_shows"] > 0).all()
    assert (allrow["cost"] - (allrow["agent_cost"] + allrow["abandon_cost"] + allrow["self_service_cost"]
                              + allrow["telephony_cost"] + allrow["reminder_cost"]
                              - allrow["appointment_value"])).abs().max() < 1e-6
    assert ((allrow["repeat_cost"] >= 0) & (allrow["repeat_cost"] <= allrow["agent_cost"] + allrow["telephony_cost"])).all()
