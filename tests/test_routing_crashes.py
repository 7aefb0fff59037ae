"""Issue 20, item 1: two combinations that crashed become tests.

1. Customer segments on the live channel of a scenario with appointments: the segment rows had no
   appointment figures (KeyError: 'shows'). They now carry NaN there (counted per channel only).
2. One day's bookings on a dated week with a short Saturday: the book was tiled over full days
   (a raw numpy broadcasting error). It is now taken by clock time on every open day, like volumes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from staffsim import scenario_from_dict, simulate
from staffsim.engine import run_replication
from staffsim.errors import InputError
from staffsim.scenarios.appointments import booked_per_slot
from staffsim.scenarios.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
APPT = ROOT / "scenarios" / "appointments.yaml"


def short_saturday(**video) -> dict:
    """appointments.yaml on Monday 2 - Saturday 7 March 2026, Saturday open 09:00-13:00."""
    data = yaml.safe_load(APPT.read_text())
    data["horizon"] = {"start": "08:00", "end": "18:00", "slot": "30min", "start_date": "2026-03-02",
                       "days": 6, "hours": {"sat": ["09:00", "13:00"]}}
    shifts = data["agents"][0]["shifts"]
    for s in shifts:
        s["days"] = ["mon", "tue", "wed", "thu", "fri"]
    shifts.append({"start": "09:00", "end": "13:00", "agents": 6, "days": ["sat"]})
    data["channels"]["video"].update(video)
    return data


def test_segments_beside_appointments_run():
    sc = load_scenario(APPT, ["channels.voice.segments={vip: {share: 0.1, priority: 1}, general: {share: 0.9}}"])
    res = simulate(sc, 2, 1, 1)
    s = res.summary()
    voice = s[s["channel"] == "voice"].set_index("segment")
    assert list(voice.index) == ["all", "vip", "general"]
    # the segments split the channel's contacts exactly
    for key in ("offered", "answered", "abandoned"):
        assert voice.loc["vip", key] + voice.loc["general", key] == pytest.approx(voice.loc["all", key])
    # appointment figures are counted per channel: undefined on a segment row, not invented
    assert np.isnan(voice.loc["vip", "no_shows"]) and np.isnan(voice.loc["general", "no_shows"])
    video = s[s["channel"] == "video"].iloc[0]
    assert video["no_shows"] > 0
    slots = res.slots
    seg_rows = slots[(slots["channel"] == "voice") & (slots["segment"] != "all")]
    assert len(seg_rows) and seg_rows["no_shows"].isna().all()


def test_one_days_bookings_on_a_week_with_a_short_saturday():
    sc = scenario_from_dict(short_saturday())
    spec = sc.spec
    h = spec.horizon
    booked, extra = booked_per_slot(spec, "video")
    assert len(booked) == h.n_slots and not extra.any()
    day_list = np.asarray(spec.channels["video"].bookings)
    starts = h.slot_starts()
    tod = starts % 86400.0
    # every slot's book is the one-day list's value at its clock time
    assert np.array_equal(booked, day_list[((tod - h.start) / h.slot).round().astype(int)])
    # Saturday 09:00-13:00: 4 bookings a half hour from 09:00 to 12:00, 3 over 12:00-13:00
    sat = (starts // 86400.0) == 5
    assert booked[sat].sum() == 4 * 6 + 3 * 2
    out = run_replication(sc, 7, 0, {}, keep_log=True)
    log = out.log
    video = log.channel == 0
    day = (log.arrival // 86400.0).astype(int)
    for d in range(6):  # the book is known: exactly the day's bookings arrive
        want = booked[(starts // 86400.0) == d].sum()
        assert int((video & (day == d) & (log.attempt == 0)).sum()) == want


def test_booked_time_on_a_closed_part_of_a_short_day_is_refused():
    data = short_saturday(booked=[5 * 86400 + 36000, 5 * 86400 + 54000])  # Saturday 10:00, 15:00
    del data["channels"]["video"]["bookings"]
    with pytest.raises(InputError, match=r"channels.video.booked: 15:00 on Sat 2026-03-07 is outside "
                                         r"that day's opening hours \(open 09:00-13:00\)"):
        scenario_from_dict(data)
