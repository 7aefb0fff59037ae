"""Issue 20, item 6: digital blending, one concurrency k across a team's blended channels.

Oracle: n agents blending two channels of concurrency k, Poisson arrivals, the same exponential
handle time and patience on both, no stretch: the number of contacts in the system is the birth-
death chain of M/M/(n k)+M with the channels' total rate (a free slot takes either channel, an
arrival finds any free slot), so the total P(abandon) and P(wait) are Erlang A's with n k servers.
Without blending (an agent holding a chat of one channel takes only that channel) capacity is
lost and more contacts abandon: the test sees the difference. Tolerance: 99% over the days.
"""

from __future__ import annotations

import numpy as np
import pytest
from references import erlang_a
from scipy import stats

from staffsim import load_scenario, scenario_from_dict, simulate
from staffsim.errors import InputError

N, K, AHT, PATIENCE, LAM_A, LAM_B, DAYS = 3, 2, 300.0, 120.0, 30.0, 20.0, 12


def blended(blend: bool, reps: int = DAYS):
    def ch(lam):
        return {"volume": [lam] * 24, "handle_time": {"dist": "exponential", "mean": AHT},
                "patience": {"dist": "exponential", "mean": PATIENCE}, "concurrency": K,
                "target": {"service_level": 0.8, "threshold": 60}}
    team = {"group": "digital", "skills": ["a", "b"], "shifts": [{"start": "00:00", "end": "24:00", "agents": N}]}
    if blend:
        team["blend"] = ["a", "b"]
    return scenario_from_dict({
        "name": "blend", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"a": ch(LAM_A), "b": ch(LAM_B)}, "agents": [team],
        "run": {"replications": reps, "seed": 17, "drain": 0}})


def totals(sc):
    pr = simulate(sc, replications=DAYS).per_replication
    pr = pr[pr["channel"] == "all"]
    return (pr["abandoned"] / pr["offered"]).to_numpy(), (pr["p_wait"]).to_numpy()


def ci(x):
    return x.mean(), stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))


def test_blending_is_erlang_a_with_n_times_k_servers():
    ref = erlang_a((LAM_A + LAM_B) * AHT / 3600.0, N * K, AHT, PATIENCE, with_sl=False)
    ab, pw = totals(blended(True))
    m, h = ci(ab)
    assert abs(m - float(ref["p_abandon"])) < h, (m, h, float(ref["p_abandon"]))
    m_w, h_w = ci(pw)
    assert abs(m_w - float(ref["p_wait"])) < h_w, (m_w, h_w, float(ref["p_wait"]))
    off, _ = totals(blended(False))
    m_off, h_off = ci(off)
    assert m_off - m > h + h_off  # without blending more abandon: the test would see it missing


def test_blending_runs_beside_voice_under_the_audit(root):
    """The bank's front team blends chat with a second digital channel (the audit is on)."""
    sc = load_scenario(root / "scenarios" / "bank.yaml").with_overrides({
        "channels.whatsapp": {"volume": [20] * 24, "handle_time": {"dist": "gamma", "mean": "8min", "cv": 1.0},
                              "patience": {"dist": "exponential", "mean": "10min"}, "concurrency": 3,
                              "target": {"service_level": 0.8, "threshold": "2min"}},
        "agents.0.skills": ["voice", "chat", "whatsapp"], "agents.0.blend": ["chat", "whatsapp"]})
    res = simulate(sc, replications=2)
    pr = res.per_replication
    assert (pr.loc[pr["channel"] == "whatsapp", "answered"] > 0).all()


@pytest.mark.parametrize("blend, match", [
    (["a"], "two or more different channels"),
    (["a", "c"], "'c' is not one of the team's skills"),
])
def test_bad_blends_are_refused(blend, match):
    data = blended(True).raw_copy()
    data["agents"][0]["blend"] = blend
    with pytest.raises(InputError, match=match):
        scenario_from_dict(data)


def test_blended_channels_need_one_concurrency():
    data = blended(True).raw_copy()
    data["channels"]["b"]["concurrency"] = 3
    with pytest.raises(InputError, match=r"agents.0.blend: blended channels share one concurrency"):
        scenario_from_dict(data)
