"""A real planner's week: calendars and opening hours, interval AHT, events, forecast error,
retries into closed periods, and the checks on bad input (project issue 8)."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import one_queue, trace

from staffsim import InputError, load_scenario, scenario_from_dict, simulate
from staffsim.cli import main
from staffsim.distributions import Distribution
from staffsim.engine.draws import ChannelDrawer
from staffsim.erlang_plan import backlog_channel_plan
from staffsim.experiment import plan_for
from staffsim.models import erlang, erlang_a
from staffsim.models.staffing import plan_staffing
from staffsim.rng import stream
from staffsim.scenarios.forecast import load_forecast, load_targets

ROOT = Path(__file__).resolve().parents[1]


def clock(h, m, s=0):
    return h * 3600.0 + m * 60 + s


def week(**horizon):
    """A one-channel week from Monday 2026-03-02: Saturday 09:00-14:00, Sunday closed."""
    h = {"start_date": "2026-03-02", "days": 7, "start": "08:00", "end": "12:00", "slot": "1h",
         "hours": {"sat": ["09:00", "11:00"], "sun": "closed"}}
    h.update(horizon)
    return {
        "name": "week",
        "horizon": h,
        "channels": {"q": {"volume": [10, 20, 30, 40], "handle_time": 60,
                           "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "team", "skills": ["q"],
                    "shifts": [{"start": "08:00", "end": "12:00", "agents": 2,
                                "days": ["mon", "tue", "wed", "thu", "fri"]},
                               {"start": "09:00", "end": "11:00", "agents": 1, "days": ["sat"]}]}],
        "run": {"replications": 2, "seed": 3, "drain": 0},
    }


# ----------------------------------------------------------------------------- the calendar
def test_the_slot_grid_has_slots_only_in_opening_hours():
    sc = scenario_from_dict(week())
    h = sc.spec.horizon
    starts = h.slot_starts()
    days = (starts // 86400).astype(int)
    assert h.days == 7 and h.n_slots == 5 * 4 + 2
    assert list(np.bincount(days, minlength=7)) == [4, 4, 4, 4, 4, 2, 0]  # Sunday closed
    assert list(starts[days == 5] % 86400) == [clock(9, 0), clock(10, 0)]
    # one day's list is taken by clock time: Saturday gets the 09:00 and 10:00 values
    assert list(sc.volumes["q"][days == 5]) == [20, 30]
    assert h.close == 5 * 86400 + clock(11, 0)


def test_outputs_carry_dates_and_weekdays():
    res = simulate(scenario_from_dict(week()), jobs=1, progress=False, contacts=True)
    for table in (res.slots, res.groups, res.plan, res.contacts):
        assert {"day", "date", "weekday", "slot_start"} <= set(table.columns)
    sat = res.slots[res.slots["weekday"] == "Sat"]
    assert list(sat["date"]) == ["2026-03-07"] * 2 and list(sat["slot_start"]) == ["09:00", "10:00"]
    assert "Sun" not in set(res.slots["weekday"])
    row = res.contacts.iloc[0]
    assert row["date"] == "2026-03-02" and row["weekday"] == "Mon"


def test_a_forecast_omits_intervals_as_zero_and_refuses_rows_outside_opening_hours(tmp_path):
    data = week()
    data["channels"]["q"]["volume"] = {"file": str(tmp_path / "f.csv")}
    (tmp_path / "f.csv").write_text("channel,slot_start,volume,aht_s\n"
                                    "q,2026-03-02 09:00,12,100\nq,2026-03-02 10:00,4,100\n"
                                    "q,2026-03-07 10:00,5,200\n")
    sc = scenario_from_dict(data)
    vol = sc.volumes["q"]
    assert vol.sum() == 21 and list(vol[1:3]) == [12, 4] and vol[-1] == 5  # every other slot: 0
    (tmp_path / "f.csv").write_text("channel,slot_start,volume,aht_s\nq,2026-03-07 12:00,5,200\n")
    with pytest.raises(InputError, match=r"f.csv has a row for 'q' at 12:00 on Sat 2026-03-07, "
                                         r"outside the opening hours 09:00-11:00 of Sat 2026-03-07"):
        scenario_from_dict(data)
    (tmp_path / "f.csv").write_text("channel,slot_start,volume,aht_s\nq,2026-03-08 10:00,5,200\n")
    with pytest.raises(InputError, match=r"on Sun 2026-03-08, outside the opening hours "
                                         r"\(Sun 2026-03-08 is closed\)"):
        scenario_from_dict(data)


def test_shifts_must_fit_each_days_hours():
    data = week()
    data["agents"][0]["shifts"][0].pop("days")  # 08:00-12:00 every open day: not on Saturday
    with pytest.raises(InputError, match=r"agents.0.shifts.0: 08:00-12:00 is outside the horizon's "
                                         r"opening hours 09:00-11:00 of Sat 2026-03-07"):
        scenario_from_dict(data)


# ------------------------------------------------------------------ retries into closed hours
def test_retries_into_a_closed_period_are_counted_not_abandoned():
    # 08:58 caller abandons at 08:59 and would retry 5 min later, after closing (09:00): counted
    # as retries_closed in the 08:00 slot it came from; the same on Friday night -> closed Sunday
    sc = one_queue(arrivals=["08:00", "08:58"], handle=3600.0, patience=60.0,
                   retrial={"probability": 1.0, "delay": {"dist": "deterministic", "mean": 300}})
    log = trace(sc)
    assert len(log) == 2 and list(log.state) == [1, 3]
    res = simulate(sc, jobs=1, progress=False)
    assert res.slots["retries_closed"].tolist() == [1.0] and res.slots["abandoned"].tolist() == [1.0]
    summary = res.summary().set_index("channel")
    assert summary.loc["q", "retries_closed"] == 1 and summary.loc["all", "retries_closed"] == 1

    data = week()
    q = data["channels"]["q"]
    q.pop("volume")
    q["arrivals"] = [5 * 86400 + clock(10, 30)]  # Saturday 10:30, a day before the closed Sunday
    q["patience"] = {"dist": "deterministic", "mean": 60}
    q["handle_time"] = 3600
    q["retrial"] = {"probability": 1.0, "delay": {"dist": "deterministic", "mean": "12h"}}
    data["agents"][0]["shifts"] = [{"start": "09:00", "end": "11:00", "agents": 0, "days": ["sat"]}]
    res = simulate(scenario_from_dict(data), jobs=1, progress=False)
    sat = res.slots[(res.slots["weekday"] == "Sat") & (res.slots["slot_start"] == "10:00")]
    assert sat["abandoned"].tolist() == [1.0] and sat["retries_closed"].tolist() == [1.0]


# ----------------------------------------------------------------------------- interval AHT
def _forecast_scenario(aht=True):
    """The bank's channels with volumes (and AHT) from scenarios/forecast/weekday.csv, targets as
    in targets.yaml, no self-service: the plan inside a run must be `staffsim plan`'s."""
    base = ROOT / "scenarios" / "forecast"
    channels = {
        "voice": {"handle_time": {"dist": "lognormal", "mean": 280, "cv": 0.9},
                  "patience": {"dist": "exponential", "mean": "3min"},
                  "target": {"service_level": 0.8, "threshold": "20s", "max_abandon": 0.05,
                             "max_occupancy": 0.85}},
        "chat": {"handle_time": {"dist": "gamma", "mean": 500, "cv": 1.0},
                 "patience": {"dist": "exponential", "mean": "4min"}, "concurrency": 3,
                 "concurrency_stretch": 1.4,
                 "target": {"service_level": 0.8, "threshold": "60s", "max_occupancy": 0.85}},
        "email": {"handle_time": {"dist": "weibull", "mean": 400, "shape": 1.5},
                  "target": {"service_level": 0.9, "threshold": "4h", "max_occupancy": 0.85}},
    }
    for name, ch in channels.items():
        ch["volume"] = {"file": "weekday.csv", "channel": name, "aht": aht}
    return scenario_from_dict({
        "name": "forecast", "horizon": {"start": "08:00", "end": "20:00", "slot": "30min"},
        "channels": channels,
        "agents": [{"group": g, "skills": [g], "staffing": "plan", "shrinkage": 0.3}
                   for g in channels],
        "run": {"replications": 1, "seed": 5, "drain": 0},
    }, base_dir=base)


