"""staffsim fit: reading contact logs, recovering known behaviour, the scenario fragment.

Logs with known truth come from examples/history/make_history.py, whose queue simulator is
independent of staffsim's engine. Tolerances are the fit's own 95% intervals (or exact checks).
"""

from __future__ import annotations

import datetime
import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from staffsim import InputError, fit, load_scenario
from staffsim.cli.main import main
from staffsim.history.censored import kaplan_meier, mle
from staffsim.history.contacts import read_contacts

ROOT = Path(__file__).resolve().parents[1]
START = datetime.date(2026, 2, 2)


def _history():
    spec = importlib.util.spec_from_file_location("make_history", ROOT / "examples/history/make_history.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MH = _history()
TRUTH = {
    # patience Weibull mean 240 s, shape 0.8; handle lognormal mean 300 s, cv 0.8
    "service": {"per_day": 1500.0, "handle": ("lognormal", 300.0, 0.8), "patience": ("weibull", 240.0, 0.8),
                "redial": 0.4, "redial_delay": 60.0},
    # patience exponential mean 300 s; handle gamma mean 420 s, cv 0.6
    "sales": {"per_day": 500.0, "handle": ("gamma", 420.0, 0.6), "patience": ("exponential", 300.0, None),
              "redial": 0.0, "redial_delay": 60.0},
}


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """Two weeks of a log drawn from TRUTH, written as a CSV, and its fit."""
    contacts, staffing = MH.generate(seed=11, weeks=2, truth=TRUTH, start=START)
    t = MH.tables(contacts, staffing, START)
    d = tmp_path_factory.mktemp("known")
    t["contacts"].to_csv(d / "contacts.csv", index=False)
    t["staffing"].to_csv(d / "staffing.csv", index=False)
    return {"dir": d, "contacts": contacts, "fit": fit(d / "contacts.csv")}


def _row(table: pd.DataFrame, channel: str, family: str) -> pd.Series:
    return table[(table["channel"] == channel) & (table["family"] == family)].iloc[0]


def test_abandonment_is_realistic(known):
    s = known["fit"].summary.set_index("channel")
    assert 0.05 <= s.loc["service", "abandon_rate"] <= 0.20
    assert 0.05 <= s.loc["sales", "abandon_rate"] <= 0.20


def test_patience_mean_and_shape_recovered_within_their_intervals(known):
    w = _row(known["fit"].patience, "service", "weibull")
    assert w["mean_lo"] <= 240.0 <= w["mean_hi"], w
    assert w["shape_lo"] <= 0.8 <= w["shape_hi"], w
    # an informative interval, not a vacuous one
    assert w["mean_hi"] / w["mean_lo"] < 1.5 and w["shape_hi"] - w["shape_lo"] < 0.15
    e = _row(known["fit"].patience, "sales", "exponential")
    assert e["mean_lo"] <= 300.0 <= e["mean_hi"], e


def test_exponential_patience_not_rejected_weibull_shape_detected(known):
    p = known["fit"].patience
    assert _row(p, "sales", "weibull")["p_exponential"] > 0.01
    assert _row(p, "service", "weibull")["p_exponential"] < 1e-6  # shape 0.8 is not exponential


def test_naive_abandoners_only_estimate_is_biased(known):
    """The mean wait of the abandoners is far below the true mean patience, beyond its own
    sampling error (its 95% t-interval), while the censored fit covers the truth."""
    f = known["fit"]
    for channel, truth in (("service", 240.0), ("sales", 300.0)):
        x = f.samples[channel]["abandon_waits"]
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        assert x.mean() + half < truth * 0.6, (channel, x.mean())
        s = f.summary.set_index("channel").loc[channel]
        assert s["naive_patience_s"] == pytest.approx(x.mean())


def test_handle_time_family_and_mean_recovered(known):
    h = known["fit"].handle
    for channel, family, mean, cv in (("service", "lognormal", 300.0, 0.8), ("sales", "gamma", 420.0, 0.6)):
        chosen = h[(h["channel"] == channel) & h["chosen"]].iloc[0]
        assert chosen["family"] == family
        assert chosen["mean_lo"] <= mean <= chosen["mean_hi"]
        assert chosen["shape_lo"] <= cv <= chosen["shape_hi"]
        assert chosen["ks_p"] > 0.01


def test_redial_share_recovered(known):
    r = known["fit"].redials.set_index("channel")
    assert r.loc["service", "share_lo"] <= 0.4 <= r.loc["service", "share_hi"]
    assert r.loc["sales", "redials"] == 0


def test_no_time_of_day_effect_when_there_is_none(known):
    p = known["fit"].periods
    # the truth has none; each test is at the 1% level (2 channels x 2 tests)
    assert not p["aht_effect"].any() and not p["patience_effect"].any()


def test_time_of_day_patience_effect_found():
    rng = np.random.default_rng(5)
    n = 6000
    arrival = np.sort(rng.uniform(8 * 3600, 20 * 3600, n))
    mean = np.where(arrival < 12 * 3600, 120.0, 300.0)  # impatient mornings
    patience = rng.exponential(mean)
    wait = rng.exponential(60.0, n)
    ab = patience < wait
    table = pd.DataFrame({"channel": "q", "arrival_s": arrival, "abandoned": ab,
                          "wait_s": np.where(ab, patience, wait), "handle_s": np.where(ab, np.nan, rng.exponential(200, n))})
    p = fit(table).periods
    assert p["patience_effect"].all() and not p["aht_effect"].any()


def test_censored_mle_agrees_with_scipy_censored_fit():
    rng = np.random.default_rng(3)
    p = 150 / math.gamma(1 + 1 / 0.7) * rng.weibull(0.7, 4000)
    w = rng.exponential(30.0, 4000)
    x, c = p[p < w], w[p >= w]
    mine = mle("weibull", x, c)
    data = stats.CensoredData(uncensored=x, right=c)
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    assert mine.shape == pytest.approx(shape, rel=1e-3)
    assert mine.mean == pytest.approx(scale * math.gamma(1 + 1 / shape), rel=1e-3)


def test_kaplan_meier_band_covers_true_survival():
    rng = np.random.default_rng(4)
    p = rng.exponential(200.0, 3000)
    w = rng.exponential(100.0, 3000)
    km = kaplan_meier(p[p < w], w[p >= w])
    for t in (30.0, 100.0, 200.0):
        row = km[km["wait_s"] <= t].iloc[-1]
        assert row["lo"] <= math.exp(-t / 200.0) <= row["hi"]


def test_fragment_loads_as_part_of_a_scenario(known, tmp_path):
    f = known["fit"]
    (tmp_path / "fitted.yaml").write_text(f.fragment_yaml())
    (tmp_path / "center.yaml").write_text(
        "extends: fitted.yaml\nname: t\nchannels:\n  service: {target: {service_level: 0.8, threshold: 20s}}\n"
        "  sales: {target: {service_level: 0.8, threshold: 20s}}\nagents:\n"
        "  - {group: a, skills: [service], staffing: plan}\n  - {group: b, skills: [sales], staffing: plan}\n")
    sc = load_scenario(tmp_path / "center.yaml")
    assert sc.spec.horizon.days == 7 and sc.spec.horizon.start_date.weekday() == 0
    assert sc.spec.horizon.day_hours(6) is None  # Sunday closed, as in the log
    assert sc.spec.horizon.day_hours(5) == (9 * 3600, 14 * 3600)
    assert sc.handle_time("service").dist == "lognormal"
    assert sc.channel("service").retrial.probability == pytest.approx(
        f.redials.set_index("channel").loc["service", "redial_share"], abs=1e-4)
    # volumes per weekday and slot: the Monday 10:00 slot is the mean of the log's Mondays
    c = known["contacts"]
    mondays = (c["arrival_s"] // 86400 % 7 == 0) & (c["channel"] == "sales")
    k = (c["arrival_s"] % 86400) // 1800
    expect = (mondays & (k == 20)).sum() / 2
    assert sc.volumes["sales"][4] == pytest.approx(expect, abs=1e-3)


def _write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = ("channel,arrival,answer,end,abandon\n"
        "q,2026-03-02 08:00:00,2026-03-02 08:00:05,2026-03-02 08:03:00,\n"
        "q,2026-03-02 08:01:00,,,2026-03-02 08:01:40\n")


@pytest.mark.parametrize("line3, where, what", [
    ("q,2026-03-02 08:01:00,2026-03-02 08:00:50,2026-03-02 08:03:00,", "line 3, column 'answer'", "before the arrival"),
    ("q,2026-03-02 08:01:00,2026-03-02 08:01:50,2026-03-02 08:01:00,", "line 3, column 'end'", "before it was answered"),
    ("q,2026-03-02 08:01:00,,,2026-03-02 08:00:00", "line 3, column 'abandon'", "before the arrival"),
    ("q,2026-03-02 08:01:00,2026-03-02 08:01:50,2026-03-02 08:03:00,2026-03-02 08:02:00", "line 3, column 'abandon'",
     "both"),
    ("q,2026-03-02 08:01:00,,,", "line 3, column 'answer'", "neither"),
    ("q,2026-03-02 08:00:00,2026-03-02 08:00:05,2026-03-02 08:03:00,", "lines 2 and 3", "twice"),
    ("q,yesterday,,,2026-03-02 08:00:00", "line 3, column 'arrival'", "expected a date-time"),
])
def test_bad_rows_named_by_file_line_and_column(tmp_path, line3, where, what):
    p = _write(tmp_path, GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n" + line3 + "\n")
    with pytest.raises(InputError) as e:
        read_contacts(p)
    msg = str(e.value)
    assert str(p) in msg and where in msg and what in msg, msg


def test_header_that_cannot_be_mapped(tmp_path):
    p = _write(tmp_path, "cola,llegada,atendida,fin,abandono\nq,2026-03-02 08:00:00,,,2026-03-02 08:00:10\n")
    with pytest.raises(InputError, match=r"log.csv: cannot map the header: no column for channel, arrival"):
        read_contacts(p)
    log = read_contacts(p, columns="channel=cola,arrival=llegada,answer=atendida,end=fin,abandon=abandono")
    assert log.table["abandoned"].tolist() == [True] and log.table["wait_s"].iloc[0] == 10.0
    with pytest.raises(InputError, match="no column 'Inicio'"):
        read_contacts(p, columns="arrival=Inicio")
    with pytest.raises(InputError, match="unknown column 'arrivl'"):
        read_contacts(p, columns="arrivl=llegada")


def test_negative_time_with_a_date_column(tmp_path):
    p = _write(tmp_path, "date,queue,arrival,answer,end,abandon\n2026-03-02,q,28800,28805,29000,\n"
                         "2026-03-02,q,-5,,,20\n")
    with pytest.raises(InputError, match=r"line 3, column 'arrival': a negative time"):
        read_contacts(p)


def test_day_first_dates_semicolons_and_time_zones(tmp_path):
    p = _write(tmp_path, "canal;llegada;atendida;fin;abandono\n"
                         "q;02/03/2026 08:00:00;02/03/2026 08:00:05;02/03/2026 08:03:00;\n"
                         "q;13/03/2026 08:01:00;;;13/03/2026 08:01:40\n")
    log = read_contacts(p, columns="channel=canal,arrival=llegada,answer=atendida,end=fin,abandon=abandono")
    assert log.start_date == datetime.date(2026, 3, 2) and log.days == 12
    z = _write(tmp_path, "channel,arrival,answer,end,abandon\n"
                         "q,2026-03-02T07:00:00Z,2026-03-02T07:00:05Z,2026-03-02T07:03:00Z,\n", "z.csv")
    with pytest.raises(InputError, match="carries a time zone"):
        read_contacts(z)
    local = read_contacts(z, tz="Europe/Madrid")
    assert local.table["arrival_s"].iloc[0] == 8 * 3600  # 07:00 UTC is 08:00 in Madrid in March


def test_log_without_abandons_is_refused(tmp_path):
    rows = "".join(f"q,2026-03-02 08:{m:02d}:00,2026-03-02 08:{m:02d}:05,2026-03-02 08:{m:02d}:50,\n" for m in range(30))
    p = _write(tmp_path, "channel,arrival,answer,end,abandon\n" + rows)
    with pytest.raises(InputError, match=r"channel 'q' \(lines 2, 3, 4, \.\.\.\) has 0 abandons"):
        fit(p)


def test_cli_fit_writes_everything_and_refuses_bad_input(known, tmp_path, capsys):
    out = tmp_path / "fit"
    code = main(["fit", str(known["dir"] / "contacts.csv"), "--out", str(out), "--csv-dialect", "excel-eu",
                 "--xlsx"])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {"scenario_fragment.yaml", "fit_report.html", "patience_service.png", "handle_sales.png",
            "patience_fits.csv", "fit.xlsx", "fit.json", "volumes.csv"} <= names
    assert ";" in (out / "fit_summary.csv").read_text().splitlines()[0]
    assert "censored" in capsys.readouterr().out
    bad = _write(tmp_path, GOOD + "q,2026-03-02 08:01:00,2026-03-02 08:00:50,2026-03-02 08:03:00,\n")
    again = tmp_path / "again"
    assert main(["fit", str(bad), "--out", str(again)]) == 2
    err = capsys.readouterr().err
    assert "line 4, column 'answer'" in err and "Traceback" not in err
    assert not again.exists()  # nothing written
    assert main(["fit", str(bad), "--xlsx"]) == 2
    assert "--xlsx needs --out" in capsys.readouterr().err


def test_empirical_handle_time_when_no_family_fits(tmp_path):
    """Two kinds of calls (30 s and 600 s): no single family passes the KS screen, so the
    fragment carries the empirical distribution, which a scenario accepts."""
    rng = np.random.default_rng(8)
    n = 4000
    handle = np.where(rng.random(n) < 0.5, rng.normal(30, 3, n), rng.normal(600, 40, n))
    patience = rng.exponential(200.0, n)
    wait = rng.exponential(30.0, n)
    ab = patience < wait
    table = pd.DataFrame({"channel": "q", "arrival_s": np.sort(rng.uniform(8 * 3600, 18 * 3600, n)),
                          "abandoned": ab, "wait_s": np.where(ab, patience, wait),
                          "handle_s": np.where(ab, np.nan, handle)})
    f = fit(table)
    chosen = f.chosen("handle", "q")
    assert chosen["family"] == "empirical"
    assert f.handle.loc[f.handle["family"] != "empirical", "ks_p"].max() < 0.01
    spec = f.fragment["channels"]["q"]["handle_time"]
    assert spec["dist"] == "empirical" and len(spec["values"]) == 200
    (tmp_path / "fitted.yaml").write_text(f.fragment_yaml())
    (tmp_path / "c.yaml").write_text("extends: fitted.yaml\nname: e\nchannels:\n  q: {target: {service_level: 0.8, "
                                     "threshold: 20s}}\nagents:\n  - {group: a, skills: [q], staffing: plan}\n")
    sc = load_scenario(tmp_path / "c.yaml")
    assert sc.handle_time("q").mean == pytest.approx(handle[~ab].mean(), rel=0.01)
