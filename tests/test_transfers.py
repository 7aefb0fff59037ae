"""Issue 20, item 6: transfers, conferences and wrap-up under load (engine/transfers.py).

Oracles:

- *Jackson network.* With exponential talk times, no abandonment and transferred contacts joining
  the back of the target's FIFO line, channel A (M/M/cA) feeding a share q of its contacts to B
  (which has its own Poisson arrivals λB) is an open Jackson network: B is M/M/cB with arrival
  rate λB + qλA (Burke: an M/M/c queue's departures are Poisson; thinning keeps them Poisson), so
  the transferred contacts' wait at B is Erlang C's Wq there, and A's ASA is its own Erlang C's.
- *Ample agents.* With far more agents than load nobody waits: a contact's time in the system is
  TA + s·TC + I·TB (I transferred, drawn with q), mean TA + s·TC + q·TB; the first agents' busy
  time per contact is TA + s·TC; the target team's occupancy q·λA·TB/cB; the supervisors' busy
  time per conference TC.
- *One supervisor.* With ample first agents the conference requests form a Poisson stream of
  rate s·λA (thinned departures of an M/M/∞ queue), served by one supervisor with exponential
  conference time: an M/M/1 queue, mean hold ρ·TC/(1 − ρ), ρ = s·λA·TC.
  (The last two hours have no calls, so every conference is asked for while the supervisors
  work: at the close they log off with everyone once their own queues are empty.)
- *Wrap-up under load* has an exact statement checked contact by contact: the wrap-up is
  factor × the draw exactly when the queue at the end of the talk is at least queue_at_least.

Tolerances are 99% confidence intervals of the replications (or of i.i.d. contacts when agents
are ample), never magic numbers; each statistical test also shows the interval is narrow enough
to tell the stated formula from a plausible wrong one.
"""

from __future__ import annotations

import math
import re
import shlex

import numpy as np
import pandas as pd
import pytest
from helpers import trace
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from staffsim import load_scenario, scenario_from_dict, simulate
from staffsim.cli import main
from staffsim.errors import InputError

DAY = 86400.0


def ci(x):
    x = np.asarray(x, float)
    return x.mean(), stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))


def erlang_c_wq(lam: float, mean: float, c: int) -> float:
    """Mean wait in queue of M/M/c (lam per second, mean service seconds), by the textbook sum."""
    a = lam * mean
    terms = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (terms + top) * mean / (c - a)


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def day_scenario(channels: dict, teams: list, reps: int, seed: int, drain: str = "3h", slot: str = "1h"):
    for ch in channels.values():
        ch.setdefault("target", {"service_level": 0.8, "threshold": 20})
    return scenario_from_dict({
        "name": "transfers", "horizon": {"start": "00:00", "end": "24:00", "slot": slot},
        "channels": channels,
        "agents": [{"group": g, "skills": s, "shifts": [{"start": "00:00", "end": "24:00", "agents": n}]}
                   for g, s, n in teams],
        "run": {"replications": reps, "seed": seed, "drain": drain}})


def rows(result, channel):
    pr = result.per_replication
    return pr[pr["channel"] == channel]


# ------------------------------------------------------------------ Jackson network (M/M/c -> M/M/c)
LA, TA, CA, Q, LB, TB, CB = 60.0, 120.0, 3, 0.5, 10.0, 240.0, 4
JACKSON_REPS = 24


@pytest.fixture(scope="module")
def jackson():
    sc = day_scenario(
        {"a": {"volume": [LA] * 24, "handle_time": exp(TA), "transfer": {"share": Q, "to": "b"}},
         "b": {"volume": [LB] * 24, "handle_time": exp(TB)}},
        [("front", ["a"], CA), ("back", ["b"], CB)], JACKSON_REPS, 41)
    return simulate(sc, replications=JACKSON_REPS, contacts=True)


