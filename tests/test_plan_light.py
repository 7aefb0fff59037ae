"""``staffsim plan`` without pandas or pydantic (issue 21, item 8): the light path prints and
writes exactly what the pandas path does, and its readers accept only what the pandas and
pydantic readers accept, with the same values.

The expected outputs are made in each test by the pandas path (cli/main.py ``_plan_with_pandas``:
``plan_staffing``, ``format_table``, ``frame_to_csv``, a frame's records), never copied numbers.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import os
import tempfile
import types
import typing
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from staffsim.cli.plan_output import plan_summary, plan_totals
from staffsim.errors import InputError
from staffsim.io import columns_to_csv, columns_to_records, dumps, frame_to_csv, read_workbook
from staffsim.models.staffing import ChannelTargets, plan_columns, plan_staffing
from staffsim.scenarios import forecast as forecast_module
from staffsim.scenarios.forecast import load_forecast, load_targets, read_forecast
from staffsim.scenarios.schema import ChannelTargetsSpec, TargetSpec
from staffsim.scenarios.target_fields import (
    CHANNEL_TARGET_FIELDS,
    TARGET_FIELDS,
    Unchecked,
    quick_check,
)
from staffsim.units import parse_duration

main_module = importlib.import_module("staffsim.cli.main")  # the module (staffsim.cli.main is main())
ROOT = Path(__file__).resolve().parents[1]
FC = ROOT / "scenarios" / "forecast"

# --- the command: light path against the pandas path -------------------------------------------


def _run(argv: list[str], cwd: Path, light: bool) -> tuple[int, str, str, dict[str, bytes]]:
    """Exit code, stdout, stderr and the files written in ``cwd`` (empty before)."""
    old = main_module.PLAN_WITHOUT_PANDAS
    main_module.PLAN_WITHOUT_PANDAS = light
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            rc = main_module.main(argv)
    finally:
        os.chdir(here)
        main_module.PLAN_WITHOUT_PANDAS = old
    files = {p.name: p.read_bytes() for p in sorted(cwd.iterdir())}
    return rc, out.getvalue(), err.getvalue(), files


def _same_on_both_paths(argv: list[str], tmp_path: Path) -> tuple[int, str, str, dict[str, bytes]]:
    light_dir, pandas_dir = tmp_path / "light", tmp_path / "pandas"
    light_dir.mkdir(parents=True)
    pandas_dir.mkdir(parents=True)
    light = _run(argv, light_dir, True)
    heavy = _run(argv, pandas_dir, False)
    assert light[:3] == heavy[:3], argv
    assert set(light[3]) == set(heavy[3]), argv
    for name in light[3]:
        if name.endswith(".xlsx"):  # a workbook's zip holds its time of writing: compare the cells
            for a, b in zip(read_workbook(light_dir / name).values(), read_workbook(pandas_dir / name).values()):
                pd.testing.assert_frame_equal(a, b)
        else:
            assert light[3][name] == heavy[3][name], (argv, name)
    return light


# a forecast of clock times that exercises the columns: queues with a media type, a channel name
# that CSV must quote, decimal volumes, idle slots (no AHT), rows out of order, a total over 1,000
MIXED = """Queue,Media Type,Interval,Offered,AHT
"Sales, Spain",voice,08:30,20.25,310
"Sales, Spain",voice,08:00,12.35,300
Support,chat,08:00,40.5,600
Support,chat,08:30,0,
"Sales, Spain",voice,09:00,0.05,305
Support,chat,09:00,1200.75,620
Backoffice,email,08:00,3.3,900
Backoffice,email,08:30,33.35,905
Backoffice,email,09:00,0,
"""
MIXED_TARGETS = """default: {service_level: 0.8, threshold: 20s, shrinkage: 0.25}
channels:
  "Sales, Spain": {patience: 2min, max_abandon: 0.05, asa: 15s}
  Support: {threshold: 60s, concurrency: 2, concurrency_stretch: 1.3, max_occupancy: 0.85}
  Backoffice: {service_level: 0.9, threshold: 4h}
