"""Demand: agent hours on the phones each team needs per week, and what a staffing ratio does to
service.

A team's ``required_hours`` for week w are *productive* hours: time agents must spend on the
phones (handling or ready for contacts), net of every shrinkage category. They come

- directly from the plan (a number, a list per week, ``{by_month}``, or a CSV column), or
- from a weekly forecast (``demand:``): the week's volume V and AHT of each channel are spread
  over the open days by ``days`` and over each day by the ``intraday`` shape, and every slot is
  staffed by the Erlang plan (:func:`staffsim.models.staffing.plan_staffing` with the targets
  file's service targets; its ``shrinkage`` is not used, the capacity plan's categories are).
  The week's hours are Σ agents × slot length over the week's slots and the team's channels.
- from a day scenario (``demand: {scenario: ...}``): the Erlang requirement of its group
  (:func:`staffsim.requirement.requirement`) with every channel's volume scaled by the week's
  ``index``, summed over the horizon, × ``days_per_week`` ÷ the scenario's days.

For weekly-forecast demand, :class:`ServiceModel` keeps the representative week's slots, so that the
service level of a week staffed at a ratio ρ = (available + overtime) / required FTE is
computed: every slot gets ρ × its Erlang agents (servers interpolated linearly between the
whole numbers around ρ × agents × concurrency) and the week's service level is the
volume-weighted mean of the slots' (answered within threshold ÷ offered, Erlang C or Erlang A as
in the plan).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from staffsim.capacity.calendar import Calendar
from staffsim.capacity.schema import ForecastDemandSpec, HoursSpec, ScenarioDemandSpec, TeamSpec
from staffsim.csvkeys import first_duplicate
from staffsim.errors import InputError, where
from staffsim.models import erlang, erlang_a
from staffsim.models.staffing import plan_staffing
from staffsim.scenarios.forecast import load_forecast, load_targets


@dataclass(frozen=True)
class ChannelSlots:
    """One channel's slots of every week, shape (weeks, slots of a week)."""

    name: str
    volume: np.ndarray
    traffic: np.ndarray
    servers: np.ndarray  # Erlang plan's agents x concurrency
    service_s: np.ndarray  # handle time per contact (x concurrency stretch)
    threshold_s: float
    patience_s: float | None
    concurrency: int


@dataclass(frozen=True)
class ServiceModel:
    """What staffing each week at a ratio of its requirement does to service (module doc)."""

    channels: list[ChannelSlots]

    def service_level(self, ratio: np.ndarray) -> np.ndarray:
        """Volume-weighted service level per week with every slot staffed at ``ratio`` × plan."""
        ratio = np.asarray(ratio, float)
        answered = np.zeros(ratio.shape)
        offered = np.zeros(ratio.shape)
        for ch in self.channels:
            r = np.nan_to_num(ratio, nan=0.0)[:, None] * np.ones_like(ch.servers, dtype=float)
            servers = np.maximum(r * ch.servers, 0.0)
            lo = np.floor(servers + 1e-9)
            frac = np.clip(servers - lo, 0.0, 1.0)
            sl_lo = self._sl(ch, lo)
            sl_hi = self._sl(ch, lo + 1)
            sl = sl_lo + frac * (sl_hi - sl_lo)
            answered += (ch.volume * sl).sum(axis=1)
            offered += ch.volume.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(offered > 0, answered / offered, np.nan)

    @staticmethod
    def _sl(ch: ChannelSlots, servers: np.ndarray) -> np.ndarray:
        busy = ch.volume > 0
        n = servers.astype(np.int64)
        if ch.patience_s is None:
            sl = erlang.service_level(ch.traffic, n, ch.service_s, ch.threshold_s)
        else:
            sl = erlang_a.metrics(ch.traffic, n, ch.service_s, ch.patience_s, ch.threshold_s).service_level
        return np.where(busy, np.asarray(sl, float), 1.0)


@dataclass(frozen=True)
class TeamDemand:
    """``hours``: productive agent hours needed per week; ``service``: the slots behind them
    (forecast demand only); ``channels``: per channel and week the volume, AHT and hours."""

    hours: np.ndarray
    service: ServiceModel | None = None
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)


def team_demand(name: str, team: TeamSpec, cal: Calendar, source: str, base: Path) -> TeamDemand:
    field_ = f"teams.{name}"
    if team.required_hours is not None:
        return TeamDemand(hours=required_hours(team.required_hours, name, cal, source, base,
                                               f"{field_}.required_hours"))
    if isinstance(team.demand, ScenarioDemandSpec):
        return scenario_demand(name, team.demand, cal, source, base, f"{field_}.demand")
    return forecast_demand(team.demand, cal, source, base, f"{field_}.demand")


