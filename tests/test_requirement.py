"""Agents needed per team and slot (the roster's input)."""

import numpy as np
import pytest

from staffsim import InputError, load_scenario
from staffsim.experiment import plan_for
from staffsim.requirement import is_backlog, read_requirement, requirement


def test_erlang_requirement_sums_each_teams_channels(root):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    req = requirement(sc, method="erlang")
    plan = plan_for(sc)
    voice = plan.loc[plan["channel"] == "voice", "agents"].to_numpy()
    chat = plan.loc[plan["channel"] == "chat", "agents"].to_numpy()
    assert np.array_equal(req.agents()["front"], voice + chat)
    assert len(req.agents()["back_office"]) == sc.spec.horizon.n_slots


def test_requirement_csv_round_trip_and_errors(root, tmp_path):
    sc = load_scenario(root / "scenarios" / "bank.yaml")
    req = requirement(sc)
    req.write(tmp_path)
    back = read_requirement(tmp_path / "requirement.csv", sc)
    assert all(np.array_equal(req.agents()[g], back.agents()[g]) for g in req.groups)
    text = (tmp_path / "requirement.csv").read_text().splitlines()
    (tmp_path / "short.csv").write_text("\n".join(text[:-1]) + "\n")
    with pytest.raises(InputError, match=r"short.csv: no row for group 'back_office' on day 1 at 19:30"):
        read_requirement(tmp_path / "short.csv", sc)


def test_a_channel_shared_between_teams_has_no_team_requirement(root):
    """Erlang gives the requirement per channel instead (each channel's own per-slot plan, the
    teams that may cover it named); the simulated (isa) requirement stays per team."""
    sc = load_scenario(root / "scenarios" / "bank.yaml",
                       overrides={"agents.1.skills": ["email", "chat"]})
    req = requirement(sc)
    assert req.basis == "channel" and req.groups == sc.channels
    single = requirement(load_scenario(root / "scenarios" / "bank.yaml"))
    assert single.basis == "team"
    plan = plan_for(sc)
    for c in sc.channels:
        rows = req.table[req.table["channel"] == c]
        if not is_backlog(sc, c):
            np.testing.assert_array_equal(rows["agents"].to_numpy(), plan.loc[plan["channel"] == c, "agents"])
    assert set(req.table.loc[req.table["channel"] == "chat", "teams"]) == {"front back_office"}
    with pytest.raises(InputError, match="channel 'chat' is served by the groups 'front' and 'back_office'.*"
                                         "use the erlang method"):
        requirement(sc, "isa", replications=2)
