r"""Log-space pieces of the incomplete gamma function that stay exact for huge arguments.

:func:`log_poisson_term` is :math:`\log D(a, z)`, :math:`D(a, z) = z^a e^{-z} / \Gamma(a+1)` (the
Poisson probability of :math:`a` with mean :math:`z`, for real :math:`a`). Written directly it
subtracts numbers of size :math:`a \log a` and loses :math:`\epsilon\, a \log a` (1e-7 at
:math:`a = 10^8`); here it is

.. math:: \log D = -a\,\varphi\!\left(\frac{z-a}{a}\right) - \tfrac12\log(2\pi a) - s(a),
   \qquad \varphi(u) = u - \log(1+u),

with :math:`s(a)` Stirling's correction to :math:`\log\Gamma`, so every term is of the size of the
result. The constants below say where Erlang B (:mod:`staffsim.models.erlang`) leaves library
values of the regularized gamma function for its own positive series.
"""

from __future__ import annotations

import math

import numpy as np

_STIRLING_MIN = 10.0
# Library regularized gamma values keep ~1e-12 relative accuracy in their small tail up to a ~ 1e5
# (measured against the series); beyond, where the tail is < 0.01, the series is summed instead.
SERIES_FROM = 1e5
SERIES_BELOW = 0.01
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
        term = power / k
        if np.all(np.abs(term) <= _HALF_ULP * total):
            break  # this term and every later, smaller one leave every total as it is
        total += (-1) ** k * term  # phi = u^2/2 - u^3/3 + u^4/4 - ...
    out[small] = total
    return out


_HALF_ULP = 2.0**-54  # |x| 2^-54 is below half an ulp of x: adding less rounds back to x


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
        lgamma = np.array([math.lgamma(x + 1.0) for x in asm.tolist()], dtype=float)
        direct = asm * np.log(zs) - zs - lgamma.reshape(asm.shape)
        out[~big] = np.where((asm == 0) & (zs == 0), 0.0, direct)
    return out
