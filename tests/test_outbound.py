"""Issue 20, item 5: outbound campaigns worked by idle agents under a blend rule.

Oracles:

- renewal-reward: with no inbound and N agents always dialling (reach p, deterministic talk T and
  dial D, a list that never runs out), each agent's dials form a renewal process with cycle X
  (T w.p. p, D otherwise), mu = pT + (1-p)D; the dials *started* in the open period H are 1 +
  the renewals before H, E = H/mu + E[X^2]/(2 mu^2) + o(1) per agent (the renewal function's
  second-order term); tolerance: the replications' 99% interval;
- reached/dialled ~ p: the dials' reach draws are independent Bernoulli(p) (exact binomial test);
- prevention: the tokens (prevented + unused) of R reached records are Binomial(R, share); the
  inbound contacts removed are exactly those missing against the same seed without prevention
  (common random numbers: the arrivals are pre-drawn);
- min_idle = N (no agent may leave the team with fewer than N others idle): nobody dials, and the
  inbound figures equal the scenario without outbound bit for bit; min_idle 0 makes inbound worse;
- hand-checkable traces (one or two agents, fixed times) and the conservation identities
  records = reached + given_up + expired + records_left, dialled = reached + unreached.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from staffsim import compare, load_scenario, scenario_from_dict, simulate
from staffsim.cli import main
from staffsim.engine import run_replication
from staffsim.errors import InputError
from staffsim.outbound_metrics import ENGINE_FIELDS

TARGET = {"service_level": 0.8, "threshold": 20}


def scenario(outbound: dict | None, *, voice: list | float = 0.0, agents: int = 1, hours: int = 8,
             teams: list | None = None, reps: int = 1, seed: int = 5, voice_fields: dict | None = None,
             **extra):
    ch = {"volume": voice if isinstance(voice, list) else [voice] * hours,
          "handle_time": {"dist": "exponential", "mean": 300}, "target": TARGET, **(voice_fields or {})}
    end = f"{8 + hours:02d}:00"
    data = {"name": "ob", "horizon": {"start": "08:00", "end": end, "slot": "1h"},
            "channels": {"voice": ch},
            "agents": teams or [{"group": "t", "skills": ["voice"],
                                 "shifts": [{"start": "08:00", "end": end, "agents": agents}]}],
            "costs": {"agent_hour": 30},
            "run": {"replications": reps, "seed": seed, "drain": 0}, **extra}
    if outbound is not None:
        data["outbound"] = outbound
    return scenario_from_dict(data)


def campaign(**fields):
    base = {"groups": ["t"], "list": {"per_day": 100000}, "reach_probability": 0.3,
            "talk_time": {"dist": "deterministic", "mean": 240}, "dial_time": 40}
    base.update(fields)
    return base


def figures(sc, seed=1, rep=0):
    out = run_replication(sc, seed, rep, {})
    return dict(zip(ENGINE_FIELDS, out.counts["outbound"][0].tolist())), out


def conserved(n: dict) -> None:
    assert n["dialled"] == n["reached"] + n["unreached"]
    assert n["records"] == n["reached"] + n["given_up"] + n["expired"] + n["left"]


def ci(x, level=0.99):
    x = np.asarray(x, float)
    return x.mean(), stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))


# ------------------------------------------------------------------ closed forms
@pytest.fixture(scope="module")
def always_dialling():
    """No inbound, 4 agents dialling for 8 hours, 30 replications."""
    sc = scenario({"c": campaign()}, agents=4, reps=30)
    return simulate(sc, replications=30, seed=7)


def test_dials_follow_the_renewal_reward_rate(always_dialling):
    p, T, D, N, H = 0.3, 240.0, 40.0, 4, 8 * 3600.0
    mu = p * T + (1 - p) * D
    ex2 = p * T**2 + (1 - p) * D**2
    expected = N * (H / mu + ex2 / (2 * mu**2))
    per = always_dialling.extra["outbound_per_replication"]
    m, h = ci(per["dialled"])
    assert abs(m - expected) < h, (m, h, expected)
    assert abs(m - N * H / T) > 3 * h  # the test sees the dial time or the reach left out
    assert abs(m - N * H / (p * T + D)) > 3 * h


def test_reach_rate_is_binomial(always_dialling):
    per = always_dialling.extra["outbound_per_replication"]
    n, k = int(per["dialled"].sum()), int(per["reached"].sum())
    assert stats.binomtest(k, n, 0.3).pvalue > 0.001, (k, n)
    assert stats.binomtest(k, n, 0.32).pvalue < 0.001  # a 2-point error would be seen


def test_agent_time_is_busy_time_and_balances(always_dialling):
    per = always_dialling.extra["outbound_per_replication"]
    # no inbound: every busy second is outbound; logged in = busy + idle + break per replication
    for r, bal in enumerate(always_dialling.extra["group_balance"]):
        logged, busy, idle, brk = bal[0]
        row = per[per["replication"] == r].iloc[0]
        assert busy == pytest.approx(row["talk_s"] + row["dial_s"], rel=1e-12)
        assert logged == pytest.approx(busy + idle + brk, rel=1e-12)
        # money: the agents' outbound hours at 30 an hour; no value given
        assert row["agent_cost"] == pytest.approx(30 * row["agent_hours"], rel=1e-12)
        assert row["value"] == 0
    summary = always_dialling.outbound()
    assert list(summary["campaign"]) == ["c"]
    assert {"dialled", "reached", "reach_rate", "records_left", "inbound_prevented", "agent_cost",
            "value", "net_value", "dialled_ci"} <= set(summary.columns)


def test_prevention_removes_a_binomial_share_of_later_inbound():
    """Team o dials, team v answers voice (so dialling does not depend on inbound): each reached
    record prevents one later voice contact with probability 0.4."""
    teams = [{"group": "v", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "16:00", "agents": 8}]},
             {"group": "o", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "16:00", "agents": 2}]}]
    ob = {"c": campaign(groups=["o"], list={"per_day": 150}, reach_probability=0.5,
                        prevents={"channel": "voice", "share": 0.4, "lag": "10min"})}
    off = copy.deepcopy(ob)
    off["c"]["prevents"]["share"] = 0.0
    on_sc = scenario(ob, voice=60.0, teams=teams, reps=20)
    off_sc = scenario(off, voice=60.0, teams=teams, reps=20)
    reached = tokens = 0
    for r in range(20):
        n_on, out_on = figures(on_sc, 3, r)
        n_off, out_off = figures(off_sc, 3, r)
        conserved(n_on)
        offered_on, offered_off = out_on.counts["offered"].sum(), out_off.counts["offered"].sum()
        assert offered_off - offered_on == n_on["prevented"]  # exactly the contacts removed
        assert n_off["prevented"] == 0
        reached += n_on["reached"]
        tokens += n_on["prevented"] + n_on["prevention_unused"]
    assert stats.binomtest(int(tokens), int(reached), 0.4).pvalue > 0.001, (tokens, reached)
    assert stats.binomtest(int(tokens), int(reached), 0.46).pvalue < 0.001


def test_min_idle_at_team_size_leaves_inbound_untouched_and_zero_makes_it_worse():
    """5 agents, 45 calls an hour (exponential 300 s, patience 120 s), a list that never runs
    out. min_idle 5: nobody dials, inbound bit for bit as without the campaign. Below that, the
    larger the reserve the shorter the inbound wait and the fewer the dials (paired differences
    over the same 12 days, 99% intervals clear of 0, for k = 0, 1, 2, 3)."""
    voice = {"patience": {"dist": "exponential", "mean": 120}}
    base = simulate(scenario(None, voice=45.0, agents=5, reps=12, voice_fields=voice), 12, seed=2)
    runs = {k: simulate(scenario({"c": campaign(blend={"min_idle": k})}, voice=45.0, agents=5, reps=12,
                                 voice_fields=voice), 12, seed=2) for k in (0, 1, 2, 3, 5)}
    assert (runs[5].outbound()["dialled"] == 0).all()
    cols = [c for c in base.per_replication.columns if not c.startswith(("outbound_", "inbound_"))]
    assert base.per_replication[cols].equals(runs[5].per_replication[cols])  # bit for bit
    w = lambda r: r.per_replication.query("channel == 'voice'")["mean_wait_s"].to_numpy()
    dials = lambda r: r.extra["outbound_per_replication"]["dialled"].to_numpy()
    for a, b in ((0, 1), (1, 2), (2, 3)):
        m, h = ci(w(runs[a]) - w(runs[b]))
        assert m - h > 0, (a, b, m, h)
        m, h = ci(dials(runs[a]) - dials(runs[b]))
        assert m - h > 0, (a, b, m, h)
    m, h = ci(w(runs[0]) - w(base))
    assert m - h > 0, (m, h)


# ------------------------------------------------------------------ traces
def test_trace_one_agent_reach_all():
    """One agent, no inbound, three records reached for 10 minutes each: 30 minutes of work."""
    sc = scenario({"c": campaign(list={"per_day": 3}, reach_probability=1.0,
                                 talk_time={"dist": "deterministic", "mean": 600})}, hours=1)
    n, out = figures(sc)
    assert (n["dialled"], n["reached"], n["left"], n["talk_s"], n["dial_s"]) == (3, 3, 0, 1800, 0)
    assert out.balance[0].tolist() == [3600.0, 1800.0, 1800.0, 0.0]


def test_trace_unreached_retries_and_gives_up():
    """Reach 0, dial time 30 s, 2 dials a record, retry after 1 h: 3 records dialled at 08:00,
    08:00:30, 08:01, again from 09:00, then given up: 6 dials, 180 s."""
    sc = scenario({"c": campaign(list={"per_day": 3}, reach_probability=0.0, dial_time=30,
                                 attempts=2, retry_interval="1h")}, hours=2)
    n, _ = figures(sc)
    conserved(n)
    assert (n["dialled"], n["unreached"], n["given_up"], n["dial_s"], n["left"]) == (6, 6, 3, 180, 0)
    # a retry that would come after the close is left on the list
    n, _ = figures(scenario({"c": campaign(list={"per_day": 3}, reach_probability=0.0, dial_time=30,
                                           attempts=2, retry_interval="1h")}, hours=1))
    conserved(n)
    assert (n["dialled"], n["given_up"], n["left"]) == (3, 0, 3)


def test_trace_min_idle_one_keeps_a_reserve():
    """Two agents, min_idle 1: only one dials at a time (one stays idle for inbound)."""
    sc = scenario({"c": campaign(list={"per_day": 3}, reach_probability=1.0,
                                 talk_time={"dist": "deterministic", "mean": 600},
                                 blend={"min_idle": 1})}, agents=2, hours=1)
    n, out = figures(sc)
    assert n["dialled"] == 3 and out.balance[0].tolist() == [7200.0, 1800.0, 5400.0, 0.0]
    res = simulate(sc, replications=1)
    assert res.groups["busy"].max() == pytest.approx(0.5)  # 30 agent-minutes in the hour


def test_max_waiting_holds_dials_while_inbound_waits():
    """Team v (1 agent) has three 1-hour calls at 08:00; team o dials only while no voice
    contact waits (max_waiting 0, watching voice): the records of 09:00 wait, team o looking
    again every minute, until the voice queue is empty (10:00, when the third call is taken);
    then 5 calls of 10 minutes back to back (the 10:30 records join the list)."""
    teams = [{"group": "v", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "12:00", "agents": 1}]},
             {"group": "o", "skills": ["back"], "shifts": [{"start": "08:00", "end": "12:00", "agents": 1}]}]
    data = {"name": "mw", "horizon": {"start": "08:00", "end": "12:00", "slot": "30min"},
            "channels": {"voice": {"arrivals": ["08:00", "08:00", "08:00"],
                                   "handle_time": {"dist": "deterministic", "mean": 3600}, "target": TARGET},
                         "back": {"volume": [0] * 8, "handle_time": 60, "target": TARGET}},
            "agents": teams, "run": {"replications": 1, "seed": 1, "drain": 0}}
    ob = campaign(groups=["o"], list={"per_slot": [0, 0, 3, 0, 0, 2, 0, 0]}, reach_probability=1.0,
                  talk_time={"dist": "deterministic", "mean": 600})
    sc_rule = scenario_from_dict({**data, "outbound": {"c": {**ob, "blend": {"max_waiting": 0, "watch": ["voice"]}}}})
    sc_free = scenario_from_dict({**data, "outbound": {"c": ob}})
    n_rule, out_rule = figures(sc_rule)
    n_free, out_free = figures(sc_free)
    assert n_rule["dialled"] == n_free["dialled"] == 5
    busy_o = lambda out: out.counts["group_busy_s"][1]  # team o, per 30-min slot
    assert busy_o(out_free)[2] == 1800  # without the rule: dialling from 09:00
    assert busy_o(out_rule).tolist() == [0, 0, 0, 0, 1800, 1200, 0, 0]


def _two_teams(blend: dict | None):
    """Team v (1 agent) gets three 1-hour voice calls at 08:00 (threshold 20 s): one answered at
    once, two waiting past the threshold. Team o dials 3 records joining at 08:30."""
    teams = [{"group": "v", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "12:00", "agents": 1}]},
             {"group": "o", "skills": ["back"], "shifts": [{"start": "08:00", "end": "12:00", "agents": 1}]}]
    ob = campaign(groups=["o"], list={"per_slot": [0, 3, 0, 0, 0, 0, 0, 0]}, reach_probability=1.0,
                  talk_time={"dist": "deterministic", "mean": 600})
    if blend is not None:
        ob["blend"] = blend
    return scenario_from_dict({
        "name": "sl", "horizon": {"start": "08:00", "end": "12:00", "slot": "30min"},
        "channels": {"voice": {"arrivals": ["08:00", "08:00", "08:00"],
                               "handle_time": {"dist": "deterministic", "mean": 3600}, "target": TARGET},
                     "back": {"volume": [0] * 8, "handle_time": 60, "target": TARGET}},
        "agents": teams, "outbound": {"c": ob}, "run": {"replications": 1, "seed": 1, "drain": 0}})


@pytest.mark.parametrize("blend, first_dial", [
    (None, "08:30"),
    ({"min_service_level": 0.8, "window": "1h"}, "09:01"),   # 1 of 3 within 20 s: 33% < 80%
    ({"min_service_level": 0.8, "window": "1h", "recheck": "7min"}, "09:05"),  # 08:30 + 5 x 7 min
    ({"min_service_level": 0.3, "window": "1h"}, "08:30"),   # 33% >= 30%
    ({"min_service_level": 0.8}, "08:30"),                   # 15 min back: nothing arrived, nothing known
    ({"min_service_level": 0.8, "window": "1h", "watch": ["back"]}, "08:30"),  # voice not watched
])
def test_min_service_level_trace(blend, first_dial):
    """Held back at 08:30, team o looks again every minute (recheck) and dials once the 08:00
    calls have left the hour's window (at 09:00 they are still in it: arrival >= now - 1 h)."""
    n, out = figures(_two_teams(blend))
    h, m = map(int, first_dial.split(":"))
    start = h * 3600 + m * 60 - 8 * 3600  # seconds after 08:00
    busy = np.zeros(8)
    for k in range(3):  # three reached calls of 600 s back to back
        a, b = start + 600 * k, start + 600 * (k + 1)
        for slot in range(8):
            busy[slot] += max(0.0, min(b, 1800 * (slot + 1)) - max(a, 1800 * slot))
    assert n["dialled"] == 3
    np.testing.assert_allclose(out.counts["group_busy_s"][1], busy, atol=1e-9)