def test_transfer_share_and_counting(jackson):
    a, b = rows(jackson, "a"), rows(jackson, "b")
    moved, answered = a["transferred"].sum(), a["answered"].sum()
    assert (a["unfinished"] == 0).all() and (a["abandoned"] == 0).all()
    # binomial: each answered contact is transferred with probability Q
    half = stats.norm.ppf(0.995) * math.sqrt(Q * (1 - Q) / answered)
    assert abs(moved / answered - Q) < half, (moved / answered, half)
    # counted once: B's offered are B's own arrivals only (the contacts file's first attempts at B)
    log = jackson.contacts
    assert rows(jackson, "b")["offered"].iloc[0] == ((log["channel"] == "b") & (log["kind"] == "first")).sum()
    assert ((log["channel"] == "b") & (log["kind"] == "transfer")).sum() == a["transferred"].iloc[0]
    assert b["transferred"].sum() == 0  # B transfers nothing of its own
    # B's arrival rate of transferred contacts: Poisson(Q LA 24 h) per day
    lam = Q * LA * 24 * JACKSON_REPS
    assert abs(moved - lam) < stats.norm.ppf(0.995) * math.sqrt(lam)


def test_transfer_wait_is_erlang_c_of_the_target(jackson):
    a, b = rows(jackson, "a"), rows(jackson, "b")
    lam_b = (LB + Q * LA) / 3600.0
    wq_b = erlang_c_wq(lam_b, TB, CB)
    m, h = ci(a["transfer_wait_s"])
    assert abs(m - wq_b) < h, (m, h, wq_b)
    # the test tells B's load with the transfers from B's own load alone
    assert abs(m - erlang_c_wq(LB / 3600.0, TB, CB)) > 3 * h
    m, h = ci(b["asa_s"])  # B's own callers wait as long (PASTA on a merged Poisson stream)
    assert abs(m - wq_b) < h, (m, h, wq_b)
    m, h = ci(a["transfer_wait_s"].to_numpy() - b["asa_s"].to_numpy())  # paired, day by day
    assert abs(m) < h, (m, h)
    # A's service level and ASA are measured at the first answer: A's own M/M/3
    m, h = ci(a["asa_s"])
    assert abs(m - erlang_c_wq(LA / 3600.0, TA, CA)) < h
    # the target's occupancy carries the transferred load
    m, h = ci(b["occupancy"])
    rho = lam_b * TB / CB
    assert abs(m - rho) < h, (m, h, rho)
    assert abs(m - LB / 3600.0 * TB / CB) > 3 * h


# ------------------------------------------------------------------ ample agents everywhere
TA2, Q2, TB2, S2, TC2, LA2 = 120.0, 0.4, 300.0, 0.25, 240.0, 60.0
AMPLE_REPS = 10


@pytest.fixture(scope="module")
def ample():
    sc = day_scenario(
        {"a": {"volume": [LA2] * 22 + [0, 0], "handle_time": exp(TA2),
               "transfer": {"share": Q2, "to": "b"},
               "conference": {"share": S2, "group": "sup", "time": exp(TC2)}},
         "b": {"volume": [0] * 24, "handle_time": exp(TB2)},
         "desk": {"volume": [0] * 24, "handle_time": exp(60)}},
        [("front", ["a"], 20), ("back", ["b"], 20), ("sup", ["desk"], 15)], AMPLE_REPS, 43)
    return simulate(sc, replications=AMPLE_REPS, contacts=True)


def test_ample_time_in_system(ample):
    log = ample.contacts
    assert np.nanmax(log["wait_s"]) < 1e-9 and (rows(ample, "a")["conference_hold_s"] == 0).all()
    # B has no calls of its own: a second leg and a conference carry the number of their contact
    first = log[log["kind"] == "first"].set_index("contact")["arrival_s"]
    sojourn = log.groupby("contact")["end_s"].max() - first
    m, h = ci(sojourn.to_numpy())  # contacts are independent when nobody waits
    want = TA2 + S2 * TC2 + Q2 * TB2
    assert abs(m - want) < h, (m, h, want)
    assert abs(m - (TA2 + S2 * TC2)) > 3 * h  # the second leg is in


