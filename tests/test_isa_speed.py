"""ISA that scales and does not overfit (issue 18 item 5): a team's independent days searched one
by one (a day simulated alone sees the very customers it sees in the whole week), cheap
scenario variants that simulate as the validated team scenario does, and the validation repair
on new customers that keeps the answer's out-of-sample misses at or below the Erlang
requirement's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from staffsim import load_scenario, scenario_from_dict
from staffsim.experiment import run_batch
from staffsim.isa import targets_of, team_scenario
from staffsim.isa_parts import TeamVariants, days_independent, pack, parts_of
from staffsim.isa_validate import slot_misses
from staffsim.requirement import erlang_requirement, requirement

KPIS = ["offered_to_agents", "answered", "abandoned", "service_level", "asa_s", "abandon_rate",
        "service_level_ci", "abandon_rate_ci"]


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def week():
    return load_scenario(ROOT / "scenarios" / "week.yaml")


def test_the_weeks_days_are_independent_and_why_others_are_not(week):
    for g, ch in (("phones", ["voice"]), ("web", ["chat"])):
        assert days_independent(week, ch) == (True, "")
    raw = week.raw_copy()
    raw["channels"]["chat"].pop("patience")
    ok, why = days_independent(scenario_from_dict(raw, source=week.source, base_dir=week.base_dir), ["chat"])
    assert not ok and "no patience" in why
    raw = week.raw_copy()
    raw["horizon"].update({"start": "00:00", "end": "24:00", "hours": None})
    ok, why = days_independent(scenario_from_dict(raw, source=week.source, base_dir=week.base_dir), ["voice"])
    assert not ok and "closed 0 s between days" in why
    raw = week.raw_copy()
    raw["channels"]["voice"]["retrial"]["when_closed"] = "at_opening"
    ok, why = days_independent(scenario_from_dict(raw, source=week.source, base_dir=week.base_dir), ["voice"])
    assert not ok and "next opening" in why


def test_a_day_simulated_alone_is_that_day_of_the_week_bit_for_bit(week):
    """The week's phones (forecast error per day, retrials, the Monday outage) at the Erlang
    requirement; Monday and Friday simulated alone in one run (the other days empty), with a
    different staffing on the days left out: the two days' rows are the week's, exactly."""
    s = erlang_requirement(week).agents()["phones"]
    whole = run_batch([team_scenario(week, "phones", s)], 2, 3, 1, progress=False)[0].slots
    parts = parts_of(week, "phones", ["voice"], True)
    mon, fri = parts[0], parts[4]
    composite, mask, members = pack(len(s), [(mon, [s[mon.slots]]), (fri, [s[fri.slots]])])[0]
    assert [m[0] for m in members] == [mon, fri] and mask.sum() == len(mon.slots) + len(fri.slots)
    assert (composite[~mask] == 0).all()
    alone = run_batch([TeamVariants(team_scenario(week, "phones", s)).scenario(composite, mask)], 2, 3, 1,
                      progress=False)[0].slots
    for day in (1, 5):
        a = whole[whole["day"] == day][KPIS].to_numpy(float)
        b = alone[alone["day"] == day][KPIS].to_numpy(float)
        assert a.shape == b.shape and a.shape[0] == 48
        assert np.array_equal(a, b, equal_nan=True)
    assert (alone[~alone["day"].isin([1, 5])]["offered_to_agents"] == 0).all()


def test_a_variant_simulates_as_the_validated_team_scenario(week):
    s = erlang_requirement(week).agents()["web"]
    t = s.copy()
    t[10:20] += 2
    fast = TeamVariants(team_scenario(week, "web", s)).scenario(t)
    slow = team_scenario(week, "web", t)
    assert fast.spec.agents[0].staffing == slow.spec.agents[0].staffing == [int(x) for x in t]
    a, b = (r.slots[KPIS].to_numpy(float) for r in run_batch([fast, slow], 2, 4, 1, progress=False))
    assert np.array_equal(a, b, equal_nan=True)


def peaky():
    """A sharp peak with long calls, impatient callers who call back: the per-slot Erlang
    requirement misses after the peak (tests/test_requirement_isa.py)."""
    return scenario_from_dict({
        "name": "peaky",
        "horizon": {"start": "08:00", "end": "10:00", "slot": "15min"},
        "channels": {"voice": {
            "volume": [20, 40, 100, 100, 5, 5, 20, 20],
            "handle_time": {"dist": "lognormal", "mean": "10min", "cv": 0.8},
            "patience": {"dist": "exponential", "mean": "2min"},
            "retrial": {"probability": 0.5, "delay": {"dist": "exponential", "mean": "5min"}},
            "target": {"service_level": 0.8, "threshold": "20s", "max_abandon": 0.05},
        }},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
        "run": {"replications": 4, "seed": 5, "drain": "30min"},
    })


def test_validated_answer_misses_no_more_than_erlang_out_of_sample():
    """Searched on 4 replications with the validation repair (fresh customers each round),
    checked on seed + 2: the answer misses no more channel-slots (in mean) than the Erlang
    requirement there, and no slot misses in mean on the last validation round's customers. The counts are recounted here from a
    simulation of our own."""
    sc = peaky()
    req = requirement(sc, "isa", 4, jobs=1, rule="interval", validate=True)
    info = req.extra["teams"]["team"]
    seeds = info["validation"]["seeds"]
    assert seeds[0] == 6 and len(set(seeds)) == len(seeds) and not {5, 7} & set(seeds)
    assert info["validation"]["left"] == 0
    assert info["check_seed"] == 7
    s = req.agents()["team"]
    erl = erlang_requirement(sc).agents()["team"]
    targets = targets_of(sc, ["voice"])
    val = run_batch([team_scenario(sc, "team", s)], 4, seeds[-1], 1, progress=False)[0]
    oos, eoos = run_batch([team_scenario(sc, "team", s), team_scenario(sc, "team", erl)], 4, 7, 1,
                          progress=False)
    assert not slot_misses(val.slots, ["voice"], targets).any()
    mine = int(slot_misses(oos.slots, ["voice"], targets).sum())
    theirs = int(slot_misses(eoos.slots, ["voice"], targets).sum())
    assert mine == info["out_of_sample"]["in_mean"] and theirs == info["erlang_out_of_sample"]["in_mean"]
    assert theirs > 0, "Erlang meets everywhere: the case shows nothing"
    assert mine <= theirs