def scenario_demand(team: str, spec: ScenarioDemandSpec, cal: Calendar, source: str, base: Path,
                    field_: str) -> TeamDemand:
    """Hours per week from a scenario's Erlang requirement, one requirement per distinct weekly
    volume index (see :class:`~staffsim.capacity.schema.ScenarioDemandSpec`)."""
    from staffsim.requirement import requirement
    from staffsim.scenarios.loader import load_scenario

    path = _resolve(base, spec.scenario)
    index = cal.expand(spec.index, source, f"{field_}.index")
    if not (np.isfinite(index) & (index >= 0)).all():
        raise InputError(f"{where(source, field_ + '.index')}: must be volume factors >= 0")
    group = spec.group or team
    scenario = load_scenario(path)
    groups = [g.group for g in scenario.spec.agents]
    if group not in groups:
        raise InputError(f"{where(source, field_ + '.group')}: no group {group!r} in {path} "
                         f"(groups: {', '.join(groups)})")
    h = scenario.spec.horizon
    per_week = spec.days_per_week / h.days
    hours_of: dict[float, float] = {}
    for value in dict.fromkeys(np.round(index, 12)):
        overrides = {f"channels.{c}.volume_factor": scenario.channel(c).volume_factor * float(value)
                     for c in scenario.channels}
        req = requirement(load_scenario(path, overrides))
        if req.basis != "team":  # channels shared between groups: no requirement per group
            raise InputError(f"{where(source, field_ + '.group')}: in {path} the channels "
                             f"{', '.join(req.extra.get('shared_channels', []))} are served by several "
                             "groups, so its requirement is per channel, not per group; give the "
                             "team's hours another way")
        hours_of[value] = float(req.agents()[group].sum()) * h.slot / 3600.0 * per_week
    return TeamDemand(hours=np.array([hours_of[v] for v in np.round(index, 12)]))


def _resolve(base: Path, file: str) -> Path:
    p = Path(file)
    return p if p.is_absolute() else base / p


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None


def _weeks_column(frame: pd.DataFrame, path: Path, cal: Calendar) -> np.ndarray:
    """Week numbers (1-based) of the rows, from a ``week`` or a ``date`` column."""
    if "week" in frame:
        weeks = pd.to_numeric(frame["week"], errors="coerce").to_numpy()
        bad = ~(np.isfinite(weeks) & (weeks == np.round(weeks)) & (weeks >= 1) & (weeks <= cal.weeks))
        if bad.any():
            i = int(bad.argmax())
            raise InputError(f"{path}: line {i + 2}, column 'week': must be a week of the plan "
                             f"(1 to {cal.weeks}), got {frame['week'].iloc[i]!r}")
        return weeks.astype(int)
    if "date" in frame:
        out = []
        for i, text in enumerate(frame["date"].astype(str)):
            try:
                out.append(cal.week_of(datetime.date.fromisoformat(text.strip()[:10])))
            except ValueError:
                raise InputError(f"{path}: line {i + 2}, column 'date': must be the first day of a "
                                 f"week of the plan ({cal.dates[0]}, {cal.dates[1] if cal.weeks > 1 else ''}"
                                 f"... every 7 days), got {text!r}") from None
        return np.array(out, int)
    raise InputError(f"{path}: needs a 'week' column (1, 2, ...) or a 'date' column (the first day "
                     f"of each week); found {', '.join(map(str, frame.columns))}")


def required_hours(spec: HoursSpec, team: str, cal: Calendar, source: str, base: Path,
                   field_: str) -> np.ndarray:
    if spec.file is None:
        return cal.expand(spec, source, field_)
    path = _resolve(base, spec.file)
    frame = _read_csv(path)
    column = spec.column or (team if team in frame else "required_hours")
    if column not in frame:
        raise InputError(f"{path}: no column {column!r} for team {team!r} (columns: "
                         f"{', '.join(map(str, frame.columns))}; name one with {field_}.column)")
    weeks = _weeks_column(frame, path, cal)
    hours = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(hours) & (hours >= 0))
    if bad.any():
        i = int(bad.argmax())
        raise InputError(f"{path}: line {i + 2}, column {column!r}: must be hours >= 0, got "
                         f"{frame[column].iloc[i]!r}")
    return _one_per_week(weeks, hours, path, cal)


def _one_per_week(weeks: np.ndarray, values: np.ndarray, path: Path, cal: Calendar,
                  what: str = "", lines: np.ndarray | None = None) -> np.ndarray:
    """One value per week of the plan; ``lines``: the file line of each row (default: row i on
    line i + 2). A week given twice is refused naming both lines."""
    dup = first_duplicate(weeks.tolist(), None if lines is None else [int(n) for n in lines])
    if dup is not None:
        w, first, second = dup
        raise InputError(f"{path}: lines {first} and {second}: week {w}{what} appears twice")
    out = np.full(cal.weeks, np.nan)
    for w, v in zip(weeks, values):
        out[w - 1] = v
    if np.isnan(out).any():
        w = int(np.isnan(out).argmax()) + 1
        raise InputError(f"{path}: no row for week {w} ({cal.dates[w - 1]}){what}; the plan has "
                         f"{cal.weeks} weeks")
    return out


