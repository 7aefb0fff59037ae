"""Agents needed per slot, per team: the input to a roster.

:func:`requirement` returns a :class:`Requirement` for every group (team) of a scenario: the
agents the team must have on the phones in each slot of the horizon.

- ``method="erlang"``: each slot of each channel a stationary queue of its own (the per-slot
  Erlang C / Erlang A plan of :func:`staffsim.experiment.plan_for`), except *backlog* channels
  (:func:`is_backlog`: no abandonment and a threshold of at least :data:`BACKLOG_SLOTS` slots:
  email, back office), planned as work carried forward and answered within the threshold
  (:func:`staffsim.models.backlog.backlog_plan`); a team's requirement is the sum over the
  channels it serves.
- ``method="isa"``: the fewest agents per slot that meet every target in the simulated day
  (:mod:`staffsim.isa`: the search, what "meets" means under noise, in what sense it is minimal).

The scheduled teams are the scenario's groups; every channel must be served by exactly one of
them (a channel shared between teams has no single team to carry its requirement).

The contract the scheduler relies on: :meth:`Requirement.agents` gives, per group, an integer
array with one entry per slot of the horizon (``scenario.spec.horizon.slot_starts()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim import __version__
from staffsim.errors import InputError, WorkerLost
from staffsim.executors import INTERRUPTED
from staffsim.experiment import plan_for
from staffsim.io import dumps, output_batch, write_tables, write_text
from staffsim.isa import RULES, kpi_table, miss_counts, out_of_sample, search, targets_of
from staffsim.metrics import slot_labels
from staffsim.models.backlog import backlog_agents
from staffsim.scenarios.scenario import Scenario

METHODS = ("erlang", "isa")

#: the columns every requirement table starts with
KEY_COLUMNS = ["group", "day", "slot_start", "agents", "erlang_agents"]

#: a channel without patience whose threshold spans at least this many slots is backlog work
BACKLOG_SLOTS = 4


@dataclass(frozen=True, eq=False)
class Requirement:
    """Agents needed per team and slot.

    ``table``: one row per group × slot with :data:`KEY_COLUMNS` (``agents`` the requirement,
    ``erlang_agents`` the per-slot Erlang figure beside it) and, for ``isa``: ``meets`` (every
    channel of the team meets its targets in the slot), ``binding`` (the first miss when the slot
    has one agent fewer: why the slot needs its agents), ``occupancy`` and ``occupancy_ci`` of the
    team (simulated).
    ``kpis`` (``isa``): one row per group × channel × slot: the simulated KPIs of the requirement
    (means with ``_ci`` 95% half-widths) and the channel's targets.
    ``method``: how it was found; ``iterations`` (simulation batches) / ``converged`` for
    ``isa``; ``seed``, ``replications``, ``version``: provenance. ``extra["incomplete"]``
    (``isa``): None, or why the search was cut short (``"interrupted"``, a lost worker): the
    table is then the requirement as far as searched (every staffing in it was simulated with
    all its replications), not converged.
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
    kpis: pd.DataFrame | None = None

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(self.table["group"]))

    def agents(self) -> dict[str, np.ndarray]:
        """Group → agents required in every slot of the horizon (int64)."""
        return {g: self.table.loc[self.table["group"] == g, "agents"].to_numpy(np.int64)
                for g in self.groups}

    def summary(self) -> pd.DataFrame:
        """Per team: peak agents and agent-hours of the requirement beside Erlang's."""
        slot_h = self.scenario.spec.horizon.slot / 3600.0
        rows = []
        for g in self.groups:
            t = self.table[self.table["group"] == g]
            row = {"group": g, "peak": int(t["agents"].max()),
                   "agent_hours": float(t["agents"].sum() * slot_h),
                   "erlang_peak": int(t["erlang_agents"].max()),
                   "erlang_agent_hours": float(t["erlang_agents"].sum() * slot_h)}
            if "meets" in t:
                row["slots_meeting"] = f"{int(t['meets'].sum())}/{len(t)}"
            if self.extra.get("teams"):
                row["converged"] = self.extra["teams"][g]["converged"]
            rows.append(row)
        return pd.DataFrame(rows)

    def provenance(self) -> dict[str, Any]:
        return {"scenario": self.scenario.name, "source": self.scenario.source, "method": self.method,
                "iterations": self.iterations, "converged": self.converged, "seed": self.seed,
                "replications": self.replications, "version": self.version}

    def write(self, directory: str | Path, **formats: Any) -> list[Path]:
        """``requirement.csv`` (and ``requirement_kpis.csv`` for a simulated method) and
        ``requirement.json`` (provenance and the tables), all or nothing. ``formats``:
        ``csv_dialect`` and ``xlsx`` (a workbook name) as :func:`staffsim.io.write_tables` takes."""
        tables = {"requirement": self.table}
        if self.kpis is not None:
            tables["requirement_kpis"] = self.kpis
        with output_batch():
            written = write_tables(directory, tables, **formats)
            return written + [write_text(Path(directory) / "requirement.json", dumps(self._json()))]

    def _json(self) -> dict[str, Any]:
        data = {**self.provenance(), **{k: v for k, v in self.extra.items() if k != "teams"},
                "teams": self.extra.get("teams"), "summary": self.summary(), "requirement": self.table}
        if self.kpis is not None:
            data["kpis"] = self.kpis
        return data


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


