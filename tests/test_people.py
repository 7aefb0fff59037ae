"""staffsim assign: agents files, the assignment program (checked rule by rule and against brute
force), the calendars people read, the "cannot staff" diagnosis, and simulating the people."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pandas as pd
import pytest
import yaml

from staffsim.errors import InputError
from staffsim.people.agents import load_agents
from staffsim.people.assign import objective_parts, solve_plan
from staffsim.people.assignment import assign
from staffsim.people.check import check_assignment
from staffsim.people.plan import Weights, build_plan
from staffsim.people.rosterfile import read_roster

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "people"

AGENT_COLS = "id,name,team,skills,week_hours_min,week_hours_max,days_max,max_consecutive_days,days_off_together,availability,time_off,preferred_start,wished_days_off,weekends,seniority_years"


def tiny_roster(tmp: Path, shifts: list[tuple], days: int = 3, channels=("voice",), teams=None) -> Path:
    """A roster directory: a scenario of ``days`` days from Monday 2 March 2026 and shifts
    (team, day, start, end, agents, breaks)."""
    teams = teams or {"phones": ["voice"]}
    sc = {"name": "tiny", "horizon": {"start_date": "2026-03-02", "days": days, "start": "06:00",
                                       "end": "23:00", "slot": "1h"},
          "channels": {c: {"volume": [20] * 17, "handle_time": {"dist": "exponential", "mean": "5min"},
                           "patience": {"dist": "exponential", "mean": "3min"},
                           "target": {"service_level": 0.8, "threshold": "20s"}} for c in channels},
          "agents": [{"group": t, "skills": s, "staffing": "plan"} for t, s in teams.items()],
          "run": {"replications": 4, "seed": 11}}
    d = tmp / "roster"
    d.mkdir(parents=True, exist_ok=True)
    (d / "roster.yaml").write_text(yaml.safe_dump(sc, sort_keys=False))
    rows = [{"team": t, "template": f"t{e - s}", "day": day, "start": f"{s:02d}:00", "end": f"{e:02d}:00",
             "agents": n, "paid_hours": n * (e - s), "breaks": br} for t, day, s, e, n, br in shifts]
    pd.DataFrame(rows).to_csv(d / "shifts.csv", index=False)
    return d


def agents_file(tmp: Path, rows: list[str], name: str = "agents.csv") -> Path:
    path = tmp / name
    path.write_text(AGENT_COLS + "\n" + "\n".join(rows) + "\n")
    return path


# ------------------------------------------------------------------ agents files
def test_example_agents_load_in_every_format(tmp_path):
    a = load_agents(EXAMPLE / "agents.csv", channels=["voice", "chat", "claims"])
    assert 40 <= len(a) <= 60
    frame = pd.read_csv(EXAMPLE / "agents.csv", dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "agents.xlsx", index=False)
    (tmp_path / "agents.yaml").write_text(yaml.safe_dump({"agents": frame.to_dict("records")}))
    for other in ("agents.xlsx", "agents.yaml"):
        b = load_agents(tmp_path / other)
        assert b.people == a.people


@pytest.mark.parametrize("row, where, what", [
    ("A1,Ana,x,voice;fax,0,40,5,6,2,,,,,,", "row 2 (id A1): skills", "unknown skill 'fax'"),
    ("A1,Ana,x,voice,0,40,5,6,2,,2026-03-02..2026-03-05; 2026-03-04,,,,", "row 2 (id A1): time_off", "overlap"),
    ("A1,Ana,x,voice,0,40,5,6,2,,,25:00-26:00,,,", "row 2 (id A1): preferred_start", "clock time"),
    ("A1,Ana,x,voice,0,40,5,6,2,,,,,sometimes,", "row 2 (id A1): weekends", "avoid"),
])
def test_bad_agents_files_name_file_row_and_field(tmp_path, row, where, what):
    path = agents_file(tmp_path, [row])
    with pytest.raises(InputError) as err:
        load_agents(path, channels=["voice"])
    msg = str(err.value)
    assert str(path) in msg and where in msg and what in msg


def test_yaml_agents_take_mappings(tmp_path):
    path = tmp_path / "agents.yaml"
    path.write_text(yaml.safe_dump({"agents": [{
        "id": "A1", "skills": {"voice": 0.9, "chat": 1.2}, "week_hours_max": 40,
        "availability": {"mon-fri": "08:00-20:00", "sat": ["09:00-12:00", "13:00-14:00"]},
        "time_off": ["2026-03-02..2026-03-04", "2026-03-10"], "wished_days_off": ["fri", "2026-03-14"]}]}))
    a = load_agents(path).people[0]
    assert a.skills == {"voice": 0.9, "chat": 1.2}
    assert a.available(5, 13 * 3600, 14 * 3600) and not a.available(5, 11 * 3600, 14 * 3600)
    assert not a.available(6, 9 * 3600, 10 * 3600)
    assert a.on_leave(dt.date(2026, 3, 3)) and not a.on_leave(dt.date(2026, 3, 5))
    assert a.wishes_day_off(dt.date(2026, 3, 6)) and a.wishes_day_off(dt.date(2026, 3, 14))
    b = load_agents(agents_file(tmp_path, ["A2,Bea,x,voice,0,40,5,6,2,\"mon, wed 08:00-12:00\",,,,,"])).people[0]
    assert b.availability == {0: [(8 * 3600.0, 12 * 3600.0)], 2: [(8 * 3600.0, 12 * 3600.0)]}


def test_a_person_on_leave_all_period_owes_nothing(tmp_path):
    roster = tiny_roster(tmp_path, [("phones", d, 8, 16, 1, "") for d in (1, 2, 3)])
    path = agents_file(tmp_path, ["A1,Ana,x,voice,32,40,5,6,0,,2026-03-02..2026-03-31,,,,0",
                                  "B2,Bea,x,voice,0,40,5,6,0,,,,,,0"])
    a = assign(roster, path)
    assert set(a.schedule["agent_id"]) == {"B2"} and a.summary()["short_hours"] == 0


def test_duplicate_ids_are_named(tmp_path):
    path = agents_file(tmp_path, ["A1,Ana,x,voice,0,40,5,6,2,,,,,,", "A1,Bea,x,voice,0,40,5,6,2,,,,,,"])
    with pytest.raises(InputError, match=r"row 3 \(id A1\): id: 'A1' is already used on row 2"):
        load_agents(path)


def test_unreachable_contract_hours_are_named(tmp_path):
    roster = tiny_roster(tmp_path, [("phones", d, 8, 16, 1, "") for d in (1, 2, 3)])
    path = agents_file(tmp_path, ["A1,Ana,x,voice,33,35,5,6,0,,,,,,"])  # 8 h shifts: 32 or 40, never 33-35
    with pytest.raises(InputError) as err:
        assign(roster, path, weeks=1, open_cost=10)
    msg = str(err.value)
    assert f"{path}: row 2 (id A1): week_hours_min" in msg and "8h" in msg


# ------------------------------------------------------------------ brute force
def _brute_force(plan) -> float:
    """The least objective over every way of giving each seat to a person or leaving it open,
    keeping only assignments the independent checker accepts."""
    seats = [(k.index, i) for k in plan.kinds for i in range(k.demand)]
    n = len(plan.people)
    best = float("inf")
    for choice in itertools.product(range(n + 1), repeat=len(seats)):
        works = {p: [] for p in range(n)}
        for (k, _), p in zip(seats, choice):
            if p < n:
                works[p].append(k)
        if any(len({plan.kinds[k].pday for k in v}) != len(v) for v in works.values()):
            continue  # two shifts on one day (the checker would say so too, more slowly)
        rows = []
        for p, ks in works.items():
            for k in ks:
                kk = plan.kinds[k]
                rows.append({"agent_id": plan.people[p].id, "team": kk.team, "template": kk.template,
                             "date": kk.date.isoformat(), "start": f"{int(kk.start // 3600):02d}:00",
                             "end": f"{int(kk.end // 3600):02d}:00"})
        sched = pd.DataFrame(rows, columns=["agent_id", "team", "template", "date", "start", "end"])
        taken = pd.Series([k for v in works.values() for k in v]).value_counts()
        open_rows = [{"date": kk.date.isoformat(), "team": kk.team, "template": kk.template,
                      "start": f"{int(kk.start // 3600):02d}:00", "end": f"{int(kk.end // 3600):02d}:00",
                      "seats_open": kk.demand - int(taken.get(kk.index, 0))} for kk in plan.kinds]
        if check_assignment(sched, plan.roster, plan.agents, plan.start_date, plan.n_days,
                            pd.DataFrame(open_rows), rest_s=plan.rest_s):
            continue
        best = min(best, objective_parts(plan, works)["total"])
    return best


TINY_CASES = [
    # rest: a 14-22 shift then an 06-14 shift is 8 h rest; wishes and weekends in play
    ([("phones", 1, 14, 22, 1, ""), ("phones", 2, 6, 14, 1, ""), ("phones", 2, 14, 22, 1, ""),
      ("phones", 3, 6, 14, 1, "")],
     ["A1,Ana,x,voice,0,16,5,6,0,,,06:00-07:00,,,3", "B2,Bea,x,voice,0,24,5,6,0,,2026-03-03,,wed,,0",
      "C3,Cai,x,voice,8,24,5,2,0,mon-wed 06:00-14:00,,,,,1"]),
    # consecutive days (C3 at most 2 in a row), hours max, part availability
    ([("phones", 1, 8, 16, 1, ""), ("phones", 2, 8, 16, 1, ""), ("phones", 3, 8, 16, 1, ""),
      ("phones", 3, 12, 20, 1, "")],
     ["A1,Ana,x,voice,0,8,5,6,0,,,,,,0", "B2,Bea,x,voice,0,24,5,1,0,,,08:00-09:00,,,0",
      "C3,Cai,x,voice,0,24,5,2,0,,,12:00-13:00,mon,,9"]),
]


@pytest.mark.parametrize("shifts, people", TINY_CASES)
@pytest.mark.parametrize("open_cost", [3.0, 50.0])
def test_program_matches_brute_force(tmp_path, shifts, people, open_cost):
    roster = tiny_roster(tmp_path, shifts)
    path = agents_file(tmp_path, people)
    plan = build_plan(read_roster(roster), load_agents(path), None, Weights(open_shift=open_cost))
    solved = solve_plan(plan, by_week=False)
    assert solved.optimal
    assert solved.objective == pytest.approx(_brute_force(plan), abs=1e-6)
    a = assign(roster, path, open_cost=open_cost)
    assert check_assignment(a.schedule, a.plan.roster, a.plan.agents, a.plan.start_date, a.plan.n_days,
                            a.open) == []
    assert objective_parts(a.plan, a.solved.works)["total"] == pytest.approx(solved.objective, abs=1e-6)


@pytest.mark.parametrize("case", range(8))
def test_random_tiny_cases_match_brute_force(tmp_path, case):
    """Random small rosters and people (seeded): the program's optimum equals brute force's."""
    from staffsim.rng import stream

    rng = stream(19, case, "people-brute-force")
    shifts = []
    for _ in range(int(rng.integers(3, 5))):
        start = int(rng.choice([6, 8, 12, 14]))
        shifts.append(("phones", int(rng.integers(1, 4)), start, start + int(rng.choice([6, 8])), 1, ""))
    people = []
    for i in range(3):
        hmax = int(rng.choice([8, 14, 16, 24]))
        avail = rng.choice(["", "mon-wed 06:00-16:00", "mon-tue 12:00-22:00; wed 06:00-22:00"])
        leave = rng.choice(["", "2026-03-03"])
        band = rng.choice(["", "06:00-08:00", "12:00-14:00"])
        wish = rng.choice(["", "mon", "wed"])
        people.append(f"P{i},N{i},x,voice,{int(rng.choice([0, 6]))},{hmax},{int(rng.integers(1, 4))},"
                      f"{int(rng.integers(1, 3))},0,{avail},{leave},{band},{wish},,{int(rng.integers(0, 10))}")
    roster = tiny_roster(tmp_path, shifts)
    path = agents_file(tmp_path, people)
    try:
        plan = build_plan(read_roster(roster), load_agents(path), None, Weights(open_shift=7.0))
    except InputError as exc:  # a drawn contract no shift combination reaches: said, not solved
        assert "cannot be reached" in str(exc)
        return
    solved = solve_plan(plan, by_week=False)
    assert solved.optimal
    assert solved.objective == pytest.approx(_brute_force(plan), abs=1e-6)
    a = assign(roster, path, open_cost=7.0)
    assert check_assignment(a.schedule, a.plan.roster, a.plan.agents, a.plan.start_date, a.plan.n_days,
                            a.open) == []


def test_days_off_together_and_week_rules(tmp_path):
    # one person, a week of 8 h shifts, five days a week with two consecutive days off
    roster = tiny_roster(tmp_path, [("phones", d, 8, 16, 1, "") for d in range(1, 8)], days=7)
    path = agents_file(tmp_path, ["A1,Ana,x,voice,40,40,5,6,2,,,,,,0"])
    a = assign(roster, path, weeks=2, open_cost=5)
    assert check_assignment(a.schedule, a.plan.roster, a.plan.agents, a.plan.start_date, 14, a.open,
                            allow_short=False) == []
    for lo in (0, 7):
        worked = {(dt.date.fromisoformat(d) - dt.date(2026, 3, 2)).days for d in a.schedule["date"]}
        off = [d not in worked for d in range(lo, lo + 7)]
        assert sum(not o for o in off) == 5
        assert any(off[j] and off[j + 1] for j in range(6))


# ------------------------------------------------------------------ cannot staff
def test_only_person_with_the_skill_on_leave_cannot_staff(tmp_path):
    roster = tiny_roster(tmp_path, [("phones", d, 8, 16, 1, "") for d in (1, 2, 3)] +
                         [("claims", d, 9, 17, 1, "") for d in (1, 2, 3)],
                         channels=("voice", "claims"), teams={"phones": ["voice"], "claims": ["claims"]})
    path = agents_file(tmp_path, ["A1,Ana,x,voice;claims,0,40,5,6,0,,2026-03-03,,,,0",
                                  "B2,Bea,x,voice,0,40,5,6,0,,,,,,0", "C3,Cai,x,voice,0,40,5,6,0,,,,,,0"])
    with pytest.raises(InputError) as err:
        assign(roster, path)
    msg = str(err.value)
    assert "cannot staff Tue 2026-03-03 claims t8 09:00-17:00" in msg and "--open-cost" in msg
    assert "1 people have the skill claims; on leave: A1" in msg
    assert "Mon" not in msg and "Wed" not in msg  # only the day with the expert away
    a = assign(roster, path, open_cost=100)
    assert list(a.open["shift"]) == ["Tue 2026-03-03 claims t8 09:00-17:00"]


# ------------------------------------------------------------------ the worked example
def example_assignment(shared_results):
    """The worked example's 4-week assignment, solved once per test session (tests/test_docs.py
    runs docs/people.md's Python, which makes the same call)."""
    from shared_results import file_digest

    # a time limit with room on a busy shared machine (idle, it takes seconds): the solve must end
    # at the optimum of every week, not at the limit (see _reusing)
    key = (file_digest(EXAMPLE / "roster"), file_digest(EXAMPLE / "agents.csv"), 4, 300.0)
    return shared_results.get("people-example", key, lambda: assign(
        EXAMPLE / "roster", EXAMPLE / "agents.csv", weeks=4, time_limit=300.0))


