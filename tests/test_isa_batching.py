"""ISA at scale (issue 18 item 5): the descent tests one-agent-fewer in several slots per
simulation (slots of different days together), the answer stays 1-opt minimal (checked here by
simulating every single decrement on its own), and every requirement is checked out of sample
(new customers) beside the Erlang requirement."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from staffsim import scenario_from_dict
from staffsim.experiment import run_batch
from staffsim.isa import assess, batches, judge_batch, targets_of, team_scenario
from staffsim.requirement import erlang_requirement, requirement


def two_days():
    return scenario_from_dict({
        "name": "two days", "horizon": {"start": "08:00", "end": "12:00", "slot": "1h", "days": 2},
        "channels": {"voice": {"volume": [60, 110, 90, 50] * 2, "handle_time": "240s",
                               "patience": {"dist": "exponential", "mean": "3min"},
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
        "run": {"replications": 6, "seed": 5}})


def test_batches_cover_every_slot_once_one_per_day():
    day_of = np.array([0, 0, 0, 1, 1, 2])
    groups = batches([0, 1, 2, 3, 4, 5], day_of, None)
    flat = sorted(j for g in groups for j in g)
    assert flat == [0, 1, 2, 3, 4, 5]
    for g in groups:
        assert len({int(day_of[j]) for j in g}) == len(g)  # at most one per day
    spaced = batches(list(range(12)), np.zeros(12, int), 4)
    assert sorted(j for g in spaced for j in g) == list(range(12))
    for g in spaced:
        assert all(b - a >= 4 for a, b in itertools.pairwise(g))
    assert batches([2, 5], None, None) == [[2], [5]]


def test_days_batching_answer_is_one_opt_minimal():
    sc = two_days()
    req = requirement(sc, "isa", 6, jobs=1, batch="days", check=False)
    assert req.converged
    s = req.agents()["team"]
    ch = ["voice"]
    targets = targets_of(sc, ch)
    cands = [s] + [s - np.eye(len(s), dtype=np.int64)[j] for j in range(len(s)) if s[j] > 0]
    results = run_batch([team_scenario(sc, "team", c) for c in cands], 6, 5, 1, progress=False)
    assert assess(results[0], ch, targets, "mean").feasible
    for r in results[1:]:  # every single decrement, simulated alone, misses somewhere
        assert not assess(r, ch, targets, "mean").feasible
    # and the batch tests took half the staffings of one-at-a-time tests in a descent round
    assert len(batches([j for j in range(len(s)) if s[j] > 0], sc.spec.horizon.slot_days(), None)) <= 4


def test_judge_batch_attributes_misses_to_their_day():
    sc = two_days()
    erl = erlang_requirement(sc).agents()["team"] + 3
    cut = erl.copy()
    cut[1] = 0  # day 1, 09:00: nobody, a sure miss
    cut[6] -= 1  # day 2, 10:00: one fewer from a comfortable staffing
    a = assess(run_batch([team_scenario(sc, "team", cut)], 6, 5, 1, progress=False)[0], ["voice"],
               targets_of(sc, ["voice"]), "mean")
    got = judge_batch(a, [1, 6], sc.spec.horizon.slot_days(), 1)
    assert got[1][0] is False and "day 1" in got[1][2]
    assert got[6][0] is True


def test_requirement_is_checked_out_of_sample():
    sc = two_days()
    req = requirement(sc, "isa", 6, jobs=1)
    info = req.extra["teams"]["team"]
    assert info["check_seed"] == 6
    # recount the check independently: the answer and Erlang simulated on seed 6
    res = run_batch([team_scenario(sc, "team", req.agents()["team"]),
                     team_scenario(sc, "team", erlang_requirement(sc).agents()["team"])], 6, 6, 1,
                    progress=False)
    t = sc.channel("voice").target
    for r, key in zip(res, ("out_of_sample", "erlang_out_of_sample")):
        sl = r.slots["service_level"].to_numpy(float)
        ci = r.slots["service_level_ci"].to_numpy(float)
        assert info[key]["in_mean"] == int((sl < t.service_level).sum())
        assert info[key]["beyond"] == int((sl + ci < t.service_level).sum())
    assert info["in_sample"]["in_mean"] == 0  # rule mean: the answer meets in sample


@pytest.mark.parametrize("bad", ["weekly", ""])
def test_batch_option_is_checked(bad):
    from staffsim.errors import InputError
    with pytest.raises(InputError, match="batch: choose one of days, spaced, none"):
        requirement(two_days(), "isa", 2, jobs=1, batch=bad)
