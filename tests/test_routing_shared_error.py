"""Issue 20, item 4: forecast error shared across channels (one day factor moves them together).

Oracle: with a common gamma factor G (mean 1, cv) on the day, the day's total over the channels is
a mixed Poisson: Var(N1 + N2) = Λ + cv² Λ² (Λ = Λ1 + Λ2), Cov(N1, N2) = cv² Λ1 Λ2; with a factor
per channel, Var = Λ + cv² (Λ1² + Λ2²) and the covariance is 0. Tolerance: the sample variance's
99% interval from its asymptotic standard error sqrt((m4 − s⁴) / n).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import channel_draws

from staffsim import scenario_from_dict
from staffsim.errors import InputError

L1, L2, CV, REPS = 60.0, 140.0, 0.25, 1500
Z99 = 2.576


def two_channels(shared_a, shared_b, cv_b=CV):
    def ch(vol, shared, cv):
        unc = {"cv": cv, "per": "day"}
        if shared is not None:
            unc["shared"] = shared
        return {"volume": [vol], "handle_time": {"dist": "exponential", "mean": 60},
                "target": {"service_level": 0.8, "threshold": 20}, "volume_uncertainty": unc}
    return scenario_from_dict({
        "name": "shared", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"},
        "channels": {"a": ch(L1, shared_a, CV), "b": ch(L2, shared_b, cv_b)},
        "agents": [{"group": "t", "skills": ["a", "b"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 5}]}],
        "run": {"replications": 1, "seed": 1, "drain": 0}})


def day_counts(sc):
    return np.array([[len(channel_draws(sc, c, 9, r).times) for c in ("a", "b")] for r in range(REPS)], float)


def var_ci(x):
    d = x - x.mean()
    s2 = (d**2).sum() / (len(x) - 1)
    se = np.sqrt(((d**4).mean() - s2**2) / len(x))
    return s2, Z99 * se


@pytest.mark.parametrize("shared", [True, "retail"])
def test_shared_day_factor_is_a_mixed_poisson(shared):
    n = day_counts(two_channels(shared, shared))
    lam = L1 + L2
    s2, h = var_ci(n.sum(axis=1))
    assert abs(s2 - (lam + CV**2 * lam**2)) < h, (s2, h)
    independent = lam + CV**2 * (L1**2 + L2**2)
    assert abs(independent - (lam + CV**2 * lam**2)) > 2 * h  # the test tells shared from not
    prod = (n[:, 0] - n[:, 0].mean()) * (n[:, 1] - n[:, 1].mean())
    cov, h_cov = prod.sum() / (REPS - 1), Z99 * prod.std(ddof=1) / np.sqrt(REPS)
    assert abs(cov - CV**2 * L1 * L2) < h_cov, (cov, h_cov)
    assert CV**2 * L1 * L2 > 2 * h_cov  # and not 0, as with a factor per channel


def test_factors_per_channel_stay_independent():
    n = day_counts(two_channels(None, None))
    lam = L1 + L2
    s2, h = var_ci(n.sum(axis=1))
    assert abs(s2 - (lam + CV**2 * (L1**2 + L2**2))) < h, (s2, h)


def test_shared_names_make_separate_groups_and_off_keeps_each_channels_draws():
    own = channel_draws(two_channels(None, None), "a", 9, 0)
    # b joins a group alone: a's draws are unchanged bit for bit
    assert np.array_equal(own.times, channel_draws(two_channels(None, "g"), "a", 9, 0).times)
    # two different names: two factors (the day's counts differ from one shared factor)
    one = day_counts_few(two_channels("x", "x"))
    two = day_counts_few(two_channels("x", "y"))
    assert np.array_equal(one[:, 0], two[:, 0]) and not np.array_equal(one[:, 1], two[:, 1])


def day_counts_few(sc, reps=20):
    return np.array([[len(channel_draws(sc, c, 9, r).times) for c in ("a", "b")] for r in range(reps)])


def test_a_shared_factor_needs_one_cv():
    with pytest.raises(InputError, match=r"channels.b.volume_uncertainty: shares the day factor 'shared' "
                                         r"with 'a' but gives another cv or per"):
        two_channels(True, True, cv_b=0.3)
