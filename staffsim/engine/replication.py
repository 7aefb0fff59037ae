"""One replication: the state, the run, and what it returns."""

from __future__ import annotations

import gc
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from staffsim.engine.agents import AgentsMixin
from staffsim.engine.appointments import AppointmentDrawer, AppointmentsMixin
from staffsim.engine.arrivals import ArrivalsMixin
from staffsim.engine.audit import Audit, audit_on
from staffsim.engine.callbacks import CallbacksMixin
from staffsim.engine.core import DIAL, NO_SHOW, Tick, run_until
from staffsim.engine.door import DoorMixin
from staffsim.engine.draws import ChannelDrawer
from staffsim.engine.outbound import OutboundMixin
from staffsim.engine.policies import Lines, agent_choice, queue_order
from staffsim.engine.recorder import Recorder
from staffsim.engine.repeats import RepeatsMixin
from staffsim.engine.roster import build_roster
from staffsim.engine.routing import RoutingMixin
from staffsim.engine.transfers import TransfersMixin
from staffsim.results import ContactLog
from staffsim.scenarios.scenario import Scenario


@dataclass(frozen=True, eq=False)
class ReplicationOutput:
    """What one replication returns.

    ``counts``: per channel × slot counts, sums and time integrals and per group × slot
    integrals (see :class:`staffsim.metrics.SlotAccumulator`), from which every KPI is computed;
    ``balance``: per group (logged-in, busy, idle, break) seconds over the whole run;
    ``log``: the per-attempt :class:`~staffsim.results.ContactLog` when it was asked for, else
    None.
    """

    counts: dict[str, np.ndarray]
    balance: np.ndarray
    log: ContactLog | None = None