"""
# semicolons and decimal commas, total handle time instead of AHT
EU = """channel;slot_start;volume;total_handle_time_s
voice;08:00;12,5;3750
voice;08:15;14;4200,5
voice;08:30;0;0
"""

FLAGS = [
    [],
    ["--format", "csv"],
    ["--format", "csv", "--csv-dialect", "excel-eu"],
    ["--format", "json"],
    ["--out", "plan.csv"],
    ["--out", "plan.csv", "--csv-dialect", "excel-eu"],
    ["--out", "plan.json"],
    ["--out", "plan.json", "--format", "json"],
    ["--out", "plan.csv", "--format", "csv", "--quiet"],
    ["--out", "plan.xlsx"],
    ["--out", "plan.csv", "--xlsx"],
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    d = tmp_path_factory.mktemp("forecasts")
    (d / "mixed.csv").write_text(MIXED)
    (d / "mixed.yaml").write_text(MIXED_TARGETS)
    (d / "eu.csv").write_text(EU)
    return {"weekday": (FC / "weekday.csv", FC / "targets.yaml"),
            "mixed": (d / "mixed.csv", d / "mixed.yaml"),
            "eu": (d / "eu.csv", d / "mixed.yaml")}


@pytest.mark.parametrize("name", ["weekday", "mixed", "eu"])
@pytest.mark.parametrize("flags", FLAGS, ids=lambda f: " ".join(f) or "table")
def test_plan_prints_and_writes_what_the_pandas_path_does(files, name, flags, tmp_path):
    forecast, targets = files[name]
    if name == "eu" and flags[:2] != []:  # the other files cover the flags; keep this one cheap
        flags = flags if flags in ([], ["--format", "csv"]) else []
    rc, out, _, written = _same_on_both_paths(["plan", str(forecast), "--targets", str(targets), *flags],
                                              tmp_path)
    assert rc == 0 and out
    assert bool(written) == ("--out" in flags)


@pytest.mark.parametrize("argv", [
    ["plan", str(ROOT / "examples" / "forecast" / "forecast.csv"), "--targets",
     str(ROOT / "examples" / "forecast" / "targets.yaml"), "--out", "plan.csv"],
    ["plan", str(FC / "peaky_week.csv"), "--targets", str(FC / "targets.yaml"), "--format", "json"],
    ["plan", str(FC / "wfm_export.csv"), "--targets", str(FC / "wfm_targets.yaml"), "--dayfirst",
     "--tz", "Europe/Madrid", "--out", "wfm_plan.csv", "--csv-dialect", "excel-eu", "--xlsx"],
    ["plan", str(FC / "weekday.csv"), "--targets", str(FC / "targets.yaml"), "--slot", "30min",
     "--columns", "volume=volume"],
])
def test_the_other_shipped_forecasts_are_unchanged(argv, tmp_path):
    """Date-time forecasts stay on the pandas path; the switch changes nothing for them."""
    assert _same_on_both_paths(argv, tmp_path)[0] == 0


BAD_TARGETS = {
    "unknown channel": "channels:\n  voice: {service_level: 0.8, threshold: 20s}\n",
    "bad value": "default: {service_level: 80, threshold: 20s}\n",
    "text number": "default: {service_level: '0.8', threshold: 20s}\n",  # pydantic reads it
    "no patience": "default: {service_level: 0.8, threshold: 20s, max_abandon: 0.05}\n",
    "unknown field": "default: {service_level: 0.8, threshold: 20s, treshold: 30s}\n",
    "stretch too big": "default: {service_level: 0.8, threshold: 20s, concurrency_stretch: 101}\n",
    "traffic beyond the limit": "default: {service_level: 0.8, threshold: 20s, concurrency: 2, "
                                "concurrency_stretch: 100}\n",
}


@pytest.mark.parametrize("case", list(BAD_TARGETS))
def test_bad_input_gives_the_same_message_on_both_paths(case, files, tmp_path):
    forecast, _ = files["mixed"]
    if case == "traffic beyond the limit":  # 5e6 Erlangs read, x100 for the chats' stretch
        forecast = tmp_path / "big.csv"
        forecast.write_text("channel,slot_start,volume,aht_s\nvoice,08:00,5e6,1800\nvoice,08:30,1,300\n")
    targets = tmp_path / "t.yaml"
    targets.write_text(BAD_TARGETS[case])
    rc, _, err, _ = _same_on_both_paths(["plan", str(forecast), "--targets", str(targets)], tmp_path)
    if case == "text number":
        assert rc == 0
    else:
        assert rc == 2 and err.startswith("staffsim: error: ") and "Traceback" not in err
        assert str(targets) in err  # the file, then the field or channel and what is allowed
    if case == "bad value":
        assert "default.service_level: must be < 1, got 80" in err


def test_bad_forecast_cells_give_the_same_message_on_both_paths(tmp_path):
    targets = tmp_path / "t.yaml"
    targets.write_text("default: {service_level: 0.8, threshold: 20s}\n")
    for k, text in enumerate(["channel,slot_start,volume,aht_s\nvoice,08:00,-3,300\n",
                              "channel,slot_start,volume,aht_s\nvoice,08:00,3,300\nvoice,08:00,4,300\n",
                              "channel,slot_start,volume,aht_s\nvoice,8h,3,300\n",
                              "channel,slot_start,volume,aht_s\nvoice,08:00,1e12,3e6\nvoice,08:30,1,300\n"]):
        path = tmp_path / f"bad{k}.csv"
        path.write_text(text)
        rc, _, err, _ = _same_on_both_paths(["plan", str(path), "--targets", str(targets)], tmp_path / f"r{k}")
        assert rc == 2 and f"{path}: " in err


# --- the pieces ---------------------------------------------------------------------------------


def test_plan_columns_is_plan_staffing(files):
    for forecast, targets in files.values():
        fc, tg = load_forecast(forecast), load_targets(targets)
        t = fc.table
        got = pd.DataFrame(plan_columns(t["channel"], t["slot_start"], t["volume"], t["aht_s"], tg, fc.slot_s))
        pd.testing.assert_frame_equal(got, plan_staffing(t, tg, fc.slot_s))


def _pandas_totals(plan: pd.DataFrame, slot_s: float) -> pd.DataFrame:
    """The totals as cli/main.py computed them before the light path (pandas groupby)."""
    totals = plan.groupby("channel", sort=False).agg(
        volume=("volume", "sum"), agent_slots=("agents", "sum"), scheduled_slots=("scheduled", "sum"),
        peak_agents=("agents", "max"),
    )
    hours = slot_s / 3600.0
    totals["agent_hours"] = totals.pop("agent_slots") * hours
    totals["scheduled_hours"] = totals.pop("scheduled_slots") * hours
    return totals.reset_index()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                          st.floats(0, 1e6, allow_nan=False).map(lambda v: round(v, 2)),
                          st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=40),
       st.sampled_from([900.0, 1800.0, 3600.0, 1234.5]))
def test_plan_totals_are_pandas_groupby_totals(rows, slot_s):
    rows = sorted(rows, key=lambda r: r[0])  # a plan holds each channel's rows together
    plan = pd.DataFrame(rows, columns=["channel", "volume", "agents", "scheduled"])
    mine = plan_totals(plan["channel"].tolist(), plan["volume"].to_numpy(), plan["agents"].to_numpy(),
                       plan["scheduled"].to_numpy(), slot_s)
    pd.testing.assert_frame_equal(pd.DataFrame(mine), _pandas_totals(plan, slot_s))


def test_plan_summary_is_the_pandas_summary(files):
    for forecast, targets in files.values():
        fc, tg = load_forecast(forecast), load_targets(targets)
        plan = plan_staffing(fc.table, tg, fc.slot_s)
        cols = {c: plan[c].tolist() for c in plan.columns}
        totals = plan_totals(cols["channel"], plan["volume"], plan["agents"], plan["scheduled"], fc.slot_s)
        shown, bound = plan_summary(cols, totals)
        # what cli/main.py's _print_plan_summary computes with pandas
        peaks = plan.loc[plan.groupby("channel", sort=False)["agents"].idxmax()]
        want = plan.assign(binding=plan["binding"].replace("", "none (no traffic)")).groupby(
            ["channel", "binding"], sort=False).size().rename("slots").reset_index()
        assert shown["peak_slot"] == peaks["slot_start"].astype(str).tolist()
        pd.testing.assert_frame_equal(pd.DataFrame(bound), want, check_dtype=False)
        assert pd.DataFrame(bound)["slots"].dtype == want["slots"].dtype


def test_columns_give_the_frames_csv_and_records():
    columns = {
        "channel": ["a,b", 'q"uote', "x;y", "", "plain"],
        "volume": np.array([1.5, math.nan, math.inf, -math.inf, 1.2345678901234e-7]),
        "agents": np.array([0, 1, 10**12, -3, 7], np.int64),
        "share": np.array([0.1 + 0.2, 1.0, 0.0, -0.0, 123456789.123]),
        "binding": np.array(["service_level", "", "asa+abandon", "occupancy", "x"], dtype=object),
    }
    frame = pd.DataFrame(columns)
    for dialect in ("standard", "excel-eu"):
        assert columns_to_csv(columns, dialect) == frame_to_csv(frame, dialect)
    assert dumps(columns_to_records(columns)) == dumps(frame)  # NaN as null, inf as "inf"
    records, want = columns_to_records(columns), frame.to_dict("records")
    assert [[type(v) for v in r.values()] for r in records] == [[type(v) for v in r.values()] for r in want]


# --- the forecast reader: plain CSV split without pandas ----------------------------------------

_HOSTILE = st.text(alphabet=st.sampled_from(list('ab1.,;\t "\r\n#é')), max_size=6)


@st.composite
def _csv_texts(draw) -> str:
    """CSV text, mostly plain (every line with the header's fields, cells of letters, digits,
    spaces and the other separators), sometimes with a hostile cell, a short or long line, a
    blank line or a quote."""
    sep = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    width = draw(st.integers(1, 4))
    cell = st.text(alphabet=st.sampled_from(list("ab1.:-é# " + ",;\t".replace(sep, ""))), max_size=6)
    name = st.text(alphabet=st.sampled_from(list("abc1_ é")), min_size=1, max_size=5)
    lines = [draw(st.lists(name, min_size=width, max_size=width, unique=True))]  # the header
    lines += [draw(st.lists(cell, min_size=width, max_size=width)) for _ in range(draw(st.integers(0, 5)))]
    for cells in lines:  # a line starting with white space is left to pandas: keep most plain
        cells[0] = cells[0].lstrip(" \t") or "x"
    if draw(st.integers(0, 3)) == 0:  # spoil it a little
        k = draw(st.integers(0, len(lines) - 1))
        lines[k] = draw(st.one_of(st.lists(_HOSTILE, min_size=1, max_size=4), st.just([""]),
                                  st.lists(cell, min_size=1, max_size=5)))
    return end.join(sep.join(cells) for cells in lines) + end


def _pandas_cells(path: Path, sep: str) -> tuple[list[str], list[dict]]:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, sep=sep,
                      encoding="utf-8-sig")
    return list(raw.columns), raw.to_dict("records")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_csv_texts(), st.lists(st.lists(_HOSTILE, min_size=1, max_size=4), min_size=1, max_size=5)
                 .map(lambda lines: "\n".join(",".join(c) for c in lines) + "\n")), st.booleans())
def test_the_plain_csv_split_is_pandas_read_csv(text, bom):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.csv"
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
        plain = forecast_module._plain_csv(path)
        if plain is None:
            return  # left to pandas
        header, rows, found_sep = plain
        want_header, want_rows = _pandas_cells(path, found_sep)
        assert header == want_header
        assert [dict(zip(header, r)) for r in rows] == want_rows


def test_plain_csv_takes_the_shipped_clock_forecast_and_leaves_quotes_to_pandas(files):
    assert forecast_module._plain_csv(FC / "weekday.csv") is not None
    assert forecast_module._plain_csv(files["mixed"][0]) is None  # a quoted name: pandas reads it
    for forecast, _ in files.values():
        light = read_forecast(forecast)
        assert light.clock
        frame = load_forecast(forecast).table
        pd.testing.assert_frame_equal(pd.DataFrame(light.columns), frame)


# --- the targets: one field table, the light check and the pydantic schema agree -----------------


def _kind(info) -> tuple[str, bool]:
    """(kind, optional) of a pydantic field, in the field table's words."""
    annotation, optional = info.annotation, False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
    metadata = list(info.metadata)
    if typing.get_origin(annotation) is typing.Annotated:
        metadata += list(annotation.__metadata__)
        annotation = typing.get_args(annotation)[0]
    if any(getattr(m, "func", None) is parse_duration for m in metadata):
        return "duration", optional
    return {float: "number", int: "whole"}[annotation], optional


