"""Forecasting methods on one channel's grid (days x slots), no I/O and no engine.

Every method takes the history up to an origin and returns the expected volume for each slot of
the ``horizon`` days that follow it (day indices continue the history's). The inputs:

``vol``      (days, slots) volumes, NaN where unknown (missing, holiday);
``usable``   (days,) complete non-holiday days (what the methods fit on);
``weekday``  a function from a day index to its weekday (0 = Monday);
``span``     per weekday the (first, last) open slot, or None for a closed weekday.

Methods:

* ``seasonal_naive``: each slot as it was on the same weekday one week before (the latest usable
  such day when that one is a holiday or incomplete; further weeks ahead repeat it).
* ``profile`` (default): the daily total times the intraday profile. Daily totals by a weighted
  robust regression of log(total) on day of week and a linear trend over the last ``weeks``
  weeks (exponential weights, half-life ``half_life`` weeks; Huber reweighting, so one odd day
  does not move the line). The intraday profile per weekday is the share of the day's calls in
  each slot over the last ``profile_weeks`` weeks, shrunk toward the profile pooled over all
  weekdays (restricted to that weekday's opening span) with weight ``kappa`` calls.
* ``ets`` (optional, needs statsmodels: ``pip install staffsim[forecast]``): daily totals by
  Holt-Winters exponential smoothing (additive damped trend, additive weekly seasonality), times
  the same intraday profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from staffsim.errors import InputError

METHODS = ("profile", "seasonal_naive", "ets")


@dataclass(frozen=True)
class MethodOptions:
    """Tuning of the built-in methods (defaults chosen on a validation period, see docs)."""

    weeks: int = 8
    half_life: float = 3.0
    trend: bool = True
    profile_weeks: int = 8
    kappa: float = 200.0


def predict(method: str, vol: np.ndarray, usable: np.ndarray, weekday, span, origin: int,
            horizon: int, options: MethodOptions = MethodOptions()) -> np.ndarray:
    """Expected volumes (horizon, slots) for days ``origin .. origin + horizon - 1`` from the
    history's days before ``origin``."""
    if method not in METHODS:
        raise InputError(f"method: choose one of {', '.join(METHODS)}, got {method!r}")
    vol, usable = vol[:origin], usable[:origin]
    if method == "seasonal_naive":
        return _seasonal_naive(vol, usable, weekday, span, origin, horizon)
    profiles = intraday_profiles(vol, usable, weekday, span, options)
    totals = (_ets_totals if method == "ets" else daily_totals)(vol, usable, weekday, span, origin,
                                                                horizon, options)
    out = np.zeros((horizon, vol.shape[1]))
    for h in range(horizon):
        out[h] = totals[h] * profiles[weekday(origin + h)]
    return out


