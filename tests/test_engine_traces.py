"""Exact event traces on tiny hand-checkable cases (one agent, deterministic times)."""

import math

import numpy as np
import pytest
from helpers import channel_draws, one_queue, trace


def clock(h, m, s=0):
    return h * 3600.0 + m * 60 + s


def test_fifo_single_agent_trace():
    sc = one_queue(arrivals=["08:00", "08:01", "08:02"], handle=300.0)
    log = trace(sc)
    assert list(log.answer) == [clock(8, 0), clock(8, 5), clock(8, 10)]
    assert list(log.end) == [clock(8, 5), clock(8, 10), clock(8, 15)]
    assert list(log.state) == [2, 2, 2]


def test_break_does_not_preempt_and_is_taken_in_full():
    # the agent is busy 08:05-08:15 when the 08:10 break is due: break 08:15-08:25
    sc = one_queue(arrivals=["08:05", "08:12"], handle=600.0,
                   shifts=[{"start": "08:00", "end": "09:00", "agents": 1,
                            "breaks": [{"start": "08:10", "length": "10min"}]}])
    log = trace(sc)
    assert log.answer[0] == clock(8, 5) and log.end[0] == clock(8, 15)
    assert log.answer[1] == clock(8, 25)  # waited for the delayed break to end
    t, d = log.levels["on_break"][0]
    assert list(t) == [clock(8, 15), clock(8, 25)] and list(d) == [1, -1]


def test_a_late_break_overlapping_the_next_one_is_followed_by_it():
    # busy 08:05-08:35, so the 08:10 break runs 08:35-08:45 and the 08:40 break is due during it:
    # it follows at 08:45 (before: the agent entered "on break" twice, an invariant violation)
    sc = one_queue(arrivals=["08:05", "08:36"], handle=1800.0,
                   shifts=[{"start": "08:00", "end": "09:00", "agents": 1,
                            "breaks": [{"start": "08:10", "length": "10min"},
                                       {"start": "08:40", "length": "10min"}]}])
    log = trace(sc)
    assert log.end[0] == clock(8, 35)
    t, d = log.levels["on_break"][0]
    assert list(t) == [clock(8, 35), clock(8, 45), clock(8, 45), clock(8, 55)]
    assert list(d) == [1, -1, 1, -1]
    assert log.answer[1] == clock(8, 55)  # the second caller waits for both breaks


def test_shift_end_does_not_preempt():
    # shift ends 08:30 while the agent is on a call until 08:35; the 08:28 caller is never answered
    sc = one_queue(arrivals=["08:25", "08:28"], handle=600.0,
                   shifts=[{"start": "08:00", "end": "08:30", "agents": 1}])
    log = trace(sc)
    assert log.end[0] == clock(8, 35)
    assert log.state[1] == 0 and math.isnan(log.answer[1])  # unfinished
    t, d = log.levels["logged_in"][0]
    assert list(t) == [clock(8, 0), clock(8, 35)] and list(d) == [1, -1]


def test_patience_tie_goes_to_the_agent_and_loses_no_agent():
    # B's patience (300 s) runs out at 08:05, the instant A's call ends: the agent answers B
    sc = one_queue(arrivals=["08:00", "08:00", "08:20"], handle=300.0, patience=300.0)
    log = trace(sc)
    assert list(log.state) == [2, 2, 2]
    assert log.answer[1] == clock(8, 5)
    assert log.answer[2] == clock(8, 20)  # the agent is free again, not lost


def test_patience_one_second_short_abandons():
    sc = one_queue(arrivals=["08:00", "08:00"], handle=300.0, patience=299.0)
    log = trace(sc)
    assert log.state[1] == 3 and log.end[1] == clock(8, 4, 59)


def test_retrial_timing():
    # B abandons at 08:02 (patience 60 s), retries 120 s later at 08:04, abandons again at 08:05;
    # max_attempts 2: no third attempt
    sc = one_queue(arrivals=["08:00", "08:01"], handle=1200.0, patience=60.0,
                   retrial={"probability": 1.0, "delay": {"dist": "deterministic", "mean": 120},
                            "max_attempts": 2})
    log = trace(sc)
    b = np.flatnonzero(log.contact == 1)
    assert len(b) == 2
    assert list(log.kind[b]) == [0, 1] and list(log.attempt[b]) == [0, 1]
    assert list(log.arrival[b]) == [clock(8, 1), clock(8, 4)]
    assert list(log.end[b]) == [clock(8, 2), clock(8, 5)]
    assert list(log.state[b]) == [3, 3]