def test_the_pydantic_targets_are_built_from_the_field_table():
    for model, fields in ((TargetSpec, TARGET_FIELDS), (ChannelTargetsSpec, CHANNEL_TARGET_FIELDS)):
        assert list(model.model_fields) == [f.name for f in fields]
        for f in fields:
            info = model.model_fields[f.name]
            kind, optional = _kind(info)
            assert kind == ("number" if f.kind == "share" else f.kind), f.name
            assert optional == (f.default is None), f.name
            assert info.is_required() == f.required, f.name
            if not f.required:
                assert info.default == f.default, f.name
            bounds = {k: getattr(m, k) for m in info.metadata for k in ("gt", "ge", "lt", "le")
                      if hasattr(m, k)}
            assert bounds == f.bounds(), f.name
            assert info.description == f.description, f.name


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.integers(-10**400, 10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-2, 2),
    st.sampled_from(["20s", "3min", "0.8", "1.5h", "inf", "-5s", "abc", "", "3", "10:00", "1e400s"]),
    st.lists(st.integers(), max_size=2),
)
_NAMES = st.sampled_from([f.name for f in CHANNEL_TARGET_FIELDS] + ["treshold", "other"])


def _schema_values(raw) -> dict | None:
    try:
        spec = ChannelTargetsSpec.model_validate(raw)
    except ValidationError:
        return None
    return {f.name: getattr(spec, f.name) for f in CHANNEL_TARGET_FIELDS}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_NAMES, _VALUES, max_size=6),
       st.fixed_dictionaries({"service_level": st.floats(0.01, 0.99), "threshold": st.sampled_from([20, "20s", 0])}))
