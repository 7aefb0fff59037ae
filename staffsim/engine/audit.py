"""Invariant checks of one replication, on when ``STAFFSIM_AUDIT=1`` (the test suite sets it).

The audit records every agent's state changes and scheduled windows beside the engine's own
group-level bookkeeping, and checks, per agent:

- each of logged-in, busy, idle and on-break is 0 or 1 at every instant (no agent holds two
  logins, or is busy twice);
- at the end of every instant a logged-in agent is exactly one of busy, idle or on break, and an
  agent not logged in is none of them: logged-in time = busy + idle + break, instant by instant;
- every login happens at the start of a scheduled window (a shift, or a run of slots) and an agent
  is idle only inside a window: outside its windows a logged-in agent is finishing work (busy, or
  taking a break it was owed), never waiting for more. So the logged-in agents of a group never
  exceed the agents the roster or plan provides at that instant plus those finishing a contact
  past their end (no pre-emption);

per group, that the levels the KPIs are computed from equal the sum of the agents' levels; and
per channel, that every attempt is in one state with consistent times and that the queues and the
agents' loads at the end match the attempts waiting and in service (callback dials included:
an agent dialling is busy, a dial waiting is in a line).

With appointments and first-contact resolution: a no-show happens only on an appointment channel
and holds its agent exactly ``grace``; a served appointment holds its agent until the customer's
arrival (if later) plus the appointment; every finished contact of a channel modelling resolution
is judged and nothing else is; and every unresolved contact whose repeat falls inside the horizon
has exactly one repeat attempt by the end of the run (none lost, none invented).

With customer behaviours, per attempt: a balked contact or one that took a callback left at
its arrival and was never answered; a callback dial was made by an agent, and one not answered
took exactly the connect time; live attempts are never in a dial's state nor dials in a live
one. Per channel, at the end: every callback accepted ended in exactly one of connected, given up
or still pending (the callbacks are conserved, whatever days and flushes they spanned).
"""

from __future__ import annotations

import os

import numpy as np

from staffsim.engine.core import (
    ABANDONED,
    BALKED,
    BLOCKED,
    CALLBACK,
    CONFERENCE,
    CONFERENCED,
    DEFLECTED,
    DIAL,
    DONE,
    FAILED,
    LEG,
    NO_ANSWER,
    NO_SHOW,
    REPEAT,
    SERVE,
    TRANSFERRED,
    WAIT,
)
from staffsim.metrics import integrate

KEYS = ("logged_in", "busy", "idle", "on_break")


class InvariantError(RuntimeError):
    """An engine invariant was broken: a bug in staffsim, never bad input."""


def audit_on() -> bool:
    return os.environ.get("STAFFSIM_AUDIT", "") not in ("", "0")


