"""Erlang B from positive series (numpy only) up to SERIES_TRAFFIC Erlangs, the regularized gamma
function (scipy) beyond: exact against mpmath references on both sides, the two paths agree where
they meet, and a slot's value does not depend on the other slots of its array."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import references as ref

from staffsim.models import erlang
from staffsim.models.erlang import SERIES_TRAFFIC, _log_inverse_b_gamma, _log_inverse_b_summed

ROOT = Path(__file__).resolve().parents[1]


def _tolerance(b: float) -> float:
    # B = exp(-log(1/B)): a log accurate to a few ulps of its size gives a relative error in B of
    # that size times |log B| (plus the series' rounding, ~1e-13 for a thousand terms)
    return 1e-13 * max(10.0, abs(math.log(b)))


CASES = [(a, n) for a in (1e-6, 0.37, 3.0, 9.99, 16.67, 57.3, 250.5, 1234.5, 9_990.0, SERIES_TRAFFIC)
         for n in sorted({0, 1, 2, 9, 10, 11, int(a) // 2, int(a) - 1, int(a), int(a) + 1,
                          int(a) + 3 * int(math.sqrt(a)) + 1, 2 * int(a) + 2, 10_000, 10_500})
         if n >= 0]


@pytest.mark.parametrize("a, n", CASES)
def test_erlang_b_and_c_from_the_series_match_mpmath(a, n):
    want = ref.erlang_b(a, n)
    if want < 1e-300:  # underflows to 0 in double precision: nothing to compare but its sign
        assert 0.0 <= erlang.erlang_b(a, n) < 1e-290
        return
    assert erlang.erlang_b(a, n) == pytest.approx(float(want), rel=_tolerance(float(want)))
    if n > a:
        c = ref.erlang_c(a, n)
        if c > 1e-300:
            assert erlang.erlang_c(a, n) == pytest.approx(float(c), rel=_tolerance(float(c)))


@pytest.mark.parametrize("a", [SERIES_TRAFFIC * (1 + 1e-12), 1.5e4, 2e5])
def test_beyond_the_series_the_gamma_path_matches_mpmath(a):
    for n in (int(a) - 200, int(a), int(a) + 1, int(a) + 150):
        want = float(ref.erlang_b(a, n))
        assert erlang.erlang_b(a, n) == pytest.approx(want, rel=_tolerance(want))


def test_the_two_paths_agree_where_both_apply():
    a = np.array([0.5, 7.0, 16.67, 99.5, 100.0, 640.2, 3000.0, 9999.0, 1e4, 1e4, 1e4])
    n = np.array([1.0, 5.0, 20.0, 99.0, 130.0, 700.0, 2900.0, 10_000.0, 9_000.0, 10_200.0, 30_000.0])
    series, gamma = _log_inverse_b_summed(a, n), _log_inverse_b_gamma(a, n)
    # the logs agree to a few ulps of their size: the B's they give agree to _tolerance
    assert np.all(np.abs(series - gamma) <= 1e-13 * np.maximum(10.0, np.abs(series)))
    assert erlang.erlang_b(SERIES_TRAFFIC, 10_100) == pytest.approx(
        erlang.erlang_b(np.nextafter(SERIES_TRAFFIC, np.inf), 10_100), rel=1e-11)


def test_a_slot_does_not_depend_on_the_other_slots_of_its_array():
    a = np.array([0.0, 0.0, 1e-300, 3.3, 16.67, 16.67, 500.0, 9_999.5, 2e4, 1e6])
    n = np.array([0, 3, 1, 2, 17, 40, 480, 10_020, 20_050, 1_000_100])
    vector = erlang.erlang_b(a, n)
    assert list(vector) == [erlang.erlang_b(float(x), int(k)) for x, k in zip(a, n)]
    assert list(vector[::-1]) == list(erlang.erlang_b(a[::-1], n[::-1]))
    assert list(erlang.service_level(a[2:7], n[2:7], 180.0, 20.0)) == [
        erlang.service_level(float(x), int(k), 180.0, 20.0) for x, k in zip(a[2:7], n[2:7])]


def test_stable_and_fast_at_ten_thousand_agents_and_beyond():
    a = np.full(7, 9_999.0)
    n = np.array([5_000, 9_998, 10_000, 10_050, 10_400, 20_000, 1_000_000])
    b = erlang.erlang_b(a, n)
    assert np.all(np.isfinite(b)) and np.all((b >= 0) & (b <= 1))
    assert np.all(np.diff(b) <= 0)  # blocking falls with every agent added
    for k, got in zip(n[:5], b[:5]):
        want = float(ref.erlang_b(9_999.0, int(k)))
        assert got == pytest.approx(want, rel=_tolerance(want))


def test_up_to_the_series_limit_scipy_is_not_imported():
    code = ("import sys, json\n"
            "from staffsim.models import erlang, erlang_a\n"
            "erlang.required_agents([0.5, 16.67, 9_999.0], 180.0, 20.0, 0.8)\n"
            "erlang_a.metrics(16.67, 18, 180.0, 120.0, 20.0)\n"
            "first = 'scipy' in sys.modules\n"
            "erlang.erlang_b(2e4, 20_100)\n"
            "print(json.dumps([first, 'scipy.special' in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, True]  # beyond the limit it is imported then