def test_min_service_level_zero_is_no_rule():
    teams = [{"group": "t", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "16:00", "agents": 4}]}]
    a = scenario({"c": campaign(blend={"min_idle": 1})}, voice=30.0, teams=teams,
                 voice_fields={"patience": {"dist": "exponential", "mean": 60}})
    b = scenario({"c": campaign(blend={"min_idle": 1, "min_service_level": 0.0})}, voice=30.0, teams=teams,
                 voice_fields={"patience": {"dist": "exponential", "mean": 60}})
    c = scenario({"c": campaign(blend={"min_idle": 1, "min_service_level": 0.95})}, voice=30.0, teams=teams,
                 voice_fields={"patience": {"dist": "exponential", "mean": 60}})
    na, oa = figures(a, 6)
    nb, ob = figures(b, 6)
    nc, _ = figures(c, 6)
    assert na == nb and np.array_equal(oa.counts["answered"], ob.counts["answered"])
    assert nc["dialled"] < na["dialled"]


# ------------------------------------------------------------------ conservation
@pytest.mark.parametrize("fields", [
    {"attempts": 3, "retry_interval": "20min", "reach_probability": 0.2, "list": {"per_day": 400}},
    {"attempts": 2, "retry_interval": "2h", "list": {"per_day": 2000, "carry_over": False}},
    {"list": {"per_slot": [30, 30, 0, 0, 30, 30, 0, 0]}, "blend": {"min_idle": 1, "max_waiting": 2}},
])
def test_conservation_over_a_busy_week(fields):
    h = 8
    sc = scenario_from_dict({
        "name": "w", "horizon": {"start": "08:00", "end": "16:00", "slot": "1h", "days": 3},
        "channels": {"voice": {"volume": [25.0] * h, "handle_time": {"dist": "exponential", "mean": 300},
                               "patience": {"dist": "exponential", "mean": 90},
                               "retrial": {"probability": 0.5, "delay": "5min"}, "target": TARGET}},
        "agents": [{"group": "t", "skills": ["voice"],
                    "shifts": [{"start": "08:00", "end": "16:00", "agents": 4,
                                "breaks": [{"start": "12:00", "length": "30min"}]}]}],
        "outbound": {"c": campaign(**fields, prevents={"channel": "voice", "share": 0.5, "lag": "1d"})},
        "run": {"replications": 1, "seed": 9, "drain": "30min"}})
    for r in range(2):
        n, out = figures(sc, 4, r)  # the audit (STAFFSIM_AUDIT=1) checks every agent too
        conserved(n)
        assert n["dialled"] > 0
        logged, busy, idle, brk = out.balance[0]
        assert logged == pytest.approx(busy + idle + brk, rel=1e-9)
        if not fields["list"].get("carry_over", True):
            assert n["expired"] > 0


