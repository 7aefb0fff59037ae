"""Agents needed per slot, per team: the input to a roster.

:func:`requirement` returns a :class:`Requirement` for every group (team) of a scenario: the
agents the team must have on the phones in each slot of the horizon.

- ``method="erlang"``: the Erlang plan of :func:`staffsim.erlang_plan.plan_for`, the one plan
  ``staffsim run`` shows and ``staffing: plan`` logs in: each slot of each channel a stationary
  queue of its own (Erlang C / Erlang A), except *backlog* channels (:func:`is_backlog`: no
  abandonment and a threshold of at least :data:`BACKLOG_SLOTS` slots: email, back office),
  planned as work carried forward and answered within the threshold
  (:func:`staffsim.models.backlog.backlog_plan`); a team's requirement is the sum over the
  channels it serves.
- ``method="isa"``: the fewest agents per slot that meet every target in the simulated day
  (:mod:`staffsim.isa`: the search, what "meets" means under noise, in what sense it is minimal).

The scheduled teams are the scenario's groups. When every channel is served by exactly one of
them the requirement is per team (``basis="team"``: the sum over the team's channels, today's
form). When some channel is served by several teams (two sites answering the same queue,
overlapping skill groups), the Erlang method gives the requirement per channel instead
(``basis="channel"``, :func:`channel_requirement`): agents of standard speed (handle-time factor
1) per channel and slot, and the scheduler decides which team covers what
(:mod:`staffsim.scheduling`). The ``isa`` method stays per team.

The contract the scheduler relies on: :meth:`Requirement.agents` gives, per group (or, with
``basis="channel"``, per channel), an integer array with one entry per slot of the horizon
(``scenario.spec.horizon.slot_starts()``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim._version import __version__
from staffsim.csvkeys import first_duplicate
from staffsim.erlang_plan import BACKLOG_SLOTS, backlog_channel_plan, is_backlog, plan_for  # noqa: F401 (re-exported)
from staffsim.errors import InputError
from staffsim.executors import WorkerPool
from staffsim.experiment import result_bytes
from staffsim.io import dumps, output_batch, write_tables, write_text
from staffsim.isa import (
    RULES,
    assess,
    kpi_table,
    miss_counts,
    out_of_sample,
    search,
    simulate_runs,
    targets_of,
)
from staffsim.isa_validate import validate as validate_answers
from staffsim.isa_validate import validation_seed
from staffsim.limits import MAX_SCENARIO_AGENTS, MEMORY_BUDGET_BYTES, memory_text
from staffsim.metrics import slot_labels
from staffsim.scenarios.loader import as_scenario
from staffsim.scenarios.scenario import Scenario

METHODS = ("erlang", "isa")

#: the columns every requirement table starts with
KEY_COLUMNS = ["group", "day", "slot_start", "agents", "erlang_agents"]

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
    basis: str = "team"

    @property
    def key(self) -> str:
        """The table's key column: ``group`` (``basis="team"``) or ``channel``."""
        return "channel" if self.basis == "channel" else "group"

    @property
    def groups(self) -> list[str]:
        """The groups (or, with ``basis="channel"``, the channels) the table has rows for."""
        return list(dict.fromkeys(self.table[self.key]))

    def agents(self) -> dict[str, np.ndarray]:
        """Group (or channel) → agents required in every slot of the horizon (int64)."""
        return {g: self.table.loc[self.table[self.key] == g, "agents"].to_numpy(np.int64)
                for g in self.groups}

    def summary(self) -> pd.DataFrame:
        """Per team: peak agents and agent-hours of the requirement beside Erlang's."""
        slot_h = self.scenario.spec.horizon.slot / 3600.0
        rows = []
        for g in self.groups:
            t = self.table[self.table[self.key] == g]
            row = {self.key: g, "peak": int(t["agents"].max()),
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
                "basis": self.basis,
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
                    "by one team (the simulated, isa, requirement is per team: use the erlang method, "
                    "whose requirement is then per channel and covered by the teams together in "
                    "staffsim schedule; schedule --verify checks that roster in simulation)"
                )
            owner[c] = g.group
    return {g.group: list(g.skills) for g in scenario.spec.agents}


