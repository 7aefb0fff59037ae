r"""The Erlang plan of a scenario: one plan per channel, decided in one place (:func:`plan_for`).

The plan is what ``staffsim run`` shows beside the simulation, what a group with ``staffing:
plan`` logs in slot by slot, and what ``staffsim requirement --method erlang`` asks for. Each
channel is planned by the model that fits its work:

- *appointments*: a deterministic plan, an agent per booking at its time
  (:func:`staffsim.plan_outcomes.appointment_plan`);
- *backlog work* (:func:`is_backlog`: contacts never abandon and the threshold spans at least
  :data:`BACKLOG_SLOTS` slots: email, back office): work carried forward from slot to slot and
  answered, at the channel's service-level share, within the threshold
  (:func:`backlog_channel_plan`, the model in :mod:`staffsim.models.backlog`);
- every other channel: each slot a stationary queue of its own, Erlang C without patience and
  Erlang A with it (:func:`staffsim.models.staffing.plan_staffing`).

For a backlog channel the plan table's columns mean: ``volume``, ``aht_s``, ``traffic`` as for
any channel (the load offered in the slot); ``agents`` the backlog plan; ``scheduled`` grossed up
for the shrinkage of the group staffed from plan; ``service_level`` the share of the slot's work
the fluid model answers by its deadline with these agents (read at the last slot end not after
the deadline: a lower bound; at least the target share in every slot with work); ``asa_s`` NaN
(the fluid model gives no mean wait); ``p_abandon`` 0; ``occupancy`` the share of the agents'
time the fluid model keeps them working (at most ``max_occupancy``); ``binding`` ``"backlog"``
(``""`` where no agent is needed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from staffsim.metrics import slot_calendar
from staffsim.models.backlog import BacklogPlan, backlog_plan, fluid_output
from staffsim.models.staffing import PLAN_COLUMNS, plan_staffing, scheduled_agents
from staffsim.plan_outcomes import appointment_plan, repeat_volumes
from staffsim.scenarios.loader import as_scenario
from staffsim.scenarios.scenario import Scenario
from staffsim.transfer_plan import add_transfer_load

__all__ = ["BACKLOG_SLOTS", "backlog_channel_plan", "backlog_rows", "is_backlog", "late_slots",
           "plan_for", "plan_inputs"]

#: a channel without patience whose threshold spans at least this many slots is backlog work
BACKLOG_SLOTS = 4


def plan_for(scenario: Scenario | str | Path) -> pd.DataFrame:
    """The Erlang staffing plan for a scenario (or a scenario file's path), slot by slot: one
    row per channel and slot with :data:`~staffsim.models.staffing.PLAN_COLUMNS` and the slots'
    calendar columns. Each channel by the model that fits it (module doc): appointments
    deterministically, backlog channels (:func:`is_backlog`) by the backlog plan
    (:func:`backlog_rows`), the others by Erlang C / Erlang A per slot
    (:func:`~staffsim.models.staffing.plan_staffing`).

    The load offered to agents is the volume not contained by self-service (plus the contained
    contacts that come back, in the same slot), with handle time × (1 + uplift). Channels with a
    patience use Erlang A with its mean (exact for exponential patience, an approximation
    otherwise); retrials, carry-over between slots, breaks and shared skills are not in this
    model (carry-over is, for backlog channels). Shrinkage comes from the group staffed "from
    plan" that serves the channel, if any.

    The handle time of each slot is the forecast file's AHT where the channel takes it (interval
    AHT), else the distribution's mean. Events are in the plan: a slot's volume and AHT are the
    expected ones under its events (:func:`staffsim.scenarios.events.plan_load`). Forecast error
    (``volume_uncertainty``) is not: the plan is the forecast's.

    Appointment channels get a deterministic plan (an agent per booking at its time), and
    channels that repeats come back to get the steady-state repeat volume on top of their own
    (:mod:`staffsim.plan_outcomes`).
    """
    scenario = as_scenario(scenario, "scenario")
    forecast, targets, slot, booked = plan_inputs(scenario)
    backlog = [c for c in scenario.channels if c not in booked and is_backlog(scenario, c)]
    queued = forecast[~forecast["channel"].isin(backlog)] if backlog else forecast
    erlang = plan_staffing(queued, targets, slot) if len(queued) else None
    if booked or backlog:  # in the scenario's channel order
        parts = []
        for c in scenario.channels:
            if c in booked:
                parts.append(booked[c])
            elif c in backlog:
                parts.append(backlog_rows(scenario, c, forecast[forecast["channel"] == c], targets[c].shrinkage))
            else:
                parts.append(erlang[erlang["channel"] == c])
        plan = pd.concat(parts, ignore_index=True)
    else:
        plan = erlang
    cal = slot_calendar(scenario)
    for i, col in enumerate(c for c in cal.columns if c != "slot_start"):
        plan.insert(1 + i, col, np.tile(cal[col].to_numpy(), len(scenario.channels)))
    return plan


def is_backlog(scenario: Scenario, channel: str) -> bool:
    """Backlog work: contacts never abandon (no ``patience``) and the threshold spans at least
    :data:`BACKLOG_SLOTS` slots (email, back office). Planned as work carried forward
    (:func:`backlog_channel_plan`), not as a queue per slot. Appointment channels never are
    (they have their own plan)."""
    ch = scenario.channel(channel)
    return (not ch.appointment and ch.patience is None
            and ch.target.threshold >= BACKLOG_SLOTS * scenario.spec.horizon.slot)


def backlog_channel_plan(scenario: Scenario, channel: str) -> BacklogPlan:
    """The whole backlog plan of one channel (:func:`staffsim.models.backlog.backlog_plan`):
    agents, and the cumulative work ``due`` and ``arrived`` (agent-seconds) that a roster covering
    the work as a backlog must stay between. The work per slot is the load the Erlang plan sees
    (:func:`plan_inputs`: volume left after self-service, events and repeats, times the slot's
    handle time — the forecast file's AHT where it gives one — with the self-service uplift and
    any after-contact work), × the concurrency stretch ÷ the concurrency; answered at the
    channel's service-level share within its threshold, with its occupancy cap."""
    ch = scenario.channel(channel)
    h = scenario.spec.horizon
    return backlog_plan(backlog_work(scenario, channel), h.slot_starts(), h.slot, ch.target.threshold,
                        share=ch.target.service_level, max_occupancy=ch.target.max_occupancy)


