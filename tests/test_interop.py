"""Files as planners have them: WFM exports (day-first dates, zones, Queue + Media Type, vendor
headers), Excel forecasts in, excel-eu CSV and workbooks out; and a full disk part-way through
writing the outputs."""

import datetime
import errno
import os

import pandas as pd
import pytest

from staffsim import InputError, load_scenario
from staffsim.cli import main
from staffsim.io import output_batch, read_workbook, write_tables, write_text
from staffsim.scenarios.loader import load_forecast

TARGETS = "channels:\n  Sales: {service_level: 0.8, threshold: 20s}\n  Support: {service_level: 0.8, threshold: 60s}\n"
# the clean forecast: local (Madrid) clock times, one row per queue and half hour
CLEAN = [("Sales", "voice", "2026-03-02 08:00", 120, 300.0), ("Sales", "voice", "2026-03-02 08:30", 150, 290.0),
         ("Support", "chat", "2026-03-02 08:00", 40, 410.5), ("Support", "chat", "2026-03-02 08:30", 55, 400.0)]


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def wfm_export(tmp_path):
    """As a WFM tool exports it: semicolons, decimal commas, day-first dates in UTC (Madrid is
    UTC+1 in March), Queue and Media Type, vendor headers."""
    rows = ["Queue;Media Type;Interval Start;FCST Contacts;Forecast AHT"]
    for queue, media, stamp, volume, aht in CLEAN:
        utc = pd.Timestamp(stamp) - pd.Timedelta(hours=1)
        rows.append(f"{queue};{media};{utc:%d/%m/%Y %H:%M}Z;{volume};{str(aht).replace('.', ',')}")
    return write(tmp_path, "export.csv", "\n".join(rows) + "\n")


def test_wfm_export_plans_without_hand_edits(capsys, tmp_path):
    targets = write(tmp_path, "t.yaml", TARGETS)
    clean = write(tmp_path, "clean.csv", "channel,slot_start,volume,aht_s\n" + "".join(
        f"{q},{s},{v},{a}\n" for q, _, s, v, a in CLEAN))
    code, _, err = cli(capsys, "plan", clean, "--targets", targets, "--out", tmp_path / "clean_plan.csv")
    assert code == 0, err
    code, _, err = cli(capsys, "plan", wfm_export(tmp_path), "--targets", targets, "--dayfirst", "--tz",
                       "Europe/Madrid", "--out", tmp_path / "plan.csv")
    assert code == 0, err
    plan = pd.read_csv(tmp_path / "plan.csv")
    want = pd.read_csv(tmp_path / "clean_plan.csv")
    assert list(plan["media_type"]) == ["voice", "voice", "chat", "chat"]
    # converted to the center's clock, never dropped: 07:00Z is 08:00 in Madrid
    assert list(plan["slot_start"]) == ["2026-03-02 08:00:00+01:00", "2026-03-02 08:30:00+01:00"] * 2
    for col in ("volume", "aht_s", "agents", "scheduled", "service_level"):
        assert list(plan[col]) == list(want[col]), col


def test_export_refusals_name_the_line_and_the_fix(tmp_path):
    export = wfm_export(tmp_path)
    with pytest.raises(InputError, match=r"line 2, column 'Interval Start': .*could be day/month/year or "
                                         r"month/day/year.*--dayfirst"):
        load_forecast(export, tz="Europe/Madrid")
    with pytest.raises(InputError, match=r"carry a time zone .*--tz Europe/Madrid"):
        load_forecast(export, dayfirst=True)
    with pytest.raises(InputError, match="unknown time zone 'Europe/Madird'; did you mean 'Europe/Madrid'"):
        load_forecast(export, dayfirst=True, tz="Europe/Madird")
    mixed = write(tmp_path, "m.csv", "queue,interval,volume,aht\nq,13/03/2026 08:00,1,180\n"
                                     "q,03/14/2026 08:00,1,180\n")
    with pytest.raises(InputError, match="dates are day/month on line 2"):
        load_forecast(mixed, slot=1800)
    # a date that tells the order is enough without --dayfirst; one that contradicts it is not
    clear = write(tmp_path, "c.csv", "queue,interval,volume,aht\nq,13/03/2026 08:00,1,180\n"
                                     "q,13/03/2026 08:30,1,180\n")
    assert str(load_forecast(clear).table["slot_start"][0]) == "2026-03-13 08:00:00"
    with pytest.raises(InputError, match="is not month/day/year"):
        load_forecast(clear, dayfirst=False)
    two_media = write(tmp_path, "q.csv", "Queue,Media Type,slot_start,volume,aht_s\n"
                                         "q,voice,08:00,1,180\nq,chat,08:30,1,180\n")
    with pytest.raises(InputError, match="line 3, column 'Media Type': queue 'q' is 'chat' here but 'voice' on line 2"):
        load_forecast(two_media)


