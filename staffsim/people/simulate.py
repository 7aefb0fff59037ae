"""The assigned roster as scenarios ``staffsim run`` simulates: the people's own skills and
proficiency instead of the team's average.

For each block of the period as long as the roster (a week for a weekly roster), the roster's
scenario with each rostered team's group replaced by one group per distinct proficiency: the
team's skills, ``handle_time_factor`` = the people's factors for them, and the shifts those
people work, one entry per person and day (``agents: 1``) so that the engine's agents map back
to people (:func:`block_people`). The engine is unchanged: a person is an agent of the group of
their proficiency. Open seats are simply not worked.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from staffsim.people.plan import Kind
from staffsim.units import format_clock


def _group_name(team: str, factors: tuple[tuple[str, float], ...]) -> str:
    if len(factors) == 1:
        return f"{team} @{factors[0][1]:g}"
    return f"{team} @" + ",".join(f"{c}{f:g}" for c, f in factors)


def _rebase(data: Any, old_dir: Path, new_dir: Path) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "file" and isinstance(value, str) and not Path(value).is_absolute():
                data[key] = os.path.relpath((old_dir / value).resolve(), new_dir.resolve())
            else:
                _rebase(value, old_dir, new_dir)
    elif isinstance(data, list):
        for item in data:
            _rebase(item, old_dir, new_dir)


def block_scenarios(assignment: Any, directory: str | Path | None = None) -> dict[str, dict]:
    """``{"people_week1.yaml": scenario data, ...}``: one scenario per block of the period (see
    the module doc). ``directory``: where they will be written (file references are rebased)."""
    plan = assignment.plan
    roster = plan.roster
    length = roster.days
    base = roster.scenario.raw
    teams = sorted({s.team for s in roster.shifts})
    out = {}
    for n, (b, groups) in enumerate(_blocks(assignment)):
        data = copy.deepcopy(base)
        new_agents = []
        rates: dict[str, str] = {}
        for g in data["agents"]:
            if g.get("group") not in teams:
                new_agents.append(g)
                continue
            for (team, factors), seats in groups.items():
                if team != g["group"]:
                    continue
                name = _group_name(team, factors)
                rates[name] = team
                ng = {k: v for k, v in g.items() if k not in ("shifts", "staffing", "shrinkage", "handle_time_factor")}
                ng["group"] = name
                hf = {c: f for c, f in factors if f != 1.0}
                if hf:
                    ng["handle_time_factor"] = hf
                ng["shifts"] = [
                    {"start": format_clock(s), "end": format_clock(e), "agents": 1,
                     **({"breaks": [{"start": format_clock(bs), "length": f"{bl / 60:g}min"} for bs, bl in br]}
                        if br else {}),
                     "days": [day]}
                    for (s, e, br, day, _person) in seats]
                new_agents.append(ng)
        data["agents"] = new_agents
        costs = data.get("costs", {})
        if isinstance(costs.get("agent_hour"), dict):
            hour = dict(costs["agent_hour"])
            for name, team in rates.items():
                if team in hour:
                    hour[name] = hour[team]
            for team in teams:
                hour.pop(team, None)
            costs["agent_hour"] = hour
        first, last = plan.date(b), plan.date(min(b + length, plan.n_days) - 1)
        data["name"] = f"{base.get('name', 'roster')} - people {first.isoformat()} to {last.isoformat()}"
        data["description"] = (f"The roster of {roster.source} worked by the people of {plan.agents.source} "
                               f"from {first.isoformat()} to {last.isoformat()} (staffsim assign): one group "
                               "per team and proficiency; simulated on the roster's own days and forecast.")
        if directory is not None and roster.scenario.base_dir is not None:
            _rebase(data, Path(roster.scenario.base_dir), Path(directory))
        out[block_name(n + 1, length)] = data
    return out


def block_name(n: int, length: int) -> str:
    """``people_week<n>.yaml`` for a weekly roster, ``people_part<n>.yaml`` otherwise."""
    return f"people_week{n}.yaml" if length == 7 else f"people_part{n}.yaml"


def _blocks(assignment: Any) -> list[tuple[int, dict]]:
    """Per block (first period day, {(team, factors): [(start, end, breaks, day, person)]}), the
    groups in team order then factors, the seats by day, start and person id."""
    plan = assignment.plan
    length = plan.roster.days
    out = []
    for b in range(0, plan.n_days, length):
        groups: dict[tuple[str, tuple], list] = {}
        for p, ks in assignment.solved.works.items():
            a = plan.people[p]
            for k in ks:
                kk: Kind = plan.kinds[k]
                if not b <= kk.pday < b + length:
                    continue
                factors = tuple((c, float(a.skills[c])) for c in kk.skills)
                groups.setdefault((kk.team, factors), []).append(
                    (kk.start, kk.end, assignment.breaks_of(p, k), kk.pday - b + 1, p))
        for seats in groups.values():
            seats.sort(key=lambda s: (s[3], s[0], plan.people[s[4]].id))
        out.append((b, dict(sorted(groups.items()))))
    return out


def block_people(assignment: Any, block: int) -> dict[str, list[tuple[int, int, float, float, tuple]]]:
    """For block ``block`` (0 = first), per group of its scenario: the people behind the group's
    shift entries, in order (one engine agent each), as (person, period day, start, end, breaks)."""
    b, groups = _blocks(assignment)[block]
    return {_group_name(team, factors): [(p, b + day - 1, s, e, br) for (s, e, br, day, p) in seats]
            for (team, factors), seats in groups.items()}
