r"""Erlang B and Erlang C (M/M/n), exact and vectorised over time slots.

Notation: traffic :math:`A = \lambda \cdot \text{AHT}` in Erlangs, :math:`n` agents, AHT and the
service threshold :math:`t` in seconds. All functions broadcast their arguments; scalars in give
Python floats out.

Formulas
--------
Erlang B (blocking): :math:`B(n, A) = \frac{A^n/n!}{\sum_{k=0}^{n} A^k/k!}
= \frac{\text{Poisson}_A(n)}{P(\text{Poisson}_A \le n)}`, evaluated in log space. Up to
:data:`SERIES_TRAFFIC` (10,000 Erlangs) from sums of positive terms, with numpy alone: below the
traffic (:math:`n < A`) :math:`1/B = \sum_{j=0}^{n} \prod_{i<j} (n-i)/A`, whose terms fall from
the first; from it up, :math:`\log(1/B) = \log(1 - P(\text{Poisson}_A > n)) - \log
\text{Poisson}_A(n)` with the upper tail summed as
:math:`\text{Poisson}_A(n) \sum_{j \ge 1} \prod_{i=1}^{j} A/(n+i)` (at most ~9√A terms; each
sum stops when its rest is provably below 2^-60 of it). Beyond, with the regularized upper
incomplete gamma function (scipy, imported then), :math:`P(\text{Poisson}_A \le n) = Q(n+1, A)`;
where that tail underflows, or is small for :math:`n > 10^5` (where library values lose
accuracy), the convergent series above is summed instead. The Poisson term comes without
large-number cancellation from :mod:`staffsim.models._gamma`. Nothing forms :math:`A^n/n!`, so
the functions are stable for any number of agents, and the common slots need no scipy (``staffsim
erlang`` starts without it).

Erlang C (probability of waiting), for :math:`n > A`:
:math:`C = \frac{nB}{n - A(1-B)}` and :math:`1 - C = \frac{(n-A)(1-B)}{n - A + AB}`
(written without subtraction of nearly equal numbers).

Service level :math:`SL(t) = P(W \le t) = 1 - C e^{-(n-A)t/\text{AHT}}`, computed as
:math:`(1-C) + C\,(1 - e^{-(n-A)t/\text{AHT}})`.
ASA (mean wait over all contacts) :math:`= C \cdot \text{AHT}/(n-A)`.
Occupancy :math:`= A/n`.

Limits (never NaN, never an exception for valid input):
- overload, :math:`n \le A` with :math:`A > 0`: P(wait) = 1, service level = 0, ASA = inf,
  occupancy = 1 (the queue grows without bound);
- no traffic, :math:`A = 0`: P(wait) = 0, service level = 1, ASA = 0, occupancy = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from staffsim.limits import MAX_AGENTS
from staffsim.models._arrays import as_agents, as_float, is_scalar, least_meeting, out
from staffsim.models._gamma import FIRST_BLOCK, SERIES_BELOW, SERIES_FROM, log_poisson_term

__all__ = [
    "erlang_b",
    "erlang_c",
    "service_level",
    "asa",
    "occupancy",
    "required_agents",
    "metrics",
    "ErlangCMetrics",
    "log_inverse_erlang_b",
]

_UNDERFLOW = 1e-250


def log_inverse_erlang_b(traffic: np.ndarray, agents: np.ndarray) -> np.ndarray:
    r""":math:`\log(1/B(n, A)) \ge 0` for broadcastable float arrays (no argument checks).

    With no traffic, :math:`1/B` is 1 for zero agents and infinite otherwise. Up to
    :data:`SERIES_TRAFFIC` Erlangs it is summed from positive series (numpy only,
    :func:`_log_inverse_b_summed`); beyond, from the library's regularized gamma function (scipy,
    imported then). Each element takes its path from its own traffic, so a slot's value does not
    depend on the other slots of the array.
    """
    a, n = np.broadcast_arrays(np.asarray(traffic, float), np.asarray(agents, float))
    result = np.zeros(a.shape)
    zero = a == 0
    result[zero & (n > 0)] = np.inf
    summed = ~zero & (a <= SERIES_TRAFFIC)
    if np.any(summed):
        result[summed] = _log_inverse_b_summed(a[summed], n[summed])
    big = ~zero & ~summed
    if np.any(big):
        result[big] = _log_inverse_b_gamma(a[big], n[big])
    return result


def _log_inverse_b_gamma(al: np.ndarray, nl: np.ndarray) -> np.ndarray:
    """log(1/B) = log Q(n + 1, A) - log D(n, A) from scipy's regularized gamma function, for
    traffic beyond :data:`SERIES_TRAFFIC` (the series path would need thousands of terms)."""
    from scipy import special  # here only: scipy.special costs ~0.25 s to import

    tail = special.gammaincc(nl + 1.0, al)  # P(Poisson(A) <= n)
    with np.errstate(divide="ignore"):
        vals = np.log(tail) - log_poisson_term(nl, al)
    small = (tail < _UNDERFLOW) | ((tail < SERIES_BELOW) & (nl > SERIES_FROM))
    if np.any(small):
        vals[small] = _log_inverse_b_series(al[small], nl[small])
    return vals


#: Traffic (Erlangs) up to which 1/B is summed from positive series without scipy: at most
#: ~9 sqrt(A) terms (900 at 10,000 Erlangs), each accurate to a few ulps.
SERIES_TRAFFIC = 1e4
_REST = 2.0**-60  # a series stops when what is left is provably below this share of its sum


def _log_inverse_b_summed(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    r"""log(1/B) for A > 0 from sums of positive terms only (no cancellation, no scipy).

    Below the traffic (n < A), :math:`1/B = 1 + \sum_{j=1}^{n} \prod_{i=1}^{j} (n-i+1)/A`,
    whose ratios fall below 1 from the start. From the traffic up (n >= A) that sum grows before
    it falls, so the upper Poisson tail is summed instead:
    :math:`P(\text{Poisson}_A > n) = D\,S`, :math:`S = \sum_{j \ge 1} \prod_{i=1}^{j} A/(n+i)`
    (at most about one half here), and :math:`\log(1/B) = \log(1 - D S) - \log D` with
    :math:`\log D` from :func:`~staffsim.models._gamma.log_poisson_term`.
    """
    out = np.empty(a.shape)
    below = n < a
    if np.any(below):
        out[below] = np.log1p(_positive_series(a[below], n[below], upper=False))
    above = ~below
    if np.any(above):
        aa, na = a[above], n[above]
        s = _positive_series(aa, na, upper=True)
        log_d = log_poisson_term(na, aa)
        with np.errstate(divide="ignore"):
            out[above] = np.log1p(-np.exp(log_d + np.log(s))) - log_d
    return out


_CHECK_EVERY = 8  # terms added between two stopping tests
_ROWS = 1 << 14  # rows summed at once


def _positive_series(a: np.ndarray, n: np.ndarray, upper: bool) -> np.ndarray:
    r""":math:`\sum_{j \ge 1} \prod_{i=1}^{j} r_i` per row: with ``upper``, :math:`r_i = A/(n+i)`
    (n >= A, the upper Poisson tail over its first term); else :math:`r_i = (n+1-i)/A`, which is
    0 from i = n + 1 on (n < A, 1/B - 1). The ratios lie in [0, 1) and fall with i.

    Term by term for all rows at once (a running product and a running sum, left to right); every
    :data:`_CHECK_EVERY` terms, a row whose last term t and ratio r bound the rest,
    :math:`t\,r/(1-r)`, below 2^-60 of its sum (or whose terms are 0) is done and leaves. A row's
    arithmetic does not depend on the other rows; rows go in chunks that stay in the cache.
    """
    if a.size > _ROWS:
        return np.concatenate([_positive_series(a[k:k + _ROWS], n[k:k + _ROWS], upper)
                               for k in range(0, a.size, _ROWS)])
    total = np.zeros(a.shape)
    rows = np.arange(a.size)
    live_a, live_n = a, (n if upper else n + 1.0)
    term, live_total = np.ones(a.shape), np.zeros(a.shape)
    i = 0.0
    while rows.size:
        for _ in range(_CHECK_EVERY):
            i += 1.0
            if upper:
                r = live_a / (live_n + i)
            else:
                r = np.maximum(live_n - i, 0.0) / live_a
            term *= r
            live_total += term
        with np.errstate(divide="ignore", invalid="ignore"):
            going = term * r / (1.0 - r) > _REST * live_total
        if not np.all(going):
            total[rows[~going]] = live_total[~going]
            rows, live_a, live_n = rows[going], live_a[going], live_n[going]
            term, live_total = term[going], live_total[going]
    return total


def _log_inverse_b_series(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """log of 1/B = sum_{j=0}^{n} prod_{i<j} (n-i)/A where P(Poisson(A) <= n) is small (n below A:
    the terms fall from the first, 1), in blocks of terms from running sums of log((n-i)/A)."""
    total = np.ones(a.shape)
    carry = np.zeros(a.shape)
    j0 = np.zeros(a.shape)
    idx = np.flatnonzero(n > 0)
    block = FIRST_BLOCK
    with np.errstate(divide="ignore"):
        while idx.size:
            i = j0[idx, None] + np.arange(block)[None, :]  # term j = i + 1 multiplies by (n - i) / A
            ratio = np.log(np.maximum(n[idx, None] - i, 0.0)) - np.log(a[idx, None])
            logt = carry[idx, None] + np.cumsum(ratio, axis=1)
            total[idx] += np.exp(logt).sum(axis=1)
            carry[idx] = logt[:, -1]
            j0[idx] += block
            done = (carry[idx] < np.log(total[idx]) - 40.0) | (j0[idx] >= n[idx])
            idx = idx[~done]
            block = min(2 * block, 8192)
    return np.log(total)


def _erlang_b_c(a: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Erlang C and 1 - C for checked, broadcast arrays. Erlang B is evaluated only where it is
    needed, n > A > 0: in overload C is 1 and with no traffic 0, whatever B is."""
    c = np.ones(a.shape)
    one_minus_c = np.zeros(a.shape)
    stable = (n > a) & (a > 0)
    ns, as_ = n[stable], a[stable]
    bs = np.exp(-log_inverse_erlang_b(as_, ns))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = ns - as_ + as_ * bs
        c[stable] = ns * bs / denom
        one_minus_c[stable] = (ns - as_) * (1.0 - bs) / denom
    zero = a == 0
    c[zero] = 0.0
    one_minus_c[zero] = 1.0
    return c, one_minus_c