def test_ample_busy_time_per_contact(ample):
    balance = np.stack(ample.extra["group_balance"])  # (reps, groups, [logged-in, busy, idle, break])
    a = rows(ample, "a")
    per_contact = balance[:, 0, 1] / a["answered"].to_numpy()
    m, h = ci(per_contact)
    assert abs(m - (TA2 + S2 * TC2)) < h, (m, h)
    assert abs(m - TA2) > 3 * h
    per_conf = balance[:, 2, 1] / a["conferenced"].to_numpy()
    m, h = ci(per_conf)
    assert abs(m - TC2) < h, (m, h)
    m, h = ci(rows(ample, "b")["occupancy"])
    rho = Q2 * LA2 / 3600.0 * TB2 / 20 * 22 / 24  # no calls in the last two hours
    assert abs(m - rho) < h, (m, h, rho)
    # audit identity: logged-in = busy + idle + break, per team
    assert np.allclose(balance[:, :, 0], balance[:, :, 1:].sum(axis=2), rtol=1e-9)


# ------------------------------------------------------------------ one supervisor: M/M/1 holds
S3, TC3, LA3 = 0.25, 120.0, 60.0
MM1_REPS = 24


def test_hold_for_one_supervisor_is_mm1():
    sc = day_scenario(
        {"a": {"volume": [LA3] * 22 + [0, 0], "handle_time": exp(120.0),
               "conference": {"share": S3, "group": "sup", "time": exp(TC3)}},
         "desk": {"volume": [0] * 24, "handle_time": exp(60)}},
        [("front", ["a"], 15), ("sup", ["desk"], 1)], MM1_REPS, 47)
    res = simulate(sc, replications=MM1_REPS)
    a = rows(res, "a")
    rho = S3 * LA3 / 3600.0 * TC3
    wq = rho * TC3 / (1 - rho)
    m, h = ci(a["conference_hold_s"])
    assert abs(m - wq) < h, (m, h, wq)
    assert abs(m - 0.0) > 3 * h
    occ = res.groups[res.groups["group"] == "sup"]["occupancy"].mean()
    assert abs(occ - rho) < 0.05  # the mean over slots of mean occupancies: a sanity check
    # the first agents hold: their busy time per contact is TA + s (hold + TC)
    balance = np.stack(res.extra["group_balance"])
    m, h = ci(balance[:, 0, 1] / a["answered"].to_numpy())
    assert abs(m - (120.0 + S3 * (wq + TC3))) < h, (m, h)


# ------------------------------------------------------------------ hand traces
def two_calls(**a_fields):
    return scenario_from_dict({
        "name": "trace", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"},
        "channels": {
            "a": {"arrivals": ["08:00", "08:01"], "handle_time": {"dist": "deterministic", "mean": 300},
                  "target": {"service_level": 0.8, "threshold": 20}, **a_fields},
            "b": {"arrivals": [], "handle_time": {"dist": "deterministic", "mean": 200},
                  "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "front", "skills": ["a"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 2}]},
                   {"group": "back", "skills": ["b"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 1}]}],
        "run": {"replications": 1, "seed": 1, "drain": "1h"}})


def test_transfer_trace():
    """Talk 300 s, both transferred to one B agent (200 s), hand-off 10 s: call 1's leg runs
    08:05-08:08:20; call 2's leg joins at 08:06 and waits for it (140 s), 08:08:20-08:11:40.
    The first agents are free at 08:05:10 and 08:06:10."""
    t0 = 8 * 3600
    log = trace(two_calls(transfer={"share": 1.0, "to": "b", "handoff": 10}))
    first = log.kind == 0
    assert list(log.end[first]) == [t0 + 300, t0 + 360]  # the customer leaves A at the talk's end
    leg = log.kind == 5
    assert list(log.channel[leg]) == [1, 1]
    assert list(log.arrival[leg]) == [t0 + 300, t0 + 360]
    assert list(log.answer[leg]) == [t0 + 300, t0 + 500]
    assert list(log.end[leg]) == [t0 + 500, t0 + 700]
    assert list(log.extra["wrap"][first]) == [10.0, 10.0]  # the hand-off is the first agent's after-work
    res = simulate(two_calls(transfer={"share": 1.0, "to": "b", "handoff": 10}), replications=1)
    a = rows(res, "a").iloc[0]
    assert a["transferred"] == 2 and a["transfer_wait_s"] == pytest.approx(70.0)
    assert a["offered"] == 2 and rows(res, "b").iloc[0]["offered"] == 0
    g = res.groups
    front_busy = g[g["group"] == "front"]["busy"].iloc[0] * 3600
    assert front_busy == pytest.approx(2 * 310)
    assert g[g["group"] == "back"]["busy"].iloc[0] * 3600 == pytest.approx(400)