def channel_teams(scenario: Scenario) -> dict[str, list[str]]:
    """Channel → the groups that have it as a skill (in the scenario's group order)."""
    out: dict[str, list[str]] = {c: [] for c in scenario.channels}
    for g in scenario.spec.agents:
        for c in g.skills:
            out.setdefault(c, []).append(g.group)
    return out


def shared_channels(scenario: Scenario) -> list[str]:
    """The channels served by more than one group (the requirement is then per channel)."""
    return [c for c, groups in channel_teams(scenario).items() if len(groups) > 1]


def channel_erlang(scenario: Scenario) -> dict[str, np.ndarray]:
    """Channel → agents per slot by the Erlang method: the Erlang plan of
    :func:`staffsim.erlang_plan.plan_for` (which plans backlog channels by the backlog plan), the
    same plan ``staffsim run`` shows and ``staffing: plan`` logs in."""
    plan = plan_for(scenario)
    return {c: plan.loc[plan["channel"] == c, "agents"].to_numpy(np.int64) for c in scenario.channels}


def channel_requirement(scenario: Scenario) -> Requirement:
    """The per-channel Erlang requirement (``basis="channel"``): per channel and slot the agents
    of standard speed (handle-time factor 1) the per-slot Erlang plan asks for (backlog channels:
    the backlog plan, flagged ``backlog``), with ``teams`` naming the groups that may cover it.
    Used when some channel is served by several teams; the scheduler then decides how many of
    each team to roster and who covers what."""
    owners = channel_teams(scenario)
    per_channel = channel_erlang(scenario)
    day, labels = slot_labels(scenario)
    frames = []
    for c in scenario.channels:
        frames.append(pd.DataFrame({"channel": c, "day": day, "slot_start": labels,
                                    "agents": per_channel[c], "erlang_agents": per_channel[c],
                                    "backlog": is_backlog(scenario, c),
                                    "teams": " ".join(owners[c])}))
    backlog = [c for c in scenario.channels if is_backlog(scenario, c)]
    return Requirement(scenario=scenario, method="erlang", table=pd.concat(frames, ignore_index=True),
                       extra={"backlog_channels": backlog, "shared_channels": shared_channels(scenario)},
                       basis="channel")


