"""Typed results: what the engine logs and what experiments return.

Results never point back into the engine. Each carries the scenario, seed, replications and
staffsim version that produced it and can be written as CSV and JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.formatting import format_change, format_metric
from staffsim.io import dumps, output_batch, write_tables, write_text
from staffsim.scenarios.calendar import period_unit
from staffsim.targets import shared_threshold, target_columns


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
    ``extra``: per-attempt columns of the behaviours the scenario uses (first-contact
    resolution: ``level``, ``resolved``, ``deferred``, ``origin_channel``; appointments:
    ``customer_arrival``, ``reminded``; see :mod:`staffsim.engine.repeats` and
    :mod:`staffsim.engine.appointments`), empty otherwise. ``state`` 5 is an appointment's no-show.
    A repeat attempt's ``contact`` is the customer's number in the channel where the issue first
    came in (``extra["origin_channel"]``), which may not be the channel it arrives on.

    With customer behaviours, states 6 balked (left on arrival on seeing the queue), 7 took a
    callback (the live attempt ends there), 8 a callback dial not answered (dialled again later),
    9 a callback dial not answered and given up; kind 4 a callback dial (``arrival`` when it
    joined the line, ``origin`` when the callback was requested, NaN for other attempts);
    ``segment`` the contact's row in ``segment_names`` ("channel/segment"), -1 none. (Kind 3 is a
    repeat contact; the codes are :mod:`staffsim.engine.core`'s.) With center ``lines``, state 10
    blocked (found every line held: a busy signal; it may redial).
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
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    segment: np.ndarray | None = None
    segment_names: tuple[str, ...] = ()
    origin: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.channel)


def channel_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a table over all customer segments (``segment == "all"``; every row when the
    scenario has no segments)."""
    return frame[frame["segment"] == "all"] if "segment" in frame else frame


