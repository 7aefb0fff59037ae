"""Transfers, conferences and wrap-up under load (issue 20, item 6; each off unless the scenario
asks, and off reproduces earlier numbers bit for bit).

*When.* Both happen when the first agent's talk is over (the contact's drawn handle time), a
conference first: a contact drawn for both is conferenced, then transferred.

*Conference* (``conference: {share, group, time}``): the contact's conference draw u < share
asks an agent of team ``group`` (a supervisor) to join. An idle supervisor (the one idle
longest) joins at once; otherwise the request waits in the team's conference line (first come,
first served), and the first agent and the customer **hold**. With no agent of the team logged
in at all (off shift, or gone home at the close) no supervisor is asked: the contact goes on
without one (not counted in ``conferenced``). A supervisor freeing up (after a
contact, a break, logging in) takes a waiting conference request before any contact of its own
skills, and only when it holds nothing. The conference lasts its drawn time with both agents
busy; then the contact goes on (a transfer, or done: the first agent's wrap-up). The contact's
``end`` is the end of the conference; its talk time (``handled_s``, telephony) counts the hold
and the conference. The supervisor's time is a record of kind ``conference`` (6): agent work of
the supervisors' team, on the contact's channel.

*Transfer* (``transfer: {share, to, handle_time, handoff, position}``): the contact's transfer
draw u < share moves it, the moment the first talk (or the conference) ends, to the queue of
channel ``to`` as a **second leg** (a record of kind ``transfer``, 5, on the target channel:
its own handle time drawn from ``handle_time``, default the target channel's, × the serving
team's ``handle_time_factor``; the target's after-contact work if it has any). An agent of the
target free at that instant takes it (the target's agent choice); otherwise it waits:
``position: back`` at the back of the target's line (its lowest-priority line when the target
has customer segments), ``front`` before every contact waiting there, after the second legs
already at the front. A second leg never abandons, balks or takes a callback, takes no line,
and is never transferred or conferenced again. The first agent is done with the customer
(the contact's ``end``) and stays on it for ``handoff``, then its own wrap-up if the channel has
``after_work``, then is free.

*Wrap-up under load* (``after_work_under_load: {queue_at_least, factor}``): when a contact's
after-contact work starts and at least ``queue_at_least`` contacts of the agent's skills wait
in their lines (callback dials not counted), the wrap-up is ``factor`` × its draw.

*Draws.* Per contact, from the contact's channel's own streams, slot by slot:
``(seed, replication, channel, "transfer" | "transfer_handle" | "transfer_after_work" |
"conference" | "conference_time", slot)``: common random numbers hold (a contact transferred at
share q is transferred at every share above q, with the same second handle time).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from staffsim.engine.core import (
    CONFERENCE,
    CONFERENCED,
    DONE,
    HOLDS_LINE,
    LEG,
    NORMAL,
    SERVE,
    TRANSFERRED,
    WAIT,
    Attempt,
    schedule,
)
from staffsim.rng import stream


class XferDraws:
    """A day's transfer and conference draws of one channel, per contact (lists; empty when the
    channel has not that option): transfer draw, second handle time, second wrap-up; conference
    draw, conference time."""

    __slots__ = ("ct", "cu", "th", "tu", "tw")


class LegDraws:
    """The draws of one second leg, shaped as a :class:`~staffsim.engine.draws.DayDraws` of one
    contact (index 0): ``offset`` is the contact's number in the channel it came in on."""

    __slots__ = ("channel", "handle", "offset", "res", "segment", "wrap")

    def __init__(self, offset: int, handle: float, wrap: float | None, channel: int):
        self.offset = offset
        self.handle = [handle]
        self.wrap = [0.0 if wrap is None else wrap]
        self.segment = []
        self.res = None
        self.channel = channel


class Linked(Attempt):
    """A second leg or a conference record: ``source`` the channel the contact came in on,
    ``origin`` its arrival there, ``link`` (conference) the contact's attempt the first agent
    holds."""

    __slots__ = ("link", "origin", "source")


