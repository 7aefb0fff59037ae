r"""KPIs of transfers and conferences (issue 20, item 6): columns present only when a channel
has ``transfer`` or ``conference``, so scenarios without them keep exactly the tables they had.

A transferred or conferenced contact is one contact: it counts once in ``offered``, on the
channel it came in on, and its service level, ASA and waits are those of its **first answer**
there (the second leg's wait is reported apart). Its extra work is agent work of the teams that
did it: the second agent's time counts in the target channel's and the serving team's
occupancy, busy time and pay split; the supervisor's conference time in the supervisors' team's
(and, per channel, in the occupancy of the channels that team serves). The figures below are
counted per channel the contact came in on, in the slot of its arrival there:

- ``transferred`` = contacts moved to another channel's queue after the first agent's talk;
- ``transfer_wait_s`` = Σ wait in the target's queue ÷ transferred contacts answered there
  (from the end of the first talk to the second agent);
- ``conferenced`` = contacts for which a supervisor was asked to join;
- ``conference_hold_s`` = Σ hold (from the request to the supervisor joining; the first agent
  and the customer wait on the line) ÷ conferences that started.

A second leg or a conference still waiting at the end of the run counts in ``transferred`` /
``conferenced`` and in neither mean.
"""

from __future__ import annotations

import numpy as np

TRANSFER_SUMS = ("transferred", "transfer_answered", "transfer_wait_s")
CONFERENCE_SUMS = ("conferenced", "conference_joined", "conference_hold_s")
TRANSFER_SLOT_KPIS = ("transferred", "transfer_wait_s", "conferenced", "conference_hold_s")
#: the record kinds of a second leg and of a conference (staffsim.engine.core's codes)
LEG, CONFERENCE = 5, 6


def uses_transfers(scenario) -> tuple[bool, bool]:
    """(any channel transfers, any channel conferences)."""
    chans = scenario.spec.channels.values()
    return (any(getattr(c, "transfer", None) is not None for c in chans),
            any(getattr(c, "conference", None) is not None for c in chans))


class TransferAccumulator:
    """Per channel × slot sums of the second legs and conferences of one replication."""

    def __init__(self, scenario, nc: int, ns: int):
        self.on = uses_transfers(scenario)
        keys = (TRANSFER_SUMS if self.on[0] else ()) + (CONFERENCE_SUMS if self.on[1] else ())
        self.sums = {key: np.zeros((nc, ns)) for key in keys}
        self.nc, self.ns = nc, ns

    def add(self, kind: np.ndarray, source: np.ndarray, slot: np.ndarray, arrival: np.ndarray,
            answer: np.ndarray) -> None:
        """Second legs (``kind`` LEG) and conference records (CONFERENCE) folded in: ``source``
        the channel the contact came in on, ``slot`` the slot of its arrival there (-1 outside),
        ``arrival`` when the leg joined the target's queue / the supervisor was asked,
        ``answer`` when it was taken (NaN not yet)."""
        valid = slot >= 0
        cell = (source * self.ns + slot)[valid]
        joined = ~np.isnan(answer)
        wait = np.where(joined, answer - arrival, 0.0)

        def add(key, mask, weights=None):
            w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
            self.sums[key] += np.bincount(cell, weights=w[valid], minlength=self.nc * self.ns
                                          ).reshape(self.nc, self.ns)

        leg, conf = kind == LEG, kind == CONFERENCE
        if self.on[0]:
            add("transferred", leg)
            add("transfer_answered", leg & joined)
            add("transfer_wait_s", leg & joined, wait)
        if self.on[1]:
            add("conferenced", conf)
            add("conference_joined", conf & joined)
            add("conference_hold_s", conf & joined, wait)

    def counts(self) -> dict[str, np.ndarray]:
        return {key: v.copy() for key, v in self.sums.items()}


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def transfer_slot_kpis(c: dict) -> dict[str, np.ndarray]:
    """The transfer and conference KPIs from their sums (none when the sums are absent)."""
    out = {}
    if "transferred" in c:
        out["transferred"] = c["transferred"]
        out["transfer_wait_s"] = _ratio(c["transfer_wait_s"], c["transfer_answered"])
    if "conferenced" in c:
        out["conferenced"] = c["conferenced"]
        out["conference_hold_s"] = _ratio(c["conference_hold_s"], c["conference_joined"])
    return out


def transfer_horizon_kpis(counts: dict) -> dict[str, np.ndarray]:
    """Whole-horizon transfer and conference KPIs, one value per channel and the center's
    (``all``) last: ratios of horizon totals."""
    totals = {}
    for key in TRANSFER_SUMS + CONFERENCE_SUMS:
        if key in counts:
            v = counts[key].sum(axis=1)
            totals[key] = np.append(v, v.sum())
    return transfer_slot_kpis(totals)