@dataclass(frozen=True, eq=False)
class RunResult:
    """The result of :func:`staffsim.simulate`.

    - ``slots``: one row per channel × slot, each KPI the mean over replications with a
      ``<kpi>_ci`` column holding the 95% confidence half-width;
    - ``groups``: one row per agent group × slot (staffing, breaks, occupancy);
    - ``per_replication``: whole-horizon KPIs per replication and channel;
    - with customer segments, ``slots`` and ``per_replication`` have a ``segment`` column:
      ``"all"`` on each channel's rows over all its segments, then a row per segment (select
      ``segment == "all"`` for the channel figures, see :func:`channel_rows`);
    - ``contacts``: the per-attempt log of replication 0 when asked for (``contacts=True``), else
      an empty table;
    - ``plan``: the Erlang staffing plan for the same scenario (shown beside the simulation);
    - ``scenario``, ``seed``, ``replications``, ``version``: provenance; ``complete`` is False
      when the run was interrupted and holds only the replications finished by then;
      ``stopped`` then says why: ``"interrupted"`` (Ctrl-C) or which worker process was lost
      while running which replication.
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
    stopped: str | None = None

    def summary(self) -> pd.DataFrame:
        """Whole-horizon KPIs per channel (and ``all`` channels): mean over replications and 95%
        half-width. Rates are ratios of horizon totals within each replication (volume-weighted),
        never averages of slot rates."""
        from staffsim.stats import mean_ci_table

        by = ["channel", "segment"] if "segment" in self.per_replication else ["channel"]
        return mean_ci_table(self.per_replication, by, sort=False)

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

    # --- week: money per team, forecast error -------------------------------------------------
    def team_costs(self) -> pd.DataFrame:
        """Per team: paid agent hours, agent cost, handling hours and share, and ``cost_<channel>``
        (its pay allocated to the channels it serves by the handling work it did for each):
        means over replications with ``_ci`` 95% half-widths. The team's cost is what it was
        paid; the channel columns are an allocation, not what a channel would save."""
        from staffsim.stats import mean_ci_table

        per = self.extra.get("teams_per_replication")
        if per is None:
            return pd.DataFrame(columns=["team"])
        return mean_ci_table(per, ["team"], sort=False)

    def forecast_error(self) -> pd.DataFrame:
        """How often the plan misses because of forecast error (channels with
        ``volume_uncertainty``; see :func:`staffsim.experiment.forecast_error_table`); empty
        without forecast error."""
        return self.extra.get("forecast_error", pd.DataFrame(columns=["channel"]))
    # --- end week -----------------------------------------------------------------------------

    def outbound(self) -> pd.DataFrame:
        """Per outbound campaign (scenarios with ``outbound:``): dialled, reached, reach rate,
        records left, inbound prevented and money (:mod:`staffsim.outbound_metrics`), means over
        replications with ``_ci`` 95% half-widths; empty without outbound."""
        from staffsim.stats import mean_ci_table

        per = self.extra.get("outbound_per_replication")
        if per is None:
            return pd.DataFrame(columns=["campaign"])
        return mean_ci_table(per, ["campaign"], sort=False)

    def outbound_slots(self) -> pd.DataFrame:
        """Per outbound campaign × slot: dials, reached, reach rate, inbound prevented and agents
        dialling (a time-average), means over replications with ``_ci``; empty without outbound."""
        return self.extra.get("outbound_slots", pd.DataFrame(columns=["campaign"]))

    def provenance(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "source": self.scenario.source,
            "seed": self.seed,
            "replications": self.replications,
            "version": self.version,
            "service_level_variant": self.service_level_variant,
            "complete": self.complete,
            "stopped": self.stopped,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.provenance(),
            "scenario_data": self.scenario.raw,
            "summary": self.summary(),
            "slots": self.slots,
            "groups": self.groups,
            "plan": self.plan,
            "teams": self.team_costs(),
            "forecast_error": self.forecast_error(),
            **({"outbound": self.outbound(), "outbound_slots": self.outbound_slots()}
               if "outbound_per_replication" in self.extra else {}),
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def write(self, directory: str | Path, *, contacts: bool = False, parquet: bool = False,
              **formats: Any) -> list[Path]:
        """Write ``slots``, ``summary``, ``groups``, ``plan``, ``teams`` (money per team),
        ``forecast_error`` (with forecast error), ``outbound`` and ``outbound_slots`` (with outbound
        campaigns) and ``contacts`` (when asked) as CSV (and
        Parquet) plus ``result.json`` into ``directory``, all or nothing. ``formats``:
        ``csv_dialect`` and ``xlsx`` (a workbook name) as :func:`staffsim.io.write_tables` takes."""
        tables = {"slots": self.slots, "summary": _with_targets(self.scenario, self.summary()),
                  "groups": self.groups, "plan": self.plan, "teams": self.team_costs()}
        if len(self.forecast_error()):
            tables["forecast_error"] = self.forecast_error()
        if "outbound_per_replication" in self.extra:
            tables["outbound"] = self.outbound()
            tables["outbound_slots"] = self.outbound_slots()
        if contacts:
            tables["contacts"] = self.contacts
        with output_batch():
            written = write_tables(directory, tables, parquet=parquet,
                                   currency=self.scenario.spec.costs.currency, **formats)
            return written + [write_text(Path(directory) / "result.json", self.to_json())]


def _with_targets(scenario: Any, summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as written (summary.csv): ``target`` and ``target_met`` beside the service
    level, so that a file opened on its own judges its figures (the ``all`` row's target reads
    ``mix: see channels`` when the channels' thresholds differ)."""
    marks = target_columns(scenario, summary)
    at = summary.columns.get_loc("service_level_ci") + 1 if "service_level_ci" in summary else len(summary.columns)
    out = summary.copy()
    out.insert(at, "target", marks["target"])
    out.insert(at + 1, "target_met", marks["target_met"])
    return out


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
        """One sentence for a manager: the changes with their 95% half-widths. Service level,
        abandonment and ASA are whole-center figures when every channel shares one threshold, and
        per channel otherwise; hours and money are the whole center's."""
        d = self.differences
        row = d[(d["variant"] == variant) & (d["channel"] == "all")].set_index("metric")
        days = self.baseline.scenario.spec.horizon.days
        cur = self.baseline.scenario.spec.costs.currency
        per = period_unit(days)  # week: totals over the horizon, labelled by its length

        def part(metric: str, name: str, per_day: bool = False, unit: str = "") -> str:
            r = row.loc[metric]
            k = 1
            text = format_change(metric, r["difference"] * k, r["ci"] * k, currency=cur)
            return f"{name} {text}{unit}"

        parts = [
            part("service_level", "service level"),
            part("abandon_rate", "abandonment"),
            part("asa_s", "ASA"),
            part("paid_agent_hours", "paid agent hours", True, f" {per}"),
            part("cost", "cost", True, f" {per}"),
        ]
        if not shared_threshold(self.baseline.scenario):
            # a pooled service level (or ASA) mixing 20 s and 24 h thresholds meets no one's
            # definition: service per channel, then the whole center's hours and money
            by_channel = []
            for channel in self.baseline.scenario.channels:
                crow = d[(d["variant"] == variant) & (d["channel"] == channel)
                         & (d.get("segment", "all") == "all")].set_index("metric")
                texts = [f"{name} {format_change(m, crow.loc[m, 'difference'], crow.loc[m, 'ci'], currency=cur)}"
                         for m, name in (("service_level", "service level"),
                                         ("abandon_rate", "abandonment"), ("asa_s", "ASA"))]
                by_channel.append(f"{channel} " + ", ".join(texts))
            parts = ["; ".join(by_channel) + ";", *parts[3:]]
        # first-contact resolution and appointments, when the scenarios have them
        extra = [part(m, name, per_day, f" {per}" if per_day else "")
                 for m, name, per_day in (("fcr", "FCR", False), ("repeats", "repeats", True),
                                          ("no_shows", "no-shows", True),
                                          ("appointment_value", "appointment value", True))
                 if m in row.index]
        parts[3:3] = extra
        if "balk_rate" in row.index:
            parts.insert(2, part("balk_rate", "balking"))
        text = (f"{variant} vs {self.baseline_label}: " + ", ".join(parts)).replace(";,", ";")
        return text + self._callbacks_part(variant, days)

    def _callbacks_part(self, variant: str, days: int) -> str:
        """With callbacks in the variant: how many, and how fast they were connected."""
        summary = self.variants[variant].summary()
        if "callbacks_accepted" not in summary:
            return ""
        total = summary.iloc[-1]  # all channels
        per = period_unit(days)  # totals over the horizon, as the rest of the headline
        text = (f"; callbacks {total['callbacks_accepted']:,.0f} ± {total['callbacks_accepted_ci']:,.0f} "
                f"{per}, connected {format_metric('callback_delay_s', total['callback_delay_s'])} "
                f"after the request on average")
        if math.isfinite(total["callback_service_level"]):
            text += (f", {format_metric('callback_service_level', total['callback_service_level'])} "
                     f"within their target")
        return text

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
            "stopped": next((r.stopped for r in self.results.values() if r.stopped), None),
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
    """The result of :func:`staffsim.sweep`: one parameter, or a grid of several.

    ``parameters`` are the swept fields and ``axes`` each one's values; ``points`` every
    combination simulated (the first parameter varies slowest), ``results`` each point's
    :class:`RunResult` (its tables; no per-attempt contact log).

    ``table`` is tidy: the point, then ``channel, metric, mean, ci`` (95% half-width over
    replications), including what the Erlang plan would need at each point
    (``plan_agents_peak``, ``plan_agent_hours``). For one parameter the point is a ``value``
    column; for a grid, one column per parameter (named by its path).

    ``steps`` holds the paired differences between neighbouring points: for one parameter
    ``from, to, channel, metric, difference, ci`` between consecutive values; for a grid, the
    neighbours along each axis with the other parameters held: ``parameter`` (the axis that
    moves), ``from``, ``to``, the other parameters' values (the moving one's column empty), then
    ``channel, metric, difference, ci``.
    """

    parameters: tuple[str, ...]
    axes: tuple[list[Any], ...]
    points: list[tuple]
    results: list[RunResult]
    table: pd.DataFrame
    steps: pd.DataFrame
    complete: bool = True

    @property
    def parameter(self) -> str:
        """The swept field (for a grid, the fields joined by " x ")."""
        return " x ".join(self.parameters)

    @property
    def values(self) -> list[Any]:
        """The swept values (for a grid, the points: tuples of values)."""
        return list(self.axes[0]) if len(self.parameters) == 1 else list(self.points)

    @property
    def stopped(self) -> str | None:
        return self.results[0].stopped

    def pivot(self, channel: str = "all", metrics: tuple[str, ...] | None = None) -> pd.DataFrame:
        """One row per point (a column per parameter): each metric's mean and ``<metric>_ci``
        for one channel."""
        t = self.table[self.table["channel"] == channel]
        metrics = metrics or tuple(dict.fromkeys(t["metric"]))
        wide = pd.DataFrame({p: [pt[k] for pt in self.points] for k, p in enumerate(self.parameters)})
        for m in metrics:
            wide[m] = t[t["metric"] == m]["mean"].to_numpy()
        for m in metrics:
            wide[f"{m}_ci"] = t[t["metric"] == m]["ci"].to_numpy()
        return wide

    def grid(self, metric: str, channel: str = "all", column: str = "mean") -> pd.DataFrame:
        """A two-parameter sweep as a matrix: one row per value of the first parameter, one
        column per value of the second; ``column`` ``"mean"`` or ``"ci"`` (95% half-width)."""
        if len(self.parameters) != 2:
            raise ValueError(f"grid() needs a sweep of two parameters, this one has {len(self.parameters)}")
        t = self.table[(self.table["channel"] == channel) & (self.table["metric"] == metric)]
        if t.empty:
            raise ValueError(f"no metric {metric!r} for channel {channel!r} in this sweep")
        a, b = self.axes
        matrix = pd.DataFrame(t[column].to_numpy(float).reshape(len(a), len(b)), index=a, columns=b)
        matrix.index.name, matrix.columns.name = self.parameters
        return matrix

    def to_dict(self) -> dict[str, Any]:
        first = self.results[0]
        head = ({"parameter": self.parameters[0], "values": self.values}
                if len(self.parameters) == 1 else {})
        return {
            **head,
            "parameters": list(self.parameters),
            "grid": {p: list(v) for p, v in zip(self.parameters, self.axes)},
            "points": len(self.points),
            "seed": first.seed,
            "replications": first.replications,
            "version": first.version,
            "source": first.scenario.source,
            "complete": self.complete,
            "stopped": self.stopped,
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