class TransferDrawer:
    """One channel's transfer and conference draws, slot by slot (its own streams)."""

    def __init__(self, scenario, name: str, seed: int, rep: int):
        spec = scenario.spec
        ch = spec.channels[name]
        self.seed, self.rep, self.name = seed, rep, name
        t, c = ch.transfer, ch.conference
        self.on_t, self.on_c = t is not None, c is not None
        if t is not None:
            target = spec.channels[t.to]
            self.t_handle = (t.handle_time or target.handle_time).to_distribution()
            self.t_wrap = target.after_work.to_distribution() if target.after_work is not None else None
        if c is not None:
            self.c_time = c.time.to_distribution()

    def draw(self, parts: dict, k: int, n: int) -> None:
        """Slot ``k``'s draws for its ``n`` contacts."""
        seed, rep, name = self.seed, self.rep, self.name
        if self.on_t:
            parts.setdefault("x_tu", []).append(stream(seed, rep, name, "transfer", k).random(n))
            parts.setdefault("x_th", []).append(self.t_handle.sample(stream(seed, rep, name, "transfer_handle", k), n))
            if self.t_wrap is not None:
                parts.setdefault("x_tw", []).append(
                    self.t_wrap.sample(stream(seed, rep, name, "transfer_after_work", k), n))
        if self.on_c:
            parts.setdefault("x_cu", []).append(stream(seed, rep, name, "conference", k).random(n))
            parts.setdefault("x_ct", []).append(self.c_time.sample(stream(seed, rep, name, "conference_time", k), n))

    @staticmethod
    def collect(parts: dict) -> XferDraws:
        out = XferDraws()
        for key in XferDraws.__slots__:
            chunks = parts.get("x_" + key)
            setattr(out, key, np.concatenate(chunks).tolist() if chunks else [])
        return out


def transfer_drawer(scenario, name: str, seed: int, rep: int) -> TransferDrawer | None:
    """The channel's transfer drawer, or None when it neither transfers nor conferences."""
    ch = scenario.spec.channels[name]
    if getattr(ch, "transfer", None) is None and getattr(ch, "conference", None) is None:
        return None
    return TransferDrawer(scenario, name, seed, rep)


