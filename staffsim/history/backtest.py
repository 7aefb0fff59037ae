"""``staffsim backtest``: simulate the days the center had and set them beside what it observed.

For every day of the staffing table, a one-day scenario is built from the given (fitted or
hand-written) scenario: the day's opening hours are the slots the staffing table covers, every
team is logged in slot by slot as the table says (no shifts, breaks or absence: the table already
holds who was there), and the arrivals are either the observed ones replayed at their observed
times (``arrivals="observed"``, the default: the band then holds only what the model adds —
handle times, patience, who waits) or Poisson with the observed count of each slot as its mean
(``arrivals="volumes"``), or the scenario's own forecast volumes for those dates with its forecast
error (``arrivals="forecast"``: how good the plan's inputs were, forecast included). Retrials,
self-service (the log holds the contacts that reached the queue) and events are switched off, and forecast error too unless the arrivals are the forecast: the observed
arrivals already hold the redials, and the day's volumes are known. Each day is simulated with its
own seed (drawn from ``seed`` and the date by :func:`staffsim.rng.stream`), so days are independent.

Per channel and slot, and per channel and day, the observed service level, ASA, abandon rate and
occupancy stand beside the simulation's mean and its **95% prediction band**: the 2.5th and
97.5th percentiles of the KPI over replications. It is the range one day's KPI should fall in if
the model is right — not the confidence interval of the simulated mean, which shrinks with more
replications. The calibration summary counts, per KPI, the share of slots (and days) whose
observation is inside its band, beside the share expected: each replication in turn is treated as
the observation and checked against the band of the other replications (leave one out), which
gives the expected share and its 95% range under the model, discreteness and correlation between
slots included. The bias per KPI is the mean of observed − simulated mean over the slots.

Observed KPIs follow :mod:`staffsim.metrics`: contacts count in the slot they arrived; service
level = answered within the channel's threshold ÷ arrived; ASA = mean wait of the answered;
abandon rate = abandoned ÷ arrived; occupancy = handling time inside the slot (answer to end,
split across slots) of the channels the channel's teams serve ÷ (their agents logged in × slot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim._version import __version__
from staffsim.errors import InputError, excerpt
from staffsim.history.contacts import ContactLog, read_contacts
from staffsim.history.staffing import read_staffing
from staffsim.rng import stream
from staffsim.scenarios.loader import as_scenario
from staffsim.scenarios.scenario import Scenario, scenario_from_dict
from staffsim.units import format_clock

__all__ = ["KPIS", "BacktestResult", "backtest"]

KPIS = ("service_level", "asa_s", "abandon_rate", "occupancy")
BAND = (2.5, 97.5)


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Observed against simulated, per slot (``slots``) and per day (``days``): for each KPI of
    :data:`KPIS`, ``<kpi>_observed``, ``<kpi>_simulated`` (mean over replications), ``<kpi>_lo``
    and ``<kpi>_hi`` (the 95% prediction band) and ``<kpi>_inside``; ``calibration``: per KPI and
    level (slot, day) the share inside, the expected share and its 95% range (leave one out),
    and the bias; ``notes``: what was left out and why (counted)."""

    scenario: str
    source: str
    slots: pd.DataFrame
    days: pd.DataFrame
    calibration: pd.DataFrame
    notes: list[str]
    seed: int
    replications: int
    arrivals: str
    version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def provenance(self) -> dict[str, Any]:
        """Scenario, observed log, seed, replications, arrivals mode, version."""
        return {"scenario": self.scenario, "observed": self.source, "seed": self.seed,
                "replications": self.replications, "arrivals": self.arrivals, "version": self.version,
                "band": "2.5-97.5 percentiles of per-replication KPIs (a prediction band for one day)"}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables written by :meth:`write`."""
        return {"backtest_slots": self.slots, "backtest_days": self.days, "calibration": self.calibration}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**self.provenance(), "notes": self.notes, **self.tables()}

    def write(self, directory: str | Path, *, plot: bool = False, **formats: Any) -> list[Path]:
        """The tables as CSV and ``backtest.json`` (with ``plot``, ``backtest_<channel>.png``),
        all or nothing."""
        from staffsim.io import dumps, output_batch, write_tables, write_text

        d = Path(directory)
        with output_batch():
            written = write_tables(d, self.tables(), **formats)
            written.append(write_text(d / "backtest.json", dumps(self.to_dict())))
            if plot:
                from staffsim.history.backtest_plots import backtest_figures
                from staffsim.plots import save_figures

                written += save_figures(backtest_figures(self), d)
        return written


def _seed_for(seed: int, date) -> int:
    return int(stream(seed, 0, "backtest-day", str(date)).integers(0, 2**31 - 1))


def _forecast_volumes(scenario: Scenario) -> dict[str, dict[tuple, float]]:
    """The scenario's own volume per channel, keyed by (date, seconds after midnight)."""
    h = scenario.spec.horizon
    if h.start_date is None:
        raise InputError(f"{scenario.source or scenario.name}: --arrivals forecast takes the scenario's own "
                         "volumes on the observed dates: give it a dated horizon (horizon.start_date, e.g. "
                         "volumes from a forecast file with dates)")
    starts = h.slot_starts()
    keys = [(h.date(int(s // 86400)), float(s % 86400)) for s in starts]
    return {c: dict(zip(keys, scenario.volumes[c].tolist())) for c in scenario.channels}


def _day_scenario(base: Scenario, date, open_s: float, close_s: float, heads: dict[str, np.ndarray],
                  arrivals: dict[str, np.ndarray], mode: str, slot: float,
                  forecast: dict | None = None) -> Scenario:
    raw = {k: v for k, v in base.raw.items() if k not in ("events", "extends")}
    raw["horizon"] = {"start": format_clock(open_s), "end": format_clock(close_s), "slot": slot,
                      "start_date": date.isoformat(), "days": 1}
    raw["absence"] = 0.0
    raw["name"] = f"{base.name} on {date.isoformat()}"
    channels = {}
    n_slots = round((close_s - open_s) / slot)
    for name, ch in base.raw["channels"].items():
        drop = ("volume", "arrivals", "retrial", "volume_factor", "self_service") + (
            () if mode == "forecast" else ("volume_uncertainty",))
        entry = {k: v for k, v in ch.items() if k not in drop}
        times = arrivals.get(name, np.zeros(0))
        if mode == "forecast":
            wanted = [(date, open_s + j * slot) for j in range(n_slots)]
            missing = [w for w in wanted if w[0] is None or w not in forecast[name]]
            if missing:
                raise InputError(f"{base.source or base.name}: --arrivals forecast: the scenario has no volume "
                                 f"for {name} on {missing[0][0]} at {format_clock(missing[0][1])} (its horizon "
                                 "must cover every staffed slot of the days replayed)")
            entry["volume"] = [forecast[name][w] for w in wanted]
        elif mode == "observed":
            entry["arrivals"] = [float(t) for t in times]
            if not len(times):
                entry.pop("arrivals")
                entry["volume"] = [0.0] * n_slots
        else:
            k = ((times - open_s) // slot).astype(int)
            entry["volume"] = np.bincount(k, minlength=n_slots).astype(float).tolist()
        channels[name] = entry
    raw["channels"] = channels
    agents = []
    for g in base.raw["agents"]:
        entry = {k: v for k, v in g.items() if k not in ("shifts", "staffing")}
        entry["staffing"] = [int(x) for x in heads[g["group"]]]
        agents.append(entry)
    raw["agents"] = agents
    return scenario_from_dict(raw, source=base.source, base_dir=base.base_dir)


def backtest(scenario: Scenario | str | Path, observed: str | Path | ContactLog, staffing: str | Path | pd.DataFrame, *,
             replications: int | None = None, seed: int | None = None, jobs: int | None = 1,
             arrivals: str = "observed", columns: str | dict | None = None, dayfirst: bool | None = None,
             tz: str | None = None, sheet: str | None = None, progress: Any = None,
             cluster: Any = None, start: Any = None, end: Any = None) -> BacktestResult:
    """Simulate the observed days of ``observed`` (a contact log, see
    :func:`~staffsim.history.contacts.read_contacts`) with ``scenario``'s behaviour (a Scenario or
    the path of a scenario file) and the agents
    of ``staffing`` (see :func:`~staffsim.history.staffing.read_staffing`), and compare.

    ``arrivals``: "observed" (replay the observed arrival times), "volumes" (Poisson with the
    observed count per slot) or "forecast" (Poisson with the scenario's own volume for that date and
    slot, its forecast error kept: the scenario must have a dated horizon covering the days, e.g.
    volumes from ``staffsim forecast``; handle times keep the distribution's mean). ``start``, ``end``: only the days from ``start`` to ``end``
    (dates, inclusive; default every day of the staffing table). ``replications``, ``seed``: default the scenario's; ``jobs``,
    ``cluster``: where the replications run (the numbers do not depend on it). Ctrl-C raises
    ``KeyboardInterrupt`` (nothing is half-written by the caller).
    """
    from staffsim.experiment import simulate
    from staffsim.progress import Progress

    if arrivals not in ("observed", "volumes", "forecast"):
        raise InputError(f"arrivals: choose observed, volumes or forecast, got {excerpt(arrivals)}")
    scenario = as_scenario(scenario)
    log = observed if isinstance(observed, ContactLog) else read_contacts(
        observed, columns=columns, dayfirst=dayfirst, tz=tz, sheet=sheet)
    spec = scenario.spec
    slot = spec.horizon.slot
    reps = spec.run.replications if replications is None else replications
    seed = spec.run.seed if seed is None else seed
    if reps < 20:
        raise InputError(f"replications: a 95% band needs at least 20 replications, got {reps}")
    staff = read_staffing(staffing, scenario, slot, log.start_date)
    t = log.table
    unknown = sorted(set(t["channel"]) - set(scenario.channels))
    if unknown:
        lines = t.loc[t["channel"] == unknown[0], "line"].head(2).tolist()
        raise InputError(f"{log.source}: line {lines[0]}: channel {unknown[0]!r} is not a channel of the "
                         f"scenario (channels: {', '.join(scenario.channels)})")
    notes = []
    day_of = (t["arrival_s"] // 86400).astype(int).to_numpy()
    tod = (t["arrival_s"] % 86400).to_numpy()
    keep = np.zeros(len(t), bool)
    days = sorted(staff["day"].unique())
    days = [d for d in days if _in_range(log.start_date + _days(d), start, end)]
    if not days:
        raise InputError(f"staffing: no day of the staffing table falls from {start or 'the first'} to "
                         f"{end or 'the last'}")
    plan = []
    for d in days:
        rows = staff[staff["day"] == d]
        open_s, close_s = float(rows["tod"].min()), float(rows["tod"].max() + slot)
        n = round((close_s - open_s) / slot)
        heads = {}
        for g in spec.agents:
            k = ((rows.loc[rows["group"] == g.group, "tod"] - open_s) // slot).astype(int).to_numpy()
            h = np.zeros(n, int)
            h[k] = rows.loc[rows["group"] == g.group, "agents"].to_numpy()
            heads[g.group] = h
        missing = sum(n - int((rows["group"] == g.group).sum()) for g in spec.agents)
        if missing:
            notes.append(f"{log.start_date + _days(d)}: {missing} team-slots inside the day's staffed hours "
                         "have no row in the staffing table: taken as 0 agents")
        sel = (day_of == d) & (tod >= open_s) & (tod < close_s)
        keep |= sel
        arr = {c: np.sort(tod[sel & (t["channel"] == c).to_numpy()]) for c in scenario.channels}
        plan.append((d, open_s, close_s, heads, arr))
    dropped = int((~keep).sum())
    if dropped:
        outside = int((~keep & np.isin(day_of, days)).sum())
        notes.append(f"{dropped} contact(s) of the log left out of both sides: {dropped - outside} on days "
                     f"without staffing rows, {outside} arriving outside the staffed hours")
    if not keep.any():
        raise InputError(f"{log.source}: no contact arrives in the hours and days of the staffing table")
    base = _plain(scenario)
    forecast = _forecast_volumes(scenario) if arrivals == "forecast" else None
    bar = progress
    if progress is None or isinstance(progress, bool):
        bar = Progress(len(plan) * reps, "backtest", enabled=None if progress is None else progress)
    hold = _Hold(bar)
    sims = []
    try:
        for d, open_s, close_s, heads, arr in plan:
            date = log.start_date + _days(d)
            sc = _day_scenario(base, date, open_s, close_s, heads, arr, arrivals, slot, forecast)
            res = simulate(sc, reps, _seed_for(seed, date), jobs, progress=hold, cluster=cluster,
                           slot_replications=True)
            if not res.complete:
                raise KeyboardInterrupt
            sims.append((d, date, open_s, sc, res))
    finally:
        bar.close()
    kept = t[keep]
    slots = _slot_table(kept, sims, spec, scenario.channels, staff, slot)
    day_table = _day_table(slots, sims, scenario.channels)
    calibration = _calibration(slots, day_table, sims, scenario.channels)
    slots = slots.drop(columns=[c for c in slots if c.startswith("_")])
    day_table.attrs = {}
    return BacktestResult(scenario=scenario.name, source=log.source, slots=slots, days=day_table,
                          calibration=calibration, notes=notes, seed=seed, replications=reps,
                          arrivals=arrivals, extra={"replications": sims})


def _days(d: int):
    import datetime

    return datetime.timedelta(days=int(d))


def _in_range(date, start, end) -> bool:
    import datetime

    def as_date(v, what):
        if v is None or isinstance(v, datetime.date):
            return v
        try:
            return datetime.date.fromisoformat(str(v))
        except ValueError:
            raise InputError(f"{what}: expected a date YYYY-MM-DD, got {excerpt(v)}") from None

    lo, hi = as_date(start, "start"), as_date(end, "end")
    return (lo is None or date >= lo) and (hi is None or date <= hi)


def _plain(scenario: Scenario) -> Scenario:
    """The scenario as given (its raw data), checked to be one a backtest can lay on observed days."""
    for name in scenario.channels:
        if scenario.channel(name).appointment:
            raise InputError(f"{scenario.source or scenario.name}: channels.{name}: appointment channels "
                             "are booked, not observed arrivals; backtest live channels only")
    return scenario


class _Hold:
    """A progress bar shared by several runs: their close() is ignored."""

    def __init__(self, bar):
        self.bar = bar

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        pass


def _observed(kept: pd.DataFrame, channel: str, serves: list[str], thr: float, starts: np.ndarray,
              slot: float, agents: np.ndarray) -> dict[str, np.ndarray]:
    """Observed KPIs of ``channel`` per slot starting at ``starts`` (seconds from day-1 midnight)."""
    c = kept[kept["channel"] == channel]
    k = np.searchsorted(starts, c["arrival_s"].to_numpy(), side="right") - 1
    n = len(starts)
    ab = c["abandoned"].to_numpy()
    w = c["wait_s"].to_numpy()
    offered = np.bincount(k, minlength=n).astype(float)
    answered = np.bincount(k, weights=~ab, minlength=n)
    within = np.bincount(k, weights=(~ab) & (w <= thr), minlength=n)
    wait_ans = np.bincount(k, weights=np.where(ab, 0.0, w), minlength=n)
    abandoned = np.bincount(k, weights=ab, minlength=n)
    work = np.zeros(n)
    h = kept[kept["channel"].isin(serves) & ~kept["abandoned"]]
    a, e = h["answer_s"].to_numpy(), h["end_s"].to_numpy()
    for j, s0 in enumerate(starts):  # handling inside each slot
        work[j] = np.clip(np.minimum(e, s0 + slot) - np.maximum(a, s0), 0, None).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"offered": offered, "answered": answered, "abandoned": abandoned,
                "service_level": np.where(offered > 0, within / offered, np.nan),
                "asa_s": np.where(answered > 0, wait_ans / answered, np.nan),
                "abandon_rate": np.where(offered > 0, abandoned / offered, np.nan),
                "occupancy": np.where(agents > 0, work / (agents * slot), np.nan),
                "work_s": work, "available_s": agents * slot}


def _slot_table(kept, sims, spec, channels, staff, slot) -> pd.DataFrame:
    parts = []
    for d, date, open_s, sc, res in sims:
        reps = res.extra["slot_replications"]
        starts = d * 86400.0 + sc.spec.horizon.slot_starts()
        rows = _channel_rows(sc)
        for ci, ch in enumerate(channels):
            groups = [g for g in sc.spec.agents if ch in g.skills]
            serves = sorted({s for g in groups for s in g.skills})
            agents = sum(np.asarray(g.staffing, float) for g in groups)
            today = kept[(kept["arrival_s"] // 86400) == d]
            obs = _observed(today, ch, serves, sc.channel(ch).target.threshold, starts, slot, agents)
            r = rows[ci]
            frame = pd.DataFrame({"channel": ch, "date": date.isoformat(), "weekday": date.strftime("%a"),
                                  "slot_start": [format_clock(s % 86400) for s in starts],
                                  "agents": agents, "offered_observed": obs["offered"],
                                  "offered_simulated": reps["offered"][:, r].mean(0)})
            for kpi in KPIS:
                x = _sim_kpi(reps, kpi, r, agents)  # replications × slots
                lo, hi, mean = _band(x)
                o = obs[kpi]
                frame[f"{kpi}_observed"] = o
                frame[f"{kpi}_simulated"] = mean
                frame[f"{kpi}_lo"] = lo
                frame[f"{kpi}_hi"] = hi
                with np.errstate(invalid="ignore"):
                    frame[f"{kpi}_inside"] = np.where(np.isfinite(o) & np.isfinite(lo), (o >= lo) & (o <= hi),
                                                      None)
            for key in ("answered", "abandoned", "work_s", "available_s"):
                frame[f"_{key}"] = obs[key]
            parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _sim_kpi(reps: dict[str, np.ndarray], kpi: str, r: int, agents: np.ndarray) -> np.ndarray:
    """A simulated KPI per replication and slot, on the observed side's definition: occupancy is
    the handling time ÷ the staffing table's agent time (the engine's own occupancy divides by the
    time agents were logged in, which includes finishing a contact after a scheduled log-off and
    the drain at closing; the table cannot show that time, so both sides use the table)."""
    x = reps[kpi][:, r]
    if kpi != "occupancy":
        return x
    work = np.nan_to_num(x) * reps["staffed_agents"][:, r]  # no breaks: available = logged in
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(agents > 0, work / np.where(agents > 0, agents, 1), np.nan)


def _channel_rows(sc: Scenario) -> list[int]:
    """Row of each channel's all-segment figures in the per-slot arrays."""
    from staffsim.experiment import table_rows

    rows = table_rows(sc)
    if "segment" not in rows:
        return list(range(len(sc.channels)))
    return [int(np.flatnonzero((rows["channel"] == c) & (rows["segment"] == "all"))[0]) for c in sc.channels]


def _band(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(2.5th percentile, 97.5th percentile, mean) over replications (axis 0), NaN-aware."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a slot undefined in every replication
        lo, hi = np.nanpercentile(x, BAND, axis=0)
        return lo, hi, np.nanmean(x, axis=0)


def _day_kpis(reps: dict[str, np.ndarray], r: int, agents: np.ndarray) -> dict[str, np.ndarray]:
    """Per replication, the day's KPIs of row ``r`` as ratios of the day's totals (occupancy: the
    day's handling time ÷ the staffing table's agent time)."""
    line = reps["offered_to_agents"][:, r]
    ans = reps["answered"][:, r]
    staffed = reps["staffed_agents"][:, r]
    with np.errstate(invalid="ignore", divide="ignore"):
        def ratio(kpi, weight):
            v = reps[kpi][:, r]
            ok = np.isfinite(v) & (weight > 0)
            tot = np.where(ok, weight, 0).sum(1)
            return np.where(tot > 0, np.where(ok, v * weight, 0).sum(1) / tot, np.nan)

        return {"service_level": ratio("service_level", line), "asa_s": ratio("asa_s", ans),
                "abandon_rate": ratio("abandon_rate", line),
                "occupancy": np.where(agents.sum() > 0, (np.nan_to_num(reps["occupancy"][:, r]) * staffed).sum(1)
                                      / max(agents.sum(), 1e-300), np.nan)}


def _day_table(slots: pd.DataFrame, sims, channels) -> pd.DataFrame:
    rows = []
    sim_days = {}
    for d, date, open_s, sc, res in sims:
        reps = res.extra["slot_replications"]
        for ci, ch in enumerate(channels):
            r = _channel_rows(sc)[ci]
            s = slots[(slots["channel"] == ch) & (slots["date"] == date.isoformat())]
            off, ans = s["offered_observed"].sum(), s["_answered"].sum()
            row = {"channel": ch, "date": date.isoformat(), "weekday": date.strftime("%a"),
                   "offered_observed": off, "offered_simulated": float(reps["offered"][:, r].sum(1).mean())}
            within = (s["service_level_observed"].fillna(0) * s["offered_observed"]).sum()
            wait = (s["asa_s_observed"].fillna(0) * s["_answered"]).sum()
            obs = {"service_level": within / off if off else math.nan, "asa_s": wait / ans if ans else math.nan,
                   "abandon_rate": s["_abandoned"].sum() / off if off else math.nan,
                   "occupancy": s["_work_s"].sum() / s["_available_s"].sum() if s["_available_s"].sum() else math.nan}
            per = _day_kpis(reps, r, _agents(sc, ch))
            sim_days[(ch, date)] = per
            for kpi in KPIS:
                lo, hi, mean = _band(per[kpi][:, None])
                row[f"{kpi}_observed"] = obs[kpi]
                row[f"{kpi}_simulated"] = float(mean[0])
                row[f"{kpi}_lo"] = float(lo[0])
                row[f"{kpi}_hi"] = float(hi[0])
                ok = math.isfinite(obs[kpi]) and math.isfinite(lo[0])
                row[f"{kpi}_inside"] = bool(lo[0] <= obs[kpi] <= hi[0]) if ok else None
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["replications"] = sim_days
    return out


def _loo_share(x: np.ndarray) -> np.ndarray:
    """For each replication r (axis 0 of ``x``: replications × items), the share of items where
    replication r lies inside the band of the other replications (items where it is defined)."""
    import warnings

    shares = np.full(x.shape[0], np.nan)
    for r in range(x.shape[0]):
        others = np.delete(x, r, axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanpercentile(others, BAND, axis=0)
        v = x[r]
        ok = np.isfinite(v) & np.isfinite(lo)
        if ok.any():
            shares[r] = float(((v[ok] >= lo[ok]) & (v[ok] <= hi[ok])).mean())
    return shares


def _calibration(slots: pd.DataFrame, days: pd.DataFrame, sims, channels) -> pd.DataFrame:
    rows = []
    for which in [*channels, "all"]:
        chans = list(channels) if which == "all" else [which]
        for kpi in KPIS:
            for level, table in (("slot", slots), ("day", days)):
                t = table[table["channel"].isin(chans)]
                ins = t[f"{kpi}_inside"].dropna().astype(bool)
                diff = (t[f"{kpi}_observed"] - t[f"{kpi}_simulated"]).dropna()
                # the same check on the simulation itself: each replication against the others' band
                if level == "slot":
                    stacked = np.concatenate([_sim_kpi(res.extra["slot_replications"], kpi, r,
                                                       _agents(sc, ch))
                                              for d, date, o, sc, res in sims
                                              for ch, r in zip(channels, _channel_rows(sc)) if ch in chans], axis=1)
                else:
                    per = days.attrs["replications"]
                    stacked = np.stack([per[(ch, date)][kpi] for d, date, o, sc, res in sims for ch in chans], axis=1)
                loo = _loo_share(stacked)
                loo = loo[np.isfinite(loo)]
                rows.append({"channel": which, "kpi": kpi, "level": level, "n": int(ins.size),
                             "inside": int(ins.sum()), "inside_share": float(ins.mean()) if ins.size else math.nan,
                             "expected_share": float(loo.mean()) if loo.size else math.nan,
                             "expected_lo": float(np.percentile(loo, 2.5)) if loo.size else math.nan,
                             "expected_hi": float(np.percentile(loo, 97.5)) if loo.size else math.nan,
                             "bias": float(diff.mean()) if diff.size else math.nan,
                             "mean_abs_error": float(diff.abs().mean()) if diff.size else math.nan})
    out = pd.DataFrame(rows)
    out["calibrated"] = (out["inside_share"] >= out["expected_lo"]) & (out["inside_share"] <= out["expected_hi"])
    out["verdict"] = np.where(out["calibrated"], "as expected",
                              np.where(out["inside_share"] < out["expected_lo"], "too many outside: the model misses",
                                       "more inside than expected: band wider than the days' spread"))
    return out


def _agents(sc: Scenario, channel: str) -> np.ndarray:
    """Agents per slot of the teams that serve ``channel`` (the staffing table's)."""
    return sum(np.asarray(g.staffing, float) for g in sc.spec.agents if channel in g.skills)
