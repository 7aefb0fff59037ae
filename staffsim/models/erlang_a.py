r"""Erlang A: the M/M/n+M (Palm) queue with exponential patience, exact and vectorised.

Contacts arrive at rate :math:`\lambda`, are served by :math:`n` agents with mean handle time
AHT (:math:`\mu = 1/\text{AHT}`) and abandon after an exponential patience with mean
:math:`1/\theta`. Write :math:`A = \lambda/\mu`, :math:`x = n\mu/\theta`, :math:`y = \lambda/\theta`.

Stationary distribution, relative to the state "all n agents busy, nobody waiting":
states below n weigh :math:`1/B(n, A) - 1` in total (Erlang B), and the state with :math:`j`
waiting weighs :math:`w_j = \prod_{i=1}^{j} y/(x+i)`. Their sum has the closed form
:math:`S = \sum_j w_j = 1 + R`, :math:`R = y\,F(x+1, y)` with
:math:`F(a, z) = P(a, z)\,\Gamma(a)\,e^{z} z^{-a} = \sum_{m\ge0} z^m / (a(a+1)\cdots(a+m))`
(:math:`P` the regularized lower incomplete gamma function). With :math:`Z = 1/B + R`:

- P(wait) :math:`= (1 + R)/Z` (an arrival finding all agents busy waits; PASTA);
- an arrival finding :math:`j` waiting is answered with probability :math:`x/(x+j+1)`, so
  P(abandon) :math:`= U/Z` with :math:`U = \sum_j w_j (j+1)/(x+j+1) = 1 + R(1 - x/y)`;
- mean wait of all arrivals :math:`= \text{P(abandon)} / \theta` (Little's law on the queue and
  abandonment flow :math:`\theta E[Q] = \lambda\,\text{P(abandon)}`);
- answered within :math:`t`: arrivals finding a free agent, plus
  :math:`(x/y)\,[P(x+1, y) - P(x+1, y e^{-\theta t})]/g` from the queue, where
  :math:`g = e^{-y} y^x/\Gamma(x+1)`; this follows because the wait of an arrival finding
  :math:`j` ahead, if it is answered, is a sum of exponential stages with rates
  :math:`\theta(x+i+1)`, :math:`i = 0..j`;
- ASA (mean wait of answered contacts) sums :math:`w_j\,\frac{x}{x+j+1}\,\frac{1}{\theta}
  \sum_{i=0}^{j} \frac{1}{x+i+1}` over the queue lengths that carry probability (a finite
  series bounded by the spread of the queue-length distribution);
- occupancy :math:`= A(1 - \text{P(abandon)})/n` (carried traffic per agent).

Every quantity is formed in log space (:mod:`staffsim.models._gamma`): the Poisson-term
prefactors without large-number cancellation, :math:`F` from the regularized gamma function or,
in its lower tail, from its positive series; where :math:`U = 1 - R(x/y - 1)` would lose more
than one bit to cancellation (long patience), the positive queue-length series is summed
directly. The result is exact to ~1e-11 relative at
any size and defined for any load (Erlang A is stable whenever patience is finite).

Limits: with no traffic P(wait) = P(abandon) = 0, service level = 1, waits 0, occupancy 0;
with zero agents everyone waits and abandons (service level 0, ASA = inf, occupancy 1);
with infinite patience the Erlang C values are returned.

``service_level`` counts answered-within-threshold against all offered contacts (abandons count
against); ``service_level_answered`` divides by answered contacts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from staffsim.models import erlang
from staffsim.models._arrays import as_agents, as_float, is_scalar, out
from staffsim.models._gamma import log_poisson_term, log_scaled_lower_gamma

__all__ = ["ErlangAMetrics", "metrics", "required_agents"]

_LOG_EPS = 40.0  # series terms below exp(-40) of the largest are dropped (< 5e-18 relative)
_BLOCK = 128


@dataclass(frozen=True)
class ErlangAMetrics:
    """Steady-state Erlang A figures; each field a float (scalar input) or an array."""

    p_wait: Any
    p_abandon: Any
    mean_wait: Any
    asa: Any
    service_level: Any
    service_level_answered: Any
    occupancy: Any


def _queue_series(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum the queue-length series directly.

    Returns ``(ref, u, e)`` with, relative to ``exp(ref)`` (``ref`` = log of the largest weight):
    ``u = sum_j w_j (j+1)/(x+j+1)`` and ``e = sum_j w_j H_j/(x+j+1)``,
    ``H_j = sum_{i<=j} 1/(x+i+1)``. The weights peak at ``j* = max(0, ceil(y - x - 1))`` and are
    negligible beyond ``j* + 20 sqrt(max(x, y) + 1) + 200`` (they fall at least like a Gaussian of
    that width), so the loop is bounded.
    """
    peak = np.maximum(0.0, np.ceil(y - x - 1.0))
    with np.errstate(divide="ignore"):
        log_y = np.log(y)
    # log w_j = log D(x + j, y) - log D(x, y), D the Poisson term (no large-number cancellation)
    log_d0 = log_poisson_term(x, y)
    ref = np.where(peak == 0, 0.0, log_poisson_term(x + peak, y) - log_d0)
    width = 20.0 * np.sqrt(np.maximum(x, y) + 1.0) + 200.0
    stop = peak + width
    # Start far enough below the peak that earlier terms are negligible. Weights are built by a
    # running sum of log(y / (x + j)) (accurate to a few ulps, unlike differences of gammaln);
    # a late start takes its first weight from the Poisson term and H from digamma.
    start = np.maximum(0.0, np.floor(peak - width))
    start = np.where(start < 1000, 0.0, start)
    late = start > 0
    carry = np.where(late, log_poisson_term(x + start - 1, y) - log_d0, 0.0)
    h = np.where(late, special.digamma(x + start + 1.0) - special.digamma(x + 1.0), 0.0)
    u = np.zeros(x.shape)
    e = np.zeros(x.shape)
    j0 = start.copy()
    idx = np.arange(x.size)
    steps = np.arange(_BLOCK)[None, :]
    while idx.size:
        j = j0[idx, None] + steps
        xi = x[idx, None]
        with np.errstate(invalid="ignore"):
            step = np.where(j == 0, 0.0, log_y[idx, None] - np.log(xi + j))
        logw = carry[idx, None] + np.cumsum(step, axis=1)
        w = np.exp(logw - ref[idx, None])
        inv = 1.0 / (xi + j + 1.0)
        hj = h[idx, None] + np.cumsum(inv, axis=1)
        u[idx] += np.sum(w * (j + 1.0) * inv, axis=1)
        e[idx] += np.sum(w * hj * inv, axis=1)
        h[idx] = hj[:, -1]
        carry[idx] = logw[:, -1]
        j0[idx] += _BLOCK
        last = logw[:, -1] - ref[idx]
        done = (j0[idx] > peak[idx]) & ((last < -_LOG_EPS) | (j0[idx] > stop[idx]))
        idx = idx[~done]
    return ref, u, e