@pytest.fixture(scope="module")
def example(tmp_path_factory, shared_results):
    out = tmp_path_factory.mktemp("assign") / "out"
    a = example_assignment(shared_results)
    a.write(out)
    return a, out


def test_example_respects_every_rule(example):
    a, _ = example
    assert len(a.open) == 0
    assert check_assignment(a.schedule, a.plan.roster, a.plan.agents, a.plan.start_date, 28, a.open,
                            allow_short=False) == []
    parts = objective_parts(a.plan, a.solved.works)
    assert parts["total"] == pytest.approx(a.solved.objective)
    # solved week by week: not claimed optimal, but bounded by the whole period's LP relaxation
    assert not a.solved.optimal and "week by week" in a.solved.status
    assert a.solved.dual_bound <= a.solved.objective + 1e-6


def test_ics_files_hold_exactly_the_shifts_and_breaks(example):
    icalendar = pytest.importorskip("icalendar")
    from zoneinfo import ZoneInfo

    a, out = example
    tz = ZoneInfo("Europe/Madrid")
    for person in a.plan.people:
        cal = icalendar.Calendar.from_ical((out / "agents" / f"{person.id}.ics").read_bytes())
        assert [str(c["TZID"]) for c in cal.walk("VTIMEZONE")] == ["Europe/Madrid"]
        got = set()
        for ev in cal.walk("VEVENT"):
            start, end = ev["DTSTART"].dt, ev["DTEND"].dt
            assert start.utcoffset() == start.replace(tzinfo=None).replace(tzinfo=tz).utcoffset()
            got.add((str(ev["CATEGORIES"].to_ical().decode()), start.replace(tzinfo=None), end.replace(tzinfo=None)))
        want = set()
        for r in a.schedule[a.schedule["agent_id"] == person.id].itertuples():
            day = dt.datetime.fromisoformat(r.date)
            h0, m0 = map(int, r.start.split(":"))
            h1, m1 = map(int, r.end.split(":"))
            want.add(("SHIFT", day.replace(hour=h0, minute=m0), day.replace(hour=h1, minute=m1)))
            for part in filter(None, r.breaks.split(", ")):
                clock, length = part.split(" (")
                bh, bm = map(int, clock.split(":"))
                b0 = day.replace(hour=bh, minute=bm)
                want.add(("BREAK", b0, b0 + dt.timedelta(minutes=int(length.rstrip("min)")))))
        assert got == want
    # the clocks change on Sunday 29 March 2026: a shift that day is in summer time (+02:00)
    sunday = a.schedule[a.schedule["date"] == "2026-03-29"]
    assert len(sunday)
    cal = icalendar.Calendar.from_ical((out / "agents" / f"{sunday.iloc[0]['agent_id']}.ics").read_bytes())
    ev = next(e for e in cal.walk("VEVENT") if e["DTSTART"].dt.date() == dt.date(2026, 3, 29))
    assert ev["DTSTART"].dt.utcoffset() == dt.timedelta(hours=2)


