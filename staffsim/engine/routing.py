"""Routing: which agent takes an arriving contact, and which waiting contact a freed agent takes.

An arriving contact goes to the longest-idle agent of any group that takes the channel at once
(for chat, failing that, to the agent of that channel holding the fewest chats below the
concurrency); a freed agent takes the waiting contact of its highest-priority skill with contacts
it can see: the highest customer-segment priority first, the oldest within a priority (FIFO). An
agent holding chats can take only more chats of that channel, and takes none while a skill it
ranks higher has contacts waiting that it can see (it frees up for them as its chats end).

*The queue.* Each channel's queue is one FIFO line per segment priority, highest first (one line
when the channel has no segments or they share a priority). Answered and abandoned contacts are
dropped lazily when they reach the head of their line.

*Overflow.* A team with ``overflow_after: {channel: delay}`` sees a contact of that channel only
once it has waited ``delay`` (measured from when it joined the line). An agent of the team freeing
up takes it then; an agent of the team idle when the contact crosses the delay takes it at that
instant (one timer per waiting contact and distinct delay, at normal priority: a patience running
out at the same instant loses, ties go to the agent).

*Expected wait.* The wait announced to a contact that would have to queue, used by balking and
callback offers: (contacts waiting ahead + 1) × AHT ÷ (agents serving × concurrency), where AHT
is the channel's mean handle time (× (1 + self-service uplift), mixed over its segments by share)
and the agents serving are those logged in and not on break in the teams with the skill
(infinite when there are none). It is the mean wait of an M/M/n queue in that state.
"""

from __future__ import annotations

from collections import deque

from staffsim.engine.core import INF, NORMAL, WAIT, schedule