def _check(traffic: Any, agents: Any) -> tuple[np.ndarray, np.ndarray]:
    a = as_float("traffic", traffic)
    n = as_agents("agents", agents)
    a, n = np.broadcast_arrays(a, n)
    return a, n


def erlang_b(traffic: Any, agents: Any) -> Any:
    """Blocking probability of the M/M/n/n loss system (Erlang B)."""
    a, n = _check(traffic, agents)
    return out(np.exp(-log_inverse_erlang_b(a, n)), is_scalar(traffic, agents))


def erlang_c(traffic: Any, agents: Any) -> Any:
    """Probability that an arriving contact waits in M/M/n (Erlang C); 1 in overload."""
    a, n = _check(traffic, agents)
    return out(_erlang_b_c(a, n)[0], is_scalar(traffic, agents))


def _sl_from_c(a, n, aht, t, c, one_minus_c):
    with np.errstate(all="ignore"):  # the n <= a entries are replaced below
        sl = one_minus_c + c * -np.expm1(-(n - a) * t / aht)
    sl = np.where(n > a, sl, 0.0)
    sl = np.where(a == 0, 1.0, sl)
    return np.minimum(sl, 1.0)


def _asa_from_c(a, n, aht, c):
    with np.errstate(all="ignore"):  # the n <= a entries are replaced below
        w = c * aht / (n - a)
    w = np.where(n > a, w, np.inf)
    return np.where(a == 0, 0.0, w)


