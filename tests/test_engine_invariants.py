"""The engine's invariants: the audit every test run has on, and the plan-login leak it guards.

The test suite sets ``STAFFSIM_AUDIT=1`` (conftest.py), so every replication any test simulates is
checked by :class:`staffsim.engine.Audit`. These tests pin the bug that made it necessary and show
that the audit fails when that bug is put back.
"""

import numpy as np
import pytest

from staffsim import scenario_from_dict, simulate
from staffsim.engine import InvariantError, Replication

LEAK = {
    "name": "leak repro",
    "horizon": {"start": "08:00", "end": "12:00", "slot": "15min", "days": 2},
    "channels": {"chat": {
        "volume": [30, 5] * 7 + [30, 0],
        "handle_time": {"dist": "exponential", "mean": "600s"},
        "concurrency": 2,
        "target": {"service_level": 0.8, "threshold": "60s"},
    }},
    "agents": [{"group": "team", "skills": ["chat"], "staffing": "plan"}],
    "run": {"replications": 5, "seed": 1},
}


def test_plan_staffing_logs_each_agent_in_once():
    result = simulate(scenario_from_dict(LEAK), jobs=1)
    teams = result.team_staffing()
    assert teams["plan_peak"].iloc[0] == 12
    # the time-average logged in never exceeds the plan's peak (a leaked login made it 39.7)
    assert teams["staffed_peak"].iloc[0] <= 12 + 1e-9
    # nobody is logged in before the first slot of either day: check the level at the opening
    groups = result.groups
    assert groups["staffed"].max() <= 12 + 1e-9


def test_plan_staffing_logged_in_level_per_instant():
    """The logged-in level itself, instant by instant: never more people than the plan's peak,
    and nobody left logged in overnight (the leak carried logins into the next morning)."""
    from staffsim.engine import run_replication
    from staffsim.experiment import plan_for, plan_headcount

    sc = scenario_from_dict(LEAK)
    heads = plan_headcount(sc, plan_for(sc))
    log = run_replication(sc, 1, 0, heads, keep_log=True).log
    t, d = log.levels["logged_in"][0]
    order = np.argsort(t, kind="stable")
    t, level = t[order], np.cumsum(d[order])
    assert level.max() <= heads["team"].max() == 12
    overnight = (t > 12 * 3600) & (t < 86400 + 8 * 3600)
    assert level[overnight][-1] == 0
    first_login_day2 = t[t >= 86400 + 8 * 3600][0]
    assert first_login_day2 == 86400 + 8 * 3600


def test_audit_catches_a_second_login(monkeypatch):
    """Put the shipped bug back (a login while still logged in counts the agent again): the
    audit must fail the run."""

    def old_login(self, ag, sched_end):
        if self.audit is not None:
            self.audit.window(ag, self.env.now, sched_end)
        ag.logged_in = True
        ag.sched_end = sched_end
        self._level("logged_in", ag, 1)
        self._ready(ag)

    monkeypatch.setattr(Replication, "_login", old_login)
    with pytest.raises(InvariantError, match="logged_in level 2"):
        simulate(scenario_from_dict(LEAK), replications=1, jobs=1)


def test_audit_catches_an_agent_in_limbo(monkeypatch):
    """An agent that ends a break without becoming idle or busy (logged in, doing nothing the
    KPIs count) breaks logged-in = busy + idle + break."""
    original = Replication._end_break

    def forgetful_end_break(self, tick):
        ag = tick.a
        ag.on_break = False
        self._level("on_break", ag, -1)  # ... and never calls _ready: not idle, not busy

    data = dict(LEAK, agents=[{"group": "team", "skills": ["chat"], "shifts": [
        {"start": "08:00", "end": "12:00", "agents": 3,
         "breaks": [{"start": "09:00", "length": "15min"}]}]}])
    monkeypatch.setattr(Replication, "_end_break", forgetful_end_break)
    with pytest.raises(InvariantError, match="logged in 1 but busy 0, idle 0, on break 0"):
        simulate(scenario_from_dict(data), replications=1, jobs=1)
    monkeypatch.setattr(Replication, "_end_break", original)
    simulate(scenario_from_dict(data), replications=1, jobs=1)  # and passes when mended