def test_same_seed_same_figures_and_other_channels_keep_their_draws():
    sc = scenario({"c": campaign(blend={"min_idle": 1})}, voice=30.0, agents=4)
    a, out_a = figures(sc, 8, 0)
    b, out_b = figures(sc, 8, 0)
    assert a == b
    assert np.array_equal(out_a.counts["offered"], out_b.counts["offered"])
    # the inbound arrivals are the same with or without the campaign (own streams)
    base = run_replication(scenario(None, voice=30.0, agents=4), 8, 0, {})
    assert np.array_equal(base.counts["offered"], out_a.counts["offered"])


@settings(max_examples=25)
@given(reach=st.sampled_from([0.0, 0.3, 1.0]), attempts=st.integers(1, 3),
       dial=st.sampled_from([0.0, 20.0, 90.0]), min_idle=st.integers(0, 3),
       max_waiting=st.sampled_from([None, 0, 3]), min_sl=st.sampled_from([None, 0.7]),
       carry=st.booleans(), per_slot=st.booleans(), agents=st.integers(1, 4), seed=st.integers(0, 50))
def test_conservation_and_audit_hold_for_any_rule(reach, attempts, dial, min_idle, max_waiting, min_sl, carry,
                                                   per_slot, agents, seed):
    """Two short days, inbound with abandons and redials, breaks: the identities hold and the
    audit (logged in = busy + idle + break per agent; loads match what is in service) passes."""
    blend = {"min_idle": min_idle, **({"max_waiting": max_waiting} if max_waiting is not None else {}),
             **({"min_service_level": min_sl} if min_sl is not None else {})}
    lst = {"per_slot": [6, 0, 4, 0]} if per_slot else {"per_day": 15}
    sc = scenario_from_dict({
        "name": "p", "horizon": {"start": "08:00", "end": "10:00", "slot": "30min", "days": 2},
        "channels": {"voice": {"volume": [10.0] * 4, "handle_time": {"dist": "exponential", "mean": 240},
                               "patience": {"dist": "exponential", "mean": 60},
                               "retrial": {"probability": 0.5, "delay": "3min"}, "target": TARGET}},
        "agents": [{"group": "t", "skills": ["voice"],
                    "shifts": [{"start": "08:00", "end": "10:00", "agents": agents,
                                "breaks": [{"start": "09:00", "length": "10min"}]}]}],
        "outbound": {"c": campaign(list={**lst, "carry_over": carry}, reach_probability=reach, attempts=attempts,
                                   dial_time=dial, retry_interval="20min", blend=blend,
                                   prevents={"channel": "voice", "share": 0.5, "lag": "5min"})},
        "run": {"replications": 1, "seed": seed, "drain": "15min"}})
    n, out = figures(sc, seed)
    conserved(n)
    assert n["records"] == (10 if per_slot else 15) * 2
    logged, busy, idle, brk = out.balance[0]
    assert logged == pytest.approx(busy + idle + brk, rel=1e-9)
    assert busy >= n["talk_s"] + n["dial_s"] - 1e-6
    if reach == 0.0:
        assert n["reached"] == 0 and n["prevented"] == 0
    if reach == 1.0:
        assert n["unreached"] == 0 and n["given_up"] == 0