def _service_level(a, n, aht, t):
    c, one_minus_c = _erlang_b_c(a, n)
    return _sl_from_c(a, n, aht, t, c, one_minus_c)


def service_level(traffic: Any, agents: Any, aht: Any, threshold: Any) -> Any:
    """P(wait <= threshold) in M/M/n; ``aht`` and ``threshold`` in seconds (threshold may be inf).

    0 in overload (agents <= traffic), 1 with no traffic.
    """
    a, n = _check(traffic, agents)
    h = as_float("aht", aht, positive=True)
    t = as_float("threshold", threshold, allow_inf=True)
    a, n, h, t = np.broadcast_arrays(a, n, h, t)
    return out(_service_level(a, n, h, t), is_scalar(traffic, agents, aht, threshold))


def _asa(a, n, aht):
    return _asa_from_c(a, n, aht, _erlang_b_c(a, n)[0])


def asa(traffic: Any, agents: Any, aht: Any) -> Any:
    """Average speed of answer (mean wait of all contacts, seconds) in M/M/n; inf in overload."""
    a, n = _check(traffic, agents)
    h = as_float("aht", aht, positive=True)
    a, n, h = np.broadcast_arrays(a, n, h)
    return out(_asa(a, n, h), is_scalar(traffic, agents, aht))