def test_quick_check_accepts_only_what_the_schema_accepts_with_its_values(raw, base):
    for entry in (raw, {**base, **raw}):
        try:
            quick = quick_check(entry)
        except Unchecked:
            continue
        schema = _schema_values(entry)
        assert schema is not None, entry
        assert quick == schema and [type(v) for v in quick.values()] == [type(v) for v in schema.values()]


_CLEAN = {  # values of the types YAML gives, within and outside the bounds
    "service_level": st.one_of(st.floats(-1, 2), st.integers(-1, 2)),
    "threshold": st.one_of(st.floats(-5, 1e5), st.integers(-5, 10**5),
                           st.sampled_from(["20s", "1min", "4h", "-1s", "inf", "0"])),
    "asa": st.one_of(st.none(), st.floats(-5, 100), st.sampled_from(["15s", "0s"])),
    "max_abandon": st.one_of(st.none(), st.floats(-0.5, 1.5)),
    "max_occupancy": st.one_of(st.floats(-0.5, 1.5), st.integers(0, 2)),
    "patience": st.one_of(st.none(), st.floats(-5, 600), st.sampled_from(["3min", "0s"])),
    "shrinkage": st.one_of(st.floats(-0.5, 1.5), st.integers(0, 1)),
    "concurrency": st.integers(-1, 120),
    "concurrency_stretch": st.one_of(st.floats(0, 150), st.integers(0, 150)),
}


