"""What people read: one schedule per person (CSV and iCalendar), a workbook with a sheet per
team, the team grid (CSV and an HTML page), hours against contract, fairness and wishes, and the
scenarios that simulate the people. Written all or nothing."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from staffsim.io import dumps, frame_to_csv, output_batch, write_text, write_workbook
from staffsim.people.ical import calendar_text
from staffsim.people.simulate import block_scenarios

TABLES = ["schedule", "open", "hours", "fairness", "grid"]
FILES = ["summary.json", "grid.html", "assignment.xlsx"]


def file_stem(agent_id: str) -> str:
    """A person's id as a safe file name."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", agent_id) or "_"


def agent_events(assignment: Any, p: int) -> list[dict]:
    """The person's shifts and breaks as calendar events (naive local datetimes)."""
    plan = assignment.plan
    a = plan.people[p]
    events = []
    for k in sorted(assignment.solved.works[p], key=lambda j: (plan.kinds[j].pday, plan.kinds[j].start)):
        kk = plan.kinds[k]
        day = dt.datetime.combine(kk.date, dt.time())
        uid = f"{file_stem(a.id)}-{kk.date:%Y%m%d}-{int(kk.start)}"
        breaks = assignment.breaks_of(p, k)
        text = ", ".join(f"{(day + dt.timedelta(seconds=s)):%H:%M} ({round(n / 60)}min)" for s, n in breaks)
        events.append({"uid": f"{uid}@staffsim", "start": day + dt.timedelta(seconds=kk.start),
                       "end": day + dt.timedelta(seconds=kk.end),
                       "summary": f"Shift {kk.team} ({kk.template})",
                       "description": f"{a.label}: {kk.team}, {kk.template}; breaks: {text or 'none'}",
                       "categories": "SHIFT"})
        for i, (s, n) in enumerate(breaks):
            events.append({"uid": f"{uid}-break{i + 1}@staffsim", "start": day + dt.timedelta(seconds=s),
                           "end": day + dt.timedelta(seconds=s + n), "summary": f"Break ({round(n / 60)}min)",
                           "description": f"{a.label}: break during the {kk.team} shift", "categories": "BREAK"})
    return events


def _kpi_html(people_sim: Any) -> str:
    """The simulated customers' service and the agent-side KPIs per team, as HTML tables."""
    if people_sim is None:
        return ""
    svc = people_sim.service[["block", "channel", "offered", "service_level", "asa_s", "abandon_rate",
                              "occupancy"]]
    teams = people_sim.teams[["block", "agent_team", "shifts", "available_h", "busy_h", "occupancy",
                              "longest_busy_s", "break_late_mean_s", "break_late_max_s", "overtime_h"]]

    shares = {"service_level", "abandon_rate", "occupancy"}

    def cell(column: str, v: Any) -> str:
        if not isinstance(v, float):
            return f"<td>{html.escape(str(v))}</td>"
        text = f"{v:.1%}" if column in shares else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}")
        return f"<td class='num'>{text}</td>"

    def table(df: pd.DataFrame) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
        body = "".join("<tr>" + "".join(cell(c, v) for c, v in zip(df.columns, row)) + "</tr>"
                       for row in df.itertuples(index=False))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    return (f"<h2>Simulated: customers ({people_sim.replications} replications, seed {people_sim.seed})</h2>"
            f"{table(svc)}<h2>Simulated: agents per team</h2>"
            "<p>occupancy = busy (holding a contact) / available (logged in, not on break); longest busy "
            "stretch and break lateness in seconds; overtime = logged in after the shift's end.</p>"
            f"{table(teams)}")


def grid_html(assignment: Any, people_sim: Any = None) -> str:
    """The team grid as a self-contained HTML page (people × days, colour per shift start), with
    the simulated service and agent KPIs when ``people_sim`` is given."""
    grid = assignment.grid
    days = [c for c in grid.columns if c not in ("agent_id", "name", "team", "hours")]
    hours = assignment.hours.groupby("agent_id")[["hours", "hours_owed", "week_hours_max"]].sum()
    s = assignment.summary()

    def cls(code: str) -> str:
        if code == "LV":
            return "lv"
        if code == "-":
            return "off"
        h = int(code[:2])
        return "early" if h < 10 else ("mid" if h < 12 else "late")

    head = "".join(f"<th class='{'we' if d.startswith(('Sat', 'Sun')) else ''}'>{html.escape(d[:3])}<br>"
                   f"{html.escape(d[4:])}</th>" for d in days)
    rows = []
    for team, part in grid.groupby("team", sort=False):
        rows.append(f"<tr class='team'><td colspan='{len(days) + 4}'>{html.escape(str(team) or 'no team')}</td></tr>")
        for r in part.to_dict("records"):
            h = hours.loc[r["agent_id"]]
            cells = "".join(f"<td class='{cls(r[d])}'>{html.escape(r[d])}</td>" for d in days)
            rows.append(f"<tr><td>{html.escape(r['agent_id'])}</td><td class='name'>{html.escape(r['name'])}</td>"
                        f"{cells}<td class='num'>{r['hours']:g}</td>"
                        f"<td class='num'>{h['hours_owed']:.0f}-{h['week_hours_max']:.0f}</td></tr>")
    w = s["weights"]
    weights = ", ".join(f"{k} {v}" for k, v in w.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Team grid - {html.escape(s['first_date'])}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 11px; }}
