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


def _palm_integral(f, log_f, lo, hi, centers, widths):
    """mp.quad of f over [lo, hi] (f = e^log_f, log-concave), split at the centers +- doubling
    multiples of the integrand's widths as far as f is above e^-120 of its value at the center,
    each piece halved once more."""
    points = {lo, hi}
    for c in centers:
        if lo < c < hi:
            points.add(c)
        for w in widths:
            for sign in (-1, 1):
                for k in range(0, 60):
                    p = c + sign * w * 2**k
                    if not lo < p < hi:
                        break
                    points.add(p)
                    if log_f(p) < log_f(c) - 120:
                        break
    points = sorted(points)
    pieces = [p for a, b in zip(points, points[1:]) if b != mp.inf for p in (a, (a + b) / 2)]
    return mp.quad(f, pieces + points[-1 if points[-1] == mp.inf else len(points) - 1:])


def erlang_a_integral(a, n, aht, patience, t, dps=40):
    """M/M/n+M figures from their integral forms, at ``dps`` digits, for sizes and patiences where
    the birth-death chain is out of reach (queues of 10^10 contacts).

    With v = theta s, x = n patience / AHT, y = A patience / AHT and
    g(v) = y (1 - e^-v) - (x + 1) v, relative to the state "n busy, none waiting":
    R = y int_0^inf e^g (the queue states), U = int_0^inf (1 + y (1 - e^-v)) e^g (abandonment),
    answered from the queue within t = x int_0^{t/patience} e^g (Mandelbaum-Zeltyn), and the
    answered contacts' total wait x patience int_0^inf v e^g (the integral of their waiting-time
    survival). 1/B by its finite sum. test_erlang_a checks these forms against the chain.
    """
    with mp.workdps(dps):
        a, aht, patience, t = mp.mpf(a), mp.mpf(aht), mp.mpf(patience), mp.mpf(t)
        x, y = n * patience / aht, a * patience / aht
        vstar = mp.log(y / (x + 1)) if y > x + 1 else mp.mpf(0)

        def g(v):
            return y * (-mp.expm1(-v)) - (x + 1) * v

        top = g(vstar)

        def e(v):
            return mp.exp(g(v) - top)

        # the peak of e^g is ~1/sqrt(x + 1) wide, its fall from 0 ~1/(x + 1 - y)
        widths = [1 / mp.sqrt(max(x + 1, y))] + ([1 / (x + 1 - y)] if x + 1 > y else [])
        zero = mp.mpf(0)
        j0 = _palm_integral(e, g, zero, mp.inf, [vstar], widths)
        j1 = _palm_integral(lambda v: v * e(v), g, zero, mp.inf, [vstar], widths)
        jk = _palm_integral(lambda v: -mp.expm1(-v) * e(v), g, zero, mp.inf, [vstar], widths)
        limit = t / patience
        # before the peak e^g rises to t / patience with slope g'; its rise sets the width there
        rise = [1 / (y * mp.exp(-limit) - x - 1)] if limit < vstar else []
        jt = zero if limit == 0 else _palm_integral(e, g, zero, limit, [min(vstar, limit)],
                                                    widths + rise)
        scale = mp.exp(top)
        inv_b = 1 / erlang_b(a, n)
        free = inv_b - 1
        r = y * scale * j0
        z = inv_b + r
        served = free + x * scale * j0
        within = free + x * scale * jt
        p_ab = (j0 + y * jk) * scale / z
        return {
            "p_wait": (1 + r) / z,
            "p_abandon": p_ab,
            "mean_wait": p_ab * patience,
            "asa": x * patience * scale * j1 / served,
            "service_level": within / z,
            "service_level_answered": within / served,
            "occupancy": a * served / (n * z),
        }