def test_zones_convert_across_daylight_saving(tmp_path):
    # Madrid moves to UTC+2 on 29 March 2026: 06:30Z is 08:30 local after the change
    p = write(tmp_path, "f.csv", "channel,slot_start,volume,aht_s\nv,2026-03-27T07:00:00Z,1,180\n"
                                 "v,2026-03-30T06:00:00Z,1,180\nv,2026-03-30T06:30:00Z,1,180\n")
    f = load_forecast(p, tz="Europe/Madrid")
    assert [ts.strftime("%d %H:%M%z") for ts in f.table["slot_start"]] == [
        "27 08:00+0100", "30 08:00+0200", "30 08:30+0200"]
    assert list(f.table["offset_s"]) == [8 * 3600, 3 * 86400 + 8 * 3600, 3 * 86400 + 8.5 * 3600]


def test_xlsx_forecast_plans_like_its_csv(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Forecast"
    sheet.append(["Queue", "Interval Start", "Forecast Contacts", "Forecast AHT"])
    for queue, _, stamp, volume, aht in CLEAN:
        sheet.append([queue, datetime.datetime.fromisoformat(stamp), volume, aht])
    book.create_sheet("Notes").append(["made by the WFM team"])
    book.save(tmp_path / "f.xlsx")
    targets = write(tmp_path, "t.yaml", TARGETS)
    code, _, err = cli(capsys, "plan", tmp_path / "f.xlsx", "--targets", targets)
    assert code == 2 and "2 sheets (Forecast, Notes)" in err and "--sheet" in err
    code, _, err = cli(capsys, "plan", tmp_path / "f.xlsx", "--targets", targets, "--sheet", "Forecast",
                       "--out", tmp_path / "plan.csv")
    assert code == 0, err
    csv = write(tmp_path, "f.csv", "channel,slot_start,volume,aht_s\n" + "".join(
        f"{q},{s},{v},{a}\n" for q, _, s, v, a in CLEAN))
    assert cli(capsys, "plan", csv, "--targets", targets, "--out", tmp_path / "csv_plan.csv")[0] == 0
    assert (tmp_path / "plan.csv").read_text() == (tmp_path / "csv_plan.csv").read_text()


def test_scenario_volume_file_takes_the_reader_options(tmp_path):
    export = wfm_export(tmp_path)
    data = {
        "name": "from export",
        "horizon": {"start": "08:00", "end": "09:00", "slot": "30min"},
        "channels": {"Sales": {"volume": {"file": str(export), "dayfirst": True, "tz": "Europe/Madrid"},
                               "handle_time": 300, "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "g", "skills": ["Sales"], "shifts": [{"start": "08:00", "end": "09:00", "agents": 25}]}],
    }
    import yaml

    path = write(tmp_path, "s.yaml", yaml.safe_dump(data))
    assert list(load_scenario(path).volumes["Sales"]) == [120.0, 150.0]
    data["channels"]["Sales"]["volume"].pop("dayfirst")
    write(tmp_path, "s.yaml", yaml.safe_dump(data))
    with pytest.raises(InputError, match="channels.Sales.volume: .*could be day/month/year"):
        load_scenario(path)


def test_excel_outputs_round_trip(capsys, tmp_path, root):
    pytest.importorskip("openpyxl")
    forecast = root / "scenarios" / "forecast" / "weekday.csv"
    assert cli(capsys, "plan", forecast, "--out", tmp_path / "std.csv")[0] == 0
    code, _, err = cli(capsys, "plan", forecast, "--out", tmp_path / "eu.csv", "--csv-dialect", "excel-eu",
                       "--xlsx")
    assert code == 0, err
    std = pd.read_csv(tmp_path / "std.csv")
    text = (tmp_path / "eu.csv").read_text()
    assert text.splitlines()[0].startswith("channel;slot_start;volume;aht_s;traffic") and ",5;" in text
    eu = pd.read_csv(tmp_path / "eu.csv", sep=";", decimal=",")
    pd.testing.assert_frame_equal(eu, std)
    sheets = read_workbook(tmp_path / "eu.xlsx")
    assert list(sheets) == ["eu"]
    pd.testing.assert_frame_equal(sheets["eu"], std, check_dtype=False)

    scenario = write(tmp_path, "s.yaml", (
        "name: t\nhorizon: {start: '08:00', end: '09:00', slot: 30min}\n"
        "channels:\n  voice: {volume: [40, 50], handle_time: 180s, patience: 2min,\n"
        "          target: {service_level: 0.8, threshold: 20s}}\n"
        "agents: [{group: g, skills: [voice], shifts: [{start: '08:00', end: '09:00', agents: 5}]}]\n"
        "costs: {currency: EUR, agent_hour: 30}\n"))
    out = tmp_path / "run"
    code, _, err = cli(capsys, "run", scenario, "-n", "2", "--jobs", "1", "--out", out,
                       "--csv-dialect", "excel-eu", "--xlsx")
    assert code == 0, err
    book = read_workbook(out / "results.xlsx")
    assert list(book) == ["slots", "summary", "groups", "plan", "teams"]
    for name, frame in book.items():
        csv = pd.read_csv(out / f"{name}.csv", sep=";", decimal=",")
        pd.testing.assert_frame_equal(frame, csv, check_dtype=False)
    import openpyxl

    header = [c.value for c in next(openpyxl.load_workbook(out / "results.xlsx")["summary"].iter_rows())]
    assert "asa_s [s]" in header and "service_level [share 0-1]" in header and "cost [EUR]" in header


# --- a full disk ----------------------------------------------------------------------------

def full_disk_after(monkeypatch, writes_ok):
    """Make the (writes_ok + 1)-th file write fail with ENOSPC, as a full disk does."""
    import staffsim.io as sio

    real = os.fdopen
    count = {"n": 0}

    def fdopen(fd, *args, **kwargs):
        fh = real(fd, *args, **kwargs)
        count["n"] += 1
        if count["n"] > writes_ok:
            def write(_data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            fh.write = write
        return fh

    monkeypatch.setattr(sio.os, "fdopen", fdopen)


def test_full_disk_leaves_earlier_outputs_intact(monkeypatch, tmp_path):
    tables = {"a": pd.DataFrame({"x": [1.5]}), "b": pd.DataFrame({"x": [2.5]}), "c": pd.DataFrame({"x": [3]})}
    write_tables(tmp_path, tables)
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    full_disk_after(monkeypatch, 2)
    new = {k: v * 10 for k, v in tables.items()}
    with pytest.raises(OSError, match="c.csv: cannot write: No space left on device .*the disk is full.*"
                                      "earlier outputs were left as they were"):
        write_tables(tmp_path, new)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == before  # no mix, no temporaries


def test_full_disk_in_the_cli_exits_4_with_one_message(capsys, monkeypatch, tmp_path, root):
    pytest.importorskip("openpyxl")
    plan = tmp_path / "plan.csv"
    plan.write_text("the earlier plan\n")
    full_disk_after(monkeypatch, 1)  # plan.csv is written, plan.xlsx is not
    code, _, err = cli(capsys, "plan", root / "scenarios" / "forecast" / "weekday.csv", "--out", plan, "--xlsx")
    assert code == 4
    assert err.startswith("staffsim: error: could not write the outputs: ") and "plan.xlsx" in err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert plan.read_text() == "the earlier plan\n" and sorted(os.listdir(tmp_path)) == ["plan.csv"]


def test_batch_refuses_a_directory_before_renaming(tmp_path):
    (tmp_path / "b.txt").mkdir()
    write_text(tmp_path / "a.txt", "old")
    with pytest.raises(OSError, match="b.txt: is a directory"):
        with output_batch():
            write_text(tmp_path / "a.txt", "new")
            write_text(tmp_path / "b.txt", "new")
    assert (tmp_path / "a.txt").read_text() == "old"


def test_the_readme_export_plans_as_the_clean_forecast(root):
    # scenarios/forecast/wfm_export.csv is weekday.csv as a WFM tool exports it
    from staffsim.models.staffing import plan_staffing
    from staffsim.scenarios.loader import load_targets

    folder = root / "scenarios" / "forecast"
    export = load_forecast(folder / "wfm_export.csv", dayfirst=True, tz="Europe/Madrid")
    clean = load_forecast(folder / "weekday.csv")
    a = plan_staffing(export.table, load_targets(folder / "wfm_targets.yaml"), export.slot_s)
    b = plan_staffing(clean.table, load_targets(folder / "targets.yaml"), clean.slot_s)
    assert export.slot_s == clean.slot_s and list(export.table["offset_s"]) == list(clean.table["offset_s"])
    for col in ("volume", "aht_s", "agents", "scheduled", "service_level", "asa_s", "p_abandon"):
        assert list(a[col]) == list(b[col]), col


@pytest.mark.parametrize("argv,workbook,sheets", [
    (["requirement", "scenarios/bank.yaml", "--method", "erlang"], "requirement.xlsx", ["requirement"]),
    (["schedule", "scenarios/peaky_day.yaml", "--rules", "scenarios/rules/peaky_day.yaml",
      "--requirement", "erlang"], "roster.xlsx", ["shifts", "coverage"]),
    (["capacity", "scenarios/capacity/bank_2027.yaml", "--no-hiring", "--monte-carlo", "0"],
     "capacity.xlsx", ["weekly", "summary"]),
])
def test_planning_commands_write_excel_eu_csv_and_a_workbook(capsys, tmp_path, root, argv, workbook, sheets):
    # the planning loop's outputs in the formats planners open: CSV with ; and decimal commas,
    # one workbook whose sheets hold the same numbers
    out = tmp_path / "out"
    argv = [str(root / a) if a.startswith("scenarios/") else a for a in argv]
    code, _, err = cli(capsys, *argv, "--out", out, "--csv-dialect", "excel-eu", "--xlsx")
    assert code == 0, err
    book = read_workbook(out / workbook)
    assert set(sheets) <= set(book)
    for name in sheets:
        csv = pd.read_csv(out / f"{name}.csv", sep=";", decimal=",")
        assert list(csv.columns) == list(book[name].columns)
        pd.testing.assert_frame_equal(book[name], csv, check_dtype=False)


def test_planning_outputs_refuse_a_bad_out_before_working(capsys, tmp_path, root):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = cli(capsys, "requirement", root / "scenarios" / "bank.yaml", "--method", "erlang",
                       "--out", a_file)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