def backlog_work(scenario: Scenario, channel: str, forecast: pd.DataFrame | None = None) -> np.ndarray:
    """Agent-seconds of work arriving per slot on a backlog channel (:func:`backlog_channel_plan`).
    ``forecast``: the channel's rows of :func:`plan_inputs`'s frame, if already at hand."""
    ch = scenario.channel(channel)
    if (channel in scenario.aht or scenario.windows(channel) or ch.segments or ch.after_work is not None
            or _has_repeats(scenario)):
        if forecast is None:
            forecast = plan_inputs(scenario)[0]
            forecast = forecast[forecast["channel"] == channel]
        volume = forecast["volume"].to_numpy(float)
        aht = forecast["aht_s"].to_numpy(float) * ch.concurrency_stretch / ch.concurrency
        return volume * aht
    # the constant-AHT form, as before (bit for bit)
    ss = ch.self_service
    keep = 1.0 - (ss.deflection * (1.0 - ss.failure) if ss else 0.0)
    uplift = 1.0 + (ss.handle_time_uplift if ss else 0.0)
    aht = scenario.handle_time(channel).mean * uplift * ch.concurrency_stretch / ch.concurrency
    return scenario.volumes[channel] * keep * aht


def backlog_rows(scenario: Scenario, channel: str, forecast: pd.DataFrame, shrinkage: float) -> pd.DataFrame:
    """The plan table's rows (:data:`~staffsim.models.staffing.PLAN_COLUMNS`) of a backlog channel
    (module doc for what each column means). ``forecast``: the channel's rows of
    :func:`plan_inputs`'s frame; ``shrinkage``: of the group staffed from plan that serves it."""
    ch = scenario.channel(channel)
    h = scenario.spec.horizon
    plan = backlog_channel_plan(scenario, channel)
    work = np.diff(np.concatenate([[0.0], plan.arrived]))
    before = plan.arrived - work
    with np.errstate(divide="ignore", invalid="ignore"):
        on_time = np.where(work > 0, np.clip((plan.answered[plan.deadline] - before) / work, 0.0, 1.0), 1.0)
        done = np.diff(np.concatenate([[0.0], plan.answered]))
        occupancy = np.where(plan.agents > 0, done / (plan.agents * h.slot), 0.0)
    volume = forecast["volume"].to_numpy(float)
    aht = forecast["aht_s"].to_numpy(float)
    busy = volume > 0
    service = np.where(busy, aht, 1.0) * ch.concurrency_stretch  # as plan_staffing computes it
    with np.errstate(over="ignore", invalid="ignore"):
        traffic = np.where(busy, volume * service / h.slot, 0.0)
    return pd.DataFrame({
        "channel": channel,
        "slot_start": forecast["slot_start"].to_numpy(),
        "volume": volume,
        "aht_s": aht,
        "traffic": traffic,
        "agents": plan.agents,
        "scheduled": scheduled_agents(plan.agents, shrinkage),
        "service_level": on_time,
        "asa_s": np.nan,
        "p_abandon": 0.0,
        "occupancy": occupancy,
        "binding": np.where(plan.agents > 0, "backlog", ""),
    })[PLAN_COLUMNS]