def test_the_plan_inside_run_equals_staffsim_plan_on_the_same_file():
    base = ROOT / "scenarios" / "forecast"
    forecast = load_forecast(base / "weekday.csv")
    expected = plan_staffing(forecast.table, load_targets(base / "targets.yaml"), forecast.slot_s)
    sc = _forecast_scenario()
    inside = simulate(sc, replications=1, jobs=1, progress=False).plan
    assert list(inside["channel"]) == list(expected["channel"])
    # email (4 h threshold, no patience) is backlog work: the scenario's one Erlang plan plans it
    # as backlog (docs/tutorials/plan-a-day.md); `staffsim plan` (no scenario) stays per slot
    queue = (inside["channel"] != "email").to_numpy()
    for col in ("volume", "aht_s", "traffic", "agents", "scheduled", "service_level", "asa_s",
                "p_abandon", "occupancy", "binding"):
        assert inside[col][queue].tolist() == expected[col][queue].tolist(), col
    for col in ("volume", "aht_s", "traffic"):  # the same load
        assert inside[col][~queue].tolist() == expected[col][~queue].tolist(), col
    email = inside[~queue]
    assert email["agents"].tolist() == backlog_channel_plan(sc, "email").agents.tolist()
    assert set(email["binding"]) <= {"backlog", ""}
    # without the file's AHT the run's plan takes the distributions' means: it differs
    off = plan_for(_forecast_scenario(aht=False))
    assert set(off.loc[off["channel"] == "voice", "aht_s"]) == {280.0}
    assert (off["agents"] != inside["agents"]).any()


