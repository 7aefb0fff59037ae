"""Staffing plans, forecast CSV and targets YAML loading."""

import math

import numpy as np
import pandas as pd
import pytest

from staffsim.errors import InputError
from staffsim.models import erlang, erlang_a
from staffsim.models.staffing import (
    PLAN_COLUMNS,
    ChannelTargets,
    plan_staffing,
    scheduled_agents,
    staffing_metrics,
)
from staffsim.scenarios.loader import load_forecast, load_targets


def forecast(volumes, aht=180.0, channel="voice"):
    return pd.DataFrame({
        "channel": channel,
        "slot_start": [f"{8 + i // 2:02d}:{30 * (i % 2):02d}" for i in range(len(volumes))],
        "volume": volumes,
        "aht_s": aht,
    })


def test_plan_is_erlang_c_per_slot():
    vols = [0, 10, 100, 400]
    tg = ChannelTargets(service_level=0.8, threshold_s=20.0)
    plan = plan_staffing(forecast(vols), {"voice": tg}, 1800.0)
    assert list(plan.columns) == PLAN_COLUMNS
    traffic = np.array(vols) * 180 / 1800
    assert np.allclose(plan["traffic"], traffic)
    for a, n, sl in zip(traffic, plan["agents"], plan["service_level"]):
        assert n == erlang.required_agents(a, 180.0, 20.0, 0.8)
        assert sl == erlang.service_level(a, n, 180, 20)
    assert plan["agents"].iloc[0] == 0 and plan["service_level"].iloc[0] == 1.0


def test_plan_with_patience_uses_erlang_a_and_abandon_cap():
    tg = ChannelTargets(service_level=0.8, threshold_s=20.0, patience_s=120.0, max_abandon=0.02)
    plan = plan_staffing(forecast([50, 150]), {"voice": tg}, 1800.0)
    for row in plan.itertuples():
        assert row.agents == erlang_a.required_agents(row.traffic, 180, 120, 20, 0.8, 0.02)
        assert row.p_abandon <= 0.02 and row.service_level >= 0.8


def test_shrinkage_and_occupancy_cap():
    assert list(scheduled_agents(np.array([14, 7, 0, 1]), 0.3)) == [20, 10, 0, 2]
    assert list(scheduled_agents(np.array([13]), 0.35)) == [20]  # 13 / 0.65 = 20 exactly
    tg = ChannelTargets(service_level=0.5, threshold_s=60.0, max_occupancy=0.8, shrinkage=0.25)
    plan = plan_staffing(forecast([1000]), {"voice": tg}, 1800.0)
    n = int(plan["agents"].iloc[0])
    assert 100 / n <= 0.8 < 100 / (n - 1)  # the cap binds at 100 Erlangs, 50% in 60 s
    assert plan["scheduled"].iloc[0] == math.ceil(n / 0.75 - 1e-9)


def test_concurrency_is_erlang_with_n_times_k_servers():
    k, stretch = 3, 1.25
    tg = ChannelTargets(service_level=0.8, threshold_s=60.0, concurrency=k, concurrency_stretch=stretch)
    plan = plan_staffing(forecast([120], aht=600.0, channel="chat"), {"chat": tg}, 1800.0)
    a = 120 * 600 * stretch / 1800
    servers = erlang.required_agents(a, 600 * stretch, 60.0, 0.8)
    assert plan["agents"].iloc[0] == math.ceil(servers / k)
    assert plan["service_level"].iloc[0] == erlang.service_level(
        a, plan["agents"].iloc[0] * k, 600 * stretch, 60
    )


def test_staffing_metrics_table():
    t = staffing_metrics(100, 180, 1800, range(10, 15), threshold_s=20, patience_s=300)
    assert list(t["agents"]) == [10, 11, 12, 13, 14]
    assert t["service_level"].is_monotonic_increasing
    assert t["p_abandon"].is_monotonic_decreasing


@pytest.mark.parametrize("kwargs,match", [
    ({"service_level": 1.0}, "service_level"),
    ({"threshold_s": -1.0}, "threshold"),
    ({"shrinkage": 1.0}, "shrinkage"),
    ({"max_abandon": 0.05}, "needs patience"),
    ({"concurrency": 0}, "concurrency"),
])
def test_bad_targets(kwargs, match):
    base = {"service_level": 0.8, "threshold_s": 20.0}
    with pytest.raises(ValueError, match=match):
        ChannelTargets(**{**base, **kwargs})


def test_example_forecast_and_targets(root):
    f = load_forecast(root / "scenarios" / "forecast" / "weekday.csv")
    assert f.slot_s == 1800.0
    assert list(dict.fromkeys(f.table["channel"])) == ["voice", "chat", "email"]
    t = load_targets(root / "scenarios" / "forecast" / "targets.yaml")
    plan = plan_staffing(f.table, t, f.slot_s)
    assert len(plan) == 72 and (plan["service_level"] >= 0.8).all()
    voice = plan[plan.channel == "voice"]
    assert (voice["p_abandon"] <= 0.05).all() and (voice["occupancy"] <= 0.85).all()


