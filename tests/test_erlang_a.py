"""Erlang A (M/M/n+M) against a direct birth-death chain in mpmath, and its known relationships."""

import math

import numpy as np
import pytest
import references as ref
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from staffsim.models import erlang, erlang_a

REL = 1e-9
FIELDS = ("p_wait", "p_abandon", "mean_wait", "asa", "service_level", "service_level_answered",
          "occupancy")

# traffic, agents, AHT, mean patience, threshold: under- and overloaded, short and long patience
SMALL = [
    (0.5, 1, 180, 60, 20),
    (3.3, 3, 180, 300, 20),
    (8.0, 10, 180, 180, 20),
    (12.0, 10, 300, 120, 30),
    (20.0, 30, 240, 600, 10),
    (40.0, 35, 180, 90, 0),
    (5.0, 20, 180, 50, 20),
    (60.0, 55, 200, 1000, 20),
    (30.0, 40, 100, 1e4, 20),
    (25.0, 12, 180, 240, 60),
]


@pytest.mark.parametrize("a,n,aht,pat,t", SMALL)
def test_matches_birth_death_chain(a, n, aht, pat, t):
    want = ref.erlang_a(a, n, aht, pat, t)
    got = erlang_a.metrics(a, n, aht, pat, t)
    for field, value in want.items():
        assert getattr(got, field) == pytest.approx(float(value), rel=REL), field


@pytest.mark.parametrize("a,n,aht,pat,t", [
    (500.0, 480, 180, 300, 20),
    (2000.0, 2010, 180, 180, 20),
    (5000.0, 4900, 180, 300, 20),
    (5000.0, 5100, 300, 120, 15),
])
def test_large_systems_match_chain_and_quadrature(a, n, aht, pat, t):
    want = ref.erlang_a(a, n, aht, pat, t, with_sl=False)
    got = erlang_a.metrics(a, n, aht, pat, t)
    for field, value in want.items():
        assert getattr(got, field) == pytest.approx(float(value), rel=REL), field
    sl = ref.erlang_a_sl_integral(a, n, aht, pat, t)
    assert got.service_level == pytest.approx(float(sl), rel=REL)


def test_ten_thousand_agents_are_finite_and_ordered():
    m = erlang_a.metrics(np.array([9000.0, 10000.0, 12000.0]), 10000, 180, 300, 20)
    for field in FIELDS:
        assert np.all(np.isfinite(getattr(m, field)))
    assert np.all(np.diff(m.service_level) < 0)  # more traffic, same agents: worse service


@pytest.mark.parametrize("a,n", [(3.0, 2), (10.0, 12), (40.0, 36), (250.0, 260), (3000.0, 3050)])
def test_patience_equal_to_aht_gives_poisson_tail(a, n):
    # with theta = mu the chain is M/M/infinity: P(wait) = P(Poisson(A) >= n)
    m = erlang_a.metrics(a, n, 180.0, 180.0, 20.0)
    assert m.p_wait == pytest.approx(stats.poisson.sf(n - 1, a), rel=REL)


@pytest.mark.parametrize("a,n", [(8.0, 10), (90.0, 100), (900.0, 940)])
def test_tends_to_erlang_c_as_patience_grows(a, n):
    aht, t = 180.0, 20.0
    c = erlang.erlang_c(a, n)
    gaps = []
    for pat in (1e4, 1e6, 1e8):
        m = erlang_a.metrics(a, n, aht, pat, t)
        gaps.append(abs(m.p_wait - c))
    assert gaps[0] > gaps[1] > gaps[2]
    m = erlang_a.metrics(a, n, aht, 1e9, t)
    # relative gap <~ 1 / ((1 - rho)^2 x), x = n * 1e9 / AHT: at most ~1e-7 for these cases
    assert m.p_wait == pytest.approx(c, rel=1e-5)
    assert m.service_level == pytest.approx(erlang.service_level(a, n, aht, t), rel=1e-5)
    assert m.asa == pytest.approx(erlang.asa(a, n, aht), rel=1e-5)
    inf = erlang_a.metrics(a, n, aht, math.inf, t)
    assert inf.p_wait == c and inf.p_abandon == 0.0


def test_limits():
    none = erlang_a.metrics(0.0, 5, 180, 60, 20)
    assert (none.p_wait, none.p_abandon, none.service_level, none.asa) == (0.0, 0.0, 1.0, 0.0)
    empty = erlang_a.metrics(4.0, 0, 180, 60, 20)
    assert (empty.p_wait, empty.p_abandon, empty.service_level) == (1.0, 1.0, 0.0)
    assert empty.asa == math.inf and empty.mean_wait == 60.0
    heavy = erlang_a.metrics(5000.0, 100, 180, 60, 20)  # 50x overload: stable, nearly all abandon
    assert 0.9 < heavy.p_abandon < 1.0 and heavy.occupancy <= 1.0


