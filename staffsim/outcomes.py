r"""KPIs of first-contact resolution (repeat contacts) and of appointments.

These columns exist only when the scenario uses the behaviour (a channel with ``resolution``, a
channel of ``kind: appointment``), so scenarios without them keep exactly the tables they had.
Attempts are attributed, as everywhere, to the slot in which they arrived (an appointment: its
booked time). Per channel and slot, and over the horizon:

*First-contact resolution* (a channel with ``resolution``):

- ``repeats`` = repeat attempts arriving on the channel (they are also in ``offered``);
- ``fcr`` = first contacts resolved ÷ first contacts answered, where a *first contact answered*
  is a customer's first answered attempt on a channel with ``resolution`` (the first attempt, or
  its retry or self-service return) that the agent finished, counted on that channel; it is
  resolved when its resolution draw u < ``first_contact``. NaN on channels without
  ``resolution``. In expectation fcr = ``first_contact``;
- ``repeats_deferred`` (horizon) = repeats that fell while the center was closed and arrived at
  the next opening (in ``repeats`` too);
- ``repeats_beyond_horizon`` (horizon) = unresolved contacts whose repeat would fall after the
  horizon (not simulated; counted on the unresolved attempt's channel and slot);
- ``repeat_cost`` (money) = the part of ``cost`` that repeats take: their share of the agents' pay
  (pay is allocated to channels by handling work; this is the repeats' part of that work) plus
  their telephony (handled minutes × ``handled_minute``). Already inside ``cost``, not added.

*Appointments* (a channel of ``kind: appointment``):

- ``shows`` = appointments served (the customer came in time; ``answered`` on the channel);
- ``no_shows`` = appointments an agent waited ``grace`` for in vain (the customer did not come,
  or came after the agent gave up): a new outcome, offered = deflected + answered + abandoned +
  unfinished + no_shows. A no-show whose grace runs past the end of the run counts as a no-show
  too (its agent minutes up to the end of the run), never as answered;
- ``no_show_minutes`` = agent minutes lost waiting for no-shows;
- ``appointment_wait_s`` = Σ customer wait (from the customer's arrival to the agent) ÷ shows;
- ``show_rate`` (horizon) = shows ÷ (shows + no_shows);
- ``reminders_sent`` (horizon) = bookings of channels with ``reminders`` (each is sent one);
- ``reminder_cost`` (money) = reminders_sent × ``reminders.cost``; added to ``cost``;
- ``appointment_value`` (money) = shows × the channel's ``value`` (revenue); *subtracted* from
  ``cost`` (cost = agent + abandon + self-service + telephony + reminder cost − appointment
  value), so a cost can be negative where appointments earn more than they cost.

On an appointment channel the waiting KPIs read the agent's punctuality: ``asa_s`` = mean delay
from the booked time to the agent taking a served appointment; ``service_level`` = served
appointments taken within the threshold ÷ (offered to agents − no-shows) (a no-show is not a
failure of service); ``mean_wait_s`` and ``p_wait`` count no-shows with the agent's delay.
``occupancy`` counts the agent's time on appointments, the grace of no-shows included.
"""

from __future__ import annotations

import numpy as np

REPEAT_SLOT_KPIS = ("repeats", "fcr")
APPOINTMENT_SLOT_KPIS = ("shows", "no_shows", "no_show_minutes", "appointment_wait_s")
REPEAT_HORIZON_KPIS = ("repeats", "fcr", "repeats_deferred", "repeats_beyond_horizon", "repeat_cost")
APPOINTMENT_HORIZON_KPIS = ("shows", "no_shows", "show_rate", "no_show_minutes", "appointment_wait_s",
                            "reminders_sent", "reminder_cost", "appointment_value")
#: compared and swept when present (besides the core decision metrics)
OUTCOME_DECISION_METRICS = ("fcr", "repeats", "repeat_cost", "shows", "no_shows", "no_show_minutes",
                            "appointment_wait_s", "reminder_cost", "appointment_value")

_REPEAT_SUMS = ("repeats", "repeats_deferred", "repeats_beyond_horizon", "first_answered",
                "first_resolved", "repeat_handled_s")
_APPOINTMENT_SUMS = ("shows", "no_shows", "no_show_s", "appointment_wait_sum_s", "reminders_sent")

# attempt states and kinds (as in staffsim.engine.core; this module sits below the engine)
_SERVE, _DONE, _NO_SHOW, _REPEAT = 1, 2, 5, 3
_RESOLVED, _BEYOND = 1, 2


def uses_repeats(scenario) -> bool:
    return any(ch.resolution is not None for ch in scenario.spec.channels.values())


def uses_appointments(scenario) -> bool:
    return any(ch.appointment for ch in scenario.spec.channels.values())


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