def test_outputs_people_use(example):
    a, out = example
    for name in ("schedule.csv", "hours.csv", "fairness.csv", "grid.csv", "grid.html", "assignment.xlsx",
                 "summary.json", "people_week1.yaml", "people_week4.yaml"):
        assert (out / name).exists(), name
    grid = pd.read_csv(out / "grid.csv", dtype=str, keep_default_na=False)
    assert len(grid) == len(a.plan.people)
    hours = pd.read_csv(out / "hours.csv")
    assert (hours["hours"] <= hours["week_hours_max"] + 1e-9).all()
    sheets = pd.read_excel(out / "assignment.xlsx", sheet_name=None)
    assert {"phones", "web", "claims", "grid"} <= set(sheets)
    # leave shows as LV in the grid on each day of approved time off
    for p in a.plan.people:
        row = grid[grid["agent_id"] == p.id].iloc[0]
        for d in range(28):
            date = a.plan.date(d)
            col = f"{date.strftime('%a')} {date.strftime('%m-%d')}"
            assert (row[col] == "LV") == p.on_leave(date)


def _call(*args, **kwargs) -> dict:
    """An assign call's arguments, defaults filled in, paths resolved, no weights = the default
    weights (to recognise the same call made twice)."""
    import inspect

    bound = inspect.signature(assign).bind(*args, **kwargs)
    bound.apply_defaults()
    call = dict(bound.arguments)
    for key in ("roster", "agents"):
        if isinstance(call[key], (str, Path)):
            call[key] = Path(call[key]).resolve()
    call["weights"] = call["weights"] or Weights()
    return call