def erlang_requirement(scenario: Scenario) -> Requirement:
    """The per-slot Erlang plan (backlog channels: the backlog plan) summed over each team's
    channels; per channel (:func:`channel_requirement`) when some channel has several teams."""
    if shared_channels(scenario):
        return channel_requirement(scenario)
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
    :meth:`Requirement.write`, in either CSV dialect): one row per group and slot of the
    scenario's horizon. When some channel is served by several groups the file is per channel
    instead: columns ``channel, day, slot_start, agents``, one row per channel and slot (the
    ``basis="channel"`` form).

    Every cell is checked and refused with the file, line and column: ``day`` a whole number,
    ``agents`` a whole number from 0 to :data:`~staffsim.limits.MAX_SCENARIO_AGENTS` (never NaN,
    infinite or text); a group (or channel) and slot given twice is refused naming both lines."""
    source = str(path)
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            header = fh.readline()
        # as written with --csv-dialect excel-eu: separated by semicolons (decimal commas)
        sep = ";" if header.count(";") > header.count(",") else ","
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False, sep=sep,
                            encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    per_channel = bool(shared_channels(scenario))
    key, word = ("channel", "channel") if per_channel else ("group", "group")
    missing = [c for c in (key, "day", "slot_start", "agents") if c not in frame]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)} "
                         f"(expected {key}, day, slot_start, agents"
                         + ("; channels are shared between groups, so the requirement is per channel)"
                            if per_channel else ")"))
    lines = np.arange(len(frame)) + 2
    blank = (frame[[key, "day", "slot_start", "agents"]].apply(lambda c: c.str.strip()) == "").all(axis=1)
    frame, lines = frame[~blank.to_numpy()].reset_index(drop=True), lines[~blank.to_numpy()]
    keys = frame[key].str.strip().to_numpy()
    days = _whole_numbers(frame["day"], lines, source, "day", 1, 10**9)
    agents_in = _whole_numbers(frame["agents"], lines, source, "agents", 0, MAX_SCENARIO_AGENTS)
    slots = frame["slot_start"].str.strip().to_numpy()
    dup = first_duplicate(zip(keys, days.tolist(), slots), lines.tolist())
    if dup is not None:
        (g, d, s), first, second = dup
        raise InputError(f"{source}: lines {first} and {second}: {word} {g!r}, day {d} {s} given twice "
                         f"(one row per {word} and slot)")
    names = list(scenario.channels) if per_channel else list(team_channels(scenario))
    day, labels = slot_labels(scenario)
    index = {(int(d), str(s)): k for k, (d, s) in enumerate(zip(day, labels))}
    frames = []
    for name in names:
        mine = np.flatnonzero(keys == name)
        if len(mine) == 0:
            raise InputError(f"{source}: no rows for {word} {name!r} ({word}s: {', '.join(names)})")
        agents = np.full(len(labels), -1, np.int64)
        for r in mine.tolist():
            k = index.get((int(days[r]), str(slots[r])))
            if k is None:
                raise InputError(f"{source}: line {lines[r]}: day {days[r]} {slots[r]} is not a slot of "
                                 "the horizon")
            agents[k] = int(agents_in[r])
        if (agents < 0).any():
            k = int(np.flatnonzero(agents < 0)[0])
            raise InputError(f"{source}: no row for {word} {name!r} on day {day[k]} at {labels[k]}")
        frames.append(pd.DataFrame({key: name, "day": day, "slot_start": labels,
                                    "agents": agents, "erlang_agents": agents}))
    unknown = sorted(set(keys.tolist()) - set(names))
    if unknown:
        raise InputError(f"{source}: {word} {unknown[0]!r} is not a {word} of the scenario "
                         f"({word}s: {', '.join(names)})")
    table = pd.concat(frames, ignore_index=True)
    erlang = erlang_requirement(scenario).table
    table["erlang_agents"] = erlang["erlang_agents"].to_numpy()
    extra: dict[str, Any] = {"source": source}
    if per_channel:
        table["backlog"] = erlang["backlog"].to_numpy()
        table["teams"] = erlang["teams"].to_numpy()
        extra["backlog_channels"] = [c for c in scenario.channels if is_backlog(scenario, c)]
    return Requirement(scenario=scenario, method="file", table=table, extra=extra,
                       basis="channel" if per_channel else "team")


def _whole_numbers(column: pd.Series, lines: np.ndarray, source: str, name: str, lo: int,
                   hi: float) -> np.ndarray:
    """A column of whole numbers from ``lo`` to ``hi`` (text cells), or an error naming the file,
    line and column of the first bad cell (NaN, infinite, text, fractional or out of range)."""
    out = np.zeros(len(column), np.int64)
    for r, text in enumerate(column.tolist()):
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value == int(value) and lo <= value <= hi):
            raise InputError(f"{source}: line {lines[r]}, column {name!r}: must be a whole number from "
                             f"{lo} to {hi:,.0f}, got {text.strip()!r}")
        out[r] = int(value)
    return out


def _check_traffic(scenario: Scenario) -> None:
    if all(float(np.sum(v)) == 0 for v in scenario.volumes.values()):
        raise InputError(f"{scenario.source or scenario.name}: no traffic: every channel's volume is 0 "
                         "over the horizon, so there is nothing to staff")


def isa_requirement(scenario: Scenario, replications: int | None = None, seed: int | None = None,
                    jobs: int | None = None, *, rule: str = "mean", max_iterations: int = 60,
                    log: Callable[[str], None] | None = None, cluster: Any = None,
                    batch: str = "days", check: bool = True, validate: bool = False) -> Requirement:
    """The simulation-verified requirement (:mod:`staffsim.isa`), from the Erlang requirement.
    ``validate``: repair the answer on new customers (one agent more in every slot that misses
    in mean, each round on customers not seen before — seed + 1, seed + 3, ... — until a round
    finds none; :mod:`staffsim.isa_validate`;
    ``extra["teams"][group]["validation"]``). ``check``: simulate the answer (and the Erlang
    requirement) once more on customers neither the search nor the validation saw (seed + 2;
    seed + 1 without ``validate``) and report each team's misses there beside those of the
    search's own seed (``extra["teams"][group]["in_sample"]`` / ``["out_of_sample"]`` /
    ``["erlang_out_of_sample"]``)."""
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
    busy = {g: ch for g, ch in teams.items() if any(scenario.volumes[c].sum() > 0 for c in ch)}
    check_isa_size(scenario, busy, reps)  # before any work: the search grows with slots squared
    # one pool of worker processes for the search's iterations, the validation and the check
    # (none with a cluster; with jobs=1 everything runs here)
    with WorkerPool(jobs) as pool:
        return _isa(scenario, teams, busy, reps, seed, jobs, rule, max_iterations, log, cluster, batch,
                    check, validate, None if cluster is not None else pool)


def _isa(scenario, teams, busy, reps, seed, jobs, rule, max_iterations, log, cluster, batch, check,
         validate, pool) -> Requirement:
    erlang = erlang_requirement(scenario).agents()
    backlog = {g for g, ch in busy.items() if all(is_backlog(scenario, c) for c in ch)}
    found = search(scenario, busy, {g: erlang[g] for g in busy}, reps, seed, jobs, rule=rule,
                   max_iterations=max_iterations, backlog=backlog, log=log, cluster=cluster,
                   batch=batch, pool=pool)
    if found.stopped is not None and any(st.best is None and st.last is None
                                         for st in found.teams.values()):
        # cut short before any staffing of some team was simulated in full: nothing to keep
        # (Ctrl-C: KeyboardInterrupt, exit 130; SIGTERM: Terminated, 143; a lost worker: exit 3)
        from staffsim.experiment import raise_stopped

        raise_stopped(found.stopped, "the requirement search had no finished staffing to keep")
    finals: dict[str, Any] = {}
    for group, st in found.teams.items():
        final = st.best or st.last  # st.last: the search ended before any staffing met the targets
        if final is None:
            raise InputError(f"max_iterations: the search stopped after {max_iterations} iteration(s), "
                             f"before team {group!r}'s first staffing was simulated")
        finals[group] = final
    incomplete = found.stopped
    validation: dict[str, dict[str, Any]] = {}
    if validate and incomplete is None and busy:
        # against overfitting: repair on new customers (fresh each round), see staffsim.isa_validate
        state, incomplete = validate_answers(
            scenario, {g: (ch, finals[g].staffing, found.teams[g].cap) for g, ch in busy.items()},
            reps, seed, jobs, cluster, pool)
        for g, v in state.items():
            validation[g] = {"seeds": [validation_seed(seed, r) for r in range(v["rounds"])],
                             "rounds": v["rounds"], "added": v["added"], "left": v["left"]}
        changed = [g for g in busy if state[g]["added"]]
        if changed and incomplete is None:
            # the repaired staffing simulated on the search's customers: its tables and counts
            again, incomplete = _simulate_teams(scenario, [(g, busy[g], state[g]["staffing"]) for g in changed],
                                                reps, seed, jobs, cluster, rule, pool)
            for g, a in zip(changed, again):
                finals[g] = a
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
        final = finals[group]
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
                             "searched_by_day": bool(getattr(st, "split", False)),
                             "in_sample": miss_counts(final.slots, st.channels,
                                                      targets_of(scenario, st.channels)),
                             "staffing": final.staffing}
        if group in validation:
            teams_info[group]["validation"] = validation[group]
            if validation[group]["added"]:
                teams_info[group]["binding_note"] = "binding is the search's, before the validation repair"
    if check and incomplete is None and busy:
        runs = ([(g, ch, np.asarray(teams_info[g]["staffing"], np.int64)) for g, ch in busy.items()]
                + [(g, ch, erlang[g]) for g, ch in busy.items()])
        check_seed = seed + 2 if validate else seed + 1
        oos, incomplete = out_of_sample(scenario, runs, reps, check_seed, jobs, cluster, pool)
        if oos:
            for i, g in enumerate(busy):
                teams_info[g]["out_of_sample"] = oos[i]
                teams_info[g]["erlang_out_of_sample"] = oos[len(busy) + i]
                teams_info[g]["check_seed"] = check_seed
    for info in teams_info.values():
        info.pop("staffing", None)
    converged = incomplete is None and all(t["converged"] for t in teams_info.values())
    return Requirement(
        scenario=scenario, method="isa", table=pd.concat(frames, ignore_index=True),
        iterations=found.iterations, converged=converged, seed=seed, replications=reps,
        kpis=pd.concat(kpis, ignore_index=True) if kpis else None,
        extra={"rule": rule, "batch": batch, "staffings_simulated": found.staffings, "teams": teams_info,
               "incomplete": incomplete, "validate": validate},
    )


def _simulate_teams(scenario: Scenario, runs: list[tuple[str, list[str], np.ndarray]], replications: int,
                    seed: int, jobs: int | None, cluster: Any, rule: str, pool: Any = None
                    ) -> tuple[list[Any], str | None]:
    """Teams' staffings simulated on ``seed`` and assessed by ``rule``; and None or why cut short."""
    results, stopped = simulate_runs(scenario, runs, replications, seed, jobs, cluster, pool)
    if stopped is not None:
        return [], stopped
    return [assess(r, ch, targets_of(scenario, ch), rule) for (_, ch, _), r in zip(runs, results)], None


