r"""The Erlang A integrals, by Gauss–Legendre quadrature in log space.

Every Erlang A figure is a ratio of a few integrals of one integrand (derivation in
:mod:`staffsim.models.erlang_a`): with :math:`x = n\,\text{patience}/\text{AHT}`,
:math:`y = A\,\text{patience}/\text{AHT}` and :math:`v = \theta s` (time in units of the mean
patience),

.. math:: g(v) = y\,(1 - e^{-v}) - (x + 1)\,v, \qquad
   J_0 = \int_0^\infty e^{g},\quad J_1 = \int_0^\infty v\,e^{g},\quad
   J_K = \int_0^\infty (1 - e^{-v})\,e^{g},\quad J_t = \int_0^{L} e^{g}.

:math:`g` is concave with :math:`g(0) = 0`. Its maximum :math:`G` is at :math:`v^* = \log(y/(x+1))`
when :math:`y > x + 1` (overload) and at 0 otherwise. :func:`integrals` returns :math:`G` and the
logarithms of the integrals of :math:`e^{g - G}`, so that nothing overflows however large the
system. The exponent is written without cancellation: in overload in terms of the distance
:math:`\delta = v - v^*` from the peak, otherwise directly,

.. math:: g(v^* + \delta) - G = -(x + 1)\,\varphi(\delta), \qquad
   g(v) = -d\,v - y\,\varphi(v), \qquad \varphi(\delta) = \delta + e^{-\delta} - 1 \ge 0,

with :math:`d = x + 1 - y` passed in by the caller (formed from :math:`n - A`, not as a difference
of the large :math:`x` and :math:`y`). The integrand is smooth and log-concave. Each integral is
taken over the range where :math:`e^{g}` is within :math:`e^{-50}` of its largest value on the
interval (bounded in closed form from :math:`\varphi`'s growth), on panels that start at the
width of the peak and double away from it, each with a fixed Gauss–Legendre rule: a fixed amount
of work per slot whatever the size, load or patience. Measured against 40-digit mpmath
quadrature, ~1e-13 relative or better (tests/test_erlang_a.py).
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial.legendre import leggauss

__all__ = ["integrals", "phi"]

_CUT = 50.0  # the integrand is cut where it is e^-50 (2e-22) of its largest value
_PANELS = 6  # per side of the peak, each twice as wide as the one before
_NODES, _WEIGHTS = leggauss(13)
# phi's Taylor coefficients (-1)^k / k!, k = 2..12, highest first, for |delta| < 0.1
_SERIES = [(-1.0) ** k / float(np.prod(np.arange(1, k + 1))) for k in range(12, 1, -1)]


def phi(delta: np.ndarray) -> np.ndarray:
    """delta + exp(-delta) - 1 >= 0 (= delta^2/2 - delta^3/6 + ...), without cancellation."""
    delta = np.asarray(delta, float)
    with np.errstate(over="ignore"):
        result = np.expm1(-delta)
    result += delta
    small = np.abs(delta) < 0.1
    if np.any(small):
        ds = delta[small]
        total = ds * _SERIES[0]
        for coef in _SERIES[1:-1]:
            total += coef
            total *= ds
        total += _SERIES[-1]
        total *= ds
        total *= ds
        result[small] = total
    return result


def _u_minus_log1p(u: np.ndarray, log1p_u: np.ndarray) -> np.ndarray:
    """u - log(1 + u) >= 0 for u > 0 (= u^2/2 - u^3/3 + ...), without cancellation."""
    result = u - log1p_u
    small = u < 0.1
    us = u[small]
    total = np.zeros(us.shape)
    for k in range(17, 1, -1):  # 0.1^17 / 17: far below one ulp of the sum
        total = (total + (-1) ** k / k) * us
    result[small] = total * us
    return result


def _right(c: np.ndarray) -> np.ndarray:
    """An upper bound on the delta > 0 with phi(delta) = c (phi >= delta^2/2 - delta^3/6 and
    phi >= delta - 1)."""
    return np.sqrt(2.0 * c) + c


def _left(c: np.ndarray) -> np.ndarray:
    """An upper bound on |delta| for delta < 0 with phi(delta) = c (phi(-s) = e^s - 1 - s)."""
    return np.minimum(np.sqrt(2.0 * c), np.log1p(2.0 * c) + 1.0)


def integrals(x, y, d, limit):
    """``(G, log J0, log J1, log JK, log Jt)`` for 1-d arrays with x > 0, y > 0, d = x + 1 - y
    and ``limit`` = L >= 0 (may be inf); the J's are of e^(g - G). log Jt is -inf where L = 0."""
    out = [np.zeros(x.shape) for _ in range(5)]
    over = d < 0
    for rows, part in ((over, _overload), (~over, _underload)):
        if np.any(rows):
            for o, v in zip(out, part(x[rows] + 1.0, y[rows], d[rows], limit[rows])):
                o[rows] = v
    out[4] = np.where(limit > 0, out[4], -np.inf)
    return tuple(out)