class Audit:
    def __init__(self) -> None:
        self.changes: dict[int, list[tuple[float, str, float]]] = {}
        self.windows: dict[int, list[tuple[float, float]]] = {}
        self.answered_open = 0  # attempts answered and still in service at the end
        self.unresolved = 0  # contacts judged unresolved whose repeat falls inside the horizon
        self.repeats = 0  # repeat attempts that arrived
        self.callbacks: dict[int, int] = {}  # per channel: callbacks accepted - callbacks ended
        self.moved = 0  # transfers: contacts flagged transferred - second legs made
        self.asked = 0  # conferences: contacts flagged conferenced - conference records

    def change(self, ag, key: str, t: float, delta: float) -> None:
        self.changes.setdefault(ag.index, []).append((t, key, delta))

    def window(self, ag, start: float, end: float) -> None:
        self.windows.setdefault(ag.index, []).append((start, end))

    def attempts(self, a: dict[str, np.ndarray], rep, final: bool) -> None:
        """Attempts as they are folded into the figures: states and times consistent; at the end
        (``final``) the attempts still waiting are exactly those the queues count."""
        where = rep.where
        state, arr, ans, end = a["state"], a["arrival"], a["answer"], a["end"]
        if len(state) and not np.isin(state, (WAIT, SERVE, DONE, ABANDONED, DEFLECTED, NO_SHOW, BALKED,
                                              CALLBACK, NO_ANSWER, FAILED, BLOCKED)).all():
            raise InvariantError(f"{where}: an attempt in an unknown state")
        dial = a["kind"] == DIAL
        unanswered = (state == NO_ANSWER) | (state == FAILED)
        if (unanswered & ~dial).any() or (dial & np.isin(state, (ABANDONED, DEFLECTED, BALKED, CALLBACK,
                                                                 NO_SHOW))).any():
            raise InvariantError(f"{where}: a live attempt in a callback dial's state, or a dial in a "
                                 "live attempt's")
        # taken by an agent: served, a no-show waited for, a dial made
        answered = (state == SERVE) | (state == DONE) | (state == NO_SHOW) | unanswered
        if (ans[answered] < arr[answered] - 1e-9).any() or (~np.isnan(ans[~answered])).any():
            raise InvariantError(f"{where}: an answer time before its arrival, or an answer "
                                 "recorded for an attempt not answered")
        left = (state == BALKED) | (state == CALLBACK) | (state == BLOCKED)
        if (end[left] != arr[left]).any():
            raise InvariantError(f"{where}: a contact that balked, took a callback or was blocked did not "
                                 "leave on arrival")
        if rep.lines is not None:  # lines (issue 20): a blocked contact found every line held
            self._lines(a, rep, final)
        if unanswered.any():
            connect = np.array([cb.connect_time if cb else np.nan for cb in rep.callbacks])[a["channel"][unanswered]]
            took = end[unanswered] - ans[unanswered]
            if (np.abs(a["handle"][unanswered] - connect) > 1e-9).any() or (np.abs(took - connect) > 1e-6).any():
                raise InvariantError(f"{where}: a callback dial not answered took other than the connect time")
        for c in np.unique(a["channel"][(state == CALLBACK) | dial]).tolist():
            mine = a["channel"] == c
            ended = dial & mine & np.isin(state, (DONE, FAILED, WAIT, SERVE))
            self.callbacks[c] = (self.callbacks.get(c, 0) + int(((state == CALLBACK) & mine).sum())
                                 - int(ended.sum()))
        # a no-show whose grace ran past the end of the run has no end (engine/appointments.py)
        open_no_show = (state == NO_SHOW) & np.isnan(end) if final else np.zeros(len(state), bool)
        finished = ((state == DONE) | (state == ABANDONED) | (state == NO_SHOW) | unanswered) & ~open_no_show
        begin = np.where((state == DONE) | (state == NO_SHOW), ans, arr)
        if (end[finished] < begin[finished] - 1e-9).any() or np.isnan(end[finished]).any():
            raise InvariantError(f"{where}: an attempt ended before it began, or never ended")
        if (~np.isnan(end[(state == WAIT) | (state == SERVE)])).any():
            raise InvariantError(f"{where}: an attempt waiting or in service has an end time")
        if open_no_show.any() and (ans[open_no_show] + np.asarray(rep.grace, float)[a["channel"][open_no_show]]
                                   < rep.env._now - 1e-9).any():
            raise InvariantError(f"{where}: a no-show without an end whose grace was over before the end")
        self.answered_open += int((state == SERVE).sum() + open_no_show.sum())
        if getattr(rep, "extras", False):
            self._outcomes(a, rep)
        if not final and ((state == WAIT) | (state == SERVE)).any():
            raise InvariantError(f"{where}: an attempt still open was folded in before the end")
        if getattr(rep, "conf_q", None) is not None or hasattr(rep, "base_fn"):
            self._transfers(a, rep, final)  # transfers and conferences (engine/transfers.py)
        for c in range(len(rep.names) if final else 0):
            waiting = int(((state == WAIT) & (a["channel"] == c) & (a["kind"] != CONFERENCE)).sum())
            counted = rep.waiting[c] + rep.dials_waiting[c]
            if waiting != counted:
                raise InvariantError(f"{where}: channel {rep.names[c]!r}: {counted} counted "
                                     f"waiting at the end but {waiting} attempts are waiting")
            if self.callbacks.get(c, 0):
                raise InvariantError(f"{where}: channel {rep.names[c]!r}: {self.callbacks[c]} callback(s) "
                                     "accepted but never connected, given up or left pending")

    def _lines(self, a: dict[str, np.ndarray], rep, final: bool) -> None:
        """Lines: blocked only on a channel with lines; never more lines held than there are;
        at the end the lines held are exactly the line-holding attempts waiting or in service."""
        where = rep.where
        state = a["state"]
        on = np.asarray(rep.lines.on, bool)[a["channel"]] if len(state) else np.zeros(0, bool)
        if ((state == BLOCKED) & ~on).any():
            raise InvariantError(f"{where}: a contact blocked on a channel without lines")
        count = rep.spec_lines.count
        if not 0 <= rep.lines.free <= count:
            raise InvariantError(f"{where}: {rep.lines.free} lines free of {count}")
        if final:
            live = ((state == WAIT) | (state == SERVE)) & ((a["flags"] & 2) > 0)
            if int(live.sum()) != count - rep.lines.free:
                raise InvariantError(f"{where}: {count - rep.lines.free} lines held at the end but "
                                     f"{int(live.sum())} attempts holding one are waiting or in service")

    def _transfers(self, a: dict[str, np.ndarray], rep, final: bool) -> None:
        """Transfers and conferences: second legs and conference records only waiting, in
        service or done, never on a channel without the option's target; a conference lasts
        exactly its drawn time; every contact flagged transferred (conferenced) has exactly one
        second leg (conference record) by the end; at the end the conference requests waiting
        are exactly those the teams' conference lines hold."""
        where = rep.where
        state, kind = a["state"], a["kind"]
        leg, conf = kind == LEG, kind == CONFERENCE
        if ((leg | conf) & ~np.isin(state, (WAIT, SERVE, DONE))).any():
            raise InvariantError(f"{where}: a second leg or conference record abandoned, deflected or left")
        targets = [b for b in getattr(rep, "x_to", []) if b >= 0]
        if leg.any() and not np.isin(a["channel"][leg], targets).all():
            raise InvariantError(f"{where}: a second leg on a channel no transfer goes to")
        done = conf & (state == DONE)
        if (np.abs(a["end"][done] - a["answer"][done] - a["handle"][done])
                > 1e-9 * np.maximum(1.0, a["handle"][done])).any():
            raise InvariantError(f"{where}: a conference that did not last its drawn time")
        live = ~(leg | conf)
        flags = a["flags"]
        self.moved += int(((flags & TRANSFERRED) > 0)[live].sum()) - int(leg.sum())
        self.asked += int(((flags & CONFERENCED) > 0)[live].sum()) - int(conf.sum())
        if final:
            if self.moved or self.asked:
                raise InvariantError(f"{where}: {self.moved} transferred contacts without a second leg "
                                     f"(or legs without a contact), {self.asked} conferences likewise")
            held = sum(len(q) for q in rep.conf_q) if rep.conf_q is not None else 0
            if int((conf & (state == WAIT)).sum()) != held:
                raise InvariantError(f"{where}: {held} conference requests held at the end but "
                                     f"{int((conf & (state == WAIT)).sum())} records waiting")

    def _outcomes(self, a: dict[str, np.ndarray], rep) -> None:
        """No-shows and repeats (appointments and first-contact resolution on)."""
        where = rep.where
        state, ch = a["state"], a["channel"]
        appt = np.asarray(rep.appt, bool)[ch] if len(ch) else np.zeros(0, bool)
        no_show = state == NO_SHOW
        if (no_show & ~appt).any():
            raise InvariantError(f"{where}: a no-show on a live channel")
        grace = np.asarray(rep.grace, float)[ch] if len(ch) else np.zeros(0)
        held = a["end"] - a["answer"]
        if (np.abs(held[no_show] - grace[no_show]) > 1e-9 * np.maximum(1.0, grace[no_show])).any():
            raise InvariantError(f"{where}: a no-show held its agent other than the grace period")
        served = appt & (state == DONE)
        if served.any():
            came = a["customer_arrival"][served]
            if np.isnan(came).any() or (came > a["answer"][served] + grace[served] + 1e-9).any():
                raise InvariantError(f"{where}: an appointment served although the customer did not "
                                     "come within the grace period")
            meet = np.maximum(a["answer"][served], came)
            if (a["end"][served] < meet - 1e-9).any():
                raise InvariantError(f"{where}: an appointment ended before the customer and the "
                                     "agent met")
        if "resolved" not in a:
            return
        resolved, level = a["resolved"], a["level"]
        judged = resolved >= 0
        if (judged & (state != DONE)).any():
            raise InvariantError(f"{where}: a contact judged resolved or not without being served")
        modelled = np.array([rep.drawers[c].resolution is not None for c in range(len(rep.names))], bool)
        should = (state == DONE) & ((level > 0) | (modelled[ch] if len(ch) else np.zeros(0, bool)))
        if (should != judged).any():
            raise InvariantError(f"{where}: a finished contact of a channel modelling resolution "
                                 "was not judged (or one of another channel was)")
        self.unresolved += int((resolved == 0).sum())
        self.repeats += int((a["kind"] == REPEAT).sum())

    def check(self, rep) -> None:
        """After the run (the last flush done)."""
        where = rep.where
        if self.unresolved != self.repeats:
            raise InvariantError(f"{where}: {self.unresolved} unresolved contacts should come back "
                                 f"inside the horizon but {self.repeats} repeat attempts arrived")
        for c in range(len(rep.names)):
            if rep.waiting[c] < 0:
                raise InvariantError(f"{where}: channel {rep.names[c]!r}: negative waiting count")
        wrapping = getattr(rep, "wrapping", 0)  # after-contact work: held by an agent, the customer gone
        wrapping += getattr(rep, "ob_calls", 0)  # outbound calls in progress (engine/outbound.py)
        if self.answered_open + wrapping != sum(a.load for a in rep.agents):
            raise InvariantError(f"{where}: {self.answered_open} attempts in service and {wrapping} wrap-ups "
                                 f"at the end but the agents hold {sum(a.load for a in rep.agents)}")
        for ag in rep.agents:
            self._check_agent(ag, rep.env._now, where)
        self._check_groups(rep, where)

    def _check_agent(self, ag, end: float, where: str) -> None:
        changes = self.changes.get(ag.index, [])
        windows = self.windows.get(ag.index, [])
        level = dict.fromkeys(KEYS, 0)
        idle_since = None

        def fail(t: float, what: str) -> None:
            raise InvariantError(f"{where}: agent {ag.index} (group {ag.group}) at t={t:.3f}s: {what}")

        def in_window(a: float, b: float) -> bool:
            return any(s - 1e-9 <= a and b <= e + 1e-9 for s, e in windows)

        i = 0
        while i < len(changes):
            t = changes[i][0]
            while i < len(changes) and changes[i][0] == t:
                _, key, delta = changes[i]
                level[key] += delta
                if not 0 <= level[key] <= 1:
                    fail(t, f"{key} level {level[key]:g} (two logins, or a state entered twice)")
                if key == "logged_in" and delta > 0 and not any(abs(s - t) < 1e-9 for s, _ in windows):
                    fail(t, "logged in outside the start of any scheduled window")
                if key == "idle":
                    if delta > 0:
                        idle_since = t
                    else:
                        if not in_window(idle_since, t):
                            fail(t, f"idle from {idle_since:.3f}s outside its scheduled windows")
                        idle_since = None
                i += 1
            states = level["busy"] + level["idle"] + level["on_break"]
            if states != level["logged_in"]:
                fail(t, f"logged in {level['logged_in']} but busy {level['busy']}, idle "
                        f"{level['idle']}, on break {level['on_break']}")
        if idle_since is not None and not in_window(idle_since, end):
            fail(end, f"idle from {idle_since:.3f}s outside its scheduled windows")

    def _check_groups(self, rep, where: str) -> None:
        lo, hi = np.array([rep.recorder.start]), np.array([rep.env._now])
        totals = rep.recorder.acc.group_total
        for key in KEYS:
            for g in range(len(rep.group_names)):
                own = 0.0
                for ag in rep.agents:
                    if ag.group != g:
                        continue
                    ch = [(t, d) for t, k, d in self.changes.get(ag.index, []) if k == key]
                    if ch:
                        t, d = np.array(ch, float).T
                        own += float(integrate(t, d, lo, hi)[0])
                total = float(totals[key][g])
                if abs(total - own) > 1e-6 * max(1.0, abs(own)):
                    raise InvariantError(f"{where}: group {rep.group_names[g]!r}: {key} time {total:.6f}s "
                                         f"from the group's levels but {own:.6f}s from its agents")