def test_conference_trace():
    """Talk 300 s, both conferenced (120 s) with one supervisor: call 1's conference runs
    08:05-08:07; call 2's agent holds from 08:06 to 08:07, conference 08:07-08:09."""
    t0 = 8 * 3600
    sc = two_calls(conference={"share": 1.0, "group": "back", "time": {"dist": "deterministic", "mean": 120}})
    log = trace(sc)
    first = log.kind == 0
    assert list(log.end[first]) == [t0 + 420, t0 + 540]
    conf = log.kind == 6
    assert list(log.group[conf]) == [1, 1]
    assert list(log.arrival[conf]) == [t0 + 300, t0 + 360]
    assert list(log.answer[conf]) == [t0 + 300, t0 + 420]
    assert list(log.end[conf]) == [t0 + 420, t0 + 540]
    a = rows(simulate(sc, replications=1), "a").iloc[0]
    assert a["conferenced"] == 2 and a["conference_hold_s"] == pytest.approx(30.0)
    assert a["asa_s"] == 0.0


def test_front_position_goes_before_waiting_contacts():
    """B's agent busy with its own call; then a B call waits and two transfers arrive: with
    ``front`` the transfers are served first, in their order, then B's own call."""
    t0 = 8 * 3600
    sc = scenario_from_dict({
        "name": "front", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"},
        "channels": {
            "a": {"arrivals": ["08:00", "08:01"], "handle_time": {"dist": "deterministic", "mean": 300},
                  "target": {"service_level": 0.8, "threshold": 20},
                  "transfer": {"share": 1.0, "to": "b", "position": "front"}},
            "b": {"arrivals": ["08:00", "08:02"], "handle_time": {"dist": "deterministic", "mean": 600},
                  "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "front", "skills": ["a"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 2}]},
                   {"group": "back", "skills": ["b"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 1}]}],
        "run": {"replications": 1, "seed": 1, "drain": "1h"}})
    log = trace(sc)
    b_own = (log.channel == 1) & (log.kind == 0)
    legs = log.kind == 5
    assert list(log.answer[legs]) == [t0 + 600, t0 + 1200]  # legs first, in transfer order
    assert list(log.answer[b_own]) == [t0, t0 + 1800]  # B's own second call after both legs


# ------------------------------------------------------------------ wrap-up under load
def test_wrap_under_load_contact_by_contact():
    sc = day_scenario({"q": {"volume": [240.0] * 24, "handle_time": exp(120.0), "patience": exp(600.0),
                             "after_work": {"dist": "deterministic", "mean": 60},
                             "after_work_under_load": {"queue_at_least": 3, "factor": 0.5}}},
                      [("t", ["q"], 2)], 1, 53, drain="0s")
    log = trace(sc, seed=53)
    done = (log.state == 2) & (log.answer >= 0)
    times, lengths = log.queue[0]
    at = np.searchsorted(times, log.end[done], side="right") - 1
    queue_then = np.where(at >= 0, lengths[np.maximum(at, 0)], 0.0)
    want = np.where(queue_then >= 3, 30.0, 60.0)
    assert np.array_equal(log.extra["wrap"][done], want)
    short = (queue_then >= 3).mean()
    assert short > 0.9  # heavy load: the queue is almost always >= 3 ...
    assert log.extra["wrap"][done].mean() == pytest.approx(60.0 * (1 - 0.5 * short))  # ... the mean falls to ~30 s


