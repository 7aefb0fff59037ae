"""Independent high-precision references for the analytic tests (mpmath, not the package's code).

Erlang B/C come from their textbook sums; Erlang A from a direct birth-death chain on the number of
contacts in the system, truncated where the remaining probability is below 1e-40.
"""

from __future__ import annotations

import mpmath as mp

mp.mp.dps = 60


def erlang_b(a, n):
    """1/B = sum_{k=0}^{n} n!/(k! A^(n-k)), summed from the top (terms shrink fast or slowly, all > 0)."""
    a = mp.mpf(a)
    inv, term = mp.mpf(1), mp.mpf(1)
    for k in range(n, 0, -1):
        term = term * k / a
        inv += term
        if term < inv * mp.mpf(10) ** -70:
            break
    return 1 / inv


def erlang_c(a, n):
    a = mp.mpf(a)
    if n <= a:
        return mp.mpf(1)
    b = erlang_b(a, n)
    return n * b / (n - a * (1 - b))


def erlang_c_service_level(a, n, aht, t):
    if n <= a:
        return mp.mpf(0)
    return 1 - erlang_c(a, n) * mp.exp(-(n - mp.mpf(a)) * mp.mpf(t) / aht)


def erlang_c_asa(a, n, aht):
    if n <= a:
        return mp.inf
    return erlang_c(a, n) * aht / (n - mp.mpf(a))


def _answered_within(start_mass, theta, x, t):
    """P(absorbed by time t) for the tagged contact's stage chain, by uniformization.

    ``start_mass[s-1]`` is the probability of starting with s stages left (s-1 contacts ahead,
    already weighted by the probability of being answered); stage s is left at rate
    theta (x + s) (an advance at n mu + (s-1) theta or the contact's own abandonment at theta;
    conditioned on being answered, each stage time is exponential with that total rate).
    All terms are positive, so ordinary precision suffices.
    """
    stages = len(start_mass)
    rates = [theta * (x + s) for s in range(1, stages + 1)]
    lam = max(rates)
    lt = lam * t
    v = list(start_mass)  # v[s-1]: mass with s stages left
    absorbed = mp.mpf(0)
    pois = mp.exp(-lt)
    seen = mp.mpf(0)
    result = mp.mpf(0)
    m = 0
    total = sum(start_mass)
    while True:
        result += pois * absorbed
        seen += pois
        if m > lt and (1 - seen) * total < mp.mpf(10) ** -40:
            return result + (1 - seen) * absorbed
        new = [mp.mpf(0)] * stages
        for i in range(stages):
            move = v[i] * rates[i] / lam
            new[i] += v[i] - move
            if i == 0:
                absorbed += move
            else:
                new[i - 1] += move
        v = new
        m += 1
        pois = pois * lt / m


def _chain(lam, mu, theta, n):
    """Unnormalised stationary weights of the number in system, and their sum."""
    probs = [mp.mpf(1)]
    z = mp.mpf(1)
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        probs.append(probs[-1] * lam / death)
        z += probs[-1]
        if k > n + 10 and probs[-1] < z * mp.mpf(10) ** -45 and probs[-1] < probs[-2]:
            return probs, z


def erlang_a(a, n, aht, patience, t=None, with_sl=True):
    """M/M/n+M figures from the birth-death chain.

    P(abandon) from theta E[Q] / lambda; the answered-within-t share from the tagged contact's
    stages: with j waiting ahead it needs j+1 advances, each at rate n mu + i theta against its own
    abandonment at rate theta.
    """
    a, aht, patience = mp.mpf(a), mp.mpf(aht), mp.mpf(patience)
    lam, mu, theta = a / aht, 1 / aht, 1 / patience
    probs, z = _chain(lam, mu, theta, n)
    pi = [p / z for p in probs]
    p_wait = sum(pi[n:])
    eq = sum((k - n) * pi[k] for k in range(n, len(pi)))
    p_ab = theta * eq / lam
    res = {"p_wait": p_wait, "p_abandon": p_ab, "mean_wait": eq / lam,
           "occupancy": lam * (1 - p_ab) * aht / n}
    served_wait = mp.mpf(0)
    start_mass = []
    p_served, ew = mp.mpf(1), mp.mpf(0)
    for j in range(len(pi) - n):
        adv = n * mu + j * theta  # the stage added for the j-th contact ahead
        p_served *= adv / (adv + theta)
        ew += 1 / (adv + theta)
        served_wait += pi[n + j] * p_served * ew
        start_mass.append(pi[n + j] * p_served)
    res["asa"] = served_wait / (1 - p_ab)
    if with_sl and t is not None:
        sl = sum(pi[:n]) + _answered_within(start_mass, theta, n * mu / theta, mp.mpf(t))
        res["service_level"] = sl
        res["service_level_answered"] = sl / (1 - p_ab)
    return res


def erlang_a_sl_integral(a, n, aht, patience, t):
    """Answered within t / offered, by quadrature of the Mandelbaum-Zeltyn integral
    sum_{k<n} pi_k + pi_n * x theta * int_0^t exp(y(1-e^{-theta s}) - (n mu + theta) s) ds
    (pi from the chain): a check of the closed form's algebra at sizes where partial fractions
    would need thousands of digits."""
    a, aht, patience = mp.mpf(a), mp.mpf(aht), mp.mpf(patience)
    lam, mu, theta = a / aht, 1 / aht, 1 / patience
    x, y = n * mu / theta, lam / theta
    probs, z = _chain(lam, mu, theta, n)
    integral = mp.quad(lambda s: mp.exp(y * (1 - mp.exp(-theta * s)) - (n * mu + theta) * s),
                       [0, t])
    return (sum(probs[:n]) + probs[n] * x * theta * integral) / z
