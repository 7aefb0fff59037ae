"""Appointments: booked contacts, no-shows, reminders and the agent's grace period.

A channel of ``kind: appointment`` has an appointment book (:mod:`staffsim.scenarios.appointments`)
instead of random arrivals. Each booking is an attempt that *arrives* at its booked time T and is
routed like any contact, with two rules of its own:

- *Booked work first.* Agents rank their appointment skills above all their live skills: at T an
  idle agent of a group with the skill is taken (longest idle first); when none is idle the
  appointment waits, and the next agent with the skill to free up takes it before any live
  contact (an agent holding chats takes no more chats while an appointment waits). An agent busy
  at T finishes its contact first (no pre-emption, no reservation ahead of T).
- *The customer.* Every booking is sent a reminder when the channel has ``reminders``; it reaches
  the customer when its draw u < ``reach``. The customer does not come when a second draw
  v < ``no_show_if_reminded`` (reminded) or v < ``no_show`` (not reminded): raising the reach
  reminds a superset of the same customers, and with ``no_show_if_reminded`` < ``no_show`` the
  reminded no-shows are a subset of the same customers' no-shows. A customer who comes arrives at
  T + ``lateness`` (a draw; punctual when the channel gives none: an early customer waits for the
  booked time, so early is the same as punctual).

The agent who takes the appointment at time s ≥ T waits for the customer until s + ``grace``:

- the customer came by then (arrival a = T + lateness ≤ s + grace): the appointment is served,
  the agent busy from s until max(s, a) + length; the customer waited max(0, s − a)
  (``appointment_wait_s``);
- otherwise (did not come, or came after the agent gave up) it is a **no-show**: the agent is
  busy from s to s + grace (agent minutes lost) and then free for any other work. A no-show
  whose grace runs past the end of the run (the close plus ``run.drain``) is a no-show all the
  same (its record has no end; its agent minutes count up to the end of the run): which
  customers come is decided by the draws, never by where the run stops.

Customers at an appointment never abandon (the channel takes no patience). Attempt records: the
arrival is T, ``answer`` s (when the agent took it), ``end`` when the agent was free again, the
state DONE (served) or NO_SHOW.

Draws, per slot k of the book and booking j of the slot's round robin: (reminder, show) from
``(channel, "appointments", k)``, the length from ``(channel, "handle", k)``, the lateness from
``(channel, "lateness", k)``; overbooked extras come after the regular bookings, so they leave the
regular bookings' draws unchanged.
"""

from __future__ import annotations

import numpy as np

from staffsim.engine.core import NO_SHOW, SERVE
from staffsim.engine.draws import DayDraws
from staffsim.engine.repeats import make_resolution
from staffsim.rng import stream
from staffsim.scenarios.appointments import booking_schedule


class AppointmentDraws(DayDraws):
    """A day's bookings of one appointment channel (a :class:`DayDraws` whose contacts never
    deflect, never abandon and never retry) with what the customer will do: ``show`` (comes),
    ``late`` (seconds after the booked time) and ``reminded``."""

    __slots__ = ("show", "late", "reminded")