def test_wrap_factor_one_is_todays_wrap_bit_for_bit(root):
    base = load_scenario(root / "scenarios" / "bank.yaml",
                         ["channels.voice.after_work={dist: gamma, mean: 30s, cv: 0.5}"])
    one = base.with_overrides({"channels.voice.after_work_under_load": {"queue_at_least": 1, "factor": 1.0}})
    r0, r1 = simulate(base, replications=2), simulate(one, replications=2)
    pd.testing.assert_frame_equal(r0.per_replication, r1.per_replication, check_exact=True)
    pd.testing.assert_frame_equal(r0.slots, r1.slots, check_exact=True)
    short = base.with_overrides({"channels.voice.after_work_under_load": {"queue_at_least": 1, "factor": 0.0}})
    r2 = simulate(short, replications=2)
    assert (rows(r2, "voice")["asa_s"].to_numpy() < rows(r0, "voice")["asa_s"].to_numpy()).all()


def test_shares_zero_are_todays_numbers_and_draw_nothing_else(root):
    base = load_scenario(root / "scenarios" / "bank.yaml")
    off = base.with_overrides({"channels.voice.transfer": {"share": 0.0, "to": "email"},
                               "channels.voice.conference": {"share": 0.0, "group": "back_office",
                                                             "time": "2min"}})
    r0, r1 = simulate(base, replications=2), simulate(off, replications=2)
    for key in ("per_replication", "slots"):
        before, now = getattr(r0, key), getattr(r1, key)
        pd.testing.assert_frame_equal(before, now[before.columns], check_exact=True)
    on = trace(base.with_overrides({"channels.voice.transfer": {"share": 0.3, "to": "email"}}))
    log = trace(base)
    first, first_on = (log.attempt == 0) & (log.kind == 0), (on.attempt == 0) & (on.kind == 0)
    assert np.array_equal(log.arrival[first], on.arrival[first_on])  # the same customers


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("override,message", [
    ("channels.claims.transfer.to=billing",
     r"transfers.yaml: channels.claims.transfer.to: 'billing' is not a channel \(channels: claims, specialist\)"),
    ("channels.claims.transfer.share=1.5", r"channels.claims.transfer.share: must be <= 1, got 1.5"),
    ("channels.claims.conference.share=-0.1", r"channels.claims.conference.share: must be >= 0, got -0.1"),
    ("channels.claims.conference.group=bosses",
     (r"channels.claims.conference.group: 'bosses' is not a team \(agents' groups: claims_team, specialists, "
     r"supervisors\)")),
    ("channels.claims.transfer.to=claims", r"cannot be transferred to its own channel"),
    ("channels.specialist.after_work_under_load={queue_at_least: 2, factor: 0.5}",
     r"channels.specialist.after_work_under_load: the channel has no after_work"),
    ("channels.claims.after_work_under_load.factor=2", r"channels.claims.after_work_under_load.factor: must be <= 1"),
])
def test_clear_input_errors(root, override, message):
    with pytest.raises(InputError, match=message):
        load_scenario(root / "scenarios" / "transfers.yaml", [override])


# ------------------------------------------------------------------ the shipped example and its commands
def section_commands(root) -> list[str]:
    """The commands of docs/routing.md's section on transfers."""
    text = (root / "docs" / "routing.md").read_text()
    part = text[text.index("## Transfers, conferences and wrap-up under load"):]
    blocks = re.findall(r"```bash\n(.*?)```", part, flags=re.DOTALL)
    return [line for b in blocks for line in b.splitlines() if line.startswith("staffsim ")]


def test_shipped_example_and_the_pages_commands_run(root, capsys, monkeypatch):
    monkeypatch.chdir(root)
    commands = section_commands(root)
    assert len(commands) == 2 and all("scenarios/transfers.yaml" in c for c in commands)
    held = []
    for command in commands:
        assert main(shlex.split(command)[1:] + ["--no-progress"]) == 0
        out = capsys.readouterr().out
        for col in ("transferred", "transfer_wait_s", "conferenced", "conference_hold_s"):
            assert col in out
        claims = next(line for line in out.splitlines() if line.split()[:1] == ["claims"])
        held.append(float(claims.split()[-1]))
    assert held[1] < held[0]  # a third supervisor shortens the hold


# ------------------------------------------------------------------ invariants on random small days
shift = st.tuples(st.integers(0, 5), st.integers(2, 8), st.integers(0, 3), st.booleans())


