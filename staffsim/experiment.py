"""Experiments: replications of a scenario (in a process pool), with the Erlang plan beside them.

Replication r of a scenario is a pure function of (scenario, seed, r), so results are identical
for any number of worker processes: replications are farmed out and gathered back in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim import __version__
from staffsim.engine import KIND_NAMES, run_replication
from staffsim.errors import InputError, excerpt
from staffsim.executors import run_tasks
from staffsim.limits import MAX_REPLICATIONS
from staffsim.metrics import (
    GROUP_KPIS,
    SERVICE_LEVEL_VARIANTS,
    SLOT_KPIS,
    group_kpis,
    horizon_kpis,
    integrate,
    replication_counts,
    slot_index,
    slot_kpis,
    slot_labels,
)
from staffsim.models.staffing import plan_staffing
from staffsim.progress import Progress
from staffsim.results import ComparisonResult, ContactLog, RunResult, SweepResult
from staffsim.scenarios.scenario import Scenario
from staffsim.scenarios.yamlio import YAMLSyntaxError, load_yaml_text
from staffsim.stats import mean_ci, paired_difference, unpaired_difference
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
        targets[name] = ch.target.to_targets(
            patience_s=pat.mean if pat is not None else None, shrinkage=shrink,
            concurrency=ch.concurrency, concurrency_stretch=ch.concurrency_stretch,
        )
    plan = plan_staffing(pd.concat(frames, ignore_index=True), targets, h.slot)
    plan.insert(1, "day", np.tile(day, len(spec.channels)))
    return plan


def plan_headcount(scenario: Scenario, plan: pd.DataFrame) -> dict[str, np.ndarray]:
    """Agents logged in per slot for every group staffed by slot (not on shifts): for
    ``staffing: plan`` the plan's net agents summed over the group's channels; for a list, the
    list (one day's repeated over the horizon)."""
    h = scenario.spec.horizon
    heads = {}
    for g in scenario.spec.agents:
        if g.staffing == "plan":
            heads[g.group] = sum(plan.loc[plan["channel"] == c, "agents"].to_numpy(np.int64) for c in g.skills)
        elif g.staffing is not None:
            per_slot = np.asarray(g.staffing, np.int64)
            heads[g.group] = np.tile(per_slot, h.days) if len(per_slot) == h.slots_per_day else per_slot
    return heads


def _replicate(args: tuple) -> dict[str, Any]:
    scenario, seed, rep, heads, variant, keep_contacts = args
    log = run_replication(scenario, seed, rep, heads)
    counts = replication_counts(log, scenario)
    h = scenario.spec.horizon
    out = {
        "slot": slot_kpis(counts, h.slot, variant),
        "group": group_kpis(counts, h.slot),
        "horizon": horizon_kpis(counts, scenario, variant),
        "conservation": _group_balance(log),
    }
    if keep_contacts:
        out["contacts"] = contacts_frame(log, scenario)
    return out


def _group_balance(log: ContactLog) -> np.ndarray:
    """Per group: (logged-in, busy, idle, break) seconds over the whole run."""
    lo, hi = np.array([log.run_start]), np.array([log.run_end])
    rows = []
    for g in range(len(log.groups)):
        rows.append([float(integrate(*log.levels[k][g], lo, hi)[0])
                     for k in ("logged_in", "busy", "idle", "on_break")])
    return np.array(rows)


def contacts_frame(log: ContactLog, scenario: Scenario) -> pd.DataFrame:
    """The per-attempt log as a table (times in seconds from midnight of day 1)."""
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
    progress: Any = None,
) -> RunResult:
    """Simulate ``replications`` independent days (default: the scenario's ``run``).

    ``jobs``: worker processes (None = all cores); the numbers do not depend on it.
    ``service_level``: which definition fills the ``service_level`` columns (see
    :mod:`staffsim.metrics`). ``progress``: None shows a bar on a terminal for long runs, False
    never, or an object with ``update()``/``close()``. Ctrl-C stops the run and returns the
    replications completed so far (``result.complete`` is then False).
    """
    return run_batch([scenario], replications, seed, jobs, service_level=service_level,
                     progress=progress, label="simulating")[0]


