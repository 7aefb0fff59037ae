"""Issue 20, item 2: routing policies (queue_order per team, agent_choice per channel).

Oracles: exact event traces on hand-checkable cases; identities (one skill: every queue order is
today's; weighted with step 0 is oldest, with a step longer than any wait is priority); and an
exact continuous-time Markov chain for random_free with two teams of different speed (the chain
is Markov in (busy A, busy B, queue) only under random_free, so it tells the policies apart).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import trace
from scipy import stats

from staffsim import load_scenario, scenario_from_dict, simulate
from staffsim.engine import run_replication


def clock(h, m, s=0):
    return h * 3600 + m * 60 + s


def two_skill_trace(order: str, step=None):
    """One agent, skills [a, b]; busy with a until 08:01; b arrives 08:00:10, a 08:00:20."""
    team = {"group": "team", "skills": ["a", "b"], "queue_order": order,
            "shifts": [{"start": "08:00", "end": "09:00", "agents": 1}]}
    if step is not None:
        team["priority_step"] = step
    det = {"dist": "deterministic", "mean": 60}
    target = {"service_level": 0.8, "threshold": 20}
    sc = scenario_from_dict({
        "name": "t", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"},
        "channels": {"a": {"arrivals": ["08:00", "08:00:20"], "handle_time": det, "target": target},
                     "b": {"arrivals": ["08:00:10"], "handle_time": det, "target": target}},
        "agents": [team], "run": {"replications": 1, "seed": 1, "drain": 0}})
    log = trace(sc)
    return {(int(c), float(t)): float(a) for c, t, a in zip(log.channel, log.arrival, log.answer)}


def test_priority_takes_the_first_skill_oldest_takes_the_oldest():
    pri = two_skill_trace("priority")
    assert pri[(0, clock(8, 0, 20))] == clock(8, 1) and pri[(1, clock(8, 0, 10))] == clock(8, 2)
    old = two_skill_trace("oldest")
    assert old[(1, clock(8, 0, 10))] == clock(8, 1) and old[(0, clock(8, 0, 20))] == clock(8, 2)


@pytest.mark.parametrize("step, b_first", [(5, True), (10, False), (15, False)])
def test_weighted_formula_and_its_tie_rule(step, b_first):
    """At 08:01 a has waited 40 s (rank 0), b 50 s (rank 1): b scores 50 - step, a 40. b goes
    first when 50 - step > 40; at step 10 the scores tie and the skill ranked higher (a) wins."""
    got = two_skill_trace("weighted", f"{step}s")
    first = got[(1, clock(8, 0, 10))] < got[(0, clock(8, 0, 20))]
    assert first == b_first


def per_rep(sc, reps=2):
    return simulate(sc, replications=reps).per_replication


def test_one_skill_every_queue_order_is_todays(root):
    """The bank's email team has one skill: any queue order gives today's numbers."""
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    base = per_rep(sc)
    for over in ({"agents.1.queue_order": "oldest"},
                 {"agents.1.queue_order": "weighted", "agents.1.priority_step": "30s"}):
        assert base.equals(per_rep(sc.with_overrides(over))), over


def test_weighted_limits_are_oldest_and_priority(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")  # front: [voice, chat], chat with concurrency
    oldest = per_rep(sc.with_overrides({"agents.0.queue_order": "oldest"}))
    step0 = per_rep(sc.with_overrides({"agents.0.queue_order": "weighted", "agents.0.priority_step": 0}))
    assert oldest.equals(step0)
    pri = per_rep(sc)
    huge = per_rep(sc.with_overrides({"agents.0.queue_order": "weighted", "agents.0.priority_step": "30d"}))
    assert pri.equals(huge)
    assert not pri.equals(oldest)  # the policy does something on this day


def test_agent_choice_with_one_team_is_longest_idle(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    base = per_rep(sc)
    assert base.equals(per_rep(sc.with_overrides({"channels.voice.agent_choice": "random_free"})))


def least_occupied_trace(choice: str):
    """Teams t1, t2 of one agent each. 08:00 (600 s) goes to t1 (a tie in idle time goes to the
    first team); 08:15 (60 s) to t2, idle longer. At 08:20 t1 has been idle since 08:10 and busy
    600 s of 1200, t2 idle since 08:16 and busy 60 s."""
    shift = [{"start": "08:00", "end": "09:00", "agents": 1}]
    sc = scenario_from_dict({
        "name": "t", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"},
        "channels": {"q": {"arrivals": ["08:00", "08:15", "08:20"], "agent_choice": choice,
                           "handle_time": {"dist": "empirical", "values": [600]},
                           "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "t1", "skills": ["q"], "shifts": shift},
                   {"group": "t2", "skills": ["q"], "shifts": shift, "handle_time_factor": {"q": 0.1}}],
        "run": {"replications": 1, "seed": 1, "drain": 0}})
    log = trace(sc)
    return [int(g) for g in log.group[np.argsort(log.arrival)]]


def test_least_occupied_against_longest_idle():
    assert least_occupied_trace("longest_idle") == [0, 1, 0]
    assert least_occupied_trace("least_occupied") == [0, 1, 1]


# ------------------------------------------------------------------ random_free: an exact chain
NA, NB, AHT_A, FACTOR_B, PATIENCE, LAM_H = 2, 3, 60.0, 2.0, 120.0, 60.0


def chain_share_a(q_max: int = 300, by_team: bool = False) -> tuple[float, float]:
    """(share of answered contacts served by team A, P(abandon)) of the random_free chain:
    state (a, b, q) busy agents of A and B and contacts waiting (q > 0 only with all busy); an
    arrival finding free agents goes to A with probability (NA - a) / (free agents); a freed agent
    with contacts waiting takes one; waiting contacts abandon at rate q / patience. ``by_team``:
    the wrong rule that picks a team with free agents at even odds (to show the test's power)."""
    lam, mu_a, mu_b, theta = LAM_H / 3600.0, 1 / AHT_A, 1 / (AHT_A * FACTOR_B), 1 / PATIENCE
    states = [(a, b, 0) for a in range(NA + 1) for b in range(NB + 1)] + [(NA, NB, q) for q in range(1, q_max + 1)]
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    Q = np.zeros((n, n))
    for (a, b, q), i in index.items():
        free = NA - a + NB - b
        if free:
            pa = (NA - a) / free if not by_team else (1.0 if b == NB else 0.0 if a == NA else 0.5)
            if a < NA:
                Q[i, index[(a + 1, b, 0)]] += lam * pa
            if b < NB:
                Q[i, index[(a, b + 1, 0)]] += lam * (1.0 - pa)
        elif q < q_max:
            Q[i, index[(a, b, q + 1)]] += lam
        if q:
            Q[i, index[(a, b, q - 1)]] += a * mu_a + b * mu_b + q * theta
        else:
            if a:
                Q[i, index[(a - 1, b, 0)]] += a * mu_a
            if b:
                Q[i, index[(a, b - 1, 0)]] += b * mu_b
    np.fill_diagonal(Q, -Q.sum(axis=1))
    A = np.vstack([Q.T, np.ones(n)])
    p = np.linalg.lstsq(A, np.r_[np.zeros(n), 1.0], rcond=None)[0]
    ea = sum(p[i] * a for (a, b, q), i in index.items())
    eb = sum(p[i] * b for (a, b, q), i in index.items())
    eq = sum(p[i] * q for (a, b, q), i in index.items())
    assert p[index[(NA, NB, q_max)]] < 1e-12  # the truncation is immaterial
    return ea * mu_a / (ea * mu_a + eb * mu_b), eq * theta / lam


def two_speed_teams(choice: str, reps: int, seed: int = 5):
    shift = [{"start": "00:00", "end": "24:00", "agents": None}]
    teams = []
    for name, n, factor in (("A", NA, 1.0), ("B", NB, FACTOR_B)):
        teams.append({"group": name, "skills": ["q"], "shifts": [{**shift[0], "agents": n}],
                      "handle_time_factor": {"q": factor}})
    return scenario_from_dict({
        "name": "two speeds", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"q": {"volume": [LAM_H] * 24, "agent_choice": choice,
                           "handle_time": {"dist": "exponential", "mean": AHT_A},
                           "patience": {"dist": "exponential", "mean": PATIENCE},
                           "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": teams, "run": {"replications": reps, "seed": seed, "drain": 0}})


def shares(sc, reps: int, seed: int = 5):
    out = []
    for r in range(reps):
        log = run_replication(sc, seed, r, {}, keep_log=True).log
        done = log.state == 2
        out.append(((log.group[done] == 0).mean(), (log.state == 3).sum() / len(log.state)))
    return np.array(out)


def ci(x, level=0.99):
    m = x.mean(axis=0)
    h = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(axis=0, ddof=1) / np.sqrt(len(x))
    return m, h


def test_random_free_matches_its_markov_chain():
    share, p_ab = chain_share_a()
    reps = 24
    m, h = ci(shares(two_speed_teams("random_free", reps), reps))
    assert abs(m[0] - share) < h[0], (m, h, share)
    assert abs(m[1] - p_ab) < h[1], (m, h, p_ab)
    # narrow enough to catch a rule that picks teams at even odds instead
    wrong, _ = chain_share_a(by_team=True)
    assert abs(wrong - share) > 3 * h[0], (wrong, share, h)


def test_random_free_identical_teams_split_in_proportion():
    """Two identical teams of 2 and 6 agents at light load: almost every arrival finds free
    agents, each equally likely, so team A's share of the work is 2/8."""
    shift = {"start": "00:00", "end": "24:00"}
    sc = scenario_from_dict({
        "name": "split", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"q": {"volume": [60] * 24, "agent_choice": "random_free",
                           "handle_time": {"dist": "exponential", "mean": 60},
                           "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "A", "skills": ["q"], "shifts": [{**shift, "agents": 2}]},
                   {"group": "B", "skills": ["q"], "shifts": [{**shift, "agents": 6}]}],
        "run": {"replications": 1, "seed": 3, "drain": 0}})
    x = np.array([(run_replication(sc, 3, r, {}, keep_log=True).log.group == 0).mean() for r in range(6)])
    m, h = ci(x)
    assert abs(m - 0.25) < h and h < 0.02
