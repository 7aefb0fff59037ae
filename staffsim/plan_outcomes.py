"""What the Erlang plan does with appointments and with repeat contacts.

*Appointments* are not a Poisson stream and do not queue the Erlang way: every booking needs an
agent at its booked time, whether or not the customer comes (the agent only knows after the
grace period). The plan for an appointment channel is therefore deterministic: each booking holds
an agent from its booked time for the expected agent time per booking,

    busy = (1 − p) · (mean length + mean lateness) + p · grace,

with p the no-show probability after reminders (reach × no_show_if_reminded + (1 − reach) ×
no_show), and the slot's ``agents`` are the most bookings holding an agent at once at any
booked time in the slot (or at its start). ``traffic`` = bookings × busy ÷ slot length (the
agent time the bookings take, in Erlangs), ``occupancy`` = traffic ÷ agents, and
``service_level`` = 1, ``asa_s`` = 0, ``p_abandon`` = 0: with that many agents every
appointment finds one at its time. (The simulation shows what happens when the agents are also
on live contacts: nobody is reserved ahead of a booking.)

*Repeats.* A channel with ``resolution`` adds, in steady state, (1 − first_contact) ÷ repeat
repeats per first contact answered, shared among its ``repeat_channels``. The plan adds them to
the volume of the channels they come back on, slot by slot in proportion to the volume of the
channel they come from (the steady state of a center whose every day looks like this one: today's
repeats come from earlier days' unresolved contacts). First contacts answered are approximated by
those reaching agents (volume not contained by self-service; for appointments, the bookings
expected to show). The simulation starts with no history, so on its first days it sees fewer
repeats than this steady state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffsim.models.staffing import PLAN_COLUMNS, scheduled_agents
from staffsim.scenarios.appointments import booking_schedule
from staffsim.scenarios.scenario import Scenario

__all__ = ["appointment_busy_s", "appointment_plan", "reaching_agents", "repeat_volumes"]


def appointment_busy_s(scenario: Scenario, name: str) -> float:
    """Expected agent seconds per booking of an appointment channel (see the module doc)."""
    ch = scenario.channel(name)
    p = ch.no_show_probability()
    late = ch.lateness.to_distribution().mean if ch.lateness is not None else 0.0
    return (1.0 - p) * (ch.length.to_distribution().mean + late) + p * ch.grace


def appointment_plan(scenario: Scenario, name: str, labels: np.ndarray, shrinkage: float) -> pd.DataFrame:
    """The plan rows (:data:`~staffsim.models.staffing.PLAN_COLUMNS`) of an appointment channel."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    busy = appointment_busy_s(scenario, name)
    due, slots, _ = booking_schedule(scenario.spec, name)
    ends = np.sort(due + busy)
    agents = np.zeros(h.n_slots, np.int64)
    candidates = np.concatenate([starts, due])
    owner = np.concatenate([np.arange(h.n_slots), slots])
    holding = np.searchsorted(due, candidates, side="right") - np.searchsorted(ends, candidates, side="right")
    np.maximum.at(agents, owner, holding.astype(np.int64))
    volume = scenario.volumes[name]
    traffic = volume * busy / h.slot
    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(agents > 0, traffic / np.maximum(agents, 1), 0.0)
    frame = pd.DataFrame({
        "channel": name,
        "slot_start": labels,
        "volume": volume,
        "aht_s": busy,
        "traffic": traffic,
        "agents": agents,
        "scheduled": scheduled_agents(agents, shrinkage),
        "service_level": 1.0,
        "asa_s": 0.0,
        "p_abandon": 0.0,
        "occupancy": occupancy,
        "binding": np.where(agents > 0, "bookings", ""),  # an agent per booking held, not a target
    })
    return frame[PLAN_COLUMNS]


def reaching_agents(scenario: Scenario, name: str) -> np.ndarray:
    """A channel's first contacts per slot that reach an agent: the volume not contained by
    self-service (contained contacts that come back do reach one), or the bookings expected to
    show."""
    ch = scenario.channel(name)
    if ch.appointment:
        return scenario.volumes[name] * (1.0 - ch.no_show_probability())
    ss = ch.self_service
    return scenario.volumes[name] * (1.0 - (ss.deflection * (1.0 - ss.failure) if ss else 0.0))


def repeat_volumes(scenario: Scenario) -> dict[str, np.ndarray]:
    """Steady-state repeats per slot arriving on each channel (see the module doc). Channels
    nothing comes back to are absent."""
    extra: dict[str, np.ndarray] = {}
    for name in scenario.channels:
        res = scenario.channel(name).resolution
        if res is None:
            continue
        per_first = (1.0 - res.first_contact) / res.repeat_share
        for target, share in (res.repeat_channels or {name: 1.0}).items():
            add = reaching_agents(scenario, name) * per_first * share
            extra[target] = extra.get(target, 0.0) + add
    return extra
