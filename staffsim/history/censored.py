"""Duration fits with right censoring: maximum likelihood, Kaplan–Meier, hazard by wait.

A caller's patience is seen only when it ran out before an agent answered: an abandoned
contact's wait *is* its patience; an answered contact's wait is a lower bound of it (right
censored). The mean of the abandoners' waits is therefore biased low (it keeps only the
impatient), and so is any fit that ignores the answered. Here:

- :func:`mle` fits exponential, lognormal, gamma and Weibull by censored maximum likelihood
  (log-likelihood = Σ log f(observed) + Σ log S(censored)), with 95% Wald intervals for the
  mean and the shape parameter from the observed information (delta method on log scales);
- :func:`kaplan_meier` is ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData`` with its 95%
  pointwise band;
- :func:`hazard_table` estimates the abandonment hazard per wait interval (abandons ÷ time
  exposed), the "abandonment vs wait" curve of Brown et al. (2005).

Without censored values the same code fits handle times (ordinary maximum likelihood).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

__all__ = ["FAMILIES", "Fit", "frozen", "hazard_table", "kaplan_meier", "logpdf_logsf", "logrank", "mle"]

FAMILIES = ("exponential", "lognormal", "gamma", "weibull")
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Fit:
    """One family's maximum-likelihood fit. ``shape`` is the family's shape in staffsim's terms:
    cv for lognormal and gamma, the Weibull shape for weibull, None for exponential; ``mean_ci``
    and ``shape_ci`` are 95% Wald intervals."""

    family: str
    mean: float
    shape: float | None
    mean_ci: tuple[float, float]
    shape_ci: tuple[float, float] | None
    loglik: float
    n_params: int
    n: int
    n_observed: int

    @property
    def aic(self) -> float:
        """Akaike's information criterion, 2k − 2 log L."""
        return 2 * self.n_params - 2 * self.loglik

    def frozen(self):
        """The scipy distribution."""
        return frozen(self.family, self.mean, self.shape)

    def spec(self) -> dict:
        """The scenario's distribution spec (``{dist: lognormal, mean: ..., cv: ...}``)."""
        out = {"dist": self.family, "mean": round(float(self.mean), 2)}
        if self.family in ("lognormal", "gamma"):
            out["cv"] = round(float(self.shape), 4)
        elif self.family == "weibull":
            out["shape"] = round(float(self.shape), 4)
        return out


def frozen(family: str, mean: float, shape: float | None):
    """scipy distribution of a family given staffsim's parameters (mean and cv or shape)."""
    if family == "exponential":
        return stats.expon(scale=mean)
    if family == "lognormal":
        s2 = math.log1p(shape**2)
        return stats.lognorm(s=math.sqrt(s2), scale=mean * math.exp(-s2 / 2))
    if family == "gamma":
        k = 1 / shape**2
        return stats.gamma(a=k, scale=mean / k)
    if family == "weibull":
        return stats.weibull_min(c=shape, scale=mean / special.gamma(1 + 1 / shape))
    raise ValueError(f"unknown family {family!r}")