def forecast_demand(spec: ForecastDemandSpec, cal: Calendar, source: str, base: Path,
                    field_: str) -> TeamDemand:
    path = _resolve(base, spec.forecast)
    frame = _read_csv(path)
    missing = [c for c in ("channel", "volume", "aht_s") if c not in frame]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (expected week or date, "
                         "channel, volume, aht_s)")
    weeks = _weeks_column(frame, path, cal)
    for col in ("volume", "aht_s"):
        vals = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
        bad = ~(np.isfinite(vals) & (vals > (0 if col == "aht_s" else -1e-300)) & (vals >= 0))
        if bad.any():
            i = int(bad.argmax())
            allowed = "seconds > 0" if col == "aht_s" else "contacts >= 0"
            raise InputError(f"{path}: line {i + 2}, column {col!r}: must be {allowed}, got "
                             f"{frame[col].iloc[i]!r}")
    channels = spec.channels or list(dict.fromkeys(frame["channel"].astype(str)))
    known = set(frame["channel"].astype(str))
    for c in channels:
        if c not in known:
            raise InputError(f"{where(source, field_ + '.channels')}: no channel {c!r} in {path} "
                             f"(channels: {', '.join(sorted(known))})")
    day = load_forecast(_resolve(base, spec.intraday))
    if (day.table["offset_s"] >= 86400).any():
        raise InputError(f"{day.source}: the intraday shape must be one day of HH:MM slots")
    targets_path = _resolve(base, spec.targets)
    targets = load_targets(targets_path)
    open_days = [d for d, share in enumerate(spec.days) if share > 0]
    parts, slots_meta, detail = [], [], []
    for c in channels:
        rows = frame[frame["channel"].astype(str) == c]
        idx = np.flatnonzero(frame["channel"].astype(str).to_numpy() == c)
        volume = _one_per_week(weeks[idx], rows["volume"].to_numpy(float), path, cal,
                               f" for channel {c!r}", lines=idx + 2)
        aht = _one_per_week(weeks[idx], rows["aht_s"].to_numpy(float), path, cal, f" for channel {c!r}",
                            lines=idx + 2)
        shape = day.table[day.table["channel"] == c]
        if shape.empty:
            raise InputError(f"{day.source}: no intraday shape for channel {c!r} (channels: "
                             f"{', '.join(dict.fromkeys(day.table['channel']))})")
        v = shape["volume"].to_numpy(float)
        if v.sum() <= 0:
            raise InputError(f"{day.source}: channel {c!r} has no volume, so no shape")
        share = v / v.sum()
        a = np.nan_to_num(shape["aht_s"].to_numpy(float), nan=0.0)
        profile = np.where(v > 0, a / ((v * a).sum() / v.sum()), 1.0)
        # (weeks, open days, slots)
        day_share = np.array([spec.days[d] for d in open_days])
        vol = volume[:, None, None] * day_share[None, :, None] * share[None, None, :]
        ah = aht[:, None, None] * np.ones((1, len(open_days), 1)) * profile[None, None, :]
        labels = shape["slot_start"].astype(str).to_numpy()
        parts.append(pd.DataFrame({
            "channel": c,
            "slot_start": np.tile(labels, cal.weeks * len(open_days)),
            "volume": vol.ravel(), "aht_s": ah.ravel(),
        }))
        detail.append((c, volume, aht))
        if c not in targets:
            raise InputError(f"{targets_path}: no targets for channel {c!r}")
        slots_meta.append((c, targets[c], vol.shape))
    forecast = pd.concat(parts, ignore_index=True)
    try:
        plan = plan_staffing(forecast, targets, day.slot_s)
    except ValueError as exc:
        raise InputError(f"{targets_path}: {exc}") from None
    hours = np.zeros(cal.weeks)
    chans, rows_out = [], []
    for (c, tg, shape3), (_, volume, aht) in zip(slots_meta, detail):
        p = plan[plan["channel"] == c]
        agents = p["agents"].to_numpy(float).reshape(cal.weeks, -1)
        ch_hours = agents.sum(axis=1) * day.slot_s / 3600.0
        hours += ch_hours
        k = int(tg.concurrency)
        service = p["aht_s"].to_numpy(float).reshape(cal.weeks, -1) * tg.concurrency_stretch
        chans.append(ChannelSlots(
            name=c, volume=p["volume"].to_numpy(float).reshape(cal.weeks, -1),
            traffic=p["traffic"].to_numpy(float).reshape(cal.weeks, -1),
            servers=agents * k, service_s=np.where(np.isfinite(service) & (service > 0), service, 1.0),
            threshold_s=tg.threshold_s, patience_s=tg.patience_s, concurrency=k))
        rows_out.append(pd.DataFrame({"week": np.arange(1, cal.weeks + 1), "channel": c,
                                      "volume": volume, "aht_s": aht, "required_hours": ch_hours}))
    return TeamDemand(hours=hours, service=ServiceModel(chans),
                      channels=pd.concat(rows_out, ignore_index=True))