def _reusing(example_assignment, real=assign):
    """``assign``, except that the worked example's 4-week call (the module fixture's) returns the
    fixture's assignment instead of solving it again: the page's CLI command and its benchmark
    make that same call. A call differing only in the time limit is the same call when no program
    of the fixture's solve reached its limit (each week solved to optimality; HiGHS is
    deterministic, the limit only stops it)."""
    done = _call(EXAMPLE / "roster", EXAMPLE / "agents.csv", weeks=4, time_limit=300.0)
    within = "limit" not in example_assignment.solved.status.lower()

    def assign_(*args, **kwargs):
        call = _call(*args, **kwargs)
        if call == done or (within and {**call, "time_limit": done["time_limit"]} == done):
            return example_assignment
        return real(*args, **kwargs)

    return assign_


def test_commands_of_the_docs_page_run(example, tmp_path, capsys, monkeypatch):
    """Every command quoted in docs/people.md, with out/ in a temporary directory. The python
    scripts run in this process (as ``python script.py`` would: ``__main__``, its argv), and the
    worked example's 4-week assignment, which two of the commands make (``staffsim assign --weeks
    4`` and the benchmark), is the module fixture's: the same call, not solved twice more."""
    import re
    import runpy
    import sys

    import staffsim.people.assignment
    from staffsim.cli.main import main

    monkeypatch.setattr(staffsim.people.assignment, "assign", _reusing(example[0]))
    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "people.md").read_text()
    commands = re.findall(r"^\$ (.+)$", page, flags=re.MULTILINE)
    assert len(commands) == 5
    for command in commands:
        words = [w.replace("out/", f"{tmp_path}/") if w.startswith("out/") else w for w in command.split()]
        if words[0] == "staffsim":
            assert main(words[1:]) == 0, command
        else:
            assert words[0] == "python", command
            monkeypatch.setattr(sys, "argv", words[1:])
            try:
                runpy.run_path(str(ROOT / words[1]), run_name="__main__")
            except SystemExit as stop:
                assert stop.code in (0, None), command
    text = capsys.readouterr().out
    assert "Seats 920, open 0" in text and "Objective weights: open_shift None" in text
    assert (tmp_path / "people" / "agents" / "A01.ics").exists()
    assert (tmp_path / "people-sim" / "team_kpis.csv").exists()
    for name in ("agents.csv", "forecast.csv", "roster/shifts.csv"):  # the script remakes the example
        assert (tmp_path / "example" / name).read_text() == (EXAMPLE / name).read_text(), name


