"""Issue 20, item 3: a line (trunk) limit shared by channels; blocked contacts in every output.

Oracle: lines = agents and no queue is Erlang's loss system: a call that gets a line always finds
a free agent, so the share blocked is Erlang B(A, n) whatever the handle-time distribution
(insensitivity; here gamma with cv 0.5). Tolerance: the replications' 99% interval.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from staffsim import load_scenario, scenario_from_dict, simulate
from staffsim.errors import InputError
from staffsim.models.erlang import erlang_b

N, AHT, LAM_H = 6, 180.0, 100.0  # A = 5 erlangs on 6 lines and 6 agents


def loss_system(reps: int, lines: int = N, **extra):
    return scenario_from_dict({
        "name": "loss", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"voice": {"volume": [LAM_H] * 24, "handle_time": {"dist": "gamma", "mean": AHT, "cv": 0.5},
                               "target": {"service_level": 0.8, "threshold": 20}, **extra}},
        "agents": [{"group": "team", "skills": ["voice"], "shifts": [{"start": "00:00", "end": "24:00", "agents": N}]}],
        "lines": {"count": lines, "channels": ["voice"]},
        "run": {"replications": reps, "seed": 21, "drain": 0}})


def test_lines_equal_to_agents_is_erlang_b():
    reps = 12
    pr = simulate(loss_system(reps), replications=reps).per_replication
    pr = pr[pr["channel"] == "voice"]
    rate = (pr["blocked"] / pr["offered"]).to_numpy()
    want = float(erlang_b(LAM_H * AHT / 3600.0, N))
    h = stats.t.ppf(0.995, reps - 1) * rate.std(ddof=1) / np.sqrt(reps)
    assert abs(rate.mean() - want) < h, (rate.mean(), want, h)
    assert h < 0.2 * want  # narrow enough to see a wrong line count (B(5, 7) is 0.12 vs B(5, 6) 0.19)
    assert abs(float(erlang_b(5.0, N + 1)) - want) > 3 * h
    assert (pr["unfinished"] + pr["abandoned"]).sum() == 0
    # nobody queues: every call that got a line was answered at once
    assert pr["p_wait"].max() == 0.0


def test_blocked_in_every_output_and_conserved(tmp_path):
    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "bank.yaml").with_overrides({"lines": {"count": 25, "channels": ["voice"]}})
    res = simulate(sc, replications=2, contacts=True)
    for frame in (res.per_replication, res.slots):
        left = frame["deflected"] + frame["answered"] + frame["abandoned"] + frame["blocked"] + frame["unfinished"]
        assert np.allclose(frame["offered"], left, rtol=0, atol=1e-9)
        assert np.allclose(frame["offered"] - frame["deflected"], frame["offered_to_agents"])
    s = res.summary()
    assert s.loc[s["channel"] == "voice", "blocked"].iloc[0] > 0
    assert (s.loc[s["channel"] != "voice", "blocked"].iloc[:-1] == 0).all()  # only the channel on lines
    contacts = res.contacts
    pr = res.per_replication
    first = pr[(pr["replication"] == pr["replication"].min()) & (pr["channel"] == "voice")]
    assert (contacts["outcome"] == "blocked").sum() == first["blocked"].iloc[0]  # the log of one replication
    # a blocked caller redials like an abandoned one (bank: retrial probability 0.4)
    assert ((contacts["attempt"] > 1) & (contacts["kind"] == "retry")).any()


def test_blocked_callers_redial():
    """With retrials, the blocked calls of the loss system come back: more offered than first
    attempts, and the retries are blocked or answered."""
    sc = loss_system(1, retrial={"probability": 1.0, "delay": "2min", "max_attempts": 3})
    res = simulate(sc, replications=1, contacts=True)
    c = res.contacts
    blocked = ((c["attempt"] == 1) & (c["outcome"] == "blocked")).sum()
    retries = (c["attempt"] == 2).sum()
    closed = res.per_replication.query("channel == 'voice'")["retries_closed"].sum()
    # probability 1: every blocked first call redials, unless the redial falls after closing
    assert blocked > 0 and retries <= blocked <= retries + closed
    assert 0 < closed < 0.05 * blocked


@pytest.mark.parametrize("lines, match", [
    ({"count": 3, "channels": ["fax"]}, r"lines.channels: 'fax' is not a channel"),
    ({"count": 0, "channels": ["voice"]}, r"lines.count"),
])
def test_bad_lines_are_refused(lines, match):
    sc = loss_system(1)
    with pytest.raises(InputError, match=match):
        sc.with_overrides({"lines": lines})


def test_every_routing_option_together_with_the_behaviours():
    """Lines on two channels, weighted queue order, least_occupied, a shared forecast error,
    redials keeping patience (unlimited, at opening) beside segments, balking and callbacks:
    the run passes the audit (conftest) and conserves every contact."""
    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "bank.yaml").with_overrides({
        "channels.voice.segments": {"senior": {"share": 0.3, "priority": 1, "patience": "6min"},
                                    "general": {"share": 0.7}},
        "channels.voice.balking": {"by": "expected_wait", "points": [[0, 0], ["2min", 0.1], ["10min", 0.5]]},
        "channels.voice.callbacks": {"offer_when": {"expected_wait": "1min"}, "accept": 0.5, "no_answer": 0.3,
                                     "connect_time": "20s", "keep_place": True},
        "channels.voice.retrial": {"probability": 0.6, "delay": "3min", "max_attempts": "unlimited",
                                   "keep_patience": True, "when_closed": "at_opening"},
        "lines": {"count": 32, "channels": ["voice", "chat"]},
        "agents.0.queue_order": "weighted", "agents.0.priority_step": "30s",
        "agents.1.skills": ["email", "chat"], "channels.chat.agent_choice": "least_occupied",
        "channels.voice.volume_uncertainty": {"cv": 0.1, "shared": True},
        "channels.chat.volume_uncertainty": {"cv": 0.1, "shared": True},
    })
    res = simulate(sc, replications=2)
    for frame in (res.per_replication, res.slots):
        rows = frame[frame["segment"] == "all"]
        left = rows["deflected"] + rows["answered"] + rows["abandoned"] + rows["balked"] + rows["blocked"] + \
            rows["callbacks_accepted"] + rows["unfinished"]
        assert np.allclose(rows["offered"], left, rtol=0, atol=1e-9)
    pr = res.per_replication
    allrows = pr[pr["segment"] == "all"]
    assert allrows.loc[allrows["channel"] == "chat", "blocked"].sum() > 0
    assert allrows.loc[allrows["channel"] == "voice", "balked"].sum() > 0