def test_interval_aht_scales_each_contacts_handle_time_to_its_slots_mean():
    on, off = _forecast_scenario(), _forecast_scenario(aht=False)
    aht = load_forecast(ROOT / "scenarios" / "forecast" / "weekday.csv").table
    voice_aht = aht.loc[aht["channel"] == "voice", "aht_s"].to_numpy()
    d_on = ChannelDrawer(on, "voice", 0, 5, 0).day(0)
    d_off = ChannelDrawer(off, "voice", 0, 5, 0).day(0)
    assert d_on.times == d_off.times  # the same customers (common random numbers)
    k = np.searchsorted(on.spec.horizon.slot_starts(), d_on.times, side="right") - 1
    np.testing.assert_allclose(np.array(d_on.handle), np.array(d_off.handle) * voice_aht[k] / 280.0,
                               rtol=1e-15)


@pytest.mark.parametrize("dist", [
    Distribution("exponential", 200.0), Distribution("deterministic", 200.0),
    Distribution("lognormal", 200.0, cv=0.7), Distribution("gamma", 200.0, cv=1.3),
    Distribution("weibull", 200.0, shape=0.8), Distribution("uniform", 200.0, low=100.0, high=300.0),
    Distribution("empirical", 200.0, values=(100.0, 150.0, 350.0)),
])
def test_scaled_distributions_keep_their_shape_and_take_the_mean(dist):
    s = dist.scaled(260.0)
    assert s.dist == dist.dist and s.mean == pytest.approx(260.0, rel=1e-15)
    assert s.variance == pytest.approx(dist.variance * 1.3**2, rel=1e-12)  # the same cv
    assert (s.cv, s.shape) == (dist.cv, dist.shape)
    a = s.sample(stream(1, 0, "x"), 2000)
    b = dist.sample(stream(1, 0, "x"), 2000) * 1.3
    np.testing.assert_allclose(a, b, rtol=1e-9)  # exactly the scale family, draw by draw


# ----------------------------------------------------------------------------- events
def test_event_handle_time_factor_applies_to_contacts_arriving_in_the_window():
    sc = one_queue(arrivals=["08:00", "08:20", "08:40"], handle=100.0, agents=3)
    sc = sc.with_overrides({"events": [{"day": 1, "start": "08:15", "end": "08:30",
                                        "channels": {"q": {"handle_time_factor": 1.5}}}]})
    log = trace(sc)
    assert list(log.handle) == [100.0, 150.0, 100.0]
    assert list(log.end - log.answer) == [100.0, 150.0, 100.0]


