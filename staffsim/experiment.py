"""Experiments: replications of a scenario, with the Erlang plan beside them; compare.

Replication r of a scenario is a pure function of (scenario, seed, r), so results are identical
for any number of worker processes or cluster workers: replications are farmed out (by
:mod:`staffsim.executors`, the one place that knows where they run) and gathered back in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim._version import __version__
from staffsim.engine import BALKED, CALLBACK, KIND_NAMES, run_replication
from staffsim.engine.core import DIAL
from staffsim.erlang_plan import backlog_work, is_backlog, late_slots, plan_for
from staffsim.erlang_plan import plan_inputs as _plan_inputs
from staffsim.errors import InputError, WorkerLost, excerpt
from staffsim.executors import run_tasks
from staffsim.limits import (
    MAX_CONTACTS_LOGGED,
    MAX_REPLICATIONS,
    MEMORY_BUDGET_BYTES,
    RESULT_BYTES_PER_CELL,
    memory_text,
)
from staffsim.metrics import (
    GROUP_KPIS,
    SERVICE_LEVEL_VARIANTS,
    group_kpis,
    horizon_kpis,
    kpi_names,
    row_order,
    segment_inputs,
    segment_rows,
    slot_calendar,
    slot_index,
    slot_kpis,
    team_money,
)
from staffsim.models.staffing import plan_staffing
from staffsim.outbound_metrics import (
    OUTBOUND_DECISION_METRICS,
    OUTBOUND_SLOT_KPIS,
    outbound_kpis,
    outbound_slot_kpis,
    with_outbound_columns,
)
from staffsim.outcomes import (
    APPOINTMENT_SLOT_KPIS,
    OUTCOME_DECISION_METRICS,
    REPEAT_SLOT_KPIS,
)
from staffsim.progress import Progress
from staffsim.results import ComparisonResult, ContactLog, RunResult
from staffsim.scenarios.loader import as_scenario
from staffsim.scenarios.scenario import Scenario
from staffsim.scenarios.schema import RESERVED_SEGMENT
from staffsim.stats import mean_ci, paired_difference, unpaired_difference
from staffsim.stopping import INTERRUPTED, TERMINATED, exception_for
from staffsim.transfer_kpis import TRANSFER_SLOT_KPIS
from staffsim.units import format_clock

# attempt states (staffsim.engine.core): 5 an appointment's no-show; 6-7 left at the door
STATE_NAMES = ("unfinished", "in_service", "answered", "abandoned", "deflected", "no_show", "balked",
               "callback", "", "", "blocked")
# the outcome of a callback dial (kind "callback"), by state
DIAL_STATE_NAMES = ("pending", "dialling", "connected", "", "", "", "", "", "no_answer", "callback_failed", "")
CONTACT_COLUMNS = ["channel", "contact", "attempt", "kind", "day", "slot_start", "arrival_s", "arrival",
                   "outcome", "deflected", "answered", "abandoned", "answer_s", "wait_s", "handle_s",
                   "end_s", "group"]


def forecast_error_table(scenario: Scenario, seed: int, reps: int, plan: pd.DataFrame,
                         outs: list) -> pd.DataFrame:
    """How often the plan misses because of forecast error, per channel with
    ``volume_uncertainty``, over every (slot, replication) with load:

    - ``erlang_miss_share``: the plan's agents miss a target by the same model at the volume the
      replication drew (forecast × its gamma multiplier): Erlang per slot, or for a backlog
      channel the backlog model (the slot's share of work not answered by its deadline,
      :func:`staffsim.erlang_plan.late_slots`); 0 without the error, since the plan meets every
      target at the forecast;
    - ``simulated_below_target``: the simulated service level is below the channel's target;
    - ``simulated_below_target_ci``: its 95% half-width over replications."""
    from staffsim.engine.draws import volume_multiplier
    from staffsim.stats import mean_ci

    forecast, targets, slot, _ = _plan_inputs(scenario)
    h = scenario.spec.horizon
    days = h.slot_days()
    rows = []
    for ci, name in enumerate(scenario.channels):
        unc = scenario.channel(name).volume_uncertainty
        if unc is None or not (forecast["channel"] == name).any():  # appointments: no forecast error
            continue
        base = forecast[forecast["channel"] == name].reset_index(drop=True)
        agents = plan.loc[plan["channel"] == name, "agents"].to_numpy()
        busy = base["volume"].to_numpy() > 0
        backlog = is_backlog(scenario, name)
        work = backlog_work(scenario, name, base) if backlog else None
        misses, below = [], []
        for r in range(reps):
            g = np.array([volume_multiplier(unc, seed, r, name, int(d), k) for k, d in enumerate(days)])
            if backlog:
                miss = late_slots(scenario, name, agents, work * g)
            else:
                drawn = base.assign(volume=base["volume"] * g)
                miss = plan_staffing(drawn, {name: targets[name]}, slot)["agents"].to_numpy() > agents
            misses.append(float(np.mean(miss[busy])) if busy.any() else np.nan)
            sl = outs[r]["slot"]["service_level"][ci]
            ok = np.isfinite(sl)
            below.append(float(np.mean(sl[ok] < targets[name].service_level)) if ok.any() else np.nan)
        m_below, h_below = mean_ci(np.array(below))
        rows.append({"channel": name, "cv": unc.cv, "per": unc.per,
                     "erlang_miss_share": float(np.nanmean(misses)),
                     "simulated_below_target": float(m_below),
                     "simulated_below_target_ci": float(h_below)})
    return pd.DataFrame(rows, columns=["channel", "cv", "per", "erlang_miss_share",
                                       "simulated_below_target", "simulated_below_target_ci"])


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
            heads[g.group] = h.per_slot(np.asarray(g.staffing, np.int64))
    return heads


def _replicate(args: tuple) -> dict[str, Any]:
    scenario, seed, rep, heads, variant, keep_contacts = args
    result = run_replication(scenario, seed, rep, heads, keep_log=keep_contacts)
    counts = result.counts
    h = scenario.spec.horizon
    out = {
        "slot": slot_kpis(counts, h.slot, variant),
        "group": group_kpis(counts, h.slot),
        "horizon": horizon_kpis(counts, scenario, variant),
        "conservation": result.balance,
        "teams": team_money(counts, scenario),
    }
    if "segment_counts" in counts:
        out["slot"] = _with_segment_rows(out["slot"], counts, scenario, variant)
    if "outbound" in counts:  # outbound campaigns (staffsim/outbound_metrics.py)
        out["outbound"] = outbound_kpis(counts, scenario)
        out["horizon"] = with_outbound_columns(out["horizon"], out["outbound"], scenario)
        out["outbound_slot"] = outbound_slot_kpis(counts, h.slot)
    if keep_contacts:
        out["contacts"] = contacts_frame(result.log, scenario)
    return out


def _replicate_shared(shared: tuple, task: tuple) -> dict[str, Any]:
    """One replication of one of a batch's scenarios: ``shared`` is sent once per worker."""
    scenarios, heads, seed, variant = shared
    i, rep, keep_contacts = task
    return _replicate((scenarios[i], seed, rep, heads[i], variant, keep_contacts))


