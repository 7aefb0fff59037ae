"""At the queue's door: what a contact that would have to wait does before joining the line.

Only a contact that no agent can take at once reaches the door (a contact answered on arrival
sees no queue). There, in this order:

1. **Callback offer** (``callbacks``): offered when the expected wait announced at arrival (see
   :mod:`~staffsim.engine.routing`) is at least ``offer_when.expected_wait``, or at least
   ``offer_when.position`` contacts are waiting ahead; accepted when the attempt's draw
   u < ``accept`` (stream ``callback``). The live attempt then ends (state CALLBACK) and the
   callback is handled by :mod:`~staffsim.engine.callbacks`.
2. **Balking** (``balking``): the contact leaves at once (state BALKED) when the attempt's draw
   u < p(x), x the contacts waiting ahead (``by: position``) or the announced expected wait
   (``by: expected_wait``), p linear between the points and flat beyond the first and the last
   (stream ``balking``).

Contacts waiting ahead count everyone holding a place in the channel's line (callbacks that keep
the caller's place included); a retry is a new attempt with its own draws. Abandoned contacts who
retry, or contained ones coming back, pass the door again.
"""

from __future__ import annotations

from bisect import bisect_right

from staffsim.engine.core import BALKED, CALLBACK, OFFERED_CALLBACK, Dial


class DoorMixin:
    """Callback offers and balking (part of :class:`~staffsim.engine.replication.Replication`)."""

    def _init_door(self, spec) -> None:
        chans = [spec.channels[c] for c in self.names]
        self.callbacks = [ch.callbacks for ch in chans]
        self.balking = [ch.balking for ch in chans]
        self.door = [ch.callbacks is not None or ch.balking is not None for ch in chans]

    def _at_door(self, att, c: int) -> bool:
        """True when the attempt leaves the line here (took a callback, or balked)."""
        ahead = self.waiting[c]
        draws, j = att.draws, att.i * att.draws.k + att.num
        cb = self.callbacks[c]
        if cb is not None:
            when = cb.offer_when
            if (ahead >= when.position if when.position is not None
                    else self._expected_wait(c, ahead) >= when.expected_wait):
                att.flags |= OFFERED_CALLBACK
                if draws.accept_u[j] < cb.accept:
                    now = self.env._now
                    att.state = CALLBACK
                    att.end = now
                    dial = Dial(c, draws, att.i, 0, now, now)
                    self._recent.append(dial)
                    self._queue_dial(dial, c)
                    return True
        bk = self.balking[c]
        if bk is not None:
            x = ahead if bk.by == "position" else self._expected_wait(c, ahead)
            if draws.balk_u[j] < leave_probability(bk.points, x):
                att.state = BALKED
                att.end = self.env._now
                return True
        return False


def leave_probability(points: list[tuple[float, float]], x: float) -> float:
    """p(x): linear between the points (increasing x), flat beyond the first and the last."""
    k = bisect_right(points, (x, 2.0))  # points at or before x
    if k == 0:
        return points[0][1]
    if k == len(points):
        return points[-1][1]
    (x0, p0), (x1, p1) = points[k - 1], points[k]
    return p0 + (p1 - p0) * (x - x0) / (x1 - x0)