class OutcomeAccumulator:
    """Per channel × slot sums of one replication for the KPIs above (fed chunk by chunk, like
    :class:`staffsim.metrics.SlotAccumulator`, which owns one when the scenario needs it)."""

    def __init__(self, scenario, nc: int, ns: int, ng: int, conc: np.ndarray):
        spec = scenario.spec
        chans = [spec.channels[c] for c in spec.channels]
        self.repeats = uses_repeats(scenario)
        self.appointments = uses_appointments(scenario)
        self.appt = np.array([c.appointment for c in chans])
        self.reminded = np.array([c.appointment and c.reminders is not None for c in chans])
        self.nc, self.ns, self.conc = nc, ns, conc
        keys = (_REPEAT_SUMS if self.repeats else ()) + (_APPOINTMENT_SUMS if self.appointments else ())
        self.sums = {key: np.zeros((nc, ns)) for key in keys}
        self.repeat_work_gc = np.zeros((ng, nc))

    def add(self, a: dict[str, np.ndarray], k: np.ndarray, run_end: float) -> None:
        """Attempts ``a`` (the recorder's columns) arriving in slots ``k`` (-1 outside)."""
        ch = a["channel"].astype(np.int64)
        if len(ch) == 0:
            return
        nc, ns = self.nc, self.ns
        valid = k >= 0
        cell = (ch * ns + k)[valid]
        state, answer, end = a["state"], a["answer"], a["end"]
        answered = (state == _SERVE) | (state == _DONE)
        stop = np.minimum(np.where(np.isnan(end), run_end, end), run_end)

        def add(key, mask, weights=None):
            w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
            self.sums[key] += np.bincount(cell, weights=w[valid], minlength=nc * ns).reshape(nc, ns)

        if self.repeats:
            level, resolved = a["level"], a["resolved"]
            add("repeats", a["kind"] == _REPEAT)
            add("repeats_deferred", a["deferred"])
            add("repeats_beyond_horizon", resolved == _BEYOND)
            add("first_answered", (level == 0) & (state == _DONE) & (resolved >= 0))
            add("first_resolved", (level == 0) & (resolved == _RESOLVED))
            rep = answered & (level > 0)
            add("repeat_handled_s", rep, stop - answer)
            if rep.any():
                np.add.at(self.repeat_work_gc, (a["group"][rep].astype(np.int64), ch[rep]),
                          (stop - answer)[rep] / self.conc[ch[rep]])
        if self.appointments:
            appt = self.appt[ch]
            shows = appt & answered
            no_show = state == _NO_SHOW
            add("shows", shows)
            add("no_shows", no_show)
            add("no_show_s", no_show, stop - answer)
            add("appointment_wait_sum_s", shows, np.maximum(0.0, answer - a["customer_arrival"]))
            add("reminders_sent", self.reminded[ch])

    def counts(self) -> dict[str, np.ndarray]:
        out = {key: v.copy() for key, v in self.sums.items()}
        if self.repeats:
            out["group_channel_repeat_work_s"] = self.repeat_work_gc.copy()
        return out


def outcome_slot_kpis(c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The per channel × slot KPIs above from the sums (those the scenario uses)."""
    out = {}
    if "first_answered" in c:
        out["repeats"] = c["repeats"]
        out["fcr"] = _ratio(c["first_resolved"], c["first_answered"])
    if "no_show_s" in c:
        out["shows"] = c["shows"]
        out["no_shows"] = c["no_shows"]
        out["no_show_minutes"] = c["no_show_s"] / 60.0
        out["appointment_wait_s"] = _ratio(c["appointment_wait_sum_s"], c["shows"])
    return out


def outcome_horizon_kpis(counts: dict[str, np.ndarray], scenario, pay_g: np.ndarray,
                         work_g: np.ndarray) -> dict[str, np.ndarray]:
    """Whole-horizon columns per channel plus the ``all`` row, and ``_cost``: what they add to
    each channel's cost (reminders − appointment value; no ``all`` entry).

    ``pay_g``: each group's pay (paid hours × rate); ``work_g``: each group's handling work,
    by which its pay is allocated to channels."""
    spec = scenario.spec
    names = list(spec.channels)
    keys = [k for k in _REPEAT_SUMS + _APPOINTMENT_SUMS if k in counts]
    t = {k: counts[k].sum(axis=1) for k in keys}
    rows = {k: np.append(v, v.sum()) for k, v in t.items()}
    out: dict[str, np.ndarray] = {}
    extra_cost = np.zeros(len(names))
    if "repeats" in counts:
        out["repeats"] = rows["repeats"]
        out["fcr"] = _ratio(rows["first_resolved"], rows["first_answered"])
        out["repeats_deferred"] = rows["repeats_deferred"]
        out["repeats_beyond_horizon"] = rows["repeats_beyond_horizon"]
        share = _ratio(counts["group_channel_repeat_work_s"], work_g[:, None])
        pay = np.nan_to_num(pay_g[:, None] * share).sum(axis=0)
        minute = np.array([spec.costs.rate("handled_minute", c) for c in names])
        cost = pay + t["repeat_handled_s"] / 60.0 * minute
        out["repeat_cost"] = np.append(cost, cost.sum())
    if "no_shows" in counts:
        out["shows"] = rows["shows"]
        out["no_shows"] = rows["no_shows"]
        out["show_rate"] = _ratio(rows["shows"], rows["shows"] + rows["no_shows"])
        out["no_show_minutes"] = rows["no_show_s"] / 60.0
        out["appointment_wait_s"] = _ratio(rows["appointment_wait_sum_s"], rows["shows"])
        out["reminders_sent"] = rows["reminders_sent"]
        per = np.array([spec.channels[c].reminders.cost if spec.channels[c].reminders else 0.0 for c in names])
        value = np.array([spec.channels[c].value for c in names])
        reminder, revenue = t["reminders_sent"] * per, t["shows"] * value
        out["reminder_cost"] = np.append(reminder, reminder.sum())
        out["appointment_value"] = np.append(revenue, revenue.sum())
        extra_cost = reminder - revenue
    out["_cost"] = extra_cost
    return out