@settings(max_examples=8, deadline=None)
@given(shifts=st.lists(shift, min_size=1, max_size=3), sup=st.lists(shift, min_size=1, max_size=2),
       q=st.floats(0, 1), s=st.floats(0, 1), handoff=st.sampled_from([0, 20]),
       front=st.booleans(), n=st.integers(1, 4), f=st.sampled_from([0.0, 0.5, 1.0]),
       patience=st.one_of(st.none(), st.floats(30, 600)))
def test_random_small_days_conserve_and_pass_the_audit(shifts, sup, q, s, handoff, front, n, f, patience):
    """Any mix of transfers, conferences, hand-offs, wrap-up under load, breaks (supervisors in a
    conference when their break is due) and abandonment: contacts are conserved, logged-in =
    busy + idle + break for every team, and the audit (on in the tests) finds nothing."""
    def rows(spec):
        out = []
        for start, length, agents, brk in spec:
            e = min(8, start + length)
            row = {"start": f"{8 + start:02d}:00", "end": f"{8 + e:02d}:00", "agents": agents}
            if brk and e - start >= 2:
                row["breaks"] = [{"start": f"{8 + start:02d}:30", "length": "20min"}]
            out.append(row)
        return out
    a = {"volume": [40] * 8, "handle_time": {"dist": "lognormal", "mean": 240, "cv": 1.0},
         "target": {"service_level": 0.8, "threshold": 20},
         "after_work": {"dist": "exponential", "mean": 30},
         "after_work_under_load": {"queue_at_least": n, "factor": f},
         "transfer": {"share": q, "to": "b", "handoff": handoff, "position": "front" if front else "back"},
         "conference": {"share": s, "group": "sup", "time": {"dist": "exponential", "mean": 120}}}
    if patience is not None:
        a["patience"] = {"dist": "exponential", "mean": patience}
    sc = scenario_from_dict({
        "name": "random", "horizon": {"start": "08:00", "end": "16:00", "slot": "1h"},
        "channels": {"a": a, "b": {"volume": [5] * 8, "handle_time": exp(300.0),
                                   "target": {"service_level": 0.8, "threshold": 20},
                                   "after_work": {"dist": "deterministic", "mean": 15}}},
        "agents": [{"group": "front", "skills": ["a"], "shifts": rows(shifts)},
                   {"group": "back", "skills": ["b"], "shifts": [{"start": "08:00", "end": "16:00", "agents": 2}]},
                   {"group": "sup", "skills": ["b"], "shifts": rows(sup)}],
        "run": {"replications": 2, "seed": 3, "drain": "30min"}})
    res = simulate(sc, replications=2)
    pr = res.per_replication
    assert np.array_equal(pr["offered"], pr["deflected"] + pr["answered"] + pr["abandoned"] + pr["unfinished"])
    for balance in res.extra["group_balance"]:
        logged_in, busy, idle, brk = balance.T
        assert np.allclose(logged_in, busy + idle + brk, rtol=1e-9, atol=1e-6)


def test_the_audit_catches_a_lost_second_leg(monkeypatch):
    """A transfer that drops its second leg (a bug planted here) is an InvariantError."""
    from staffsim.engine import InvariantError
    from staffsim.engine.core import TRANSFERRED
    from staffsim.engine.transfers import TransfersMixin

    def lose_the_leg(self, att, c):
        att.flags |= TRANSFERRED  # flagged transferred, but no leg made
        self.base_fn[c](att)

    monkeypatch.setattr(TransfersMixin, "_transfer", lose_the_leg)
    with pytest.raises(InvariantError, match="transferred contacts without a second leg"):
        trace(two_calls(transfer={"share": 1.0, "to": "b"}))