def test_event_unavailable_channel_loses_and_counts_contacts_and_retries():
    # 08:00 caller abandons at 08:01, retries at 08:11 (inside the 08:10-08:30 outage): lost;
    # the 08:15 and 08:29 first attempts are lost too; 08:30 is answered
    sc = one_queue(arrivals=["08:00", "08:00", "08:15", "08:29", "08:30"], handle=1200.0,
                   patience=60.0, start="08:00", end="09:00", slot="30min",
                   retrial={"probability": 1.0, "delay": {"dist": "deterministic", "mean": 600},
                            "max_attempts": 2})
    sc = sc.with_overrides({"events": [{"day": 1, "start": "08:10", "end": "08:30",
                                        "channels": {"q": {"unavailable": True}}}]})
    log = trace(sc)
    assert list(log.arrival) == [clock(8, 0), clock(8, 0), clock(8, 30)]
    assert list(log.state) == [2, 3, 2]
    res = simulate(sc, jobs=1, progress=False)
    assert res.slots["unavailable"].tolist() == [3.0, 0.0]  # 08:11 retry, 08:15, 08:29
    assert res.slots["offered"].tolist() == [2.0, 1.0]
    assert res.slots["retries_closed"].tolist() == [0.0, 0.0]


def test_event_self_service_down_contains_nobody_and_drops_the_uplift():
    sc = one_queue(arrivals=["08:00", "08:10", "08:20", "08:30", "08:40", "08:50"], handle=100.0,
                   agents=6, self_service={"deflection": 0.99, "handle_time_uplift": 0.2})
    sc = sc.with_overrides({"events": [{"day": 1, "start": "08:25", "end": "08:45",
                                        "channels": {"q": {"self_service_unavailable": True}}}]})
    log = trace(sc)
    down = (log.arrival >= clock(8, 25)) & (log.arrival < clock(8, 45))
    assert list(down) == [False, False, False, True, True, False]
    assert (log.state[down] == 2).all()
    np.testing.assert_allclose(log.handle[down], 100.0, rtol=1e-15)
    # outside the window the 0.99 deflection contains each contact whose draw u < 0.99
    from helpers import channel_draws
    u = channel_draws(sc, "q", 1, 0).deflect_u
    assert list(log.state[~down] == 4) == list(u[~down] < 0.99)


def test_event_volume_factor_steps_the_rate_inside_the_slot():
    # factor 3 on 08:00-08:30 of a 08:00-09:00 slot: Poisson(V x 2) arrivals; uniform u below
    # 3/4 maps into the first half-hour, the rest into the second (the stepped rate's inverse)
    sc = one_queue(volume_per_hour=40, handle=10.0, agents=20)
    sc = sc.with_overrides({"events": [{"day": 1, "start": "08:00", "end": "08:30",
                                        "channels": {"q": {"volume_factor": 3}}}]})
    times = np.array(ChannelDrawer(sc, "q", 0, 7, 0).day(0).times)
    rng = stream(7, 0, "q", "arrivals", 0)
    n = int(rng.poisson(80.0))
    u = np.sort(rng.uniform(0.0, 1.0, n))
    expected = np.where(u < 0.75, clock(8, 0) + u / 0.75 * 1800, clock(8, 30) + (u - 0.75) / 0.25 * 1800)
    assert len(times) == n
    np.testing.assert_allclose(times, expected, rtol=1e-12)
    plan = plan_for(sc)
    assert plan["volume"].tolist() == [80.0]  # the plan sees the expected load


@pytest.mark.parametrize("event,match", [
    ({"day": 3, "start": "08:00", "end": "08:30", "channels": {"q": {"volume_factor": 2}}},
     r"s.yaml: events.0: day 3 is outside the horizon \(day 1 to day 1\)"),
    ({"day": 1, "start": "08:00", "end": "08:30", "channels": {"q": {"volume_factor": -0.5}}},
     r"s.yaml: events.0.channels.q.volume_factor: must be >= 0, got -0.5"),
    ({"day": 1, "start": "08:00", "end": "08:30", "channels": {"q": {"handle_time_factor": 0}}},
     r"s.yaml: events.0.channels.q.handle_time_factor: must be > 0, got 0"),
    ({"day": 1, "start": "10:00", "end": "11:00", "channels": {"q": {"unavailable": True}}},
     r"s.yaml: events.0: 10:00-11:00 on day 1 is outside the opening hours \(open 08:00-09:00\)"),
    ({"day": 1, "start": "08:30", "end": "08:00", "channels": {"q": {"volume_factor": 2}}},
     r"s.yaml: events.0: end 08:00 must be after start 08:30"),
    ({"day": 1, "start": "08:00", "end": "08:30", "channels": {"x": {"volume_factor": 2}}},
     r"s.yaml: events.0.channels: 'x' is not a channel \(channels: q\)"),
])
def test_bad_events_get_one_clear_message_and_exit_2(tmp_path, capsys, event, match):
    import yaml
    data = one_queue(volume_per_hour=10).raw_copy()
    data["events"] = [event]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert pytest.approx(0) == 0 and __import__("re").search(match, err), err


