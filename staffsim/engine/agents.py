"""Agents at work: service, completion, taking the next contact, logins, breaks and log-offs.

Breaks and shift ends never pre-empt: the agent finishes what it holds, then takes its full
break (or logs off). With ``concurrency_stretch`` s > 1 a chat started while the agent already
holds m chats lasts ``1 + (s - 1) m / (k - 1)`` times its drawn handle time. At the close,
agents logged in stay until the queues they serve are empty (at most ``run.drain``).

Issue 20 (each off unless the scenario asks): a team's ``blend`` lets its agents mix contacts of
several channels of the same concurrency k, k in all (digital blending); a channel's
``after_work`` keeps the agent on the contact's slot for a wrap-up after the customer has gone.
"""

from __future__ import annotations

from heapq import heappush

from staffsim.engine.core import DIAL, DONE, HOLDS_LINE, NORMAL, SERVE, schedule
from staffsim.engine.roster import BREAK, LOGIN, LOGOFF, Agent


class AgentsMixin:
    """Agent callbacks (part of :class:`~staffsim.engine.replication.Replication`)."""

    # ---------------------------------------------------------------- bookkeeping
    def _level(self, key: str, ag: Agent, delta: int) -> None:
        """Group level ``key`` of ``ag`` steps by ``delta`` (+1 or -1) now (engine/recorder.py:
        a step is recorded as its time, negated for a step down)."""
        now = self.env._now
        self.lv[key][ag.group].append(now if delta > 0 else -now)
        # agents serving (logged in, not on break) for the expected wait (engine/routing.py)
        if key == "logged_in":
            self.avail[ag.group] += delta
        elif key == "on_break":
            self.avail[ag.group] -= delta
        # the agent's own available time (least_occupied, engine/policies.py)
        if (key == "logged_in") == (delta > 0):
            ag.avail_from = now
        elif ag.avail_from >= 0:
            ag.avail_s += now - ag.avail_from
            ag.avail_from = -1.0
        if self.audit is not None:
            self.audit.change(ag, key, self.env._now, delta)

    def _set_idle(self, ag: Agent) -> None:
        now = self.env._now
        ag.idle = True
        ag.token += 1
        self.idle[ag.group].append((now, ag.token, ag))
        self.lv_idle[ag.group].append(now)  # idle +1 (engine/recorder.py)
        if self.audit is not None:
            self.audit.change(ag, "idle", now, 1)

    def _clear_idle(self, ag: Agent) -> None:
        if ag.idle:
            ag.idle = False
            ag.token += 1
            self.lv_idle[ag.group].append(-self.env._now)  # idle -1
            if self.audit is not None:
                self.audit.change(ag, "idle", self.env._now, -1)

    # ---------------------------------------------------------------- service
    def _start(self, ag: Agent, att, c: int) -> None:
        now = self.env._now
        k = self.conc[c]
        if ag.load == 0:
            if ag.idle:  # _clear_idle, inlined: this runs for every answered contact
                ag.idle = False
                ag.token += 1
                self.lv_idle[ag.group].append(-now)  # idle -1 (engine/recorder.py)
                if self.audit is not None:
                    self.audit.change(ag, "idle", now, -1)
            self.lv_busy[ag.group].append(now)  # busy +1
            ag.busy_from = now  # least_occupied (engine/policies.py)
            if self.audit is not None:
                self.audit.change(ag, "busy", now, 1)
        hdl = att.draws.handle[att.i] * ag.hfac[c]  # (1 + uplift) x the team's factor
        if self.appt[c]:  # the agent's time depends on the customer (engine/appointments.py)
            hdl = self._appointment_busy(att, now)
        if k > 1 and ag.blend is not None and c in ag.blend:  # digital blending: one concurrency across channels
            if self.stretch[c] != 1.0:  # stretched by the contacts held, of any blended channel
                hdl *= 1.0 + (self.stretch[c] - 1.0) * ag.load / (k - 1)
            self._blend_move(ag, ag.load, ag.load + 1)
        elif k > 1:  # chat: the agent's load moves up a bucket; stretch by the chats it holds
            if ag.load:
                self.partial[c][ag.load].pop(ag, None)
            if self.stretch[c] != 1.0:
                hdl *= 1.0 + (self.stretch[c] - 1.0) * ag.load / (k - 1)
            if ag.load + 1 < k and ag.pending is None:
                self.partial[c][ag.load + 1][ag] = None
        ag.load += 1
        ag.load_ch = c
        att.state = SERVE
        att.answer = now
        att.group = ag.group
        att.handle = hdl
        att.agent = ag
        if att.kind != DIAL:
            # the attempt is the event of its completion (engine/core.py): schedule(self.env,
            # hdl, self._complete, a=att), inlined (hot path)
            att.callbacks = self.complete_cbs[c]  # with after-contact work: _complete_wrap
            heappush(self._queue, (now + hdl, NORMAL, next(self._eid), att))
        else:
            self._dial(ag, att)  # a callback (engine/callbacks.py)

    def _complete(self, att) -> None:
        """``att``'s service is over."""
        ag = att.agent
        now = self.env._now
        att.state = DONE
        att.end = now
        if att.flags & HOLDS_LINE:  # lines (engine/policies.py)
            self.lines.free += 1
        c = att.channel  # (the agent's load_ch, except for a blending agent holding several channels)
        if self.extras:  # no-shows, first-contact resolution (engine/appointments.py, repeats.py)
            self._after_service(att, c)
        self._release(ag, c, now)

    def _release(self, ag: Agent, c: int, now: float) -> None:
        """The agent lets go of a contact of channel ``c`` (when the customer is done, or after
        the wrap-up: :meth:`_wrap_done`): its load drops by one, its busy period ends with the
        last contact, it can take chats again, and it takes its next work."""
        blended = False
        if self.conc[c] > 1:
            if ag.blend is not None and c in ag.blend:  # digital blending
                blended = True
                self._blend_move(ag, ag.load, ag.load - 1)
            else:
                self.partial[c][ag.load].pop(ag, None)
        ag.load -= 1
        if ag.load == 0:
            self._end_busy(ag, now)
        elif ag.pending is None and not blended:
            self.partial[c][ag.load][ag] = None
        self._ready(ag)

    # --- digital blending (issue 20): one concurrency k across a team's blended channels -------
    def _blend_move(self, ag: Agent, old: int, new: int) -> None:
        """A blending agent's load goes from ``old`` to ``new``: it leaves the partly-busy buckets
        of every blended channel at ``old`` and joins them at ``new`` when it can take more
        (0 < new < k, no break or log-off pending)."""
        blend = ag.blend
        for y in blend:
            if old:
                self.partial[y][old].pop(ag, None)
        k = self.conc[next(iter(blend))]
        if 0 < new < k and ag.pending is None:
            for y in ag.skills:  # in the team's order (buckets are dicts: insertion order matters)
                if y in blend:
                    self.partial[y][new][ag] = None

    def _blend_fill(self, ag: Agent, k: int) -> None:
        """A blending agent with a free slot takes waiting contacts of its blended channels, the
        team's skill order first, until its k slots are full (none while a skill it ranks above
        a channel, outside the blend, has contacts it can see)."""
        delays = ag.delays
        while ag.load < k:
            for c in ag.skills:
                if c in ag.blend and self.waiting[c] and not self._outranked(ag, c):
                    att = self._pop(c) if delays is None else self._pop(c, delays[c])
                    if att is not None:
                        self._start(ag, att, c)
                        break
            else:
                return
    # --- end digital blending

    # --- after-contact work (issue 20): a phase of its own after the customer has gone ----------
    def _complete_wrap(self, att) -> None:
        """``att``'s conversation is over (a channel with ``after_work``): the customer is done;
        the agent wraps up for the contact's drawn after-contact work, holding its slot, then
        frees up (:meth:`_wrap_done`). A connected callback dial ends here too (engine/callbacks.py)."""
        now = self.env._now
        att.state = DONE
        att.end = now
        if att.flags & HOLDS_LINE:
            self.lines.free += 1
        if self.extras:  # first-contact resolution: judged when the customer is done (engine/repeats.py)
            self._after_service(att, att.channel)
        self.wrapping += 1
        schedule(self.env, att.draws.wrap[att.i], self._wrap_done, NORMAL, att.agent, att.channel)

    def _end_busy(self, ag, now: float) -> None:
        """The agent's last contact (or dial) ended: its busy period closes (busy -1 in the group's
        level, engine/recorder.py; its busy time; the audit told)."""
        self.lv_busy[ag.group].append(-now)
        ag.busy_s += now - ag.busy_from
        ag.load_ch = -1
        if self.audit is not None:
            self.audit.change(ag, "busy", now, -1)

    def _wrap_done(self, tick) -> None:
        """The agent's wrap-up is over: it frees the slot as after any contact (``_complete``)."""
        self.wrapping -= 1
        self._release(tick.a, tick.b, self.env._now)
    # --- end after-contact work

    def _ready(self, ag: Agent) -> None:
        """The agent can take work (after a completion, login or break)."""
        if ag.pending is not None:
            if ag.load == 0:
                action = ag.pending
                ag.pending = None
                if action[0] == "break":
                    self._begin_break(ag, action[1])
                else:
                    self._logoff(ag)
            return
        if self.conf_q is not None and ag.load == 0 and self.conf_q[ag.group]:
            self._join_conference(ag)  # a supervisor asked to join a contact (engine/transfers.py)
            return
        delays = ag.delays  # overflow: what the team sees (engine/routing.py)
        if ag.load == 0:
            # queue_order (engine/policies.py); None: the skills in the team's order
            for c in (ag.skills if ag.order is None else ag.order.skills(self, ag)):
                if self.waiting[c]:
                    att = self._pop(c) if delays is None else self._pop(c, delays[c])
                    if att is not None:
                        self._start(ag, att, c)
                        if self.conc[c] == 1:
                            return  # one contact at a time: nothing more to take
                        break
            else:
                if self.next_idle:
                    self._take_dial(ag)  # nothing live to take: call a customer back
        c = ag.load_ch
        if ag.load > 0:
            k = self.conc[c]
            if ag.blend is not None and c in ag.blend:  # digital blending: any blended channel
                self._blend_fill(ag, k)
                return
            while ag.load < k and self.waiting[c] and not self._outranked(ag, c):
                att = self._pop(c) if delays is None else self._pop(c, delays[c])
                if att is None:
                    break
                self._start(ag, att, c)
            return
        if self.ob is not None and self._outbound(ag):  # outbound dialling (engine/outbound.py)
            return
        if self.draining:
            self._logoff(ag)
        elif not ag.idle:
            self._set_idle(ag)

    # ---------------------------------------------------------------- roster actions
    def _start_roster(self) -> None:
        self._roster_next = 0
        if self.roster:
            schedule(self.env, self.roster[0][0] - self.env._now, self._on_roster)

    def _on_roster(self, _tick) -> None:
        k = self._roster_next
        _, action, _, ag, value = self.roster[k]
        self._roster_next = k + 1
        if k + 1 < len(self.roster):
            schedule(self.env, self.roster[k + 1][0] - self.env._now, self._on_roster)
        if action == LOGIN:
            self._login(ag, value)
        elif action == BREAK:
            if not ag.logged_in:
                return
            if ag.on_break:  # the previous break started late and still runs: this one follows it
                ag.pending = ("break", value)
            elif ag.load == 0:
                self._begin_break(ag, value)
            else:
                self._stop_accepting(ag)
                ag.pending = ("break", value)
        elif action == LOGOFF:
            if not ag.logged_in or ag.staying:
                return
            if ag.on_break:
                ag.pending = ("logoff",)
            elif ag.load == 0:
                self._logoff(ag)
            else:
                self._stop_accepting(ag)
                ag.pending = ("logoff",)
        else:  # DRAIN
            self.draining = True
            for a in self.agents:
                if a.logged_in and (a.pending is None or a.pending[0] == "break"):
                    a.staying = True
            for a in self.agents:
                if a.staying and a.idle:
                    self._clear_idle(a)
                    self._ready(a)  # takes remaining work or logs off

    def _login(self, ag: Agent, sched_end: float) -> None:
        """A scheduled login (``sched_end``: when this stretch of work is scheduled to end).

        An agent still logged in from an earlier stretch (finishing a contact after its shift or
        run of slots ended, the log-off pending) is the same person: it carries on under the new
        schedule instead of logging in a second time. The time it worked past the earlier end is
        overtime."""
        if self.audit is not None:
            self.audit.window(ag, self.env._now, sched_end)
        if ag.logged_in:
            self.overtime_s[ag.group] += max(0.0, self.env._now - ag.sched_end)
            ag.sched_end = sched_end
            if ag.pending is not None and ag.pending[0] == "logoff":
                ag.pending = None
                if not ag.on_break:
                    c = ag.load_ch
                    if ag.load > 0 and self.conc[c] > 1 and ag.load < self.conc[c]:
                        if ag.blend is not None and c in ag.blend:  # digital blending
                            self._blend_move(ag, 0, ag.load)
                        else:
                            self.partial[c][ag.load][ag] = None  # accepts chats again
                    self._ready(ag)
            return
        ag.logged_in = True
        ag.sched_end = sched_end
        self._level("logged_in", ag, 1)
        self._ready(ag)

    def _stop_accepting(self, ag: Agent) -> None:
        if ag.load > 0 and self.conc[ag.load_ch] > 1:
            if ag.blend is not None and ag.load_ch in ag.blend:  # digital blending
                self._blend_move(ag, ag.load, 0)
                return
            self.partial[ag.load_ch][ag.load].pop(ag, None)

    def _begin_break(self, ag: Agent, length: float) -> None:
        self._clear_idle(ag)
        ag.on_break = True
        self._level("on_break", ag, 1)
        schedule(self.env, length, self._end_break, a=ag)

    def _end_break(self, tick) -> None:
        ag = tick.a
        ag.on_break = False
        self._level("on_break", ag, -1)
        if ag.pending is not None and ag.pending[0] == "logoff":
            ag.pending = None
            self._logoff(ag)
        else:
            self._ready(ag)

    def _logoff(self, ag: Agent) -> None:
        self.overtime_s[ag.group] += max(0.0, self.env._now - ag.sched_end)
        self._clear_idle(ag)
        ag.logged_in = False
        ag.staying = False
        self._level("logged_in", ag, -1)
