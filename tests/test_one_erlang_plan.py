"""One Erlang plan per channel (issue 21, item 6): ``run``'s plan, ``staffing: plan`` and
``requirement --method erlang`` plan a backlog channel (email) the same way, as backlog work; and
that plan answers the work in time, checked from the model's statement (docs/tutorials/plan-a-day.md,
"Backlog channels in the plan"), not from the code's output.

Before the change ``run``'s plan and ``staffing: plan`` staffed email as a queue per slot (Erlang C
with the 2-hour threshold), which the first test catches (run on main: 10 agents at 08:00 in run's plan, 4 in the
requirement).
"""

import math

import numpy as np
import pytest

from staffsim import plan_for, requirement, scenario_from_dict, simulate
from staffsim.erlang_plan import backlog_channel_plan, is_backlog, late_slots
from staffsim.models.staffing import scheduled_agents

L = 1800.0
EMAIL_VOLUME = [40, 30, 20, 10, 5, 5, 5, 5]  # a morning batch, per half hour, 08:00-12:00
AHT = 420.0
SHARE = 0.9
TAU = 7200.0  # 2 h: 4 slots, a backlog threshold (BACKLOG_SLOTS = 4)
SHRINK = 0.25

SCENARIO = {
    "name": "email backlog",
    "horizon": {"start": "08:00", "end": "12:00", "slot": "30min", "days": 2},
    "channels": {
        "voice": {"volume": [30, 40, 40, 35, 30, 30, 25, 20], "handle_time": {"dist": "exponential", "mean": 240},
                  "patience": {"dist": "exponential", "mean": 120},
                  "target": {"service_level": 0.8, "threshold": 20}},
        "email": {"volume": EMAIL_VOLUME, "handle_time": AHT,
                  "target": {"service_level": SHARE, "threshold": "2h"}},
    },
    "agents": [
        {"group": "front", "skills": ["voice"],
         "shifts": [{"start": "08:00", "end": "12:00", "agents": 8}]},
        {"group": "back", "skills": ["email"], "staffing": "plan", "shrinkage": SHRINK},
    ],
    "run": {"replications": 1, "seed": 3, "drain": "2h"},
}


@pytest.fixture(scope="module")
def sc():
    return scenario_from_dict(SCENARIO)


@pytest.fixture(scope="module")
def run(sc):
    return simulate(sc, replications=1, seed=3, jobs=1, progress=False)


def email_agents(plan):
    return plan.loc[plan["channel"] == "email", "agents"].to_numpy(np.int64)


def test_run_plan_staffing_plan_and_requirement_agree(sc, run):
    assert is_backlog(sc, "email") and not is_backlog(sc, "voice")
    planned = email_agents(plan_for(sc))
    # run's plan (what `staffsim run` prints and writes as plan.csv)
    np.testing.assert_array_equal(email_agents(run.plan), planned)
    # requirement --method erlang: the back team serves email only
    req = requirement(sc, method="erlang").agents()["back"]
    np.testing.assert_array_equal(req, planned)
    # staffing: plan: the simulated group logs in the plan's agents, grossed up for shrinkage
    groups = run.groups[run.groups["group"] == "back"]
    np.testing.assert_array_equal(groups["scheduled"].to_numpy(float),
                                  scheduled_agents(planned, SHRINK).astype(float))
    # the backlog plan, not a queue per slot: level through the morning batch (the Erlang C plan
    # of the 08:00 slot alone needs more than the 40 x 420 s / 1800 s = 9.33 Erlangs offered)
    assert planned[0] < 40 * AHT / L
    plan = plan_for(sc)
    rows = plan[plan["channel"] == "email"]
    assert (rows["binding"][rows["agents"] > 0] == "backlog").all()
    assert (rows["service_level"] >= SHARE - 1e-12).all() and (rows["occupancy"] <= 1 + 1e-12).all()


def test_voice_plan_is_erlang_per_slot(sc):
    """Voice keeps its Erlang A plan (the same rows as a scenario without email)."""
    alone = scenario_from_dict({**SCENARIO, "channels": {"voice": SCENARIO["channels"]["voice"]},
                                "agents": [SCENARIO["agents"][0]]})
    a, b = plan_for(sc), plan_for(alone)
    cols = ["volume", "aht_s", "traffic", "agents", "service_level", "asa_s", "p_abandon", "occupancy"]
    np.testing.assert_array_equal(a.loc[a["channel"] == "voice", cols].to_numpy(float),
                                  b.loc[b["channel"] == "voice", cols].to_numpy(float))


def test_backlog_plan_answers_the_work_within_the_deadline(sc):
    """From the model's statement: work w_j = volume x AHT arrives in slot j; n_j agents answer
    n_j L u of it in arrival order (u = 1, no occupancy cap); slot k's first SHARE of work, after
    all earlier work, is answered by the end of the last slot ending by t_k + threshold (the close
    of the day when later). Nights are closed: nothing is answered overnight."""
    agents = email_agents(plan_for(sc))
    h = sc.spec.horizon
    starts = h.slot_starts()
    work = np.tile(np.array(EMAIL_VOLUME, float), 2) * AHT
    assert len(agents) == len(work) == 16
    done, answered = 0.0, []
    arrived = np.cumsum(work)
    for j in range(len(work)):
        done = min(arrived[j], done + agents[j] * L)
        answered.append(done)
    for k in range(len(work)):
        ends = [j for j in range(len(work)) if starts[j] + L <= starts[k] + TAU + 1e-9]
        e = max(max(ends), k)
        assert answered[e] >= arrived[k] - work[k] + SHARE * work[k] - 1e-6, f"slot {k} late"
    # the day-1 deadlines all fall by 12:00 of day 1 (2 h threshold, last arrival 11:30): every
    # slot's share of day 1 is answered on day 1, in at least the agent-slots that work needs
    day1 = work[:8]
    need = day1[:7].sum() + SHARE * day1[7]
    assert agents[:8].sum() * L >= need
    # and no more than that, rounded up, when no agent idles (the fluid keeps all of them busy)
    busy = np.diff(np.concatenate([[0.0], answered]))
    if np.allclose(busy[:8], agents[:8] * L):
        assert agents[:8].sum() == math.ceil(need / L - 1e-9)


def test_late_slots_by_the_backlog_model(sc):
    """The forecast-error check of a backlog channel: the plan's agents are on time at the plan's
    own work and late somewhere when the work is half as much again."""
    plan = backlog_channel_plan(sc, "email")
    work = np.diff(np.concatenate([[0.0], plan.arrived]))
    assert not late_slots(sc, "email", plan.agents, work).any()
    assert late_slots(sc, "email", plan.agents, 1.5 * work).any()
    assert not late_slots(sc, "email", plan.agents, 0.5 * work).any()


def test_backlog_work_counts_after_contact_work():
    """An agent's time per email is its handle time plus its after-contact work (as the Erlang
    plan's load counts it); before, the backlog plan of a constant-AHT channel left the wrap-up out."""
    data = {**SCENARIO, "channels": {**SCENARIO["channels"],
                                     "email": {**SCENARIO["channels"]["email"], "after_work": 60}}}
    sc = scenario_from_dict(data)
    plan = backlog_channel_plan(sc, "email")
    np.testing.assert_allclose(plan.arrived[-1], 2 * sum(EMAIL_VOLUME) * (AHT + 60.0), rtol=1e-12)
    np.testing.assert_array_equal(email_agents(plan_for(sc)), plan.agents)