@dataclass(frozen=True)
class ErlangCMetrics:
    """Steady-state Erlang C figures; each field a float (scalar input) or an array."""

    p_wait: Any
    service_level: Any
    asa: Any
    occupancy: Any


def metrics(traffic: Any, agents: Any, aht: Any, threshold: Any) -> ErlangCMetrics:
    """:func:`erlang_c`, :func:`service_level`, :func:`asa` and :func:`occupancy` at once, from
    one evaluation of Erlang B: the same values as those four functions, broadcast together."""
    a, n = _check(traffic, agents)
    h = as_float("aht", aht, positive=True)
    t = as_float("threshold", threshold, allow_inf=True)
    a, n, h, t = np.broadcast_arrays(a, n, h, t)
    c, one_minus_c = _erlang_b_c(a, n)
    scalar = is_scalar(traffic, agents, aht, threshold)
    return ErlangCMetrics(
        p_wait=out(c, scalar),
        service_level=out(_sl_from_c(a, n, h, t, c, one_minus_c), scalar),
        asa=out(_asa_from_c(a, n, h, c), scalar),
        occupancy=out(_occupancy(a, n), scalar),
    )


def _occupancy(a, n):
    with np.errstate(all="ignore"):
        occ = np.minimum(a / n, 1.0)
    occ = np.where(n == 0, 1.0, occ)
    return np.where(a == 0, 0.0, occ)


def occupancy(traffic: Any, agents: Any) -> Any:
    """Share of agent time spent handling contacts: min(A/n, 1); 0 with no traffic."""
    a, n = _check(traffic, agents)
    return out(_occupancy(a, n), is_scalar(traffic, agents))


