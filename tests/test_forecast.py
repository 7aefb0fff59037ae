"""staffsim forecast: methods on series with known structure, the rolling-origin measures against
hand computation, the output read by plan and scenarios, and bad input named by file, line and
column."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import staffsim
from staffsim.cli.main import main
from staffsim.errors import InputError
from staffsim.history.accuracy import ErrorModel, estimate_error_model, seasonal_scale, wape
from staffsim.history.forecast import forecast, parse_horizon
from staffsim.history.holidays import parse_holidays
from staffsim.history.methods import MethodOptions
from staffsim.history.readers import load_history
from staffsim.scenarios.forecast import load_forecast

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "forecast"
COLUMNS = "channel=Cola,start=Inicio Intervalo,volume=Ofrecidas,aht=TMO"
MONDAY = dt.date(2026, 1, 5)
# weekday totals (Mon..Sat; Sunday closed) and per-weekday intraday shapes over 08:00-12:00
TOTALS = [1000.0, 900.0, 850.0, 800.0, 700.0, 300.0]
SHAPES = [np.array(s, float) / sum(s) for s in
          ([1, 2, 4, 3, 3, 2, 1, 1], [1, 3, 4, 3, 2, 2, 1, 1], [2, 2, 3, 3, 3, 2, 2, 1],
           [1, 1, 2, 4, 4, 3, 2, 1], [1, 2, 3, 3, 3, 3, 2, 1], [3, 3, 2, 2, 1, 1, 1, 1])]


def _write(path: Path, rows, header="channel,slot_start,volume,aht_s") -> Path:
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


def _series(weeks=6, growth=1.0, holiday=None):
    """Rows of a pure profile x weekday series (08:00-12:00, 30 min, Sunday closed), daily
    totals times growth**(day/7); ``holiday``: a date whose volumes are multiplied by 5."""
    rows = []
    for d in range(7 * weeks):
        date = MONDAY + dt.timedelta(days=d)
        w = date.weekday()
        if w == 6:
            continue
        total = TOTALS[w] * growth ** (d / 7) * (5 if date == holiday else 1)
        for k, share in enumerate(SHAPES[w]):
            rows.append(("voice", f"{date} {8 + k // 2:02d}:{30 * (k % 2):02d}", repr(float(total * share)), 300))
    return rows


def _expected(date, growth=1.0, day_index=None):
    w = date.weekday()
    d = (date - MONDAY).days if day_index is None else day_index
    return TOTALS[w] * growth ** (d / 7) * SHAPES[w]


def _volumes(result, date):
    f = result.forecast
    return f.loc[f["slot_start"].str.startswith(str(date)), "volume"].to_numpy()


# --- methods on series with known structure -------------------------------------------------

def test_pure_profile_by_weekday_is_forecast_exactly(tmp_path):
    path = _write(tmp_path / "h.csv", _series())
    assert forecast(path, "1w").start == MONDAY + dt.timedelta(days=41)  # the day after the last row
    start = MONDAY + dt.timedelta(days=42)
    res = forecast(path, "1w", start=start, options=MethodOptions(kappa=0.0))
    for h in range(6):
        date = start + dt.timedelta(days=h)
        np.testing.assert_allclose(_volumes(res, date), _expected(date), rtol=1e-9)
    assert len(_volumes(res, start + dt.timedelta(days=6))) == 0  # Sunday: closed, no rows
    np.testing.assert_allclose(res.forecast["aht_s"], 300.0, rtol=1e-12)


def test_trend_is_recovered(tmp_path):
    path = _write(tmp_path / "h.csv", _series(weeks=8, growth=1.03))
    start = str(MONDAY + dt.timedelta(days=56))
    res = forecast(path, "2w", start=start, options=MethodOptions(kappa=0.0, half_life=100.0))
    for h in (0, 3, 8, 12):
        date = MONDAY + dt.timedelta(days=56 + h)
        np.testing.assert_allclose(_volumes(res, date), _expected(date, 1.03), rtol=1e-9)
    flat = forecast(path, "1w", start=start, options=MethodOptions(kappa=0.0, trend=False))
    date = MONDAY + dt.timedelta(days=56)
    assert _volumes(flat, date).sum() < _expected(date, 1.03).sum() * 0.99  # no trend: too low


def test_seasonal_naive_repeats_the_week_before(tmp_path):
    rows = _series(weeks=3)
    rng = np.random.default_rng(1)
    rows = [(c, s, str(int(rng.integers(0, 50))), a) for c, s, v, a in rows]
    path = _write(tmp_path / "h.csv", rows)
    res = forecast(path, "2w", start=MONDAY + dt.timedelta(days=21), method="seasonal_naive")
    table = pd.DataFrame(rows, columns=["channel", "slot_start", "volume", "aht_s"])
    last_week = table[table["slot_start"] >= str(MONDAY + dt.timedelta(days=14))]
    n = len(last_week)
    assert len(res.forecast) == 2 * n
    for week in (0, 1):
        got = res.forecast.iloc[week * n:(week + 1) * n]
        np.testing.assert_array_equal(got["volume"].to_numpy(), last_week["volume"].astype(float).to_numpy())
        shifted = [str(dt.date.fromisoformat(s[:10]) + dt.timedelta(days=7 * (week + 1))) + s[10:]
                   for s in last_week["slot_start"]]
        assert list(got["slot_start"]) == shifted


def test_mid_week_start_aligns_weekdays(tmp_path):
    # history ends on a Wednesday: the forecast starts Thursday with Thursday's level and shape
    rows = [r for r in _series(weeks=5) if r[1][:10] <= str(MONDAY + dt.timedelta(days=30))]
    path = _write(tmp_path / "h.csv", rows)
    res = forecast(path, "1w", options=MethodOptions(kappa=0.0))
    assert res.start == MONDAY + dt.timedelta(days=31) and res.start.weekday() == 3
    for h in range(7):
        date = res.start + dt.timedelta(days=h)
        if date.weekday() != 6:
            np.testing.assert_allclose(_volumes(res, date), _expected(date), rtol=1e-9)
    assert list(res.days["weekday"]) == ["thu", "fri", "sat", "sun", "mon", "tue", "wed"]
    later = forecast(path, "3d", start="2026-02-16", options=MethodOptions(kappa=0.0))
    np.testing.assert_allclose(_volumes(later, dt.date(2026, 2, 16)), _expected(dt.date(2026, 2, 16)),
                               rtol=1e-9)


def test_holidays_are_excluded_from_fitting_and_closed_or_scaled_in_the_horizon(tmp_path):
    odd = MONDAY + dt.timedelta(days=36)  # the last Tuesday, with 5x the calls
    path = _write(tmp_path / "h.csv", _series(holiday=odd))
    target = MONDAY + dt.timedelta(days=43)
    naive = forecast(path, "1w", start="2026-02-16", method="seasonal_naive")
    np.testing.assert_allclose(_volumes(naive, target), 5 * _expected(target - dt.timedelta(days=7)))
    naive = forecast(path, "1w", start="2026-02-16", method="seasonal_naive", holidays=[odd])
    np.testing.assert_allclose(_volumes(naive, target), _expected(target - dt.timedelta(days=14)))
    plain = forecast(path, "1w", start="2026-02-16", options=MethodOptions(kappa=0.0))
    assert not np.allclose(_volumes(plain, target), _expected(target), rtol=1e-7, atol=0)
    res = forecast(path, "1w", start="2026-02-16", holidays=[str(odd), "2026-02-16", "2026-02-17:0.5"],
                   options=MethodOptions(kappa=0.0))
    assert len(_volumes(res, dt.date(2026, 2, 16))) == 0
    np.testing.assert_allclose(_volumes(res, target), 0.5 * _expected(target), rtol=1e-9)
    np.testing.assert_allclose(_volumes(res, dt.date(2026, 2, 18)), _expected(dt.date(2026, 2, 18)), rtol=1e-9)
    notes = res.days.set_index("date")["note"]
    assert notes["2026-02-16"] == "holiday (closed)" and notes["2026-02-17"] == "holiday x0.5"
    assert notes["2026-02-22"] == "closed weekday"
    assert any("1 holiday date(s)" in n for n in res.notes)


def test_profile_is_shrunk_toward_the_pooled_profile(tmp_path):
    path = _write(tmp_path / "h.csv", _series())
    date = MONDAY + dt.timedelta(days=42)
    own = forecast(path, "1d", start=date, options=MethodOptions(kappa=0.0))
    shrunk = forecast(path, "1d", start=date, options=MethodOptions(kappa=1e12))
    pooled = sum(TOTALS[w] * SHAPES[w] for w in range(5))  # Mon-Fri share 08:00-12:00 ...
    pooled = pooled + TOTALS[5] * SHAPES[5]
    np.testing.assert_allclose(_volumes(shrunk, date), TOTALS[0] * pooled / pooled.sum(), rtol=1e-6)
    np.testing.assert_allclose(_volumes(own, date), _expected(date), rtol=1e-9)


# --- accuracy measures against hand computation -----------------------------------------------

def test_rolling_origin_wape_and_mase_by_hand(tmp_path):
    # one interval a day (noon), four weeks: the last week is scored against the week before
    x = [10, 12, 14, 9, 11, 7, 5,
         11, 13, 15, 10, 12, 8, 6,
         12, 12, 16, 10, 13, 9, 6,
         14, 13, 17, 12, 12, 10, 7]
    rows = [("q", f"{MONDAY + dt.timedelta(days=d)} 12:00", v, 60) for d, v in enumerate(x)]
    path = _write(tmp_path / "h.csv", rows)
    res = forecast(path, "1w", method="seasonal_naive", backtest=True, backtest_weeks=1)
    acc = res.accuracy.set_index(["level", "method"])
    # naive forecast of days 21..27 = days 14..20
    abs_err = [2, 1, 1, 2, 1, 1, 1]          # |14-12|, |13-12|, |17-16|, |12-10|, |12-13|, |10-9|, |7-6|
    actual = [14, 13, 17, 12, 12, 10, 7]
    # MASE scale: training days 0..20, mean |x_t - x_(t-7)| over t = 7..20
    diffs = [1, 1, 1, 1, 1, 1, 1,             # week 2 - week 1
             1, 1, 1, 0, 1, 1, 0]             # week 3 - week 2
    assert acc.loc[("interval", "seasonal_naive"), "wape"] == pytest.approx(sum(abs_err) / sum(actual), rel=1e-12)
    assert acc.loc[("day", "seasonal_naive"), "wape"] == pytest.approx(9 / 85, rel=1e-12)
    mase = (sum(abs_err) / 7) / (sum(diffs) / 14)
    assert acc.loc[("interval", "seasonal_naive"), "mase"] == pytest.approx(mase, rel=1e-12)
    assert acc.loc[("day", "seasonal_naive"), "mase"] == pytest.approx(mase, rel=1e-12)
    assert wape(np.array([10.0, 0.0]), np.array([8.0, 1.0])) == pytest.approx(0.3)
    assert seasonal_scale(np.array([1.0, 2, 4, 7]), 2) == pytest.approx(4.0)


def test_error_model_recovers_a_known_day_cv():
    rng = np.random.default_rng(7)
    f = np.full(20, 50.0)
    pairs = []
    for _ in range(4000):
        m = rng.gamma(1 / 0.2 ** 2, 0.2 ** 2)
        pairs.append((rng.poisson(f * m).astype(float), f))
    em = estimate_error_model(pairs)
    # the day cv from 4000 days: sampling sd of the estimate is about 0.2 / sqrt(2 * 4000) * ~1.1
    assert abs(em.cv_day - 0.2) < 5 * 0.2 / math.sqrt(2 * 4000) * 1.2
    assert em.cv_slot < 0.03  # the slots are Poisson given the day: no extra slot error
    poisson = ErrorModel(0.0, 0.0)
    assert poisson.interval_quantiles(np.array([10.0]), 0.9)[0] == 14  # Poisson(10) 90% point
    assert poisson.interval_quantiles(np.array([0.0]), 0.9)[0] == 0


def test_coverage_on_the_example_is_reported(tmp_path):
    res = forecast(EXAMPLE / "history.csv", "1w", columns=COLUMNS, backtest=True,
                   holidays=EXAMPLE / "holidays.csv")
    acc = res.accuracy
    assert set(acc["channel"]) == {"Voz", "Chat", "all"}
    assert acc["coverage_p10_p90"].between(0, 1).all()
    assert (acc["origins"] == 4).all()


# --- the output is staffsim's forecast format -------------------------------------------------

def _example_forecast(tmp_path, *extra, horizon="1w"):
    out = tmp_path / "fc" / "forecast.csv"
    code = main(["forecast", str(EXAMPLE / "history.csv"), "--columns", COLUMNS, "--horizon", horizon,
                 "--start", "2026-03-02", "--holidays", str(EXAMPLE / "holidays.csv"),
                 "--out", str(out), *extra])
    assert code == 0
    return out


def test_output_round_trips_through_plan_and_a_scenario(tmp_path, capsys):
    out = _example_forecast(tmp_path, "--backtest", horizon="1d")
    for name in ("forecast.csv", "forecast_intervals.csv", "forecast_days.csv",
                 "forecast_uncertainty.yaml", "forecast_accuracy.csv"):
        assert (out.parent / name).is_file(), name
    fc = load_forecast(out)
    assert list(fc.table.columns[:4]) == ["channel", "slot_start", "volume", "aht_s"]
    assert fc.slot_s == 1800 and set(fc.table["channel"]) == {"Voz", "Chat"}
    iv = pd.read_csv(out.parent / "forecast_intervals.csv")
    assert (iv["p10"] <= iv["p50"]).all() and (iv["p50"] <= iv["p90"]).all()
    targets = tmp_path / "targets.yaml"
    targets.write_text("default: {service_level: 0.8, threshold: 20s, patience: 3min}\n")
    assert main(["plan", str(out), "--targets", str(targets)]) == 0
    import yaml
    block = yaml.safe_load((out.parent / "forecast_uncertainty.yaml").read_text())
    cv = block["channels"]["Voz"]["volume_uncertainty"]
    scenario = tmp_path / "week.yaml"
    scenario.write_text(f"""