class Replication(ArrivalsMixin, RoutingMixin, DoorMixin, CallbacksMixin, AgentsMixin, RepeatsMixin,
                  AppointmentsMixin, OutboundMixin, TransfersMixin):
    """State of one replication; the mixins hold the event callbacks by concern."""

    def __init__(self, scenario: Scenario, seed: int, rep: int, headcount: dict[str, np.ndarray],
                 keep_log: bool = False):
        spec = scenario.spec
        h = spec.horizon
        self.h = h
        self.where = f"{scenario.name}: seed {seed}, replication {rep}"
        self.env = simpy.Environment(initial_time=h.run_start)
        self.names = scenario.channels
        chans = [spec.channels[c] for c in self.names]
        self.drawers = [(AppointmentDrawer if ch.appointment else ChannelDrawer)(scenario, c, i, seed, rep)
                        for i, (c, ch) in enumerate(zip(self.names, chans))]
        self.conc = [c.concurrency for c in chans]
        self.stretch = [c.concurrency_stretch for c in chans]
        self.deflection = [c.self_service.deflection if c.self_service else 0.0 for c in chans]
        self.uplift = [1.0 + (c.self_service.handle_time_uplift if c.self_service else 0.0) for c in chans]
        self.failure = [c.self_service.failure if c.self_service else 0.0 for c in chans]
        self.retry_p = [c.retrial.probability if c.retrial else 0.0 for c in chans]
        self.at_opening = [c.retrial is not None and c.retrial.when_closed == "at_opening" for c in chans]
        self.close = h.close
        self.day_hours = [h.day_hours(d) for d in range(h.days)]  # week: opening hours per day
        self.unavailable = [[w for w in scenario.windows(c) if w[2].unavailable] for c in self.names]
        self.until = self.close + spec.run.drain
        self.draining = False

        self.recorder = Recorder(scenario, h.run_start, keep_log)
        self._recent = self.recorder.recent  # every attempt made goes here
        self._queue, self._eid = self.env._queue, self.env._eid  # SimPy's queue and event ids
        self._complete_cb = (self._complete,)  # an attempt in service: its completion callback
        self.lv = self.recorder.lv
        self.lv_busy = self.lv["busy"]
        self.lv_idle = self.lv["idle"]
        self.q_t, self.q_len = self.recorder.q_t, self.recorder.q_len

        # queues, who sees them (engine/routing.py), the door and callbacks
        self._init_routing(spec)
        self._init_door(spec)
        self._init_callbacks()

        # groups and agents
        self.group_names = [g.group for g in spec.agents]
        ng = len(self.group_names)
        self.idle = [deque() for _ in range(ng)]
        self.partial = [[{} for _ in range(k + 1)] for k in self.conc]  # [channel][load] -> agents
        self.overtime_s = [0.0] * ng  # logged in past the scheduled end (finishing, draining)
        self.audit = Audit() if audit_on() else None
        self.agents, self.roster, self.scheduled_s, self.unpaid_s = build_roster(
            scenario, seed, rep, headcount, {c: i for i, c in enumerate(self.names)}, self.close)
        for ag in self.agents:
            ag.hfac, ag.delays = self.hfac[ag.group], self.delays[ag.group]
        # routing policies (engine/policies.py): None where the scenario keeps the defaults
        orders = [queue_order(g) for g in spec.agents]
        for ag in self.agents:
            ag.order = orders[ag.group]
        blends = [frozenset(self.names.index(c) for c in g.blend) if g.blend else None for g in spec.agents]
        for ag in self.agents:  # digital blending (engine/agents.py)
            ag.blend = blends[ag.group]
        self.choosers = [agent_choice(ch, seed, rep, c) for c, ch in zip(self.names, chans)]
        self.lines = Lines(spec.lines, self.names) if spec.lines is not None else None
        self.spec_lines = spec.lines
        # after-contact work (engine/agents.py): the completion callback per channel
        self.wrap_on = [ch.after_work is not None for ch in chans]
        self.complete_cbs = [(self._complete_wrap,) if on else self._complete_cb for on in self.wrap_on]
        self.wrapping = 0  # agents wrapping up now
        for c, ch in enumerate(chans):  # the announced wait counts the agents' wrap-up too
            if ch.after_work is not None:
                self.ewt_aht[c] += ch.after_work.to_distribution().mean
        self.recorder.wrap_on = self.wrap_on if any(self.wrap_on) else None
        self._init_transfers(spec)  # transfers, conferences, wrap-up under load (engine/transfers.py)
        self.line_on = self.lines.on if self.lines is not None else [False] * len(self.names)
        # appointments and first-contact resolution (engine/appointments.py, engine/repeats.py)
        self._init_appointments(chans)
        resolving = any(c.resolution is not None for c in chans)
        if resolving:
            self._init_repeats(scenario, seed, rep)
        self.extras = resolving or any(self.appt)
        if self.extras:
            self.recorder.extra = (resolving, self.appt)
        self._init_outbound(spec, seed, rep)  # outbound (engine/outbound.py; off: nothing)

    def _after_service(self, att, c: int) -> None:
        """An agent finished ``att`` (with appointments or resolution on): a no-show, or a
        contact resolved or not."""
        if self.appt[c] and not self._showed(att):
            att.state = NO_SHOW
        elif att.draws.res is not None and (att.kind != DIAL or att.connected):
            self._resolve(att)  # (a callback dial nobody answered resolves nothing)

    def _log_queue(self, c: int) -> None:
        self.q_t[c].append(self.env._now)
        self.q_len[c].append(self.waiting[c])

    def run(self) -> ReplicationOutput:
        # The cyclic garbage collector is paused while the replication runs: the loop makes no
        # reference cycles (tests/test_engine_invariants.py checks the garbage left does not grow
        # with the contacts), so it would only traverse every live attempt again and again
        # (about a tenth of the time). Reference counting frees everything as usual.
        was_on = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if was_on:
                gc.enable()

    def _run(self) -> ReplicationOutput:
        self._start_day(Tick(None, 0))
        self._start_roster()
        if self.ob is not None:  # outbound (engine/outbound.py)
            self._start_outbound()
        run_until(self.env, self.until, self)
        for ag in self.agents:  # still logged in at the end of the run
            if ag.logged_in:
                self.overtime_s[ag.group] += max(0.0, self.env._now - ag.sched_end)
        rec = self.recorder
        if any(self.appt):  # an agent still waiting in vain at the end: a no-show all the same
            self._open_no_shows(rec.recent)
        rec.flush(self, final=True)
        if self.audit is not None:
            self.audit.check(self)
        overtime = np.asarray(self.overtime_s, float)
        log = rec.log(self.scheduled_s, overtime, self.env._now) if rec.keep_log else None
        counts = rec.acc.counts(self.scheduled_s, overtime, self.unpaid_s)
        if self.ob is not None:  # outbound (engine/outbound.py)
            counts.update(self._outbound_counts())
        return ReplicationOutput(counts=counts, balance=rec.acc.balance(), log=log)


def run_replication(scenario: Scenario, seed: int, replication: int, headcount: dict[str, np.ndarray],
                    *, keep_log: bool = False) -> ReplicationOutput:
    """Simulate one replication: a pure function of its arguments.

    ``headcount``: agents logged in per slot for each group staffed by slot rather than shifts
    (``staffing: plan`` or a list; from :func:`staffsim.experiment.plan_headcount`).
    ``keep_log``: also return the per-attempt log. With ``STAFFSIM_AUDIT=1`` in the environment
    every replication is checked (:mod:`staffsim.engine.audit`) and an
    :class:`~staffsim.engine.audit.InvariantError` is raised when an invariant breaks."""
    return Replication(scenario, seed, replication, headcount, keep_log).run()
