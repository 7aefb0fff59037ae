"""Experiments: replications of a scenario (in a process pool), with the Erlang plan beside them.

Replication r of a scenario is a pure function of (scenario, seed, r), so results are identical
for any number of worker processes: replications are farmed out and gathered back in order.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from staffsim import __version__
from staffsim.engine import KIND_NAMES, run_replication
from staffsim.errors import InputError
from staffsim.metrics import (
    GROUP_KPIS,
    SERVICE_LEVEL_VARIANTS,
    SLOT_KPIS,
    group_kpis,
    horizon_kpis,
    replication_counts,
    slot_kpis,
    slot_labels,
)
from staffsim.models.staffing import ChannelTargets, plan_staffing
from staffsim.results import ContactLog, RunResult
from staffsim.scenarios.scenario import Scenario
from staffsim.stats import mean_ci
from staffsim.units import format_clock

STATE_NAMES = ("unfinished", "in_service", "answered", "abandoned", "deflected")


def plan_for(scenario: Scenario) -> pd.DataFrame:
    """The Erlang staffing plan for a scenario, slot by slot (see :func:`plan_staffing`).

    The load offered to agents is the volume not contained by self-service (plus the contained
    contacts that come back, in the same slot), with handle time × (1 + uplift). Channels with a
    patience use Erlang A with its mean (exact for exponential patience, an approximation
    otherwise); retrials, carry-over between slots, breaks and shared skills are not in this
    model. Shrinkage comes from the group staffed "from plan" that serves the channel, if any.
    """
    spec = scenario.spec
    h = spec.horizon
    day, labels = slot_labels(scenario)
    frames = []
    targets = {}
    for name, ch in spec.channels.items():
        ss = ch.self_service
        keep = 1.0 - (ss.deflection * (1.0 - ss.failure) if ss else 0.0)
        uplift = 1.0 + (ss.handle_time_uplift if ss else 0.0)
        frames.append(pd.DataFrame({
            "channel": name,
            "slot_start": labels,
            "volume": scenario.volumes[name] * keep,
            "aht_s": ch.handle_time.to_distribution().mean * uplift,
        }))
        shrink = next((g.shrinkage for g in spec.agents if g.staffing == "plan" and name in g.skills), 0.0)
        pat = scenario.patience(name)
        targets[name] = ChannelTargets(
            service_level=ch.target.service_level,
            threshold_s=ch.target.threshold,
            asa_s=ch.target.asa,
            patience_s=pat.mean if pat is not None else None,
            max_abandon=ch.target.max_abandon,
            max_occupancy=ch.target.max_occupancy,
            shrinkage=shrink,
            concurrency=ch.concurrency,
            concurrency_stretch=ch.concurrency_stretch,
        )
    plan = plan_staffing(pd.concat(frames, ignore_index=True), targets, h.slot)
    plan.insert(1, "day", np.tile(day, len(spec.channels)))
    return plan


def plan_headcount(scenario: Scenario, plan: pd.DataFrame) -> dict[str, np.ndarray]:
    """Net agents per slot for every channel (what groups staffed "from plan" log in)."""
    return {c: plan.loc[plan["channel"] == c, "agents"].to_numpy() for c in scenario.channels}


def _replicate(args: tuple) -> dict[str, Any]:
    scenario, seed, rep, heads, variant, keep_contacts = args
    log = run_replication(scenario, seed, rep, heads)
    counts = replication_counts(log, scenario)
    h = scenario.spec.horizon
    out = {
        "slot": slot_kpis(counts, h.slot, variant),
        "group": group_kpis(counts, h.slot),
        "horizon": horizon_kpis(counts, log.channels, h.n_slots * h.slot, variant),
        "conservation": _group_balance(log),
    }
    if keep_contacts:
        out["contacts"] = contacts_frame(log, scenario)
    return out


def _group_balance(log: ContactLog) -> np.ndarray:
    """Per group: (logged-in, busy, idle, break) seconds over the whole run."""
    from staffsim.metrics import integrate

    lo, hi = np.array([log.run_start]), np.array([log.run_end])
    rows = []
    for g in range(len(log.groups)):
        rows.append([float(integrate(*log.levels[k][g], lo, hi)[0])
                     for k in ("logged_in", "busy", "idle", "on_break")])
    return np.array(rows)


def contacts_frame(log: ContactLog, scenario: Scenario) -> pd.DataFrame:
    """The per-attempt log as a table (times in seconds from midnight of day 1)."""
    from staffsim.metrics import slot_index

    k = slot_index(scenario, log.arrival)
    day, labels = slot_labels(scenario)
    answered = (log.state == 1) | (log.state == 2)
    wait = np.where(answered, log.answer - log.arrival, np.nan)
    wait = np.where(log.state == 3, log.end - log.arrival, wait)
    wait = np.where(log.state == 0, log.run_end - log.arrival, wait)
    groups = np.array(list(log.groups) + [""], dtype=object)
    return pd.DataFrame({
        "channel": np.array(log.channels, dtype=object)[log.channel],
        "contact": log.contact,
        "attempt": log.attempt.astype(int) + 1,
        "kind": np.array(KIND_NAMES, dtype=object)[log.kind],
        "day": day[k],
        "slot_start": labels[k],
        "arrival_s": log.arrival,
        "arrival": [format_clock(t % 86400) for t in log.arrival],
        "outcome": np.array(STATE_NAMES, dtype=object)[log.state],
        "deflected": log.state == 4,
        "answered": answered,
        "abandoned": log.state == 3,
        "answer_s": log.answer,
        "wait_s": np.where(log.state == 4, np.nan, wait),
        "handle_s": np.where(answered, log.handle, np.nan),
        "end_s": log.end,
        "group": groups[log.group],
    })


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    service_level: str = "offered",
) -> RunResult:
    """Simulate ``replications`` independent days (default: the scenario's ``run``).

    ``jobs``: worker processes (None = all cores); the numbers do not depend on it.
    ``service_level``: which definition fills the ``service_level`` columns (see
    :mod:`staffsim.metrics`).
    """
    run = scenario.spec.run
    reps = run.replications if replications is None else int(replications)
    seed = run.seed if seed is None else int(seed)
    if reps < 1:
        raise InputError(f"replications: must be >= 1, got {reps}")
    if seed < 0:
        raise InputError(f"seed: must be a whole number >= 0, got {seed}")
    if service_level not in SERVICE_LEVEL_VARIANTS:
        raise InputError(f"service_level: choose one of {', '.join(SERVICE_LEVEL_VARIANTS)}, got {service_level!r}")
    plan = plan_for(scenario)
    heads = plan_headcount(scenario, plan)
    tasks = [(scenario, seed, r, heads, service_level, r == 0) for r in range(reps)]
    outs = _map(_replicate, tasks, jobs)
    return _assemble(scenario, seed, reps, plan, outs, service_level)


def _map(fn, tasks: list, jobs: int | None) -> list:
    workers = (os.cpu_count() or 1) if jobs is None else max(1, int(jobs))
    workers = min(workers, len(tasks))
    if workers <= 1:
        return [fn(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, tasks))


def _assemble(scenario, seed, reps, plan, outs, variant) -> RunResult:
    h = scenario.spec.horizon
    names = scenario.channels
    day, labels = slot_labels(scenario)
    nc, ns = len(names), h.n_slots
    slots = pd.DataFrame({
        "channel": np.repeat(names, ns),
        "day": np.tile(day, nc),
        "slot_start": np.tile(labels, nc),
    })
    cis = {}
    for key in SLOT_KPIS:
        stack = np.stack([o["slot"][key] for o in outs])  # (R, channels, slots)
        mean, half = mean_ci(stack, axis=0)
        slots[key] = mean.ravel()
        cis[f"{key}_ci"] = half.ravel()
    for key, values in cis.items():
        slots[key] = values
    groups_names = [g.group for g in scenario.spec.agents]
    ng = len(groups_names)
    groups = pd.DataFrame({
        "group": np.repeat(groups_names, ns),
        "day": np.tile(day, ng),
        "slot_start": np.tile(labels, ng),
    })
    gcis = {}
    for key in GROUP_KPIS:
        stack = np.stack([o["group"][key] for o in outs])
        mean, half = mean_ci(stack, axis=0)
        groups[key] = mean.ravel()
        gcis[f"{key}_ci"] = half.ravel()
    for key, values in gcis.items():
        groups[key] = values
    per_rep = pd.concat(
        [o["horizon"].assign(replication=r) for r, o in enumerate(outs)], ignore_index=True
    )
    per_rep = per_rep[["replication"] + [c for c in per_rep.columns if c != "replication"]]
    return RunResult(
        scenario=scenario,
        seed=seed,
        replications=reps,
        version=__version__,
        slots=slots,
        groups=groups,
        per_replication=per_rep,
        contacts=outs[0]["contacts"],
        plan=plan,
        service_level_variant=variant,
        extra={"group_balance": [o["conservation"] for o in outs]},
    )
