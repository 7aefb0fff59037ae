"""Confidence intervals over replications.

Replications are independent and identically distributed, so a KPI's mean over R replications
has the Student-t 95% half-width ``t(0.975, R-1) · s / sqrt(R)``, s the sample standard deviation.
Undefined values (a slot with nobody offered has no service level) are left out of both the mean
and the interval; with fewer than two defined values the half-width is undefined (NaN).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats as _stats

LEVEL = 0.95


@lru_cache(maxsize=4096)
def _t_quantile(level: float, df: int) -> float:
    """Student-t quantile ``t(0.5 + level / 2, df)`` (kept: scipy's call costs milliseconds, and a
    table of KPIs asks for the same few degrees of freedom thousands of times)."""
    return float(_stats.t.ppf(0.5 + level / 2, df))


def t_quantiles(level: float, dfs: np.ndarray) -> np.ndarray:
    """:func:`_t_quantile` of every element of ``dfs`` (whole numbers >= 1), the same numbers as
    scipy's ``t.ppf`` on the array."""
    dfs = np.asarray(dfs)
    uniq, inv = np.unique(dfs.ravel(), return_inverse=True)
    return np.array([_t_quantile(float(level), int(d)) for d in uniq], float)[inv].reshape(dfs.shape)


def mean_ci(values: np.ndarray, axis: int = 0, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """NaN-aware mean and confidence half-width along ``axis``."""
    x = np.asarray(values, float)
    finite = np.isfinite(x)
    n = finite.sum(axis=axis)
    filled = np.where(finite, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, filled.sum(axis=axis) / np.maximum(n, 1), np.nan)
        dev = np.where(finite, x - np.expand_dims(mean, axis), 0.0)
        var = np.where(n > 1, (dev**2).sum(axis=axis) / np.maximum(n - 1, 1), np.nan)
        tq = t_quantiles(level, np.maximum(n - 1, 1))
        half = np.where(n > 1, tq * np.sqrt(var / np.maximum(n, 1)), np.nan)
    # a KPI that is exactly the same in every replication has a zero-width interval
    return mean, half


def mean_ci_table(frame: pd.DataFrame, by: list[str], *, sort: bool = True,
                  skip: tuple[str, ...] = ("replication",)) -> pd.DataFrame:
    """Mean and ``<col>_ci`` half-width of every numeric column, per group of ``by``."""
    numeric = [c for c in frame.columns if c not in by and c not in skip
               and pd.api.types.is_numeric_dtype(frame[c])]
    rows = []
    for key, part in frame.groupby(by, sort=sort):
        key = key if isinstance(key, tuple) else (key,)
        mean, half = mean_ci(part[numeric].to_numpy(float), axis=0)
        row = dict(zip(by, key))
        row.update(dict(zip(numeric, mean)))
        row.update({f"{c}_ci": h for c, h in zip(numeric, half)})
        rows.append(row)
    return pd.DataFrame(rows, columns=by + numeric + [f"{c}_ci" for c in numeric])


def paired_difference(base: np.ndarray, other: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Mean and half-width of ``other - base`` over replications run with the same seeds (common
    random numbers): the interval of the per-replication differences. Pairs with an undefined
    value on either side are left out."""
    d = np.asarray(other, float) - np.asarray(base, float)
    mean, half = mean_ci(d[np.isfinite(d)])
    return float(mean), float(half)


def unpaired_difference(base: np.ndarray, other: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Mean and Welch half-width of ``mean(other) - mean(base)`` for independent replications."""
    a = np.asarray(base, float)
    b = np.asarray(other, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return float(b.mean() - a.mean()) if len(a) and len(b) else float("nan"), float("nan")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    if se2 == 0:
        return float(b.mean() - a.mean()), 0.0
    df = se2**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(b.mean() - a.mean()), float(_stats.t.ppf(0.5 + level / 2, df) * np.sqrt(se2))
