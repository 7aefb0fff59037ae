"""One replication of a contact-center day (or several days) on SimPy.

``run_replication(scenario, seed, replication, plan_headcount)`` is a pure function of its
arguments: it returns a :class:`~staffsim.results.ContactLog` and touches no global state.

How it works
------------
*Draws before the run.* Every contact's arrival time, self-service draws, handle time, patience
(one per possible attempt) and retrial draws come from streams keyed by (seed, replication,
channel, kind, slot) (:mod:`staffsim.rng`). Contact *i* of a channel's slot is the same person in
every scenario that shares the seed and that slot's volume, whatever the staffing: common random
numbers by construction.

*Events, not processes.* SimPy is the scheduler, but no contact or agent has a process of its own:
arrivals are one chain of timers through the pre-sorted arrival times, each service start
schedules one completion timer, and a contact that has to wait schedules one patience timer.
Patience timers are scheduled at a priority below SimPy's normal one, so when a patience expires
at the very instant an agent frees up, the agent's event runs first and answers the contact
(ties go to the agent); the stale timer then finds the contact answered and does nothing.

*Semantics* (DESIGN.md §4): Poisson arrivals per slot (Poisson count, sorted uniform times) or
explicit arrival times; self-service contains first attempts with ``u < deflection`` (a superset as
deflection grows) and the others get ``1 + handle_time_uplift`` longer handle times; a contained
contact may fail (``failure``) and return after ``failure_delay`` as a new attempt. A waiting
contact abandons when its wait reaches its patience; an abandoned contact retries with
``retrial.probability`` after ``retrial.delay`` (a new attempt, up to ``max_attempts``). Retries and
returns that would fall outside the opening hours do not happen. Routing: an arriving contact goes
to the longest-idle agent of any group with the skill (for chat, else to the agent of that channel
holding the fewest chats below the concurrency); a freed agent takes the oldest waiting contact of
its highest-priority non-empty skill. An agent holding chats can take only more chats of that
channel, and takes none while a skill it ranks higher has contacts waiting (it frees up for them
as its chats end). With ``concurrency_stretch`` s > 1 a chat started while the agent already holds m chats
lasts ``1 + (s - 1) m / (k - 1)`` times its drawn handle time. Breaks and shift ends never pre-empt:
the agent finishes what it holds, then takes its full break (or logs off). Absence: each scheduled
agent of a shift misses a day with probability ``absence`` (drawn per agent and day). Groups staffed
by slot log in their agents slot by slot, no breaks: ``staffing: plan`` the plan's net agents for
their channels, whatever other groups also serve those channels, or a list of agents per slot
(absence is not applied to them).

*Closing.* At the end of the horizon arrivals stop; agents logged in at that moment stay until the
queues they serve are empty, for at most ``run.drain``; contacts still waiting then are unfinished.
Between days agents go home and contacts that never abandon (email) wait for the next morning.
"""

from __future__ import annotations

import os
from collections import deque

import numpy as np
import simpy
from simpy.events import Event

from staffsim.metrics import integrate as _integral
from staffsim.models.staffing import scheduled_agents
from staffsim.results import ContactLog
from staffsim.rng import stream
from staffsim.scenarios.scenario import Scenario

# attempt states
WAIT, SERVE, DONE, ABANDONED, DEFLECTED = 0, 1, 2, 3, 4
# attempt kinds
FIRST, RETRY, RETURN = 0, 1, 2
KIND_NAMES = ("first", "retry", "self_service_return")

_INF = float("inf")
_NORMAL = 1
_LATE = 2  # patience timers: after every normal event at the same instant

# roster actions, in the order they run at the same instant
_DRAIN, _LOGOFF, _BREAK, _LOGIN = 0, 1, 2, 3


class _Timer(Event):
    """A triggered event with one callback, scheduled ``delay`` from now at ``priority``."""

    def __init__(self, env: simpy.Environment, delay: float, callback, priority: int = _NORMAL):
        self.env = env
        self.callbacks = [callback]
        self._value = None
        self._ok = True
        env.schedule(self, priority, delay)