class RoutingMixin:
    """Routing decisions (part of :class:`~staffsim.engine.replication.Replication`)."""

    def _init_routing(self, spec) -> None:
        """Queues (a line per priority), the teams that see each channel at once or after a
        delay, the team handle-time factors and the expected-wait inputs."""
        names, chans = self.names, [spec.channels[c] for c in self.names]
        nc = len(names)
        self.levels = []
        self.level_of = []  # [channel] -> line index per segment, or None (one line)
        for ch in chans:
            prio = [s.priority for s in (ch.segments or {}).values()]
            distinct = sorted(set(prio), reverse=True)
            self.levels.append([deque() for _ in range(max(1, len(distinct)))])
            self.level_of.append([distinct.index(p) for p in prio] if len(distinct) > 1 else None)
        self.waiting = [0] * nc
        groups = spec.agents
        self.groups_for = [[] for _ in range(nc)]  # teams taking the channel at once
        self.serving = [[] for _ in range(nc)]  # every team with the skill
        overflow = [{} for _ in range(nc)]
        self.delays = []  # [group] -> delay per channel, or None (no overflow delays)
        self.hfac = []  # [group][channel]: (1 + uplift) x the team's handle-time factor
        for gi, g in enumerate(groups):
            row = [0.0] * nc
            for s in g.skills:
                c = names.index(s)
                self.serving[c].append(gi)
                d = g.overflow_after.get(s, 0.0)
                row[c] = d
                if d > 0:
                    overflow[c].setdefault(d, []).append(gi)
                else:
                    self.groups_for[c].append(gi)
            self.delays.append(row if any(row) else None)
            self.hfac.append([self.uplift[c] * g.handle_time_factor.get(names[c], 1.0) for c in range(nc)])
        self.overflow_for = [sorted((d, tuple(gs)) for d, gs in o.items()) for o in overflow]
        # with overflow on a chat channel, partly busy agents of a delayed team may not take arrivals
        self.at_once = [set(self.groups_for[c]) if self.overflow_for[c] else None for c in range(nc)]
        self.avail = [0] * len(groups)  # logged in and not on break, per team
        self.ewt_aht = []
        for ch in chans:
            mean = ch.handle_time.to_distribution().mean
            if ch.segments:
                mean = sum(s.share * (s.handle_time.to_distribution().mean if s.handle_time else mean)
                           for s in ch.segments.values())
            self.ewt_aht.append(mean * (1.0 + (ch.self_service.handle_time_uplift if ch.self_service else 0.0)))

    def _find_agent(self, c: int, groups=None):
        """An agent to take a contact of channel ``c`` now: of the teams taking it at once, or of
        ``groups`` (a delayed team the contact has just become visible to)."""
        # an idle entry (since, token, agent) is stale once the agent's token moved on (it
        # moves whenever the agent stops being idle)
        teams = self.groups_for[c] if groups is None else groups
        chooser = self.choosers[c]  # agent_choice (engine/policies.py); None: longest idle
        if chooser is not None:
            ag = chooser.choose(self, teams)
            if ag is not None:
                return ag
        elif len(teams) == 1:  # one team: its longest idle agent (the common case, kept fast)
            q = self.idle[teams[0]]
            while q:
                entry = q.popleft()
                if entry[1] == entry[2].token:
                    return entry[2]
        else:
            best = None
            best_q = None
            for g in teams:
                q = self.idle[g]
                while q and q[0][1] != q[0][2].token:
                    q.popleft()
                if q and (best is None or q[0][0] < best[0]):
                    best, best_q = q[0], q
            if best is not None:
                best_q.popleft()
                return best[2]
        if self.conc[c] > 1:
            allowed = self.at_once[c] if groups is None else groups
            for bucket in self.partial[c][1:]:
                for ag in bucket:
                    if (allowed is None or ag.group in allowed) and not self._outranked(ag, c):
                        return ag
        return None

    def _outranked(self, ag, c: int) -> bool:
        """A skill the agent ranks above ``c`` has contacts waiting that the agent can see: the
        agent should free up for it rather than take another contact of ``c`` (it cannot take it
        while holding ``c``)."""
        waiting = self.waiting
        delays = ag.delays
        blend = ag.blend  # digital blending: a blended channel ranked higher is taken, not freed for
        for s in ag.skills:
            if s == c:
                return False
            if waiting[s] and (delays is None or not delays[s] or self._visible(s, delays[s])) and \
                    (blend is None or s not in blend or c not in blend):
                return True
        return False

    def _visible(self, c: int, delay: float) -> bool:
        """A contact of ``c`` has waited at least ``delay``."""
        now = self.env._now
        for q in self.levels[c]:
            while q and q[0].state != WAIT:
                q.popleft()
            if q and q[0].arrival + delay <= now:
                return True
        return False

    def _pop(self, c: int, delay: float = 0.0):
        """The waiting attempt of channel ``c`` to serve next (highest priority, then oldest) among
        those that have waited at least ``delay``, or None. Answered or abandoned ones are dropped
        from the lines lazily."""
        levels = self.levels[c]
        if not delay and len(levels) == 1:  # one line and no delay: the common case, kept fast
            q = levels[0]
            while q:
                att = q.popleft()
                if att.state == WAIT:
                    n = self.waiting[c] - 1
                    self.waiting[c] = n
                    self.q_t[c].append(self.env._now)  # _log_queue, inlined (hot path)
                    self.q_len[c].append(n)
                    return att
            return None
        for q in levels:
            while q:
                att = q[0]
                if att.state != WAIT:
                    q.popleft()
                    continue
                if delay and att.arrival + delay > self.env._now:
                    break  # the oldest of this line is not visible yet: none of it is
                q.popleft()
                self.waiting[c] -= 1
                self._log_queue(c)
                return att
        return None

    def _enqueue(self, att, c: int) -> None:
        """``att`` joins the back of its line; delayed teams get a timer for when it becomes
        visible to them."""
        lv = self.level_of[c]
        if lv is None:
            self.levels[c][0].append(att)
        else:
            self.levels[c][lv[att.draws.segment[att.i]]].append(att)
        n = self.waiting[c] + 1
        self.waiting[c] = n
        self.q_t[c].append(self.env._now)  # _log_queue, inlined (hot path)
        self.q_len[c].append(n)
        if self.overflow_for[c]:
            for delay, groups in self.overflow_for[c]:
                schedule(self.env, delay, self._overflow, NORMAL, att, groups)

    def _overflow(self, tick) -> None:
        """``tick.a`` has waited the delay of teams ``tick.b``: an idle agent of theirs takes it.
        (An agent of theirs that was idle had nothing it could see, so this is the contact to take.)"""
        att = tick.a
        if att.state != WAIT:
            return
        c = att.channel
        ag = self._find_agent(c, tick.b)
        if ag is None:
            return
        self.waiting[c] -= 1  # its entry in the line is now stale and is dropped lazily
        self._log_queue(c)
        self._start(ag, att, c)

    def _expected_wait(self, c: int, ahead: int) -> float:
        """The announced expected wait of a contact with ``ahead`` contacts waiting before it."""
        n = 0
        for g in self.serving[c]:
            n += self.avail[g]
        if n <= 0:
            return INF
        return (ahead + 1) * self.ewt_aht[c] / (n * self.conc[c])
