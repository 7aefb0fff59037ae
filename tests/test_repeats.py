"""First-contact resolution and repeat contacts: exact traces on one-agent cases, the geometric
identity against the simulation, common random numbers, and bad input."""

import numpy as np
import pytest
from helpers import one_queue, trace
from scipy import stats

from staffsim import InputError, scenario_from_dict, simulate
from staffsim.cli import main
from staffsim.engine.core import REPEAT
from staffsim.rng import stream

CHAT = {"chat": {"arrivals": [], "handle_time": {"dist": "deterministic", "mean": 60}, "target": {"service_level": 0.8, "threshold": 60}}}


def clock(h, m, s=0):
    return h * 3600.0 + m * 60 + s


def fixed(seconds):
    return {"dist": "deterministic", "mean": seconds}


def repeating(shares=None, first=0.0, repeat=1.0, delay=600, **kw):
    res = {"first_contact": first, "repeat": repeat, "repeat_delay": fixed(delay)}
    if shares is not None:
        res["repeat_channels"] = shares
    kw.setdefault("arrivals", ["08:00"])
    return one_queue(handle=300.0, resolution=res, extra_channel=CHAT, skills=["q", "chat"], **kw)


@pytest.mark.parametrize("shares,channel", [(None, 0), ({"q": 0.0, "chat": 1.0}, 1), ({"q": 1.0, "chat": 0.0}, 0)])
def test_repeat_arrives_repeat_delay_after_the_contact_ends(shares, channel):
    # the 08:00 call ends at 08:05 unresolved (first_contact 0); its repeat comes 10 min later
    log = trace(repeating(shares))
    assert len(log) == 2
    assert list(log.kind) == [0, REPEAT]
    assert log.end[0] == clock(8, 5) and log.arrival[1] == clock(8, 15)
    assert log.channel[1] == channel and log.contact[1] == log.contact[0]  # the same customer
    assert log.answer[1] == clock(8, 15)
    assert log.end[1] == clock(8, 15) + (300.0 if channel == 0 else 60.0)  # its channel's handle time
    assert list(log.extra["level"]) == [0, 1] and list(log.extra["origin_channel"]) == [0, 0]
    assert list(log.extra["resolved"]) == [0, 1]  # the repeat is resolved (repeat: 1)