th, td {{ border: 1px solid #ccc; padding: 2px 4px; text-align: center; white-space: nowrap; }}
th.we {{ background: #eee; }} td.name {{ text-align: left; }} td.num {{ text-align: right; }}
tr.team td {{ background: #334; color: #fff; text-align: left; font-weight: bold; }}
td.early {{ background: #cfe8ff; }} td.mid {{ background: #d9f2d0; }} td.late {{ background: #ffe2b8; }}
td.off {{ color: #aaa; }} td.lv {{ background: #f3c6d0; font-weight: bold; }}
</style></head><body>
<h1>Team grid: {s['people']} people, {s['days']} days from {html.escape(s['first_date'])}</h1>
<p>Seats {s['seats']}, open {s['seats_open']}; contract hours short {s['short_hours']:g};
wishes missed {s['wishes_missed']}, lowest wish score {s['worst_wish_score']:.2f};
largest deviation from the fair share: weekends {s['weekend_max_deviation']:.2f}, evenings
{s['evening_max_deviation']:.2f} shifts. Times in {html.escape(s['time_zone'])}.
Codes: start-end hour; <span style="background:#cfe8ff">early</span>
<span style="background:#d9f2d0">mid-day</span> <span style="background:#ffe2b8">late</span> start,
- off, LV approved leave. Objective weights: {html.escape(weights)}.</p>
<table><thead><tr><th>id</th><th>name</th>{head}<th>hours</th><th>contract (period)</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>{_kpi_html(people_sim)}</body></html>
"""


def write_assignment(assignment: Any, directory: str | Path, csv_dialect: str = "standard",
                     xlsx: bool = True, ics: bool = True, people_sim: Any = None) -> list[Path]:
    """Write, all or nothing: ``schedule.csv``, ``open.csv``, ``hours.csv``, ``fairness.csv``,
    ``grid.csv``, ``grid.html``, ``summary.json``, ``assignment.xlsx`` (a sheet per team, then
    the grid, hours, fairness and open seats), ``agents/<id>.csv`` and ``agents/<id>.ics`` per
    person, and ``people_week<N>.yaml`` (scenarios ``staffsim run`` simulates); with
    ``people_sim`` (:func:`staffsim.people.kpis.simulate_people`) also ``agent_kpis.csv``,
    ``team_kpis.csv`` and ``service.csv``, shown in grid.html."""
    directory = Path(directory)
    a = assignment
    plan = a.plan
    written = []
    with output_batch():
        tables = {"schedule": a.schedule, "open": a.open, "hours": a.hours, "fairness": a.fairness,
                  "grid": a.grid}
        for name, df in tables.items():
            written.append(write_text(directory / f"{name}.csv", frame_to_csv(df, csv_dialect)))
        written.append(write_text(directory / "summary.json", dumps(a.summary())))
        written.append(write_text(directory / "grid.html", grid_html(a, people_sim)))
        if people_sim is not None:
            for name, df in (("agent_kpis", people_sim.agents), ("team_kpis", people_sim.teams),
                             ("service", people_sim.service)):
                written.append(write_text(directory / f"{name}.csv", frame_to_csv(df, csv_dialect)))
        if xlsx:
            sheets: dict[str, pd.DataFrame] = {}
            teams = {p.team for p in plan.people}
            for team in sorted(teams):
                sheets[team or "no team"] = a.schedule[a.schedule["agent_team"] == team]
            sheets.update({"grid": a.grid, "hours": a.hours, "fairness": a.fairness, "open": a.open})
            written.append(write_workbook(directory / "assignment.xlsx", sheets))
        stamp = dt.datetime.combine(plan.start_date, dt.time(), tzinfo=dt.UTC)
        for p, person in enumerate(plan.people):
            stem = file_stem(person.id)
            mine = a.schedule[a.schedule["agent_id"] == person.id]
            written.append(write_text(directory / "agents" / f"{stem}.csv", frame_to_csv(mine, csv_dialect)))
            if ics:
                text = calendar_text(agent_events(a, p), a.time_zone, f"Shifts - {person.label}", stamp)
                written.append(write_text(directory / "agents" / f"{stem}.ics", text))
        for name, data in block_scenarios(a, directory).items():
            header = (f"# People on the roster, by staffsim assign {a.version}: {data['name']}.\n"
                      f"# Run it with: staffsim run {name}\n")
            written.append(write_text(directory / name, header + yaml.safe_dump(
                data, sort_keys=False, allow_unicode=True, width=100)))
    return written

