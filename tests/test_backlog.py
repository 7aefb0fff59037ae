"""Backlog work (email, back office): the plan that answers each slot's share within a threshold
of several slots, checked by hand, against linear programs and against brute force."""

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog, minimize

from staffsim import load_scenario
from staffsim.models.backlog import backlog_agents, backlog_plan
from staffsim.requirement import erlang_requirement, is_backlog

L = 1800.0  # half-hour slots


def day(n, start=8 * 3600.0):
    return start + L * np.arange(n)


# ---------------------------------------------------------------------------------------------
# an independent statement of the model (written from the docstring, not from the code)
# ---------------------------------------------------------------------------------------------

def due_by_slot(work, starts, slot, tau, share):
    """W_j: the work that must be answered by the end of slot j."""
    k = len(work)
    arrived_before = np.concatenate([[0.0], np.cumsum(work)[:-1]])
    due = np.zeros(k)
    for i in range(k):
        if work[i] == 0:
            continue  # no contacts: nothing to be on time
        deadline = starts[i] + tau
        e = max(j for j in range(k) if starts[j] + slot <= deadline + 1e-9 or j == i)
        due[e] = max(due[e], arrived_before[i] + share * work[i])
    return np.maximum.accumulate(due)


def answered(agents, work, slot, occ=1.0):
    done, out = 0.0, []
    arrived = 0.0
    for n, w in zip(agents, work):
        arrived += w
        done = min(arrived, done + n * slot * occ)
        out.append(done)
    return np.array(out)


def feasible(agents, work, starts, slot, tau, share, occ=1.0):
    due = due_by_slot(work, starts, slot, tau, share)
    return bool((answered(agents, work, slot, occ) >= due - 1e-6 * (1 + due)).all())


def lp_min_peak(work, starts, slot, tau, share, occ=1.0):
    """min z: W_j <= S_j <= A_j, 0 <= S_j - S_{j-1} <= z L u (variables S_0..S_{K-1}, z)."""
    k = len(work)
    due = due_by_slot(work, starts, slot, tau, share)
    arrived = np.cumsum(work)
    unit = slot * occ
    a_ub, b_ub = [], []
    for j in range(k):
        row = np.zeros(k + 1)
        row[j] = 1.0
        if j:
            row[j - 1] = -1.0
        up = row.copy()
        up[k] = -unit
        a_ub.append(up)
        b_ub.append(0.0)       # S_j - S_{j-1} - z L u <= 0
        a_ub.append(-row)
        b_ub.append(0.0)       # S_{j-1} - S_j <= 0
    bounds = [(due[j], arrived[j]) for j in range(k)] + [(0, None)]
    c = np.zeros(k + 1)
    c[k] = 1.0
    res = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=bounds, method="highs")
    assert res.status == 0
    return res.fun


# ---------------------------------------------------------------------------------------------
# hand-checkable cases
# ---------------------------------------------------------------------------------------------

def test_steady_work_is_staffed_as_it_arrives():
    work = np.full(6, 2 * L)  # two agents' worth of work every half hour
    assert backlog_agents(work, day(6), L, 2 * 3600, share=1.0).tolist() == [2] * 6


def test_a_morning_batch_is_spread_over_the_day():
    # 10 agent-slots arrive at 08:00; the 24 h deadline falls after the close: level 10/6 per slot
    work = np.array([10 * L, 0, 0, 0, 0, 0])
    plan = backlog_plan(work, day(6), L, 86400, share=1.0)
    assert np.allclose(plan.fluid_agents, 10 / 6)
    # rounded slot by slot against the answered work: 2, 2, 1, 2, 2, 1 (S = 1.67, 3.33, 5, ...)
    assert plan.agents.tolist() == [2, 2, 1, 2, 2, 1]


def test_a_deadline_two_slots_away_and_the_share():
    work = np.array([4 * L, 0, 0, 0])
    assert backlog_agents(work, day(4), L, 2 * L, share=1.0).tolist() == [2, 2, 0, 0]
    # only half of the slot's contacts must be on time (and nothing more is ever due)
    assert backlog_agents(work, day(4), L, 2 * L, share=0.5).tolist() == [1, 1, 0, 0]


def test_work_carried_over_a_closed_night():
    starts = np.array([8 * 3600, 8.5 * 3600, 86400 + 8 * 3600, 86400 + 8.5 * 3600])
    work = np.array([4 * L, 0, 0, 0])
    # 24 h: due at 08:00 next day, before its first slot ends -> due by the close of day 1
    assert backlog_agents(work, starts, L, 86400, 1.0).tolist() == [2, 2, 0, 0]
    # 24.5 h: the next morning's first slot counts; the night does not
    assert backlog_agents(work, starts, L, 86400 + L, 1.0).tolist() == [2, 1, 1, 0]


def test_occupancy_cap_and_bad_input():
    work = np.full(4, 2 * L)
    assert backlog_agents(work, day(4), L, 4 * L, 1.0, max_occupancy=0.5).tolist() == [4] * 4
    with pytest.raises(ValueError, match="at least one slot"):
        backlog_agents(work, day(4), L, L / 2)
    with pytest.raises(ValueError, match="work"):
        backlog_agents(-work, day(4), L, 4 * L)
    with pytest.raises(ValueError, match="share"):
        backlog_agents(work, day(4), L, 4 * L, share=0)