def test_per_slot_figures_add_up_and_equal_the_teams_busy_time_less_inbound_work():
    """One team, voice (concurrency 1, no wrap-up) and a campaign: in every slot the agents'
    outbound seconds are the team's busy seconds less its inbound handling (two independent
    records of the same time); the slots add up to the campaign's totals."""
    sc = scenario({"c": campaign(blend={"min_idle": 1}, prevents={"channel": "voice", "share": 0.5})},
                  voice=40.0, agents=6, voice_fields={"patience": {"dist": "exponential", "mean": 120}})
    n, out = figures(sc, 2)
    c = out.counts
    np.testing.assert_allclose(c["outbound_slot_agent_s"][0], c["group_busy_s"][0] - c["group_work_s"][0],
                               rtol=1e-9, atol=1e-6)
    assert c["outbound_slot_dialled"].sum() == n["dialled"]
    assert c["outbound_slot_reached"].sum() == n["reached"]
    assert c["outbound_slot_prevented"].sum() == n["prevented"]
    assert c["outbound_slot_agent_s"].sum() == pytest.approx(n["talk_s"] + n["dial_s"], rel=1e-9)
    res = simulate(sc, replications=1, seed=2)
    slots = res.outbound_slots()
    assert len(slots) == 8 and {"slot_start", "dialled", "dialling_agents", "dialled_ci"} <= set(slots.columns)
    assert slots["dialled"].sum() == res.outbound()["dialled"].iloc[0]


