"""Erlang B / C against independent mpmath references, limits, and relational properties."""

import math

import mpmath as mp
import numpy as np
import pytest
import references as ref
from hypothesis import given
from hypothesis import strategies as st

from staffsim.models import erlang

REL = 1e-9

# (traffic, agents) from 0.5 to 5,000 Erlangs: under load, near the stability bound, overload
CASES = [
    (a, n)
    for a in (0.5, 1.7, 12.3, 99.9, 500.5, 2000.2, 5000.5)
    for n in sorted({1, max(1, int(a / 2)), int(a), int(a) + 1, int(a) + 3, int(a * 1.1) + 2,
                     int(a * 1.5) + 1})
]


def close(value, reference, rel=REL):
    reference = float(reference)
    if reference == 0.0 or abs(reference) < 1e-300:
        return abs(value) < 1e-300
    return abs(value / reference - 1) <= rel


@pytest.mark.parametrize("a,n", CASES)
def test_erlang_b_and_c_match_reference(a, n):
    assert close(erlang.erlang_b(a, n), ref.erlang_b(a, n))
    assert close(erlang.erlang_c(a, n), ref.erlang_c(a, n))


@pytest.mark.parametrize("a,n", CASES)
def test_service_level_and_asa_match_reference(a, n):
    for aht, t in ((180.0, 20.0), (300.0, 0.0), (45.0, 600.0)):
        assert close(erlang.service_level(a, n, aht, t), ref.erlang_c_service_level(a, n, aht, t))
        w = erlang.asa(a, n, aht)
        r = ref.erlang_c_asa(a, n, aht)
        assert (math.isinf(w) and r == mp.inf) or close(w, r)
    assert erlang.occupancy(a, n) == (1.0 if n == 0 else pytest.approx(min(a / n, 1.0), rel=1e-15))


def test_large_systems_are_exact_without_overflow():
    for a, n in ((9_950.0, 10_000), (10_000.0, 10_100), (20_000.0, 20_050)):
        assert close(erlang.erlang_b(a, n), ref.erlang_b(a, n))
        assert close(erlang.erlang_c(a, n), ref.erlang_c(a, n))
    # far from the stability bound the values underflow to their true (tiny) magnitude, not NaN
    assert erlang.erlang_b(10.0, 10_000) == 0.0
    assert erlang.erlang_b(1e5, 1) == pytest.approx(1e5 / (1 + 1e5), rel=1e-12)
    assert close(erlang.erlang_b(1e5, 50_000), ref.erlang_b(1e5, 50_000))


def test_overload_and_zero_traffic_limits():
    assert erlang.erlang_c(10.0, 10) == 1.0
    assert erlang.erlang_c(10.0, 3) == 1.0
    assert erlang.service_level(10.0, 10, 180, 20) == 0.0
    assert erlang.asa(10.0, 9, 180) == math.inf
    assert erlang.occupancy(10.0, 9) == 1.0
    assert erlang.occupancy(10.0, 0) == 1.0
    assert erlang.erlang_c(0.0, 3) == 0.0
    assert erlang.service_level(0.0, 0, 180, 20) == 1.0
    assert erlang.asa(0.0, 2, 180) == 0.0
    assert erlang.occupancy(0.0, 0) == 0.0
    assert erlang.erlang_b(0.0, 0) == 1.0 and erlang.erlang_b(0.0, 4) == 0.0


def test_vectorised_matches_scalar_and_broadcasts():
    a = np.array([[5.0], [50.0], [500.0]])
    n = np.array([4, 8, 60, 600])
    got = erlang.service_level(a, n, 180.0, 20.0)
    assert got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == erlang.service_level(float(a[i, 0]), int(n[j]), 180.0, 20.0)
    assert isinstance(erlang.erlang_c(5.0, 7), float)
    req = erlang.required_agents(np.array([0.0, 10.0, 100.0]), 180.0, 20.0, 0.8)
    assert req.dtype == np.int64 and list(req) == [
        erlang.required_agents(x, 180.0, 20.0, 0.8) for x in (0.0, 10.0, 100.0)
    ]


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: erlang.erlang_c(-1.0, 3), "traffic"),
        (lambda: erlang.erlang_c(float("nan"), 3), "traffic"),
        (lambda: erlang.erlang_c(1.0, 2.5), "whole number"),
        (lambda: erlang.service_level(1.0, 2, 0.0, 20), "aht"),
        (lambda: erlang.service_level(1.0, 2, 180, -1), "threshold"),
        (lambda: erlang.required_agents(1.0, 180, 20, 1.0), "target"),
        (lambda: erlang.required_agents(1.0, 180, 20, 0.0), "target"),
        (lambda: erlang.required_agents(1.0, 180, 20, 0.8, max_occupancy=0), "max_occupancy"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


traffic = st.floats(0.01, 3000.0)
agents = st.integers(0, 3500)


@given(traffic, agents, st.floats(1.0, 1000.0), st.floats(0.0, 600.0))
def test_probabilities_are_in_range(a, n, aht, t):
    for value in (erlang.erlang_b(a, n), erlang.erlang_c(a, n), erlang.service_level(a, n, aht, t),
                  erlang.occupancy(a, n)):
        assert 0.0 <= value <= 1.0
    assert erlang.asa(a, n, aht) >= 0.0


@given(traffic, st.integers(1, 3500), st.floats(1.0, 1000.0), st.floats(0.0, 600.0),
       st.floats(0.1, 600.0))
def test_service_level_rises_with_agents_and_threshold(a, n, aht, t, dt):
    assert erlang.service_level(a, n + 1, aht, t) >= erlang.service_level(a, n, aht, t)
    assert erlang.service_level(a, n, aht, t + dt) >= erlang.service_level(a, n, aht, t)
    assert erlang.erlang_c(a, n + 1) <= erlang.erlang_c(a, n)


@given(st.floats(0.0, 3000.0), st.floats(10.0, 900.0), st.floats(0.0, 300.0),
       st.floats(0.05, 0.99), st.floats(0.5, 1.0))
def test_required_agents_meets_target_and_one_fewer_does_not(a, aht, t, target, occ):
    n = erlang.required_agents(a, aht, t, target, occ)
    if a == 0:
        assert n == 0
        return
    assert n > a
    assert erlang.service_level(a, n, aht, t) >= target
    assert erlang.occupancy(a, n) <= occ
    fewer = n - 1
    assert (erlang.service_level(a, fewer, aht, t) < target) or (erlang.occupancy(a, fewer) > occ)


@given(st.floats(0.1, 2000.0), st.floats(10.0, 900.0), st.floats(1.0, 120.0))
def test_required_agents_with_asa_target(a, aht, max_asa):
    n = erlang.required_agents(a, aht, 20.0, 0.5, max_asa=max_asa)
    assert erlang.asa(a, n, aht) <= max_asa
    assert erlang.asa(a, n - 1, aht) > max_asa or erlang.service_level(a, n - 1, aht, 20.0) < 0.5


def test_required_agents_textbook_case():
    # 100 calls per half hour, AHT 180 s: 10 Erlangs; the reference decides the answer
    a = 100 * 180 / 1800
    n = erlang.required_agents(a, 180.0, 20.0, 0.8)
    assert erlang.service_level(a, n, 180, 20) >= 0.8 > erlang.service_level(a, n - 1, 180, 20)
    assert float(ref.erlang_c_service_level(a, n - 1, 180, 20)) < 0.8 <= float(
        ref.erlang_c_service_level(a, n, 180, 20)
    )