def isa_bytes(scenario: Scenario, teams: dict[str, list[str]], replications: int) -> float:
    """Memory the simulated search takes at its largest step, the descent over every slot: per
    team, one staffing per slot simulated in one batch (slots x the results of a team's run),
    their assessments kept (slots x slots x channels x KPIs), and the slots x slots unit steps."""
    k = scenario.spec.horizon.n_slots
    whole = result_bytes(scenario, replications)
    need = 0.0
    for channels in teams.values():
        share = len(channels) / max(1, len(scenario.channels))
        need += k * whole * share + float(k) * k * len(channels) * 40 * 8 + 8.0 * k * k
    return need


def check_isa_size(scenario: Scenario, teams: dict[str, list[str]], replications: int) -> None:
    """Refuse, before the first simulation, a simulated requirement beyond
    :data:`~staffsim.limits.MEMORY_BUDGET_BYTES` (it grows with the square of the slots)."""
    need = isa_bytes(scenario, teams, replications)
    if need > MEMORY_BUDGET_BYTES:
        k = scenario.spec.horizon.n_slots
        raise InputError(
            f"{scenario.label}: the simulated requirement (isa) over {k:,} slots x {replications} replications "
            f"would hold about {memory_text(need)} at its largest step (one staffing per slot, for "
            f"{len(teams)} team(s)), beyond staffsim's limit of {memory_text(MEMORY_BUDGET_BYTES)}; use longer "
            "slots, a shorter horizon, fewer replications, or method erlang")