# ---------------------------------------------------------------------------------------------
# against a linear program and brute force
# ---------------------------------------------------------------------------------------------

def random_case(rng, k):
    work = rng.choice([0.0, 0.5, 1.0, 2.0, 3.5, 6.0], size=k) * L
    work[rng.integers(k)] += L
    starts = day(k)
    if k > 3 and rng.random() < 0.5:  # a closed night in the middle
        cut = int(rng.integers(1, k - 1))
        starts[cut:] += 86400 - (starts[cut] - starts[0])
    tau = float(rng.choice([1, 2, 3, 4, 8, 48])) * L
    share = float(rng.choice([0.5, 0.8, 0.9, 1.0]))
    occ = float(rng.choice([1.0, 0.85]))
    return work, starts, tau, share, occ


@pytest.mark.parametrize("seed", range(20))
def test_plan_meets_every_deadline_with_the_least_peak(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 30))
    work, starts, tau, share, occ = random_case(rng, k)
    plan = backlog_plan(work, starts, L, tau, share, occ)
    # every constraint, from the independent statement of the model
    assert feasible(plan.agents, work, starts, L, tau, share, occ)
    assert feasible(plan.fluid_agents, work, starts, L, tau, share, occ)
    peak = lp_min_peak(work, starts, L, tau, share, occ)
    assert plan.fluid_agents.max() == pytest.approx(peak, rel=1e-7, abs=1e-9)
    assert plan.agents.max() == math.ceil(peak - 1e-7)
    # agent-hours: the fluid plan does exactly the due work; the integer plan at most one
    # agent-slot more per slot in which agents would idle
    due_total = due_by_slot(work, starts, L, tau, share)[-1]
    assert plan.fluid_agents.sum() * L * occ == pytest.approx(due_total, rel=1e-9, abs=1e-6)


def smoothest(work, starts, slot, tau, share, occ):
    """min sum(rate^2) over the fluid plans (a convex QP, by SLSQP)."""
    k = len(work)
    unit = slot * occ
    due = due_by_slot(work, starts, slot, tau, share) / unit  # in agent-slots
    arrived = np.cumsum(work) / unit
    cons = [{"type": "ineq", "fun": lambda r: np.cumsum(r) - due},
            {"type": "ineq", "fun": lambda r: arrived - np.cumsum(r)},
            {"type": "eq", "fun": lambda r: np.sum(r) - due[-1]}]
    res = minimize(lambda r: float(r @ r), np.full(k, due[-1] / k), jac=lambda r: 2 * r,
                   constraints=cons, bounds=[(0, None)] * k, method="SLSQP",
                   options={"ftol": 1e-12, "maxiter": 500})
    assert res.success, res.message
    return res.x


@pytest.mark.parametrize("seed", range(8))
def test_fluid_plan_is_the_smoothest(seed):
    rng = np.random.default_rng(100 + seed)
    work, starts, tau, share, occ = random_case(rng, int(rng.integers(3, 12)))
    plan = backlog_plan(work, starts, L, tau, share, occ)
    qp = smoothest(work, starts, L, tau, share, occ)
    # feasible (checked above for random cases; here too) and no worse than the numerical optimum
    # of the strictly convex program, so it is the optimum
    assert feasible(plan.fluid_agents, work, starts, L, tau, share, occ)
    assert float(plan.fluid_agents @ plan.fluid_agents) <= float(qp @ qp) * (1 + 1e-7) + 1e-9


@pytest.mark.parametrize("seed", range(15))
def test_integer_plan_against_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    k = int(rng.integers(2, 5))
    work, starts, tau, share, occ = random_case(rng, k)
    plan = backlog_plan(work, starts, L, tau, share, occ)
    top = int(plan.agents.max()) + 1
    plans = [np.array(p) for p in itertools.product(range(top + 1), repeat=k)
             if feasible(p, work, starts, L, tau, share, occ)]
    best_peak = min(int(p.max()) for p in plans)
    assert plan.agents.max() == best_peak
    best_total = min(int(p.sum()) for p in plans)
    capacity = np.cumsum(plan.agents) * L * occ
    idle = int(np.sum(np.diff(np.concatenate([[0.0], capacity - answered(plan.agents, work, L, occ)])) > 1e-6))
    assert best_total <= plan.agents.sum() <= best_total + idle
    if idle == 0:
        assert plan.agents.sum() == best_total


# ---------------------------------------------------------------------------------------------
# in the Erlang method
# ---------------------------------------------------------------------------------------------

def test_bank_email_is_planned_as_backlog(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    assert is_backlog(sc, "email") and not is_backlog(sc, "voice") and not is_backlog(sc, "chat")
    req = erlang_requirement(sc).agents()["back_office"]
    work = sc.volumes["email"] * 420.0  # lognormal mean 420 s, no self-service
    # the day's email in agent-slots, answered by the close: about 4.9 agents all day, not 10 at 08:00
    assert req.sum() == math.ceil(work.sum() / L - 1e-9) or req.sum() == math.ceil(
        (work[:-1].sum() + 0.9 * work[-1]) / L - 1e-9)
    assert req.max() == 5 and req[0] == 5
    h = sc.spec.horizon
    assert feasible(req, work, h.slot_starts(), h.slot, 86400, 0.9)
