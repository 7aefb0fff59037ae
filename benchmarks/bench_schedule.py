"""Shift scheduling: how fast the integer program solves, and how close to its bound.

Run: python benchmarks/bench_schedule.py   (prints figures; nothing is asserted). Wall time and
this process's CPU time: on a shared machine the wall time includes waiting for a core.

(a) one day, 08:00-20:00 in 15-minute slots (scenarios/peaky_day.yaml, Erlang requirement):
    three shift lengths (8 h, 6 h, 4 h) starting every 15 minutes, two breaks each, part-time
    share at most 60%; solved to proven optimality (relative gap 0).
(b) a week with tours (scenarios/peaky_week.yaml): 5 days on, 2 consecutive days off, the same
    template and start on every day worked; the shipped rules (starts every 30 minutes), then
    the same rules with starts every 15 minutes. Each solve stops at 1% of the bound or 60 s,
    then again to proven optimality.
(c) three independent teams over the week (three copies of the hotline, each its own channel and
    tours): solved as three components, against one team's week (goal: within 4.5x).
(d) a 2-week tour horizon (the week twice, tours repeating over 14 days): to 2% of the bound
    within 120 s, then to proven optimality within 300 s, the gap stated.
(e) the two-site example (scenarios/two_sites.yaml): several teams per channel, least cost then
    the fewest people.
(f) part-timers mixing long and short days (scenarios/rules/peaky_week_mixed.yaml): the shipped
    rules (starts on the hour), the same without mixing, and with mixing and 30-minute starts.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import yaml

from staffsim import load_scenario, scenario_from_dict
from staffsim.requirement import requirement
from staffsim.scheduling import load_rules, milp, rules_from_dict
from staffsim.scheduling.candidates import build_problem

ROOT = Path(__file__).resolve().parents[1]

DAY_RULES = {"teams": {"phones": {
    "cost_per_hour": 31, "shrinkage": 0.05, "max_part_time_share": 0.6,
    "templates": [
        {"name": "full 8h", "length": "8h", "earliest_start": "08:00", "latest_start": "12:00",
         "breaks": [{"length": "15min", "earliest": "1.5h", "latest": "3h"},
                    {"length": "30min", "earliest": "3.5h", "latest": "5h"}]},
        {"name": "part 6h", "length": "6h", "earliest_start": "08:00", "latest_start": "14:00",
         "part_time": True,
         "breaks": [{"length": "15min", "earliest": "1h", "latest": "2.5h"},
                    {"length": "15min", "earliest": "3h", "latest": "4.5h"}]},
        {"name": "peak 4h", "length": "4h", "earliest_start": "08:00", "latest_start": "16:00",
         "part_time": True,
         "breaks": [{"length": "15min", "earliest": "1h", "latest": "1.5h"},
                    {"length": "15min", "earliest": "2h", "latest": "3h"}]},
    ]}}}


def size(problem) -> str:
    lay = milp.layout(problem)
    return (f"{len(problem.shifts)} shift types, {lay.n_w} break-placement variables, "
            f"{len(problem.tours)} tours")


def run(label: str, scenario, rules, **kw) -> None:
    problem = build_problem(scenario, rules, requirement(scenario).agents())
    began, cpu = time.perf_counter(), time.process_time()
    s = milp.solve(problem, **kw)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{label}: {size(problem)}")
    print(f"    {wall:6.2f} s wall ({cpu:.2f} s CPU)  cost {s.objective:,.0f}  LP bound {s.lp_bound:,.1f}  best bound "
          f"{max(s.lp_bound, s.dual_bound):,.1f}  gap {s.gap:.3%}  "
          f"{'proven optimal' if s.optimal else 'stopped: ' + s.status}")


def week_copies(k: int, days: int = 7):
    """The peaky week with ``k`` independent teams (each its own copy of the voice channel and the
    shipped tour rules), over ``days`` days (the week repeated)."""
    week = load_scenario(ROOT / "scenarios" / "peaky_week.yaml")
    shipped = yaml.safe_load((ROOT / "scenarios" / "rules" / "peaky_week.yaml").read_text())
    vol = week.volumes["voice"]
    vol = list(map(float, (vol.tolist() * (days // 7))))
    raw = {"name": f"{k} teams", "horizon": {"start": "08:00", "end": "20:00", "slot": "15min", "days": days},
           "channels": {}, "agents": []}
    rules = {"teams": {}}
    for j in range(k):
        c = f"voice{j + 1}"
        raw["channels"][c] = {"volume": vol, "handle_time": {"dist": "lognormal", "mean": "240s", "cv": 0.8},
                              "patience": {"dist": "weibull", "mean": "180s", "shape": 0.6},
                              "target": {"service_level": 0.8, "threshold": "20s", "max_abandon": 0.05}}
        raw["agents"].append({"group": f"team{j + 1}", "skills": [c], "staffing": "plan"})
        rules["teams"][f"team{j + 1}"] = copy.deepcopy(shipped["teams"]["phones"])
    return scenario_from_dict(raw), rules_from_dict(rules)


def timed(label: str, scenario, rules, **kw):
    req = requirement(scenario)
    problem = build_problem(scenario, rules, req.agents(), basis=req.basis,
                            backlog=req.extra.get("backlog_channels", []) if req.basis == "channel" else [])
    began, cpu = time.perf_counter(), time.process_time()
    s = milp.solve(problem, **kw)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{label}: {size(problem)}, {s.components} component(s)")
    print(f"    {wall:6.2f} s wall ({cpu:.2f} s CPU in this process; the solve runs in a child when a "
          f"time limit is set)  objective {s.objective:,.0f}  best bound {max(s.lp_bound, s.dual_bound):,.1f}  "
          f"gap {s.gap:.3%}  {'proven optimal' if s.optimal else 'stopped: ' + s.status}  people {s.people}")
    return wall, s


def main() -> None:
    day = load_scenario(ROOT / "scenarios" / "peaky_day.yaml")
    run("(a) one day, 3 lengths x 15-min starts x 2 breaks", day, rules_from_dict(DAY_RULES))
    week = load_scenario(ROOT / "scenarios" / "peaky_week.yaml")
    shipped = yaml.safe_load((ROOT / "scenarios" / "rules" / "peaky_week.yaml").read_text())
    fine = copy.deepcopy(shipped)
    for t in fine["teams"]["phones"]["templates"]:
        t.pop("start_step", None)
    for label, data in (("(b) week with tours, 30-min starts", shipped),
                        ("(b) week with tours, 15-min starts", fine)):
        rules = rules_from_dict(data)
        run(f"{label}, to 1%", week, rules, mip_gap=0.01, time_limit=60)
        run(f"{label}, to optimality", week, rules, time_limit=300)
    one, _ = timed("(c) one team's week (tours)", *week_copies(1), time_limit=300)
    three, _ = timed("(c) three independent teams' week (tours)", *week_copies(3), time_limit=300)
    print(f"    three teams / one team: {three / one:.2f}x (goal: within 4.5x)")
    sc14, rules14 = week_copies(1, 14)
    timed("(d) 2-week tour horizon, to 2%", sc14, rules14, mip_gap=0.02, time_limit=120)
    timed("(d) 2-week tour horizon, to optimality", sc14, rules14, time_limit=300)
    two = load_scenario(ROOT / "scenarios" / "two_sites.yaml")
    two_rules = load_rules(ROOT / "scenarios" / "rules" / "two_sites.yaml")
    timed("(e) two sites, least cost", two, two_rules, time_limit=120, objective="cost")
    timed("(e) two sites, least cost then fewest people", two, two_rules, time_limit=120, objective="people")
    mixed(week)


def mixed(week) -> None:
    """(f): the week with part-timers mixing templates, without mixing, and with finer starts."""
    data = yaml.safe_load((ROOT / "scenarios" / "rules" / "peaky_week_mixed.yaml").read_text())
    timed("(f) week, part-timers mixing 8 h and 5 h days", week, rules_from_dict(data), time_limit=300)
    single = copy.deepcopy(data)
    single["teams"]["phones"]["contracts"]["part-time"]["mix_templates"] = False
    timed("(f) the same, one template a tour", week, rules_from_dict(single), time_limit=300)
    fine = copy.deepcopy(data)
    for t in fine["teams"]["phones"]["templates"]:
        t["start_step"] = "30min"
    timed("(f) mixing, 30-min starts", week, rules_from_dict(fine), time_limit=300)


if __name__ == "__main__":
    main()