def _core(a, n, aht, pat, t, want_asa: bool) -> dict[str, np.ndarray]:
    """Erlang A figures for 1-d checked arrays with a > 0, n >= 1, finite patience."""
    x = n * pat / aht
    y = a * pat / aht
    lb = erlang.log_inverse_erlang_b(a, n)  # log(1/B)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log(y) + log_scaled_lower_gamma(x + 1.0, y)  # log R, R = S - 1
        log_z = np.logaddexp(lb, log_r)
        log_s = np.logaddexp(0.0, log_r)
        # the queue-free states: 1/B - 1
        log_free = lb + np.log(-np.expm1(-lb))
        # abandonment mass U = 1 + R (1 - x/y)
        log_u = np.empty(a.shape)
        over = y >= x
        log_u[over] = np.logaddexp(0.0, log_r[over] + np.log1p(-x[over] / y[over]))
        under = ~over
        cancel = np.zeros(a.shape, bool)
        if np.any(under):
            c = np.exp(log_r[under] + np.log(x[under] - y[under]) - np.log(y[under]))
            log_u[under] = np.log1p(-np.minimum(c, 1.0))
            cancel[under] = c > 0.5  # 1 - c would lose more than a bit
        # answered from the queue: (x/y) R
        log_x_over_y = np.log(x) - np.log(y)
        log_served = np.logaddexp(log_free, log_x_over_y + log_r)
        # answered from the queue within t
        y_t = y * np.exp(-t / pat)
        p_y = special.gammainc(x + 1.0, y)
        log_d = np.empty(a.shape)
        low = p_y <= 0.5
        if np.any(low):
            xl, yl, ytl = x[low], y[low], y_t[low]
            log_r_t = np.log(ytl) + log_scaled_lower_gamma(xl + 1.0, ytl) + (yl - ytl - xl * t[low] / pat[low])
            log_r_t = np.where(ytl == 0, -np.inf, log_r_t)
            log_d[low] = log_r[low] + np.log1p(-np.exp(np.minimum(log_r_t - log_r[low], 0.0)))
        high = ~low
        if np.any(high):
            xh, yh = x[high], y[high]
            diff = special.gammaincc(xh + 1.0, y_t[high]) - special.gammaincc(xh + 1.0, yh)
            log_d[high] = np.log(np.maximum(diff, 0.0)) - log_poisson_term(xh, yh)
        log_sl = np.logaddexp(log_free, log_x_over_y + log_d)

    need_series = cancel | want_asa
    log_e = np.full(a.shape, -np.inf)
    if np.any(need_series):
        ref, u_s, e_s = _queue_series(x[need_series], y[need_series])
        with np.errstate(divide="ignore"):
            fix = cancel[need_series]
            log_u_sub = log_u[need_series]
            log_u_sub[fix] = (ref + np.log(u_s))[fix]
            log_u[need_series] = log_u_sub
            log_e[need_series] = ref + np.log(e_s)
    p_abandon = np.exp(log_u - log_z)
    res = {
        "p_wait": np.exp(log_s - log_z),
        "p_abandon": p_abandon,
        "mean_wait": p_abandon * pat,
        "service_level": np.minimum(np.exp(log_sl - log_z), 1.0),
        "service_level_answered": np.minimum(np.exp(log_sl - log_served), 1.0),
        "occupancy": np.minimum(a * np.exp(log_served - log_z) / n, 1.0),
    }
    if want_asa:
        with np.errstate(divide="ignore"):
            res["asa"] = np.exp(np.log(x * pat) + log_e - log_served)
    return res