def late_slots(scenario: Scenario, channel: str, agents: np.ndarray, work: np.ndarray) -> np.ndarray:
    """The slots of a backlog channel whose target share of ``work`` (agent-seconds per slot) the
    fluid model does not answer by its deadline with ``agents`` (boolean per slot; False where no
    work arrives). The backlog plan's own rule (:mod:`staffsim.models.backlog`), for checking a
    plan against other volumes (forecast error)."""
    ch = scenario.channel(channel)
    h = scenario.spec.horizon
    w = np.asarray(work, float)
    answered = fluid_output(agents, w, h.slot, ch.target.max_occupancy)
    arrived = np.cumsum(w)
    plan = backlog_plan(w, h.slot_starts(), h.slot, ch.target.threshold,
                        share=ch.target.service_level, max_occupancy=ch.target.max_occupancy)
    due = arrived - w + ch.target.service_level * w
    scale = max(1.0, float(arrived[-1])) if len(arrived) else 1.0
    return (w > 0) & (answered[plan.deadline] < due - 1e-9 * scale)


def _has_repeats(scenario: Scenario) -> bool:
    return any(c.resolution is not None for c in scenario.spec.channels.values())


def plan_inputs(scenario: Scenario) -> tuple[pd.DataFrame, dict, float, dict[str, pd.DataFrame]]:
    """The Erlang plan's inputs (:func:`plan_for`): (forecast frame of the load offered to agents,
    columns ``channel, slot_start, volume, aht_s``; :class:`ChannelTargets` per channel; the slot
    length; the appointment channels' plans)."""
    spec = scenario.spec
    h = spec.horizon
    cal = slot_calendar(scenario)
    labels = cal["slot_start"].to_numpy()
    frames = []
    targets = {}
    # --- appointments and repeats (staffsim/plan_outcomes.py) ---
    booked: dict[str, pd.DataFrame] = {}
    repeats: dict[str, np.ndarray] = {}
    if any(ch.resolution is not None for ch in spec.channels.values()):
        repeats = repeat_volumes(scenario)
    # --- end ---
    for name, ch in spec.channels.items():
        if ch.appointment:
            shrink = next((g.shrinkage for g in spec.agents if g.staffing == "plan" and name in g.skills), 0.0)
            booked[name] = appointment_plan(scenario, name, labels, shrink)
            continue
        ss = ch.self_service
        keep = 1.0 - (ss.deflection * (1.0 - ss.failure) if ss else 0.0)
        uplift = 1.0 + (ss.handle_time_uplift if ss else 0.0)
        volume = scenario.volumes[name] * keep
        base = scenario.handle_means(name) if name in scenario.aht else None  # interval AHT (file)
        mix, patience = _segment_mix(scenario, name, base)
        aht = mix * uplift
        windows = scenario.windows(name)
        if windows:  # events: the expected load of every slot they touch
            volume, aht = _event_load(scenario, name, volume, np.broadcast_to(aht, volume.shape).copy(),
                                      np.broadcast_to(mix, volume.shape))
        if ch.after_work is not None:  # after-contact work (issue 20): agent time per contact too
            aht = aht + ch.after_work.to_distribution().mean
        if name in repeats:  # repeat contacts coming back to this channel (after the events)
            volume = volume + repeats[name]
        frames.append(pd.DataFrame({
            "channel": name,
            "slot_start": labels,
            "volume": volume,
            "aht_s": aht,
        }))
        shrink = next((g.shrinkage for g in spec.agents if g.staffing == "plan" and name in g.skills), 0.0)
        targets[name] = ch.target.to_targets(
            patience_s=patience, shrinkage=shrink,
            concurrency=ch.concurrency, concurrency_stretch=ch.concurrency_stretch,
        )
    forecast = (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=["channel", "slot_start", "volume", "aht_s"]))
    forecast = add_transfer_load(scenario, forecast)  # transfers and conferences (staffsim/transfer_plan.py)
    return forecast, targets, h.slot, booked