def requirement(scenario: Scenario | str | Path, method: str = "erlang", replications: int | None = None,
                seed: int | None = None, jobs: int | None = None, **options: Any) -> Requirement:
    """Agents needed per team and slot (see the module doc for the methods).

    ``replications``, ``seed`` (default: the scenario's ``run``) and ``jobs`` (worker processes,
    None = all cores; the answer does not depend on it) are for ``isa``, as are the ``options``
    ``rule`` ("mean" or "interval": what "meets" means under simulation noise),
    ``max_iterations``, ``log`` (a function called with one line per iteration), ``cluster``
    (run the simulations on a Dask cluster, as in :func:`staffsim.simulate`; same answer),
    ``batch`` (:data:`staffsim.isa.BATCHES`), ``validate`` (repair on fresh customers, off by
    default here, on in the command) and ``check`` (the out-of-sample check, on).
    """
    scenario = as_scenario(scenario)
    if method not in METHODS:
        raise InputError(f"method: choose one of {', '.join(METHODS)}, got {method!r}")
    if method == "erlang":
        _check_traffic(scenario)
        if options:
            raise InputError(f"method erlang takes no option {next(iter(options))!r}")
        return erlang_requirement(scenario)
    team_channels(scenario)
    _check_traffic(scenario)
    unknown = set(options) - {"rule", "max_iterations", "log", "cluster", "batch", "check", "validate"}
    if unknown:
        raise InputError(f"requirement: unknown option {min(unknown)!r} "
                         "(options: rule, max_iterations, log, cluster, batch, check, validate)")
    return isa_requirement(scenario, replications, seed, jobs, **options)