def _evaluate(a, n, aht, pat, t, want_asa: bool) -> dict[str, np.ndarray]:
    """All Erlang A figures for broadcast 1-d arrays, including the limiting cases."""
    size = a.size
    res = {
        k: np.zeros(size)
        for k in (
            "p_wait",
            "p_abandon",
            "mean_wait",
            "service_level",
            "service_level_answered",
            "occupancy",
            "asa",
        )
    }
    res["service_level"][:] = 1.0
    res["service_level_answered"][:] = 1.0
    no_agents = (a > 0) & (n == 0)
    for k, v in (
        ("p_wait", 1.0),
        ("p_abandon", 1.0),
        ("service_level", 0.0),
        ("service_level_answered", 0.0),
        ("occupancy", 1.0),
        ("asa", np.inf),
    ):
        res[k][no_agents] = v
    res["mean_wait"][no_agents] = np.where(np.isinf(pat[no_agents]), np.inf, pat[no_agents])
    patient = (a > 0) & (n > 0) & np.isinf(pat)
    if np.any(patient):
        ai, ni, hi, ti = a[patient], n[patient], aht[patient], t[patient]
        _, c, one_minus_c = erlang._erlang_b_c(ai, ni)
        sl = erlang._sl_from_c(ai, ni, hi, ti, c, one_minus_c)
        wait = erlang._asa_from_c(ai, ni, hi, c)
        for k, v in (
            ("p_wait", c),
            ("p_abandon", 0.0),
            ("mean_wait", wait),
            ("service_level", sl),
            ("service_level_answered", sl),
            ("occupancy", erlang._occupancy(ai, ni)),
            ("asa", wait),  # everyone is answered: ASA = mean wait
        ):
            res[k][patient] = v
    # where A * patience / AHT underflows to 0 the no-traffic figures are exact in double precision
    live = (a * pat / aht > 0) & (n > 0) & ~np.isinf(pat)
    if np.any(live):
        core = _core(a[live], n[live], aht[live], pat[live], t[live], want_asa)
        for k, v in core.items():
            res[k][live] = v
    return res


