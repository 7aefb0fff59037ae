"""Shift scheduling: the integer program against brute force, every constraint of returned rosters
checked directly, the roster as a scenario, the closed loop, and bad input."""

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from staffsim import load_scenario, scenario_from_dict, schedule, simulate
from staffsim.cli import main
from staffsim.metrics import slot_labels
from staffsim.requirement import Requirement
from staffsim.scheduling import rules_from_dict

DAY = 86400.0


def clock(text):
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


def small_scenario(start="08:00", end="11:00", slot="30min"):
    n = int((clock(end) - clock(start)) // {"30min": 1800, "15min": 900}[slot])
    return scenario_from_dict({
        "name": "small", "horizon": {"start": start, "end": end, "slot": slot},
        "channels": {"voice": {"volume": [10] * n, "handle_time": "180s",
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
    })


def requirement_of(scenario, agents, group="team"):
    day, labels = slot_labels(scenario)
    agents = np.asarray(agents, np.int64)
    table = pd.DataFrame({"group": group, "day": day, "slot_start": labels, "agents": agents,
                          "erlang_agents": agents})
    return Requirement(scenario=scenario, method="test", table=table)


# ------------------------------------------------------------------ independent checks

def coverage_from_rows(roster, team):
    """Agents on the phones per slot from the roster's shift rows, by interval arithmetic of
    our own (not the library's)."""
    sc = roster.scenario
    h = sc.spec.horizon
    starts = h.slot_starts()
    keep = 1 - roster.rules.spec.teams[team].shrinkage
    on = np.zeros(h.n_slots)
    sched = np.zeros(h.n_slots)
    for r in roster.rows:
        if r.team != team:
            continue
        for k, s in enumerate(starts):
            inside = max(0.0, min(s + h.slot, r.end) - max(s, r.start)) / h.slot
            off = sum(max(0.0, min(s + h.slot, b + ln) - max(s, b)) for b, ln in r.breaks) / h.slot
            sched[k] += r.agents * inside
            on[k] += r.agents * (inside - off) * keep
    return sched, on


def check_roster(roster):
    """Every constraint of the returned roster, checked on the roster itself."""
    spec = roster.rules.spec
    h = roster.scenario.spec.horizon
    for team, rules in spec.teams.items():
        templates = {t.name: t for t in rules.templates}
        rows = [r for r in roster.rows if r.team == team]
        for r in rows:
            t = templates[r.template]
            base = (r.day - 1) * DAY
            assert r.end - r.start == pytest.approx(t.length)
            clk = r.start - base
            assert t.earliest_start - 1e-9 <= clk <= t.latest_start + 1e-9
            step = t.start_step or h.slot
            assert ((clk - t.earliest_start) / step) == pytest.approx(round((clk - t.earliest_start) / step))
            assert base + h.start <= r.start and r.end <= base + h.end
            if t.days:
                assert r.day in t.days
            assert len(r.breaks) == len(t.breaks)
            previous_end = r.start
            for (b, length), rule in zip(r.breaks, t.breaks):
                offset = b - r.start
                assert length == rule.length
                assert rule.earliest - 1e-9 <= offset <= rule.latest + 1e-9, (r, rule)
                bstep = rule.step or h.slot
                assert (offset - rule.earliest) / bstep == pytest.approx(round((offset - rule.earliest) / bstep))
                assert b >= previous_end - 1e-9 and b + length <= r.end + 1e-9  # in order, inside
                previous_end = b + length
        for name, t in templates.items():
            for d in range(1, h.days + 1):
                n = sum(r.agents for r in rows if r.template == name and r.day == d)
                if t.max_agents is not None:
                    assert n <= t.max_agents
                if t.days is None or d in t.days:
                    assert n >= t.min_agents
        if rules.max_part_time_share is not None:
            pt = sum(r.agents for r in rows if templates[r.template].part_time)
            total = sum(r.agents for r in rows)
            assert pt <= rules.max_part_time_share * total + 1e-9
        sched, on = coverage_from_rows(roster, team)
        need = roster.required[team]
        if rules.missing_agent_slot_penalty is None:
            assert np.all(on >= need - 1e-9), np.flatnonzero(on < need - 1e-9)
        cov = roster.coverage[roster.coverage["team"] == team]
        np.testing.assert_allclose(cov["on_phones"].to_numpy(), on, atol=1e-9)
        np.testing.assert_array_equal(cov["scheduled"].to_numpy(), np.round(sched))
        paid = sum(r.agents * (r.end - r.start) / 3600 for r in rows)
        assert roster.shifts.loc[roster.shifts["team"] == team, "paid_hours"].sum() == pytest.approx(paid)
        tours = roster.tours[roster.tours["team"] == team]
        if rules.tours is None:
            assert tours.empty
            for d in range(1, h.days + 1):
                if rules.headcount is not None:
                    assert sum(r.agents for r in rows if r.day == d) <= rules.headcount
        else:
            check_tours(rules, tours, rows, h.days)


def tour_days(text):
    days = []
    for part in text.split(", "):
        lo, _, hi = part.partition("-")
        days += list(range(int(lo), int(hi or lo) + 1))
    return days


def check_tours(rules, tours, rows, n_days):
    """Every tour works its cycle (work_days on, off_days off, repeated from day 1; the days off
    consecutive in the cycle when asked) at one template and start, and together the tours are
    exactly the shifts."""
    work, off = rules.tours.work_days, rules.tours.off_days
    cycle = work + off
    from_tours = {}
    for tour in tours.itertuples():
        days = tour_days(tour.days)
        on = {(d - 1) % cycle for d in days}
        assert len(on) <= work
        assert days == [d for d in range(1, n_days + 1) if (d - 1) % cycle in on]
        if rules.tours.consecutive_off and len(on) == work:  # the days off are one run, maybe
            gaps = set(range(cycle)) - on                      # across the end of the cycle
            assert any({(g + k) % cycle for k in range(off)} == gaps for g in gaps), tour
        for d in days:
            key = (tour.template, d, float(clock(tour.start)))
            from_tours[key] = from_tours.get(key, 0) + tour.agents
    worked = {}
    for r in rows:
        key = (r.template, r.day, r.start - (r.day - 1) * DAY)
        worked[key] = worked.get(key, 0) + r.agents
    assert from_tours == worked
    if rules.headcount is not None:
        assert tours["agents"].sum() <= rules.headcount


# ------------------------------------------------------------------ brute force

def slot_share(starts, slot, lo, hi):
    return np.array([max(0.0, min(a + slot, hi) - max(a, lo)) / slot for a in starts])


def shift_options(scenario, team):
    """Every shift one agent may work, by our own expansion of the templates: (template, start,
    coverage on shift, and one coverage-off-the-phones vector per combination of break starts:
    each agent picks one start for each of its breaks, as a person would)."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    out = []
    for t in team.templates:
        s = t.earliest_start
        while s <= t.latest_start + 1e-9:
            if h.start <= s and s + t.length <= h.end:
                windows = []
                for b in t.breaks:
                    bstep = b.step or h.slot
                    n = math.floor((b.latest - b.earliest) / bstep + 1e-9) + 1
                    windows.append([s + b.earliest + j * bstep for j in range(n)])
                combos = [sum((slot_share(starts, h.slot, b, b + rule.length)
                               for b, rule in zip(combo, t.breaks)), np.zeros(len(starts)))
                          for combo in itertools.product(*windows)]
                out.append((t, s, slot_share(starts, h.slot, s, s + t.length), combos))
            s += t.start_step or h.slot
    return out


def brute_force(scenario, rules, required, bound):
    """Least cost over every roster of the small instance that costs at most ``bound``: every
    shift type with 0, 1, ... agents (as many as ``bound`` pays for) and every way of giving
    those agents their break combinations (a multiset of combinations: the agents' breaks are
    chosen person by person, not per break as in the integer program). Slots are checked as soon
    as every shift type covering them is chosen. inf when no roster within ``bound`` covers."""
    team = rules.spec.teams["team"]
    keep = 1 - team.shrinkage
    rate = team.cost_per_hour
    required = np.asarray(required, float)
    options = shift_options(scenario, team)
    templates = {t.name: t for t in team.templates}
    last = [max([k for k, (_, _, cov, _) in enumerate(options) if cov[j] > 0], default=-1)
            for j in range(len(required))]
    best = [bound + 1e-6]

    def choices(k, budget):
        t, _, cov, combos = options[k]
        price = t.length / 3600 * rate
        x = 0
        while x * price <= budget + 1e-9:
            if t.max_agents is None or x <= t.max_agents:
                for multiset in itertools.combinations_with_replacement(range(len(combos)), x):
                    off = sum((combos[c] for c in multiset), np.zeros(len(required)))
                    yield x, x * price, x * cov - off
            x += 1

    def dfs(k, cost, on, counts):
        if k == len(options):
            total = sum(counts.values())
            pt = sum(n for (name, _), n in counts.items() if templates[name].part_time)
            per_template = {}
            for (name, _), n in counts.items():
                per_template[name] = per_template.get(name, 0) + n
            if any(per_template.get(t.name, 0) < t.min_agents for t in team.templates):
                return
            if any(t.max_agents is not None and per_template.get(t.name, 0) > t.max_agents
                   for t in team.templates):
                return
            if team.max_part_time_share is not None and pt > team.max_part_time_share * total + 1e-9:
                return
            best[0] = min(best[0], cost)
            return
        t, s, _, _ = options[k]
        for x, price, cover in choices(k, best[0] - cost):
            now = on + cover
            done = [j for j in range(len(required)) if last[j] == k]
            if any(now[j] * keep < required[j] - 1e-9 for j in done):
                continue
            dfs(k + 1, cost + price, now, {**counts, (t.name, s): x})

    if any(last[j] < 0 and required[j] > 0 for j in range(len(required))):
        return math.inf
    dfs(0, 0.0, np.zeros(len(required)), {})
    return best[0] if best[0] <= bound + 1e-9 else math.inf


def small_rules(shrinkage, share, max_short, break_length, two_breaks=False):
    breaks = [{"length": break_length, "earliest": "30min", "latest": "1h", "step": "30min"}]
    if two_breaks:  # a 15-minute break in the first half hour, then the other in the second hour
        breaks = [{"length": "15min", "earliest": "0s", "latest": "30min", "step": "30min"},
                  {"length": break_length, "earliest": "1h", "latest": "1.5h", "step": "30min"}]
    return rules_from_dict({"teams": {"team": {
        "cost_per_hour": 10, "shrinkage": shrinkage, "max_part_time_share": share,
        "templates": [
            {"name": "long", "length": "2h", "earliest_start": "08:00", "latest_start": "09:00",
             "start_step": "1h", "breaks": breaks},
            {"name": "short", "length": "1h", "earliest_start": "08:00", "latest_start": "10:00",
             "start_step": "1h", "part_time": True, "max_agents": max_short},
        ]}}})


#: a roster always within reach of the small instance: 4 ceil(r / keep) agents on each 2-hour
#: start, spread evenly over the break combinations (at most half of them off in any slot)
def feasible_bound(required, keep):
    return 2 * 4 * math.ceil(max(required) / keep) * 2 * 10


@settings(max_examples=25, deadline=None)
@given(req=st.lists(st.integers(0, 2), min_size=6, max_size=6),
       shrinkage=st.sampled_from([0.0, 0.1]), share=st.sampled_from([None, 0.5]),
       max_short=st.sampled_from([None, 1]), break_length=st.sampled_from(["30min", "15min"]),
       two_breaks=st.booleans())
def test_milp_equals_brute_force(req, shrinkage, share, max_short, break_length, two_breaks):
    sc = small_scenario()
    rules = small_rules(shrinkage, share, max_short, break_length, two_breaks)
    try:
        roster = schedule(sc, requirement_of(sc, req), rules)
    except ValueError as exc:
        assert re.search("cannot be covered|contradict", str(exc))
        assert math.isinf(brute_force(sc, rules, req, feasible_bound(req, 1 - shrinkage)))
        return
    check_roster(roster)  # a real roster: nothing cheaper than it may exist
    best = brute_force(sc, rules, req, roster.cost)
    assert roster.cost == pytest.approx(best, abs=1e-6)
    assert roster.optimal and roster.gap <= 1e-6
    assert roster.lp_bound <= roster.cost + 1e-6


def test_brute_force_is_not_vacuous():
    """The enumeration finds rosters, tells instances apart (a sharper requirement costs more) and
    gives each agent its own break combination."""
    sc = small_scenario()
    need = [1, 1, 1, 1, 0, 0]
    # 08:00-10:00 one agent: two 1h shifts (20); with no part-time allowed, two 2h shifts at
    # 08:00 whose breaks (08:30 or 09:00) fall apart (40)
    assert brute_force(sc, small_rules(0.0, None, None, "30min"), need, 100) == pytest.approx(20.0)
    assert brute_force(sc, small_rules(0.0, 0.0, None, "30min"), need, 100) == pytest.approx(40.0)
    assert math.isinf(brute_force(sc, small_rules(0.0, 0.0, None, "30min"), need, 39))
    # two breaks (08:00 or 08:30 for 15 min, 09:00 or 09:30 for 30 min): two 08:00 agents with
    # different combinations (08:00 + 09:00, 08:30 + 09:30) keep one on the phones in every slot
    assert brute_force(sc, small_rules(0.0, 0.0, None, "30min", True), need, 100) == pytest.approx(40.0)
    # a slot no template covers: nothing to enumerate
    late = small_scenario(end="11:30")
    assert math.isinf(brute_force(late, small_rules(0.0, None, None, "30min"), [0] * 6 + [1], 100))


# ------------------------------------------------------------------ the shipped examples

@pytest.fixture(scope="module")
def peaky(request):
    root = request.config.rootpath
    return (load_scenario(root / "scenarios" / "peaky_day.yaml"),
            root / "scenarios" / "rules" / "peaky_day.yaml")


@pytest.fixture(scope="module")
def peaky_roster(peaky):
    sc, rules = peaky
    return schedule(sc, "erlang", rules)


def test_peaky_roster_constraints(peaky_roster):
    check_roster(peaky_roster)
    assert peaky_roster.optimal
    assert peaky_roster.cost == pytest.approx(peaky_roster.paid_hours * 31)


def test_week_with_tours_constraints():
    day = [3, 5, 8, 9, 7, 6, 6, 8, 9, 7, 5, 3]
    week = np.concatenate([np.array(day) * f for f in (1.3, 1, 1, 1, 1.1, 0.5, 0.4)]).round()
    sc = scenario_from_dict({
        "name": "week", "horizon": {"start": "08:00", "end": "14:00", "slot": "30min", "days": 7},
        "channels": {"voice": {"volume": week.tolist(), "handle_time": "180s",
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}],
    })
    need = np.concatenate([np.array([1, 2, 2, 3, 2, 1, 1, 2, 3, 3, 2, 1]) * f for f in (2, 1, 1, 1, 2, 1, 0)])
    rules = rules_from_dict({"teams": {"team": {
        "cost_per_hour": 20, "shrinkage": 0.05, "max_part_time_share": 0.5,
        "tours": {"work_days": 5, "off_days": 2},
        "templates": [
            {"name": "long", "length": "5h", "earliest_start": "08:00", "latest_start": "09:00",
             "breaks": [{"length": "30min", "earliest": "2h", "latest": "3h"}]},
            {"name": "short", "length": "3h", "earliest_start": "08:00", "latest_start": "11:00",
             "part_time": True, "breaks": [{"length": "15min", "earliest": "1h", "latest": "2h", "step": "15min"}]},
        ]}}})
    roster = schedule(sc, requirement_of(sc, need.astype(int)), rules)
    check_roster(roster)
    assert roster.gap <= 0.01
    assert roster.optimal
    tours = roster.tours
    assert len(tours) and set(tours["team"]) == {"team"}
    assert all(len(tour_days(t)) == 5 for t in tours["days"])  # the horizon is one cycle


def tour_scenario():
    """Four days of two one-hour slots (08:00-10:00)."""
    return scenario_from_dict({
        "name": "tours", "horizon": {"start": "08:00", "end": "10:00", "slot": "1h", "days": 4},
        "channels": {"voice": {"volume": [10, 10], "handle_time": "180s",
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}]})


def tour_rules(consecutive, headcount=None):
    return rules_from_dict({"teams": {"team": {
        "cost_per_hour": 10, "max_part_time_share": 0.5, "headcount": headcount,
        "tours": {"work_days": 2, "off_days": 2, "consecutive_off": consecutive},
        "templates": [
            {"name": "one", "length": "1h", "earliest_start": "08:00", "latest_start": "09:00",
             "part_time": True},
            {"name": "two", "length": "2h", "earliest_start": "08:00", "latest_start": "08:00"}]}}})


def tours_brute_force(required, consecutive, headcount, bound):
    """Least cost over every multiset of agents (at most ``headcount``, costing at most
    ``bound``), each agent on one template and start and one set of two days of the 4-day cycle:
    two days in a row, Thursday-Monday counted as in a row (the cycle wraps), or any two days."""
    days = [set(c) for c in itertools.combinations(range(4), 2)]
    if consecutive:
        days = [d for d in days if any(d == {k, (k + 1) % 4} for k in range(4))]
    kinds = [("one", 0, False), ("one", 1, False), ("two", 0, True)]  # template, first slot, full
    options = []
    for name, first, full in kinds:
        for on in days:
            cover = np.zeros(8)
            for d in on:
                cover[2 * d + first] = 1
                if full:
                    cover[2 * d + 1] = 1
            hours = len(on) * (2 if full else 1)
            options.append((cover, 10.0 * hours, len(on), len(on) if name == "one" else 0))
    required = np.asarray(required, float)
    best = math.inf
    for n in itertools.count():  # every agent costs at least 20 (two days of one hour)
        if n * 20 > bound + 1e-9 or (headcount is not None and n > headcount):
            break
        for pick in itertools.combinations_with_replacement(range(len(options)), n):
            cost = sum(options[i][1] for i in pick)
            if cost > min(best, bound + 1e-9):
                continue
            cover = sum((options[i][0] for i in pick), np.zeros(8))
            if np.any(cover < required):
                continue
            agent_days = sum(options[i][2] for i in pick)
            if sum(options[i][3] for i in pick) > 0.5 * agent_days + 1e-9:
                continue
            best = cost
    return best


@pytest.mark.parametrize("required,consecutive,headcount", [
    ([1, 1, 0, 0, 0, 0, 1, 1], True, None),   # days 1 and 4: one agent whose days off wrap
    ([1, 0, 0, 0, 0, 0, 1, 0], False, None),
    ([2, 1, 1, 2, 0, 1, 1, 1], True, None),
    ([2, 1, 1, 2, 0, 1, 1, 1], True, 3),
    ([1, 2, 0, 1, 2, 1, 1, 0], False, 4),
])
def test_tours_equal_brute_force(required, consecutive, headcount):
    sc = tour_scenario()
    rules = tour_rules(consecutive, headcount)
    try:
        roster = schedule(sc, requirement_of(sc, required), rules)
    except ValueError as exc:
        assert "cannot be covered" in str(exc) or "contradict" in str(exc)
        assert headcount is not None  # without one, "two" agents cover anything
        assert math.isinf(tours_brute_force(required, consecutive, headcount, math.inf))
        return
    check_roster(roster)
    assert roster.cost == pytest.approx(tours_brute_force(required, consecutive, headcount, roster.cost))
    if required == [1, 1, 0, 0, 0, 0, 1, 1]:  # days 1 and 4, 08:00-10:00: one tour of "two"
        assert roster.cost == pytest.approx(40.0) and list(roster.tours["days"]) == ["1, 4"]


def test_roster_yaml_round_trips_and_simulates_the_scheduled_agents(peaky_roster, tmp_path, capsys):
    out = tmp_path / "roster"
    written = peaky_roster.write(out)
    assert {p.name for p in written} >= {"shifts.csv", "coverage.csv", "roster.yaml", "roster.json"}
    again = load_scenario(out / "roster.yaml", overrides={"absence": 0})
    groups = [g for g in again.spec.agents if g.group == "phones"]
    assert sum(s.agents for s in groups[0].shifts) == int(peaky_roster.shifts["agents"].sum())
    result = simulate(again, replications=1, seed=1)
    sched = result.groups[result.groups["group"] == "phones"]["scheduled"].to_numpy()
    np.testing.assert_allclose(sched, peaky_roster.coverage["scheduled"].to_numpy(), atol=1e-9)
    assert main(["run", str(out / "roster.yaml"), "-n", "2", "--jobs", "1"]) == 0
    capsys.readouterr()


def test_roster_keeps_relative_files_and_other_groups(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rows = ["channel,slot_start,volume,aht_s"] + [f"voice,{8 + k // 2:02d}:{30 * (k % 2):02d},{10 + k},180"
                                                  for k in range(6)]
    (data / "f.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "sc").mkdir()
    scenario = {
        "name": "files", "horizon": {"start": "08:00", "end": "11:00", "slot": "30min"},
        "channels": {"voice": {"volume": {"file": "../data/f.csv"}, "handle_time": "180s",
                               "target": {"service_level": 0.8, "threshold": "20s"}},
                     "email": {"volume": [5] * 6, "handle_time": "300s",
                               "target": {"service_level": 0.9, "threshold": "4h"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"},
                   {"group": "back", "skills": ["email"], "staffing": "plan"}],
    }
    (tmp_path / "sc" / "s.yaml").write_text(yaml.safe_dump(scenario))
    sc = load_scenario(tmp_path / "sc" / "s.yaml")
    rules = small_rules(0.0, None, None, "30min")
    roster = schedule(sc, "erlang", rules)
    roster.write(tmp_path / "out" / "deep")
    again = load_scenario(tmp_path / "out" / "deep" / "roster.yaml")
    np.testing.assert_array_equal(again.volumes["voice"], sc.volumes["voice"])
    back = next(g for g in again.spec.agents if g.group == "back")
    assert back.staffing == "plan"
    assert roster.to_scenario().spec.agents[0].shifts


def test_closed_loop_on_the_peaky_example(peaky, shared_results):
    sc, rules = peaky
    # the loop of `staffsim schedule scenarios/peaky_day.yaml --verify` (its 60 s solver limit),
    # which test_verify_honest.py and docs/tutorials/roster.md run too: once per session
    from shared_results import sharing

    roster = sharing(shared_results, schedule, "staffsim.scheduling.schedule")(
        sc, "erlang", rules, verify=True, rounds=5, replications=20, seed=7, time_limit=60.0)
    v = roster.verification
    first, last = v.results[0], v.results[-1]

    def missing(result):
        s = result.slots
        t = sc.channel("voice").target
        sl = s["service_level"] + s["service_level_ci"] < t.service_level
        ab = s["abandon_rate"] - s["abandon_rate_ci"] > t.max_abandon
        return int((sl | ab).sum())

    assert missing(first) > 0, "the Erlang-requirement roster misses some slot in simulation"
    assert missing(last) == 0 and v.converged
    assert v.rounds["slots_missing"].iloc[0] == missing(first)
    assert v.rounds["paid_hours"].iloc[-1] >= v.rounds["paid_hours"].iloc[0]
    assert len(v.rounds) >= 2
    check_roster(roster)
    # common random numbers: every round simulates the same seed
    assert {r.seed for r in v.results} == {7} and {r.replications for r in v.results} == {20}


def test_cli_schedule_prints_and_writes(peaky, tmp_path, capsys):
    sc, rules = peaky
    code = main(["schedule", str(sc.source), "--rules", str(rules), "--out", str(tmp_path / "o"), "--plot"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "proven optimal" in out and "Shifts" in out and "Coverage per team" in out
    assert (tmp_path / "o" / "coverage.png").stat().st_size > 10_000
    shifts = pd.read_csv(tmp_path / "o" / "shifts.csv")
    assert int(shifts["agents"].sum()) > 0


def test_requirement_from_csv(peaky, tmp_path, peaky_roster):
    sc, rules = peaky
    peaky_roster.requirement.write(tmp_path)
    again = schedule(sc, tmp_path / "requirement.csv", rules)
    assert again.cost == pytest.approx(peaky_roster.cost)


def test_soft_coverage_pays_the_penalty():
    sc = small_scenario()
    rules = rules_from_dict({"teams": {"team": {
        "cost_per_hour": 10, "missing_agent_slot_penalty": 5,
        "templates": [{"name": "long", "length": "2h", "earliest_start": "08:00", "latest_start": "09:00",
                       "start_step": "1h"}]}}})
    # one lone agent-slot at 10:30 costs 20 (a 2h shift) to cover and 5 to leave short
    roster = schedule(sc, requirement_of(sc, [0, 0, 0, 0, 0, 1]), rules)
    assert roster.paid_hours == 0 and len(roster.short_slots()) == 1
    assert roster.objective == pytest.approx(5)


def soft_rules(penalty):
    return rules_from_dict({"teams": {"team": {
        "cost_per_hour": 10, "missing_agent_slot_penalty": penalty,
        "templates": [{"name": "long", "length": "2h", "earliest_start": "08:00",
                       "latest_start": "09:00", "start_step": "1h"}]}}})


def test_closed_loop_stops_when_soft_coverage_leaves_the_slots_short():
    """Penalty below any shift's cost: the roster is empty, every slot misses and is already left
    short of its requirement; raising it changes nothing, so the loop stops after one round
    instead of simulating the same roster on the same customers again."""
    sc = small_scenario()
    roster = schedule(sc, requirement_of(sc, [2] * 6), soft_rules(0.5), verify=True, rounds=4,
                      replications=2, seed=3)
    v = roster.verification
    assert roster.paid_hours == 0 and len(v.rounds) == 1 and not v.converged
    assert v.stopped and "soft coverage" in v.stopped and "missing_agent_slot_penalty" in v.stopped


def test_closed_loop_stops_when_the_raised_requirement_gives_the_same_roster():
    """A re-solve that brings back the same shifts (as soft coverage does when the penalty is
    cheaper than another agent) would simulate the same roster on the same customers again: the
    loop stops and says why instead."""
    from staffsim.scheduling.verify import verify

    sc = small_scenario()
    first = schedule(sc, requirement_of(sc, [1, 1, 1, 1, 0, 0]), soft_rules(6))
    assert first.paid_hours == 2  # one agent 08:00-10:00: the calls after 10:00 go unanswered
    asked = []

    def same_shifts(required):
        asked.append(required["team"].copy())
        return first

    roster = verify(first, same_shifts, rounds=4, replications=2, seed=3)
    v = roster.verification
    assert len(asked) == 1 and asked[0][4:].min() >= 1  # the missing slots were raised
    assert len(v.rounds) == 1 and not v.converged and len(v.missing)
    assert v.stopped and "same shifts" in v.stopped


def test_solver_limit_keeps_the_best_roster_with_its_gap(request, capsys):
    root = request.config.rootpath
    code = main(["schedule", str(root / "scenarios" / "peaky_week.yaml"), "--rules",
                 str(root / "scenarios" / "rules" / "peaky_week.yaml"), "--time-limit", "1s"])
    out, err = capsys.readouterr()
    if code == 0:  # a roster was found in time: never silently partial
        assert "NOT proven optimal" in out and "gap" in out
    else:
        assert code == 2 and "no roster within its limit" in err and len(err.strip().splitlines()) == 1


def gap_instance():
    """A day of half hours whose breaks take parts of slots (no rounding of the rows): HiGHS's
    first roster is not its best."""
    sc = scenario_from_dict({
        "name": "gap", "horizon": {"start": "08:00", "end": "20:00", "slot": "30min"},
        "channels": {"voice": {"volume": [10] * 24, "handle_time": "180s",
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "team", "skills": ["voice"], "staffing": "plan"}]})
    t = np.arange(24)
    need = np.round(6 + 5 * np.sin(t / 3.0) + 4 * np.cos(t / 1.7)).clip(1).astype(int)
    rules = rules_from_dict({"teams": {"team": {
        "cost_per_hour": 10, "shrinkage": 0.07, "max_part_time_share": 0.3,
        "templates": [
            {"name": "long", "length": "8h", "earliest_start": "08:00", "latest_start": "12:00",
             "breaks": [{"length": "15min", "earliest": "1.5h", "latest": "3h", "step": "15min"},
                        {"length": "45min", "earliest": "3.5h", "latest": "5h", "step": "15min"}]},
            {"name": "short", "length": "4h", "earliest_start": "08:00", "latest_start": "16:00",
             "part_time": True,
             "breaks": [{"length": "15min", "earliest": "1.5h", "latest": "2.5h", "step": "15min"}]}]}}})
    return sc, requirement_of(sc, need), rules


def test_stopped_early_roster_states_its_gap():
    sc, req, rules = gap_instance()
    best = schedule(sc, req, rules)
    early = schedule(sc, req, rules, mip_gap=0.5)
    assert best.optimal and best.gap <= 1e-6
    assert not early.optimal and 0 < early.gap <= 0.5
    bound = max(early.lp_bound, early.dual_bound)
    assert early.gap == pytest.approx((early.objective - bound) / early.objective)
    assert early.cost > best.cost and bound <= best.cost + 1e-6  # the bound is a true lower bound
    check_roster(early)
    check_roster(best)
    with pytest.raises(ValueError, match="found no roster within its limit"):
        schedule(sc, req, rules, node_limit=0)


def test_cli_states_a_roster_not_proven_optimal(tmp_path, capsys):
    sc, req, rules = gap_instance()
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(sc.raw))
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(rules.raw))
    req.write(tmp_path)
    code = main(["schedule", str(tmp_path / "s.yaml"), "--rules", str(tmp_path / "r.yaml"),
                 "--requirement", str(tmp_path / "requirement.csv"), "--mip-gap", "0.5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "NOT proven optimal" in out and "gap" in out


# ------------------------------------------------------------------ bad input

def write_rules(tmp_path, team):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"teams": team}))
    return str(path)


FULL = {"name": "full", "length": "8h", "earliest_start": "08:00", "latest_start": "12:00",
        "breaks": [{"length": "30min", "earliest": "3h", "latest": "5h"}]}


@pytest.mark.parametrize("team,match", [
    ({"phones": {"templates": [dict(FULL, earliest_start="10:00")]}},
     r"cannot be covered in \d+ slot\(s\): 08:00 \(required \d+; no template of the team covers this slot\)"),
    ({"phones": {"templates": [dict(FULL, max_agents=3), dict(FULL, name="late", earliest_start="12:00",
                                                               latest_start="12:00", max_agents=3)]}},
     r"cannot be covered .*at most [\d.]+ agents on the phones there: the max_agents of full"),
    ({"phones": {"templates": [dict(FULL, breaks=[{"length": "30min", "earliest": "7h", "latest": "465min"}])]}},
     r"templates.0: breaks.0: a break starting as late as 7.75h .* ends after the 8h shift"),
    ({"callers": {"templates": [FULL]}}, r"teams.callers: not a group of the scenario .*groups: phones"),
    ({"phones": {"templates": [dict(FULL, length="490min")]}}, r"templates.0 \(full\).length: 490min is not a whole number"),
    ({"phones": {"templates": [dict(FULL, earliest_start="08:05")]}}, r"earliest_start: 08:05 is not on the slot grid"),
    ({"phones": {"templates": [dict(FULL, earliest_start="13:00", latest_start="15:00")]}},
     r"never fits the opening hours \(08:00-20:00\)"),
    ({"phones": {"templates": [dict(FULL, min_agents=5)], "headcount": 3}}, r"limits contradict each other"),
    ({"phones": {"templates": [FULL], "headcount": 3}},
     r"cannot be covered .*at most [\d.]+ agents on the phones there: the headcount \(3\)\)"),
    ({"phones": {"templates": [dict(FULL, colour="red")]}}, r"unknown field 'colour'"),
])
def test_bad_rules_exit_2_with_one_message(team, match, tmp_path, capsys, peaky):
    sc, _ = peaky
    rules = write_rules(tmp_path, team)
    code = main(["schedule", str(sc.source), "--rules", rules])
    out, err = capsys.readouterr()
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert rules in err
    assert re.search(match, err), err


def test_diagnosis_cut_short_by_the_time_limit_says_so(peaky):
    """No roster (a headcount of 3), and the diagnosis gets no time: the message must not claim
    that the limits contradict each other (they do not: coverage relaxed, 3 agents are fine)."""
    sc, _ = peaky
    rules = rules_from_dict({"teams": {"phones": {"templates": [FULL], "headcount": 3}}})
    with pytest.raises(ValueError) as info:
        schedule(sc, "erlang", rules, time_limit=1e-9)
    text = str(info.value)
    assert "contradict" not in text and "came before it could tell which slots" in text


def test_cli_flags(capsys, peaky, tmp_path):
    sc, rules = peaky
    assert main(["schedule", str(sc.source), "--rules", str(rules), "--plot"]) == 2
    assert "--plot needs --out" in capsys.readouterr().err
    assert main(["schedule", str(sc.source), "--rules", str(rules), "--requirement", "magic"]) == 2
    assert "--requirement: choose one of" in capsys.readouterr().err  # the flag typed
    assert main(["schedule", str(sc.source), "--rules", str(tmp_path / "none.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["schedule", str(sc.source), "--rules", str(rules), "--verify", "-n", "1"]) == 2
    assert "at least 2 replications" in capsys.readouterr().err


def test_closed_loop_stops_when_the_rules_cannot_carry_more(peaky):
    """A headcount the first roster already uses up: the loop keeps the simulated roster, says
    why it stopped and lists the slots still missing."""
    sc, rules_path = peaky
    data = yaml.safe_load(rules_path.read_text())
    first = schedule(sc, "erlang", rules_path)
    data["teams"]["phones"]["headcount"] = int(first.shifts["agents"].sum())
    roster = schedule(sc, "erlang", rules_from_dict(data), verify=True, rounds=3, replications=20, seed=7)
    v = roster.verification
    assert v.stopped and "cannot be rostered" in v.stopped and "cannot be covered" in v.stopped
    assert not v.converged and len(v.rounds) == 1
    assert len(v.missing) and all(f"{m.slot_start} voice {m.kpi}" in v.rounds["missed"].iloc[0]
                                  for m in v.missing.itertuples())
    assert roster.cost == pytest.approx(first.cost)  # the headcount does not bind the first roster
