"""Routing: which agent takes an arriving contact, and which waiting contact a freed agent takes.

An arriving contact goes to the longest-idle agent of any group with the skill (for chat, failing
that, to the agent of that channel holding the fewest chats below the concurrency); a freed agent
takes the oldest waiting contact of its highest-priority skill with contacts waiting. An agent
holding chats can take only more chats of that channel, and takes none while a skill it ranks
higher has contacts waiting (it frees up for them as its chats end).
"""

from __future__ import annotations

from staffsim.engine.core import WAIT


class RoutingMixin:
    """Routing decisions (part of :class:`~staffsim.engine.replication.Replication`)."""

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

    def _outranked(self, ag, c: int) -> bool:
        """A skill the agent ranks above ``c`` has contacts waiting: the agent should free up for
        it rather than take another contact of ``c`` (it cannot take it while holding ``c``)."""
        waiting = self.waiting
        for s in ag.skills:
            if s == c:
                return False
            if waiting[s]:
                return True
        return False

    def _pop(self, c: int):
        """The oldest attempt still waiting on channel ``c`` (answered or abandoned ones are
        dropped from the queue lazily), or None."""
        q = self.queue[c]
        while q:
            att = q.popleft()
            if att.state == WAIT:
                self.waiting[c] -= 1
                self._log_queue(c)
                return att
        return None