def test_bad_calendars_get_one_clear_message_and_exit_2(tmp_path, capsys):
    import yaml
    cases = [
        ({"hours": {"sat": ["14:00", "09:00"], "sun": "closed"}},
         r"horizon: hours.sat: closes at 09:00, before it opens at 14:00"),
        ({"start_date": None}, r"horizon: hours: opening hours by weekday or date need start_date"),
        ({"hours": {"caturday": "closed"}}, r"horizon.hours: 'caturday' is neither a weekday"),
    ]
    for change, match in cases:
        data = week(**change)
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump(data))
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and __import__("re").search(match, err), err
    # a forecast row outside the opening hours, through the CLI
    data = week()
    data["channels"]["q"]["volume"] = {"file": "f.csv"}
    (tmp_path / "f.csv").write_text("channel,slot_start,volume,aht_s\nq,07:00,5,100\n")
    path.write_text(yaml.safe_dump(data))
    assert main(["run", str(path), "-n", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "f.csv has a row for 'q' at 07:00, outside the opening hours of every open day" in err


# ----------------------------------------------------------------------------- forecast error
def _counts(cv, per, lam=50.0, reps=3):
    """Arrivals per slot over ``reps`` replications of a 7-day horizon of 15-minute slots, each
    with forecast volume ``lam``."""
    sc = one_queue(volume_per_hour=0, volume=[lam] * 96, handle=10.0, start="00:00", end="24:00",
                   slot="15min", days=7, volume_uncertainty={"cv": cv, "per": per})
    out = []
    for rep in range(reps):
        dr = ChannelDrawer(sc, "q", 0, 11, rep)
        for d in range(7):
            times = np.array(dr.day(d).times)
            out.append(np.bincount(((times - d * 86400) // 900).astype(int), minlength=96))
    return sc, np.concatenate(out)


def _variance_ci(x, level_z=3.29):
    """Sample variance and its 99.9% normal-theory interval from the fourth central moment."""
    n = len(x)
    m = x.mean()
    s2 = x.var(ddof=1)
    m4 = ((x - m) ** 4).mean()
    se = math.sqrt(max(m4 - s2**2 * (n - 3) / (n - 1), 0.0) / n)
    return s2, level_z * se


def test_forecast_error_gives_the_poisson_gamma_variance():
    # one voice slot of volume 50 with a per-slot gamma multiplier, cv 0.2: the count is
    # Poisson-gamma (negative binomial), mean 50 and variance 50 + 0.2^2 x 50^2 = 150
    lam, cv = 50.0, 0.2
    _, x = _counts(cv, "slot", lam=lam)
    mean, var = x.mean(), lam + cv**2 * lam**2
    se_mean = math.sqrt(var / len(x))
    assert abs(mean - lam) < 3.29 * se_mean
    s2, half = _variance_ci(x.astype(float))
    assert abs(s2 - var) < half, (s2, var, half)
    for other in (0.15, 0.25):  # the neighbouring cv lies outside the interval
        assert abs(s2 - (lam + other**2 * lam**2)) > half
    # without the error the counts are Poisson: variance = mean
    s2_off, half_off = _variance_ci(_counts(1e-9, "slot", lam=lam)[1].astype(float))
    assert abs(s2_off - lam) < half_off and abs(s2_off - var) > half_off


def test_forecast_error_per_day_is_shared_by_the_days_slots():
    sc, x = _counts(0.3, "day", lam=10.0, reps=2)
    days = x.reshape(-1, 96).sum(axis=1)  # 14 day totals: each Poisson(960 G_d)
    gs = [float(stream(11, rep, "q", "volume_uncertainty", "day", d).gamma(1 / 0.09, 0.09))
          for rep in range(2) for d in range(7)]
    # each day's total follows its own multiplier: within 4 Poisson standard deviations
    assert np.all(np.abs(days - 960 * np.array(gs)) < 4 * np.sqrt(960 * np.array(gs)))
    assert np.std(gs) > 0.1  # and the multipliers do vary from day to day
    assert plan_for(sc)["volume"].eq(10.0).all()  # the plan stays the forecast's


# ----------------------------------------------------------------------------- honest outputs
def test_set_one_self_service_field_alone(root):
    bank = root / "scenarios" / "bank.yaml"
    sc = load_scenario(bank, ["channels.chat.self_service.handle_time_uplift=0.2"])
    ss = sc.spec.channels["chat"].self_service
    assert ss.handle_time_uplift == 0.2 and ss.deflection == 0.0
    sc = load_scenario(bank, ["channels.voice.self_service.handle_time_uplift=0.3"])
    ss = sc.spec.channels["voice"].self_service
    assert ss.handle_time_uplift == 0.3 and ss.deflection == 0.15  # the rest of the block kept


def _fails(row, tg, n: int) -> dict[str, bool]:
    """Which targets ``n`` agents fail for a plan row, by the Erlang functions themselves."""
    k = tg.concurrency
    service = row.aht_s * tg.concurrency_stretch
    if tg.patience_s is None:
        sl = erlang.service_level(row.traffic, n * k, service, tg.threshold_s)
        asa = erlang.asa(row.traffic, n * k, service)
        ab = 0.0
        occ = erlang.occupancy(row.traffic, n * k)
    else:
        m = erlang_a.metrics(row.traffic, n * k, service, tg.patience_s, tg.threshold_s)
        sl, asa, ab, occ = m.service_level, m.asa, m.p_abandon, m.occupancy
    return {"service_level": sl < tg.service_level,
            "asa": tg.asa_s is not None and asa > tg.asa_s,
            "abandon": tg.max_abandon is not None and ab > tg.max_abandon,
            "occupancy": occ > tg.max_occupancy}


def test_binding_names_the_targets_that_fail_with_one_agent_fewer():
    base = ROOT / "scenarios" / "forecast"
    forecast = load_forecast(base / "weekday.csv")
    targets = load_targets(base / "targets.yaml")
    plan = plan_staffing(forecast.table, targets, forecast.slot_s)
    seen = set()
    for row in plan.itertuples(index=False):
        tg = targets[row.channel]
        assert not any(_fails(row, tg, row.agents).values())
        fewer = _fails(row, tg, row.agents - 1)
        assert row.binding.split("+") == [t for t, f in fewer.items() if f]
        seen.update(row.binding.split("+"))
    assert {"service_level", "abandon", "occupancy"} <= seen


def test_the_week_example_runs_with_dates_everywhere(tmp_path):
    out = tmp_path / "week"
    assert main(["run", str(ROOT / "scenarios" / "week.yaml"), "-n", "2", "--jobs", "1",
                 "--no-progress", "--out", str(out), "--contacts"]) == 0
    for name in ("slots", "groups", "plan", "contacts"):
        frame = pd.read_csv(out / f"{name}.csv")
        assert {"date", "weekday"} <= set(frame.columns), name
        assert set(frame["weekday"]) == {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}, name


def test_the_contact_logs_clock_labels_are_format_clock_of_the_time_of_day():
    # the per-contact table's ``arrival`` labels are made by lookup; each must be what
    # format_clock gives for that time of day, rounding at the edges included
    from staffsim.experiment import _clock_labels
    from staffsim.units import format_clock

    times = np.concatenate([
        np.random.default_rng(1).uniform(0, 7 * 86400, 20_000),
        [0.0, 0.49, 0.5, 1.5, 59.5, 60.0, 3599.5, 43200.25, 86399.4, 86399.5, 86399.6, 86400.0, 90000.5],
    ])
    labels = _clock_labels(times)
    expected = [format_clock(t % 86400) for t in times]
    assert labels.tolist() == expected
    assert labels[-3] == "24:00"  # 86399.6 rounds to midnight at the end of the day