def _with_segment_rows(kpis: dict[str, np.ndarray], counts: dict, scenario: Scenario,
                       variant: str) -> dict[str, np.ndarray]:
    """Per-slot KPIs with each channel's customer segments as extra rows after the channel's
    (:func:`~staffsim.metrics.row_order`); agent figures are the channel's, undefined per segment,
    and so are the figures of another behaviour counted per channel only (appointments'
    shows, first-contact resolution: NaN on the segment rows)."""
    seg = slot_kpis(segment_inputs(counts, counts["segment_counts"], scenario), scenario.spec.horizon.slot,
                    variant)
    order = row_order(scenario)
    for key, value in kpis.items():  # issue 20: counted per channel only
        if key not in seg:
            seg[key] = np.full((len(segment_rows(scenario)),) + value.shape[1:], np.nan)
    return {key: np.stack([(seg if is_seg else kpis)[key][i] for is_seg, i in order]) for key in kpis}


def table_rows(scenario: Scenario) -> pd.DataFrame:
    """The rows of the per-slot table before the slots: ``channel``, and with customer segments
    ``segment`` (``"all"`` for the channel's rows over every segment, then each segment's)."""
    rows = segment_rows(scenario)
    if not rows:
        return pd.DataFrame({"channel": scenario.channels})
    return pd.DataFrame([rows[i] if is_seg else (scenario.channels[i], RESERVED_SEGMENT)
                         for is_seg, i in row_order(scenario)], columns=["channel", "segment"])


