"""Absence paid or unpaid: with sick pay an absent agent's shift is paid (paid hours do not fall
with absence); unpaid (the default, as before) they are not. The day's customers are the same."""

import pytest

from staffsim import load_scenario, simulate
from staffsim.errors import InputError


def _paid(overrides):
    sc = load_scenario("scenarios/bank.yaml", overrides=overrides)
    res = simulate(sc, replications=2, seed=5, jobs=1, progress=False)
    summary = res.summary().set_index("channel")
    # scheduled (paid) agents per slot, overtime apart: agent-hours over the day
    summary.loc["all", "scheduled_hours"] = res.groups["scheduled"].sum() * sc.spec.horizon.slot / 3600
    return summary


def test_paid_absence_keeps_paid_hours_unpaid_lowers_them():
    none = _paid({"absence": 0.0})
    unpaid = _paid({"absence": 0.3})
    paid = _paid({"absence": {"share": 0.3, "paid": True}})
    # the roster's seats are paid in full with sick pay, whoever shows up
    assert paid.loc["all", "scheduled_hours"] == pytest.approx(none.loc["all", "scheduled_hours"], rel=1e-12)
    assert unpaid.loc["all", "scheduled_hours"] < none.loc["all", "scheduled_hours"] - 10
    assert paid.loc["all", "paid_agent_hours"] > unpaid.loc["all", "paid_agent_hours"] + 10
    # the service the absent agents do not give is the same either way (same draws)
    assert paid.loc["voice", "service_level"] == unpaid.loc["voice", "service_level"]
    assert paid.loc["all", "cost"] > unpaid.loc["all", "cost"]


def test_absence_forms():
    a = load_scenario("scenarios/bank.yaml", overrides={"absence": {"share": 0.1, "paid": True}})
    b = load_scenario("scenarios/bank.yaml", overrides={"absence": 0.1, "absence_paid": True})
    assert a.spec.absence == b.spec.absence == 0.1 and a.spec.absence_paid and b.spec.absence_paid
    assert not load_scenario("scenarios/bank.yaml", overrides={"absence": 0.1}).spec.absence_paid
    with pytest.raises(InputError, match="allowed: share, paid"):
        load_scenario("scenarios/bank.yaml", overrides={"absence": {"share": 0.1, "sick": True}})
