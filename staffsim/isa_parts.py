"""The simulated requirement's search split by day, and its staffings simulated cheaply.

*Independent days.* A team's days are independent when nothing a day's staffing does reaches
another day: every contact is done with before the next opening, and none comes back later.
:func:`days_independent` states the criterion exactly (all must hold):

- the horizon has more than one day with slots, and the center is closed between days for at
  least :data:`GAP_FACTOR` times the longest mean patience and the longest mean handle time of
  the team's channels (so a contact waiting or in service at the close is done with before the
  next opening; the tail beyond 20 means is taken as nil);
- every channel is live work given by volumes (no explicit arrival times, no appointments), has
  a patience (no contact waits overnight), and has no first-contact repeats, no callbacks, no
  redial that comes back at the next opening (``when_closed: at_opening``) and no
  ``least_occupied`` agent choice (which remembers earlier days).

The engine draws every slot's customers from streams keyed by (seed, replication, channel,
slot), so a day simulated alone — the other days' volumes set to zero — sees exactly the
customers it sees in the whole horizon; when the days are independent its per-slot results are
the same numbers (``tests/test_isa_speed.py`` checks this bit for bit on the week).

The search then runs one part per day (:class:`Part`), each with its own cache; a simulation
carries one part's staffing for every day that has something to test (:func:`pack`), the other
days empty, and its assessment is cut into the days (:func:`cut`). A day that converged costs
nothing more, and a step on Monday does not simulate Tuesday again.

*Cheap variants.* :class:`TeamVariants` builds a team's scenario once and makes each staffing's
scenario by replacing the staffing (and, for a composite, the volumes) instead of validating
the whole file again.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from staffsim.scenarios.scenario import Scenario

#: the overnight close must last this many times the longest mean patience and handle time
GAP_FACTOR = 20.0


def days_independent(scenario: Scenario, channels: list[str]) -> tuple[bool, str]:
    """Whether a team's days can be searched one by one (see the module doc), and if not why."""
    h = scenario.spec.horizon
    starts = h.slot_starts()
    days = (starts // 86400.0).astype(np.int64)
    open_days = np.unique(days)
    if len(open_days) < 2:
        return False, "one day"
    gaps = []
    for d, e in itertools.pairwise(open_days):
        last = starts[days == d].max() + h.slot
        first = starts[days == e].min()
        gaps.append(first - last)
    gap = float(min(gaps))
    if getattr(scenario.spec, "outbound", None):
        return False, "outbound campaigns carry their lists from day to day"
    longest = 0.0
    for c in channels:
        ch = scenario.channel(c)
        if ch.kind != "live" or ch.arrivals is not None:
            return False, f"{c}: appointments or explicit arrival times"
        if ch.patience is None:
            return False, f"{c}: no patience (contacts wait overnight)"
        if ch.resolution is not None:
            return False, f"{c}: first-contact repeats come back on later days"
        if ch.callbacks is not None:
            return False, f"{c}: callbacks wait overnight"
        if ch.retrial is not None and ch.retrial.when_closed == "at_opening":
            return False, f"{c}: redials come back at the next opening"
        if ch.agent_choice == "least_occupied":
            return False, f"{c}: agent choice least_occupied remembers earlier days"
        wrap = float(ch.after_work.to_distribution().mean) if ch.after_work is not None else 0.0
        longest = max(longest, float(scenario.patience(c).mean), float(scenario.handle_means(c).max()) + wrap)
    if gap < GAP_FACTOR * longest:
        return False, (f"the center is closed {gap:.0f} s between days, less than {GAP_FACTOR:g} times "
                       f"the longest mean patience or handle time ({longest:.0f} s)")
    return True, ""


@dataclass(frozen=True)
class Part:
    """One piece of a team's search: its slots (global indices into the horizon)."""

    group: str
    index: int
    slots: np.ndarray


def parts_of(scenario: Scenario, group: str, channels: list[str], split: bool) -> list[Part]:
    """The team's parts: one per day with slots when ``split``, else one for the whole horizon."""
    n = scenario.spec.horizon.n_slots
    if not split:
        return [Part(group, 0, np.arange(n))]
    days = scenario.spec.horizon.slot_days()
    return [Part(group, i, np.flatnonzero(days == d)) for i, d in enumerate(np.unique(days))]


def pack(n: int, wanted: list[tuple[Part, list[np.ndarray]]]) -> list[tuple[np.ndarray, np.ndarray, list]]:
    """Composite staffings of one team: the i-th staffing every part wants, side by side (parts
    cover disjoint slots). Returns (staffing over the horizon, mask of the slots simulated,
    [(part, its staffing)]) per composite; slots outside every part's mask are empty (no
    agents, and :meth:`TeamVariants.scenario` sets their volumes to zero)."""
    out = []
    depth = max((len(w) for _, w in wanted), default=0)
    for i in range(depth):
        s = np.zeros(n, np.int64)
        mask = np.zeros(n, bool)
        members = []
        for part, w in wanted:
            if i < len(w):
                s[part.slots] = w[i]
                mask[part.slots] = True
                members.append((part, w[i]))
        out.append((s, mask, members))
    return out


class TeamVariants:
    """A team's scenario built once (``build(staffing)``: the validated team scenario); every
    staffing simulated is a copy with that staffing, and the volumes outside ``mask`` zero."""

    def __init__(self, base: Scenario):
        self.base = base

    def scenario(self, staffing: np.ndarray, mask: np.ndarray | None = None) -> Scenario:
        """The team scenario with ``staffing`` (agents per slot) and, with ``mask``, no volume
        outside it."""
        base = self.base
        values = [int(x) for x in staffing]
        agent = base.spec.agents[0].model_copy(update={"staffing": values})
        spec = base.spec.model_copy(update={"agents": [agent]})
        raw = dict(base.raw)
        raw["agents"] = [dict(copy.deepcopy(base.raw["agents"][0]), staffing=values)]
        volumes = base.volumes
        if mask is not None and not mask.all():
            volumes = {c: np.where(mask, v, 0.0) for c, v in base.volumes.items()}
        return dataclasses.replace(base, spec=spec, raw=raw, volumes=volumes)


def cut(a: Any, part: Part, staffing: np.ndarray) -> Any:
    """A part's own assessment out of a composite's (an :class:`staffsim.isa.Assessment`): its
    slots' verdicts, margins and misses (the tables stay the composite's: the answer's tables
    come from simulating it whole)."""
    idx = part.slots
    where = {int(k): i for i, k in enumerate(idx)}
    texts = {where[k]: t for k, t in a.miss_text.items() if k in where}
    first = texts[min(texts)] if texts else ""
    return dataclasses.replace(a, staffing=np.asarray(staffing, np.int64), meets=a.meets[idx],
                               margin=a.margin[idx], first_miss=first, miss_text=texts)



def join(pieces: list[Any], parts: list[Part], n: int, day_of: np.ndarray) -> Any:
    """One assessment over the horizon from each day's (cut from the simulations that tested
    them): verdicts, margins and staffing in slot order; the per-slot tables are each day's rows
    of the simulation its piece came from (day by day, so a channel's rows stay in slot order)."""
    import pandas as pd

    staffing = np.zeros(n, np.int64)
    meets = np.zeros(n, bool)
    margin = np.full(n, np.inf)
    texts: dict[int, str] = {}
    slots, groups = [], []
    for a, p in zip(pieces, parts):
        staffing[p.slots] = a.staffing
        meets[p.slots] = a.meets
        margin[p.slots] = a.margin
        texts.update({int(p.slots[j]): t for j, t in a.miss_text.items()})
        day = int(day_of[p.slots[0]]) + 1
        slots.append(a.slots[a.slots["day"] == day])
        groups.append(a.groups[a.groups["day"] == day])
    first = texts[min(texts)] if texts else ""
    return dataclasses.replace(pieces[0], staffing=staffing, meets=meets, margin=margin, first_miss=first,
                               miss_text=texts, slots=pd.concat(slots, ignore_index=True),
                               groups=pd.concat(groups, ignore_index=True))