def contacts_frame(log: ContactLog, scenario: Scenario) -> pd.DataFrame:
    """The per-attempt log as a table (times in seconds from midnight of day 1)."""
    k = slot_index(scenario, log.arrival)
    cal = slot_calendar(scenario)
    day, labels = cal["day"].to_numpy(), cal["slot_start"].to_numpy()
    clock = _clock_labels(log.arrival)
    answered = (log.state == 1) | (log.state == 2)
    wait = np.where(answered, log.answer - log.arrival, np.nan)
    wait = np.where(log.state == 3, log.end - log.arrival, wait)
    wait = np.where(log.state == 0, log.run_end - log.arrival, wait)
    groups = np.array(list(log.groups) + [""], dtype=object)
    dial = log.kind == DIAL  # callback dials: waited from the request, handled only when connected
    if log.origin is not None:
        answered = answered & ~dial
        wait = np.where(dial, np.nan, wait)
    wait = np.where((log.state == BALKED) | (log.state == CALLBACK), 0.0, wait)  # left at the door
    frame = pd.DataFrame({
        "channel": np.array(log.channels, dtype=object)[log.channel],
        "contact": log.contact,
        "attempt": log.attempt.astype(int) + 1,
        "kind": np.array(KIND_NAMES, dtype=object)[log.kind],
        "day": day[k],
        **{col: cal[col].to_numpy()[k] for col in ("date", "weekday") if col in cal},
        "slot_start": labels[k],
        "arrival_s": log.arrival,
        "arrival": clock,
        "outcome": np.where(dial, np.array(DIAL_STATE_NAMES, dtype=object)[log.state],
                            np.array(STATE_NAMES, dtype=object)[log.state]),
        "deflected": log.state == 4,
        "answered": answered,
        "abandoned": log.state == 3,
        "answer_s": log.answer,
        "wait_s": np.where(log.state == 4, np.nan, wait),
        "handle_s": np.where(answered, log.handle, np.nan),
        "end_s": log.end,
        "group": groups[log.group],
        **_extra_contact_columns(log),
    })
    if log.segment is not None:
        names = np.array([n.split("/", 1)[1] for n in log.segment_names] + [""], dtype=object)
        frame.insert(2, "segment", names[log.segment])
    if log.origin is not None:
        frame["callback_requested_s"] = log.origin
        frame["dial_s"] = np.where(dial, log.handle, np.nan)
    return frame


def _extra_contact_columns(log: ContactLog) -> dict[str, np.ndarray]:
    """First-contact resolution and appointment columns, for scenarios that use them:
    ``repeat`` (0 for a first contact, n for its n-th repeat), ``issue_channel`` (where the issue
    first came in), ``resolved`` (True / False once an agent finished the contact, else empty),
    ``repeat_deferred``; ``customer_arrival_s`` and ``reminded`` for appointments."""
    x = log.extra
    out: dict[str, np.ndarray] = {}
    if "level" in x:
        out["repeat"] = x["level"]
        out["issue_channel"] = np.array(log.channels, dtype=object)[x["origin_channel"]]
        out["resolved"] = np.where(x["resolved"] < 0, None, x["resolved"] == 1).astype(object)
        out["repeat_deferred"] = x["deferred"]
    if "customer_arrival" in x:
        out["customer_arrival_s"] = x["customer_arrival"]
        out["reminded"] = x["reminded"]
    return out


# every minute of a day (and 24:00, what a time within half a second of midnight rounds to) and
# every second of a minute, formatted once: the labels are two lookups and one join per contact
_MINUTE_LABELS = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60 + 1)], dtype=object)
_SECOND_LABELS = np.array([""] + [f":{s:02d}" for s in range(1, 60)], dtype=object)


