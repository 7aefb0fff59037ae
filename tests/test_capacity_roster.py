"""Capacity from the roster (issue 18 item 7): a roster's paid hours ÷ its requirement's hours
(scheduling efficiency) multiplies the capacity plan's required hours, so required FTE includes
what the contracts cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from staffsim import capacity, load_scenario, schedule
from staffsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def plan(**team):
    base = {"required_hours": 990, "headcount": 30, "shrinkage": {"sickness": 0.05}}
    base.update(team)
    return {"name": "t", "start_date": "2027-01-04", "weeks": 3, "fte_hours": 37.5,
            "teams": {"phones": base}}


def fake_roster(path, required=200.0, paid=300.0, team="phones"):
    path.write_text(json.dumps({"coverage_summary": [
        {"team": team, "required_hours": required, "paid_hours": paid}]}))
    return path


def test_a_number_multiplies_the_required_hours():
    plain = capacity(plan(), optimise=False)
    costly = capacity(plan(scheduling_efficiency=1.25), optimise=False)
    assert list(costly.weekly["required_hours"]) == pytest.approx([990 * 1.25] * 3, rel=1e-12)
    assert list(costly.weekly["required_fte"]) == pytest.approx([990 * 1.25 / 37.5] * 3, rel=1e-12)
    assert list(plain.weekly["required_fte"]) == pytest.approx([990 / 37.5] * 3, rel=1e-12)
    # the supply side does not move
    assert list(costly.weekly["available_fte"]) == list(plain.weekly["available_fte"])


def test_from_a_roster_file_named_in_the_plan(tmp_path):
    fake_roster(tmp_path / "roster.json", required=200, paid=300)
    p = plan(scheduling_efficiency={"roster": "roster.json"})
    result = capacity(p, optimise=False, base=tmp_path)
    assert list(result.weekly["required_fte"]) == pytest.approx([990 * 1.5 / 37.5] * 3, rel=1e-12)
    assert result.provenance()["scheduling_efficiency"] == {"phones": 1.5}


def test_cli_roster_from_schedule(tmp_path, capsys):
    """A real roster: the efficiency is its paid hours over its requirement's agent hours,
    recounted here from the roster's shifts and requirement."""
    sc = load_scenario(ROOT / "scenarios" / "peaky_day.yaml")
    roster = schedule(sc, "erlang", ROOT / "scenarios" / "rules" / "peaky_day.yaml")
    roster.write(tmp_path / "r")
    paid = float(roster.shifts["paid_hours"].sum())
    required = float(sum(r.sum() for r in roster.required.values())) * sc.spec.horizon.slot / 3600
    (tmp_path / "plan.yaml").write_text(json.dumps(plan()))
    code = main(["capacity", str(tmp_path / "plan.yaml"), "--roster", str(tmp_path / "r" / "roster.json"),
                 "--no-hiring", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["scheduling_efficiency"]["phones"] == pytest.approx(paid / required, rel=1e-12)
    weekly = data["weekly"]
    assert weekly[0]["required_fte"] == pytest.approx(990 * paid / required / 37.5, rel=1e-12)
    assert paid / required > 1  # shifts, paid breaks and shrinkage cost more than the requirement


@pytest.mark.parametrize("change,message", [
    ({"scheduling_efficiency": 0}, "teams.phones.scheduling_efficiency: a scheduling efficiency"),
    ({"scheduling_efficiency": float("nan")}, "must be a finite number"),  # NaN: refused in every file
    ({"scheduling_efficiency": 25}, "must be > 0 and at most 10, got 25"),
    ({"scheduling_efficiency": {"roster": "none.json"}}, "none.json: file not found"),
    ({"scheduling_efficiency": {"roster": "roster.json", "team": "web"}},
     "has no team 'web' (teams: phones)"),
])
def test_bad_efficiency_is_refused(tmp_path, change, message):
    from staffsim.errors import InputError
    fake_roster(tmp_path / "roster.json")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        capacity(plan(**change), optimise=False, base=tmp_path)


def test_cli_roster_with_no_team_of_the_plan(tmp_path, capsys):
    fake_roster(tmp_path / "roster.json", team="web")
    (tmp_path / "plan.yaml").write_text(json.dumps(plan()))
    code = main(["capacity", str(tmp_path / "plan.yaml"), "--roster", str(tmp_path / "roster.json"),
                 "--no-hiring"])
    err = capsys.readouterr().err
    assert code == 2 and "none of its teams (web) is a team of the plan (phones)" in err
    assert "Traceback" not in err
