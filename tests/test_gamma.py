"""The log-space incomplete-gamma pieces at sizes where library values lose accuracy."""

import mpmath as mp
import numpy as np
import pytest
import references as ref

from staffsim.models import erlang, erlang_a
from staffsim.models._gamma import log_poisson_term


@pytest.mark.parametrize("a", [0.5, 3.0, 9.99, 10.0, 57.3, 1e3, 1e6, 5.2e7, 1e9])
@pytest.mark.parametrize("ratio", [1e-300, 1e-6, 0.3, 0.5, 0.9, 0.999, 1.0, 1.001, 1.2, 3.0])
def test_log_poisson_term(a, ratio):
    z = a * ratio
    with mp.workdps(50):
        want = mp.mpf(a) * mp.log(mp.mpf(z)) - z - mp.loggamma(mp.mpf(a) + 1)
    got = float(log_poisson_term(a, z))
    # the log is compared absolutely where it is small (it is exponentiated), relatively else
    assert abs(got - float(want)) <= 1e-12 * max(1.0, abs(float(want)))


def test_erlang_a_with_patience_far_beyond_handle_time():
    # x = n * patience / AHT = 5.2e7 near critical load: the regime where forming the queue's mass
    # from a library incomplete gamma function once lost three digits
    a, n, aht, pat = 51.9375, 52, 10.0, 1e7
    want = ref.erlang_a(a, n, aht, pat, None, with_sl=False)
    got = erlang_a.metrics(a, n, aht, pat, 0.0)
    for field in ("p_wait", "p_abandon", "occupancy"):
        assert getattr(got, field) == pytest.approx(float(want[field]), rel=1e-9), field


def test_erlang_b_at_two_hundred_thousand_agents_in_overload():
    a, n = 2e5, 199_000
    assert erlang.erlang_b(a, n) == pytest.approx(float(ref.erlang_b(a, n)), rel=1e-9)
    assert np.isfinite(erlang.erlang_b(1e7, 9_990_000))
