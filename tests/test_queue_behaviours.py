"""What customers do at the queue, and routing a planner recognises: exact traces.

Customer segments (priority, own handle time and patience), balking (by position and by the
announced expected wait), callbacks (keeping the place, or when an agent would go idle; no
answer, retries, giving up), a team's handle-time factor and overflow delays, each on one- or
two-agent cases with deterministic times, where every instant can be worked out by hand. Where a
random draw decides (a segment, a balk at probability 0.5), the expected outcome is computed from
the contact's own draw.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from helpers import channel_draws, one_queue, trace

from staffsim import InputError, load_scenario, scenario_from_dict, simulate
from staffsim.engine import InvariantError, Replication
from staffsim.engine.core import BALKED, CALLBACK, DIAL, FAILED, NO_ANSWER


def clock(h, m, s=0):
    return h * 3600.0 + m * 60 + s




# --------------------------------------------------------------------------- segments
def test_priority_serves_the_higher_segment_first_fifo_within():
    # one agent busy 08:00-08:10; six callers wait; on each completion the agent takes the
    # highest-priority segment's oldest caller. Segments: from each contact's own draw.
    arrivals = ["08:00"] + [f"08:0{k}" for k in range(1, 7)]
    sc = one_queue(arrivals=arrivals, handle=600.0, end="10:00", slot="2h",
                   segments={"vip": {"share": 0.5, "priority": 2}, "std": {"share": 0.5}})
    seg = channel_draws(sc, "q", 1, 0).segment.astype(int)
    assert 0 < seg[1:].sum() < 6, "the draws should give both segments among the waiting callers"
    log = trace(sc)
    # expected: the first is served at once; then vip (segment 0) before std (1), FIFO within each
    waiting = sorted(range(1, 7), key=lambda i: (seg[i], i))
    expected = [0] + waiting
    assert list(np.argsort(log.answer)) == expected
    assert list(np.sort(log.answer)) == [clock(8, 0) + 600.0 * k for k in range(7)]


def test_segment_handle_time_and_patience_override_the_channels():
    # seniors take 100 s and are patient (1000 s); the rest take 300 s and leave after 50 s
    sc = one_queue(arrivals=["08:00", "08:00", "08:00", "08:00"], handle=300.0, patience=50.0, agents=1,
                   segments={"senior": {"share": 0.5, "handle_time": {"dist": "deterministic", "mean": 100},
                                        "patience": {"dist": "deterministic", "mean": 1000}},
                             "general": {"share": 0.5}})
    seg = channel_draws(sc, "q", 1, 0).segment.astype(int)
    log = trace(sc)
    answered = ~np.isnan(log.answer)
    assert np.array_equal(log.handle[answered], np.where(seg[answered] == 0, 100.0, 300.0))
    # the three waiting: seniors are all served, general ones abandon at 50 s
    for i in range(1, 4):
        if seg[i] == 0:
            assert log.state[i] == 2
        else:
            assert log.state[i] == 3 and log.end[i] == clock(8, 0, 50)
    assert log.segment_names == ("q/senior", "q/general")
    assert np.array_equal(log.segment, seg)


def test_moving_a_share_moves_few_contacts_and_keeps_their_draws():
    def draws(share):
        sc = one_queue(volume_per_hour=400, segments={
            "senior": {"share": share, "handle_time": {"dist": "exponential", "mean": 500}},
            "general": {"share": round(1 - share, 10)}})
        return channel_draws(sc, "q", 1, 0)

    a, b = draws(0.3), draws(0.4)
    senior_a, senior_b = a.segment == 0, b.segment == 0
    assert (senior_a <= senior_b).all() and senior_b.sum() > senior_a.sum()  # a superset
    assert np.array_equal(a.times, b.times)
    same = senior_a == senior_b  # contacts in the same segment in both keep their handle time
    assert np.array_equal(a.handle[same], b.handle[same])
    base = one_queue(volume_per_hour=400)
    assert np.array_equal(channel_draws(base, "q", 1, 0).handle[~senior_b], b.handle[~senior_b])


def test_segment_rows_in_the_tables_add_up_to_the_channel():
    sc = one_queue(volume_per_hour=120, handle={"dist": "exponential", "mean": 120}, patience=90.0, agents=4,
                   end="10:00", volume=[120, 120], segments={"a": {"share": 0.25, "priority": 1, "abandon_value": 10},
                                          "b": {"share": 0.75}})
    res = simulate(sc, replications=2)
    pr = res.per_replication
    assert list(pr["segment"][:4]) == ["all", "a", "b", "all"] and list(pr["channel"][:4]) == ["q", "q", "q", "all"]
    for r in range(2):
        rows = pr[pr["replication"] == r].set_index("segment")
        for col in ("offered", "answered", "abandoned", "unfinished"):
            assert rows.loc["a", col] + rows.loc["b", col] == rows.loc["all", col].iloc[0]
        assert rows.loc["a", "abandon_cost"] == 10 * rows.loc["a", "abandoned"]
        assert rows.loc["b", "abandon_cost"] == 0.0
        assert math.isnan(rows.loc["a", "occupancy"])  # agent figures are the channel's
    slots = res.slots
    assert len(slots) == 3 * 2 and list(slots["segment"]) == ["all", "all", "a", "a", "b", "b"]
    summary = res.summary()
    assert list(summary["segment"]) == ["all", "a", "b", "all"]


# --------------------------------------------------------------------------- balking
def test_balking_by_position():
    # p(0) = 0, p(>= 1) = 1: with one waiting ahead every newcomer leaves on arrival
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:01", "08:02", "08:03"], handle=600.0,
                   balking={"by": "position", "points": [[0, 0.0], [1, 1.0]]})
    log = trace(sc)
    assert list(log.state) == [2, 2, BALKED, BALKED]
    assert list(log.end[2:]) == [clock(8, 2), clock(8, 3)] and np.isnan(log.answer[2:]).all()
    assert log.answer[1] == clock(8, 10)
    res = simulate(sc)
    row = res.per_replication.iloc[0]
    assert row["balked"] == 2 and row["balk_rate"] == 0.5 and row["p_wait"] == 0.25
    assert row["offered"] == row["answered"] + row["balked"]


def test_balking_interpolates_between_points_with_its_own_draw():
    # one ahead: p = 0.5 (half-way from [0, 0] to [2, 1]); two ahead: flat beyond the last at 1
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:01", "08:02"], handle=600.0,
                   balking={"by": "position", "points": [[0, 0.0], [2, 1.0]]})
    u = channel_draws(sc, "q", 1, 0).balk_u.reshape(3, -1)[:, 0]
    log = trace(sc)
    assert log.state[2] == (BALKED if u[2] < 0.5 else 2)


def test_balking_by_expected_wait_is_the_announced_wait():
    # two agents busy 08:00-08:10, handle 600 s: a caller with q ahead hears (q + 1) x 600 / 2;
    # p = 0 up to 900 s, 1 from 901 s: the callers with 0, 1, 2 ahead stay, the one with 3 leaves
    pts = [["0s", 0.0], ["900s", 0.0], ["901s", 1.0]]
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:00", "08:01", "08:02", "08:03", "08:04"], handle=600.0, agents=2,
                   balking={"by": "expected_wait", "points": pts})
    log = trace(sc)
    assert list(log.state) == [2, 2, 2, 2, 2, BALKED]


def test_expected_wait_counts_the_agents_serving_not_those_on_break():
    # the agent is on a call 08:00-08:10, then on its break 08:10-08:20: a caller at 08:12 hears
    # an infinite expected wait (nobody serving) and leaves; the one at 08:01 heard 600 s and stayed
    sc = one_queue(arrivals=["08:00", "08:01", "08:12"], handle=600.0,
                   start="07:00", slot="2h", shifts=[{"start": "07:00", "end": "09:00", "agents": 1,
                            "breaks": [{"start": "08:05", "length": "10min"}]}],
                   balking={"by": "expected_wait", "points": [["0s", 0.0], ["1h", 0.0], ["2h", 1.0]]})
    log = trace(sc)
    assert list(log.state) == [2, 2, BALKED]


def test_callbacks_keep_the_callers_place_and_never_abandon():
    # one agent, handle 300 s, connect 20 s, callers give up after 250 s on the line.
    # 08:00 A served; 08:01 B waits (nobody ahead: no offer); 08:02 C and 08:03 D are offered (one
    # or more ahead) and accept. B is answered at 08:05 (waited 240 s); the agent then calls C
    # back at 08:10 (C's place), connected 08:10:20, done 08:15:20; then D, done 08:20:40.
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:01", "08:02", "08:03"], handle=300.0, patience=250.0,
                   callbacks={"offer_when": {"position": 1}, "accept": 1.0, "connect_time": "20s",
                              "target": {"service_level": 0.8, "threshold": "10min"}})
    log = trace(sc)
    live = log.kind != DIAL
    assert list(log.state[live]) == [2, 2, CALLBACK, CALLBACK]
    assert list(log.end[live][2:]) == [clock(8, 2), clock(8, 3)]
    dials = np.flatnonzero(~live)
    assert list(log.contact[dials]) == [2, 3]
    assert list(log.answer[dials]) == [clock(8, 10), clock(8, 15, 20)]
    assert list(log.end[dials]) == [clock(8, 15, 20), clock(8, 20, 40)]
    assert list(log.handle[dials]) == [320.0, 320.0] and list(log.state[dials]) == [2, 2]
    assert list(log.origin[dials]) == [clock(8, 2), clock(8, 3)]
    row = simulate(sc).per_replication.iloc[0]
    assert (row["callbacks_offered"], row["callbacks_accepted"], row["callbacks_connected"]) == (2, 2, 2)
    # request to connect: 08:02 -> 08:10:20 (500 s) and 08:03 -> 08:15:40 (760 s)
    assert row["callback_delay_s"] == (500 + 760) / 2
    assert row["callback_service_level"] == 0.5  # only the first within 10 minutes
    # the live queue: A and B on the line, both answered, B after 240 s
    assert row["answered"] == 2 and row["abandoned"] == 0 and row["service_level"] == 0.5
    assert row["offered"] == row["answered"] + row["callbacks_accepted"]


def test_unanswered_callbacks_are_retried_then_given_up():
    # the customer never answers (draws checked): dials at 08:05, 08:10:20 and 08:15:40, 20 s
    # each (the agent's lost work), 300 s apart after each; the third is the last (max 3)
    cb = {"offer_when": {"position": 0}, "accept": 1.0, "connect_time": "20s", "no_answer": 0.999999,
          "max_attempts": 3, "retry_delay": "5min"}
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:01"], handle=300.0, callbacks=cb)
    answer_u = channel_draws(sc, "q", 1, 0).answer_u.reshape(2, 3)
    assert (answer_u[1] < 0.999999).all()
    log = trace(sc)
    dials = np.flatnonzero(log.kind == DIAL)
    assert list(log.answer[dials]) == [clock(8, 5), clock(8, 10, 20), clock(8, 15, 40)]
    assert list(log.end[dials]) == [clock(8, 5, 20), clock(8, 10, 40), clock(8, 16)]
    assert list(log.state[dials]) == [NO_ANSWER, NO_ANSWER, FAILED]
    assert list(log.attempt[dials]) == [0, 1, 2] and list(log.arrival[dials]) == [clock(8, 1), clock(8, 10, 20), clock(8, 15, 40)]
    busy_t, busy_d = log.levels["busy"][0]
    assert float(np.sum(-busy_t * busy_d)) == 300 + 3 * 20  # the agent's time: A, and three dials
    res = simulate(sc.with_overrides({"costs": {"abandoned": 7}}))
    row = res.per_replication.iloc[0]
    assert (row["callbacks_failed"], row["callback_dials_unanswered"], row["callbacks_connected"]) == (1, 3, 0)
    assert row["abandon_cost"] == 7  # a callback given up is a lost contact
    assert math.isnan(row["callback_delay_s"]) and math.isnan(row["callback_service_level"])  # no target


def test_a_retry_after_closing_is_not_made():
    cb = {"offer_when": {"position": 0}, "accept": 1.0, "no_answer": 0.999999, "retry_delay": "30min"}
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:40", "08:41"], handle=300.0, callbacks=cb)
    log = trace(sc)
    dials = np.flatnonzero(log.kind == DIAL)
    assert list(log.state[dials]) == [FAILED]  # 08:45 unanswered; 09:15 is after closing


def test_callbacks_when_idle_wait_for_the_live_queue():
    # keep_place false: callbacks are dialled only when no live caller waits. 08:00 A served to
    # 08:05; B waits (08:01); C (08:02) and D (08:03) accept callbacks; E (08:06) waits on the line.
    # The agent takes B at 08:05, E at 08:10 (live first, though C asked earlier), then calls C
    # back at 08:15 and D at 08:20.
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:01", "08:02", "08:03", "08:06"], handle=300.0,
                   callbacks={"offer_when": {"position": 1}, "accept": 1.0, "keep_place": False})
    log = trace(sc)
    live = log.kind != DIAL
    assert list(log.state[live]) == [2, 2, CALLBACK, CALLBACK, 2]
    assert list(log.answer[live][[0, 1, 4]]) == [clock(8, 0), clock(8, 5), clock(8, 10)]
    dials = np.flatnonzero(~live)
    assert list(log.contact[dials]) == [2, 3] and list(log.answer[dials]) == [clock(8, 15), clock(8, 20)]
    q_t, q_len = log.queue[0]  # the callbacks are not in the line
    assert q_len.max() == 1


def test_callback_offer_by_expected_wait():
    # one agent, handle 300: expected wait = (q + 1) x 300; offered from 600 s (one ahead)
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00", "08:01", "08:02"], handle=300.0,
                   callbacks={"offer_when": {"expected_wait": "10min"}, "accept": 1.0})
    log = trace(sc)
    assert list(log.state[log.kind != DIAL]) == [2, 2, CALLBACK]


def test_callback_accept_is_the_attempts_own_draw():
    sc = one_queue(start="07:00", slot="2h", arrivals=["08:00"] + ["08:01"] * 6, handle=60.0,
                   callbacks={"offer_when": {"position": 0}, "accept": 0.5})
    d = channel_draws(sc, "q", 1, 0)
    accept = d.accept_u.reshape(7, -1)[:, 0] < 0.5
    log = trace(sc)
    live = log.kind != DIAL
    assert np.array_equal(log.state[live][1:] == CALLBACK, accept[1:])
    row = simulate(sc).per_replication.iloc[0]
    assert row["callbacks_offered"] == 6 and row["callbacks_accepted"] == accept[1:].sum()


# --------------------------------------------------------------------------- teams
def two_teams(arrivals, *, voice_handle=300.0, email=None, overflow=None, factor=None, back_skills=None):
    chans = {"voice": {"arrivals": arrivals, "handle_time": {"dist": "deterministic", "mean": voice_handle},
                       "target": {"service_level": 0.8, "threshold": 20}}}
    if email is not None:
        chans["email"] = {"arrivals": email[0], "handle_time": {"dist": "deterministic", "mean": email[1]},
                          "target": {"service_level": 0.9, "threshold": "4h"}}
    back = {"group": "back", "skills": back_skills or (["email", "voice"] if email else ["voice"]),
            "shifts": [{"start": "08:00", "end": "09:00", "agents": 1}]}
    if overflow:
        back["overflow_after"] = overflow
    if factor:
        back["handle_time_factor"] = factor
    return scenario_from_dict({
        "name": "teams", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"}, "channels": chans,
        "agents": [{"group": "front", "skills": ["voice"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 1}]},
                   back],
        "run": {"replications": 1, "seed": 1, "drain": 0}})


def test_handle_time_factor_applies_to_what_the_team_answers():
    sc = two_teams(["08:00", "08:00", "08:20"], voice_handle=100.0, factor={"voice": 1.3})
    log = trace(sc)
    assert list(log.group) == [0, 1, 0]  # longest idle first: front, back, then front again
    assert list(log.handle) == [100.0, 130.0, 100.0]
    assert log.end[1] == clock(8, 0) + 130.0


def test_overflow_an_idle_team_takes_a_contact_when_it_has_waited():
    # front busy 08:00-08:05; B arrives 08:01 with back idle: back sees it only at 08:01:30
    sc = two_teams(["08:00", "08:01"], email=([], 60.0), overflow={"voice": "30s"})
    log = trace(sc)
    assert log.answer[1] == clock(8, 1, 30) and log.group[1] == 1


def test_overflow_a_team_freeing_up_takes_a_contact_that_has_waited():
    # back on an email 08:00:50-08:02:30; B (08:01) crossed 30 s at 08:01:30: back takes it at 08:02:30
    sc = two_teams(["08:00", "08:01"], email=(["08:00:50"], 100.0), overflow={"voice": "30s"})
    log = trace(sc)
    b = np.flatnonzero((log.channel == 0) & (log.contact == 1))[0]
    assert log.answer[b] == clock(8, 2, 30) and log.group[b] == 1


def test_overflow_a_team_freeing_up_early_waits_for_the_delay():
    # back frees at 08:01:10 when B has waited 10 s: it goes idle and takes B at 08:01:30
    sc = two_teams(["08:00", "08:01"], email=(["08:00:30"], 40.0), overflow={"voice": "30s"})
    log = trace(sc)
    b = np.flatnonzero((log.channel == 0) & (log.contact == 1))[0]
    assert log.answer[b] == clock(8, 1, 30) and log.group[b] == 1
    t, d = log.levels["idle"][1]
    assert clock(8, 1, 10) in t  # it was idle in between


def test_overflow_the_team_takes_its_own_channel_first():
    # back ranks email first: freeing at 08:02:30 with an email and B (visible) waiting, it takes the email
    sc = two_teams(["08:00", "08:01"], email=(["08:00:50", "08:02"], 100.0), overflow={"voice": "30s"})
    log = trace(sc)
    order = np.argsort(log.answer)
    names = [log.channels[c] for c in log.channel[order]]
    assert names == ["voice", "email", "email", "voice"]
    # back: email 08:00:50-08:02:30, the second email to 08:04:10, then B (front is busy to 08:05)
    assert log.answer[order[-1]] == clock(8, 4, 10) and log.group[order[-1]] == 1


# --------------------------------------------------------------------------- conservation and audit
def full_day(**changes):
    return load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "bank.yaml").with_overrides(changes)


def test_conservation_with_every_behaviour():
    sc = full_day(**{
        "channels.voice.segments": {"senior": {"share": 0.3, "priority": 1, "patience": "6min"},
                                    "general": {"share": 0.7}},
        "channels.voice.balking": {"by": "expected_wait", "points": [[0, 0], ["2min", 0.1], ["10min", 0.5]]},
        "channels.voice.callbacks": {"offer_when": {"expected_wait": "1min"}, "accept": 0.5, "no_answer": 0.3,
                                     "connect_time": "20s", "keep_place": False},
        "channels.chat.balking": {"by": "position", "points": [[0, 0], [10, 0.5]]},
        "agents.1.skills": ["email", "chat"], "agents.1.overflow_after": {"chat": "45s"},
        "agents.0.handle_time_factor": {"voice": 1.1},
    })
    res = simulate(sc, replications=2)
    for frame in (res.per_replication, res.slots):
        rows = frame[frame["segment"] == "all"] if "segment" in frame else frame
        left = rows["deflected"] + rows["answered"] + rows["abandoned"] + rows["balked"] + \
            rows["callbacks_accepted"] + rows["unfinished"]
        assert np.allclose(rows["offered"], left, rtol=0, atol=1e-9)
        ended = rows["callbacks_connected"] + rows["callbacks_failed"] + rows["callbacks_unfinished"]
        assert np.allclose(rows["callbacks_accepted"], ended, rtol=0, atol=1e-9)
    pr = res.per_replication
    assert pr["callbacks_accepted"].sum() > 0 and pr["balked"].sum() > 0 and pr["callback_dials_unanswered"].sum() > 0


def test_audit_catches_a_lost_callback(monkeypatch):
    """Put a bug in: a callback not answered is never dialled again. The audit fails the run."""
    monkeypatch.setattr(Replication, "_redial", lambda self, tick: None)
    sc = one_queue(arrivals=["08:00", "08:01"], handle=300.0,
                   callbacks={"offer_when": {"position": 0}, "accept": 1.0, "no_answer": 0.999999})
    with pytest.raises(InvariantError, match="accepted but never connected"):
        simulate(sc)


# --------------------------------------------------------------------------- bad input
BAD = [
    ({"channels.q.segments": {"a": {"share": 0.3}, "b": {"share": 0.6}}},
     r"channels.q.segments: the segments' shares must add up to 1, got 0.9 \(a 0.3, b 0.6\)"),
    ({"channels.q.callbacks": {"offer_when": {"expected_wait": -120}, "accept": 0.5}},
     r"channels.q.callbacks.offer_when.expected_wait: a duration must be >= 0, got -120"),
    ({"channels.q.callbacks": {"offer_when": {"position": -1}, "accept": 0.5}},
     r"channels.q.callbacks.offer_when.position: must be >= 0, got -1"),
    ({"channels.qq.segments": {"a": {"share": 1}}}, r"channels.qq.segments: 'qq' is not a channel \(channels: q\)"),
    ({"channels.q.balking": {"by": "position", "points": [[0, 0], [10, 0.2], [10, 0.6]]}},
     r"channels.q.balking: points: the positions must increase from point to point; point 3 \(10\) is not after point 2"),
    ({"channels.q.balking": {"by": "position", "points": [[0, 0], [10, 1.2]]}},
     r"channels.q.balking: points: point 2: the probability of leaving must be within \[0, 1\], got 1.2"),
    ({"channels.q.balking": {"by": "position", "points": [[-1, 0]]}},
     r"channels.q.balking: points: point 1: a position \(contacts waiting ahead\) must be a number >= 0"),
    ({"agents.0.overflow_after": {"sms": "30s"}}, r"agents.0.overflow_after: 'sms' is not a channel \(channels: q\)"),
    ({"agents.0.overflow_after": {"q": "30s"}},
     r"agents.0.overflow_after: an overflow delay on every channel of team 'team' \('q' is the team's only channel\)"),
]


@pytest.mark.parametrize("changes,match", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_behaviour_input_one_clear_message(changes, match):
    sc = one_queue(volume_per_hour=10)
    with pytest.raises(InputError, match=match) as info:
        sc.with_overrides(changes)
    assert "\n" not in str(info.value)


def test_overflow_on_a_channel_the_team_does_not_serve(tmp_path, capsys):
    from staffsim.cli import main

    path = tmp_path / "s.yaml"
    path.write_text("""
name: t
horizon: {start: "08:00", end: "10:00", slot: 1h}
channels:
  voice: {volume: [10, 20], handle_time: 3min, target: {service_level: 0.8, threshold: 20s}}
  email: {volume: [5, 5], handle_time: 5min, target: {service_level: 0.9, threshold: 4h}}
agents:
  - {group: front, skills: [voice], shifts: [{start: "08:00", end: "10:00", agents: 3}]}
  - {group: back, skills: [email], overflow_after: {voice: 30s},
     shifts: [{start: "08:00", end: "10:00", agents: 1}]}
""")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{path}: agents.1.overflow_after: team 'back' does not serve 'voice' (skills: email)" in err