def _natural(family: str, theta: np.ndarray) -> tuple[float, float | None]:
    """(mean, shape) from the unconstrained parameters θ = (log mean, log shape)."""
    mean = math.exp(theta[0])
    return mean, (None if family == "exponential" else math.exp(theta[1]))


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def logpdf_logsf(family: str, mean: float, shape: float | None, x: np.ndarray, lx: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(log density, log survival) at ``x`` (``lx`` = log x, when already computed); the same
    distributions as :func:`frozen` and :class:`staffsim.distributions.Distribution`."""
    lx = np.log(x) if lx is None else lx
    if family == "exponential":
        return -math.log(mean) - x / mean, -x / mean
    if family == "lognormal":
        s2 = math.log1p(shape**2)
        s, mu = math.sqrt(s2), math.log(mean) - s2 / 2
        z = (lx - mu) / s
        return -lx - math.log(s) - _HALF_LOG_2PI - 0.5 * z * z, special.log_ndtr(-z)
    if family == "gamma":
        k = 1 / shape**2
        theta = mean / k
        return ((k - 1) * lx - x / theta - special.gammaln(k) - k * math.log(theta),
                np.log(special.gammaincc(k, x / theta)))
    if family == "weibull":
        lam = mean / special.gamma(1 + 1 / shape)
        zk = np.exp(shape * (lx - math.log(lam)))
        return math.log(shape) - math.log(lam) + (shape - 1) * (lx - math.log(lam)) - zk, -zk
    raise ValueError(f"unknown family {family!r}")


def _negloglik(family: str, theta: np.ndarray, x: np.ndarray, c: np.ndarray, lx: np.ndarray,
               lc: np.ndarray) -> float:
    if np.any(np.abs(theta) > 50):
        return np.inf
    mean, shape = _natural(family, theta)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        ll = logpdf_logsf(family, mean, shape, x, lx)[0].sum()
        if c.size:
            ll += logpdf_logsf(family, mean, shape, c, lc)[1].sum()
    return -ll if np.isfinite(ll) else np.inf


def _hessian(f, theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    k = len(theta)
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            v = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)) / (4 * h * h)
            hess[i, j] = hess[j, i] = v
    return hess


def mle(family: str, observed: np.ndarray, censored: np.ndarray | None = None) -> Fit:
    """Censored maximum likelihood of ``family`` (:data:`FAMILIES`): ``observed`` durations
    (> 0) and right-``censored`` ones (values known only to exceed; 0s carry no information and
    are ignored exactly)."""
    x = np.asarray(observed, float)
    c = np.asarray(censored if censored is not None else [], float)
    c = c[c > 0]
    if x.size == 0:
        raise ValueError("no observed (uncensored) values to fit")
    if np.any(x <= 0):
        x = np.maximum(x, 1e-3)  # a duration of 0 recorded at the log's resolution
    # exponential: closed form; the others start from the exponential and the observed spread
    mean0 = (x.sum() + c.sum()) / x.size
    if family == "exponential":
        theta0 = np.array([math.log(mean0)])
    else:
        cv = float(np.std(x) / np.mean(x)) if x.size > 1 else 1.0
        cv = min(max(cv, 0.2), 3.0)
        start = {"lognormal": cv, "gamma": cv, "weibull": 1.0 / cv}[family]
        theta0 = np.array([math.log(mean0), math.log(start)])

    lx, lc = np.log(x), np.log(c)

    def f(t):
        return _negloglik(family, t, x, c, lx, lc)

    res = optimize.minimize(f, theta0, method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000, "maxfev": 8000})
    res = optimize.minimize(f, res.x, method="BFGS") if np.isfinite(res.fun) else res
    theta = res.x
    mean, shape = _natural(family, theta)
    try:
        cov = np.linalg.inv(_hessian(f, theta))
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(len(theta), np.nan)
    mean_ci = (math.exp(theta[0] - Z95 * se[0]), math.exp(theta[0] + Z95 * se[0]))
    shape_ci = None if shape is None else (math.exp(theta[1] - Z95 * se[1]), math.exp(theta[1] + Z95 * se[1]))
    return Fit(family, mean, shape, mean_ci, shape_ci, -float(f(theta)), len(theta), int(x.size + c.size),
               int(x.size))


def kaplan_meier(observed: np.ndarray, censored: np.ndarray) -> pd.DataFrame:
    """The Kaplan–Meier survival curve of patience with its 95% pointwise band (log-log), at
    each observed abandon time: ``wait_s``, ``survival``, ``lo``, ``hi``, ``at_risk``."""
    data = stats.CensoredData(uncensored=np.asarray(observed, float), right=np.asarray(censored, float))
    res = stats.ecdf(data)
    sf = res.sf
    with warnings.catch_warnings():  # undefined at the last points (survival 0 or 1): NaN there
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.95, method="log-log")
    with np.errstate(invalid="ignore"):
        lo, hi = band.low.probabilities, band.high.probabilities
    waits = np.sort(np.concatenate([np.asarray(observed, float), np.asarray(censored, float)]))
    at_risk = waits.size - np.searchsorted(waits, sf.quantiles, side="left")
    return pd.DataFrame({"wait_s": sf.quantiles, "survival": sf.probabilities, "lo": lo, "hi": hi,
                         "at_risk": at_risk})


def hazard_table(observed: np.ndarray, censored: np.ndarray, edges: np.ndarray) -> pd.DataFrame:
    """Abandonment hazard per wait interval [edge_i, edge_i+1): abandons in it ÷ seconds that
    waiting contacts spent in it, per minute, with a 95% interval (exact Poisson on the abandons).
    A constant hazard is exponential patience; a falling one, callers who hang up early."""
    waits = np.concatenate([observed, censored])
    rows = []
    for lo, hi in itertools.pairwise(edges):
        exposure = float(np.clip(waits - lo, 0, hi - lo).sum())
        d = int(((observed >= lo) & (observed < hi)).sum())
        if exposure <= 0:
            continue
        q_lo = stats.chi2.ppf(0.025, 2 * d) / 2 if d > 0 else 0.0
        q_hi = stats.chi2.ppf(0.975, 2 * d + 2) / 2
        rows.append({"wait_from_s": lo, "wait_to_s": hi, "waiting": int((waits >= lo).sum()), "abandons": d,
                     "exposure_s": exposure, "hazard_per_min": 60 * d / exposure,
                     "hazard_lo": 60 * q_lo / exposure, "hazard_hi": 60 * q_hi / exposure})
    return pd.DataFrame(rows)


def logrank(waits: list[np.ndarray], abandoned: list[np.ndarray]) -> float:
    """p-value of the log-rank test that several groups (periods of the day) share one patience
    distribution, whatever its shape: observed minus expected abandons per group at every
    abandon time, given who was still waiting (right-censored by the answers)."""
    k = len(waits)
    times = np.unique(np.concatenate([w[a] for w, a in zip(waits, abandoned)]))
    if k < 2 or times.size == 0:
        return math.nan
    at_risk = np.empty((k, times.size))
    events = np.empty((k, times.size))
    for g, (w, a) in enumerate(zip(waits, abandoned)):
        ws = np.sort(w)
        at_risk[g] = ws.size - np.searchsorted(ws, times, side="left")
        ev = np.sort(w[a])
        events[g] = np.searchsorted(ev, times, side="right") - np.searchsorted(ev, times, side="left")
    n, d = at_risk.sum(0), events.sum(0)
    ok = n > 1
    at_risk, events, n, d = at_risk[:, ok], events[:, ok], n[ok], d[ok]
    u = (events - at_risk * d / n).sum(1)
    f = d * (n - d) / (n - 1) / n
    v = np.einsum("t,gt,ht->gh", f, at_risk, -at_risk / n)
    v[np.diag_indices(k)] += (f * at_risk).sum(1)
    stat = float(u[:-1] @ np.linalg.solve(v[:-1, :-1], u[:-1]))
    return float(stats.chi2.sf(stat, k - 1))