def run_batch(
    scenarios: list[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    service_level: str = "offered",
    progress: Any = None,
    label: str = "simulating",
) -> list[RunResult]:
    """Run several scenarios with the same seed and replication numbers (common random numbers).

    Replications and scenarios are farmed out together to ``jobs`` worker processes; the numbers
    are identical for any job count. Replication-major order means that when the run is
    interrupted, the first m replications of every scenario are complete: the results then hold
    exactly those (as if run with m replications) and ``complete`` is False.
    """
    for i, sc in enumerate(scenarios):
        _scenario_arg("scenario" if len(scenarios) == 1 else f"scenarios[{i}]", sc)
    first = scenarios[0].spec.run
    if jobs is not None:
        _whole("jobs", jobs, 1)
    reps = first.replications if replications is None else _whole("replications", replications, 1,
                                                                 MAX_REPLICATIONS)
    seed = first.seed if seed is None else _whole("seed", seed, 0)
    if service_level not in SERVICE_LEVEL_VARIANTS:
        raise InputError(
            f"service_level: choose one of {', '.join(SERVICE_LEVEL_VARIANTS)}, got {service_level!r}"
        )
    plans = [plan_for(sc) for sc in scenarios]
    heads = [plan_headcount(sc, p) for sc, p in zip(scenarios, plans)]
    tasks = [(sc, seed, r, hd, service_level, r == 0)
             for r in range(reps) for sc, hd in zip(scenarios, heads)]
    bar = progress
    if progress is None or isinstance(progress, bool):
        bar = Progress(len(tasks), label, enabled=None if progress is None else progress)
    outs = run_tasks(_replicate, tasks, jobs, bar)
    done_reps = len(outs) // len(scenarios)
    if done_reps == 0:
        raise KeyboardInterrupt
    per_scenario = [[outs[r * len(scenarios) + i] for r in range(done_reps)] for i in range(len(scenarios))]
    return [
        _assemble(sc, seed, done_reps, plan, o, service_level, complete=done_reps == reps)
        for sc, plan, o in zip(scenarios, plans, per_scenario)
    ]


def _scenario_arg(name: str, value: Any) -> Scenario:
    if not isinstance(value, Scenario):
        hint = " (load it first: staffsim.load_scenario(path))" if isinstance(value, (str, Path)) else ""
        raise TypeError(f"{name}: expected a Scenario{hint}, got {type(value).__name__} {excerpt(value)}")
    return value


def _whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole-number argument (replications, seed, jobs): ints only, no text, floats or bools."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: must be a whole number, got {type(value).__name__} {excerpt(value)}")
    value = int(value)
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"from {low} to {high:,}"
        raise InputError(f"{name}: must be a whole number {allowed}, got {value}")
    return value


def _mean_table(label: str, names: list[str], day, labels, outs, part: str, keys) -> pd.DataFrame:
    """Tidy per (name x slot) table of each KPI's mean over replications, then its ``_ci``."""
    n, ns = len(names), len(labels)
    table = pd.DataFrame({label: np.repeat(names, ns), "day": np.tile(day, n),
                          "slot_start": np.tile(labels, n)})
    cis = {}
    for key in keys:
        mean, half = mean_ci(np.stack([o[part][key] for o in outs]), axis=0)  # (R, names, slots)
        table[key] = mean.ravel()
        cis[f"{key}_ci"] = half.ravel()
    return pd.concat([table, pd.DataFrame(cis)], axis=1)


def _assemble(scenario, seed, reps, plan, outs, variant, complete=True) -> RunResult:
    day, labels = slot_labels(scenario)
    slots = _mean_table("channel", scenario.channels, day, labels, outs, "slot", SLOT_KPIS)
    groups = _mean_table("group", [g.group for g in scenario.spec.agents], day, labels, outs,
                         "group", GROUP_KPIS)
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
        complete=complete,
        extra={"group_balance": [o["conservation"] for o in outs]},
    )


# ---------------------------------------------------------------------------------------------
# Comparisons and sweeps
# ---------------------------------------------------------------------------------------------

#: the metrics compared and swept, per channel and for the whole center (channel "all")
DECISION_METRICS = (
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "answered",
    "paid_agent_hours",
    "agent_cost",
    "abandon_cost",
    "self_service_cost",
    "telephony_cost",
    "cost",
)