def _event_load(scenario: Scenario, name: str, volume: np.ndarray, aht: np.ndarray, means: np.ndarray):
    """Volume offered to agents and AHT per slot with the channel's events (see plan_for)."""
    from staffsim.scenarios import events as ev

    h = scenario.spec.horizon
    ch = scenario.channel(name)
    ss = ch.self_service
    defl, fail = (ss.deflection, ss.failure) if ss else (0.0, 0.0)
    uplift = 1.0 + (ss.handle_time_uplift if ss else 0.0)
    base = scenario.volumes[name]  # ``means``: the handle-time mean per slot before events
    windows = scenario.windows(name)
    for k, t in enumerate(h.slot_starts()):
        if ev.touched(windows, t, t + h.slot):
            cuts = ev.pieces(windows, t, t + h.slot)
            if ch.arrivals is not None:  # explicit arrivals are replayed: no volume factor
                cuts = [replace(p, volume_factor=1.0) for p in cuts]
            volume[k], aht[k] = ev.plan_load(base[k], means[k], defl, fail, uplift, cuts)
    return volume, aht


def _segment_mix(scenario: Scenario, name: str, base=None) -> tuple:
    """A channel's mean handle time and mean patience (None: never abandons), over its customer
    segments weighted by share when it has them (a segment without its own takes the channel's).
    ``base``: the channel's handle-time mean per slot (interval AHT) instead of its
    distribution's; a segment's own handle time is its own in every slot (as the engine draws)."""
    ch = scenario.channel(name)
    aht = ch.handle_time.to_distribution().mean if base is None else base
    pat = ch.patience.to_distribution().mean if ch.patience is not None else None
    if not ch.segments:
        return aht, pat
    ahts = [(s.share, s.handle_time.to_distribution().mean if s.handle_time else aht) for s in ch.segments.values()]
    pats = [(s.share, s.patience.to_distribution().mean if s.patience else pat) for s in ch.segments.values()]
    mix_pat = None if any(p is None for _, p in pats) else sum(w * p for w, p in pats)
    return sum(w * a for w, a in ahts), mix_pat