def test_prevention_waits_for_its_lag():
    """share 1: every reached record makes a token. With lag 1 h the first token is active at
    the first call's end + 1 h (after 09:00: nothing is prevented in the 08:00 hour); with lag
    1 day on a one-day horizon nothing is prevented and every token is left unused."""
    def run(lag):
        team = [{"group": "t", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "16:00", "agents": 3}]},
                {"group": "o", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "16:00", "agents": 1}]}]
        sc = scenario({"c": campaign(groups=["o"], list={"per_day": 40}, reach_probability=1.0,
                                     talk_time={"dist": "deterministic", "mean": 240},
                                     prevents={"channel": "voice", "share": 1.0, "lag": lag})},
                      voice=30.0, teams=team, voice_fields={"patience": {"dist": "exponential", "mean": 60}})
        return figures(sc, 5)
    n, out = run("1h")
    assert n["reached"] == 40 and n["prevented"] + n["prevention_unused"] == 40
    assert out.counts["outbound_slot_prevented"][0][0] == 0 and n["prevented"] > 0
    n, out = run("1d")
    assert n["prevented"] == 0 and n["prevention_unused"] == n["reached"] == 40


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("change, message", [
    ({"reach_probability": 1.5}, "outbound.c.reach_probability"),
    ({"groups": []}, "outbound.c.groups"),
    ({"groups": ["nobody"]}, "'nobody' is not an agent group"),
    ({"list": {"per_day": 5, "per_slot": [1] * 8}}, "give either per_day"),
    ({"list": {"per_slot": [1, 2]}}, "outbound.c.list.per_slot: has 2 values"),
    ({"prevents": {"channel": "chat", "share": 0.3}}, "'chat' is not a channel"),
    ({"prevents": {"channel": "voice", "share": 1.3}}, "outbound.c.prevents.share"),
    ({"blend": {"watch": ["voice"]}}, "watch: goes with max_waiting"),
    ({"blend": {"window": "10min"}}, "window: goes with min_service_level"),
    ({"blend": {"min_service_level": 1.2}}, "outbound.c.blend.min_service_level"),
    ({"blend": {"max_waiting": 0, "recheck": 0}}, "outbound.c.blend.recheck"),
    ({"dial_time": "-5s"}, "outbound.c.dial_time"),
    ({"talk_time": {"dist": "lognormal", "mean": 60}}, "lognormal needs cv"),
])
def test_bad_input_names_the_field(change, message):
    with pytest.raises(InputError) as e:
        scenario({"c": campaign(**change)})
    assert message in str(e.value)