name: forecast round trip
horizon: {{start_date: 2026-03-02, days: 1, start: "08:00", end: "20:00", slot: 30min,
          hours: {{sun: closed}}}}
channels:
  voice:
    volume: {{file: {out}, channel: Voz}}
    handle_time: {{dist: exponential, mean: 300s}}
    patience: {{dist: exponential, mean: 3min}}
    target: {{service_level: 0.8, threshold: 20s}}
    volume_uncertainty: {{cv: {cv['cv']}, per: {cv['per']}}}
agents:
  - {{group: phones, skills: [voice], staffing: plan}}
run: {{replications: 2, seed: 1}}
""")
    sc = staffsim.load_scenario(scenario)
    fc_day = fc.table[(fc.table["channel"] == "Voz") & fc.table["slot_start"].astype(str).str.startswith("2026-03-02")]
    assert sc.volumes["voice"].sum() == pytest.approx(fc_day["volume"].sum(), rel=1e-9)
    assert main(["requirement", str(scenario), "--method", "erlang"]) == 0
    assert main(["run", str(scenario), "-n", "1", "--jobs", "1", "--no-progress"]) == 0
    rules = tmp_path / "rules.yaml"
    rules.write_text((ROOT / "scenarios" / "rules" / "peaky_day.yaml").read_text())
    assert main(["schedule", str(scenario), "--rules", str(rules), "--no-progress"]) == 0
    capsys.readouterr()


def test_csv_dialect_and_xlsx(tmp_path):
    out = _example_forecast(tmp_path, "--csv-dialect", "excel-eu", "--xlsx")
    text = out.read_text()
    assert text.splitlines()[0] == "channel;slot_start;volume;aht_s" and "," in text.splitlines()[1]
    book = load_forecast(out.with_suffix(".xlsx"), sheet="forecast").table  # headers with units
    pd.testing.assert_frame_equal(book[["volume", "aht_s"]], load_forecast(out).table[["volume", "aht_s"]])


def test_out_is_checked_before_the_work(tmp_path, capsys):
    (tmp_path / "forecast_days.csv").mkdir()
    code = main(["forecast", str(EXAMPLE / "history.csv"), "--columns", COLUMNS,
                 "--out", str(tmp_path / "forecast.csv")])
    assert code == 2
    assert "forecast_days.csv" in capsys.readouterr().err
    assert not (tmp_path / "forecast.csv").exists()  # nothing half-written
    assert main(["forecast", str(EXAMPLE / "history.csv"), "--columns", COLUMNS, "--xlsx"]) == 2
    assert main(["forecast", str(EXAMPLE / "history.csv"), "--columns", COLUMNS,
                 "--out", str(tmp_path / "f.json")]) == 2
    assert "is .csv or .xlsx" in capsys.readouterr().err


def test_public_api_and_horizon():
    assert staffsim.forecast is forecast
    assert parse_horizon("2w") == 14 and parse_horizon("10d") == 10 and parse_horizon(3) == 3
    with pytest.raises(InputError, match="horizon"):
        parse_horizon("2 months")


# --- bad input: file, line and column named; nothing silently dropped ---------------------------

def _rows_text(lines):
    return "channel,slot_start,volume,aht_s\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("lines, words", [
    (["v,2026-01-05 08:30,5,300", "v,2026-01-05 08:00,5,300", "v,2026-01-05 09:00,5,300"],
     ["line 3", "slot_start", "time order"]),
    (["v,2026-01-05 08:00,5,300", "v,2026-01-05 08:00,6,300"], ["lines 2 and 3", "duplicate"]),
    (["v,2026-01-05 08:00,5,300", "v,2026-01-05 08:30,5,300", "v,2026-01-05 08:45,5,300",
      "v,2026-01-05 09:30,5,300", "v,2026-01-05 10:00,5,300", "v,2026-01-05 10:30,5,300"],
     ["line 4", "overlaps", "30 min"]),
    (["v,2026-01-05 08:00,-5,300", "v,2026-01-05 08:30,5,300"], ["line 2", "volume", ">= 0"]),
])
def test_bad_history_is_refused_with_line_and_column(tmp_path, lines, words):
    path = tmp_path / "bad.csv"
    path.write_text(_rows_text(lines))
    with pytest.raises(InputError) as err:
        load_history(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_dst_gap_is_refused(tmp_path):
    path = tmp_path / "dst.csv"
    path.write_text(_rows_text(["v,2026-03-29 01:30,5,300", "v,2026-03-29 02:00,5,300",
                                "v,2026-03-29 02:30,5,300", "v,2026-03-29 03:00,5,300"]))
    with pytest.raises(InputError, match=r"line 3, column 'slot_start': 2026-03-29 02:00:00 does not exist"):
        load_history(path, tz="Europe/Madrid")


def test_unmapped_header_is_named(tmp_path):
    path = tmp_path / "es.csv"
    path.write_text("Cola;Inicio;Ofrecidas\nVoz;05/01/2026 08:00;5\n")
    with pytest.raises(InputError, match=r"line 1: no column 'Inicio Intervalo'.*Cola, Inicio, Ofrecidas"):
        load_history(path, columns="channel=Cola,start=Inicio Intervalo,volume=Ofrecidas")
    with pytest.raises(InputError, match="missing column.*slot_start.*--columns"):
        load_history(path)
    with pytest.raises(InputError, match="unknown column name 'canal'"):
        load_history(path, columns="canal=Cola")


def test_missing_intervals_are_counted_imputed_zeroed_or_refused(tmp_path):
    rows = _series(weeks=4)
    gone = {f"{MONDAY + dt.timedelta(days=8)} 09:00", f"{MONDAY + dt.timedelta(days=8)} 09:30"}
    gone_day = str(MONDAY + dt.timedelta(days=10))
    kept = [r for r in rows if r[1] not in gone and not r[1].startswith(gone_day)]
    path = _write(tmp_path / "h.csv", kept)
    hist = load_history(path)
    assert hist.counts["missing_intervals"] == 2 and hist.counts["missing_days"] == 1
    assert any("1 missing day(s) and 2 missing interval(s)" in n for n in hist.notes)
    date = MONDAY + dt.timedelta(days=28)
    res = forecast(path, "1w", start=date, options=MethodOptions(kappa=0.0))
    np.testing.assert_allclose(_volumes(res, date), _expected(date), rtol=1e-9)  # imputed, not fitted on
    zero = load_history(path, missing="zero")
    assert zero.counts["zero_filled"] == 2 + 8
    with pytest.raises(InputError, match=r"no row for the interval 2026-01-13 09:00 \(10 missing"):
        load_history(path, missing="refuse")


def test_history_without_dates_or_aht(tmp_path):
    clock = tmp_path / "clock.csv"
    clock.write_text(_rows_text(["v,08:00,5,300", "v,08:30,5,300"]))
    with pytest.raises(InputError, match="line 2, column 'slot_start': a history needs dates"):
        load_history(clock)
    no_aht = tmp_path / "noaht.csv"
    no_aht.write_text("channel,slot_start,volume\n" + "\n".join(
        f"v,{MONDAY + dt.timedelta(days=d)} 08:00,{10 + d % 7}" for d in range(21)) + "\n")
    with pytest.raises(InputError, match="has no AHT in the history; give one"):
        forecast(no_aht, "1w")
    assert set(forecast(no_aht, "1w", aht=240.0).forecast["aht_s"]) == {240.0}


def test_holidays_parsing(tmp_path):
    assert parse_holidays("2026-12-25, 2026-12-24:0.5") == {dt.date(2026, 12, 25): None,
                                                            dt.date(2026, 12, 24): 0.5}
    f = tmp_path / "h.csv"
    f.write_text("date,factor\n2026-12-25,\n2026-12-31,0.7\n")
    assert parse_holidays(f) == {dt.date(2026, 12, 25): None, dt.date(2026, 12, 31): 0.7}
    f.write_text("date,factor\n2026-12-25,x\n")
    with pytest.raises(InputError, match=r"h.csv: line 2: a holiday factor"):
        parse_holidays(f)
    with pytest.raises(InputError, match="expected a date"):
        parse_holidays("25/12/2026")


def test_example_history_is_reproducible(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_history", EXAMPLE / "make_history.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    lines = ["Cola;Inicio Intervalo;Ofrecidas;TMO"] + [";".join(map(str, r)) for r in mod.rows()]
    assert (EXAMPLE / "history.csv").read_text() == "\n".join(lines) + "\n"


def test_ets_method_on_a_pure_weekly_series(tmp_path):
    pytest.importorskip("statsmodels")
    path = _write(tmp_path / "h.csv", _series(weeks=8))
    start = MONDAY + dt.timedelta(days=56)
    res = forecast(path, "1w", start=start, method="ets", options=MethodOptions(kappa=0.0))
    for h in range(6):
        date = start + dt.timedelta(days=h)
        # Holt-Winters fitted by least squares on an exact weekly pattern: within 1% per slot
        np.testing.assert_allclose(_volumes(res, date), _expected(date), rtol=0.01)


def test_ets_without_statsmodels_says_how_to_install(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("statsmodels"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    path = _write(tmp_path / "h.csv", _series(weeks=3))
    with pytest.raises(InputError, match=r"pip install 'staffsim\[forecast\]'"):
        forecast(path, "1w", method="ets")


def test_docs_page_commands_run(tmp_path, monkeypatch, capsys):
    """Every `staffsim ...` line in docs/forecast.md's sh blocks, and its Python block, run on
    the shipped examples (in a copy, so out/ lands in the temporary directory)."""
    import re
    import shlex
    import shutil

    text = (ROOT / "docs" / "forecast.md").read_text()
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "forecast")
    monkeypatch.chdir(tmp_path)
    commands = [line for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL)
                for line in block.splitlines() if line.startswith("staffsim ")]
    assert len(commands) >= 5
    for line in commands:
        assert main(shlex.split(line)[1:]) == 0, line
    for block in re.findall(r"```python\n(.*?)```", text, re.DOTALL):
        exec(compile(block, "docs/forecast.md", "exec"), {})  # noqa: S102 (the page's own example)
    assert (tmp_path / "out" / "forecast.csv").is_file() and (tmp_path / "out" / "plan.csv").is_file()
    # the shipped forecast the example scenario reads is what the documented command writes
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / "forecast.csv"),
                                  pd.read_csv(EXAMPLE / "forecast.csv"), rtol=1e-9)
    out = capsys.readouterr().out
    shown = [line for line in text.splitlines() if line.startswith("    Voz ")]
    assert len(shown) == 4
    for line in shown:  # the backtest rows the page quotes are what the command prints
        assert line in out.splitlines(), line


def test_json_output_and_ctrl_c_leaves_no_files(tmp_path, monkeypatch, capsys):
    import json

    assert main(["forecast", str(EXAMPLE / "history.csv"), "--columns", COLUMNS, "--horizon", "3d",
                 "--start", "2026-03-02", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "profile" and data["start"] == "2026-03-02" and data["days"] == 3
    assert {row["channel"] for row in data["summary"]} == {"Voz", "Chat"}

    import importlib

    fmod = importlib.import_module("staffsim.history.forecast")  # the module (the package face
    # binds the name to the function)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fmod, "aht_profile", interrupted)
    code = main(["forecast", str(EXAMPLE / "history.csv"), "--columns", COLUMNS,
                 "--out", str(tmp_path / "f.csv")])
    assert code == 130
    assert list(tmp_path.iterdir()) == []


def test_plan_reads_a_spanish_export_with_columns(tmp_path, capsys):
    targets = EXAMPLE / "targets.yaml"
    assert main(["plan", str(EXAMPLE / "history.csv"), "--columns", COLUMNS, "--targets", str(targets),
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("channel,slot_start,volume,aht_s,")
    assert main(["plan", str(EXAMPLE / "history.csv"), "--columns", "channel=Kola",
                 "--targets", str(targets)]) == 2
    assert "no column 'Kola'" in capsys.readouterr().err


def test_forecast_needs_no_engine():
    """DESIGN floors: history/forecast stays below the engine (no simpy, engine, experiment)."""
    import ast

    for name in ("forecast", "readers", "methods", "accuracy", "holidays"):
        tree = ast.parse((ROOT / "staffsim" / "history" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for mod in mods:
                    assert not mod.startswith(("simpy", "staffsim.engine", "staffsim.experiment",
                                               "staffsim.metrics", "staffsim.results")), (name, mod)


def test_dst_repeated_hour_is_refused_and_zoned_stamps_are_converted(tmp_path):
    path = tmp_path / "fall.csv"
    path.write_text(_rows_text(["v,2026-10-25 01:30,5,300", "v,2026-10-25 02:00,5,300",
                                "v,2026-10-25 02:30,5,300", "v,2026-10-25 02:00,5,300"]))
    with pytest.raises(InputError, match=r"lines 3 and 5: duplicate slot.*daylight saving time ends"):
        load_history(path, tz="Europe/Madrid")
    zoned = tmp_path / "utc.csv"
    zoned.write_text(_rows_text([f"v,2026-01-0{d}T07:{m}:00Z,{d},300" for d in range(5, 8) for m in ("00", "30")]))
    with pytest.raises(InputError, match="give the center's zone"):
        load_history(zoned)
    hist = load_history(zoned, tz="Europe/Madrid")  # 07:00 UTC is 08:00 in Madrid in winter
    assert hist.first_date == dt.date(2026, 1, 5) and hist.channels["v"].span[0] == (16, 17)