def _check(traffic, agents, aht, patience, threshold):
    a = as_float("traffic", traffic)
    n = as_agents("agents", agents)
    h = as_float("aht", aht, positive=True)
    p = as_float("patience", patience, positive=True, allow_inf=True)
    t = as_float("threshold", threshold, allow_inf=True)
    arrays = np.broadcast_arrays(a, n, h, p, t)
    return arrays[0].shape, [np.array(x, dtype=float).ravel() for x in arrays]


def metrics(traffic: Any, agents: Any, aht: Any, patience: Any, threshold: Any) -> ErlangAMetrics:
    """Steady-state M/M/n+M figures.

    ``traffic`` in Erlangs; ``aht``, ``patience`` (mean, exponential; may be inf) and ``threshold``
    in seconds. ``mean_wait`` is over all arrivals, ``asa`` over answered contacts only.
    """
    scalar = is_scalar(traffic, agents, aht, patience, threshold)
    shape, (a, n, h, p, t) = _check(traffic, agents, aht, patience, threshold)
    res = _evaluate(a, n, h, p, t, want_asa=True)
    return ErlangAMetrics(**{k: out(v.reshape(shape), scalar) for k, v in res.items()})


def required_agents(
    traffic: Any,
    aht: Any,
    patience: Any,
    threshold: Any,
    target: Any,
    max_abandon: Any = None,
    max_occupancy: Any = 1.0,
    *,
    max_asa: Any = None,
) -> Any:
    """Smallest agent count meeting every given target in M/M/n+M.

    Targets: service level (answered within ``threshold`` / offered) >= ``target``;
    P(abandon) <= ``max_abandon``; occupancy <= ``max_occupancy``; ASA of answered contacts
    <= ``max_asa`` seconds. Each figure is monotone in the agent count, so a vectorised
    bisection over all slots at once finds the least count; the answer is checked with
    :func:`metrics` itself (it meets the targets and one agent fewer does not).
    """
    scalar = is_scalar(traffic, aht, patience, threshold, target, max_abandon, max_occupancy)
    scalar = scalar and np.ndim(max_asa) == 0
    arrays = np.broadcast_arrays(
        as_float("traffic", traffic),
        as_float("aht", aht, positive=True),
        as_float("patience", patience, positive=True, allow_inf=True),
        as_float("threshold", threshold, allow_inf=True),
        as_float("target", target, positive=True, upper=1.0, upper_inclusive=False),
        as_float(
            "max_abandon", 1.0 if max_abandon is None else max_abandon, positive=True, upper=1.0
        ),
        as_float("max_occupancy", max_occupancy, positive=True, upper=1.0),
        as_float("max_asa", np.inf if max_asa is None else max_asa, allow_inf=True),
    )
    shape = arrays[0].shape
    a, h, p, t, sl_t, ab, occ, w = (np.array(v, dtype=float).ravel() for v in arrays)
    want_asa = bool(np.any(np.isfinite(w)))

    def meets(n):
        r = _evaluate(a, n, h, p, t, want_asa)
        ok = (r["service_level"] >= sl_t) & (r["p_abandon"] <= ab) & (r["occupancy"] <= occ)
        if want_asa:
            ok &= r["asa"] <= w
        return ok | (a == 0)

    lo = np.full(a.shape, -1.0)  # meets(lo) is false (virtual)
    hi = np.maximum(np.ceil(a), 1.0)
    ok = meets(hi)
    while not np.all(ok):
        lo = np.where(ok, lo, hi)
        hi = np.where(ok, hi, 2.0 * hi + 1.0)
        ok = meets(hi)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        mid = np.where(hi - lo > 1, mid, hi)
        ok = meets(mid)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    hi = np.where(a == 0, 0.0, hi)
    return out(hi.reshape(shape), scalar, integer=True)