@given(st.floats(0.05, 800.0), st.integers(1, 900), st.floats(10, 900), st.floats(5, 3000),
       st.floats(0, 300))
def test_figures_in_range_and_consistent(a, n, aht, pat, t):
    m = erlang_a.metrics(a, n, aht, pat, t)
    for field in ("p_wait", "p_abandon", "service_level", "service_level_answered", "occupancy"):
        assert 0.0 <= getattr(m, field) <= 1.0, field
    # orderings that hold exactly, checked within the 1e-9 relative accuracy of each side
    assert m.p_abandon <= m.p_wait * (1 + 2 * REL)
    # abandoners are never answered within target: SL <= 1 - P(abandon)
    assert m.service_level * (1 - REL) <= (1 - m.p_abandon) + m.p_abandon * REL
    assert m.service_level == pytest.approx(m.service_level_answered * (1 - m.p_abandon), rel=1e-9)
    assert 0.0 <= m.asa and 0.0 <= m.mean_wait <= pat
    # flow balance: carried traffic = n * occupancy = A (1 - P(abandon)). In heavy overload
    # 1 - P(abandon) cancels, so the check inherits P(abandon)'s 1e-9 relative error times A.
    assert n * m.occupancy == pytest.approx(a * (1 - m.p_abandon), rel=1e-9,
                                            abs=a * m.p_abandon * 1e-9)


@given(st.floats(0.05, 800.0), st.integers(1, 900), st.floats(10, 900), st.floats(5, 3000),
       st.floats(0, 300), st.floats(1, 100))
def test_more_agents_or_longer_threshold_never_hurt(a, n, aht, pat, t, dt):
    m0 = erlang_a.metrics(a, n, aht, pat, t)
    m1 = erlang_a.metrics(a, n + 1, aht, pat, t)
    # monotone exactly; compared within the 1e-9 relative accuracy of each value
    assert m1.service_level >= m0.service_level * (1 - 2 * REL)
    assert m1.p_abandon <= m0.p_abandon * (1 + 2 * REL)
    assert erlang_a.metrics(a, n, aht, pat, t + dt).service_level >= m0.service_level * (1 - 2 * REL)


@given(st.floats(0.0, 1500.0), st.floats(30, 900), st.floats(10, 1200), st.floats(0, 120),
       st.floats(0.05, 0.98), st.one_of(st.none(), st.floats(0.01, 0.5)), st.floats(0.5, 1.0))
def test_required_agents_meets_targets_and_one_fewer_does_not(a, aht, pat, t, target, ab, occ):
    n = erlang_a.required_agents(a, aht, pat, t, target, ab, occ)
    if a == 0:
        assert n == 0
        return

    def meets(k):
        m = erlang_a.metrics(a, k, aht, pat, t)
        return (m.service_level >= target and m.occupancy <= occ
                and (ab is None or m.p_abandon <= ab))

    assert meets(n)
    assert n == 0 or not meets(n - 1)


def test_required_agents_vectorised_equals_scalar():
    a = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])
    vec = erlang_a.required_agents(a, 180.0, 120.0, 20.0, 0.8, 0.05, max_asa=15.0)
    assert list(vec) == [
        erlang_a.required_agents(float(x), 180.0, 120.0, 20.0, 0.8, 0.05, max_asa=15.0) for x in a
    ]


def test_bad_arguments():
    with pytest.raises(ValueError, match="patience"):
        erlang_a.metrics(1.0, 2, 180, 0.0, 20)
    with pytest.raises(ValueError, match="max_abandon"):
        erlang_a.required_agents(1.0, 180, 60, 20, 0.8, max_abandon=1.5)


@pytest.mark.parametrize("a", [5e-324, 1.1e-308, 1e-300, 1e-20])
@pytest.mark.parametrize("n", [0, 1, 5, 10_000])
def test_tiny_and_subnormal_traffic_never_nan(a, n):
    values = [erlang.erlang_b(a, n), erlang.erlang_c(a, n), erlang.service_level(a, n, 10, 0),
              erlang.asa(a, n, 10), erlang.occupancy(a, n)]
    for aht, pat in ((10.0, 60.0), (600.0, 6.0)):
        m = erlang_a.metrics(a, n, aht, pat, 20.0)
        values += [getattr(m, f) for f in FIELDS]
    assert not np.any(np.isnan(values))
    assert erlang.required_agents(a, 10, 0, 0.5) >= 1
    assert erlang_a.required_agents(a, 10, 60, 0, 0.5) >= 0


