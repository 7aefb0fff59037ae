"""Distribution specs → samplers. All times in seconds.

| dist | parameters | notes |
| --- | --- | --- |
| exponential | mean | memoryless (Erlang's assumption) |
| lognormal | mean, cv | cv = standard deviation / mean |
| gamma | mean, cv | shape = 1 / cv² |
| weibull | mean, shape | scale = mean / Γ(1 + 1/shape) |
| deterministic | mean | always the mean |
| uniform | low, high | |
| empirical | values (list) or file + column | resampled with replacement |

Each sampler draws with a generator passed in (see :mod:`staffsim.rng`); the same generator state
gives the same values, so draws are reproducible and can be shared between scenarios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Distribution"]


def _special():
    """scipy.special, imported when a distribution first needs it (it costs ~0.25 s to import,
    and loading a forecast's targets, which validates with the scenario schema, needs none)."""
    from scipy import special

    return special


@dataclass(frozen=True)
class Distribution:
    """A validated distribution of positive durations."""

    dist: str
    mean: float
    cv: float | None = None
    shape: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] | None = None

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        """Draw ``size`` values (seconds)."""
        d = self.dist
        if d == "exponential":
            return rng.exponential(self.mean, size)
        if d == "deterministic":
            return np.full(size, self.mean, dtype=float)
        if d == "lognormal":
            sigma2 = math.log1p(self.cv**2)
            mu = math.log(self.mean) - sigma2 / 2
            return rng.lognormal(mu, math.sqrt(sigma2), size)
        if d == "gamma":
            k = 1.0 / self.cv**2
            return rng.gamma(k, self.mean / k, size)
        if d == "weibull":
            scale = self.mean / _special().gamma(1.0 + 1.0 / self.shape)
            return scale * rng.weibull(self.shape, size)
        if d == "uniform":
            return rng.uniform(self.low, self.high, size)
        if d == "empirical":
            values = np.asarray(self.values, float)
            return values[rng.integers(0, len(values), size)]
        raise ValueError(f"unknown distribution {d!r}")  # pragma: no cover (validated)

    def scaled(self, mean: float) -> Distribution:
        """The same distribution with mean ``mean`` (interval AHT): every family here is a scale
        family for its fixed shape, so this is the distribution of ``X × mean / self.mean``.
        lognormal and gamma keep their cv; exponential stays exponential; weibull keeps its
        shape; deterministic takes the mean; uniform scales low and high, and empirical every
        value, by the mean ratio (so the ratio high/low, and the shape, are kept)."""
        r = mean / self.mean
        if self.dist == "uniform":
            return Distribution(self.dist, mean, low=self.low * r, high=self.high * r)
        if self.dist == "empirical":
            return Distribution(self.dist, mean, values=tuple(v * r for v in self.values))
        return Distribution(self.dist, mean, cv=self.cv, shape=self.shape)

    def coefficient_of_variation(self) -> float:
        """Standard deviation over mean (a Weibull's from its shape, in log space so a tiny shape
        gives inf rather than an overflow)."""
        d = self.dist
        if d == "exponential":
            return 1.0
        if d in ("lognormal", "gamma"):
            return float(self.cv)
        if d == "weibull":
            k = self.shape
            log_ratio = _special().gammaln(1 + 2 / k) - 2 * _special().gammaln(1 + 1 / k)
            return math.sqrt(math.expm1(log_ratio)) if log_ratio < 700 else math.inf
        if self.mean == 0:
            return 0.0
        return math.sqrt(self.variance) / self.mean

    def largest_draw(self) -> float:
        """An upper bound of any value :meth:`sample` can return (inf when the draws can
        overflow): the quantile at 1e-300 from the top for the unbounded families (numpy's
        uniforms are multiples of 2^-53, its normal and exponential tails stop long before)."""
        d = self.dist
        if d in ("deterministic", "uniform", "empirical"):
            return float(self.high if d == "uniform" else max(self.values) if d == "empirical" else self.mean)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if d == "exponential":
                return self.mean * 691.0  # -ln(1e-300)
            if d == "lognormal":
                sigma2 = math.log1p(self.cv**2)
                log_top = math.log(self.mean) - sigma2 / 2 + 37.1 * math.sqrt(sigma2)  # z at 1e-300
                return math.exp(log_top) if log_top < 709 else math.inf
            if d == "gamma":
                k = 1.0 / self.cv**2
                return float(_special().gammainccinv(k, 1e-300) * self.mean / k)
            if d == "weibull":
                log_scale = math.log(self.mean) - _special().gammaln(1.0 + 1.0 / self.shape)
                log_top = log_scale + math.log(691.0) / self.shape
                return math.exp(log_top) if log_top < 709 else math.inf
        raise ValueError(f"unknown distribution {d!r}")  # pragma: no cover (validated)

    @property
    def variance(self) -> float:
        """Variance in seconds² (for reports and checks)."""
        d = self.dist
        if d == "exponential":
            return self.mean**2
        if d == "deterministic":
            return 0.0
        if d in ("lognormal", "gamma"):
            return (self.cv * self.mean) ** 2
        if d == "weibull":
            g1 = _special().gamma(1 + 1 / self.shape)
            g2 = _special().gamma(1 + 2 / self.shape)
            return (self.mean / g1) ** 2 * (g2 - g1**2)
        if d == "uniform":
            return (self.high - self.low) ** 2 / 12
        return float(np.var(np.asarray(self.values, float)))