class _Agent:
    __slots__ = ("index", "group", "skills", "logged_in", "on_break", "pending", "load", "load_ch",
                 "token", "idle", "staying", "sched_end")

    def __init__(self, index: int, group: int, skills: list[int]):
        self.index = index  # creation order: breaks ties between roster events deterministically
        self.group = group
        self.skills = skills
        self.logged_in = False
        self.on_break = False
        self.pending = None  # ("break", length) or ("logoff",) while finishing contacts
        self.load = 0
        self.load_ch = -1
        self.token = 0
        self.idle = False
        self.staying = False  # logged in at the close: drains the queues
        self.sched_end = 0.0  # when the current shift (or plan run) is scheduled to end


class InvariantError(RuntimeError):
    """An engine invariant was broken: a bug in staffsim, never bad input."""


class Audit:
    """Invariant checks of one replication, on when ``STAFFSIM_AUDIT=1`` (the test suite sets it).

    It records every agent's state changes and scheduled windows beside the engine's own
    group-level bookkeeping, and after the run checks, per agent:

    - each of logged-in, busy, idle and on-break is 0 or 1 at every instant (no agent holds two
      logins, or is busy twice);
    - at the end of every instant a logged-in agent is exactly one of busy, idle or on break, and
      an agent not logged in is none of them: logged-in time = busy + idle + break, instant by
      instant;
    - every login happens at the start of a scheduled window (a shift, or a run of the plan) and
      an agent is idle only inside a window: outside its windows a logged-in agent is finishing
      work (busy, or taking a break it was owed), never waiting for more. So the logged-in agents
      of a group never exceed the agents the roster or plan provides at that instant plus those
      finishing a contact past their end (no pre-emption);

    per group, that the levels the KPIs are computed from equal the sum of the agents' levels;
    and per channel, that every attempt is in one final state with consistent times and that the
    queues and the agents' loads at the end match the attempts waiting and in service.
    """

    KEYS = ("logged_in", "busy", "idle", "on_break")

    def __init__(self) -> None:
        self.changes: dict[int, list[tuple[float, str, float]]] = {}
        self.windows: dict[int, list[tuple[float, float]]] = {}

    def change(self, ag: _Agent, key: str, t: float, delta: float) -> None:
        self.changes.setdefault(ag.index, []).append((t, key, delta))

    def window(self, ag: _Agent, start: float, end: float) -> None:
        self.windows.setdefault(ag.index, []).append((start, end))

    def check(self, rep: _Replication, seed: int, replication: int) -> None:
        where = f"seed {seed}, replication {replication}"
        for ag in rep.agents:
            self._check_agent(ag, rep.env.now, where)
        self._check_groups(rep, where)
        self._check_contacts(rep, where)

    def _check_agent(self, ag: _Agent, end: float, where: str) -> None:
        changes = self.changes.get(ag.index, [])
        windows = self.windows.get(ag.index, [])
        level = dict.fromkeys(self.KEYS, 0)
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

    def _check_groups(self, rep: _Replication, where: str) -> None:
        lo, hi = np.array([rep.h.start]), np.array([rep.env.now])
        for key in self.KEYS:
            for g in range(len(rep.group_names)):
                times, deltas = _split(rep.lv[key][g])
                total = float(_integral(times, deltas, lo, hi)[0])
                own = 0.0
                for ag in rep.agents:
                    if ag.group != g:
                        continue
                    ch = [(t, d) for t, k, d in self.changes.get(ag.index, []) if k == key]
                    if ch:
                        t, d = np.array(ch, float).T
                        own += float(_integral(t, d, lo, hi)[0])
                if abs(total - own) > 1e-6 * max(1.0, abs(own)):
                    raise InvariantError(f"{where}: group {rep.group_names[g]!r}: {key} time {total:.6f}s "
                                         f"from the group's levels but {own:.6f}s from its agents")

    def _check_contacts(self, rep: _Replication, where: str) -> None:
        state = np.asarray(rep.a_state)
        arr = np.asarray(rep.a_arr)
        ans = np.asarray(rep.a_ans)
        end = np.asarray(rep.a_end)
        ch = np.asarray(rep.a_ch)
        if len(state) and not np.isin(state, (WAIT, SERVE, DONE, ABANDONED, DEFLECTED)).all():
            raise InvariantError(f"{where}: an attempt in an unknown state")
        answered = (state == SERVE) | (state == DONE)
        if (ans[answered] < arr[answered] - 1e-9).any() or (ans[~answered] != -1.0).any():
            raise InvariantError(f"{where}: an answer time before its arrival, or an answer "
                                 "recorded for an attempt not answered")
        done = (state == DONE) | (state == ABANDONED)
        if (end[done] < np.where(state == DONE, ans, arr)[done] - 1e-9).any():
            raise InvariantError(f"{where}: an attempt ended before it began")
        for c in range(len(rep.names)):
            waiting = int(((state == WAIT) & (ch == c)).sum())
            if waiting != rep.waiting[c]:
                raise InvariantError(f"{where}: channel {rep.names[c]!r}: {rep.waiting[c]} counted "
                                     f"waiting at the end but {waiting} attempts are waiting")
        if int(answered.sum() - (state == DONE).sum()) != sum(a.load for a in rep.agents):
            raise InvariantError(f"{where}: attempts in service at the end do not match the agents' loads")