def _check_compatible(base: Scenario, other: Scenario) -> None:
    hb, ho = base.spec.horizon, other.spec.horizon
    if (hb.start, hb.end, hb.slot, hb.days) != (ho.start, ho.end, ho.slot, ho.days):
        raise InputError(
            f"{other.source or other.name}: cannot compare with {base.source or base.name}: "
            f"different horizons ({format_clock(ho.start)}-{format_clock(ho.end)} by {ho.slot:g}s "
            f"x {ho.days} day(s) vs {format_clock(hb.start)}-{format_clock(hb.end)} by {hb.slot:g}s "
            f"x {hb.days} day(s))"
        )
    if base.channels != other.channels:
        raise InputError(
            f"{other.source or other.name}: cannot compare with {base.source or base.name}: "
            f"different channels ({', '.join(other.channels)} vs {', '.join(base.channels)})"
        )
    if base.spec.costs.currency != other.spec.costs.currency:
        raise InputError(
            f"{other.source or other.name}: costs are in {other.spec.costs.currency}, "
            f"the baseline's in {base.spec.costs.currency}"
        )


def _values(result: RunResult, channel: str, metric: str) -> np.ndarray:
    pr = result.per_replication
    return pr.loc[pr["channel"] == channel, metric].to_numpy(float)


def differences_table(base: RunResult, variants: dict[str, RunResult], *, paired: bool = True) -> pd.DataFrame:
    """Tidy ``variant, channel, metric, baseline, value, difference, ci`` (95% half-width: of the
    paired per-replication differences, or Welch's for independent runs)."""
    rows = []
    channels = list(base.per_replication["channel"].unique())
    for label, res in variants.items():
        for channel in channels:
            for metric in DECISION_METRICS:
                b, v = _values(base, channel, metric), _values(res, channel, metric)
                diff, half = (paired_difference if paired else unpaired_difference)(b, v)
                rows.append({
                    "variant": label, "channel": channel, "metric": metric,
                    "baseline": float(mean_ci(b)[0]), "value": float(mean_ci(v)[0]),
                    "difference": diff, "ci": half,
                })
    return pd.DataFrame(rows, columns=["variant", "channel", "metric", "baseline", "value",
                                       "difference", "ci"])


def compare(
    baseline: Scenario,
    *variants: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    paired: bool = True,
    service_level: str = "offered",
    progress: Any = None,
) -> ComparisonResult:
    """Run a baseline and its variants on the same simulated customers and difference them.

    Every scenario runs with the same seed and replication numbers, so replication r of each is
    the same day's customers (common random numbers) and the differences are paired: their
    confidence intervals are much narrower than those of independent runs. ``paired=False`` runs
    each variant on fresh seeds instead (for demonstrating that, or when scenarios differ in
    volumes so that pairing means little). Scenarios must share the horizon and channels.
    """
    if not variants:
        raise InputError("compare: give at least one variant to compare with the baseline")
    _scenario_arg("baseline", baseline)
    for i, v in enumerate(variants):
        _scenario_arg(f"variants[{i}]", v)
    for v in variants:
        _check_compatible(baseline, v)
    labels = _unique_labels([baseline, *variants])
    if paired:
        results = run_batch([baseline, *variants], replications, seed, jobs,
                            service_level=service_level, progress=progress, label="comparing")
    else:
        seed0 = baseline.spec.run.seed if seed is None else int(seed)
        results = [simulate(sc, replications, seed0 + 7919 * i, jobs, service_level=service_level,
                            progress=progress) for i, sc in enumerate([baseline, *variants])]
    base, rest = results[0], dict(zip(labels[1:], results[1:]))
    return ComparisonResult(
        baseline_label=labels[0], baseline=base, variants=rest,
        differences=differences_table(base, rest, paired=paired), paired=paired,
        complete=all(r.complete for r in results),
    )


def _unique_labels(scenarios: list[Scenario]) -> list[str]:
    labels = []
    for sc in scenarios:
        label, k = sc.label, 2
        while label in labels:
            label, k = f"{sc.label}_{k}", k + 1
        labels.append(label)
    return labels