_VALID = {  # values the schema accepts
    "service_level": st.floats(0.01, 0.99),
    "threshold": st.one_of(st.floats(0, 1e5), st.integers(0, 10**5), st.sampled_from(["20s", "1min", "4h"])),
    "asa": st.one_of(st.none(), st.floats(0.1, 100), st.just("15s")),
    "max_abandon": st.one_of(st.none(), st.floats(0.01, 0.99)),
    "max_occupancy": st.one_of(st.floats(0.01, 1.0), st.just(1)),
    "patience": st.one_of(st.none(), st.floats(1, 600), st.just("3min")),
    "shrinkage": st.one_of(st.floats(0, 0.99), st.just(0)),
    "concurrency": st.integers(1, 100),
    "concurrency_stretch": st.one_of(st.floats(1, 100), st.integers(1, 100)),
}
# mostly valid, sometimes anything of YAML's types (so that both accepting and refusing happen)
_MIXED = {k: st.one_of(v, v, v, _CLEAN[k]) for k, v in _VALID.items()}
_ENTRIES = st.one_of(
    st.fixed_dictionaries({k: _MIXED[k] for k in ("service_level", "threshold")},
                          optional={k: v for k, v in _MIXED.items() if k not in ("service_level", "threshold")}),
    st.fixed_dictionaries({}, optional=_MIXED),
)