def is_backlog(scenario: Scenario, channel: str) -> bool:
    """Backlog work: contacts never abandon (no ``patience``) and the threshold spans at least
    :data:`BACKLOG_SLOTS` slots (email, back office). Planned by the Erlang method as work carried
    forward (:func:`staffsim.models.backlog.backlog_plan`), not as a queue per slot."""
    ch = scenario.channel(channel)
    return ch.patience is None and ch.target.threshold >= BACKLOG_SLOTS * scenario.spec.horizon.slot


def backlog_channel_agents(scenario: Scenario, channel: str,
                           plan: pd.DataFrame | None = None) -> np.ndarray:
    """The backlog plan of one channel: its work per slot (the volume offered to agents × the
    slot's AHT × concurrency stretch ÷ concurrency, both as the Erlang plan has them: after
    self-service, events, repeat contacts and with the forecast file's interval AHT and the
    self-service uplift) answered, at the channel's service-level share, within its threshold,
    with its occupancy cap. ``plan``: :func:`staffsim.experiment.plan_for` of the scenario, if
    already computed."""
    ch = scenario.channel(channel)
    h = scenario.spec.horizon
    plan = plan_for(scenario) if plan is None else plan
    rows = plan[plan["channel"] == channel]
    volume = rows["volume"].to_numpy(float)
    aht = rows["aht_s"].to_numpy(float) * ch.concurrency_stretch / ch.concurrency
    work = volume * aht
    return backlog_agents(work, h.slot_starts(), h.slot, ch.target.threshold,
                          share=ch.target.service_level, max_occupancy=ch.target.max_occupancy)


def channel_erlang(scenario: Scenario) -> dict[str, np.ndarray]:
    """Channel → agents per slot by the Erlang method (backlog channels by the backlog plan)."""
    plan = plan_for(scenario)
    out = {}
    for c in scenario.channels:
        if is_backlog(scenario, c):
            out[c] = backlog_channel_agents(scenario, c, plan)
        else:
            out[c] = plan.loc[plan["channel"] == c, "agents"].to_numpy(np.int64)
    return out


def erlang_requirement(scenario: Scenario) -> Requirement:
    """The per-slot Erlang plan (backlog channels: the backlog plan) summed over each team's
    channels."""
    teams = team_channels(scenario)
    per_channel = channel_erlang(scenario)
    day, labels = slot_labels(scenario)
    frames = []
    for group, channels in teams.items():
        need = sum(per_channel[c] for c in channels)
        frames.append(pd.DataFrame({"group": group, "day": day, "slot_start": labels,
                                    "agents": need, "erlang_agents": need}))
    backlog = [c for c in scenario.channels if is_backlog(scenario, c)]
    return Requirement(scenario=scenario, method="erlang", table=pd.concat(frames, ignore_index=True),
                       extra={"backlog_channels": backlog})