def parse_values(text: str, parameter: str = "value") -> list[Any]:
    """``"0:0.6:0.1"`` (start:stop:step, stop included when on the grid) or ``"0,0.1,0.3"``."""
    text = text.strip()
    if not text:
        raise InputError(f"{parameter}: no values given (use start:stop:step or a comma list)")
    if ":" in text and "," not in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise InputError(f"{parameter}: a range is start:stop:step, got {text!r}")
        try:
            start, stop, step = (float(p) for p in parts)
        except ValueError:
            raise InputError(f"{parameter}: range bounds must be numbers, got {text!r}") from None
        if not all(np.isfinite([start, stop, step])) or step <= 0:
            raise InputError(f"{parameter}: the step must be a number > 0, got {text!r}")
        if stop < start:
            raise InputError(f"{parameter}: the range ends before it starts ({text!r})")
        count = int(np.floor((stop - start) / step + 1e-9)) + 1
        if count > 1000:
            raise InputError(f"{parameter}: {count} values is too many for one sweep (at most 1000)")
        values = [round(start + i * step, 10) for i in range(count)]
        if all(float(x).is_integer() for x in (start, step)):
            values = [int(v) for v in values]
        return values
    values = []
    for part in text.split(","):
        try:
            values.append(load_yaml_text(part.strip(), f"--param {parameter}"))
        except YAMLSyntaxError:
            values.append(part.strip())
    if len(set(map(repr, values))) != len(values):
        raise InputError(f"{parameter}: a value is listed twice in {text!r}")
    return values


def sweep(
    scenario: Scenario,
    parameter: str,
    values: list[Any] | str,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    service_level: str = "offered",
    progress: Any = None,
) -> SweepResult:
    """Simulate the scenario at each value of one field (a path as in ``--set``).

    Every value runs on the same seeds (common random numbers), so the curve is smooth and the
    differences between neighbouring points are paired. The table also holds, per value, what
    the Erlang plan would need (``plan_agents_peak``, ``plan_agent_hours``).
    """
    _scenario_arg("scenario", scenario)
    if not isinstance(parameter, str):
        raise TypeError(f"parameter: expected a field path such as 'absence', got {excerpt(parameter)}")
    if isinstance(values, str):
        values = parse_values(values, parameter)
    if not values:
        raise InputError(f"{parameter}: no values to sweep")
    variants = []
    for v in values:
        try:
            variants.append(scenario.with_overrides({parameter: v}))
        except InputError as exc:
            raise InputError(f"sweep {parameter}={v!r}: {exc}") from None
    results = run_batch(variants, replications, seed, jobs, service_level=service_level,
                        progress=progress, label="sweeping")
    return SweepResult(parameter=parameter, values=list(values), results=results,
                       table=_sweep_table(parameter, values, results), steps=_sweep_steps(values, results),
                       complete=all(r.complete for r in results))


def _sweep_table(parameter, values, results) -> pd.DataFrame:
    rows = []
    for value, res in zip(values, results):
        slot_h = res.scenario.spec.horizon.slot / 3600.0
        channels = list(res.per_replication["channel"].unique())
        for channel in channels:
            for metric in DECISION_METRICS + ("offered_to_agents",):
                mean, half = mean_ci(_values(res, channel, metric))
                rows.append({"value": value, "channel": channel, "metric": metric,
                             "mean": float(mean), "ci": float(half)})
            plan = res.plan if channel == "all" else res.plan[res.plan["channel"] == channel]
            peak = plan.groupby(["day", "slot_start"])["agents"].sum().max() if len(plan) else 0
            rows.append({"value": value, "channel": channel, "metric": "plan_agents_peak",
                         "mean": float(peak), "ci": 0.0})
            rows.append({"value": value, "channel": channel, "metric": "plan_agent_hours",
                         "mean": float(plan["agents"].sum() * slot_h), "ci": 0.0})
    table = pd.DataFrame(rows, columns=["value", "channel", "metric", "mean", "ci"])
    table.attrs["parameter"] = parameter
    return table


def _sweep_steps(values, results) -> pd.DataFrame:
    rows = []
    for (v0, r0), (v1, r1) in zip(zip(values, results), zip(values[1:], results[1:])):
        for channel in r0.per_replication["channel"].unique():
            for metric in DECISION_METRICS:
                d, half = paired_difference(_values(r0, channel, metric), _values(r1, channel, metric))
                rows.append({"from": v0, "to": v1, "channel": channel, "metric": metric,
                             "difference": d, "ci": half})
    return pd.DataFrame(rows, columns=["from", "to", "channel", "metric", "difference", "ci"])
