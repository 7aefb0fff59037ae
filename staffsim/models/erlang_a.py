r"""Erlang A: the M/M/n+M (Palm) queue with exponential patience, exact and vectorised.

Contacts arrive at rate :math:`\lambda`, are served by :math:`n` agents with mean handle time
AHT (:math:`\mu = 1/\text{AHT}`) and abandon after an exponential patience with mean
:math:`1/\theta`. Write :math:`A = \lambda/\mu`, :math:`x = n\mu/\theta`, :math:`y = \lambda/\theta`.

Stationary distribution, relative to the state "all n agents busy, nobody waiting":
states below n weigh :math:`1/B(n, A) - 1` in total (Erlang B), and the state with :math:`j`
waiting weighs :math:`w_j = \prod_{i=1}^{j} y/(x+i)`. Their sum is :math:`S = 1 + R` with
:math:`R = y\,F(x+1, y)`, :math:`F(a, z) = \sum_{m\ge0} z^m / (a(a+1)\cdots(a+m))`; with
:math:`Z = 1/B + R`:

- P(wait) :math:`= (1 + R)/Z` (an arrival finding all agents busy waits; PASTA);
- an arrival finding :math:`j` waiting is answered with probability :math:`x/(x+j+1)`, so
  P(abandon) :math:`= U/Z` with :math:`U = \sum_j w_j (j+1)/(x+j+1) = 1 + R(1 - x/y)`;
- mean wait of all arrivals :math:`= \text{P(abandon)} / \theta` (Little's law on the queue and
  abandonment flow :math:`\theta E[Q] = \lambda\,\text{P(abandon)}`);
- the wait of an arrival finding :math:`j` ahead, if it is answered, is a sum of exponential
  stages with rates :math:`\theta(x+i+1)`, :math:`i = 0..j`, so answered from the queue within
  :math:`t` is :math:`(x/y)(R - R_t)` (Mandelbaum and Zeltyn);
- ASA (mean wait of answered contacts) is the integral of their waiting-time survival;
- occupancy :math:`= A(1 - \text{P(abandon)})/n` (carried traffic per agent).

*The integral form.* With :math:`F(x+1, y) = \int_0^\infty e^{y(1-e^{-v}) - (x+1)v}\,dv`
(:math:`v = \theta s`, time in units of the mean patience) and
:math:`g(v) = y(1 - e^{-v}) - (x+1)v`, every mass above is an integral of :math:`e^{g}`:
:math:`R = y\int_0^\infty e^{g}`; :math:`U = \int_0^\infty (1 + y(1 - e^{-v}))\,e^{g}` (integrate
:math:`g' e^{g}` by parts: this is :math:`1 + R(1 - x/y)` without its cancellation under light
load); answered from the queue within :math:`t`: :math:`x \int_0^{\theta t} e^{g}`; the answered
contacts' total wait: :math:`(x/\theta) \int_0^\infty v\,e^{g}` (swap the order of integration in
the integral of the survival). :mod:`staffsim.models._quadrature` evaluates the four integrals in
log space by Gauss–Legendre quadrature on panels graded from the peak of the log-concave
:math:`e^{g}`, with :math:`g` written without cancellation; this module scales every mass by the
larger of :math:`1/B` and :math:`e^{\max g}\,y` before exponentiating, so the ratios of huge masses
(10^10 contacts waiting in heavy overload with very long patience) are formed without adding or
subtracting huge logarithms, and P(abandon) reaches its limit :math:`1 - n/A` exactly. A fixed
amount of work per slot, whatever the size, load and patience. Accuracy: ~1e-13 relative against
40-digit references (a birth–death chain, and the integrals in mpmath where the chain is out of
reach), at any load and for patience up to 10^10 handle times.

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

from staffsim.limits import MAX_PATIENCE_RATIO
from staffsim.models import erlang
from staffsim.models._arrays import as_agents, as_float, is_scalar, least_meeting, out
from staffsim.models._quadrature import integrals

__all__ = ["ErlangAMetrics", "metrics", "required_agents"]


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


def _core(a, n, aht, pat, t, want_asa: bool) -> dict[str, np.ndarray]:
    """Erlang A figures for 1-d checked arrays with a > 0, n >= 1, finite patience.

    Every mass is scaled by e^-s, s = max(log 1/B, G + log y), before it is exponentiated, and
    s is either of those two numbers exactly: ratios of huge masses (the queue in heavy
    overload, e^G with G up to ~1e10) are then formed without adding or subtracting huge logs.
    """
    ratio = pat / aht
    y = a * ratio
    d = (n - a) * ratio + 1.0  # x + 1 - y, from n - A rather than from the large x and y
    big_g, log_j0, log_j1, log_jk, log_jt = integrals(n * ratio, y, d, t / pat)
    lb = erlang.log_inverse_erlang_b(a, n)  # log(1/B)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_y = np.log(y)
        log_x_over_y = np.log(n) - np.log(a)  # x / y = n / A
        gy = big_g + log_y  # log R = gy + log J0
        s = np.maximum(lb, gy)
        k = gy - s  # exactly 0 where the queue dominates
        log_free = lb + np.log(-np.expm1(-lb)) - s  # the states below n: 1/B - 1
        log_r = k + log_j0
        log_z = np.logaddexp(lb - s, log_r)
        log_u = k - log_y + np.logaddexp(log_j0, log_y + log_jk)
        log_served = np.logaddexp(log_free, log_x_over_y + log_r)
        log_sl = np.logaddexp(log_free, log_x_over_y + k + log_jt)
        p_abandon = np.exp(log_u - log_z)
        res = {
            "p_wait": np.exp(np.logaddexp(-s, log_r) - log_z),
            "p_abandon": p_abandon,
            "mean_wait": p_abandon * pat,
            "service_level": np.minimum(np.exp(log_sl - log_z), 1.0),
            "service_level_answered": np.minimum(np.exp(log_sl - log_served), 1.0),
            "occupancy": np.minimum(a / n * np.exp(log_served - log_z), 1.0),
        }
        if want_asa:
            res["asa"] = pat * np.exp(log_x_over_y + k + log_j1 - log_served)
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
        c, one_minus_c = erlang._erlang_b_c(ai, ni)
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
    _check_patience(arrays[3], arrays[2])
    return arrays[0].shape, [np.array(x, dtype=float).ravel() for x in arrays]


def _check_patience(patience: np.ndarray, aht: np.ndarray) -> None:
    """Finite patience at most MAX_PATIENCE_RATIO handle times (the tested domain; beyond it,
    infinite patience, Erlang C, is the model)."""
    with np.errstate(over="ignore"):
        ratio = np.where(np.isinf(patience), 0.0, patience / aht)
    if np.any(ratio > MAX_PATIENCE_RATIO):
        raise ValueError(f"patience: at most {MAX_PATIENCE_RATIO:.0e} x aht (give inf for contacts "
                         f"that never abandon), got {np.max(ratio):.3g} x aht")


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
    _check_patience(arrays[2], arrays[1])
    a, h, p, t, sl_t, ab, occ, w = (np.array(v, dtype=float).ravel() for v in arrays)
    want_asa = bool(np.any(np.isfinite(w)))

    def meets(i, n):
        """Whether n agents meet the targets of the slots i (only the slots still searched are
        evaluated)."""
        r = _evaluate(a[i], n, h[i], p[i], t[i], want_asa)
        ok = (r["service_level"] >= sl_t[i]) & (r["p_abandon"] <= ab[i]) & (r["occupancy"] <= occ[i])
        if want_asa:
            ok &= r["asa"] <= w[i]
        return ok | (a[i] == 0)

    # meets(lo) is false: the service level is at most the answered share A(1 - P(abandon))/A
    # = n occupancy / A <= n / A, so fewer than target x A agents never meet it (-1: virtual)
    lo = np.maximum(np.ceil(sl_t * a) - 1.0, -1.0)
    # staffing above A grows like sqrt(A): gallop from A by steps of sqrt(A)
    hi = least_meeting(lo, np.maximum(np.ceil(a), 1.0), np.maximum(np.ceil(np.sqrt(a)), 1.0), meets)
    hi = np.where(a == 0, 0.0, hi)
    return out(hi.reshape(shape), scalar, integer=True)
