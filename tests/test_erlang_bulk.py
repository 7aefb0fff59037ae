"""Bulk Erlang C: a slot gives the same figures and the same staffing alone and inside a bulk array
(cache-sized chunks, rows leaving the series at their own term, the walk's verdicts standing
without a second evaluation); the walk's shortcut and the full confirmation by the public
functions staff alike; the numpy series and scipy's regularized gamma function agree where both
apply, and staff alike except where a target lies within their difference of a service level."""

import math

import numpy as np
import pytest
import references as ref
from hypothesis import given, settings
from hypothesis import strategies as st

from staffsim.models import erlang
from staffsim.models.erlang import (
    _ROWS,
    SERIES_TRAFFIC,
    _log_inverse_b_gamma,
    _log_inverse_b_summed,
)

# a background of slots around the ones drawn: more rows than one chunk of the series, traffic on
# both sides of the series limit, agents from overload to far above the traffic
_RNG = np.random.default_rng(20261206)
_SIZE = _ROWS + 700
_BG_A = np.exp(_RNG.uniform(math.log(1e-3), math.log(2.5e4), _SIZE))
_BG_N = np.maximum(0.0, np.floor(_BG_A + _RNG.normal(0.5, 1.5, _SIZE) * np.sqrt(_BG_A + 1.0)))
_BG_AHT = _RNG.uniform(30.0, 900.0, _SIZE)
_BG_T = _RNG.choice([0.0, 10.0, 20.0, 60.0, np.inf], _SIZE)
_BG_TARGET = _RNG.uniform(0.05, 0.99, _SIZE)
_BG_OCC = _RNG.choice([1.0, 0.95, 0.85], _SIZE)
_BG_ASA = _RNG.choice([np.inf, np.inf, 30.0, 2.0], _SIZE)

traffic = st.one_of(st.floats(1e-6, 200.0), st.floats(200.0, SERIES_TRAFFIC),
                    st.floats(SERIES_TRAFFIC, 2.5e4), st.integers(1, 20_000).map(float))


@st.composite
def slots(draw, size=6):
    """(traffic, agents) pairs: under load, near the traffic, overload, 10,000+ agents."""
    out = []
    for _ in range(size):
        a = draw(traffic)
        offset = draw(st.integers(-3, 3)) + draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])) * math.sqrt(a)
        n = max(0, math.floor(a + offset))
        out.append((a, float(n)))
    return out


def _embed(values, background, positions):
    arr = np.array(background, dtype=float)
    arr[positions] = values
    return arr


def _positions(count, draw):
    # spread over the array: the first chunk, its last row, the next chunk, the end
    return np.array(draw(st.lists(st.integers(0, _SIZE - 1), min_size=count, max_size=count,
                                  unique=True)))


@settings(max_examples=12)
@given(slots(), st.data())
def test_a_slot_alone_and_in_a_bulk_array_agree(pairs, data):
    a = np.array([p[0] for p in pairs])
    n = np.array([p[1] for p in pairs])
    pos = _positions(len(pairs), data.draw)
    big_a, big_n = _embed(a, _BG_A, pos), _embed(n, _BG_N, pos)
    bulk = erlang.metrics(big_a, big_n, _embed(np.full(a.size, 180.0), _BG_AHT, pos),
                          _embed(np.full(a.size, 20.0), _BG_T, pos))
    bulk_b = erlang.erlang_b(big_a, big_n)[pos]
    for k in range(a.size):
        alone = erlang.metrics(float(a[k]), float(n[k]), 180.0, 20.0)
        pairs_to_check = [(erlang.erlang_b(float(a[k]), float(n[k])), bulk_b[k])] + [
            (getattr(alone, f), getattr(bulk, f)[pos[k]])
            for f in ("p_wait", "service_level", "asa", "occupancy")]
        for one, many in pairs_to_check:
            assert math.isfinite(one) or one == math.inf  # never NaN
            assert many == pytest.approx(one, rel=1e-12, abs=0.0) or many == one


