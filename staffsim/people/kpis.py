"""Agent-side KPIs from simulating the people, beside the customers' service.

Each block's scenario (:mod:`staffsim.people.simulate`) is simulated as ``staffsim run`` does
(:func:`staffsim.experiment.simulate`, the customer KPIs), and the same replications — a
replication is a pure function of scenario, seed and number — are run once more with the
engine's audit recorder attached (:class:`staffsim.engine.audit.Audit`, which keeps every
agent's state changes; it is off in ordinary runs, so the engine's hot path is untouched). From
those changes, per person and day:

- ``available_s`` = logged in − on break; ``busy_s`` = holding at least one contact;
  ``occupancy`` = busy / available (with chat concurrency a person holding one chat is busy);
- ``longest_busy_s``: the longest stretch busy without a free instant (a contact taken the
  instant the previous one ends continues the stretch);
- ``break_late_s``: how long after its scheduled start each break began (nothing pre-empts a
  contact: the agent finishes first);
- ``overtime_s``: logged in after the shift's scheduled end (finishing a contact).

Averaged over replications; per team the sums (occupancy = Σ busy / Σ available).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from staffsim.people.simulate import block_people, block_scenarios


@dataclass(frozen=True)
class PeopleSimulation:
    """``agents``: per person and block; ``teams``: per team and block; ``service``: the
    customer KPIs per channel and block (means and 95% half-widths); ``days``: per person, day
    and replication (the raw figures)."""

    agents: pd.DataFrame
    teams: pd.DataFrame
    service: pd.DataFrame
    days: pd.DataFrame
    replications: int
    seed: int


def _level_time(changes: list[tuple[float, str, float]], key: str,
                end: float) -> tuple[float, list[tuple[float, float]]]:
    """Total time the level ``key`` is above 0 until ``end``, and its intervals (abutting ones
    merged)."""
    level, since, total, spans = 0.0, 0.0, 0.0, []
    for t, k, d in changes:
        if k != key:
            continue
        if level <= 0 < level + d:
            since = t
        elif level > 0 >= level + d:
            total += t - since
            if spans and abs(spans[-1][1] - since) <= 1e-9:
                spans[-1] = (spans[-1][0], t)
            else:
                spans.append((since, t))
        level += d
    if level > 0:
        total += end - since
        spans.append((since, end))
    return total, spans


def _agent_days(assignment: Any, scenario, mapping: dict, seed: int, rep: int, heads: dict) -> list[dict]:
    from staffsim.engine.audit import Audit
    from staffsim.engine.replication import Replication

    r = Replication(scenario, seed, rep, heads)
    r.audit = Audit()
    r.run()
    plan = assignment.plan
    position: dict[int, int] = {}
    rows = []
    for ag in r.agents:
        name = r.group_names[ag.group]
        if name not in mapping:
            continue
        i = position.get(ag.group, 0)
        position[ag.group] = i + 1
        p, pday, start, end, breaks = mapping[name][i]
        base = (pday % plan.roster.days) * 86400.0
        changes = sorted(r.audit.changes.get(ag.index, []), key=lambda c: c[0])
        now = r.env.now
        logged, logged_spans = _level_time(changes, "logged_in", now)
        on_break, _ = _level_time(changes, "on_break", now)
        busy, busy_spans = _level_time(changes, "busy", now)
        starts = [t for t, k, d in changes if k == "on_break" and d > 0]
        late = [s - (base + b) for s, (b, _) in zip(starts, breaks)]
        off = logged_spans[-1][1] if logged_spans else base + end
        a = plan.people[p]
        available = logged - on_break
        rows.append({"agent_id": a.id, "agent_team": a.team, "team": name.split(" @")[0], "group": name, "date": plan.date(pday).isoformat(),
                     "replication": rep, "shift": f"{start / 3600:05.2f}", "logged_in_s": logged,
                     "break_s": on_break, "available_s": available, "busy_s": busy,
                     "occupancy": busy / available if available > 0 else np.nan,
                     "longest_busy_s": max((e - s for s, e in busy_spans), default=0.0),
                     "breaks_taken": len(starts), "breaks_scheduled": len(breaks),
                     "break_late_mean_s": float(np.mean(late)) if late else 0.0,
                     "break_late_max_s": max(late, default=0.0),
                     "overtime_s": max(0.0, off - (base + end)) if logged_spans else 0.0,
                     "present": bool(logged_spans)})
    return rows


def simulate_people(assignment: Any, replications: int = 3, seed: int | None = None,
                    blocks: list[int] | None = None) -> PeopleSimulation:
    """Simulate the people of ``assignment`` block by block (``blocks``: 0-based, default all)
    and compute the agent-side KPIs (see the module doc)."""
    from staffsim.experiment import plan_for, plan_headcount, simulate
    from staffsim.scenarios.loader import scenario_from_dict

    roster = assignment.plan.roster
    scenarios = list(block_scenarios(assignment).items())
    seed = roster.scenario.spec.run.seed if seed is None else seed
    chosen = range(len(scenarios)) if blocks is None else blocks
    day_rows, service = [], []
    for n in chosen:
        name, data = scenarios[n]
        sc = scenario_from_dict(data, source=name, base_dir=roster.scenario.base_dir)
        res = simulate(sc, replications=replications, seed=seed, jobs=1, progress=False)
        s = res.summary()
        s.insert(0, "block", name.removesuffix(".yaml"))
        service.append(s)
        heads = plan_headcount(sc, plan_for(sc))
        mapping = block_people(assignment, n)
        for rep in range(replications):
            for row in _agent_days(assignment, sc, mapping, seed, rep, heads):
                row["block"] = name.removesuffix(".yaml")
                day_rows.append(row)
    days = pd.DataFrame(day_rows)
    agents = _aggregate(days, ["block", "agent_id", "agent_team"], replications)
    teams = _aggregate(days, ["block", "agent_team"], replications)
    return PeopleSimulation(agents, teams, pd.concat(service, ignore_index=True), days, replications, seed)


def _aggregate(days: pd.DataFrame, keys: list[str], replications: int) -> pd.DataFrame:
    if days.empty:
        return pd.DataFrame(columns=keys)
    g = days.groupby(keys, sort=True)
    out = pd.DataFrame({
        "shifts": g["date"].count() / replications,
        "available_h": g["available_s"].sum() / replications / 3600,
        "busy_h": g["busy_s"].sum() / replications / 3600,
        "longest_busy_s": g["longest_busy_s"].max(),
        "break_late_mean_s": g["break_late_mean_s"].mean(),
        "break_late_max_s": g["break_late_max_s"].max(),
        "overtime_h": g["overtime_s"].sum() / replications / 3600,
    }).reset_index()
    out.insert(len(keys) + 1, "occupancy", out["busy_h"] / out["available_h"])
    return out