def _clock_labels(times: np.ndarray) -> np.ndarray:
    """``HH:MM`` or ``HH:MM:SS`` time of day for each time (vectorised
    :func:`~staffsim.units.format_clock` of the time of day)."""
    total = np.rint(np.asarray(times, float) % 86400).astype(np.int64)
    return _MINUTE_LABELS[total // 60] + _SECOND_LABELS[total % 60]


def simulate(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    service_level: str = "offered",
    progress: Any = None,
    contacts: bool = False,
    cluster: Any = None,
    slot_replications: bool = False,
) -> RunResult:
    """Simulate ``replications`` independent days (default: the scenario's ``run``).

    ``jobs``: worker processes (None = all cores); the numbers do not depend on it.
    ``contacts``: keep the per-attempt log of replication 0 (``result.contacts``; otherwise an
    empty table, and the run is faster).
    ``cluster``: run the replications on a Dask cluster instead: a scheduler address
    (``"tcp://HOST:8786"``), ``"local"`` (a ``LocalCluster`` of ``jobs`` workers for this run) or
    a ``distributed.Client``; the numbers are the same (see :mod:`staffsim.executors`).
    ``service_level``: which definition fills the ``service_level`` columns (see
    :mod:`staffsim.metrics`). ``progress``: None shows a bar on a terminal for long runs, False
    never, or an object with ``update()``/``close()``. Ctrl-C stops the run and returns the
    replications completed so far (``result.complete`` is then False). ``slot_replications``:
    also keep every replication's per-slot KPIs (``result.extra["slot_replications"]``, each KPI
    an array replications × rows × slots; for prediction bands, see
    :mod:`staffsim.history.backtest`).
    """
    return run_batch([scenario], replications, seed, jobs, service_level=service_level,
                     progress=progress, label="simulating", contacts=contacts, cluster=cluster,
                     slot_replications=slot_replications)[0]


def run_batch(
    scenarios: list[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    service_level: str = "offered",
    progress: Any = None,
    label: str = "simulating",
    cluster: Any = None,
    labels: list[str] | None = None,
    contacts: bool = False,
    slot_replications: bool = False,
    forecast_error: bool = True,
    erlang_plan: bool = True,
    pool: Any = None,
) -> list[RunResult]:
    """Run several scenarios with the same seed and replication numbers (common random numbers).

    Replications and scenarios are farmed out together to ``jobs`` worker processes, or to a
    Dask ``cluster`` (as in :func:`simulate`); the numbers are identical for any job count and
    on a cluster. Replication-major order means that when the run is stopped early (Ctrl-C, or
    a worker process killed by the operating system), the first m replications of every
    scenario are complete: the results then hold exactly those (as if run with m replications),
    ``complete`` is False and ``stopped`` says why (:data:`~staffsim.stopping.INTERRUPTED`,
    :data:`~staffsim.stopping.TERMINATED` or a sentence naming a lost worker). The contract
    callers rely on: ``complete`` is True only when every replication asked for finished, and
    then ``stopped`` is None. A worker lost before any replication of every scenario finished
    raises :class:`~staffsim.errors.WorkerLost`; Ctrl-C then raises ``KeyboardInterrupt`` and
    SIGTERM :class:`~staffsim.errors.Terminated` (see :func:`raise_stopped`). ``labels`` name the scenarios in messages (default: their labels);
    ``contacts=False`` keeps no per-attempt log (``RunResult.contacts`` is then empty);
    ``slot_replications=True`` keeps every replication's per-slot KPIs in
    ``extra["slot_replications"]`` (off by default; see :func:`simulate`);
    ``forecast_error=False`` leaves out ``extra["forecast_error"]`` (an Erlang plan per
    replication: callers that read only the simulated KPIs, like the ISA search, skip its cost);
    ``erlang_plan=False`` leaves the Erlang plan out of the results (``RunResult.plan`` empty;
    computed all the same for a group staffed from the plan, which needs it to run);
    ``pool``: a :class:`staffsim.executors.WorkerPool` whose workers run the replications and
    are kept for the caller's next batch (the numbers are the same).
    """
    scenarios = [_scenario_arg("scenario" if len(scenarios) == 1 else f"scenarios[{i}]", sc)
                 for i, sc in enumerate(scenarios)]
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
    if contacts:
        for sc in scenarios:
            n = float(sum(np.sum(v) for v in sc.volumes.values()))
            if n > MAX_CONTACTS_LOGGED:
                raise InputError(f"{sc.label}: the per-contact log of {n:,.0f} contacts is beyond the "
                                 f"limit of {MAX_CONTACTS_LOGGED:,} (it keeps every attempt); run "
                                 "without contacts (the per-slot tables need no log) or a shorter horizon")
    check_result_size(scenarios, reps)
    plans = [plan_for(sc) if erlang_plan or any(g.staffing == "plan" for g in sc.spec.agents)
             else pd.DataFrame() for sc in scenarios]
    heads = [plan_headcount(sc, p) for sc, p in zip(scenarios, plans)]
    tasks = [(i, r, contacts and r == 0) for r in range(reps) for i in range(len(scenarios))]
    names = labels or [sc.label for sc in scenarios]

    def describe(k: int) -> str:
        return f"replication {k // len(scenarios)} of {names[k % len(scenarios)]}"

    bar = progress
    if progress is None or isinstance(progress, bool):
        bar = Progress(len(tasks), label, enabled=None if progress is None else progress)
    outcome = run_tasks(_replicate_shared, tasks, jobs, bar, shared=(scenarios, heads, seed, service_level),
                        cluster=cluster, describe=describe, pool=pool)
    outs = outcome.results
    done_reps = len(outs) // len(scenarios)
    if done_reps == 0:
        raise_stopped(outcome.stopped or INTERRUPTED, "no replication had finished")
    stopped = outcome.stopped if done_reps < reps else None
    per_scenario = [[outs[r * len(scenarios) + i] for r in range(done_reps)] for i in range(len(scenarios))]
    results = [
        _assemble(sc, seed, done_reps, plan, o, service_level, complete=done_reps == reps, stopped=stopped,
                  forecast_error=forecast_error)
        for sc, plan, o in zip(scenarios, plans, per_scenario)
    ]
    if slot_replications:  # every replication's per-slot KPIs (prediction bands); off by default
        for res, o in zip(results, per_scenario):
            res.extra["slot_replications"] = {k: np.stack([x["slot"][k] for x in o]) for k in o[0]["slot"]}
    return results


def result_bytes(scenario: Scenario, replications: int) -> float:
    """Memory the per-slot results of ``replications`` replications of a scenario take: rows
    (channels, segments) x slots x KPIs plus groups x slots x group KPIs, per replication."""
    slots = scenario.spec.horizon.n_slots
    rows = len(segment_rows(scenario)) or len(scenario.channels)
    cells = rows * slots * (len(kpi_names(scenario)) + 8) + len(scenario.spec.agents) * slots * len(GROUP_KPIS)
    return float(replications) * cells * RESULT_BYTES_PER_CELL


def check_result_size(scenarios: list[Scenario], replications: int) -> None:
    """Refuse, before simulating, a run whose results (replications x scenarios x slots x rows,
    jointly) would take more than :data:`~staffsim.limits.MEMORY_BUDGET_BYTES`."""
    need = sum(result_bytes(sc, replications) for sc in scenarios)
    if need > MEMORY_BUDGET_BYTES:
        per_rep = need / replications
        most = int(MEMORY_BUDGET_BYTES // per_rep)
        sc = scenarios[0]
        what = (f"{len(scenarios):,} scenarios x " if len(scenarios) > 1 else "") + (
            f"{replications:,} replications x {sc.spec.horizon.n_slots:,} slots")
        raise InputError(f"{sc.label}: {what} would hold about {memory_text(need)} of per-slot results, "
                         f"beyond staffsim's limit of {memory_text(MEMORY_BUDGET_BYTES)}; use at most "
                         f"{max(most, 0):,} replications" + (" (or fewer points)" if len(scenarios) > 1 else "")
                         + " or a shorter horizon")


def raise_stopped(stopped: str, note: str = "") -> None:
    """Raise what a run's ``stopped`` means, for a caller that cannot use a shorter run (a closed
    loop must not certify what it did not simulate): ``KeyboardInterrupt`` for Ctrl-C,
    :class:`~staffsim.errors.Terminated` for SIGTERM (the CLI exits 130 and 143), and
    :class:`~staffsim.errors.WorkerLost` (exit 3) for a lost worker, its message naming what it
    was running, then ``note``."""
    if stopped in (INTERRUPTED, TERMINATED):
        raise exception_for(stopped)
    raise WorkerLost(f"{stopped}; {note}" if note else stopped)


def _scenario_arg(name: str, value: Any) -> Scenario:
    """A scenario argument: a Scenario, a scenario file's path or its data (as_scenario)."""
    return as_scenario(value, name)


def _whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole-number argument (replications, seed, jobs): ints only, no text, floats or bools."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: must be a whole number, got {type(value).__name__} {excerpt(value)}")
    value = int(value)
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"from {low} to {high:,}"
        raise InputError(f"{name}: must be a whole number {allowed}, got {value}")
    return value


def _mean_table(label: str, names, cal: pd.DataFrame, outs, part: str, keys) -> pd.DataFrame:
    """Tidy per (name x slot) table of each KPI's mean over replications, then its ``_ci``.
    ``names``: the row names, or a frame of row labels (e.g. channel and segment); ``cal`` the
    slots' calendar columns (:func:`~staffsim.metrics.slot_calendar`)."""
    rows = names if isinstance(names, pd.DataFrame) else pd.DataFrame({label: names})
    n, ns = len(rows), len(cal)
    table = rows.loc[rows.index.repeat(ns)].reset_index(drop=True)
    # every column built first and the frame made once (one column at a time costs a copy each)
    columns = {col: np.tile(cal[col].to_numpy(), n) for col in cal.columns}
    cis = {}
    for key in keys:
        mean, half = mean_ci(np.stack([o[part][key] for o in outs]), axis=0)  # (R, names, slots)
        columns[key] = mean.ravel()
        cis[f"{key}_ci"] = half.ravel()
    new = {k: v for k, v in columns.items() if k not in table.columns}
    for k in set(columns) - set(new):  # a name already among the row labels: replaced in place
        table[k] = columns[k]
    return pd.concat([table, pd.DataFrame(new, index=table.index), pd.DataFrame(cis, index=table.index)],
                     axis=1)


def _assemble(scenario, seed, reps, plan, outs, variant, complete=True, stopped=None,
              forecast_error=True) -> RunResult:
    cal = slot_calendar(scenario)
    present = [k for k in REPEAT_SLOT_KPIS + APPOINTMENT_SLOT_KPIS + TRANSFER_SLOT_KPIS if k in outs[0]["slot"]]
    slots = _mean_table("channel", table_rows(scenario), cal, outs, "slot",
                        kpi_names(scenario) + tuple(dict.fromkeys(present)))
    groups = _mean_table("group", [g.group for g in scenario.spec.agents], cal, outs,
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
        contacts=outs[0].get("contacts", pd.DataFrame(columns=CONTACT_COLUMNS)),
        plan=plan,
        service_level_variant=variant,
        complete=complete,
        stopped=stopped,
        extra={"group_balance": [o["conservation"] for o in outs],
               "teams_per_replication": pd.concat(
                   [o["teams"].assign(replication=r) for r, o in enumerate(outs)], ignore_index=True),
               **({"forecast_error": forecast_error_table(scenario, seed, reps, plan, outs)}
                  if forecast_error and any(scenario.channel(c).volume_uncertainty for c in scenario.channels)
                  else {}),
               **({"outbound_per_replication": pd.concat(  # outbound (staffsim/outbound_metrics.py)
                   [o["outbound"].assign(replication=r) for r, o in enumerate(outs)], ignore_index=True),
                   "outbound_slots": _mean_table("campaign", list(scenario.spec.outbound), cal, outs,
                                                 "outbound_slot", OUTBOUND_SLOT_KPIS)}
                  if "outbound" in outs[0] else {})},
    )


# ---------------------------------------------------------------------------------------------
# Comparisons (sweeps: staffsim.sweeps)
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
    sb, so = hb.slot_starts(), ho.slot_starts()
    if (hb.slot, hb.days, hb.start_date) != (ho.slot, ho.days, ho.start_date) or not np.array_equal(sb, so):
        def text(h, s):
            dated = f" from {h.day_name(0)}" if h.start_date else ""
            return (f"{len(s)} slots of {h.slot:g}s over {h.days} day(s){dated}, "
                    f"{format_clock(h.start)}-{format_clock(h.end)} by default")
        raise InputError(
            f"{other.source or other.name}: cannot compare with {base.source or base.name}: "
            f"different horizons ({text(ho, so)} vs {text(hb, sb)})"
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


def decision_metrics(*results: RunResult) -> tuple[str, ...]:
    """The metrics compared and swept: :data:`DECISION_METRICS`, plus those of first-contact
    resolution and appointments that every result has, and the behaviour metrics any has."""
    extra = [m for m in OUTCOME_DECISION_METRICS if all(m in r.per_replication for r in results)]
    behaviours = [m for m in BEHAVIOUR_METRICS if any(m in r.per_replication for r in results)]
    return DECISION_METRICS + tuple(extra) + tuple(behaviours)


#: compared and swept too when a scenario uses balking or callbacks
BEHAVIOUR_METRICS = ("balk_rate", "callbacks_accepted", "callbacks_connected", "callback_service_level",
                     "callback_delay_s", "callback_dials_unanswered",
                     "blocked", "block_rate",  # blocked: center lines (issue 20)
                     "transferred", "transfer_wait_s", "conferenced", "conference_hold_s",  # transfers (issue 20)
                     *OUTBOUND_DECISION_METRICS)  # outbound campaigns (issue 20)
_NONE_WHEN_OFF = ("balk_rate", "callbacks_accepted", "callbacks_connected", "callback_dials_unanswered",
                  "blocked", "block_rate", "transferred", "conferenced", *OUTBOUND_DECISION_METRICS)


def _values(result: RunResult, channel: str, metric: str) -> np.ndarray:
    """A channel's (all segments') whole-horizon values per replication. A behaviour metric of a
    scenario without the behaviour is 0 (nobody balked, no callback) or undefined (a callback
    delay)."""
    pr = result.per_replication
    rows = pr["channel"] == channel
    if "segment" in pr:
        rows &= pr["segment"] == RESERVED_SEGMENT
    if metric not in pr:
        return np.full(int(rows.sum()), 0.0 if metric in _NONE_WHEN_OFF else np.nan)
    return pr.loc[rows, metric].to_numpy(float)


def differences_table(base: RunResult, variants: dict[str, RunResult], *, paired: bool = True) -> pd.DataFrame:
    """Tidy ``variant, channel, metric, baseline, value, difference, ci`` (95% half-width: of the
    paired per-replication differences, or Welch's for independent runs)."""
    rows = []
    channels = list(base.per_replication["channel"].unique())
    for label, res in variants.items():
        for channel in channels:
            for metric in decision_metrics(base, res):
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
    baseline: Scenario | str | Path,
    *variants: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    paired: bool = True,
    service_level: str = "offered",
    progress: Any = None,
    cluster: Any = None,
) -> ComparisonResult:
    """Run a baseline and its variants on the same simulated customers and difference them.

    Every scenario runs with the same seed and replication numbers, so replication r of each is
    the same day's customers (common random numbers) and the differences are paired: their
    confidence intervals are much narrower than those of independent runs. ``paired=False`` runs
    each variant on fresh seeds instead (for demonstrating that, or when scenarios differ in
    volumes so that pairing means little). Scenarios must share the horizon and channels.
    ``cluster``: run on a Dask cluster, as in :func:`simulate`.
    """
    if not variants:
        raise InputError("compare: give at least one variant to compare with the baseline")
    baseline = _scenario_arg("baseline", baseline)
    variants = tuple(_scenario_arg(f"variants[{i}]", v) for i, v in enumerate(variants))
    for v in variants:
        _check_compatible(baseline, v)
    labels = _unique_labels([baseline, *variants])
    if paired:
        results = run_batch([baseline, *variants], replications, seed, jobs,
                            service_level=service_level, progress=progress, label="comparing",
                            cluster=cluster, labels=labels)
    else:
        seed0 = baseline.spec.run.seed if seed is None else int(seed)
        results = [simulate(sc, replications, seed0 + 7919 * i, jobs, service_level=service_level,
                            progress=progress, cluster=cluster)
                   for i, sc in enumerate([baseline, *variants])]
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
