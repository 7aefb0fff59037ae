"""What a replication records, and how it is folded into per-slot figures as the run goes.

The event loop appends to plain lists: every attempt it creates (``recent``), every step of a
group's logged-in / on-break / busy / idle level (``lv``: one float per step, its time for a
step up by one and its time negated for a step down, so ``t`` and ``-t`` with the sign bit
telling them apart even at ``t = 0``: one append per step, in the order they happened) and every
change of a queue's length. :meth:`Recorder.flush` (at every midnight, and at the end)
folds what is over into a :class:`~staffsim.metrics.SlotAccumulator` and forgets it, so memory
stays bounded by about a day of contacts whatever the horizon. Attempts still waiting or in
service stay until a later flush. With ``keep_log`` the flushed attempts and levels are also kept
and returned as a :class:`~staffsim.results.ContactLog` (the per-contact log: for tests, traces
and ``--contacts``).
"""

from __future__ import annotations

import numpy as np

from staffsim.engine.appointments import appointment_columns
from staffsim.engine.core import DIAL, DONE, SERVE, WAIT
from staffsim.engine.repeats import repeat_columns
from staffsim.metrics import SlotAccumulator, segment_rows, uses
from staffsim.results import ContactLog

LEVEL_KEYS = ("logged_in", "on_break", "busy", "idle")


class Recorder:
    def __init__(self, scenario, start: float, keep_log: bool):
        self.scenario = scenario
        self.acc = SlotAccumulator(scenario)
        self.channels = tuple(scenario.channels)
        self.groups = tuple(g.group for g in scenario.spec.agents)
        ng, nc = len(self.groups), len(self.channels)
        self.recent: list = []
        self.lv = {key: [[] for _ in range(ng)] for key in LEVEL_KEYS}
        self.lv0 = {key: [0.0] * ng for key in LEVEL_KEYS}
        self.q_t: list[list[float]] = [[] for _ in range(nc)]
        self.q_len: list[list[int]] = [[] for _ in range(nc)]
        self.q0 = [0.0] * nc
        # week: retries / returns that would fall when closed (time of the attempt they follow),
        # and contacts lost to an unavailable channel (arrival time)
        self.closed: list[list[float]] = [[] for _ in range(nc)]
        self.unavailable: list[list[float]] = [[] for _ in range(nc)]
        self.t0 = start
        self.start = start
        self.keep_log = keep_log
        self._attempts: list[dict[str, np.ndarray]] = []
        self._levels = {key: [[] for _ in range(ng)] for key in LEVEL_KEYS}
        self._queues: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(nc)]
        self.extra = None  # (resolution on, appointment channel flags): engine/repeats.py, appointments.py
        self.wrap_on = None  # after-contact work per channel (set by the replication when used)
        self.xfer = None  # transfers and conferences (engine/transfers.py: set when used)
        # customer behaviours: the first segment row of each channel (-1: no segments), callbacks
        on = uses(scenario)
        rows = segment_rows(scenario)
        self.segment_names = tuple(f"{c}/{s}" for c, s in rows)
        self.seg_base = ([next((i for i, (cc, _) in enumerate(rows) if cc == c), -1) for c in self.channels]
                         if on["segments"] else None)
        self.callbacks = on["callbacks"]
        self.flags = on["callbacks"] or on["lines"]  # attempt flags: callback offered, holds a line

    def flush(self, rep, final: bool = False) -> None:
        """Fold everything up to now into the accumulator; attempts still waiting or in service
        are kept for later (at the end of the run, ``final``, they count as unfinished / in
        service)."""
        now = rep.env._now
        if final:
            done, live = self.recent[:], []
        else:
            done, live = [], []
            for att in self.recent:
                (live if att.state == WAIT or att.state == SERVE else done).append(att)
        self.recent[:] = live  # the same list: the engine holds it
        full = self.keep_log or rep.audit is not None
        arrays = _arrays(done, full, kind=full or self.callbacks or self.extra is not None or self.xfer is not None)
        if self.extra is not None:
            arrays.update(_extra_arrays(done, *self.extra))
        if self.seg_base is not None or self.flags:
            _behaviour_arrays(done, arrays, self.seg_base, self.callbacks, self.flags)
        if self.wrap_on is not None:  # after-contact work: the agent's wrap-up after the contact
            arrays["wrap"] = np.array([a.draws.wrap[a.i] if self.wrap_on[a.channel] and a.state == DONE
                                       and (a.kind != DIAL or a.connected) else 0.0 for a in done], float)
        if rep.audit is not None:
            rep.audit.attempts(arrays, rep, final)
        rows = arrays if self.xfer is None else self.xfer.fold(done, arrays, self.acc)  # engine/transfers.py
        self.acc.add_attempts(rows["channel"], rows["arrival"], rows["answer"], rows["end"],
                              rows["state"], rows["group"], run_end=now, kind=rows.get("kind"),
                              segment=rows.get("segment"), origin=rows.get("origin"),
                              flags=rows.get("flags"), wrap=rows.get("wrap"))
        if self.extra is not None:
            self.acc.outcomes.add(rows, self.acc.slot_of(rows["arrival"]), now)
        if self.keep_log:
            self._attempts.append(arrays)
        for c in range(len(self.channels)):
            for key, times in (("retries_closed", self.closed[c]), ("unavailable", self.unavailable[c])):
                if times:
                    self.acc.add_count(key, c, np.asarray(times, float))
                    times.clear()
        for key in LEVEL_KEYS:
            for g, changes in enumerate(self.lv[key]):
                steps = np.asarray(changes, float)
                times = np.abs(steps)
                deltas = np.where(np.signbit(steps), -1.0, 1.0)
                self.acc.add_levels(key, g, times, deltas, self.lv0[key][g], self.t0, now)
                self.lv0[key][g] += float(deltas.sum())
                if self.keep_log:
                    self._levels[key][g].append((times, deltas))
                changes.clear()
        for c in range(len(self.channels)):
            times = np.asarray(self.q_t[c], float)
            lengths = np.asarray(self.q_len[c], float)
            self.acc.add_queue(c, times, lengths, self.q0[c], self.t0, now)
            if len(lengths):
                self.q0[c] = float(lengths[-1])
            if self.keep_log:
                self._queues[c].append((times, lengths))
            self.q_t[c].clear()
            self.q_len[c].clear()
        self.t0 = now

    def lost(self, days) -> None:
        """Count the first attempts of a day lost to an unavailable channel (week: events)."""
        for dd in days:
            if dd.lost is not None:
                self.unavailable[dd.channel].extend(np.asarray(dd.times)[dd.lost].tolist())

    def log(self, scheduled_s: np.ndarray, overtime_s: np.ndarray, run_end: float) -> ContactLog:
        """The whole run's per-attempt log (``keep_log`` only), in arrival order."""
        keys = ("channel", "contact", "attempt", "kind", "arrival", "answer", "end", "state",
                "group", "handle")
        keys += (("segment",) if self.seg_base is not None else ()) + (("origin",) if self.callbacks else ())
        cat = {k: np.concatenate([a[k] for a in self._attempts]) if self._attempts else np.zeros(0)
               for k in keys}
        extra_keys = [k for k in (self._attempts[0] if self._attempts else {}) if k not in keys]
        extra = {k: np.concatenate([a[k] for a in self._attempts]) for k in extra_keys}
        order = np.argsort(cat["arrival"], kind="stable")

        def joined(chunks):
            if not chunks:
                return np.zeros(0), np.zeros(0)
            return np.concatenate([t for t, _ in chunks]), np.concatenate([d for _, d in chunks])

        return ContactLog(
            channels=self.channels,
            groups=self.groups,
            concurrency=tuple(self.scenario.channel(c).concurrency for c in self.channels),
            channel=cat["channel"][order].astype(np.int32),
            contact=cat["contact"][order].astype(np.int64),
            attempt=cat["attempt"][order].astype(np.int16),
            kind=cat["kind"][order].astype(np.int8),
            arrival=cat["arrival"][order],
            answer=cat["answer"][order],
            end=cat["end"][order],
            state=cat["state"][order].astype(np.int8),
            group=cat["group"][order].astype(np.int16),
            handle=cat["handle"][order],
            levels={key: [joined(chunks) for chunks in per_group] for key, per_group in self._levels.items()},
            queue=[joined(chunks) for chunks in self._queues],
            scheduled_s=scheduled_s,
            overtime_s=overtime_s,
            run_start=self.start,
            run_end=run_end,
            extra={k: v[order] for k, v in extra.items()},
            segment=cat["segment"][order].astype(np.int16) if "segment" in cat else None,
            segment_names=self.segment_names,
            origin=cat["origin"][order] if "origin" in cat else None,
        )


