"""staffsim assign: the roster's shifts given to named people (staffsim/people/)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from staffsim.cli.options import _check_out, _duration, _out_batch
from staffsim.errors import InputError
from staffsim.formatting import format_table


def add_parser(sub) -> None:
    """Register ``staffsim assign``."""
    p = sub.add_parser(
        "assign", help="give a roster's shifts to named people (contracts, leave, wishes, fairness)",
        description="Give every shift of a roster (a directory written by staffsim schedule --out) "
        "to a person of an agents file, by integer programming (HiGHS): skills, contracts, "
        "availability, approved leave, 11 h rest, consecutive days and days off together are "
        "respected; wishes and the fair sharing of weekends and evenings are in the objective. "
        "Writes per-person schedules (CSV, iCalendar), a team grid (CSV, HTML), a workbook and "
        "scenarios that simulate the people.")
    p.add_argument("roster", type=Path, help="roster directory (roster.yaml, shifts.csv)")
    p.add_argument("--agents", type=Path, required=True, help="agents file (.csv, .yaml or .xlsx)")
    p.add_argument("--weeks", type=int, help="weeks to assign, the roster repeated week after week "
                   "(default: the roster's days)")
    p.add_argument("--open-cost", type=float, help="leave seats open at this cost per seat "
                   "(default: every seat must be staffed, else a 'cannot staff' error)")
    p.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE",
                   help="an objective weight: short_hour (100), wish_miss (1), seniority (0.05), "
                   "worst_wish_rate (20), weekend_spread (5), evening_spread (2)")
    p.add_argument("--start-date", help="date of day 1 when the roster's scenario has none (YYYY-MM-DD)")
    p.add_argument("--tz", help="the center's time zone for the .ics files (default: the scenario's "
                   "forecast file's, else UTC)")
    p.add_argument("--rest", type=_duration, default=11 * 3600.0, help="least rest between shifts (default 11h)")
    p.add_argument("--time-limit", type=_duration, default=60.0, help="solver time limit (default 60s)")
    p.add_argument("--simulate", action="store_true", help="simulate the people week by week: "
                   "customers' service and agent KPIs (occupancy, busy stretches, late breaks, overtime)")
    p.add_argument("-n", "--replications", type=int, default=3, help="with --simulate (default 3)")
    p.add_argument("--seed", type=int, help="with --simulate (default: the scenario's)")
    p.add_argument("--out", type=Path, help="write the schedules, grid, calendars and scenarios here")
    p.set_defaults(func=_cmd_assign)


def _weights(items: list[str]):
    """--weight NAME=VALUE flags as :class:`~staffsim.people.plan.Weights`."""
    from staffsim.people.plan import Weights

    names = [n for n in Weights().as_dict() if n != "open_shift"]
    values = {}
    for item in items:
        name, _, value = item.partition("=")
        if name.strip() not in names:
            raise InputError(f"--weight {item}: the weights are {', '.join(names)} (open seats: --open-cost)")
        try:
            x = float(value)
        except ValueError:
            raise InputError(f"--weight {item}: expected NAME=NUMBER, e.g. evening_spread=10") from None
        if not (x >= 0 and x < float("inf")):
            raise InputError(f"--weight {item}: a weight must be a number >= 0")
        values[name.strip()] = x
    return Weights(**values)


def _cmd_assign(args: argparse.Namespace) -> int:
    from staffsim.people.assignment import assign
    from staffsim.people.calendars import FILES, TABLES

    start = None
    if args.start_date:
        try:
            start = dt.date.fromisoformat(args.start_date)
        except ValueError:
            raise InputError(f"--start-date: expected YYYY-MM-DD, got {args.start_date!r}") from None
    if not args.time_limit > 0:
        raise InputError(f"--time-limit: must be a number of seconds > 0, got {args.time_limit:g}")
    if args.out:
        _check_out(args, TABLES + ["agent_kpis", "team_kpis", "service"], FILES)
    if args.tz:
        from staffsim.people.ical import zone

        zone(args.tz)
    from staffsim.progress import heartbeat

    with heartbeat("assign"):  # redirected: a line every 30 s while the solver works
        a = assign(args.roster, args.agents, weeks=args.weeks, open_cost=args.open_cost, start_date=start,
                   rest=args.rest, time_zone=args.tz, time_limit=args.time_limit,
                   weights=_weights(args.weight))
    s = a.summary()
    print(f"Assignment of {args.roster} to {s['people']} people of {args.agents}: {s['days']} days from "
          f"{s['first_date']}; staffsim {s['version']}")
    print(f"Solved in {s['solve_s']:.1f} s: {s['status']}" + ("" if s["optimal"] else " - NOT proven optimal"))
    print(f"Seats {s['seats']}, open {s['seats_open']}; contract hours short {s['short_hours']:g}; "
          f"wishes missed {s['wishes_missed']}, lowest wish score {s['worst_wish_score']:.2f}; largest "
          f"deviation from the fair share: weekends {s['weekend_max_deviation']:.2f}, evenings "
          f"{s['evening_max_deviation']:.2f} shifts")
    print("Objective weights: " + ", ".join(f"{k} {v}" for k, v in s["weights"].items())
          + f"; objective {s['objective']:.2f}")
    if len(a.open):
        print("\nOpen seats (paid for with --open-cost):")
        print(format_table(a.open[["shift", "seats", "seats_open", "reason"]]))
    print("\nPeople (hours against contract over the period, weekend and evening shifts, wishes):")
    f = a.fairness
    print(format_table(f[["agent_id", "name", "team", "contract", "shifts", "hours", "weekend_shifts",
                          "evening_shifts", "wishes_missed", "wish_score"]]))
    sim = None
    if args.simulate:
        from staffsim.people.kpis import simulate_people

        if args.replications < 1:
            raise InputError(f"-n/--replications: must be at least 1, got {args.replications}")
        with heartbeat("assign --simulate"):
            sim = simulate_people(a, replications=args.replications, seed=args.seed)
        print(f"\nSimulated ({sim.replications} replications, seed {sim.seed}): customers per channel and week")
        print(format_table(sim.service[["block", "channel", "offered", "service_level", "asa_s",
                                        "abandon_rate", "occupancy"]]))
        print("\nAgents per team and week (occupancy = busy / available; seconds; overtime in hours):")
        print(format_table(sim.teams))
    if args.out:
        with _out_batch(args, getattr(args, "seed", None)):
            a.write(args.out, people_sim=sim)
        print(f"\nwritten to {args.out}/ (grid.html, agents/<id>.ics; simulate: staffsim run "
              f"{args.out}/people_week1.yaml)")
    return 0