def min_agents_for_occupancy(a: np.ndarray, max_occupancy: np.ndarray) -> np.ndarray:
    """Smallest whole n with A/n <= max_occupancy, decided with the same float test as
    :func:`occupancy` so that the two can never disagree at the boundary."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.ceil(a / max_occupancy)
        # ceil of a rounded quotient can be one too high or low: settle with the exact test
        lower = n - 1
        n = np.where((lower > 0) & (a / lower <= max_occupancy), lower, n)
        n = np.where((n > 0) & (a / n > max_occupancy), n + 1, n)
    return np.where(a == 0, 0.0, n)


def required_agents(
    traffic: Any,
    aht: Any,
    threshold: Any,
    target: Any,
    max_occupancy: Any = 1.0,
    *,
    max_asa: Any = None,
) -> Any:
    r"""Smallest agent count with service level >= ``target`` and occupancy <= ``max_occupancy``.

    With ``max_asa`` (seconds) the ASA must also be at most that value. The answer always exceeds
    the traffic (Erlang C has no steady state otherwise) and is 0 when there is no traffic.

    The search starts at the stability bound :math:`\lfloor A \rfloor + 1` (Erlang B there from the
    regularized gamma function) and walks up with the stable recursion
    :math:`B_n = A B_{n-1} / (n + A B_{n-1})`, vectorised over slots; only slots still short of
    their target stay in the walk. Where the walk meets the targets by a clear margin
    (:data:`_MARGIN`) and one agent fewer misses them by one, that is the answer (Erlang B is then
    summed once per slot); the rare slot within rounding of a target is confirmed with
    :func:`service_level`, :func:`occupancy` and :func:`asa` themselves. Either way
    ``required_agents`` meets the targets by those functions and one agent fewer does not.
    """
    scalar = is_scalar(traffic, aht, threshold, target, max_occupancy, max_asa)
    a = as_float("traffic", traffic)
    h = as_float("aht", aht, positive=True)
    t = as_float("threshold", threshold, allow_inf=True)
    sl_target = as_float("target", target, positive=True, upper=1.0, upper_inclusive=False)
    occ = as_float("max_occupancy", max_occupancy, positive=True, upper=1.0)
    w_max = as_float("max_asa", np.inf if max_asa is None else max_asa, allow_inf=True)
    a, h, t, sl_target, occ, w_max = (
        np.array(x, dtype=float) for x in np.broadcast_arrays(a, h, t, sl_target, occ, w_max)
    )
    shape = a.shape
    a, h, t, sl_target, occ, w_max = (x.ravel() for x in (a, h, t, sl_target, occ, w_max))

    n = np.maximum(np.floor(a) + 1.0, min_agents_for_occupancy(a, occ))
    n = np.where(a == 0, 0.0, n)
    if np.any(n > MAX_AGENTS):
        raise ValueError(f"max_occupancy: the cap needs more than {MAX_AGENTS:.0e} agents (staffsim's "
                         f"stated limit) at traffic {np.max(a):.4g}; got {np.min(occ):.3g}")
    b = np.exp(-log_inverse_erlang_b(a, n))
    # the walk's verdicts that no rounding can overturn: meets by a margin at n (passed), fails by
    # one at n - 1 (failed; or n - 1 is in overload or over the occupancy cap, tested exactly)
    passed = np.zeros(a.size, bool)
    failed = np.zeros(a.size, bool)
    idx = np.flatnonzero(a > 0)
    for _ in range(_WALK):
        if not idx.size:
            break
        ai, ni, bi, wi = a[idx], n[idx], b[idx], w_max[idx]
        denom = ni - ai + ai * bi
        c = ni * bi / denom
        sl = (ni - ai) * (1.0 - bi) / denom + c * -np.expm1(-(ni - ai) * t[idx] / h[idx])
        wait = c * h[idx] / (ni - ai)
        ok = (sl >= sl_target[idx]) & (wait <= wi)
        clear = bi >= _CLEAR_B
        passed[idx[ok]] = (clear & (sl >= sl_target[idx] + _MARGIN) & (wait <= wi * (1.0 - _MARGIN)))[ok]
        failed[idx[~ok]] = (clear & ((sl <= sl_target[idx] - _MARGIN)
                                     | (wait >= wi * (1.0 + _MARGIN))))[~ok]
        idx = idx[~ok]
        n_next = n[idx] + 1.0
        b[idx] = a[idx] * b[idx] / (n_next + a[idx] * b[idx])
        n[idx] = n_next
    if idx.size:  # far above the stability bound (an ASA target of 1e-300 s): gallop, bisect
        def meets(i, m, rows=idx):
            j = rows[i]
            return _meets(a[j], m, h[j], t[j], sl_target[j], occ[j], w_max[j])

        n[idx] = least_meeting(n[idx], n[idx] + 1.0, np.ones(idx.size), meets)
        passed[idx] = False
    fewer = n - 1.0
    failed |= (fewer <= a) | (_occupancy(a, fewer) > occ)
    settled = (a == 0) | (passed & failed & (_occupancy(a, n) <= occ))
    rest = np.flatnonzero(~settled)
    if rest.size:
        ar, hr, tr, sr, orr, wr = (x[rest] for x in (a, h, t, sl_target, occ, w_max))
        n[rest] = _confirm(n[rest], lambda m: _meets(ar, m, hr, tr, sr, orr, wr))
    return out(n.reshape(shape), scalar, integer=True)


#: How far the walk's service level (absolute) and ASA (relative) must clear a target for its
#: verdict to stand without evaluating :func:`service_level` and :func:`asa` again. The walk's
#: Erlang B starts from the same value as theirs and differs from it by the recursion's rounding
#: (at most ~3 ulps a step, 2,048 steps: < 1e-12 relative) plus the two Erlang B values' own
#: error (~1e-13 |log B|: < 1e-10 where B >= 1e-200); C, 1 - C, the service level and the ASA
#: move by a small multiple of that relative error of B (B < 1/2 when n > A), far below the
#: margin.
_MARGIN = 1e-8
_CLEAR_B = 1e-200  # below, Erlang B nears the subnormal range: the public functions decide


_WALK = 2048  # single steps up from the stability bound before galloping


def _meets(a, n, h, t, sl_target, occ, w_max):
    c, one_minus_c = _erlang_b_c(a, n)
    return (
        (_sl_from_c(a, n, h, t, c, one_minus_c) >= sl_target)
        & (_occupancy(a, n) <= occ)
        & (_asa_from_c(a, n, h, c) <= w_max)
    ) | (a == 0)


def _confirm(n: np.ndarray, meets) -> np.ndarray:
    """Move n by single agents until it meets the targets and n - 1 does not.

    The walk above and the public functions agree to a few ulps; this settles the rare slot whose
    service level lies within rounding of its target so the contract holds exactly.
    """
    for _ in range(64):
        ok = meets(n)
        below_ok = meets(np.maximum(n - 1.0, 0.0)) & (n > 0)
        if np.all(ok & ~below_ok):
            return n
        n = np.where(~ok, n + 1.0, np.where(below_ok, n - 1.0, n))
    raise RuntimeError("required_agents: the staffing search did not settle")  # pragma: no cover
