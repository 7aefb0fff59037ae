r"""Log-space pieces of the incomplete gamma function that stay exact for huge arguments.

:func:`log_poisson_term` is :math:`\log D(a, z)`, :math:`D(a, z) = z^a e^{-z} / \Gamma(a+1)` (the
Poisson probability of :math:`a` with mean :math:`z`, for real :math:`a`). Written directly it
subtracts numbers of size :math:`a \log a` and loses :math:`\epsilon\, a \log a` (1e-7 at
:math:`a = 10^8`); here it is

.. math:: \log D = -a\,\varphi\!\left(\frac{z-a}{a}\right) - \tfrac12\log(2\pi a) - s(a),
   \qquad \varphi(u) = u - \log(1+u),

with :math:`s(a)` Stirling's correction to :math:`\log\Gamma`, so every term is of the size of the
result. :func:`log_scaled_lower_gamma` is :math:`\log F(a, z)`,
:math:`F = P(a, z)\,\Gamma(a) e^{z} z^{-a} = \sum_{m\ge0} z^m / (a(a+1)\cdots(a+m))`: from the
regularized gamma function where :math:`P(a, z)` is not small, and from the (positive,
decreasing) series itself in the lower tail, where library values of :math:`P` lose relative
accuracy for large :math:`a`.
"""

from __future__ import annotations

import numpy as np
from scipy import special

_STIRLING_MIN = 10.0
# Library P(a, z) keeps ~1e-12 relative accuracy in its lower tail up to a ~ 1e5 (measured against
# the series); beyond, where P < 0.01, and wherever P underflows, F's series is summed instead.
SERIES_FROM = 1e5
SERIES_BELOW = 0.01
_UNDERFLOW = 1e-250
FIRST_BLOCK = 64  # series blocks start small and double (most sums need a few dozen terms)


def _phi(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """phi(u) = u - log(1 + u) >= 0 for u = (z - a) / a: a series for small |u|, and for z < a/2
    log(1 + u) taken as log z - log a (u itself may round to -1 there)."""
    u = (z - a) / a
    out = np.empty(u.shape)
    small = np.abs(u) < 0.1
    with np.errstate(divide="ignore"):
        log1pu = np.where(u < -0.5, np.log(z) - np.log(a), np.log1p(np.maximum(u, -0.5)))
        out[~small] = (u - log1pu)[~small]
    us = u[small]
    power = us * us
    total = power / 2.0
    for k in range(3, 30):  # 0.1^29 / 29: far below one ulp
        power = power * us
        total += (-1) ** k * power / k  # phi = u^2/2 - u^3/3 + u^4/4 - ...
    out[small] = total
    return out


def _stirling(a: np.ndarray) -> np.ndarray:
    """s(a) = lgamma(a + 1) - [(a + 1/2) log a - a + log(2 pi) / 2], for a >= 10."""
    inv = 1.0 / a
    inv2 = inv * inv
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))


def log_poisson_term(a, z) -> np.ndarray:
    """log(z^a e^-z / Gamma(a + 1)) for a >= 0, z >= 0 (real a), without cancellation."""
    a, z = np.broadcast_arrays(np.asarray(a, float), np.asarray(z, float))
    out = np.empty(a.shape)
    big = a >= _STIRLING_MIN
    with np.errstate(divide="ignore", invalid="ignore"):
        ab, zb = a[big], z[big]
        out[big] = -ab * _phi(ab, zb) - 0.5 * np.log(2 * np.pi * ab) - _stirling(ab)
        asm, zs = a[~big], z[~big]
        direct = asm * np.log(zs) - zs - special.gammaln(asm + 1.0)
        out[~big] = np.where((asm == 0) & (zs == 0), 0.0, direct)
    return out


def log_scaled_lower_gamma(a, z) -> np.ndarray:
    """log F(a, z) = log[P(a, z) Gamma(a) e^z z^-a] for a > 0, z >= 0."""
    a, z = (np.array(v, dtype=float) for v in np.broadcast_arrays(np.asarray(a, float), np.asarray(z, float)))
    p = special.gammainc(a, z)
    out = np.empty(a.shape)
    tail = (p < _UNDERFLOW) | ((p < SERIES_BELOW) & (a > SERIES_FROM))
    with np.errstate(divide="ignore"):
        head = ~tail
        out[head] = np.log(p[head]) - np.log(a[head]) - log_poisson_term(a[head], z[head])
    if np.any(tail):
        out[tail] = _log_series(a[tail], z[tail])
    return out


def _log_series(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log sum_{m>=0} z^m / (a (a+1) ... (a+m)) in the lower tail (z < a + 1 there, so the terms
    fall from the first, 1/a): blocks of terms from running sums of log(z / (a + m))."""
    total = np.ones(a.shape)  # relative to the first term 1/a
    carry = np.zeros(a.shape)  # log of the last term / first term
    m0 = np.zeros(a.shape)
    idx = np.arange(a.size)
    block = FIRST_BLOCK
    with np.errstate(divide="ignore"):
        log_z = np.log(z)
    while idx.size:
        m = m0[idx, None] + np.arange(1, block + 1)[None, :]
        logt = carry[idx, None] + np.cumsum(log_z[idx, None] - np.log(a[idx, None] + m), axis=1)
        total[idx] += np.exp(logt).sum(axis=1)
        carry[idx] = logt[:, -1]
        m0[idx] += block
        done = carry[idx] < np.log(total[idx]) - 40.0  # the rest is below 1e-17 of the sum
        idx = idx[~done]
        block = min(2 * block, 8192)
    return np.log(total) - np.log(a)