# ------------------------------------------------------------------ the Erlang plan beside the run
def test_the_plan_carries_the_moved_load():
    """The plan of a scenario with transfers and conferences is the plan of the equivalent
    scenario without them: A's agents spend TA + s·TC + q·handoff per contact; B takes
    vB + q·vA contacts of mean (vB·TB0 + q·vA·TB) / (vB + q·vA)."""
    from staffsim.experiment import plan_for

    va, vb, ta, tb0, tb, q, s, tc, handoff = 90.0, 20.0, 200.0, 300.0, 420.0, 0.3, 0.1, 150.0, 12.0

    def scenario(a_fields, b_volume, b_mean):
        return scenario_from_dict({
            "name": "plan", "horizon": {"start": "08:00", "end": "12:00", "slot": "1h"},
            "channels": {"a": {"volume": [va] * 4, "target": {"service_level": 0.8, "threshold": 20}, **a_fields},
                         "b": {"volume": [b_volume] * 4, "handle_time": exp(b_mean),
                               "target": {"service_level": 0.8, "threshold": 60}}},
            "agents": [{"group": "front", "skills": ["a"], "staffing": "plan"},
                       {"group": "back", "skills": ["b"], "staffing": "plan"}],
            "run": {"replications": 1, "seed": 1}})

    moved = scenario({"handle_time": exp(ta), "transfer": {"share": q, "to": "b", "handoff": handoff,
                                                           "handle_time": exp(tb)},
                      "conference": {"share": s, "group": "back", "time": exp(tc)}}, vb, tb0)
    same = scenario({"handle_time": exp(ta + s * tc + q * handoff)}, vb + q * va,
                    (vb * tb0 + q * va * tb) / (vb + q * va))
    p1, p2 = plan_for(moved), plan_for(same)
    assert np.array_equal(p1["agents"].to_numpy(), p2["agents"].to_numpy())
    assert np.allclose(p1["service_level"].to_numpy(), p2["service_level"].to_numpy(), rtol=1e-12)
    off = scenario({"handle_time": exp(ta)}, vb, tb0)
    assert (plan_for(off)["agents"].to_numpy() < p1["agents"].to_numpy()).any()  # the test sees the load


def test_simulated_requirement_refuses_teams_linked_by_transfers():
    """The simulated requirement searches each team alone: a transfer or conference across teams
    is refused with a message naming the field and the way out."""
    from staffsim.requirement import requirement

    def sc(**fields):
        return scenario_from_dict({
            "name": "linked", "horizon": {"start": "08:00", "end": "10:00", "slot": "1h"},
            "channels": {"a": {"volume": [60, 60], "handle_time": exp(240), "patience": exp(300),
                               "target": {"service_level": 0.8, "threshold": 30}, **fields},
                         "b": {"volume": [10, 10], "handle_time": exp(400),
                               "target": {"service_level": 0.8, "threshold": 60}}},
            "agents": [{"group": "front", "skills": ["a"], "staffing": "plan"},
                       {"group": "back", "skills": ["b"], "staffing": "plan"}],
            "run": {"replications": 2, "seed": 3}})

    with pytest.raises(InputError, match=r"channels.a.transfer: contacts of 'a' \(team 'front'\) move to 'b' "
                                         r"\(team 'back'\), which links the two teams.*--method erlang"):
        requirement(sc(transfer={"share": 0.2, "to": "b"}), method="isa", replications=2)
    with pytest.raises(InputError, match=r"channels.a.conference: team 'front' asks team 'back' to join"):
        requirement(sc(conference={"share": 0.1, "group": "back", "time": "2min"}), method="isa", replications=2)


def test_no_supervisor_on_duty_no_conference():
    """The supervisors' shift ends at 08:04, before the talks end (08:05, 08:06): nobody is asked,
    the contacts end with their talk, nothing is counted as conferenced."""
    t0 = 8 * 3600
    sc = scenario_from_dict({
        "name": "off duty", "horizon": {"start": "08:00", "end": "09:00", "slot": "1h"},
        "channels": {
            "a": {"arrivals": ["08:00", "08:01"], "handle_time": {"dist": "deterministic", "mean": 300},
                  "target": {"service_level": 0.8, "threshold": 20},
                  "conference": {"share": 1.0, "group": "sup", "time": "2min"}},
            "desk": {"arrivals": [], "handle_time": 60, "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "front", "skills": ["a"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 2}]},
                   {"group": "sup", "skills": ["desk"], "shifts": [{"start": "08:00", "end": "08:04", "agents": 1}]}],
        "run": {"replications": 1, "seed": 1, "drain": "1h"}})
    log = trace(sc)
    assert list(log.end) == [t0 + 300, t0 + 360] and not (log.kind == 6).any()
    assert rows(simulate(sc, replications=1), "a").iloc[0]["conferenced"] == 0
