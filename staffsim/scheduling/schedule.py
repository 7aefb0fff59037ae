"""``schedule()``: from a requirement and rules to a roster, optionally proven in simulation.

Reads the inputs (a scenario, a requirement given as a :class:`Requirement`, a method name or a
CSV file, and rules given as a file or loaded), lays out the candidate shifts
(:mod:`.candidates`), solves the integer program (:mod:`.milp`), builds the :class:`Roster`
(:mod:`.roster`) and, with ``verify=True``, runs the closed loop (:mod:`.verify`). When no roster
exists it says which slots cannot be covered and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from staffsim.errors import InputError
from staffsim.experiment import raise_stopped
from staffsim.requirement import METHODS, Requirement, channel_requirement, read_requirement
from staffsim.requirement import requirement as make_requirement
from staffsim.scenarios.loader import load_scenario
from staffsim.scenarios.scenario import Scenario
from staffsim.scheduling import milp
from staffsim.scheduling.candidates import Demand, Problem, build_problem
from staffsim.scheduling.roster import Roster, roster_from_solution
from staffsim.scheduling.rules import Rules, load_rules, rules_from_dict
from staffsim.scheduling.verify import verify as verify_loop
from staffsim.units import format_clock

#: at most this many slots are named in an "cannot be covered" message
_NAMED = 6


def schedule(
    scenario: Scenario | str | Path,
    requirement: Requirement | str | Path = "erlang",
    rules: Rules | str | Path | dict | None = None,
    *,
    verify: bool = False,
    rounds: int = 5,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    time_limit: float | None = None,
    node_limit: int | None = None,
    mip_gap: float = 0.0,
    progress: Any = False,
    objective: str | None = None,
    verify_rule: str = "interval",
    trim: bool = False,
    check: bool = True,
) -> Roster:
    """The least-cost roster for ``rules`` that covers ``requirement`` in every slot.

    ``requirement``: a :class:`Requirement`, a method of :func:`staffsim.requirement.requirement`
    (``"erlang"``, ``"isa"``) or the path of a requirement CSV. ``rules``: a rules file, plain
    data or :class:`Rules`. ``time_limit`` (seconds) / ``node_limit``: stop the solver there and
    return the best roster found, its gap stated (``roster.optimal`` False); ``mip_gap``: the
    relative gap at which the solver may stop (0: proven optimal). ``verify=True``: simulate the
    roster with ``replications`` and ``seed`` (default: the scenario's), raise the requirement
    where a slot misses its target, solve again, for at most ``rounds`` simulations;
    ``verify_rule`` which misses to act on ("interval": beyond the 95% interval, "mean": of the
    mean), ``trim`` also remove surplus, ``check`` simulate the kept roster on new customers
    (seed + 1) as an out-of-sample check (:mod:`staffsim.scheduling.verify`).
    ``objective``: ``"cost"`` or ``"people"`` (least cost, then at that cost the fewest people);
    default: the rules' ``objective``.

    When a channel is served by several teams the requirement is per channel
    (``requirement.basis == "channel"``) and the program decides how many of each team to roster
    and which team covers what (:mod:`.milp`); backlog channels are then covered cumulatively
    within their threshold, and verify raises (``trim``: and lowers) the channel's requirement
    where it misses (is clear), in agents of standard speed, as for a team; backlog channels are
    not raised or lowered slot by slot.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if rules is None:
        raise InputError("schedule: rules are required (a rules file, e.g. --rules rules.yaml)")
    if isinstance(rules, dict):
        rules = rules_from_dict(rules)
    elif not isinstance(rules, Rules):
        rules = load_rules(rules)
    if objective not in (None, "cost", "people"):
        raise InputError(f"objective: choose cost or people, got {objective!r}")
    if rules.spec.per_channel and isinstance(requirement, str) and requirement == "erlang":
        _check_erlang(scenario)
        req = channel_requirement(scenario)
    else:
        req = _requirement(scenario, requirement, replications, seed, jobs)
    required = req.agents()
    backlog = req.extra.get("backlog_channels", []) if req.basis == "channel" else []
    problem = build_problem(scenario, rules, required, basis=req.basis, backlog=backlog)

    def solve(required_now: dict[str, np.ndarray]) -> Roster:
        rows = [np.asarray(required_now[t], np.int64) for t in problem.keys]
        p = problem.with_required(np.stack(rows) if rows else np.zeros((0, problem.n_slots), np.int64))
        try:
            solution = milp.solve(p, time_limit=time_limit, node_limit=node_limit, mip_gap=mip_gap,
                                  objective=objective)
        except milp.Infeasible:
            raise InputError(_infeasible_message(scenario, rules, p, time_limit)) from None
        except milp.NoSolutionInTime as exc:
            raise InputError(f"{rules.label}: the solver found no roster within its limit "
                             f"({_limit_text(time_limit, node_limit)}: {exc}); allow more time "
                             "(--time-limit)") from None
        return roster_from_solution(scenario, rules, req, p, solution)

    roster = solve(required)
    if verify:
        n = replications if replications is not None else scenario.spec.run.replications
        roster = verify_loop(roster, solve, rounds=rounds, replications=n, seed=seed, jobs=jobs,
                             progress=progress, rule=verify_rule, trim=trim, check=check)
    return roster


def _check_erlang(scenario: Scenario) -> None:
    """What :func:`staffsim.requirement.requirement` checks before an Erlang requirement."""
    make_requirement(scenario, method="erlang")


def _limit_text(time_limit: float | None, node_limit: int | None) -> str:
    parts = []
    if time_limit is not None:
        parts.append(f"time limit {time_limit:g}s")
    if node_limit is not None:
        parts.append(f"node limit {node_limit}")
    return ", ".join(parts) or "no limit"


def _requirement(scenario: Scenario, given: Requirement | str | Path, replications: int | None,
                 seed: int | None, jobs: int | None) -> Requirement:
    if isinstance(given, Requirement):
        return given
    text = str(given)
    # a method's name is the method, whatever the working directory holds (a directory or file
    # named "erlang" or "isa"); a file of that name is given as ./erlang
    if isinstance(given, Path) or (text not in METHODS and (text.lower().endswith(".csv")
                                                            or Path(text).exists())):
        return read_requirement(text, scenario)
    req = make_requirement(scenario, method=text, replications=replications, seed=seed, jobs=jobs)
    cut = req.extra.get("incomplete")
    if cut is not None:  # never roster a requirement whose search was cut short
        raise_stopped(cut, "the requirement search was cut short, so no roster was made")
    return req


def _slot_name(scenario: Scenario, t: int) -> str:
    starts = scenario.spec.horizon.slot_starts()
    day, clock = divmod(float(starts[t]), 86400.0)
    prefix = f"day {int(day) + 1} " if scenario.spec.horizon.days > 1 else ""
    return prefix + format_clock(clock)


def _infeasible_message(scenario: Scenario, rules: Rules, problem: Problem,
                        time_limit: float | None) -> str:
    """Which slots cannot be covered and why, from the least-shortfall roster."""
    src = rules.label
    try:
        short, proven, held = milp.shortfall(problem, time_limit)
    except milp.Infeasible:
        return (f"{src}: the limits contradict each other: even with coverage left aside no roster "
                "meets them (check min_agents against max_agents, headcount, max_agents_per_day, "
                "contracts and the part-time share)")
    except milp.NoSolutionInTime:
        return (f"{src}: no roster meets the requirement, and the solver's limit "
                f"({_limit_text(time_limit, None)}) came before it could tell which slots cannot be "
                "covered; allow more time (--time-limit) for the diagnosis")
    parts = []
    if problem.basis == "channel":
        for d, dem in enumerate(problem.demands):
            bad = np.flatnonzero(short[d] > 1e-6)
            if not len(bad):
                continue
            teams = ", ".join(problem.teams[g] for g in dem.teams)
            what = "work due by" if dem.backlog else "required"
            if dem.backlog:
                named = ", ".join(f"{_slot_name(scenario, int(t))} ({what} {dem.due[t]:.3g}, "
                                  f"{short[d, t]:.3g} short)" for t in bad[:_NAMED])
                why = ("; the limits of those teams (max_agents, headcount, max_agents_per_day, tours, "
                       "contracts, part-time share) and their templates' hours leave too few agents there")
            else:  # the slots grouped by their reason, each reason said once
                groups: dict[str, list[str]] = {}
                for t in bad[:_NAMED]:
                    groups.setdefault(_channel_reason(problem, dem, int(t)), []).append(
                        f"{_slot_name(scenario, int(t))} ({what} {dem.required[t]:.3g}, {short[d, t]:.3g} short)")
                named = "; ".join(f"{', '.join(slots)}: "
                                  f"{reason.replace('this slot', 'these slots') if len(slots) > 1 else reason}"
                                  for reason, slots in groups.items())
                why = ""
            more = f" and {len(bad) - _NAMED} more" if len(bad) > _NAMED else ""
            parts.append(f"channel {dem.name} (teams {teams}) cannot be covered in {len(bad)} slot(s): "
                         f"{named}{more}{why}")
    for g, team in enumerate(problem.teams):
        if problem.basis == "channel":
            break
        bad = np.flatnonzero(short[g] > 1e-6)
        if not len(bad):
            continue
        keep = 1.0 - problem.shrinkage[g]
        reasons = []
        for t in bad[:_NAMED]:
            reasons.append(f"{_slot_name(scenario, int(t))} (required {problem.required[g, t]}; "
                           f"{_reason(problem, g, int(t), keep, short[g, t])})")
        more = f" and {len(bad) - _NAMED} more" if len(bad) > _NAMED else ""
        parts.append(f"team {team} cannot be covered in {len(bad)} slot(s): {', '.join(reasons)}{more}")
    if not parts:
        return f"{src}: the solver reports no roster, but every slot can be covered; please report this"
    caveat = ("" if proven else f" (the diagnosis stopped at the solver's limit, "
              f"{_limit_text(time_limit, None)}: these shortfalls are those of the best roster it found, "
              "not proven the least)")
    bound = ""
    if held:
        named = ", ".join(held[:_NAMED]) + (f" and {len(held) - _NAMED} more" if len(held) > _NAMED else "")
        bound = (f". The roster short by the least holds these limits at their bound (relax one of "
                 f"them to cover more): {named}")
    return f"{src}: no roster meets the requirement: " + "; ".join(parts) + caveat + bound


def _reason(problem: Problem, g: int, t: int, keep: float, short: float) -> str:
    cap, limits = _team_cap(problem, g, t, keep)
    if limits is None:
        return "no template of the team covers this slot"
    need = problem.required[g, t] - 1e-9
    if cap < need:
        why = [text for value, text in limits if value < need]
        return (f"at most {cap:g} agents on the phones there: {' and '.join(why)}"
                f"{f' after {1 - keep:.0%} shrinkage' if keep < 1 else ''}")
    return (f"the limits together (max/min agents, part-time share, headcount, max_agents_per_day, "
            f"tours, contracts) leave it {short:.3g} short")


def _channel_reason(problem: Problem, dem: Demand, t: int) -> str:
    """Why channel ``dem`` cannot be covered in slot ``t``: no template of its teams covers the
    slot, or the teams' own limits there (each team's most agents on the phones, in agents of
    standard speed) add up to less than the requirement, or (neither) the limits together. The
    shortfalls are those of a roster short by the least in total: where a shortfall lands may
    move between slots that the same limits serve."""
    caps = {g: _team_cap(problem, g, t, 1.0 - problem.shrinkage[g]) for g in dem.teams}
    if all(why is None for _, why in caps.values()):
        teams = ", ".join(problem.teams[g] for g in dem.teams)
        return (f"no template of {teams} covers this slot (their templates' start windows and "
                "days, and the horizon's opening hours)")
    most = sum(cap * dem.teams[g] for g, (cap, _) in caps.items())
    if most < dem.required[t] - 1e-9:
        each = []
        for g, (cap, why) in caps.items():
            keep = 1.0 - problem.shrinkage[g]
            if why is None:
                each.append(f"{problem.teams[g]}: no template covers this slot")
            elif np.isfinite(cap):
                names = " and ".join(text for value, text in why if value == cap)
                each.append(f"{problem.teams[g]}: at most {cap:g} on the phones ({names}"
                            f"{f' after {1 - keep:.0%} shrinkage' if keep < 1 else ''}"
                            f"{f', worth {dem.teams[g]:.3g} standard agent each' if dem.teams[g] != 1 else ''})")
        return f"at most {most:.3g} agents of standard speed there: " + "; ".join(each)
    return ("no single limit explains it: the limits of those teams together (max/min agents, "
            "part-time share, headcount, max_agents_per_day, tours, contracts, the other channels' "
            "needs) leave it short")


def _team_cap(problem: Problem, g: int, t: int,
              keep: float) -> tuple[float, list[tuple[float, str]] | None]:
    """The most agents of team ``g`` on the phones in slot ``t`` that a single limit allows
    (after shrinkage; inf when none does), and each limit's own bound there with its name;
    ``None`` for the limits when no shift of the team covers the slot."""
    covering = [i for i, s in enumerate(problem.shifts) if s.team == g and t in set(s.slots.tolist())]
    if not covering:
        return 0.0, None
    caps: dict[tuple[str, int], float] = {}
    rules_caps = {}
    for lim in problem.limits:
        if lim.kind == "shift" and ".templates." in lim.label:
            for i in lim.indices:
                rules_caps.setdefault(int(i), []).append(lim.hi)
    for i in covering:
        s = problem.shifts[i]
        key = (s.template, s.day)
        caps[key] = min(rules_caps.get(i, [np.inf]))  # the template's max_agents that day
    by_templates = keep * sum(caps.values())
    head = [lim.hi for lim in problem.limits if "headcount" in lim.label
            and any(int(i) in covering for i in lim.indices)] if g not in problem.toured else []
    by_headcount = keep * min(head) if head else np.inf
    day_caps = [(lim.hi, lim.label.rsplit(" ", 1)[-1]) for lim in problem.limits
                if "max_agents_per_day" in lim.label and lim.kind == "shift"
                and any(int(i) in covering for i in lim.indices)]
    by_day = keep * min(c for c, _ in day_caps) if day_caps else np.inf
    # a toured team: a tour limit (day cap, headcount, a contract's max_agents) that holds every
    # tour able to cover the slot bounds the agents there
    tour_caps = []
    if g in problem.toured:
        on = set(covering)
        tours = {p for p, tour in enumerate(problem.tours) if tour.team == g
                 and any(j in on for opts in (tour.options or (tour.shifts,)) for j in opts)}
        tour_caps = [(lim.hi, lim.label) for lim in problem.limits if lim.kind == "tour"
                     and tours and tours <= {int(i) for i in lim.indices}]
    by_tours = keep * min(c for c, _ in tour_caps) if tour_caps else np.inf
    limits = []
    if tour_caps:
        c, label = min(tour_caps)
        limits.append((by_tours, f"{label} ({c:g})"))
    if np.isfinite(by_templates):  # every covering template has a max_agents
        limits.append((by_templates, f"the max_agents of {', '.join(sorted({k[0] for k in caps}))}"))
    if head:
        limits.append((by_headcount, f"the headcount ({min(head):g})"))
    if day_caps:
        c, d = min(day_caps)
        limits.append((by_day, f"max_agents_per_day on day {d} ({c:g})"))
    return min(by_templates, by_headcount, by_day, by_tours), limits
