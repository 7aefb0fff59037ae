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


# --- output directories: one run each, a manifest, --overwrite ----------------------------------

def _manifest(out):
    import json
    return json.loads((out / "manifest.json").read_text())


def test_a_run_writes_a_manifest_of_its_files(capsys, tmp_path, root):
    out = tmp_path / "o"
    code, _, err = cli(capsys, "run", root / "scenarios" / "bank.yaml", "-n", "2", "--seed", "1", "--out", out)
    assert code == 0, err
    m = _manifest(out)
    assert m["command"] == "run" and m["seed"] == 1 and m["arguments"]["replications"] == 2
    from staffsim import __version__
    assert m["staffsim"] == __version__
    on_disk = {p.name: p.stat().st_size for p in out.iterdir() if p.name != "manifest.json"}
    assert {f["name"]: f["bytes"] for f in m["files"]} == on_disk


def test_rerunning_into_a_run_directory_refuses_before_the_work_then_overwrite_replaces_it(capsys, tmp_path, root):
    out = tmp_path / "o"
    bank = root / "scenarios" / "bank.yaml"
    assert cli(capsys, "run", bank, "-n", "2", "--seed", "1", "--parquet", "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, stdout, err = cli(capsys, "run", bank, "-n", "2", "--seed", "99", "--out", out)
    assert code == 2 and stdout == ""  # refused before simulating: nothing printed
    assert "holds the outputs of an earlier run (staffsim run: " in err and "summary.parquet" in err
    assert "--overwrite" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # untouched
    # --overwrite: seed 99's files only; seed 1's Parquet files (not written again) are removed
    assert cli(capsys, "run", bank, "-n", "2", "--seed", "99", "--out", out, "--overwrite")[0] == 0
    names = sorted(p.name for p in out.iterdir())
    assert not any(n.endswith(".parquet") for n in names)
    assert _manifest(out)["seed"] == 99
    assert sorted([f["name"] for f in _manifest(out)["files"]] + ["manifest.json"]) == names


def test_a_directory_holding_unknown_files_is_refused_even_with_overwrite(capsys, tmp_path, root):
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        err = refused(capsys, "run", root / "scenarios" / "bank.yaml", "-n", "2", "--out", out, *extra)
        assert "notes.txt" in err and "never removes files it did not write (not even with --overwrite)" in err
    assert (out / "notes.txt").read_text() == "mine" and sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_overwrite_never_removes_a_file_the_manifest_does_not_list(capsys, tmp_path, root):
    out = tmp_path / "o"
    bank = root / "scenarios" / "bank.yaml"
    assert cli(capsys, "run", bank, "-n", "2", "--out", out)[0] == 0
    (out / "mine.csv").write_text("a,b\n")
    err = refused(capsys, "run", bank, "-n", "2", "--out", out, "--overwrite")
    assert "mine.csv" in err
    assert (out / "mine.csv").exists()


def test_an_empty_directory_is_fine_and_a_dangling_symlink_is_refused_before_the_work(capsys, tmp_path, root):
    bank = root / "scenarios" / "bank.yaml"
    (tmp_path / "empty").mkdir()
    assert cli(capsys, "run", bank, "-n", "2", "--out", tmp_path / "empty")[0] == 0
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    code, stdout, err = cli(capsys, "run", bank, "-n", "2", "--out", link)
    assert code == 2 and stdout == "" and "symbolic link" in err and "nowhere" in err


def test_every_directory_command_writes_a_manifest(capsys, tmp_path, root):
    sc = root / "scenarios"
    cases = {
        "requirement": ["requirement", sc / "peaky_day.yaml", "--method", "erlang"],
        "schedule": ["schedule", sc / "peaky_day.yaml", "--rules", sc / "rules" / "peaky_day.yaml"],
        "capacity": ["capacity", sc / "capacity" / "bank_2027.yaml", "--monte-carlo", "0", "--no-hiring"],
        "compare": ["compare", sc / "bank.yaml", sc / "bank_more_self_service.yaml", "-n", "2"],
        "sweep": ["sweep", sc / "bank.yaml", "--param", "channels.voice.volume_factor=1,1.1", "-n", "2"],
    }
    for command, argv in cases.items():
        out = tmp_path / command
        code, _, err = cli(capsys, *argv, "--out", out)
        assert code == 0, (command, err)
        m = _manifest(out)
        assert m["command"] == command
        assert {f["name"] for f in m["files"]} | {"manifest.json"} == {p.name for p in out.iterdir()}
        err = refused(capsys, *argv, "--out", out)  # and each refuses to mix runs
        assert "earlier run" in err, command


def test_overwrite_refuses_to_remove_an_input_of_the_run(capsys, tmp_path, root):
    sc = root / "scenarios"
    out = tmp_path / "o"
    assert cli(capsys, "requirement", sc / "peaky_day.yaml", "--method", "erlang", "--out", out)[0] == 0
    err = refused(capsys, "schedule", sc / "peaky_day.yaml", "--rules", sc / "rules" / "peaky_day.yaml",
                  "--requirement", out / "requirement.csv", "--out", out, "--overwrite")
    assert "requirement.csv, an input of this run" in err
    assert (out / "requirement.csv").exists()


def test_plan_never_overwrites_its_input(capsys, tmp_path, root):
    import shutil
    fc = root / "scenarios" / "forecast"
    forecast = tmp_path / "weekday.csv"
    shutil.copy(fc / "weekday.csv", forecast)
    shutil.copy(fc / "targets.yaml", tmp_path / "targets.yaml")
    before = forecast.read_bytes()
    err = refused(capsys, "plan", forecast, "--out", forecast)
    assert "is the input" in err and forecast.read_bytes() == before
    err = refused(capsys, "plan", forecast, "--out", tmp_path / "targets.yaml")
    assert "is the input" in err
    assert cli(capsys, "plan", forecast, "--out", tmp_path / "plan.csv")[0] == 0


# --- the smaller items ----------------------------------------------------------------------------

def test_erlang_errors_name_the_flag_typed(capsys):
    base = ["erlang", "--volume", "100", "--aht", "180s", "--threshold", "20s"]
    err = refused(capsys, *base, "--target", "80")
    assert err.startswith("staffsim: error: --target: must be between 0 and 1") and "0.8 for 80%" in err
    assert "service_level" not in err
    assert "--shrinkage: " in refused(capsys, *base, "--agents", "10", "--shrinkage", "1.5")
    assert "--max-abandon: " in refused(capsys, *base, "--target", "0.8", "--patience", "60", "--max-abandon", "3")
    assert "--concurrency: " in refused(capsys, *base, "--target", "0.8", "--concurrency", "0")
    assert "--max-occupancy needs --target" in refused(capsys, *base, "--agents", "10", "--max-occupancy", "2")


def test_run_errors_name_the_flag_typed(capsys, root):
    bank = root / "scenarios" / "bank.yaml"
    assert refused(capsys, "run", bank, "-n", "0").startswith("staffsim: error: -n/--replications: ")
    assert refused(capsys, "run", bank, "--seed", "-1").startswith("staffsim: error: --seed: ")


def test_schedule_names_the_requirement_flag(capsys, root):
    sc = root / "scenarios"
    err = refused(capsys, "schedule", sc / "peaky_day.yaml", "--rules", sc / "rules" / "peaky_day.yaml",
                  "--requirement", "magic")
    assert err.startswith("staffsim: error: --requirement: choose one of erlang, isa, got 'magic'")


def test_no_doubled_prefixes(capsys):
    err = refused(capsys)
    assert err.startswith("staffsim: error: give a command: erlang, plan") and err.count("staffsim:") == 1
    err = refused(capsys, "erlang", "--volume", "1")
    assert err.startswith("staffsim: error: erlang: the following arguments are required") \
        and err.count("staffsim") == 1
    # the library's "staffsim run: ..." messages too
    err = refused(capsys, "run", ROOT / "scenarios" / "bank.yaml", "--plot")
    assert err == "staffsim: error: run: --plot needs --out DIR\n"


def test_validate_reports_every_file(capsys, tmp_path, root):
    bad1 = write(tmp_path, "bad1.yaml", "name: x\n")
    bad2 = write(tmp_path, "bad2.yaml", "name: [\n")
    code, out, err = cli(capsys, "validate", bad1, root / "scenarios" / "bank.yaml", bad2, tmp_path / "none.yaml")
    assert code == 2
    assert "bank.yaml: ok" in out
    assert "bad1.yaml: 3 problems" in err and "bad2.yaml: line 2" in err and "none.yaml: file not found" in err
    assert "3 of 4 files did not validate" in err


def test_a_scenario_that_is_not_a_mapping_gets_a_clear_message():
    from staffsim import scenario_from_dict
    with pytest.raises(InputError, match=r"scenario: a scenario is a mapping of its fields .* got list \[1, 2\]"):
        scenario_from_dict([1, 2])


def test_every_public_function_taking_a_scenario_takes_a_path(root):
    from staffsim import compare, plan_for, requirement, simulate, sweep
    bank = root / "scenarios" / "bank.yaml"
    more = root / "scenarios" / "bank_more_self_service.yaml"
    assert simulate(bank, replications=2).replications == 2
    assert simulate(str(bank), replications=2).replications == 2
    assert compare(bank, str(more), replications=2).baseline.replications == 2
    assert len(sweep(bank, "channels.voice.volume_factor", [1.0, 1.1], replications=2).values) == 2
    assert requirement(bank).method == "erlang"
    assert len(plan_for(bank)) > 0
    with pytest.raises(TypeError, match="scenario: expected a Scenario, the path of a scenario file"):
        simulate(42)


# --- the corpus: NaN, infinities and out-of-range numbers in every kind of file ---------------------

def _edited(root, tmp_path, rel, old, new, name):
    text = (root / rel).read_text()
    assert old in text, (rel, old)
    return write(tmp_path, name, text.replace(old, new, 1))


@pytest.mark.parametrize("rel, old, new, message", [
    ("scenarios/bank.yaml", "threshold: 20s", "threshold: .inf", "channels.voice.target.threshold: must be a finite"),
    ("scenarios/bank.yaml", "shape: 0.8", "shape: .nan", "channels.chat.patience.shape: must be a finite"),
    ("scenarios/bank.yaml", "shape: 0.8", "shape: 0.001", "channels.chat.patience: weibull: shape 0.001"),
    ("scenarios/appointments.yaml", "grace: 10min", "grace: .inf", "channels.video.grace: must be a finite"),
    ("scenarios/bank.yaml", "front: 34", "front: 1.0e300", "costs.agent_hour: rates must be numbers from 0 to 1,000,000"),
    ("scenarios/week.yaml", "volume_uncertainty: {cv: 0.1", "volume_uncertainty: {cv: 1000000",
     "channels.voice.volume_uncertainty.cv: must be <= 3"),
])
def test_scenario_numbers(capsys, tmp_path, root, rel, old, new, message):
    path = _edited(root, tmp_path, rel, old, new, "s.yaml")
    (tmp_path / "forecast").symlink_to(root / "scenarios" / "forecast")  # week.yaml's files
    err = refused(capsys, "validate", path)
    assert f"s.yaml: {message}" in err


@pytest.mark.parametrize("new, message", [
    ("cost_per_hour: .inf", "teams.phones.cost_per_hour: must be a finite number, got inf"),
    ("cost_per_hour: .nan", "teams.phones.cost_per_hour: must be a finite number, got nan"),
    # finite but beyond HiGHS's precision: was "the solver found no roster within its limit"
    ("cost_per_hour: 1.0e300", "teams.phones.cost_per_hour: must be <= 1e+06"),
])
def test_rules_numbers(capsys, tmp_path, root, new, message):
    rules = _edited(root, tmp_path, "scenarios/rules/peaky_day.yaml", "cost_per_hour: 31", new, "r.yaml")
    err = refused(capsys, "schedule", root / "scenarios" / "peaky_day.yaml", "--rules", rules)
    assert f"r.yaml: {message}" in err and "scipy" not in err.lower()


@pytest.mark.parametrize("old, new, message", [
    ("cost_per_hire: 3500", "cost_per_hire: .nan", "teams.front.hiring.cost_per_hire: must be a finite number"),
    ("max_class: 15", "max_class: 100000000", "teams.front.hiring.max_class: must be <= 10000"),
    ("fte_hours: 37.5", "fte_hours: .inf", "fte_hours: must be a finite number"),
    ("cost_per_hire: 3500", "cost_per_hire: 1.0e300", "teams.front.hiring.cost_per_hire: must be <= 1e+06"),
])
def test_capacity_numbers(capsys, tmp_path, root, old, new, message):
    src = root / "scenarios" / "capacity"
    plan = _edited(root, src, "scenarios/capacity/bank_2027.yaml", old, new, "_hostile_plan.yaml")
    try:
        err = refused(capsys, "capacity", plan, "--monte-carlo", "0")
    finally:
        plan.unlink()
    assert f"_hostile_plan.yaml: {message}" in err


@pytest.mark.parametrize("cell, message", [
    ("nan,300", "line 2, column 'volume': must be a number >= 0, got 'nan'"),
    ("inf,300", "line 2, column 'volume'"),
    ("10,nan", "line 2, column 'aht_s'"),
    ("10,inf", "line 2, column 'aht_s'"),
    ("ten,300", "line 2, column 'volume'"),
])
def test_forecast_cells(capsys, tmp_path, root, cell, message):
    f = write(tmp_path, "f.csv", f"channel,slot_start,volume,aht_s\nvoice,08:00,{cell}\nvoice,08:30,10,300\n")
    err = refused(capsys, "plan", f, "--targets", root / "scenarios" / "forecast" / "targets.yaml")
    assert f"f.csv: {message}" in err


@pytest.mark.parametrize("cell", ["nan", "inf", "-5", "lots"])
def test_weekly_hours_cells(capsys, tmp_path, cell):
    hours = write(tmp_path, "hours.csv", f"week,required_hours\n1,1500\n2,{cell}\n")
    plan = write(tmp_path, "plan.yaml", f"""\
name: t
start_date: "2027-01-04"
weeks: 2
fte_hours: 37.5
teams:
  front:
    required_hours: {{file: {hours}}}
    shrinkage: {{holidays: 0.1}}
    headcount: 50
""")
    err = refused(capsys, "capacity", plan)
    assert "hours.csv: line 3, column 'required_hours': must be hours >= 0" in err


def test_a_requirement_written_for_european_excel_reads_back(capsys, tmp_path, root):
    sc = root / "scenarios"
    out = tmp_path / "eu"
    assert cli(capsys, "requirement", sc / "peaky_day.yaml", "--method", "erlang", "--csv-dialect",
               "excel-eu", "--out", out)[0] == 0
    assert (out / "requirement.csv").read_text().startswith("group;day;slot_start;agents")
    scenario = load_scenario(sc / "peaky_day.yaml")
    again = read_requirement(out / "requirement.csv", scenario)
    assert again.table["agents"].tolist() == erlang_requirement(scenario).table["agents"].tolist()


def test_a_directory_named_erlang_does_not_break_the_default_schedule(capsys, tmp_path, monkeypatch, root):
    sc = root / "scenarios"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "erlang").mkdir()
    (tmp_path / "isa").mkdir()
    code, out, err = cli(capsys, "schedule", sc / "peaky_day.yaml", "--rules", sc / "rules" / "peaky_day.yaml")
    assert code == 0, err
    assert "requirement erlang" in out
