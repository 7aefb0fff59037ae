"""Agents needed per slot, per team: the input to a roster.

:func:`requirement` returns a :class:`Requirement` for every group (team) of a scenario: the
agents the team must have on the phones in each slot of the horizon.

- ``method="erlang"``: each slot of each channel a stationary queue of its own (the per-slot
  Erlang C / Erlang A plan of :func:`staffsim.experiment.plan_for`); a team's requirement is the
  sum over the channels it serves.

The scheduled teams are the scenario's groups; every channel must be served by exactly one of
them (a channel shared between teams has no single team to carry its requirement).

The contract the scheduler relies on: :meth:`Requirement.agents` gives, per group, an integer
array with one entry per slot of the horizon (``scenario.spec.horizon.slot_starts()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim import __version__
from staffsim.errors import InputError
from staffsim.experiment import plan_for
from staffsim.io import dumps, write_tables, write_text
from staffsim.metrics import slot_labels
from staffsim.scenarios.scenario import Scenario

METHODS = ("erlang",)

#: the columns every requirement table starts with
KEY_COLUMNS = ["group", "day", "slot_start", "agents", "erlang_agents"]


@dataclass(frozen=True, eq=False)
class Requirement:
    """Agents needed per team and slot.

    ``table``: one row per group × slot with :data:`KEY_COLUMNS` (``agents`` the requirement,
    ``erlang_agents`` the per-slot Erlang figure beside it) and, for a simulated method, the
    simulated KPIs of the requirement per slot with their ``_ci`` half-widths.
    ``method``: how it was found; ``iterations`` / ``converged`` for iterative methods;
    ``seed``, ``replications``, ``version``: provenance.
    """

    scenario: Scenario
    method: str
    table: pd.DataFrame
    iterations: int | None = None
    converged: bool | None = None
    seed: int | None = None
    replications: int | None = None
    version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(self.table["group"]))

    def agents(self) -> dict[str, np.ndarray]:
        """Group → agents required in every slot of the horizon (int64)."""
        return {g: self.table.loc[self.table["group"] == g, "agents"].to_numpy(np.int64)
                for g in self.groups}

    def provenance(self) -> dict[str, Any]:
        return {"scenario": self.scenario.name, "source": self.scenario.source, "method": self.method,
                "iterations": self.iterations, "converged": self.converged, "seed": self.seed,
                "replications": self.replications, "version": self.version}

    def write(self, directory: str | Path) -> list[Path]:
        """``requirement.csv`` and ``requirement.json`` (provenance and the table), atomically."""
        written = write_tables(directory, {"requirement": self.table})
        return written + [write_text(Path(directory) / "requirement.json",
                                     dumps({**self.provenance(), "requirement": self.table}))]


def team_channels(scenario: Scenario) -> dict[str, list[str]]:
    """Group → the channels it carries the requirement for; each channel served by one group."""
    owner: dict[str, str] = {}
    for g in scenario.spec.agents:
        for c in g.skills:
            if c in owner:
                raise InputError(
                    f"{scenario.source or scenario.name}: channel {c!r} is served by the groups "
                    f"{owner[c]!r} and {g.group!r}; a requirement per team needs each channel served "
                    "by one team"
                )
            owner[c] = g.group
    return {g.group: list(g.skills) for g in scenario.spec.agents}


def erlang_requirement(scenario: Scenario) -> Requirement:
    """The per-slot Erlang plan summed over each team's channels."""
    teams = team_channels(scenario)
    plan = plan_for(scenario)
    day, labels = slot_labels(scenario)
    frames = []
    for group, channels in teams.items():
        need = sum(plan.loc[plan["channel"] == c, "agents"].to_numpy(np.int64) for c in channels)
        frames.append(pd.DataFrame({"group": group, "day": day, "slot_start": labels,
                                    "agents": need, "erlang_agents": need}))
    return Requirement(scenario=scenario, method="erlang", table=pd.concat(frames, ignore_index=True))


def read_requirement(path: str | Path, scenario: Scenario) -> Requirement:
    """A requirement from a CSV with columns ``group, day, slot_start, agents`` (as written by
    :meth:`Requirement.write`): one row per group and slot of the scenario's horizon."""
    source = str(path)
    try:
        frame = pd.read_csv(path, dtype={"group": str, "slot_start": str})
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    missing = [c for c in ("group", "day", "slot_start", "agents") if c not in frame]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)} "
                         "(expected group, day, slot_start, agents)")
    teams = team_channels(scenario)
    day, labels = slot_labels(scenario)
    frames = []
    for group in teams:
        rows = frame[frame["group"] == group]
        if rows.empty:
            raise InputError(f"{source}: no rows for group {group!r} (groups: {', '.join(teams)})")
        index = {(int(d), str(s)): k for k, (d, s) in enumerate(zip(day, labels))}
        agents = np.full(len(labels), -1, np.int64)
        for line, (d, s, a) in zip(rows.index, rows[["day", "slot_start", "agents"]].itertuples(index=False)):
            k = index.get((int(d), str(s)))
            if k is None:
                raise InputError(f"{source}: line {line + 2}: day {d} {s} is not a slot of the horizon")
            if not (float(a) >= 0 and float(a) == int(a)):
                raise InputError(f"{source}: line {line + 2}, column 'agents': must be a whole number "
                                 f">= 0, got {a!r}")
            agents[k] = int(a)
        if (agents < 0).any():
            k = int(np.flatnonzero(agents < 0)[0])
            raise InputError(f"{source}: no row for group {group!r} on day {day[k]} at {labels[k]}")
        frames.append(pd.DataFrame({"group": group, "day": day, "slot_start": labels,
                                    "agents": agents, "erlang_agents": agents}))
    unknown = sorted(set(frame["group"]) - set(teams))
    if unknown:
        raise InputError(f"{source}: group {unknown[0]!r} is not a group of the scenario "
                         f"(groups: {', '.join(teams)})")
    table = pd.concat(frames, ignore_index=True)
    erlang = erlang_requirement(scenario).table["erlang_agents"].to_numpy()
    table["erlang_agents"] = erlang
    return Requirement(scenario=scenario, method="file", table=table, extra={"source": source})


def requirement(scenario: Scenario, method: str = "erlang", replications: int | None = None,
                seed: int | None = None, jobs: int | None = None) -> Requirement:
    """Agents needed per team and slot (see the module doc for the methods)."""
    if method not in METHODS:
        raise InputError(f"method: choose one of {', '.join(METHODS)}, got {method!r}")
    return erlang_requirement(scenario)