def _arrays(attempts: list, full: bool = True, kind: bool = True) -> dict[str, np.ndarray]:
    """Column arrays of a list of attempts (``answer``/``end`` NaN where they did not happen):
    those the figures are made of; with ``kind`` the attempt kinds (callbacks, repeats and
    appointments count by kind); with ``full`` also ``contact``, ``attempt`` and ``handle`` (for
    the per-contact log and the audit). One pass per column: a pass over every attempt per
    column is faster than one pass building rows."""
    answer = np.array([a.answer for a in attempts], float)
    end = np.array([a.end for a in attempts], float)
    out = {
        "channel": np.array([a.channel for a in attempts], np.int64),
        "arrival": np.array([a.arrival for a in attempts], float),
        "answer": np.where(answer < 0, np.nan, answer),
        "end": np.where(end < 0, np.nan, end),
        "state": np.array([a.state for a in attempts], np.int64),
        "group": np.array([a.group for a in attempts], np.int64),
    }
    if kind:
        out["kind"] = np.array([a.kind for a in attempts], np.int64)
    if full:
        out["contact"] = np.array([a.draws.offset + a.i for a in attempts], np.int64)
        out["attempt"] = np.array([a.num for a in attempts], np.int64)
        out["handle"] = np.array([a.handle for a in attempts], float)
    return out


def _extra_arrays(attempts: list, resolving: bool, appt: list[bool]) -> dict[str, np.ndarray]:
    """Columns of first-contact resolution and appointments, for the scenarios that use them."""
    out = repeat_columns(attempts) if resolving else {}
    if any(appt):
        out.update(appointment_columns(attempts, appt))
    return out
def _behaviour_arrays(attempts: list, arrays: dict[str, np.ndarray], seg_base: list[int] | None,
                      callbacks: bool, flags: bool = False) -> None:
    """The customer-behaviour columns: ``segment`` (row of the contact's segment, -1 none),
    ``origin`` (when a callback dial's callback was requested, NaN for live attempts) and
    ``flags``."""
    if seg_base is not None:
        arrays["segment"] = np.array([seg_base[a.channel] + a.draws.segment[a.i] if a.draws.segment else -1
                                      for a in attempts], np.int64)
    if callbacks:
        arrays["origin"] = np.array([a.origin if a.kind == DIAL else np.nan for a in attempts], float)
    if callbacks or flags:
        arrays["flags"] = np.array([a.flags for a in attempts], np.int64)