@settings(max_examples=200, deadline=None)
@given(_ENTRIES)
def test_on_clean_types_quick_check_accepts_and_rejects_as_the_schema_does(entry):
    try:
        quick = quick_check(entry)
    except Unchecked:
        quick = None
    assert quick == _schema_values(entry), entry


TARGET_FILES = [
    (FC / "targets.yaml"), (FC / "wfm_targets.yaml"),
]


_FILE = {"default": st.one_of(_ENTRIES, _ENTRIES, _ENTRIES, st.integers()),
         "channels": st.dictionaries(st.sampled_from(["voice", "chat"]), _ENTRIES, max_size=2)}


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.fixed_dictionaries({}, optional=_FILE), st.fixed_dictionaries({}, optional=_FILE),
                 st.fixed_dictionaries({"other": st.integers()}, optional=_FILE)))
def test_a_targets_file_read_quickly_is_what_the_schema_reads(data):
    def outcome(check):
        try:
            targets = forecast_module._read_targets(data, "t.yaml", check)
        except InputError as exc:
            return str(exc)
        return dict(targets), targets.default

    try:
        quick = outcome(forecast_module._quick_check)
    except Unchecked:
        return  # left to the schema's pass
    assert quick == outcome(forecast_module._schema_check)


@pytest.mark.parametrize("path", TARGET_FILES, ids=lambda p: p.name)
def test_the_shipped_targets_are_read_without_the_schema(path):
    from staffsim.scenarios.yamlio import read_yaml

    data = read_yaml(path)
    quick = forecast_module._read_targets(data, str(path), forecast_module._quick_check)
    full = forecast_module._read_targets(data, str(path), forecast_module._schema_check)
    assert dict(quick) == dict(full) and quick.default == full.default
    assert all(isinstance(t, ChannelTargets) for t in quick.values())


def test_the_speed_pages_plan_commands_print_the_same_on_both_paths(tmp_path):
    """docs/guides/speed.md ("Plan without pandas"): its plan commands, down both paths."""
    import shlex

    page = (ROOT / "docs" / "guides" / "speed.md").read_text(encoding="utf-8")
    section = page[page.index("### Plan without pandas"):]
    commands = [line for line in section.splitlines() if line.startswith("staffsim plan ")]
    assert commands
    for k, command in enumerate(commands):
        argv = [str(ROOT / a) if a.startswith("scenarios/") else a for a in shlex.split(command)[1:]]
        rc, out, _, _ = _same_on_both_paths(argv, tmp_path / str(k))
        assert rc == 0 and "Totals per channel" in out