def test_audit_catches_an_idle_agent_past_its_shift(monkeypatch):
    """An agent that ignores its log-off and stays idle after the shift: logged in beyond what
    the roster provides."""
    data = dict(LEAK, agents=[{"group": "team", "skills": ["chat"], "shifts": [
        {"start": "08:00", "end": "10:00", "agents": 2}, {"start": "10:00", "end": "12:00", "agents": 2}]}])
    original = Replication._logoff

    def stays(self, ag):
        if self.env.now < 86400:  # day 1: stay logged in (and idle) instead of leaving
            if not ag.idle and ag.load == 0 and not ag.on_break:
                self._set_idle(ag)
            return
        original(self, ag)

    monkeypatch.setattr(Replication, "_logoff", stays)
    with pytest.raises(InvariantError, match="outside its scheduled windows|outside the start"):
        simulate(scenario_from_dict(data), replications=1, jobs=1)


@pytest.mark.parametrize("name", ["bank.yaml", "bank_callbacks.yaml", "repeat_contacts.yaml", "week.yaml"])
def test_the_engines_event_loop_is_simpys(monkeypatch, name):
    # run_until pops SimPy's queue itself and keeps the next arrival off it; SimPy's own
    # run(until) on the same events, with the arrivals on the queue, must give every count
    # identically (ties, priorities and the stop event included)
    from pathlib import Path

    import staffsim.engine.replication as replication
    from staffsim import load_scenario
    from staffsim.engine import run_replication
    from staffsim.experiment import plan_for, plan_headcount

    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / name)
    heads = plan_headcount(sc, plan_for(sc))
    ours = run_replication(sc, 7, 0, heads).counts
    monkeypatch.setattr(replication, "run_until", lambda env, until, source: env.run(until=until))
    monkeypatch.setattr(replication.Replication, "arrivals_on_queue", True)
    simpys = run_replication(sc, 7, 0, heads).counts
    assert ours.keys() == simpys.keys()
    for key, value in ours.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                np.testing.assert_array_equal(v, simpys[key][sub], err_msg=f"{key}.{sub}")
        else:
            np.testing.assert_array_equal(np.asarray(value), np.asarray(simpys[key]), err_msg=key)


def test_a_replication_leaves_no_garbage_that_grows_with_its_contacts():
    # Replication.run pauses the cyclic collector: that is safe only while the loop makes no
    # reference cycles per event. Of the cyclic garbage one replication leaves (its own object
    # graph: agents, the audit's records), no attempt or event may grow with the contacts
    # simulated; and the collector must be back on.
    import gc

    from staffsim.engine import run_replication
    from staffsim.engine.core import Attempt, Tick

    def garbage(per_slot: float) -> int:
        sc = scenario_from_dict({
            "name": "garbage",
            "horizon": {"start": "08:00", "end": "12:00", "slot": "30min"},
            "channels": {
                "voice": {"volume": [per_slot] * 8, "handle_time": {"dist": "exponential", "mean": 60},
                          "patience": {"dist": "exponential", "mean": 60},
                          "retrial": {"probability": 0.5, "delay": "2min", "max_attempts": 3},
                          "target": {"service_level": 0.8, "threshold": 20}},
                "chat": {"volume": [per_slot / 2] * 8, "handle_time": {"dist": "exponential", "mean": 120},
                         "concurrency": 2, "target": {"service_level": 0.8, "threshold": 60}}},
            "agents": [{"group": "team", "skills": ["voice", "chat"],
                        "shifts": [{"start": "08:00", "end": "12:00", "agents": 60,
                                    "breaks": [{"start": "10:00", "length": "15min"}]}]}],
            "run": {"drain": "2h"},
        })
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            run_replication(sc, 3, 0, {})
            gc.collect()
            return sum(isinstance(o, (Attempt, Tick)) for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()

    # about 700 and 7,000 attempts, all over by the end (a few stale entries may stay in the
    # lines and the event queue, which are part of the replication's graph)
    small, large = garbage(60), garbage(600)
    assert large <= small + 10, (small, large)
    assert gc.isenabled()