def repeat_u(slot, j, n=1):
    """The (resolution, channel, landing) draws of the n-th repeat of call j of slot ``slot``
    (seed 1, replication 0), from the stream the module documents: first repeats in blocks of
    128 customers."""
    assert n == 1
    return stream(1, 0, "q", "repeat", slot, n, j // 128).random((128, 3))[j % 128]


def test_repeat_channel_is_the_one_drawn():
    # 12 unresolved calls, shares 50/50: each repeat lands where its own channel draw says
    times = [f"08:{m:02d}" for m in range(0, 48, 4)]
    sc = repeating({"q": 0.5, "chat": 0.5}, arrivals=times, delay=3600, end="12:00")
    log = trace(sc)
    rep = log.kind == REPEAT
    assert rep.sum() == len(times)
    first_end = dict(zip(log.contact[~rep], log.end[~rep]))
    assert np.allclose(log.arrival[rep], [first_end[c] + 3600 for c in log.contact[rep]])
    expected = [0 if repeat_u(0, j)[1] < 0.5 else 1 for j in log.contact[rep]]
    assert list(log.channel[rep]) == expected and 0 < sum(expected) < len(times)


def test_resolved_exactly_when_the_draw_is_below_first_contact():
    from staffsim.engine.draws import ChannelDrawer

    times = [f"08:{m:02d}" for m in range(0, 60, 6)]

    def unresolved(r):
        log = trace(repeating(first=r, repeat=1.0, arrivals=times, delay=60, end="12:00"))
        first = log.kind == 0
        assert (log.extra["resolved"][first] >= 0).all()  # every first contact finished and judged
        return set(log.contact[first][log.extra["resolved"][first] == 0])

    draws = ChannelDrawer(repeating(first=0.5, arrivals=times), "q", 0, 1, 0).day(0)
    assert len(draws.resolve_u) == len(times)
    assert unresolved(0.5) == {i for i, x in enumerate(draws.resolve_u) if x >= 0.5}
    # common random numbers: a better first-contact resolution leaves a subset unresolved
    assert unresolved(0.8) <= unresolved(0.5) and unresolved(0.8) != unresolved(0.5)


def test_repeat_when_closed_comes_during_the_next_open_day_and_is_counted():
    # the 08:50 call ends 08:55; its repeat is due at 09:55, after the 09:00 close: it comes on
    # day 2, at a time drawn over that day's open hours (the channel has no volume on day 2:
    # uniformly over 08:00-09:00)
    sc = repeating(arrivals=["08:50"], delay=3600, days=2)
    log = trace(sc)
    assert log.arrival[0] == clock(8, 50)
    assert log.arrival[1] == pytest.approx(86400 + clock(8, 0) + repeat_u(0, 0)[2] * 3600, abs=1e-6)
    assert list(log.extra["deferred"]) == [False, True]
    res = simulate(sc, replications=1)
    q = res.per_replication.set_index("channel").loc["q"]
    assert q["repeats"] == 1 and q["repeats_deferred"] == 1 and q["repeats_beyond_horizon"] == 0
    assert q["offered"] == 2  # the repeat is offered in the slot it arrives in


def test_a_repeat_due_while_its_channel_is_unavailable_comes_when_the_window_ends():
    # the 08:00 call ends 08:05 unresolved; its repeat is due 08:15, but an event makes the
    # channel unavailable 08:10-08:40: it comes at 08:40, deferred, not lost
    sc = repeating(arrivals=["08:00"], delay=600)
    sc = scenario_from_dict({**sc.raw, "events": [
        {"name": "down", "day": 1, "start": "08:10", "end": "08:40", "channels": {"q": {"unavailable": True}}}]})
    log = trace(sc)
    assert list(log.kind) == [0, REPEAT]
    assert log.arrival[1] == clock(8, 40)
    assert list(log.extra["deferred"]) == [False, True]



def test_a_deferred_repeat_comes_at_the_hours_its_channel_is_busy():
    # day 2 has chat traffic only between 09:00 and 10:00: a chat repeat deferred overnight comes
    # then, never in the empty 08:00 slot
    chat = {"chat": {"arrivals": [86400 + clock(9, m) for m in (5, 20, 40)],
                     "handle_time": {"dist": "deterministic", "mean": 60},
                     "target": {"service_level": 0.8, "threshold": 60}}}
    sc = one_queue(arrivals=["09:30"], handle=300.0, end="10:00", days=2, extra_channel=chat,
                   skills=["q", "chat"],
                   resolution={"first_contact": 0, "repeat": 1, "repeat_delay": fixed(7200),
                               "repeat_channels": {"chat": 1.0}})
    log = trace(sc)
    rep = log.kind == REPEAT
    assert rep.sum() == 1 and log.channel[rep][0] == 1
    assert log.arrival[rep][0] == pytest.approx(86400 + clock(9, 0) + repeat_u(1, 0)[2] * 3600, abs=1e-6)


def test_repeat_beyond_the_horizon_is_counted_not_lost():
    sc = repeating(arrivals=["08:50"], delay=3600, days=1)
    log = trace(sc)
    assert len(log) == 1 and log.extra["resolved"][0] == 2
    q = simulate(sc, replications=1).per_replication.set_index("channel").loc["q"]
    assert q["repeats"] == 0 and q["repeats_beyond_horizon"] == 1 and q["offered"] == 1
    assert np.isclose(q["fcr"], 0.0)  # answered, not resolved


def test_fcr_off_and_fcr_one_agree_on_every_shared_column(root):
    """first_contact 1 resolves everything: the same numbers as no resolution at all, plus the new
    columns (fcr 1, no repeats)."""
    from staffsim import load_scenario

    path = root / "scenarios" / "travel_agency.yaml"
    off = simulate(load_scenario(path), replications=2)
    on = simulate(load_scenario(path, ["channels.voice.resolution.first_contact=1",
                                       "channels.voice.resolution.repeat_delay=1d"]), replications=2)
    shared = [c for c in off.per_replication.columns]
    assert on.per_replication[shared].equals(off.per_replication)
    assert on.slots[off.slots.columns].equals(off.slots)
    voice = on.per_replication[on.per_replication["channel"] == "voice"]
    assert (voice["fcr"] == 1).all() and (on.per_replication["repeats"] == 0).all()


def test_geometric_identity():
    """With resolution r (repeats too), no abandonment, agents enough and every chain inside the
    horizon, a customer needs a geometric number of answered contacts, mean 1/r: offered =
    first contacts / r in expectation. D = offered - first/r has mean 0 exactly; the 99.9%
    t-interval of D over replications holds 0 and excludes the neighbouring r +- 0.02."""
    r = 0.75
    hours = 24
    sc = scenario_from_dict({
        "name": "geometric", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"q": {"volume": [800, 800] + [0] * (hours - 2), "handle_time": 60,
                           "target": {"service_level": 0.8, "threshold": 20},
                           "resolution": {"first_contact": r, "repeat_delay": {"dist": "exponential", "mean": 600}}}},
        "agents": [{"group": "team", "skills": ["q"], "shifts": [{"start": "00:00", "end": "24:00", "agents": 30}]}],
        "run": {"replications": 16, "seed": 2026, "drain": 0},
    })
    pr = simulate(sc, jobs=1).per_replication
    q = pr[pr["channel"] == "q"]
    assert (q["unfinished"] == 0).all() and (q["abandoned"] == 0).all()
    assert (q["repeats_beyond_horizon"] == 0).all() and (q["repeats_deferred"] == 0).all()
    offered = q["offered"].to_numpy()
    first = offered - q["repeats"].to_numpy()

    def interval(values):
        half = stats.t.ppf(1 - 0.001 / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        return values.mean(), half

    mean, half = interval(offered - first / r)
    assert abs(mean) <= half, (mean, half)
    for other in (r - 0.02, r + 0.02):
        m, h = interval(offered - first / other)
        assert abs(m) > h, ("interval too wide to tell r from", other, m, h)
    # fcr is the resolution share of first contacts answered
    fcr_mean, fcr_half = interval(q["fcr"].to_numpy())
    assert abs(fcr_mean - r) <= fcr_half


@pytest.mark.parametrize("change,match", [
    ({"repeat_channels": {"voice": 0.6, "chat": 0.3}},
     r"channels.voice.resolution.repeat_channels: shares must sum to 1, got 0.9"),
    ({"repeat_channels": {"voice": 0.5, "fax": 0.5}},
     r"channels.voice.resolution.repeat_channels: 'fax' is not a channel \(channels: voice, chat\)"),
    ({"first_contact": 1.2}, r"channels.voice.resolution.first_contact: must be <= 1, got 1.2"),
    ({"first_contact": 0}, r"channels.voice.resolution: first_contact 0 resolves nothing"),
    ({"repeat_delay": None}, r"channels.voice.resolution.repeat_delay"),
])
def test_bad_resolution_exits_2_with_one_message(capsys, tmp_path, change, match):
    import yaml

    res = {"first_contact": 0.7, "repeat_delay": "2d", **change}
    res = {k: v for k, v in res.items() if v is not None}
    data = {"name": "bad", "horizon": {"start": "08:00", "end": "10:00", "slot": "1h"},
            "channels": {"voice": {"volume": [10, 10], "handle_time": 180, "resolution": res,
                                   "target": {"service_level": 0.8, "threshold": 20}},
                         "chat": {"volume": [5, 5], "handle_time": 300,
                                  "target": {"service_level": 0.8, "threshold": 60}}},
            "agents": [{"group": "g", "skills": ["voice", "chat"],
                        "shifts": [{"start": "08:00", "end": "10:00", "agents": 3}]}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    import re

    assert re.search(match, err), err
    with pytest.raises(InputError):
        scenario_from_dict(data)