def test_missing_reach_probability_is_an_error():
    ob = campaign()
    del ob["reach_probability"]
    with pytest.raises(InputError, match="outbound.c.reach_probability"):
        scenario({"c": ob})


# ------------------------------------------------------------------ the shipped example
def test_example_runs_and_writes_the_outbound_table(root, tmp_path, capsys):
    sc = load_scenario(root / "scenarios" / "outbound_blend.yaml")
    res = simulate(sc, replications=1, seed=1)
    ob = res.outbound()
    assert list(ob["campaign"]) == list(sc.spec.outbound)
    assert (ob["dialled"] > 0).all() and (ob["inbound_prevented"] > 0).any()
    per = res.extra["outbound_per_replication"]
    assert (per["records"] == per["reached"] + per["given_up"] + per["expired"] + per["records_left"]).all()
    out = tmp_path / "out"
    code = main(["run", str(root / "scenarios" / "outbound_blend.yaml"), "-n", "1", "--no-progress",
                 "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Outbound, per campaign" in printed and "inbound_prevented" in printed
    assert (out / "outbound_slots.csv").exists()
    table = pd.read_csv(out / "outbound.csv")
    assert list(table["campaign"]) == ["renewals"] and table["dialled"].iloc[0] > 0
    summary = pd.read_csv(out / "summary.csv")
    assert {"inbound_prevented", "outbound_dialled", "outbound_net_value"} <= set(summary.columns)


def test_example_report_and_figure(root, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(root / "scenarios" / "outbound_blend.yaml"), "-n", "1", "--no-progress",
                 "--out", str(out), "--report", "--plot"])
    capsys.readouterr()
    assert code == 0
    assert (out / "outbound.png").stat().st_size > 10_000
    html = (out / "report.html").read_text()
    assert "Outbound campaigns" in html and "outbound dials and the dialling teams" in html


def test_compare_shows_the_outbound_differences():
    """A campaign against none on the same seeds: the differences hold the dials (0 in the
    baseline) on the all row, and the inbound contacts prevented."""
    base = scenario(None, voice=20.0, agents=3)
    with_ob = scenario({"c": campaign(prevents={"channel": "voice", "share": 0.5})}, voice=20.0, agents=3)
    d = compare(base, with_ob, replications=2, seed=3).differences
    row = d[(d["channel"] == "all") & (d["metric"] == "outbound_dialled")].iloc[0]
    assert row["baseline"] == 0 and row["value"] > 0
    prevented = d[(d["channel"] == "voice") & (d["metric"] == "inbound_prevented")].iloc[0]
    assert prevented["baseline"] == 0 and prevented["value"] > 0