def write(tmp_path, text, name="f.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_vendor_headers_and_total_handle_time(tmp_path):
    p = write(tmp_path, "Interval Start,Queue,Offered,Total Handle Time\n"
                        "2026-03-02 08:00,Sales,10,1800\n2026-03-02 08:15,Sales,0,0\n"
                        "2026-03-02 08:30,Sales,4,600\n")
    f = load_forecast(p)
    assert f.slot_s == 900.0
    assert list(f.table["aht_s"].iloc[[0, 2]]) == [180.0, 150.0] and math.isnan(f.table["aht_s"].iloc[1])
    assert list(f.table["offset_s"]) == [28800.0, 29700.0, 30600.0]


def test_aht_as_duration_text(tmp_path):
    p = write(tmp_path, "channel,slot_start,volume,AHT\nvoice,08:00,10,3:05\nvoice,08:30,10,3min\n")
    assert list(load_forecast(p).table["aht_s"]) == [185.0, 180.0]


@pytest.mark.parametrize("text,match", [
    ("channel,slot_start,volume\nvoice,08:00,1\n", "missing column"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,-3,180\n", "line 2, column 'volume'"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,nan,180\n", "volume"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,,180\n", "volume"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,3,-1\n", "aht"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,3,\n", "missing AHT"),
    ("channel,slot_start,volume,aht_s\nvoice,8h,3,180\n", "line 2, column 'slot_start'"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,3,180\nvoice,08:00,4,180\n", "duplicate slot"),
    ("channel,slot_start,volume,aht_s\nvoice,08:00,3,180\nvoice,08:20,4,180\nvoice,08:50,4,1\n",
     "regular grid"),
    ("Queue,Skill,slot_start,volume,aht_s\nq,voice,08:00,3,180\n", "could both be the channel"),
])
def test_bad_forecasts_name_line_and_column(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        load_forecast(write(tmp_path, text), slot=1800.0)


def test_slot_mismatch_and_single_slot(tmp_path):
    p = write(tmp_path, "channel,slot_start,volume,aht_s\nvoice,08:00,3,180\nvoice,09:00,3,180\n")
    with pytest.raises(InputError, match="3600s apart but the slot length given is 1800s"):
        load_forecast(p, slot=1800.0)
    single = write(tmp_path, "channel,slot_start,volume,aht_s\nvoice,08:00,3,180\n", "s.csv")
    with pytest.raises(InputError, match="give --slot"):
        load_forecast(single)


@pytest.mark.parametrize("text,match", [
    ("channels: {voice: {service_level: 1.2, threshold: 20s}}\n",
     r"channels\.voice\.service_level: must be < 1, got 1\.2"),
    ("channels: {voice: {service_level: 0.8, threshold: soon}}\n", r"channels\.voice\.threshold"),
    ("channels: {voice: {service_level: 0.8, threshold: 20s, colour: red}}\n",
     r"unknown field 'colour' \(allowed: service_level"),
    ("default: {shrinkage: 2}\n", r"default\.shrinkage: must be < 1"),
    ("channels: {voice: {service_level: 0.8, threshold: 20s, max_abandon: 0.1}}\n",
     "needs patience"),
    ("channels: [1, 2\n", "invalid YAML"),
    ("other: 1\n", "unknown field 'other'"),
])
def test_bad_targets_files(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        load_targets(write(tmp_path, text, "t.yaml"))


def test_targets_default_is_merged(tmp_path):
    t = load_targets(write(tmp_path, "default: {service_level: 0.8, threshold: 20s, shrinkage: 0.3}\n"
                                     "channels: {chat: {threshold: 1min, concurrency: 2}}\n", "t.yaml"))
    assert t["chat"].threshold_s == 60.0 and t["chat"].shrinkage == 0.3 and t["chat"].concurrency == 2
    assert t["sms"].threshold_s == 20.0  # unlisted channels take the complete default


def test_semicolon_decimal_comma_and_bom_exports(tmp_path):
    p = write(tmp_path, "\ufeffInterval Start;Queue;Offered;AHT\n2026-03-02 08:00;Sales;12;180,5\n"
                        "2026-03-02 08:30;Sales;1.204;3:05\n")
    f = load_forecast(p)
    assert list(f.table["aht_s"]) == [180.5, 185.0]
    assert list(f.table["volume"]) == [12.0, 1204.0]  # "1.204" is thousands in a decimal-comma file
    bad = write(tmp_path, "channel;slot_start;volume;aht_s\nvoice;08:00;12.5;180\n", "b.csv")
    with pytest.raises(InputError, match=r"line 2, column 'volume'.*decimal commas"):
        load_forecast(bad, slot=1800)
    bad = write(tmp_path, "channel;slot_start;volume;aht_s\nvoice;08:00;12;180.5\n", "c.csv")
    with pytest.raises(InputError, match=r"column 'aht_s'.*decimal comma"):
        load_forecast(bad, slot=1800)
    tabs = write(tmp_path, "channel\tslot_start\tvolume\taht_s\nvoice\t08:00\t1,204\t180\n", "t.csv")
    assert list(load_forecast(tabs, slot=1800).table["volume"]) == [1204.0]