class AppointmentDrawer:
    """Makes an appointment channel's :class:`AppointmentDraws` day by day."""

    def __init__(self, scenario, name: str, channel: int, seed: int, rep: int):
        spec = scenario.spec
        ch = scenario.channel(name)
        self.name, self.channel, self.seed, self.rep = name, channel, seed, rep
        times, slots, index = booking_schedule(spec, name)
        self.times, self.slots, self.index = times, slots, index
        self.day_of = (times // 86400.0).astype(np.int64)
        self.n_slot = np.bincount(slots, minlength=spec.horizon.n_slots) if len(slots) else \
            np.zeros(spec.horizon.n_slots, np.int64)
        self.length = ch.length.to_distribution()
        self.lateness = ch.lateness.to_distribution() if ch.lateness is not None else None
        self.reminders = ch.reminders
        self.no_show = ch.no_show
        self.resolution = make_resolution(scenario, name, channel)
        self.next_offset = 0

    def day(self, d: int) -> AppointmentDraws:
        seed, rep, name = self.seed, self.rep, self.name
        sel = np.flatnonzero(self.day_of == d)
        slots, index = self.slots[sel], self.index[sel]
        n = len(sel)
        show = np.zeros(n, bool)
        reminded = np.zeros(n, bool)
        late = np.zeros(n)
        length = np.zeros(n)
        resolve_u = np.zeros(n)
        for k in np.unique(slots).tolist():
            m = slots == k
            j = index[m]
            size = int(self.n_slot[k])
            u = stream(seed, rep, name, "appointments", k).random((size, 2))[j]
            if self.reminders is not None:
                reminded[m] = u[:, 0] < self.reminders.reach
            p = np.where(reminded[m], self.reminders.no_show_if_reminded if self.reminders else 0.0,
                         self.no_show)
            show[m] = u[:, 1] >= p
            length[m] = self.length.sample(stream(seed, rep, name, "handle", k), size)[j]
            if self.lateness is not None:
                late[m] = self.lateness.sample(stream(seed, rep, name, "lateness", k), size)[j]
            if self.resolution is not None:
                resolve_u[m] = stream(seed, rep, name, "resolution", k).random(size)[j]
        out = AppointmentDraws()
        out.channel = self.channel
        out.lost = None  # bookings are not cut by events (the schema refuses events on them)
        out.segment, out.balk_u, out.accept_u, out.answer_u, out.m = [], [], [], [], 0  # no queue behaviours
        out.offset = self.next_offset
        out.times = self.times[sel].tolist()
        out.deflect_u = [1.0] * n  # never contained by self-service
        out.fail_u = out.fail_delay = out.retry_u = out.retry_delay = []
        out.handle = length.tolist()
        out.patience = [float("inf")] * n
        out.k = 1
        out.show = show.tolist()
        out.late = late.tolist()
        out.reminded = reminded.tolist()
        out.res = self.resolution
        if self.resolution is not None:
            out.resolve_u = resolve_u.tolist()
            out.slot_k = slots.tolist()
            out.slot_j = index.tolist()
        else:
            out.resolve_u = out.slot_k = out.slot_j = None
        self.next_offset += n
        return out


class AppointmentsMixin:
    """Appointment service (part of :class:`~staffsim.engine.replication.Replication`)."""

    def _init_appointments(self, chans) -> None:
        self.appt = [c.appointment for c in chans]
        self.grace = [c.grace if c.appointment else 0.0 for c in chans]
        if any(self.appt):  # booked work first: appointment skills ahead of live ones
            for ag in self.agents:
                ag.skills = [c for c in ag.skills if self.appt[c]] + [c for c in ag.skills if not self.appt[c]]

    def _appointment_busy(self, att, now: float) -> float:
        """How long the agent taking appointment ``att`` at ``now`` is busy with it."""
        d, i = att.draws, att.i
        came = att.arrival + d.late[i]
        grace = self.grace[att.channel]
        if d.show[i] and came <= now + grace:
            return max(0.0, came - now) + d.handle[i]
        return grace

    def _open_no_shows(self, attempts) -> None:
        """At the end of the run: an appointment still held by its agent whose customer will not
        come within the grace is a no-show (state NO_SHOW, no end: its grace ran past the end of
        the run), never a show. Whether the customer comes is known when the agent takes the
        appointment, so the outcome cannot depend on where the run stops."""
        for att in attempts:
            if att.state == SERVE and self.appt[att.channel] and not self._showed(att):
                att.state = NO_SHOW

    def _showed(self, att) -> bool:
        """The customer came within the agent's grace (``att`` taken at ``att.answer``)."""
        d, i = att.draws, att.i
        return d.show[i] and att.arrival + d.late[i] <= att.answer + self.grace[att.channel]


def appointment_columns(attempts: list, appt: list[bool]) -> dict[str, np.ndarray]:
    """Per-attempt columns: ``customer_arrival`` (booked time + lateness, NaN for live contacts
    and for customers who did not come) and ``reminded``."""
    came = np.full(len(attempts), np.nan)
    reminded = np.zeros(len(attempts), bool)
    for n, a in enumerate(attempts):
        if appt[a.channel]:
            d, i = a.draws, a.i
            if d.show[i]:
                came[n] = a.arrival + d.late[i]
            reminded[n] = d.reminded[i]
    return {"customer_arrival": came, "reminded": reminded}
