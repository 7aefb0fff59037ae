"""Balking and priorities against exact queueing results.

Balking: M/M/n where a caller who finds every agent busy and q callers waiting leaves with
probability b(q) is a birth–death chain (birth λ(1 − b(j − n)) in state j ≥ n, λ below; death
min(j, n)μ), solved here directly. By PASTA, P(balk) = Σ π_j b(j − n), P(wait) = Σ π_j (1 − b(j − n))
over j ≥ n, and the time-average queue L_q = Σ (j − n) π_j (so the mean wait of all callers is
L_q / λ, Little's law). Priorities: M/M/n with two classes of the same service rate served
non-preemptively by priority has the classes' mean waits W_k = C / (nμ (1 − σ_{k−1})(1 − σ_k)),
C the Erlang-C probability of waiting and σ_k the load of classes 1..k over n (Cobham).

Tolerance: the 99.9% Student-t half-width of the replications' values; each test also checks
that the interval is narrow enough to matter (the result for the neighbouring parameter value —
the balking curve one position over, one agent more or fewer — lies outside it).
"""

import numpy as np
from helpers import stationary
from scipy import stats

from staffsim import simulate
from staffsim.engine import run_replication
from staffsim.experiment import plan_for, plan_headcount
from staffsim.metrics import horizon_kpis
from staffsim.models import erlang

AHT, N, A = 60.0, 4, 4.0
LAM = A / AHT  # per second
POINTS = [[0, 0.0], [4, 0.5], [8, 1.0]]  # leave with probability q / 8 when q callers wait ahead


def balking_chain(lam, mu, n, points, shift=0, states=4000):
    """(P(balk), P(wait), L_q) of M/M/n with balking probability b(q + shift)."""
    xs, ps = np.array(points, float).T

    def b(q):
        return np.interp(q + shift, xs, ps)

    log_pi = [0.0]
    for j in range(1, states):
        birth = lam * (1.0 - (b(j - 1 - n) if j - 1 >= n else 0.0))
        if birth <= 0:
            break
        log_pi.append(log_pi[-1] + np.log(birth) - np.log(min(j, n) * mu))
    pi = np.exp(np.array(log_pi) - max(log_pi))
    pi /= pi.sum()
    j = np.arange(len(pi))
    busy, q = j >= n, np.maximum(j - n, 0)
    leave = np.where(busy, b(q), 0.0)
    return (pi * leave).sum(), (pi * busy * (1 - leave)).sum(), (pi * q).sum()


def interval(values):
    values = np.asarray(values, float)
    half = stats.t.ppf(1 - 0.001 / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return values.mean(), half


def check(values, theory, neighbours):
    mean, half = interval(values)
    assert abs(mean - theory) <= half, (mean, half, theory)
    for other in neighbours:
        assert abs(mean - other) > half, ("interval too wide to detect the neighbouring value", mean, half, other)


def mean_queue(log, end):
    t, length = log.queue[0]
    t = np.concatenate([[log.run_start], t, [end]])
    length = np.concatenate([[0.0], length])
    return float((np.diff(t) * length).sum() / (end - log.run_start))


def test_balking_by_position_matches_the_birth_death_chain():
    reps = 12
    sc = stationary(LAM * 3600, AHT, N, replications=reps, balking={"by": "position", "points": POINTS})
    heads = plan_headcount(sc, plan_for(sc))
    balk, wait, queue = [], [], []
    for r in range(reps):
        out = run_replication(sc, 11, r, heads, keep_log=True)
        row = horizon_kpis(out.counts, sc).iloc[0]
        balk.append(row["balk_rate"])
        wait.append(row["p_wait"])
        queue.append(mean_queue(out.log, 86400.0))
    theory = [balking_chain(LAM, 1 / AHT, N, POINTS, s) for s in (0, 1, -1)]
    check(balk, theory[0][0], [theory[1][0], theory[2][0]])
    check(wait, theory[0][1], [theory[1][1], theory[2][1]])
    check(queue, theory[0][2], [theory[1][2], theory[2][2]])
    # one agent more or fewer is far outside too
    for n in (N - 1, N + 1):
        assert abs(np.mean(balk) - balking_chain(LAM, 1 / AHT, n, POINTS)[0]) > interval(balk)[1]


def test_balking_by_expected_wait_is_balking_by_position_on_the_same_curve():
    # with n agents serving all day, the announced wait of a caller with q ahead is (q + 1) AHT / n:
    # the same curve written in announced waits gives the same decisions, contact for contact
    step = AHT / N
    by_wait = [[f"{(x + 1) * step:g}s", p] for x, p in POINTS]
    runs = [simulate(stationary(LAM * 3600, AHT, N, hours=6, replications=2, balking=b), jobs=1, contacts=True)
            for b in ({"by": "position", "points": POINTS}, {"by": "expected_wait", "points": by_wait})]
    a, b = (r.per_replication for r in runs)
    assert a["balked"].sum() > 20
    assert a.equals(b)
    assert runs[0].contacts.equals(runs[1].contacts)


def test_priority_segments_match_cobham():
    # two segments of equal service rate: the priority one waits C/(n mu (1 - s1)), the other
    # C/(n mu (1 - s1)(1 - s)); one agent more or fewer moves both outside the intervals
    n, a, share = 6, 4.5, 0.3
    sc = stationary(a / AHT * 3600, AHT, n, replications=8,
                    segments={"first": {"share": share, "priority": 1}, "rest": {"share": 1 - share}})
    res = simulate(sc, jobs=1)
    pr = res.per_replication

    def cobham(k):
        c = erlang.erlang_c(a, k)
        s1, s = share * a / k, a / k
        return c * AHT / k / (1 - s1), c * AHT / k / ((1 - s1) * (1 - s))

    theory = {k: cobham(k) for k in (n - 1, n, n + 1)}
    for j, segment in enumerate(("first", "rest")):
        waits = pr.loc[pr["segment"] == segment, "mean_wait_s"].to_numpy()
        check(waits, theory[n][j], [theory[n - 1][j], theory[n + 1][j]])