def _audit_on() -> bool:
    return os.environ.get("STAFFSIM_AUDIT", "") not in ("", "0")


class _Draws:
    """Pre-drawn attributes of one channel's contacts, in arrival order."""

    def __init__(self, scenario: Scenario, name: str, seed: int, rep: int):
        ch = scenario.channel(name)
        h = scenario.spec.horizon
        starts = h.slot_starts()
        k_max = (ch.retrial.max_attempts if ch.retrial else 1) + (
            1 if ch.self_service and ch.self_service.failure > 0 else 0
        )
        handle = scenario.handle_time(name)
        patience = scenario.patience(name)
        ss = ch.self_service
        retry = ch.retrial
        fail_delay = ss.failure_delay.to_distribution() if ss and ss.failure > 0 else None
        retry_delay = retry.delay.to_distribution() if retry else None
        if ch.arrivals is not None:
            times_all = np.asarray(ch.arrivals, float)
            slot_of = np.searchsorted(starts, times_all, side="right") - 1
        parts = {k: [] for k in ("t", "defl", "fail", "fdelay", "handle", "pat", "ru", "rdelay")}
        for k in range(h.n_slots):
            if ch.arrivals is not None:
                times = times_all[slot_of == k]
                n = len(times)
            else:
                vol = scenario.volumes[name][k]
                rng = stream(seed, rep, name, "arrivals", k)
                n = int(rng.poisson(vol)) if vol > 0 else 0
                times = np.sort(rng.uniform(starts[k], starts[k] + h.slot, n))
            if n == 0:
                continue
            parts["t"].append(times)
            rng = stream(seed, rep, name, "self_service", k)
            parts["defl"].append(rng.random(n))
            parts["fail"].append(rng.random(n))
            parts["fdelay"].append(fail_delay.sample(rng, n) if fail_delay else np.zeros(n))
            parts["handle"].append(handle.sample(stream(seed, rep, name, "handle", k), n))
            rng = stream(seed, rep, name, "patience", k)
            parts["pat"].append(
                patience.sample(rng, (n, k_max)) if patience else np.full((n, k_max), np.inf)
            )
            rng = stream(seed, rep, name, "retrial", k)
            parts["ru"].append(rng.random((n, k_max)))
            parts["rdelay"].append(
                retry_delay.sample(rng, (n, k_max)) if retry_delay else np.zeros((n, k_max))
            )

        def cat(key, shape=()):
            return np.concatenate(parts[key]) if parts[key] else np.zeros((0,) + shape)

        self.times = cat("t")
        self.deflect_u = cat("defl")
        self.fail_u = cat("fail")
        self.fail_delay = cat("fdelay")
        self.handle = cat("handle")
        self.patience = cat("pat", (k_max,))
        self.retry_u = cat("ru", (k_max,))
        self.retry_delay = cat("rdelay", (k_max,))
        self.max_attempts = k_max