def _seasonal_naive(vol, usable, weekday, span, origin, horizon) -> np.ndarray:
    out = np.zeros((horizon, vol.shape[1]))
    for h in range(horizon):
        w = weekday(origin + h)
        if span[w] is None:
            continue
        d = origin + h - 7 * ((h // 7) + 1)
        while d >= len(usable):
            d -= 7
        while d >= 0 and not usable[d]:
            d -= 7
        if d >= 0:
            out[h] = np.nan_to_num(vol[d])
    return out


def _window(usable, origin, weeks):
    origin = min(origin, len(usable))  # a start after the history's end: its last weeks
    lo = max(0, origin - 7 * weeks)
    return [d for d in range(lo, origin) if usable[d]]


def intraday_profiles(vol, usable, weekday, span, options: MethodOptions) -> np.ndarray:
    """(7, slots): each weekday's shares of the day's volume per slot (zeros for a closed
    weekday), shrunk toward the pooled profile with weight ``kappa`` calls."""
    n = vol.shape[1]
    days = _window(usable, len(vol), options.profile_weeks)
    prof = np.zeros((7, n))
    pooled = np.nansum(vol[days], axis=0) if days else np.zeros(n)
    for w in range(7):
        if span[w] is None:
            continue
        a, b = span[w]
        mask = np.zeros(n, bool)
        mask[a:b + 1] = True
        own_days = [d for d in days if weekday(d) == w]
        own = np.nansum(vol[own_days], axis=0) * mask if own_days else np.zeros(n)
        pool = pooled * mask
        calls = own.sum()
        if pool.sum() <= 0 and calls <= 0:
            prof[w, mask] = 1.0 / mask.sum()  # no calls seen: flat over the opening span
            continue
        pool_share = pool / pool.sum() if pool.sum() > 0 else np.full(n, 1.0 / mask.sum()) * mask
        own_share = own / calls if calls > 0 else pool_share
        weight = calls / (calls + options.kappa)
        prof[w] = weight * own_share + (1 - weight) * pool_share
    return prof


def daily_totals(vol, usable, weekday, span, origin, horizon, options: MethodOptions) -> np.ndarray:
    """Expected daily totals for the horizon days: weighted robust log-linear regression on
    day of week and trend (see the module docstring)."""
    days = np.array(_window(usable, origin, options.weeks), int)
    totals = np.nansum(vol[days], axis=1) if days.size else np.zeros(0)
    wd = np.array([weekday(d) for d in days], int)
    keep = totals > 0
    days, totals, wd = days[keep], totals[keep], wd[keep]
    out = np.zeros(horizon)
    target_wd = [weekday(origin + h) for h in range(horizon)]
    if days.size == 0:
        return out
    present = sorted(set(wd.tolist()))
    X = np.zeros((days.size, len(present) + (1 if options.trend else 0)))
    for j, w in enumerate(present):
        X[wd == w, j] = 1.0
    t_ref = origin - 1
    if options.trend:
        X[:, -1] = (days - t_ref) / 7.0
    y = np.log(totals)
    base = 0.5 ** ((t_ref - days) / (7.0 * options.half_life))
    beta = _huber_wls(X, y, base)
    for h, w in enumerate(target_wd):
        if span[w] is None:
            continue
        if w in present:
            x = np.zeros(X.shape[1])
            x[present.index(w)] = 1.0
            if options.trend:
                x[-1] = (origin + h - t_ref) / 7.0
            out[h] = float(np.exp(x @ beta))
        else:  # an open weekday with no usable day in the window: the mean of the other days
            out[h] = float(np.exp(np.mean(beta[: len(present)])))
    return out


def _huber_wls(X, y, w, k: float = 1.345, iterations: int = 20) -> np.ndarray:
    """Weighted least squares with Huber reweighting of large residuals (scale by the MAD)."""
    weights = w.copy()
    beta = np.zeros(X.shape[1])
    for _ in range(iterations):
        sw = np.sqrt(weights)
        beta_new, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
        r = y - X @ beta_new
        scale = 1.4826 * np.median(np.abs(r - np.median(r)))
        if not np.isfinite(scale) or scale <= 1e-12:
            return beta_new
        u = np.abs(r) / (k * scale)
        weights = w * np.where(u <= 1, 1.0, 1.0 / np.maximum(u, 1e-12))
        if np.allclose(beta_new, beta, atol=1e-10):
            return beta_new
        beta = beta_new
    return beta


def _ets_totals(vol, usable, weekday, span, origin, horizon, options: MethodOptions) -> np.ndarray:
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        raise InputError("method ets needs statsmodels: pip install 'staffsim[forecast]' (or use "
                         "--method profile, the built-in default)") from None
    end = min(origin, len(usable))
    lo = max(0, end - 7 * max(options.weeks, 4))
    series = np.nansum(vol[lo:end], axis=1)
    ok = usable[lo:end]
    if ok.sum() < 14:
        return daily_totals(vol, usable, weekday, span, origin, horizon, options)
    # unusable days (holidays, incomplete) take the robust model's fitted value
    for k in np.flatnonzero(~ok):
        d = lo + k
        series[k] = daily_totals(vol, usable, weekday, span, d, 1, options)[0] if d > 0 else 0.0
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(series, trend="add", damped_trend=True, seasonal="add",
                                   seasonal_periods=7, initialization_method="estimated").fit()
        fc = np.asarray(fit.forecast(origin - end + horizon), float)[origin - end:]
    fc = np.maximum(fc, 0.0)
    for h in range(horizon):
        if span[weekday(origin + h)] is None:
            fc[h] = 0.0
    return fc


def aht_profile(vol, aht, usable, weekday, span, options: MethodOptions, kappa: float = 30.0) -> np.ndarray:
    """(7, slots) expected AHT: volume-weighted mean per weekday and slot over the last
    ``profile_weeks`` weeks, shrunk toward the slot's mean over all weekdays (weight ``kappa``
    contacts), then toward the channel's mean. NaN when the history has no AHT."""
    days = _window(usable, len(vol), options.profile_weeks) or list(range(len(vol)))
    v, a = vol[days], aht[days]
    known = np.isfinite(a) & np.isfinite(v) & (v > 0)
    if not known.any():
        return np.full((7, vol.shape[1]), np.nan)
    vv = np.where(known, v, 0.0)
    aa = np.where(known, a, 0.0)
    overall = (vv * aa).sum() / vv.sum()
    slot_n = vv.sum(axis=0)
    slot_mean = np.where(slot_n > 0, (vv * aa).sum(axis=0) / np.maximum(slot_n, 1e-300), overall)
    slot_mean = (slot_n * slot_mean + kappa * overall) / (slot_n + kappa)
    out = np.tile(slot_mean, (7, 1))
    wd = np.array([weekday(d) for d in days])
    for w in range(7):
        sel = wd == w
        if not sel.any():
            continue
        n_w = vv[sel].sum(axis=0)
        m_w = np.where(n_w > 0, (vv[sel] * aa[sel]).sum(axis=0) / np.maximum(n_w, 1e-300), 0.0)
        out[w] = (n_w * m_w + kappa * slot_mean) / (n_w + kappa)
    return out
