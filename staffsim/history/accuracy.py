"""Forecast accuracy: WAPE, MASE, the error model behind the prediction intervals, and the
rolling-origin evaluation (no I/O, no engine).

Definitions (A actual, F forecast, over the scored intervals or days):

* WAPE = sum |A - F| / sum A.
* MASE = mean |A - F| / mean |A_t - A_(t - 1 week)|, the denominator taken over the training
  history before the origin (the in-sample error of weekly seasonal naive, Hyndman & Koehler
  2006); with several origins, each origin's errors are scaled by its own training history and
  the scaled errors averaged.
* Error model: a day's volume is Poisson around F x M_day x M_slot, M_day and M_slot
  independent multipliers of mean 1 and coefficients of variation ``cv_day`` and ``cv_slot``
  (the slot's share of the day's calls). Both are estimated by the method of moments net of the
  Poisson noise from backtest errors: cv_day^2 = sum[(A_d - F_d)^2 - F_d] / sum F_d^2 over
  days; cv_slot^2 the same over slots with F rescaled to the day's actual total. The
  prediction intervals are negative-binomial quantiles with that mean and variance
  (Var = F + F^2 [(1 + cv_day^2)(1 + cv_slot^2) - 1] per slot; a day's total
  Var = F_d + F_d^2 cv_day^2 + (1 + cv_day^2) cv_slot^2 sum F^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """sum |A - F| / sum A (NaN when there are no calls)."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    total = actual.sum()
    return float(np.abs(actual - forecast).sum() / total) if total > 0 else float("nan")


def seasonal_scale(series: np.ndarray, lag: int) -> float:
    """mean |x_t - x_(t - lag)| over the pairs where both are known (MASE's denominator)."""
    series = np.asarray(series, float)
    if series.size <= lag:
        return float("nan")
    diff = np.abs(series[lag:] - series[:-lag])
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if diff.size else float("nan")


@dataclass(frozen=True)
class ErrorModel:
    """Coefficients of variation of the day and slot multipliers (see the module docstring)."""

    cv_day: float
    cv_slot: float
    days: int = 0

    def interval_quantiles(self, mean: np.ndarray, q: float) -> np.ndarray:
        """Quantile ``q`` of each slot's volume."""
        mean = np.asarray(mean, float)
        extra = (1 + self.cv_day ** 2) * (1 + self.cv_slot ** 2) - 1
        return _nb_quantile(mean, mean + mean ** 2 * extra, q)

    def day_quantiles(self, mean_slots: np.ndarray, q: float) -> np.ndarray:
        """Quantile ``q`` of each day's total; ``mean_slots`` is (days, slots)."""
        m = np.asarray(mean_slots, float)
        total = m.sum(axis=1)
        var = total + total ** 2 * self.cv_day ** 2 + (1 + self.cv_day ** 2) * self.cv_slot ** 2 * (m ** 2).sum(axis=1)
        return _nb_quantile(total, var, q)


def _nb_quantile(mean: np.ndarray, var: np.ndarray, q: float) -> np.ndarray:
    """Quantile of a negative binomial with the given mean and variance (Poisson when the
    variance is not above the mean; 0 where the mean is 0)."""
    mean = np.asarray(mean, float)
    var = np.asarray(var, float)
    out = np.zeros_like(mean)
    pos = mean > 0
    over = pos & (var > mean * (1 + 1e-9))
    poi = pos & ~over
    if poi.any():
        out[poi] = stats.poisson.ppf(q, mean[poi])
    if over.any():
        n = mean[over] ** 2 / (var[over] - mean[over])
        p = n / (n + mean[over])
        out[over] = stats.nbinom.ppf(q, n, p)
    return out


def estimate_error_model(pairs: list[tuple[np.ndarray, np.ndarray]]) -> ErrorModel:
    """cv_day and cv_slot from (actual, forecast) pairs of (slots,) arrays, one per scored day
    (NaN-free), by the method of moments net of Poisson noise; 0 when the errors are no larger
    than Poisson noise."""
    num_d = den_d = num_s = den_s = 0.0
    for a, f in pairs:
        A, F = float(a.sum()), float(f.sum())
        if F <= 0:
            continue
        num_d += (A - F) ** 2 - F
        den_d += F ** 2
        fs = f * (A / F)
        num_s += float(((a - fs) ** 2 - fs).sum())
        den_s += float((fs ** 2).sum())
    cv_d = np.sqrt(max(num_d, 0.0) / den_d) if den_d > 0 else 0.0
    cv_s = np.sqrt(max(num_s, 0.0) / den_s) if den_s > 0 else 0.0
    return ErrorModel(float(cv_d), float(cv_s), len(pairs))


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of actuals inside [low, high]."""
    actual = np.asarray(actual, float)
    if actual.size == 0:
        return float("nan")
    return float(np.mean((actual >= low) & (actual <= high)))