# ------------------------------------------------------------------ simulating the people
def test_experts_away_lower_the_simulated_service_level(tmp_path):
    from staffsim.experiment import simulate
    from staffsim.people.simulate import block_scenarios
    from staffsim.scenarios.loader import scenario_from_dict

    roster = tiny_roster(tmp_path, [("phones", 1, 8, 16, 3, "")], days=1)
    team = ["N1,Nia,x,voice:1.4,0,40,5,6,0,,,,,,0", "N2,Noa,x,voice:1.4,0,40,5,6,0,,,,,,0",
            "N3,Ned,x,voice:1.4,0,40,5,6,0,,,,,,0"]
    experts = ["E1,Eva,x,voice:0.6,0,40,5,6,0,,{},,,,9", "E2,Eli,x,voice:0.6,0,40,5,6,0,,{},,,,9",
               "E3,Edu,x,voice:0.6,0,40,5,6,0,,{},,,,9"]
    levels = []
    for leave in ("", "2026-03-02"):
        # the experts' day, then the same day with the experts on leave and others in their seats
        people = [e.format(leave) for e in experts] + (team if leave else [])
        path = agents_file(tmp_path, people, name=f"a{leave}.csv")
        a = assign(roster, path, weights=Weights(wish_miss=0, worst_wish_rate=0, weekend_spread=0, evening_spread=0))
        groups = set(a.schedule["agent_id"])
        assert groups == ({"E1", "E2", "E3"} if not leave else {"N1", "N2", "N3"})
        data = block_scenarios(a)["people_part1.yaml"]
        sc = scenario_from_dict(data, source="people", base_dir=roster)
        res = simulate(sc, replications=20, seed=5, jobs=1)
        s = res.summary()
        row = s[s["channel"] == "voice"].iloc[0]
        levels.append((row["service_level"], row["service_level_ci"]))
    (present, ci1), (away, ci2) = levels
    assert present - away > ci1 + ci2


