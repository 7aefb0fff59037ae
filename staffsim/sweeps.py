"""Sweeps: a scenario simulated at every value of one field, or at every combination of values
of several fields (a full factorial grid), all on the same simulated customers.

Every point of a sweep runs with the same seed and replication numbers (common random
numbers), so differences between points are paired and a curve or a grid is smooth even with
few replications. All the points' replications go out as one batch (:func:`run_batch`), so a
grid fills a local pool or a Dask cluster as well as one long run does.

Memory: a sweep point keeps its tables (KPIs per slot and per replication, the Erlang plan), not
the per-attempt contact log a single run keeps; an 11 × 11 grid of 30 replications holds 121
small results.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError, excerpt
from staffsim.experiment import (
    BEHAVIOUR_METRICS,
    DECISION_METRICS,
    _scenario_arg,
    _values,
    check_result_size,
    decision_metrics,
    run_batch,
)
from staffsim.limits import MAX_SWEEP_VALUES
from staffsim.outcomes import OUTCOME_DECISION_METRICS
from staffsim.results import SweepResult
from staffsim.scenarios.scenario import Scenario
from staffsim.scenarios.yamlio import YAMLSyntaxError, load_yaml_text
from staffsim.stats import mean_ci, paired_difference

#: every metric a sweep's table may hold, per channel and for the whole center (``all``); the
#: repeat and appointment metrics only where the scenario has those behaviours
SWEEP_METRICS = DECISION_METRICS + OUTCOME_DECISION_METRICS + BEHAVIOUR_METRICS + (
    "offered_to_agents", "plan_agents_peak", "plan_agent_hours")

#: the most points (value combinations) one sweep may have
MAX_POINTS = 10_000


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
        count = np.floor((stop - start) / step + 1e-9) + 1
        if not count <= MAX_SWEEP_VALUES:
            raise InputError(f"{parameter}: {count:,.0f} values is too many for one sweep (at most "
                             f"{MAX_SWEEP_VALUES:,})")
        count = int(count)
        values = [round(start + i * step, 10) for i in range(count)]
        if all(float(x).is_integer() for x in (start, step)):
            values = [int(v) for v in values]
        return values
    if text.count(",") >= MAX_SWEEP_VALUES:
        raise InputError(f"{parameter}: {text.count(',') + 1:,} values is too many for one sweep (at most "
                         f"{MAX_SWEEP_VALUES:,})")
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
    parameter: str | Mapping[str, list[Any] | str],
    values: list[Any] | str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    *,
    service_level: str = "offered",
    progress: Any = None,
    cluster: Any = None,
) -> SweepResult:
    """Simulate the scenario at each value of one field, or on a grid of several.

    ``sweep(scenario, "path", values)`` sweeps one field (a path as in ``--set``);
    ``sweep(scenario, {"path": values, "path2": values2})`` every combination of the values
    (the first field varies slowest). Values are a list or text (``"0:0.6:0.1"``,
    ``"0,0.2,0.4"``). Every point runs on the same seeds (common random numbers), so the
    differences between neighbouring points are paired. The table also holds, per point, what
    the Erlang plan would need (``plan_agents_peak``, ``plan_agent_hours``). ``cluster``: run on
    a Dask cluster, as in :func:`staffsim.simulate`.
    """
    scenario = _scenario_arg("scenario", scenario)
    if isinstance(parameter, Mapping):
        if values is not None:
            raise InputError("sweep: with several parameters give each one's values in the mapping "
                             "({path: values, ...}), not as 'values'")
        grid = dict(parameter)
    else:
        if not isinstance(parameter, str):
            raise TypeError(f"parameter: expected a field path such as 'absence', got {excerpt(parameter)}")
        if values is None:
            raise InputError(f"sweep {parameter}: no values given")
        grid = {parameter: values}
    if not grid:
        raise InputError("sweep: give at least one parameter to sweep")
    axes = []
    for path, vals in grid.items():
        vals = parse_values(vals, path) if isinstance(vals, str) else list(vals)
        if not vals:
            raise InputError(f"{path}: no values to sweep")
        axes.append(vals)
    n_points = math.prod(len(a) for a in axes)  # counted before the grid is built
    if n_points > MAX_POINTS:
        raise InputError(f"sweep: {' x '.join(str(len(a)) for a in axes)} = {n_points:,} points is "
                         f"too many for one sweep (at most {MAX_POINTS:,})")
    check_result_size([scenario] * n_points, replications or scenario.spec.run.replications)
    points = list(itertools.product(*axes))
    params = tuple(grid)
    variants, labels = [], []
    for point in points:
        label = ", ".join(f"{p}={v!r}" for p, v in zip(params, point))
        try:
            variants.append(scenario.with_overrides(dict(zip(params, point))))
        except InputError as exc:
            raise InputError(f"sweep {label}: {exc}") from None
        labels.append(f"{scenario.label} ({label})")
    results = run_batch(variants, replications, seed, jobs, service_level=service_level,
                        progress=progress, label="sweeping", cluster=cluster, labels=labels,
                        contacts=False)
    return SweepResult(parameters=params, axes=tuple(axes), points=points, results=results,
                       table=_sweep_table(params, points, results), steps=_sweep_steps(params, axes, results),
                       complete=all(r.complete for r in results))


def _point_columns(params: tuple[str, ...], point: tuple) -> dict[str, Any]:
    """The columns naming a point: ``value`` for a one-parameter sweep, else one per parameter."""
    return {"value": point[0]} if len(params) == 1 else dict(zip(params, point))


def _sweep_table(params, points, results) -> pd.DataFrame:
    rows = []
    for point, res in zip(points, results):
        key = _point_columns(params, point)
        slot_h = res.scenario.spec.horizon.slot / 3600.0
        channels = list(res.per_replication["channel"].unique())
        for channel in channels:
            for metric in decision_metrics(*results) + ("offered_to_agents",):
                mean, half = mean_ci(_values(res, channel, metric))
                rows.append({**key, "channel": channel, "metric": metric,
                             "mean": float(mean), "ci": float(half)})
            plan = res.plan if channel == "all" else res.plan[res.plan["channel"] == channel]
            peak = plan.groupby(["day", "slot_start"])["agents"].sum().max() if len(plan) else 0
            rows.append({**key, "channel": channel, "metric": "plan_agents_peak",
                         "mean": float(peak), "ci": 0.0})
            rows.append({**key, "channel": channel, "metric": "plan_agent_hours",
                         "mean": float(plan["agents"].sum() * slot_h), "ci": 0.0})
    columns = list(_point_columns(params, points[0])) + ["channel", "metric", "mean", "ci"]
    table = pd.DataFrame(rows, columns=columns)
    table.attrs["parameter"] = params[0] if len(params) == 1 else list(params)
    return table


def _sweep_steps(params, axes, results) -> pd.DataFrame:
    """Paired differences between neighbouring points: along the one parameter (``from``,
    ``to``), or on a grid along each axis in turn with the other parameters held (``parameter``
    names the axis; its own column is empty)."""
    shape = tuple(len(a) for a in axes)
    index = np.arange(len(results)).reshape(shape)
    rows = []
    for axis, name in enumerate(params):
        for here in np.ndindex(*shape):
            if here[axis] + 1 >= shape[axis]:
                continue
            there = here[:axis] + (here[axis] + 1,) + here[axis + 1:]
            r0, r1 = results[index[here]], results[index[there]]
            fixed = {} if len(params) == 1 else {
                p: (None if k == axis else axes[k][here[k]]) for k, p in enumerate(params)}
            head = ({} if len(params) == 1 else {"parameter": name})
            for channel in r0.per_replication["channel"].unique():
                for metric in decision_metrics(*results):
                    d, half = paired_difference(_values(r0, channel, metric), _values(r1, channel, metric))
                    rows.append({**head, "from": axes[axis][here[axis]], "to": axes[axis][there[axis]],
                                 **fixed, "channel": channel, "metric": metric, "difference": d, "ci": half})
    columns = ([] if len(params) == 1 else ["parameter"]) + ["from", "to"] + (
        [] if len(params) == 1 else list(params)) + ["channel", "metric", "difference", "ci"]
    return pd.DataFrame(rows, columns=columns)
