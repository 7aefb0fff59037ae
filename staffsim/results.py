"""Typed results: what the engine logs and what experiments return.

Results never point back into the engine. Each carries the scenario, seed, replications and
staffsim version that produced it and can be written as CSV and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.formatting import format_change
from staffsim.io import dumps, output_batch, write_tables, write_text


@dataclass(frozen=True, eq=False)
class ContactLog:
    """Everything one replication recorded (arrays, one entry per attempt).

    ``state``: 1 in service at the end, 2 answered and finished, 3 abandoned, 4 deflected by
    self-service, 0 still waiting at the end (unfinished). ``answer`` and ``end`` are NaN where
    they did not happen. ``levels[key][g]`` = (times, deltas): the number of agents of group ``g``
    logged in / on break / busy (holding at least one contact) / idle changes by ``delta`` at
    ``time``. ``queue[c]`` = (times, lengths) after every change of channel ``c``'s queue.
    ``scheduled_s[g, k]``: scheduled (paid) agent-seconds of group g in slot k: the shifts of the
    agents who showed up, or the gross headcount of a group staffed from plan.
    ``overtime_s[g]``: time agents of group g stayed logged in past their scheduled end.
    ``run_start`` / ``run_end``: the simulated interval (the end includes the drain).
    """

    channels: tuple[str, ...]
    groups: tuple[str, ...]
    concurrency: tuple[int, ...]
    channel: np.ndarray
    contact: np.ndarray
    attempt: np.ndarray
    kind: np.ndarray
    arrival: np.ndarray
    answer: np.ndarray
    end: np.ndarray
    state: np.ndarray
    group: np.ndarray
    handle: np.ndarray
    levels: dict[str, list[tuple[np.ndarray, np.ndarray]]]
    queue: list[tuple[np.ndarray, np.ndarray]]
    scheduled_s: np.ndarray
    overtime_s: np.ndarray
    run_start: float
    run_end: float

    def __len__(self) -> int:
        return len(self.channel)


@dataclass(frozen=True, eq=False)
class RunResult:
    """The result of :func:`staffsim.simulate`.

    - ``slots``: one row per channel × slot, each KPI the mean over replications with a
      ``<kpi>_ci`` column holding the 95% confidence half-width;
    - ``groups``: one row per agent group × slot (staffing, breaks, occupancy);
    - ``per_replication``: whole-horizon KPIs per replication and channel;
    - ``contacts``: the per-attempt log of replication 0;
    - ``plan``: the Erlang staffing plan for the same scenario (shown beside the simulation);
    - ``scenario``, ``seed``, ``replications``, ``version``: provenance; ``complete`` is False
      when the run was interrupted and holds only the replications finished by then.
    """

    scenario: Any
    seed: int
    replications: int
    version: str
    slots: pd.DataFrame
    groups: pd.DataFrame
    per_replication: pd.DataFrame
    contacts: pd.DataFrame
    plan: pd.DataFrame
    service_level_variant: str = "offered"
    complete: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Whole-horizon KPIs per channel (and ``all`` channels): mean over replications and 95%
        half-width. Rates are ratios of horizon totals within each replication (volume-weighted),
        never averages of slot rates."""
        from staffsim.stats import mean_ci_table

        return mean_ci_table(self.per_replication, ["channel"], sort=False)

    def team_staffing(self) -> pd.DataFrame:
        """Per team: the Erlang agents its channels need (peak, hours) beside its logged-in
        agents (peak, hours; means over replications)."""
        spec = self.scenario.spec
        slot_h = spec.horizon.slot / 3600.0
        rows = []
        for g in spec.agents:
            plan = self.plan[self.plan["channel"].isin(g.skills)]
            need = plan.groupby(["day", "slot_start"], sort=False)["agents"].sum()
            team = self.groups[self.groups["group"] == g.group]
            rows.append({
                "team": g.group,
                "channels": ", ".join(g.skills),
                "plan_peak": int(need.max()) if len(need) else 0,
                "plan_agent_hours": float(need.sum() * slot_h),
                "staffed_peak": float(team["staffed"].max()),
                "staffed_agent_hours": float(team["staffed"].sum() * slot_h),
            })
        return pd.DataFrame(rows)

    def provenance(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "source": self.scenario.source,
            "seed": self.seed,
            "replications": self.replications,
            "version": self.version,
            "service_level_variant": self.service_level_variant,
            "complete": self.complete,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.provenance(),
            "scenario_data": self.scenario.raw,
            "summary": self.summary(),
            "slots": self.slots,
            "groups": self.groups,
            "plan": self.plan,
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def write(self, directory: str | Path, *, contacts: bool = False, parquet: bool = False,
              **formats: Any) -> list[Path]:
        """Write ``slots``, ``summary``, ``groups``, ``plan`` (and ``contacts``) as CSV (and
        Parquet) plus ``result.json`` into ``directory``, all or nothing. ``formats``:
        ``csv_dialect`` and ``xlsx`` (a workbook name) as :func:`staffsim.io.write_tables` takes."""
        tables = {"slots": self.slots, "summary": self.summary(), "groups": self.groups, "plan": self.plan}
        if contacts:
            tables["contacts"] = self.contacts
        with output_batch():
            written = write_tables(directory, tables, parquet=parquet,
                                   currency=self.scenario.spec.costs.currency, **formats)
            return written + [write_text(Path(directory) / "result.json", self.to_json())]


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """The result of :func:`staffsim.compare`.

    ``baseline`` and ``variants`` (label → :class:`RunResult`) hold each scenario's KPIs;
    ``differences`` is tidy: ``variant, channel, metric, baseline, value, difference, ci`` with
    ``channel == "all"`` for the whole center and ``ci`` the 95% half-width of the paired
    (common random numbers) difference over replications.
    """

    baseline_label: str
    baseline: RunResult
    variants: dict[str, RunResult]
    differences: pd.DataFrame
    paired: bool = True
    complete: bool = True

    @property
    def results(self) -> dict[str, RunResult]:
        return {self.baseline_label: self.baseline, **self.variants}

    def summaries(self) -> pd.DataFrame:
        """Whole-horizon KPIs of every scenario (``scenario`` column first)."""
        return pd.concat([r.summary().assign(scenario=label) for label, r in self.results.items()],
                         ignore_index=True).pipe(lambda f: f[["scenario"] + [c for c in f if c != "scenario"]])

    def headline(self, variant: str) -> str:
        """One sentence for a manager: the whole-center changes with their 95% half-widths."""
        d = self.differences
        row = d[(d["variant"] == variant) & (d["channel"] == "all")].set_index("metric")
        days = self.baseline.scenario.spec.horizon.days
        cur = self.baseline.scenario.spec.costs.currency
        per = "per day" if days == 1 else f"per day (over {days} days)"

        def part(metric: str, name: str, per_day: bool = False, unit: str = "") -> str:
            r = row.loc[metric]
            k = 1 / days if per_day else 1
            text = format_change(metric, r["difference"] * k, r["ci"] * k, currency=cur)
            return f"{name} {text}{unit}"

        parts = [
            part("service_level", "service level"),
            part("abandon_rate", "abandonment"),
            part("asa_s", "ASA"),
            part("paid_agent_hours", "paid agent hours", True, f" {per}"),
            part("cost", "cost", True, f" {per}"),
        ]
        return f"{variant} vs {self.baseline_label}: " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        b = self.baseline
        return {
            "baseline": self.baseline_label,
            "variants": list(self.variants),
            "seed": b.seed,
            "replications": b.replications,
            "version": b.version,
            "paired": self.paired,
            "complete": self.complete,
            "sources": {label: r.scenario.source for label, r in self.results.items()},
            "headlines": [self.headline(v) for v in self.variants],
            "differences": self.differences,
            "summaries": self.summaries(),
        }

    def write(self, directory: str | Path, *, parquet: bool = False, **formats: Any) -> list[Path]:
        """``differences``, ``summaries`` (CSV, and Parquet) and ``result.json``, all or nothing
        (``formats`` as :meth:`RunResult.write`)."""
        tables = {"differences": self.differences, "summaries": self.summaries()}
        with output_batch():
            written = write_tables(directory, tables, parquet=parquet,
                                   currency=self.baseline.scenario.spec.costs.currency, **formats)
            return written + [write_text(Path(directory) / "result.json", dumps(self.to_dict()))]


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The result of :func:`staffsim.sweep`.

    ``table`` is tidy: ``value, channel, metric, mean, ci`` (95% half-width over replications),
    including what the Erlang plan would need at each value (``plan_agents_peak``,
    ``plan_agent_hours``); ``steps`` holds the paired differences between neighbouring values;
    ``results`` each value's :class:`RunResult`.
    """

    parameter: str
    values: list[Any]
    results: list[RunResult]
    table: pd.DataFrame
    steps: pd.DataFrame
    complete: bool = True

    def pivot(self, channel: str = "all", metrics: tuple[str, ...] | None = None) -> pd.DataFrame:
        """One row per value: each metric's mean and ``<metric>_ci`` for one channel."""
        t = self.table[self.table["channel"] == channel]
        metrics = metrics or tuple(dict.fromkeys(t["metric"]))
        wide = pd.DataFrame({self.parameter: self.values})
        for m in metrics:
            part = t[t["metric"] == m]
            wide[m] = part["mean"].to_numpy()
        for m in metrics:
            wide[f"{m}_ci"] = t[t["metric"] == m]["ci"].to_numpy()
        return wide

    def to_dict(self) -> dict[str, Any]:
        first = self.results[0]
        return {
            "parameter": self.parameter,
            "values": self.values,
            "seed": first.seed,
            "replications": first.replications,
            "version": first.version,
            "source": first.scenario.source,
            "complete": self.complete,
            "table": self.table,
            "steps": self.steps,
        }

    def write(self, directory: str | Path, *, parquet: bool = False, **formats: Any) -> list[Path]:
        """``sweep`` and ``steps`` (CSV, and Parquet) and ``result.json``, all or nothing
        (``formats`` as :meth:`RunResult.write`)."""
        with output_batch():
            written = write_tables(directory, {"sweep": self.table, "steps": self.steps},
                                   parquet=parquet, currency=self.results[0].scenario.spec.costs.currency,
                                   **formats)
            return written + [write_text(Path(directory) / "result.json", dumps(self.to_dict()))]