def test_retry_after_closing_does_not_happen():
    sc = one_queue(arrivals=["08:00", "08:58"], handle=1800.0, patience=60.0,
                   retrial={"probability": 1.0, "delay": {"dist": "deterministic", "mean": 300}})
    log = trace(sc)
    assert len(log) == 2  # the 09:04 retry falls after closing


def test_email_carries_over_to_the_next_day():
    # no patience: an email arriving after the agent left waits for the next morning
    sc = one_queue(arrivals=[clock(8, 40)], handle=600.0, days=2,
                   shifts=[{"start": "08:00", "end": "08:30", "agents": 1}])
    log = trace(sc)
    assert log.state[0] == 2
    assert log.answer[0] == 86400 + clock(8, 0)


def test_drain_serves_the_queue_after_closing():
    sc = one_queue(arrivals=["08:58", "08:59"], handle=600.0, run={"replications": 1, "seed": 1, "drain": "1h"})
    log = trace(sc)
    assert list(log.answer) == [clock(8, 58), clock(9, 8)]
    t, d = log.levels["logged_in"][0]
    assert t[-1] == clock(9, 18) and d[-1] == -1  # logs off when the queue is empty


def test_drain_limit_leaves_contacts_unfinished():
    sc = one_queue(arrivals=["08:58", "08:59", "08:59"], handle=600.0,
                   run={"replications": 1, "seed": 1, "drain": "15min"})
    log = trace(sc)
    assert list(log.state) == [2, 1, 0]  # second in service at the limit, third never answered


def test_self_service_deflects_and_uplifts():
    sc = one_queue(arrivals=["08:00", "08:10", "08:20", "08:30"], handle=100.0,
                   self_service={"deflection": 0.5, "handle_time_uplift": 0.2})
    log = trace(sc)
    deflected = log.state == 4
    u = channel_draws(sc, "q", 1, 0).deflect_u
    assert list(deflected) == list(u < 0.5)  # contained exactly when its draw u < deflection
    assert np.allclose(log.handle[~deflected], 120.0)  # the rest take 20% longer


def test_chat_concurrency_and_stretch():
    # one agent, 3 chats at once, stretch 1.5: the m-th concurrent chat lasts 1 + 0.5 m / 2 longer
    sc = one_queue(arrivals=["08:00", "08:00", "08:00", "08:00"], handle=100.0, concurrency=3,
                   concurrency_stretch=1.5)
    log = trace(sc)
    assert list(log.answer[:3]) == [clock(8, 0)] * 3
    assert list(log.handle[:3]) == [100.0, 125.0, 150.0]
    assert log.answer[3] == clock(8, 0) + 100.0  # the first chat ends; the agent then holds 2
    assert log.handle[3] == 150.0


def test_priority_routing_and_blending():
    # the agent ranks voice above chat; a freed agent takes waiting voice before waiting chat
    sc = one_queue(arrivals=["08:00", "08:01"], handle=300.0, skills=["q", "chat"],
                   extra_channel={"chat": {"arrivals": ["08:00:30"], "handle_time": 60,
                                           "target": {"service_level": 0.8, "threshold": 60}}})
    log = trace(sc)
    order = np.argsort(log.answer)
    names = np.array(log.channels)[log.channel[order]]
    assert list(names) == ["q", "q", "chat"]  # the 08:01 voice call beats the 08:00:30 chat


def test_absence_removes_whole_agents_for_the_day():
    sc = one_queue(volume_per_hour=10, agents=50, handle=60.0)
    data = sc.raw_copy()
    data["absence"] = 0.5
    from staffsim import scenario_from_dict
    log = trace(scenario_from_dict(data))
    t, d = log.levels["logged_in"][0]
    present = int(d[d > 0].sum())
    assert 10 < present < 40  # Binomial(50, 0.5): about 25 show up
    assert log.scheduled_s[0].sum() == pytest.approx(present * 3600.0)


def test_staffing_by_slot_logs_in_the_listed_agents():
    # a list of agents per slot: exactly that many logged in, no breaks; paid = gross headcount
    from staffsim import simulate

    sc = one_queue(arrivals=["08:10"], handle=60.0, start="08:00", end="09:30", slot="30min",
                   run={"replications": 1, "seed": 1, "drain": 0})
    sc = sc.with_overrides({"agents.0.shifts": None, "agents.0.staffing": [2, 0, 3],
                            "agents.0.shrinkage": 0.25})
    result = simulate(sc, jobs=1)
    assert list(result.groups["staffed"]) == [2.0, 0.0, 3.0]
    assert list(result.groups["scheduled"]) == [3.0, 0.0, 4.0]  # ceil(n / 0.75)
    assert result.per_replication.loc[0, "paid_agent_hours"] == (3 + 0 + 4) * 0.5