@st.composite
def targets(draw):
    """Staffing targets for one slot, some of them exactly a service level the model gives (the
    boundary case a rounding difference would decide)."""
    a = draw(st.one_of(st.floats(0.0, 300.0), st.floats(300.0, 2.5e4)))
    aht = draw(st.floats(10.0, 900.0))
    t = draw(st.sampled_from([0.0, 20.0, 60.0, math.inf]))
    target = draw(st.floats(0.05, 0.99))
    if a > 0 and draw(st.booleans()):  # the exact service level of some agent count
        n = math.floor(a) + 1 + draw(st.integers(0, int(2 * math.sqrt(a)) + 2))
        sl = erlang.service_level(a, n, aht, t)
        near = draw(st.sampled_from([sl, math.nextafter(sl, 0.0), math.nextafter(sl, 1.0)]))
        if 0.0 < near < 1.0:
            target = near
    occ = draw(st.sampled_from([1.0, 0.9, 0.8]))
    max_asa = draw(st.sampled_from([math.inf, math.inf, 20.0, 1.0]))
    return a, aht, t, target, occ, max_asa


def _meets(a, n, aht, t, target, occ, max_asa):
    """The contract, from the public functions."""
    if a == 0:
        return True
    return (erlang.service_level(a, n, aht, t) >= target and erlang.occupancy(a, n) <= occ
            and erlang.asa(a, n, aht) <= max_asa)


@settings(max_examples=15)
@given(cases=st.lists(targets(), min_size=5, max_size=5), data=st.data())
def test_staffing_alone_in_bulk_and_fully_confirmed_is_identical(cases, data, monkeypatch_module):
    cols = [np.array(c, dtype=float) for c in zip(*cases)]
    pos = _positions(len(cases), data.draw)
    backgrounds = (_BG_A, _BG_AHT, _BG_T, _BG_TARGET, _BG_OCC, _BG_ASA)
    big = [_embed(c, bg, pos) for c, bg in zip(cols, backgrounds)]
    bulk = erlang.required_agents(*big[:5], max_asa=big[5])[pos]
    with monkeypatch_module.context() as m:  # no walk verdict stands: every slot confirmed
        m.setattr(erlang, "_MARGIN", math.inf)
        confirmed = erlang.required_agents(*cols[:5], max_asa=cols[5])
    for k, (a, aht, t, target, occ, max_asa) in enumerate(cases):
        alone = erlang.required_agents(a, aht, t, target, occ, max_asa=max_asa)
        assert alone == bulk[k] == confirmed[k]
        assert _meets(a, alone, aht, t, target, occ, max_asa)
        assert alone == 0 or not _meets(a, alone - 1, aht, t, target, occ, max_asa)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as m:
        yield m


@given(st.floats(1e-3, SERIES_TRAFFIC), st.floats(0.0, 6.0), st.integers(-2, 40))
def test_series_and_gamma_paths_agree_from_the_traffic_up(a, spread, extra):
    # n >= A, where staffing lives: B, C and 1 - C to 1e-12 relative
    n = np.array([float(max(math.ceil(a), 1) + max(extra, 0) + int(spread * math.sqrt(a)))])
    a = np.array([a])
    b_series = np.exp(-_log_inverse_b_summed(a, n))[0]
    b_gamma = np.exp(-_log_inverse_b_gamma(a, n))[0]
    if b_gamma < 1e-300:
        assert b_series < 1e-290
        return
    assert b_series == pytest.approx(b_gamma, rel=1e-12)
    for x, y in zip(_c_pair(a[0], n[0], b_series), _c_pair(a[0], n[0], b_gamma)):
        assert x == pytest.approx(y, rel=1e-12)


def _c_pair(a, n, b):
    d = n - a + a * b
    return n * b / d, (n - a) * (1.0 - b) / d


@given(st.floats(1.0, SERIES_TRAFFIC), st.floats(0.0, 0.999))
def test_below_the_traffic_the_paths_agree_to_scipys_accuracy(a, share):
    n = np.array([math.floor(a * share)])
    a = np.array([a])
    b_series = np.exp(-_log_inverse_b_summed(a, n))[0]
    b_gamma = np.exp(-_log_inverse_b_gamma(a, n))[0]
    # scipy's upper incomplete gamma function is off by up to 2.2e-11 there (400,000 random slots
    # below 10,000 Erlangs; the series within an ulp of mpmath at the worst of them, below)
    assert b_series == pytest.approx(b_gamma, rel=5e-11)


