"""The appointment book of an appointment channel: when each booking is due.

A channel of ``kind: appointment`` gives either ``bookings`` (appointments booked per slot: one
day's list repeated on every day, or one value per slot of the horizon) or ``booked`` (explicit
times). With ``bookings`` the appointments of a slot are placed on a grid of
``booking_interval`` (default: the slot length) inside it, round robin: with a 1-hour slot, a
20-minute interval and 5 bookings, two are due at :00, two at :20 and one at :40.

``overbooking`` adds bookings on top: ``extra: n`` adds n in every slot that has bookings;
``share: s`` adds round(s × running bookings) − round(s × running bookings before the slot), so
that over the horizon the extra bookings are the share s of the bookings, rounded (half up), and
fall where the bookings are. Extra bookings continue the slot's round robin.

Bookings are the appointment book, known in advance: whole numbers, not Poisson volumes.
"""

from __future__ import annotations

import numpy as np

from staffsim.scenarios.schema import ScenarioSpec

__all__ = ["booked_per_slot", "booking_schedule"]


def booked_per_slot(spec: ScenarioSpec, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(bookings, extra bookings from overbooking) per slot of the horizon, as whole numbers."""
    h = spec.horizon
    ch = spec.channels[name]
    if ch.booked is not None:
        starts = h.slot_starts()
        idx = np.searchsorted(starts, np.asarray(ch.booked, float), side="right") - 1
        return np.bincount(idx, minlength=h.n_slots).astype(np.int64), np.zeros(h.n_slots, np.int64)
    # one day's book is taken by clock time on every open day (a short Saturday takes the
    # slots it has), like volumes (HorizonSpec.per_slot)
    booked = h.per_slot(np.asarray(ch.bookings, np.int64)).astype(np.int64)
    extra = np.zeros(h.n_slots, np.int64)
    ob = ch.overbooking
    if ob is not None and ob.extra is not None:
        extra = np.where(booked > 0, ob.extra, 0).astype(np.int64)
    elif ob is not None:
        running = np.floor(ob.share * np.cumsum(booked) + 0.5).astype(np.int64)
        extra = np.diff(np.concatenate([[0], running]))
    return booked, extra


def booking_schedule(spec: ScenarioSpec, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every booking of the horizon, in due-time order: (due time in seconds from midnight of
    day 1, slot index, index of the booking within its slot's book).

    The index within the slot is the booking's place in the slot's round robin (overbooked extras
    after the regular bookings): the engine draws a booking's attributes by it, so adding
    overbooking leaves the regular bookings' draws unchanged."""
    h = spec.horizon
    ch = spec.channels[name]
    starts = h.slot_starts()
    if ch.booked is not None:
        times = np.asarray(ch.booked, float)
        slots = np.searchsorted(starts, times, side="right") - 1
        first = np.searchsorted(slots, slots, side="left")
        return times, slots.astype(np.int64), (np.arange(len(times)) - first).astype(np.int64)
    booked, extra = booked_per_slot(spec, name)
    interval = ch.booking_interval or h.slot
    grid = round(h.slot / interval)
    total = booked + extra
    slots = np.repeat(np.arange(h.n_slots), total)
    index = np.arange(len(slots)) - np.repeat(np.cumsum(total) - total, total)
    times = starts[slots] + (index % grid) * interval
    order = np.lexsort((index, times))
    return times[order], slots[order].astype(np.int64), index[order].astype(np.int64)