def _overload(x1, y, d, limit):
    """The peak is inside: nodes are distances delta from v* = log(y / (x + 1))."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        u = -d / x1
        vstar = np.log1p(u)
        big_g = x1 * _u_minus_log1p(u, vstar)
        c = _CUT / x1
        lo, hi = np.maximum(-vstar, -_left(c)), _right(c)
        width = 1.0 / np.sqrt(x1)
    delta, w = _graded_nodes(np.zeros(x1.shape), width, lo, hi)
    v = vstar[:, None] + delta
    logs = _log_sums(-x1[:, None] * phi(delta), [w, w * v, w * -np.expm1(-v)])
    log_jt = np.zeros(x1.shape)
    dl = limit - vstar
    before = dl < 0
    after = ~before
    if np.any(after):  # [0, L] holds the peak: the nodes above, cut at L
        hi_t = np.minimum(dl[after], hi[after])
        delta_t, w_t = _graded_nodes(np.zeros(hi_t.shape), width[after], lo[after], hi_t)
        (log_jt[after],) = _log_sums(-x1[after, None] * phi(delta_t), [w_t])
    if np.any(before):
        log_jt[before] = _before_peak(x1[before], vstar[before], limit[before], dl[before], width[before])
    return (big_g, *logs, log_jt)


def _before_peak(x1, vstar, limit, dl, width):
    """log of the integral over [0, L] of e^(g - G) when L lies before the peak: the largest value
    is at L, where g rises with slope g'(L) > 0 (g lies below its tangent, which bounds the range
    to the left). Nodes are distances s back from L, so that an interval [0, L] far shorter than
    v* keeps its exact length; delta = (L - v*) - s."""
    with np.errstate(divide="ignore", over="ignore"):
        g_l = -x1 * phi(dl)
        slope = x1 * np.expm1(-dl)
        length = np.minimum.reduce([limit, vstar - limit + _left((_CUT - g_l) / x1), _CUT / slope])
    zero = np.zeros(x1.shape)
    back, w = _graded_nodes(zero, np.minimum(width, 1.0 / slope), zero, length)
    (log_jt,) = _log_sums(-x1[:, None] * phi(dl[:, None] - back), [w])
    return log_jt


def _underload(x1, y, d, limit):
    """The largest value is at v = 0 (d >= 0): nodes are v itself."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hi = np.minimum(np.where(d > 0, _CUT / d, np.inf), _right(_CUT / y))
        width = np.minimum(np.where(d > 0, 1.0 / d, np.inf), 1.0 / np.sqrt(y))
    zero = np.zeros(x1.shape)
    v, w = _graded_nodes(zero, width, zero, hi)
    logs = _log_sums(-d[:, None] * v - y[:, None] * phi(v), [w, w * v, w * -np.expm1(-v)])
    v_t, w_t = _graded_nodes(zero, width, zero, np.minimum(limit, hi))
    (log_jt,) = _log_sums(-d[:, None] * v_t - y[:, None] * phi(v_t), [w_t])
    return (zero, *logs, log_jt)


def _graded_nodes(center, width, lo, hi):
    """Gauss–Legendre nodes and weights on panels around ``center`` that double in width away
    from it (the first ``width`` wide, the last ending at ``lo`` / ``hi``): the peak is resolved
    however long the tail. As many panels per side as the widest row needs, at most _PANELS.
    Shapes (slots, panels * nodes)."""
    sides = []
    for span in (center - lo, hi - center):
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.max(np.where(span > 0, span / width, 0.0), initial=0.0)
        count = int(min(_PANELS, np.ceil(np.log2(need + 1.0)))) if need > 0 else 0
        reach = width[:, None] * (2.0 ** np.arange(count + 1)[None, :] - 1.0)  # 0, w, 3w, ...
        edges = np.minimum(reach, span[:, None])
        edges[:, -1] = span
        sides.append(edges)
    left, right = sides
    edges = np.concatenate([(center[:, None] - left)[:, :0:-1], center[:, None] + right], axis=1)
    a, b = edges[:, :-1], edges[:, 1:]
    half = (b - a) / 2.0
    nodes = (a + half)[:, :, None] + half[:, :, None] * _NODES[None, None, :]
    weights = half[:, :, None] * _WEIGHTS[None, None, :]
    return nodes.reshape(center.size, -1), weights.reshape(center.size, -1)


def _log_sums(lg, weights: list) -> list:
    """log of sum(w * exp(lg)) per row for each w, scaled by the row's largest exponent first."""
    top = np.max(lg, axis=1) if lg.shape[1] else np.zeros(lg.shape[0])
    top = np.where(np.isfinite(top), top, 0.0)
    scaled = np.exp(lg - top[:, None])
    with np.errstate(divide="ignore"):
        return [top + np.log(np.sum(scaled * w, axis=1)) for w in weights]