@pytest.mark.parametrize("a, n", [(1702.9019732601316, 1158), (5844.0, 3652),
                                  (9886.53830229, 6728), (8131.89296428, 5701)])
def test_where_the_paths_differ_most_the_series_is_the_exact_one(a, n):
    # the largest disagreements found (up to 2.2e-11 relative): the series is within 2 ulps
    want = float(ref.erlang_b(a, n))
    b_series = float(np.exp(-_log_inverse_b_summed(np.array([a]), np.array([float(n)]))[0]))
    b_gamma = float(np.exp(-_log_inverse_b_gamma(np.array([a]), np.array([float(n)]))[0]))
    assert abs(b_series / want - 1) <= 4.5e-16
    assert abs(b_gamma / want - 1) > 1e-12  # if scipy gets better, this test says so
    assert abs(b_gamma / want - 1) < 1e-9
    assert erlang.erlang_b(a, n) == b_series


@settings(max_examples=40)
@given(cases=st.lists(targets(), min_size=4, max_size=4))
def test_series_and_gamma_paths_staff_alike(cases, monkeypatch_module):
    cols = [np.array(c, dtype=float) for c in zip(*cases)]
    series = erlang.required_agents(*cols[:5], max_asa=cols[5])
    with monkeypatch_module.context() as m:  # every slot through scipy's regularized gamma
        m.setattr(erlang, "SERIES_TRAFFIC", 0.0)
        gamma = erlang.required_agents(*cols[:5], max_asa=cols[5])
        gamma_sl = [erlang.service_level(a, n, aht, t) for (a, aht, t, *_), n in zip(cases, gamma)]
    for k, (a, aht, t, target, occ, max_asa) in enumerate(cases):
        if series[k] == gamma[k]:
            continue
        # only a target within the paths' difference of a service level may tell them apart
        low = min(series[k], gamma[k])
        sl = erlang.service_level(a, low, aht, t)
        assert abs(sl - target) <= 1e-12 or abs(gamma_sl[k] - target) <= 1e-12, (a, series[k], gamma[k])


def test_metrics_are_the_four_functions():
    a = np.array([0.0, 0.0, 1e-300, 0.5, 16.67, 16.67, 17.0, 250.5, 9_999.0, 2e4, 2e4])
    n = np.array([0.0, 4.0, 1.0, 1.0, 16.0, 20.0, 17.0, 262.0, 10_100.0, 19_000.0, 20_300.0])
    aht = np.array([180.0, 180.0, 30.0, 300.0, 180.0, 180.0, 60.0, 240.0, 200.0, 180.0, 180.0])
    t = np.array([20.0, 0.0, 20.0, np.inf, 20.0, 0.0, 20.0, 15.0, 20.0, 20.0, np.inf])
    m = erlang.metrics(a, n, aht, t)
    assert np.array_equal(m.p_wait, erlang.erlang_c(a, n))
    assert np.array_equal(m.service_level, erlang.service_level(a, n, aht, t))
    assert np.array_equal(m.asa, erlang.asa(a, n, aht))
    assert np.array_equal(m.occupancy, erlang.occupancy(a, n))
    one = erlang.metrics(16.67, 20, 180.0, 20.0)
    assert isinstance(one.p_wait, float)
    assert one.service_level == erlang.service_level(16.67, 20, 180.0, 20.0)
    with pytest.raises(ValueError, match="aht"):
        erlang.metrics(16.67, 20, 0.0, 20.0)


def test_the_erlang_benchmark_runs(capsys):
    # the docs' `python benchmarks/bench_erlang.py`, cut to 1% of its slots and one run
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_erlang.py"
    spec = importlib.util.spec_from_file_location("bench_erlang", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--repeats", "1", "--scale", "0.01"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("staffsim analytic benchmark (best of 1 runs, CPU time)")
    figures = [line for line in lines[1:] if " ms" in line]
    assert len(figures) == len(lines) - 1 == 12
    for label in ("Erlang C required agents ", "Erlang B ", "Erlang C, large slots",
                  "plan_staffing", "one slot"):
        assert any(label in line for line in figures), label