def read_requirement(path: str | Path, scenario: Scenario) -> Requirement:
    """A requirement from a CSV with columns ``group, day, slot_start, agents`` (as written by
    :meth:`Requirement.write`): one row per group and slot of the scenario's horizon."""
    source = str(path)
    try:
        frame = pd.read_csv(path, dtype={"group": str, "slot_start": str}, **_csv_dialect_of(path))
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


def _csv_dialect_of(path: str | Path) -> dict[str, str]:
    """How to read a CSV written in either dialect of :data:`staffsim.io.CSV_DIALECTS`: a header
    with more semicolons than commas is ``excel-eu`` (semicolons, decimal commas)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            header = fh.readline()
    except (OSError, UnicodeDecodeError):
        return {}  # read_csv says what is wrong with the file
    return {"sep": ";", "decimal": ","} if header.count(";") > header.count(",") else {}


def _check_traffic(scenario: Scenario) -> None:
    if all(float(np.sum(v)) == 0 for v in scenario.volumes.values()):
        raise InputError(f"{scenario.source or scenario.name}: no traffic: every channel's volume is 0 "
                         "over the horizon, so there is nothing to staff")


def isa_requirement(scenario: Scenario, replications: int | None = None, seed: int | None = None,
                    jobs: int | None = None, *, rule: str = "mean", max_iterations: int = 60,
                    log: Callable[[str], None] | None = None, cluster: Any = None,
                    batch: str = "days", check: bool = True) -> Requirement:
    """The simulation-verified requirement (:mod:`staffsim.isa`), from the Erlang requirement.
    ``check``: simulate the answer (and the Erlang requirement) once more on new customers
    (seed + 1) and report each team's misses there beside those of the search's own seed
    (``extra["teams"][group]["in_sample"]`` / ``["out_of_sample"]`` / ``["erlang_out_of_sample"]``)."""
    if rule not in RULES:
        raise InputError(f"rule: choose one of {', '.join(RULES)}, got {rule!r}")
    teams = team_channels(scenario)
    run = scenario.spec.run
    reps = run.replications if replications is None else int(replications)
    seed = run.seed if seed is None else int(seed)
    if reps < 2:
        raise InputError(f"replications: the requirement needs at least 2 replications (for its "
                         f"confidence intervals), got {reps}")
    if seed < 0:
        raise InputError(f"seed: must be a whole number >= 0, got {seed}")
    if jobs is not None and int(jobs) < 1:
        raise InputError(f"jobs: must be a whole number >= 1, got {jobs}")
    if int(max_iterations) < 1:
        raise InputError(f"max_iterations: must be a whole number >= 1, got {max_iterations}")
    erlang = erlang_requirement(scenario).agents()
    busy = {g: ch for g, ch in teams.items() if any(scenario.volumes[c].sum() > 0 for c in ch)}
    backlog = {g for g, ch in busy.items() if all(is_backlog(scenario, c) for c in ch)}
    found = search(scenario, busy, {g: erlang[g] for g in busy}, reps, seed, jobs, rule=rule,
                   max_iterations=max_iterations, backlog=backlog, log=log, cluster=cluster,
                   batch=batch)
    if found.stopped is not None and any(st.best is None and st.last is None
                                         for st in found.teams.values()):
        # cut short before any staffing of some team was simulated in full: nothing to keep
        if found.stopped == INTERRUPTED:
            raise KeyboardInterrupt
        raise WorkerLost(f"{found.stopped}; the requirement search had no finished staffing to keep")
    day, labels = slot_labels(scenario)
    n = len(labels)
    frames, kpis, teams_info = [], [], {}
    for group in teams:
        table = pd.DataFrame({"group": group, "day": day, "slot_start": labels})
        st = found.teams.get(group)
        if st is None:  # no traffic for this team
            table["agents"] = np.zeros(n, np.int64)
            table["erlang_agents"] = erlang[group]
            table["meets"] = True
            table["binding"] = ""
            table["occupancy"] = np.nan
            table["occupancy_ci"] = np.nan
            teams_info[group] = {"converged": True, "agent_slots": 0, "note": "no traffic", "history": []}
            frames.append(table)
            continue
        final = st.best or st.last  # st.last: the search ended before any staffing met the targets
        if final is None:
            raise InputError(f"max_iterations: the search stopped after {max_iterations} iteration(s), "
                             f"before team {group!r}'s first staffing was simulated")
        table["agents"] = final.staffing
        table["erlang_agents"] = erlang[group]
        table["meets"] = final.meets
        table["binding"] = st.binding if st.binding else [""] * n
        g_rows = final.groups[final.groups["group"] == group]
        table["occupancy"] = g_rows["occupancy"].to_numpy(float)
        table["occupancy_ci"] = g_rows["occupancy_ci"].to_numpy(float)
        frames.append(table)
        kpis.append(kpi_table(group, st.channels, final, targets_of(scenario, st.channels)))
        teams_info[group] = {"converged": st.converged, "agent_slots": int(final.staffing.sum()),
                             "note": st.note, "history": st.history,
                             "in_sample": miss_counts(final.slots, st.channels,
                                                      targets_of(scenario, st.channels)),
                             "staffing": final.staffing}
    incomplete = found.stopped
    if check and incomplete is None and busy:
        runs = ([(g, ch, np.asarray(teams_info[g]["staffing"], np.int64)) for g, ch in busy.items()]
                + [(g, ch, erlang[g]) for g, ch in busy.items()])
        oos, incomplete = out_of_sample(scenario, runs, reps, seed + 1, jobs, cluster)
        if oos:
            for i, g in enumerate(busy):
                teams_info[g]["out_of_sample"] = oos[i]
                teams_info[g]["erlang_out_of_sample"] = oos[len(busy) + i]
                teams_info[g]["check_seed"] = seed + 1
    for info in teams_info.values():
        info.pop("staffing", None)
    converged = incomplete is None and all(t["converged"] for t in teams_info.values())
    return Requirement(
        scenario=scenario, method="isa", table=pd.concat(frames, ignore_index=True),
        iterations=found.iterations, converged=converged, seed=seed, replications=reps,
        kpis=pd.concat(kpis, ignore_index=True) if kpis else None,
        extra={"rule": rule, "batch": batch, "staffings_simulated": found.staffings, "teams": teams_info,
               "incomplete": incomplete},
    )


def requirement(scenario: Scenario, method: str = "erlang", replications: int | None = None,
                seed: int | None = None, jobs: int | None = None, **options: Any) -> Requirement:
    """Agents needed per team and slot (see the module doc for the methods).

    ``replications``, ``seed`` (default: the scenario's ``run``) and ``jobs`` (worker processes,
    None = all cores; the answer does not depend on it) are for ``isa``, as are the ``options``
    ``rule`` ("mean" or "interval": what "meets" means under simulation noise),
    ``max_iterations``, ``log`` (a function called with one line per iteration) and ``cluster``
    (run the simulations on a Dask cluster, as in :func:`staffsim.simulate`; same answer).
    """
    if method not in METHODS:
        raise InputError(f"method: choose one of {', '.join(METHODS)}, got {method!r}")
    team_channels(scenario)
    _check_traffic(scenario)
    if method == "erlang":
        if options:
            raise InputError(f"method erlang takes no option {next(iter(options))!r}")
        return erlang_requirement(scenario)
    unknown = set(options) - {"rule", "max_iterations", "log", "cluster", "batch", "check"}
    if unknown:
        raise InputError(f"requirement: unknown option {min(unknown)!r} "
                         "(options: rule, max_iterations, log, cluster, batch, check)")
    return isa_requirement(scenario, replications, seed, jobs, **options)
