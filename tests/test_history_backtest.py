"""staffsim backtest: observed days from an independent simulator (examples/history/make_history.py)
fall inside staffsim's simulated prediction bands at the rate the simulation itself expects, and a
wrong model is caught."""

from __future__ import annotations

import copy
import datetime
import math

import numpy as np
import pandas as pd
import pytest
from test_history_fit import MH

from staffsim import InputError, backtest, scenario_from_dict
from staffsim.cli.main import main
from staffsim.history.contacts import read_contacts

START = datetime.date(2026, 2, 2)
TRUTH = {
    "service": {"per_day": 1200.0, "handle": ("lognormal", 300.0, 0.8), "patience": ("weibull", 240.0, 0.8),
                "redial": 0.4, "redial_delay": 600.0},
    "sales": {"per_day": 400.0, "handle": ("lognormal", 420.0, 0.6), "patience": ("exponential", 300.0, None),
              "redial": 0.4, "redial_delay": 600.0},
}
SCENARIO = {
    "name": "truth",
    "horizon": {"start": "08:00", "end": "20:00", "slot": "30min"},
    "channels": {
        "service": {"volume": [0] * 24, "handle_time": {"dist": "lognormal", "mean": 300, "cv": 0.8},
                    "patience": {"dist": "weibull", "mean": 240, "shape": 0.8},
                    "target": {"service_level": 0.8, "threshold": "20s"}},
        "sales": {"volume": [0] * 24, "handle_time": {"dist": "lognormal", "mean": 420, "cv": 0.6},
                  "patience": {"dist": "exponential", "mean": 300},
                  "target": {"service_level": 0.8, "threshold": "30s"}},
    },
    "agents": [{"group": "service_team", "skills": ["service"], "staffing": "plan"},
               {"group": "sales_team", "skills": ["sales"], "staffing": "plan"}],
    "run": {"replications": 40, "seed": 3},
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    contacts, staffing = MH.generate(seed=21, weeks=1, truth=TRUTH, start=START)
    t = MH.tables(contacts, staffing, START)
    d = tmp_path_factory.mktemp("world")
    t["contacts"].to_csv(d / "contacts.csv", index=False)
    t["staffing"].to_csv(d / "staffing.csv", index=False)
    return {"dir": d, "log": read_contacts(d / "contacts.csv"), "staffing": d / "staffing.csv"}


def _scenario(**changes) -> object:
    data = copy.deepcopy(SCENARIO)
    for ch, fields in changes.items():
        data["channels"][ch].update(fields)
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def truth_backtest(world):
    return backtest(_scenario(), world["log"], world["staffing"], replications=40, seed=5, jobs=1,
                    progress=False, start="2026-02-02", end="2026-02-04")


def test_observed_days_fall_in_the_bands_at_the_expected_rate(truth_backtest):
    cal = truth_backtest.calibration
    assert set(cal["channel"]) == {"service", "sales", "all"}
    cal = cal[cal["channel"] == "all"].set_index(["kpi", "level"])
    for kpi in ("service_level", "asa_s", "abandon_rate", "occupancy"):
        c = cal.loc[(kpi, "slot")]
        assert c["n"] >= 140
        # a 95% band: the simulation's own leave-one-out share is near 95%, and the independent
        # simulator's observations are inside at a rate within the range the simulation expects
        assert 0.88 <= c["expected_share"] <= 0.99, c
        assert c["expected_lo"] <= c["inside_share"] <= c["expected_hi"], (kpi, c.to_dict())
    assert set(truth_backtest.days["date"]) == {"2026-02-02", "2026-02-03", "2026-02-04"}


def test_replayed_arrivals_are_the_observed_ones(truth_backtest, world):
    s = truth_backtest.slots
    assert (s["offered_simulated"] == s["offered_observed"]).all()
    t = world["log"].table
    first3 = t[t["arrival_s"] < 3 * 86400]
    assert s["offered_observed"].sum() == len(first3)


def test_a_wrong_model_is_caught(world):
    """Callers four times less patient and 25% longer calls: the bands miss the observations."""
    wrong = _scenario(service={"patience": {"dist": "weibull", "mean": 60, "shape": 0.8},
                               "handle_time": {"dist": "lognormal", "mean": 375, "cv": 0.8}})
    res = backtest(wrong, world["log"], world["staffing"], replications=20, seed=5, jobs=1, progress=False,
                   start="2026-02-02", end="2026-02-03")
    cal = res.calibration[res.calibration["channel"] == "service"].set_index(["kpi", "level"])
    for kpi in ("service_level", "abandon_rate"):
        assert not cal.loc[(kpi, "slot"), "calibrated"], cal.loc[(kpi, "slot")]
        assert cal.loc[(kpi, "slot"), "verdict"].startswith("too many outside")
    assert cal.loc[("abandon_rate", "slot"), "bias"] < 0  # observed fewer abandons than this model


def test_observed_kpis_by_hand(tmp_path):
    """One slot, one agent: three contacts whose KPIs are worked out by hand."""
    (tmp_path / "log.csv").write_text(
        "channel,arrival,answer,end,abandon\n"
        "q,2026-03-02 08:00:00,2026-03-02 08:00:00,2026-03-02 08:10:00,\n"   # wait 0, handled 600 s
        "q,2026-03-02 08:01:00,2026-03-02 08:10:00,2026-03-02 08:40:00,\n"   # wait 540, 1200 s in slot
        "q,2026-03-02 08:02:00,,,2026-03-02 08:03:00\n")                     # abandons after 60 s
    (tmp_path / "staffing.csv").write_text("group,slot_start,agents\nteam,2026-03-02 08:00,1\n")
    sc = scenario_from_dict({"name": "one", "horizon": {"start": "08:00", "end": "08:30", "slot": "30min"},
                             "channels": {"q": {"volume": [3], "handle_time": 300, "patience": 120,
                                                "target": {"service_level": 0.8, "threshold": 20}}},
                             "agents": [{"group": "team", "skills": ["q"], "staffing": [1]}]})
    res = backtest(sc, tmp_path / "log.csv", tmp_path / "staffing.csv", replications=20, seed=1, progress=False)
    row = res.slots.iloc[0]
    assert row["offered_observed"] == 3
    assert row["service_level_observed"] == pytest.approx(1 / 3)
    assert row["asa_s_observed"] == pytest.approx(270.0)
    assert row["abandon_rate_observed"] == pytest.approx(1 / 3)
    assert row["occupancy_observed"] == pytest.approx((600 + 1200) / 1800)
    day = res.days.iloc[0]
    assert day["service_level_observed"] == pytest.approx(1 / 3) and day["asa_s_observed"] == pytest.approx(270)


def test_volumes_mode_draws_poisson_around_the_observed_counts(world):
    res = backtest(_scenario(), world["log"], world["staffing"], replications=20, seed=5, jobs=1, progress=False,
                   arrivals="volumes", start="2026-02-06", end="2026-02-06")
    s = res.slots
    total_obs, total_sim = s["offered_observed"].sum(), s["offered_simulated"].sum()
    # Poisson with the observed counts as means: the mean of 20 draws of the total has sd sqrt(total/20)
    assert abs(total_sim - total_obs) < 4 * math.sqrt(total_obs / 20)
    assert (s["offered_simulated"] != s["offered_observed"]).any()


@pytest.mark.parametrize("rows, where", [
    ("channel,slot_start,agents\nservice,2026-02-02 08:00,2.5\n", "line 2, column 'agents': agents must be a whole"),
    ("channel,slot_start,agents\nphone,2026-02-02 08:00,2\n", "line 2, column 'channel': 'phone' is not a channel"),
    ("channel,slot_start,agents\nservice,2026-02-02 08:00,2\nservice,2026-02-02 08:00,3\n",
     "lines 2 and 3, column 'slot_start': the same team and slot twice"),
    ("channel,slot_start,agents\nservice,2026-02-02 08:10,2\n", "line 2, column 'slot_start'"),
    ("team_name,when,n\nservice,2026-02-02 08:00,2\n", "cannot map the header"),
])
def test_bad_staffing_is_named(world, tmp_path, rows, where):
    p = tmp_path / "st.csv"
    p.write_text(rows)
    with pytest.raises(InputError) as e:
        backtest(_scenario(), world["log"], p, replications=20, progress=False)
    assert str(p) in str(e.value) and where in str(e.value), str(e.value)


def test_cli_backtest(world, tmp_path, capsys):
    sc = tmp_path / "truth.yaml"
    import yaml

    sc.write_text(yaml.safe_dump(SCENARIO))
    out = tmp_path / "bt"
    code = main(["backtest", str(sc), "--observed", str(world["dir"] / "contacts.csv"), "--staffing",
                 str(world["staffing"]), "-n", "20", "--start", "2026-02-06", "--end", "2026-02-06", "--out",
                 str(out), "--plot", "--xlsx", "--days", "--no-progress"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "prediction band for one day" in text and "Calibration" in text
    assert {p.name for p in out.iterdir()} == {"backtest_slots.csv", "backtest_days.csv", "calibration.csv",
                                               "backtest.json", "backtest.xlsx", "backtest_service.png",
                                               "backtest_sales.png", "manifest.json"}
    slots = pd.read_csv(out / "backtest_slots.csv")
    assert {"service_level_observed", "service_level_lo", "service_level_hi", "occupancy_inside"} <= set(slots)
    # the --out directory is checked before simulating: a file in the way stops it at once
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "calibration.csv").mkdir()
    assert main(["backtest", str(sc), "--observed", str(world["dir"] / "contacts.csv"), "--staffing",
                 str(world["staffing"]), "-n", "20", "--out", str(blocked)]) == 2
    assert "calibration.csv" in capsys.readouterr().err
    assert main(["backtest", str(sc), "--observed", str(world["dir"] / "contacts.csv"), "--staffing",
                 str(world["staffing"]), "-n", "5"]) == 2
    assert "at least 20 replications" in capsys.readouterr().err


class _StopAfter:
    """A progress bar that presses Ctrl-C after ``n`` replications."""

    def __init__(self, n: int):
        self.n = n

    def update(self, k: int = 1) -> None:
        self.n -= k
        if self.n <= 0:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


def test_ctrl_c_stops_the_backtest(world):
    with pytest.raises(KeyboardInterrupt):
        backtest(_scenario(), world["log"], world["staffing"], replications=20, seed=5, jobs=1,
                 progress=_StopAfter(25), start="2026-02-02", end="2026-02-03")


def test_forecast_arrivals_use_the_scenarios_dated_volumes_and_forecast_error(world):
    t = world["log"].table
    fri = t[(t["arrival_s"] >= 4 * 86400) & (t["arrival_s"] < 5 * 86400)]
    k = ((fri["arrival_s"] % 86400 - 8 * 3600) // 1800).astype(int)
    data = copy.deepcopy(SCENARIO)
    data["horizon"]["start_date"] = "2026-02-06"
    volumes = {}
    for ch in ("service", "sales"):
        volumes[ch] = [float(v) for v in np.bincount(k[fri["channel"] == ch], minlength=24)]
        data["channels"][ch]["volume"] = volumes[ch]
        data["channels"][ch]["volume_uncertainty"] = {"cv": 0.1}
    res = backtest(scenario_from_dict(data), world["log"], world["staffing"], replications=20, seed=5,
                   progress=False, arrivals="forecast", start="2026-02-06", end="2026-02-06")
    total = sum(volumes["service"])
    sim = res.slots.loc[res.slots["channel"] == "service", "offered_simulated"].sum()
    # Poisson around a gamma(cv 0.1) day multiplier: var = total + (0.1 total)^2 per replication
    assert abs(sim - total) < 4 * math.sqrt((total + (0.1 * total) ** 2) / 20)
    data["horizon"]["start_date"] = "2026-02-05"
    with pytest.raises(InputError, match="has no volume for service on 2026-02-06 at 08:00"):
        backtest(scenario_from_dict(data), world["log"], world["staffing"], replications=20, progress=False,
                 arrivals="forecast", start="2026-02-06", end="2026-02-06")
