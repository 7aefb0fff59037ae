"""Hostile inputs, round 2 (issue 22): duplicated keys, NaN, infinities, text and values out of
range in every file staffsim reads, and outputs that would overwrite inputs or mix runs. Each
case: exit code 2, one message naming the file and line or field, no traceback."""

from pathlib import Path

import pytest

from staffsim import InputError, load_scenario
from staffsim.cli import main
from staffsim.requirement import erlang_requirement, read_requirement


ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def refused(capsys, *argv):
    code, _, err = cli(capsys, *argv)
    assert code == 2, err
    assert err.startswith("staffsim: error: ") and len(err) < 3000
    assert "staffsim: error: staffsim:" not in err
    return err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# --- requirement CSV ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def peaky_requirement(tmp_path_factory):
    sc = load_scenario(ROOT / "scenarios" / "peaky_day.yaml")
    d = tmp_path_factory.mktemp("req")
    erlang_requirement(sc).write(d)
    return sc, (d / "requirement.csv").read_text().splitlines()


def _set_agents(lines, line_no, value):
    out = list(lines)
    cells = out[line_no - 1].split(",")
    cells[3] = value
    out[line_no - 1] = ",".join(cells)
    return out


def test_a_requirement_with_a_slot_given_twice_is_refused_naming_both_lines(peaky_requirement, tmp_path):
    sc, lines = peaky_requirement
    # the row of line 3 again as line 6, with another figure: the last row used to win silently
    again = lines[:5] + [_set_agents(lines, 3, "99")[2]] + lines[5:]
    path = write(tmp_path, "r.csv", "\n".join(again) + "\n")
    with pytest.raises(InputError, match=r"r\.csv: lines 3 and 6: group .* given twice"):
        read_requirement(path, sc)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e15", "1e300", "lots", "2.5", "-1", ""])
def test_a_bad_agents_cell_names_file_line_and_column(peaky_requirement, tmp_path, value):
    sc, lines = peaky_requirement
    path = write(tmp_path, "r.csv", "\n".join(_set_agents(lines, 4, value)) + "\n")
    with pytest.raises(InputError, match=r"r\.csv: line 4, column 'agents': must be a whole number"):
        read_requirement(path, sc)


def test_a_bad_day_cell_names_file_line_and_column(peaky_requirement, tmp_path):
    sc, lines = peaky_requirement
    bad = list(lines)
    cells = bad[2].split(",")
    cells[1] = "monday"
    bad[2] = ",".join(cells)
    path = write(tmp_path, "r.csv", "\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"r\.csv: line 3, column 'day'"):
        read_requirement(path, sc)


def test_schedule_refuses_a_duplicated_requirement_row(capsys, peaky_requirement, tmp_path, root):
    _, lines = peaky_requirement
    path = write(tmp_path, "r.csv", "\n".join(lines + [lines[1]]) + "\n")
    err = refused(capsys, "schedule", root / "scenarios" / "peaky_day.yaml", "--rules",
                  root / "scenarios" / "rules" / "peaky_day.yaml", "--requirement", path)
    assert f"lines 2 and {len(lines) + 1}" in err and "given twice" in err


# --- forecast CSV -------------------------------------------------------------------------------

def test_a_forecast_duplicate_names_the_two_lines_that_repeat_each_other(capsys, tmp_path, root):
    # voice 08:00 (line 2) and chat 08:00 (line 3) are not duplicates; chat 08:00 repeats on line 6
    f = write(tmp_path, "f.csv", "channel,slot_start,volume,aht_s\nvoice,08:00,10,300\n"
              "chat,08:00,5,300\nvoice,08:30,10,300\nchat,08:30,5,300\nchat,08:00,7,300\n")
    err = refused(capsys, "plan", f, "--targets", root / "scenarios" / "forecast" / "targets.yaml")
    assert "f.csv: lines 3 and 6: duplicate slot 08:00 for channel 'chat'" in err


# --- capacity weekly files ----------------------------------------------------------------------

def test_a_weekly_hours_file_with_a_week_twice_names_both_lines(capsys, tmp_path):
    hours = write(tmp_path, "hours.csv", "week,required_hours\n1,1500\n2,1500\n3,1500\n2,1600\n")
    plan = write(tmp_path, "plan.yaml", f"""\
name: t
start_date: "2027-01-04"
weeks: 3
fte_hours: 37.5
teams:
  front:
    required_hours: {{file: {hours}}}
    shrinkage: {{holidays: 0.1}}
    headcount: 50
""")
    err = refused(capsys, "capacity", plan)
    assert "hours.csv: lines 3 and 5: week 2 appears twice" in err


def test_a_weekly_forecast_names_both_lines_of_the_channel_week_given_twice(capsys, tmp_path, root):
    fc = root / "scenarios" / "forecast"
    # chat's week 2 on lines 5 and 6 (lines counted in the whole file, not within the channel)
    weekly = write(tmp_path, "weekly.csv", "week,channel,volume,aht_s\n1,voice,1000,300\n"
                   "2,voice,1000,300\n1,chat,500,400\n2,chat,500,400\n2,chat,600,400\n")
    plan = write(tmp_path, "plan.yaml", f"""\
name: t
start_date: "2027-01-04"
weeks: 2
fte_hours: 37.5
teams:
  front:
    demand: {{forecast: {weekly}, channels: [voice, chat], intraday: {fc / "weekday.csv"},
              days: [0.2, 0.2, 0.2, 0.2, 0.2], targets: {fc / "targets.yaml"}}}
    shrinkage: {{holidays: 0.1}}
    headcount: 50
""")
    err = refused(capsys, "capacity", plan)
    assert "weekly.csv: lines 5 and 6: week 2 for channel 'chat' appears twice" in err