class TransfersMixin:
    """Transfers, conferences and wrap-up under load (part of
    :class:`~staffsim.engine.replication.Replication`)."""

    conf_q = None  # per team: conference requests waiting for an agent of it (None: no conferences)

    def _init_transfers(self, spec) -> None:
        """Completion callbacks of the channels with these options (after ``complete_cbs`` is
        set); nothing changes for the others."""
        chans = [spec.channels[c] for c in self.names]
        nc = len(chans)
        self.conf_q = None
        self.load_rule = [None] * nc
        for c, ch in enumerate(chans):
            rule = ch.after_work_under_load
            if rule is not None:
                self.load_rule[c] = (rule.queue_at_least, rule.factor)
                self.complete_cbs[c] = (self._complete_wrap_load,)
        xfer = [ch.transfer is not None or ch.conference is not None for ch in chans]
        if not any(xfer):
            return
        self.base_fn = [cb[0] for cb in self.complete_cbs]  # the completion without transfers
        self.x_to = [self.names.index(ch.transfer.to) if ch.transfer else -1 for ch in chans]
        self.x_share = [ch.transfer.share if ch.transfer else 0.0 for ch in chans]
        self.x_handoff = [ch.transfer.handoff if ch.transfer else 0.0 for ch in chans]
        self.x_front = [ch.transfer is not None and ch.transfer.position == "front" for ch in chans]
        self.c_share = [ch.conference.share if ch.conference else 0.0 for ch in chans]
        groups = [g.group for g in spec.agents]
        self.c_group = [groups.index(ch.conference.group) if ch.conference else -1 for ch in chans]
        if any(ch.conference is not None for ch in chans):
            self.conf_q = [deque() for _ in groups]
            self.team_agents = [[a for a in self.agents if a.group == g] for g in range(len(groups))]
        for c, on in enumerate(xfer):
            if on:
                self.complete_cbs[c] = (self._talk_over,)
        rec = self.recorder
        rec.xfer = self
        rec.flags = True  # the TRANSFERRED and CONFERENCED flags, for the audit
        if any(self.x_handoff) and rec.wrap_on is None:
            rec.wrap_on = [False] * nc  # the first agent's hand-off is recorded as after-work

    # ---------------------------------------------------------------- the first talk is over
    def _talk_over(self, att) -> None:
        """Completion callback of a channel with ``transfer`` or ``conference``."""
        c = att.channel
        if att.kind == LEG:  # a second leg is served once, never moved on
            self.base_fn[c](att)
            return
        share = self.c_share[c]
        if share and att.draws.xfer.cu[att.i] < share:
            self._ask_supervisor(att, c)
            return
        self._after_talk(att, c)

    def _after_talk(self, att, c: int) -> None:
        """The talk (and any conference) is over: transfer, or the channel's usual completion."""
        share = self.x_share[c]
        if share and att.draws.xfer.tu[att.i] < share:
            self._transfer(att, c)
        else:
            self.base_fn[c](att)

    # ---------------------------------------------------------------- transfers
    def _transfer(self, att, c: int) -> None:
        now = self.env._now
        x, i = att.draws.xfer, att.i
        b = self.x_to[c]
        att.flags |= TRANSFERRED
        leg = Linked(b, LegDraws(att.draws.offset + i, x.th[i], x.tw[i] if x.tw else None, b), 0,
                     att.num, LEG, now)
        leg.source, leg.origin, leg.link = c, att.arrival, None
        self._recent.append(leg)
        ag = self._find_agent(b)  # before the first agent is free: it does not take its own transfer
        if ag is not None:
            self._start(ag, leg, b)
        else:
            self._enqueue_leg(leg, b, self.x_front[c])
        handoff = self.x_handoff[c]
        if handoff > 0:  # the first agent stays on the contact for the hand-off, then its wrap-up
            att.state = DONE
            att.end = now
            wrap = self._wrap_time(att, c) if self.wrap_on[c] else 0.0
            self.wrapping += 1
            schedule(self.env, handoff + wrap, self._wrap_done, NORMAL, att.agent, c)
        else:
            self.base_fn[c](att)

    def _enqueue_leg(self, leg, b: int, front: bool) -> None:
        """``leg`` joins channel ``b``'s queue (see the module doc)."""
        levels = self.levels[b]
        if front:
            q = levels[0]
            j = 0
            for a in q:
                if a.kind != LEG and a.state == WAIT:
                    break
                j += 1
            q.insert(j, leg)
        else:
            levels[-1].append(leg)
        self.waiting[b] += 1
        self._log_queue(b)
        for delay, groups in self.overflow_for[b]:
            schedule(self.env, delay, self._overflow, NORMAL, leg, groups)

    # ---------------------------------------------------------------- conferences
    def _ask_supervisor(self, att, c: int) -> None:
        g = self.c_group[c]
        if not any(a.logged_in for a in self.team_agents[g]):  # no supervisor on duty: none asked
            self._after_talk(att, c)
            return
        now = self.env._now
        x, i = att.draws.xfer, att.i
        att.flags |= CONFERENCED
        rec = Linked(c, LegDraws(att.draws.offset + i, 0.0, None, c), 0, att.num, CONFERENCE, now)
        rec.source, rec.origin, rec.link = c, att.arrival, att
        rec.handle = x.ct[i]
        self._recent.append(rec)
        q = self.idle[g]
        while q:
            entry = q.popleft()
            if entry[1] == entry[2].token:  # a supervisor idle now (the one idle longest)
                self._conference_begin(entry[2], rec)
                return
        self.conf_q[g].append(rec)  # none free: the first agent and the customer hold

    def _join_conference(self, sup) -> None:
        """Hook of ``_ready``: a free supervisor takes the oldest conference request."""
        self._conference_begin(sup, self.conf_q[sup.group].popleft())

    def _conference_begin(self, sup, rec) -> None:
        now = self.env._now
        self._clear_idle(sup)
        self.lv_busy[sup.group].append(now)  # busy +1 (engine/recorder.py)
        sup.busy_from = now
        if self.audit is not None:
            self.audit.change(sup, "busy", now, 1)
        sup.load = 1
        sup.load_ch = rec.channel  # a channel of concurrency 1: the supervisor takes nothing else
        rec.state = SERVE
        rec.answer = now
        rec.group = sup.group
        rec.agent = sup
        schedule(self.env, rec.handle, self._conference_end, NORMAL, rec)

    def _conference_end(self, tick) -> None:
        rec = tick.a
        now = self.env._now
        sup = rec.agent
        rec.state = DONE
        rec.end = now
        sup.load = 0
        sup.load_ch = -1
        self.lv_busy[sup.group].append(-now)  # busy -1
        sup.busy_s += now - sup.busy_from
        if self.audit is not None:
            self.audit.change(sup, "busy", now, -1)
        att = rec.link
        rec.link = None
        self._after_talk(att, att.channel)  # the first agent goes on: a transfer, or done
        self._ready(sup)

    # ---------------------------------------------------------------- wrap-up under load
    def _wrap_time(self, att, c: int) -> float:
        """The contact's wrap-up: its draw, × ``factor`` when at least ``queue_at_least``
        contacts of the agent's skills wait now. The time used is written back into the draws
        (the recorder's after-work column reads it there)."""
        w = att.draws.wrap[att.i]
        rule = self.load_rule[c]
        if rule is not None:
            n = 0
            for s in att.agent.skills:
                n += self.waiting[s]
            if n >= rule[0]:
                w *= rule[1]
                att.draws.wrap[att.i] = w
        return w

    def _complete_wrap_load(self, att) -> None:
        """``_complete_wrap`` (engine/agents.py) with the wrap-up shortened under load."""
        att.state = DONE
        att.end = self.env._now
        if att.flags & HOLDS_LINE:  # lines (engine/policies.py)
            self.lines.free += 1
        self.wrapping += 1
        schedule(self.env, self._wrap_time(att, att.channel), self._wrap_done, NORMAL, att.agent, att.channel)

    # ---------------------------------------------------------------- recording
    def fold(self, done: list, arrays: dict, acc) -> dict:
        """Recorder hook: add the hand-offs to the after-work column; feed the second legs and
        conference records to the accumulator (their agent work, the transfer KPIs) and return
        the contacts' rows (every other record) for the usual counts."""
        if "wrap" in arrays and any(self.x_handoff):
            handoff = np.asarray(self.x_handoff, float)
            moved = (arrays["flags"] & TRANSFERRED) > 0
            arrays["wrap"] = arrays["wrap"] + np.where(moved, handoff[arrays["channel"]], 0.0)
        kind = arrays["kind"]
        aux = (kind == LEG) | (kind == CONFERENCE)
        if not aux.any():
            return arrays
        recs = [a for a, x in zip(done, aux.tolist()) if x]
        source = np.array([a.source for a in recs], np.int64)
        origin = np.array([a.origin for a in recs], float)
        arrival, answer, end = arrays["arrival"][aux], arrays["answer"][aux], arrays["end"][aux]
        acc.transfers.add(kind[aux], source, acc.slot_of(origin), arrival, answer)
        worked = ~np.isnan(answer)
        if worked.any():
            run_end = self.env._now
            stop = np.minimum(np.where(np.isnan(end), run_end, end), run_end)[worked]
            if "wrap" in arrays:
                stop = np.minimum(stop + arrays["wrap"][aux][worked], run_end)
            acc.add_work(arrays["channel"][aux][worked], arrays["group"][aux][worked], answer[worked], stop)
        keep = ~aux
        return {key: v[keep] for key, v in arrays.items()}