def test_example_people_week_runs_and_example_files_are_reproduced(example, capsys):
    import importlib.util

    from staffsim.cli.main import main

    _, out = example
    assert main(["run", str(out / "people_week1.yaml"), "-n", "1", "--no-progress"]) == 0
    assert "phones @0.85" in capsys.readouterr().out
    spec = importlib.util.spec_from_file_location("make_example", EXAMPLE / "make_example.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shipped = pd.read_csv(EXAMPLE / "agents.csv", dtype=str, keep_default_na=False)
    made = mod.agents().astype(str)
    assert shipped.equals(made)
    forecast = pd.read_csv(EXAMPLE / "forecast.csv")
    assert len(forecast) == len(mod.forecast())
    from staffsim.scenarios.loader import load_scenario
    from staffsim.scheduling.rules import load_rules

    assert set(load_rules(EXAMPLE / "rules.yaml").spec.teams) == {"phones", "web", "claims"}
    assert load_scenario(EXAMPLE / "center.yaml").spec.horizon.days == 7


def test_agent_kpis_add_up_to_the_contacts_handled(tmp_path):
    """Per person, busy time comes from the engine's audit recorder; for voice (one contact at a
    time) the busy time of a group's people is exactly the handle time of the contacts the
    group answered (the contact log of the same replication)."""
    from staffsim.experiment import simulate
    from staffsim.people.kpis import simulate_people
    from staffsim.people.simulate import block_scenarios
    from staffsim.scenarios.loader import scenario_from_dict

    roster = tiny_roster(tmp_path, [("phones", 1, 8, 16, 2, "11:00 (15min)"), ("phones", 1, 12, 20, 2, "15:00 (30min)")],
                         days=1)
    people = [f"P{i},N{i},x,voice:{f},0,40,5,6,0,,,,,,0" for i, f in enumerate((0.8, 1.0, 1.2, 1.0))]
    a = assign(roster, agents_file(tmp_path, people))
    sim = simulate_people(a, replications=1, seed=3)
    days = sim.days
    assert len(days) == 4 and days["present"].all()
    assert (days["breaks_taken"] == days["breaks_scheduled"]).all()
    assert (days["break_late_mean_s"] >= 0).all() and (days["overtime_s"] >= 0).all()
    assert ((days["occupancy"] >= 0) & (days["occupancy"] <= 1)).all()
    assert (days["longest_busy_s"] <= days["busy_s"] + 1e-9).all()
    data = block_scenarios(a)["people_part1.yaml"]
    log = simulate(scenario_from_dict(data, source="t", base_dir=roster), replications=1, seed=3, jobs=1,
                   contacts=True, progress=False).contacts
    served = log[log["answered"]].groupby("group")["handle_s"].sum()
    busy = days.groupby("group")["busy_s"].sum()
    assert set(busy.index) == set(served.index)
    for group in busy.index:
        assert busy[group] == pytest.approx(served[group], rel=1e-9)
    # logged in = scheduled shift + overtime (nobody absent, logins at the shift start)
    assert days["logged_in_s"].to_numpy() == pytest.approx((8 * 3600 + days["overtime_s"]).to_numpy(), rel=1e-12)


def test_time_limit_with_open_seats_is_not_called_cannot_staff(tmp_path, monkeypatch):
    """A program stopped at its time limit proves nothing about open seats (a busy machine can
    stop it early): the message says so and names --time-limit, instead of 'cannot staff'."""
    import staffsim.people.assign as solver

    real = solver.milp

    def stopped(*args, **kwargs):
        res = real(*args, **kwargs)
        res.status = 1          # as HiGHS reports a time limit reached with an incumbent
        return res

    monkeypatch.setattr(solver, "milp", stopped)
    roster = tiny_roster(tmp_path, [("phones", 1, 8, 16, 2, "")], days=1)
    path = agents_file(tmp_path, ["A1,Ana,x,voice,0,40,5,6,0,,,,,,0"])
    with pytest.raises(InputError) as err:
        assign(roster, path, time_limit=7)
    msg = str(err.value)
    assert "time limit (7 s)" in msg and "--time-limit" in msg and "cannot staff" not in msg


def test_cli_cannot_staff_exits_2_with_the_shift_named(tmp_path, capsys):
    from staffsim.cli.main import main

    roster = tiny_roster(tmp_path, [("phones", 1, 8, 16, 2, "")], days=1)
    path = agents_file(tmp_path, ["A1,Ana,x,voice,0,40,5,6,0,,,,,,0"])
    assert main(["assign", str(roster), "--agents", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cannot staff Mon 2026-03-02 phones t8 08:00-16:00: 1 of 2 seat(s)" in err
    assert "takes another seat of this shift: A1" in err and "Traceback" not in err
    assert main(["assign", str(roster), "--agents", str(path), "--open-cost", "100",
                 "--weight", "evening_spread=10"]) == 0
    out = capsys.readouterr().out
    assert "Seats 2, open 1" in out and "evening_spread 10.0" in out
    assert main(["assign", str(roster), "--agents", str(path), "--weight", "evening=3"]) == 2
    assert "the weights are short_hour" in capsys.readouterr().err


def test_roster_without_dates_needs_a_start_date(tmp_path):
    roster = tiny_roster(tmp_path, [("phones", 1, 8, 16, 1, "")], days=1)
    data = yaml.safe_load((roster / "roster.yaml").read_text())
    del data["horizon"]["start_date"]
    (roster / "roster.yaml").write_text(yaml.safe_dump(data))
    path = agents_file(tmp_path, ["A1,Ana,x,voice,0,40,5,6,0,,,,,,0"])
    with pytest.raises(InputError, match="--start-date"):
        assign(roster, path)
    a = assign(roster, path, start_date=dt.date(2026, 4, 6))
    assert list(a.schedule["date"]) == ["2026-04-06"]


def test_bad_roster_directory_is_named(tmp_path):
    roster = tiny_roster(tmp_path, [("phones", 1, 8, 16, 1, "")], days=1)
    path = agents_file(tmp_path, ["A1,Ana,x,voice,0,40,5,6,0,,,,,,0"])
    (roster / "shifts.csv").write_text("team,template,day,start,end,agents,breaks\nphones,t,9,08:00,16:00,1,\n")
    with pytest.raises(InputError, match=r"shifts.csv: row 2: day: must be from 1 to 1"):
        assign(roster, path)
    (roster / "shifts.csv").unlink()
    with pytest.raises(InputError, match="shifts.csv is missing"):
        assign(roster, path)


def test_ics_lines_fold_at_75_octets_without_splitting_characters():
    from staffsim.people.ical import escape, fold

    line = "DESCRIPTION:" + escape("Muñoz; Peña, Álvarez\nturno de mañana " * 8)
    folded = fold(line)
    parts = folded.split("\r\n")[:-1]
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert "".join([parts[0]] + [p[1:] for p in parts[1:]]) == line
    assert escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