def test_small_traffic_limit():
    # one agent, A -> 0: P(wait) ~ A and a waiting contact abandons with theta / (mu + theta)
    m = erlang_a.metrics(1e-8, 1, 10.0, 60.0, 20.0)
    assert m.p_wait == pytest.approx(1e-8, rel=1e-6)
    assert m.p_abandon == pytest.approx(1e-8 * (1 / 60) / (1 / 10 + 1 / 60), rel=1e-6)


def test_heavy_overload_with_long_patience_asa():
    # the queue-length distribution peaks far from 0 (about 18,000 waiting): the ASA series
    # starts near the peak, its first weight and H from gammaln / digamma
    want = ref.erlang_a(5000.0, 2000, 100.0, 600.0, 20.0, with_sl=False)
    got = erlang_a.metrics(5000.0, 2000, 100.0, 600.0, 20.0)
    for field, value in want.items():
        assert getattr(got, field) == pytest.approx(float(value), rel=REL), field


@given(st.floats(0.1, 800.0), st.integers(1, 40), st.floats(10, 900), st.floats(0, 300))
def test_tends_to_erlang_c_property(a, extra, aht, t):
    n = int(np.floor(a)) + extra  # a stable Erlang C system
    c = erlang.erlang_c(a, n)
    sl_c = erlang.service_level(a, n, aht, t)
    gaps = [abs(erlang_a.metrics(a, n, aht, k * aht, t).p_wait - c) for k in (1e2, 1e4, 1e6)]
    assert gaps[0] >= gaps[1] - 1e-12 and gaps[1] >= gaps[2] - 1e-12
    # Patience trims the queue-length distribution (geometric, ratio rho = A/n) by about
    # exp(-j^2 / (2x)), x = n patience / AHT, so the relative gap is at most about
    # E[j^2] / (2x) <= 1 / ((1 - rho)^2 x). Take x so that this bound is 1e-6 and ask for 1e-4.
    rho = a / n
    k = max(1e6, 1e6 / ((1 - rho) ** 2 * n))
    far = erlang_a.metrics(a, n, aht, k * aht, t)
    assert far.p_wait == pytest.approx(c, rel=1e-4, abs=1e-12)
    assert far.service_level == pytest.approx(sl_c, rel=1e-4, abs=1e-12)


# Very long patience near critical load with a short threshold (answered within t is a
# difference of nearly equal masses there), patience 10^9 handle times, and heavy overload with
# long patience (10^10 contacts waiting): 40-digit references from the integral forms.
LONG_PATIENCE = [
    (1265.54, 1295, 176.87, 1e7, 0.06),
    (19990.0, 20000, 10.0, 1e7, 0.5),
    (1265.54, 1295, 176.87, 176.87e9, 0.06),
    (20000.0, 10000, 10.0, 1e7, 20.0),
    (5000.0, 4000, 180.0, 1.8e10, 0.0),
    (1.9999999999998863, 3, 10.0, 1e33, 5.0),  # 10^32 handle times, near the stated limit
]


@pytest.mark.parametrize("a,n,aht,pat,t", LONG_PATIENCE)
def test_long_patience_matches_forty_digit_reference(a, n, aht, pat, t):
    want = ref.erlang_a_integral(a, n, aht, pat, t)
    got = erlang_a.metrics(a, n, aht, pat, t)
    for field, value in want.items():
        # a service level of 10^-1332636182 is 0 in double precision: approx compares 0 == 0
        assert getattr(got, field) == pytest.approx(float(value), rel=REL), field


@pytest.mark.parametrize("a,n,aht,pat", [(20000.0, 10000, 10.0, 1e7), (40.0, 10, 180.0, 1.8e12),
                                         (1e6, 999_000, 60.0, 6e9)])
def test_overload_abandonment_reaches_its_limit(a, n, aht, pat):
    # with patience -> inf, the queue keeps n agents busy and the excess abandons: P(abandon) ->
    # 1 - n/A, occupancy -> 1; the gap is O(AHT / patience), far below 1e-9 here
    m = erlang_a.metrics(a, n, aht, pat, 20.0)
    assert m.p_abandon == pytest.approx(1 - n / a, rel=REL)
    assert m.occupancy == pytest.approx(1.0, rel=REL)
    assert m.mean_wait == pytest.approx((1 - n / a) * pat, rel=REL)


def test_integral_forms_match_the_chain():
    # the reference used above, checked against the birth-death chain where both reach
    for args in ((12.0, 10, 300, 120, 30), (25.0, 12, 180, 240, 60), (5.0, 20, 180, 50, 20)):
        chain, integral = ref.erlang_a(*args), ref.erlang_a_integral(*args)
        for field in chain:
            assert abs(integral[field] - chain[field]) <= 1e-30 * abs(chain[field]), (args, field)
