"""Simulation against the cases where theory is exact.

Tolerance: the 99.9% Student-t half-width of the replications' values (not a fixed number). Each
test also checks the interval is narrow enough to matter: theory for one agent more or one agent
fewer lies outside it, so a staffing error of one agent would be caught. One stationary day of 24
hours per replication; the empty start biases waits by far less than the interval.
"""

import numpy as np
from helpers import stationary
from scipy import stats

from staffsim import simulate
from staffsim.engine import run_replication
from staffsim.experiment import plan_for, plan_headcount
from staffsim.models import erlang, erlang_a

A, AHT = 8.0, 60.0
LAM_H = A / AHT * 3600  # 480 per hour


def interval(values):
    values = np.asarray(values, float)
    n = len(values)
    half = stats.t.ppf(1 - 0.001 / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return values.mean(), half


def check(values, theory, neighbours):
    """Theory inside the 99.9% interval; the neighbours' theory (one agent off) outside it."""
    mean, half = interval(values)
    assert abs(mean - theory) <= half, (mean, half, theory)
    for other in neighbours:
        assert abs(mean - other) > half, ("interval too wide to detect a one-agent error", mean, half, other)


def per_rep(result, column):
    pr = result.per_replication
    return pr.loc[pr["channel"] == "q", column].to_numpy()


def test_erlang_c_matches():
    n = 10
    res = simulate(stationary(LAM_H, AHT, n), jobs=1)
    check(per_rep(res, "p_wait"), erlang.erlang_c(A, n), [erlang.erlang_c(A, n - 1), erlang.erlang_c(A, n + 1)])
    check(per_rep(res, "asa_s"), erlang.asa(A, n, AHT), [erlang.asa(A, n - 1, AHT), erlang.asa(A, n + 1, AHT)])
    check(per_rep(res, "service_level"), erlang.service_level(A, n, AHT, 20),
          [erlang.service_level(A, k, AHT, 20) for k in (n - 1, n + 1)])
    check(per_rep(res, "occupancy"), A / n, [A / (n - 1), A / (n + 1)])


def test_erlang_a_matches():
    n, pat = 8, 120.0
    res = simulate(stationary(LAM_H, AHT, n, patience=pat), jobs=1)
    m = erlang_a.metrics(A, np.array([n - 1, n, n + 1]), AHT, pat, 20)
    check(per_rep(res, "abandon_rate"), m.p_abandon[1], [m.p_abandon[0], m.p_abandon[2]])
    check(per_rep(res, "p_wait"), m.p_wait[1], [m.p_wait[0], m.p_wait[2]])
    check(per_rep(res, "service_level"), m.service_level[1], [m.service_level[0], m.service_level[2]])
    # for exponential patience, P(abandon) = mean wait of all / mean patience
    check(per_rep(res, "mean_wait_s") / pat, m.p_abandon[1], [])


def test_chat_concurrency_is_erlang_with_n_times_k_servers():
    n, k = 4, 3
    res = simulate(stationary(LAM_H, AHT, n, concurrency=k), jobs=1)
    servers = n * k
    check(per_rep(res, "p_wait"), erlang.erlang_c(A, servers),
          [erlang.erlang_c(A, servers - 1), erlang.erlang_c(A, servers + 1)])
    check(per_rep(res, "service_level"), erlang.service_level(A, servers, AHT, 20),
          [erlang.service_level(A, s, AHT, 20) for s in (servers - 1, servers + 1)])


def test_deflection_leaves_poisson_thinned_arrivals():
    p, lam = 0.3, 200.0
    sc = stationary(lam, AHT, 10, replications=10, self_service={"deflection": p})
    heads = plan_headcount(sc, plan_for(sc))
    counts = np.concatenate([
        run_replication(sc, 5, r, heads).counts["offered_to_agents"][0] for r in range(10)
    ])  # 240 slots of one hour
    mu = lam * (1 - p)
    n = len(counts)
    # mean: normal approximation of the Poisson sum, 99.9%
    z = stats.norm.ppf(0.9995)
    assert abs(counts.mean() - mu) <= z * np.sqrt(mu / n)
    assert abs(counts.mean() - lam) > z * np.sqrt(lam / n)  # an unthinned stream would be caught
    # dispersion: (n-1) s^2 / mu ~ chi2(n-1) for Poisson counts
    stat = (n - 1) * counts.var(ddof=1) / mu
    assert stats.chi2.ppf(0.0005, n - 1) <= stat <= stats.chi2.ppf(0.9995, n - 1)