class _Replication:
    """State of one replication; methods are the event callbacks."""

    def __init__(self, scenario: Scenario, seed: int, rep: int, plan_headcount: dict[str, np.ndarray]):
        spec = scenario.spec
        h = spec.horizon
        self.h = h
        self.env = simpy.Environment(initial_time=h.start)
        self.names = scenario.channels
        nc = len(self.names)
        self.draws = [_Draws(scenario, c, seed, rep) for c in self.names]
        chans = [spec.channels[c] for c in self.names]
        self.conc = [c.concurrency for c in chans]
        self.stretch = [c.concurrency_stretch for c in chans]
        self.deflection = [c.self_service.deflection if c.self_service else 0.0 for c in chans]
        self.uplift = [1.0 + (c.self_service.handle_time_uplift if c.self_service else 0.0) for c in chans]
        self.failure = [c.self_service.failure if c.self_service else 0.0 for c in chans]
        self.retry_p = [c.retrial.probability if c.retrial else 0.0 for c in chans]
        # per-contact attributes as Python lists: fast scalar access in the hot path
        self.handle = [d.handle.tolist() for d in self.draws]
        self.patience = [d.patience.ravel().tolist() for d in self.draws]  # [ci * K + attempt]
        self.k_att = [d.max_attempts for d in self.draws]
        self.deflect_u = [d.deflect_u.tolist() for d in self.draws]
        self.close = (h.days - 1) * 86400.0 + h.end
        self.until = self.close + spec.run.drain
        self.draining = False

        # queues
        self.queue = [deque() for _ in range(nc)]
        self.waiting = [0] * nc
        self.q_t: list[list[float]] = [[] for _ in range(nc)]
        self.q_len: list[list[int]] = [[] for _ in range(nc)]

        # groups and agents
        self.group_names = [g.group for g in spec.agents]
        ng = len(self.group_names)
        self.idle = [deque() for _ in range(ng)]
        self.groups_for = [[] for _ in range(nc)]
        for gi, g in enumerate(spec.agents):
            for s in g.skills:
                self.groups_for[self.names.index(s)].append(gi)
        self.partial = [[{} for _ in range(k + 1)] for k in self.conc]  # [channel][load] -> agents
        # level changes per group, flat [t, delta, t, delta, ...], for logged-in, on-break, busy
        # and idle agents
        self.lv = {key: [[] for _ in range(ng)] for key in ("logged_in", "on_break", "busy", "idle")}
        self.lv_busy = self.lv["busy"]
        self.lv_idle = self.lv["idle"]
        self.agents: list[_Agent] = []
        self.overtime_s = [0.0] * ng  # logged in past the scheduled end (finishing, draining)
        self.audit = Audit() if _audit_on() else None
        self.roster, self.scheduled_s = self._build_roster(scenario, seed, rep, plan_headcount)

    # ---------------------------------------------------------------- roster
    def _build_roster(self, scenario, seed, rep, plan_headcount):
        """Roster events (login, breaks, logoff, the close) sorted in time, and the scheduled
        (paid) agent-seconds per group and slot."""
        spec = scenario.spec
        h = self.h
        events = []
        scheduled = np.zeros((len(self.group_names), h.n_slots))  # scheduled agent-seconds per slot
        starts = h.slot_starts()
        for gi, g in enumerate(spec.agents):
            skills = [self.names.index(s) for s in g.skills]
            if g.shifts is not None:
                for si, shift in enumerate(g.shifts):
                    people = [_Agent(len(self.agents) + i, gi, skills) for i in range(shift.agents)]
                    self.agents.extend(people)
                    days = shift.days or range(1, h.days + 1)
                    for d in days:
                        base = (d - 1) * 86400.0
                        absent = stream(seed, rep, "absence", g.group, si, d).random(shift.agents) < spec.absence
                        present = [p for p, a in zip(people, absent) if not a]
                        lo, hi = base + shift.start, base + shift.end
                        scheduled[gi] += len(present) * _overlap(starts, h.slot, lo, hi)
                        for p in present:
                            events.append((lo, _LOGIN, p.index, p, hi))
                            for b in shift.breaks:
                                events.append((base + b.start, _BREAK, p.index, p, b.length))
                            events.append((hi, _LOGOFF, p.index, p, 0.0))
            else:
                heads = np.asarray(plan_headcount[g.group], dtype=np.int64)
                people = [_Agent(len(self.agents) + i, gi, skills) for i in range(int(heads.max(initial=0)))]
                self.agents.extend(people)
                # paid: the gross headcount for the plan's net agents
                scheduled[gi] += scheduled_agents(heads, g.shrinkage) * h.slot
                for j, p in enumerate(people):
                    on = heads > j
                    k = 0
                    while k < h.n_slots:
                        if not on[k]:
                            k += 1
                            continue
                        k0 = k
                        while k < h.n_slots and on[k] and (k == k0 or starts[k] == starts[k - 1] + h.slot):
                            k += 1
                        events.append((starts[k0], _LOGIN, p.index, p, starts[k - 1] + h.slot))
                        events.append((starts[k - 1] + h.slot, _LOGOFF, p.index, p, 0.0))
        events.append((self.close, _DRAIN, 0, None, 0.0))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        return events, scheduled

    # ---------------------------------------------------------------- bookkeeping
    def _level(self, key: str, ag: _Agent, delta: float) -> None:
        changes = self.lv[key][ag.group]
        changes += (self.env.now, delta)
        if self.audit is not None:
            self.audit.change(ag, key, self.env.now, delta)

    def _set_idle(self, ag: _Agent) -> None:
        now = self.env.now
        ag.idle = True
        ag.token += 1
        self.idle[ag.group].append((now, ag.token, ag))
        changes = self.lv_idle[ag.group]
        changes += (now, 1)
        if self.audit is not None:
            self.audit.change(ag, "idle", now, 1)

    def _clear_idle(self, ag: _Agent) -> None:
        if ag.idle:
            ag.idle = False
            ag.token += 1
            changes = self.lv_idle[ag.group]
            changes += (self.env.now, -1)
            if self.audit is not None:
                self.audit.change(ag, "idle", self.env.now, -1)

    def _log_queue(self, c: int) -> None:
        self.q_t[c].append(self.env.now)
        self.q_len[c].append(self.waiting[c])

    # ---------------------------------------------------------------- arrivals
    def _new_attempt(self, c: int, ci: int, num: int, kind: int) -> int:
        aid = len(self.a_ch)
        self.a_ch.append(c)
        self.a_ci.append(ci)
        self.a_num.append(num)
        self.a_kind.append(kind)
        self.a_arr.append(self.env.now)
        self.a_ans.append(-1.0)
        self.a_end.append(-1.0)
        self.a_state.append(WAIT)
        self.a_grp.append(-1)
        self.a_hdl.append(0.0)
        return aid

    def _start_arrivals(self) -> None:
        """Merge the channels' first attempts in time order; attempt id = position in that order.
        Their records are allocated up front (retries and returns are appended later)."""
        times = np.concatenate([d.times for d in self.draws])
        chans = np.concatenate([np.full(len(d.times), c) for c, d in enumerate(self.draws)])
        index = np.concatenate([np.arange(len(d.times)) for d in self.draws])
        order = np.argsort(times, kind="stable")
        n = len(order)
        self.n_first = n
        self.a_ch = chans[order].tolist()
        self.a_ci = index[order].tolist()
        self.a_num = [0] * n
        self.a_kind = [FIRST] * n
        self.a_arr = times[order].tolist()
        self.a_ans = [-1.0] * n
        self.a_end = [-1.0] * n
        self.a_state = [WAIT] * n
        self.a_grp = [-1] * n
        self.a_hdl = [0.0] * n
        self._arr_next = 0
        if n:
            _Timer(self.env, self.a_arr[0] - self.env.now, self._on_arrival_chain)

    def _on_arrival_chain(self, _ev) -> None:
        aid = self._arr_next
        self._arr_next = aid + 1
        if aid + 1 < self.n_first:
            _Timer(self.env, self.a_arr[aid + 1] - self.env.now, self._on_arrival_chain)
        self.a_arr[aid] = self.env.now  # the event's own time: a wait is never -1e-12 s
        c, ci = self.a_ch[aid], self.a_ci[aid]
        if self.deflect_u[c][ci] < self.deflection[c]:
            self.a_state[aid] = DEFLECTED
            self.a_end[aid] = self.env.now
            d = self.draws[c]
            if d.fail_u[ci] < self.failure[c]:
                self._schedule_attempt(c, ci, 1, RETURN, float(d.fail_delay[ci]))
            return
        self._offer(aid, c)

    def _schedule_attempt(self, c: int, ci: int, num: int, kind: int, delay: float) -> None:
        at = self.env.now + delay
        if num >= self.draws[c].max_attempts or not self._open(at):
            return
        _Timer(self.env, delay, lambda _ev: self._offer(self._new_attempt(c, ci, num, kind), c))

    def _open(self, t: float) -> bool:
        day, tod = divmod(t, 86400.0)
        return day < self.h.days and self.h.start <= tod < self.h.end

    def _offer(self, aid: int, c: int) -> None:
        ag = self._find_agent(c)
        if ag is not None:
            self._start(ag, aid, c)
            return
        self.queue[c].append(aid)
        self.waiting[c] += 1
        self._log_queue(c)
        pat = self.patience[c][self.a_ci[aid] * self.k_att[c] + self.a_num[aid]]
        if pat != _INF:
            _Timer(self.env, pat, lambda _ev: self._abandon(aid), _LATE)

    def _find_agent(self, c: int):
        best = None
        best_q = None
        for g in self.groups_for[c]:
            q = self.idle[g]
            while q and (q[0][1] != q[0][2].token or not q[0][2].idle):
                q.popleft()
            if q and (best is None or q[0][0] < best[0]):
                best, best_q = q[0], q
        if best is not None:
            best_q.popleft()
            return best[2]
        if self.conc[c] > 1:
            for bucket in self.partial[c][1:]:
                for ag in bucket:
                    if not self._outranked(ag, c):
                        return ag
        return None

    def _outranked(self, ag: _Agent, c: int) -> bool:
        """A skill the agent ranks above ``c`` has contacts waiting: the agent should free up for
        it rather than take another contact of ``c`` (it cannot take it while holding ``c``)."""
        waiting = self.waiting
        for s in ag.skills:
            if s == c:
                return False
            if waiting[s]:
                return True
        return False

    def _abandon(self, aid: int) -> None:
        if self.a_state[aid] != WAIT:
            return  # answered first (ties go to the agent)
        c = self.a_ch[aid]
        self.a_state[aid] = ABANDONED
        self.a_end[aid] = self.env.now
        self.waiting[c] -= 1
        self._log_queue(c)
        if self.retry_p[c] > 0:
            ci, num = self.a_ci[aid], self.a_num[aid]
            d = self.draws[c]
            if d.retry_u[ci, num] < self.retry_p[c]:
                self._schedule_attempt(c, ci, num + 1, RETRY, float(d.retry_delay[ci, num]))

    # ---------------------------------------------------------------- service
    def _start(self, ag: _Agent, aid: int, c: int) -> None:
        now = self.env.now
        k = self.conc[c]
        if ag.load == 0:
            if ag.idle:  # _clear_idle, inlined: this runs for every answered contact
                ag.idle = False
                ag.token += 1
                changes = self.lv_idle[ag.group]
                changes += (now, -1)
                if self.audit is not None:
                    self.audit.change(ag, "idle", now, -1)
            changes = self.lv_busy[ag.group]
            changes += (now, 1)
            if self.audit is not None:
                self.audit.change(ag, "busy", now, 1)
        elif k > 1:
            self.partial[c][ag.load].pop(ag, None)
        hdl = self.handle[c][self.a_ci[aid]] * self.uplift[c]
        if k > 1 and self.stretch[c] != 1.0:
            hdl *= 1.0 + (self.stretch[c] - 1.0) * ag.load / (k - 1)
        ag.load += 1
        ag.load_ch = c
        if k > 1 and ag.load < k and ag.pending is None:
            self.partial[c][ag.load][ag] = None
        self.a_state[aid] = SERVE
        self.a_ans[aid] = now
        self.a_grp[aid] = ag.group
        self.a_hdl[aid] = hdl
        _Timer(self.env, hdl, lambda _ev: self._complete(ag, aid))

    def _complete(self, ag: _Agent, aid: int) -> None:
        self.a_state[aid] = DONE
        self.a_end[aid] = self.env.now
        c = ag.load_ch
        if self.conc[c] > 1:
            self.partial[c][ag.load].pop(ag, None)
        ag.load -= 1
        if ag.load == 0:
            changes = self.lv_busy[ag.group]
            changes += (self.env.now, -1)
            ag.load_ch = -1
            if self.audit is not None:
                self.audit.change(ag, "busy", self.env.now, -1)
        elif ag.pending is None:
            self.partial[c][ag.load][ag] = None
        self._ready(ag)

    def _pop(self, c: int):
        q = self.queue[c]
        state = self.a_state
        while q:
            aid = q.popleft()
            if state[aid] == WAIT:
                self.waiting[c] -= 1
                self._log_queue(c)
                return aid
        return None

    def _ready(self, ag: _Agent) -> None:
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
        if ag.load == 0:
            for c in ag.skills:
                if self.waiting[c]:
                    aid = self._pop(c)
                    if aid is not None:
                        self._start(ag, aid, c)
                        break
        c = ag.load_ch
        if ag.load > 0:
            k = self.conc[c]
            while ag.load < k and self.waiting[c] and not self._outranked(ag, c):
                aid = self._pop(c)
                if aid is None:
                    break
                self._start(ag, aid, c)
            return
        if self.draining:
            self._logoff(ag)
        elif not ag.idle:
            self._set_idle(ag)

    # ---------------------------------------------------------------- roster actions
    def _start_roster(self) -> None:
        self._roster_next = 0
        if self.roster:
            _Timer(self.env, self.roster[0][0] - self.env.now, self._on_roster_chain)

    def _on_roster_chain(self, _ev) -> None:
        k = self._roster_next
        t, action, _, ag, length = self.roster[k]
        self._roster_next = k + 1
        if k + 1 < len(self.roster):
            _Timer(self.env, self.roster[k + 1][0] - self.env.now, self._on_roster_chain)
        if action == _LOGIN:
            self._login(ag, length)
        elif action == _BREAK:
            if not ag.logged_in:
                return
            if ag.load == 0:
                self._begin_break(ag, length)
            else:
                self._stop_accepting(ag)
                ag.pending = ("break", length)
        elif action == _LOGOFF:
            if not ag.logged_in or ag.staying:
                return
            if ag.on_break:
                ag.pending = ("logoff",)
            elif ag.load == 0:
                self._logoff(ag)
            else:
                self._stop_accepting(ag)
                ag.pending = ("logoff",)
        else:  # _DRAIN
            self.draining = True
            for a in self.agents:
                if a.logged_in and (a.pending is None or a.pending[0] == "break"):
                    a.staying = True
            for a in self.agents:
                if a.staying and a.idle:
                    self._clear_idle(a)
                    self._ready(a)  # takes remaining work or logs off

    def _login(self, ag: _Agent, sched_end: float) -> None:
        """A scheduled login (``sched_end``: when this stretch of work is scheduled to end).

        An agent still logged in from an earlier stretch (finishing a contact after its shift or
        plan run ended, the log-off pending) is the same person: it carries on under the new
        schedule instead of logging in a second time. The time it worked past the earlier end is
        overtime."""
        if self.audit is not None:
            self.audit.window(ag, self.env.now, sched_end)
        if ag.logged_in:
            self.overtime_s[ag.group] += max(0.0, self.env.now - ag.sched_end)
            ag.sched_end = sched_end
            if ag.pending is not None and ag.pending[0] == "logoff":
                ag.pending = None
                if not ag.on_break:
                    c = ag.load_ch
                    if ag.load > 0 and self.conc[c] > 1 and ag.load < self.conc[c]:
                        self.partial[c][ag.load][ag] = None  # accepts chats again
                    self._ready(ag)
            return
        ag.logged_in = True
        ag.sched_end = sched_end
        self._level("logged_in", ag, 1)
        self._ready(ag)

    def _stop_accepting(self, ag: _Agent) -> None:
        if ag.load > 0 and self.conc[ag.load_ch] > 1:
            self.partial[ag.load_ch][ag.load].pop(ag, None)

    def _begin_break(self, ag: _Agent, length: float) -> None:
        self._clear_idle(ag)
        ag.on_break = True
        self._level("on_break", ag, 1)
        _Timer(self.env, length, lambda _ev: self._end_break(ag))

    def _end_break(self, ag: _Agent) -> None:
        ag.on_break = False
        self._level("on_break", ag, -1)
        if ag.pending is not None and ag.pending[0] == "logoff":
            ag.pending = None
            self._logoff(ag)
        else:
            self._ready(ag)

    def _logoff(self, ag: _Agent) -> None:
        self.overtime_s[ag.group] += max(0.0, self.env.now - ag.sched_end)
        self._clear_idle(ag)
        ag.logged_in = False
        ag.staying = False
        self._level("logged_in", ag, -1)

    # ---------------------------------------------------------------- run
    def run(self) -> ContactLog:
        self._start_arrivals()
        self._start_roster()
        self.env.run(until=self.until)
        for ag in self.agents:  # still logged in at the end of the run
            if ag.logged_in:
                self.overtime_s[ag.group] += max(0.0, self.env.now - ag.sched_end)
        return self._log()

    def _log(self) -> ContactLog:
        levels = {
            key: [_split(changes) for changes in per_group] for key, per_group in self.lv.items()
        }
        return ContactLog(
            channels=tuple(self.names),
            groups=tuple(self.group_names),
            concurrency=tuple(self.conc),
            channel=np.asarray(self.a_ch, np.int32),
            contact=np.asarray(self.a_ci, np.int64),
            attempt=np.asarray(self.a_num, np.int16),
            kind=np.asarray(self.a_kind, np.int8),
            arrival=np.asarray(self.a_arr, float),
            answer=np.where(np.asarray(self.a_ans) < 0, np.nan, self.a_ans),
            end=np.where(np.asarray(self.a_end) < 0, np.nan, self.a_end),
            state=np.asarray(self.a_state, np.int8),
            group=np.asarray(self.a_grp, np.int16),
            handle=np.asarray(self.a_hdl, float),
            levels=levels,
            queue=[(np.asarray(t, float), np.asarray(n, float)) for t, n in zip(self.q_t, self.q_len)],
            scheduled_s=self.scheduled_s,
            overtime_s=np.asarray(self.overtime_s, float),
            run_start=self.h.start,
            run_end=self.env.now,
        )


def _split(changes: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Flat [t0, d0, t1, d1, ...] -> (times, deltas)."""
    arr = np.asarray(changes, float).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def _overlap(starts: np.ndarray, slot: float, lo: float, hi: float) -> np.ndarray:
    """Seconds of [lo, hi) inside each slot."""
    return np.clip(np.minimum(starts + slot, hi) - np.maximum(starts, lo), 0.0, None)


def run_replication(
    scenario: Scenario, seed: int, replication: int, plan_headcount: dict[str, np.ndarray]
) -> ContactLog:
    """Simulate one replication. ``plan_headcount``: agents logged in per slot for each group
    staffed by slot rather than shifts (``staffing: plan`` or a list; from
    :func:`staffsim.experiment.plan_headcount`).

    With ``STAFFSIM_AUDIT=1`` in the environment every replication is checked by :class:`Audit`
    and an :class:`InvariantError` is raised when an invariant breaks."""
    rep = _Replication(scenario, seed, replication, plan_headcount)
    log = rep.run()
    if rep.audit is not None:
        rep.audit.check(rep, seed, replication)
    return log
