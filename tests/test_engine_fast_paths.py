"""The engine's fast paths compute exactly what the plain forms they replaced compute (same
numbers, bit for bit): the roster's runs of slots, and a group level's integrals per slot and
over the flush."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import staffsim
from staffsim.engine.roster import _runs
from staffsim.metrics import SlotAccumulator, integrate_from


def plain_runs(on, starts, slot):
    """The slot-by-slot loop: maximal runs of consecutive, abutting slots where ``on``."""
    runs = []
    k, n = 0, len(on)
    while k < n:
        if not on[k]:
            k += 1
            continue
        k0 = k
        while k < n and on[k] and (k == k0 or starts[k] == starts[k - 1] + slot):
            k += 1
        runs.append((float(starts[k0]), float(starts[k - 1] + slot)))
    return runs


def test_runs_match_the_slot_by_slot_loop():
    rng = np.random.default_rng(20)
    for _ in range(400):
        n = int(rng.integers(0, 30))
        slot = float(rng.choice([900.0, 1800.0, 0.1, 1 / 3]))
        gaps = rng.choice([slot, slot, slot, 2 * slot, 86400.0 - 3 * slot], n)  # gaps: closed hours
        starts = np.cumsum(gaps) + float(rng.choice([0.0, 28800.0, 0.7]))
        heads = rng.integers(0, 5, n)
        m = int(heads.max(initial=0))
        got = _runs(heads[None, :] > np.arange(m)[:, None], starts, slot)
        want = [(j, lo, hi) for j in range(m) for lo, hi in plain_runs(heads > j, starts, slot)]
        assert got == want
        assert all(type(x) is float for r in got for x in r[1:])


def test_runs_of_a_hand_made_case():
    starts = np.array([0.0, 10.0, 20.0, 40.0, 50.0])  # 30 missing: a gap after slot 2
    on = np.array([[True, True, True, True, False], [False, True, False, True, True]])
    assert _runs(on, starts, 10.0) == [(0, 0.0, 30.0), (0, 40.0, 50.0), (1, 10.0, 20.0), (1, 40.0, 60.0)]


def test_add_levels_is_integrate_from():
    sc = staffsim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "bank.yaml")
    acc = SlotAccumulator(sc)
    starts, ends = acc.starts, acc.ends
    rng = np.random.default_rng(7)
    want_slots = np.zeros(len(starts))
    want_total = 0.0
    t0, level = float(starts[0]) - 100.0, 0.0
    for _ in range(30):
        t1 = t0 + float(rng.uniform(0, 4000))
        m = int(rng.integers(0, 40))
        times = np.sort(rng.uniform(t0, t1, m))
        times[: m // 4] = t0  # changes at the flush's start, and ties
        deltas = rng.choice([-1.0, 1.0, 2.0], m)
        acc.add_levels("busy", 0, times, deltas, level, t0, t1)
        want_slots += integrate_from(times, deltas, level, t0, t1, starts, ends)
        want_total += integrate_from(times, deltas, level, t0, t1, np.array([t0]), np.array([t1]))[0]
        level += float(deltas.sum())
        t0 = t1
    assert np.array_equal(acc.group["busy"][0], want_slots)
    assert acc.group_total["busy"][0] == want_total
