r"""The simulation-verified requirement: the fewest agents per slot that meet every target in the
simulated day.

What it answers
---------------
For each team (agent group) and slot of the horizon: how many agents must be logged in (no
breaks, no absence; an agent leaving at a slot's end finishes the contact in hand) so that, in the
simulation of the whole day with everything the engine models (time-varying arrivals, queues
carried between slots, abandonment with any patience distribution, retrials, self-service, chat
concurrency, the team's routing over all its channels), every channel the team serves meets its
targets in every slot with traffic:

- service level (answered within the threshold ÷ offered to agents) ≥ ``service_level``,
- ASA ≤ ``asa`` (if given), abandon rate ≤ ``max_abandon`` (if given),

each contact counted in the slot in which it arrived. ``max_occupancy`` is a planning device of
the Erlang method, not a customer-facing target, and is not imposed here.

*Meets, under noise.* Every candidate staffing is simulated on the same ``replications`` days
(the same seed: common random numbers), so "meets" is a fixed property of the staffing for that
seed: with ``rule="mean"`` a slot meets when the mean over the replications (the number
``staffsim run --slots`` prints for that staffing) is on the right side of the target; with
``rule="interval"`` when the whole 95% confidence interval is (mean − half-width ≥ the service
level target; mean + half-width ≤ the ASA and abandon caps), which asks for more agents where the
estimate is uncertain. An undefined interval (one replication with contacts in the slot) counts
as zero width.

The method
----------
Feldman, Mandelbaum, Massey and Whitt's Iterative Staffing Algorithm (ISA; "Staffing of
time-varying queues to achieve time-stable performance", *Management Science* 54(2):324–338, 2008)
simulates the system with the current staffing and sets the next staffing, time by time, from
what the simulation shows, until it no longer changes. Published ISA reads a delay-probability
target off the distribution of the number in system. staffsim's targets are per-slot service
level, ASA and abandonment attributed to the slot of arrival, so the update reads the targets
themselves, and the search is made to end with a checked answer:

1. *ISA iterations* (from the Erlang requirement, :func:`staffsim.requirement.requirement`
   ``method="erlang"``): simulate the team at s + d for a few uniform shifts d (a "ladder") on
   the same days; each slot moves to the least shift at which it (and it at every larger shift
   of the ladder) meets its targets. Repeat with a short ladder (:data:`LADDER`, −2…+1: it can
   take back what the first, generous round gave) until no slot moves (at most
   :data:`LADDER_ROUNDS` rounds).
2. *Repair*: while some slot misses, add one agent in every slot that misses (never removing).
3. *Descent*: simulate every single-slot decrement s − e_k; apply the feasible ones (as many at
   once as still meet the targets together: the most slack first, tried largest set first;
   with batching also each of the round's batches without its failed decrements, and the
   :data:`SINGLES` best decrements alone, every one that misses alone being set aside at that
   staffing); recheck the slots whose decrement was feasible; when none is, simulate every
   slot's decrement again (the same batches as the last round over every slot, less the slots
   set aside: unchanged batches come from the cache). It stops when a round over every slot
   finds no single decrement that meets every target: that last round is the certificate.

*Backlog work* (a team whose every channel is backlog work: no abandonment, a threshold of many
slots, see :func:`staffsim.requirement.is_backlog`) starts from the backlog plan, which is level
where the deadlines allow. Slot-by-slot steps would push its work to the end of the threshold,
the latest the targets allow (contacts of 08:00 may wait until the evening), so for such a team
step 1 is skipped, step 2 raises every staffed slot together, and step 3 removes agents from the
most-staffed slots first among equals: the answer stays as level as 1-opt minimality allows.

Termination is guaranteed: step 1 is capped, step 2 only adds and stops at the agent cap
(:func:`agent_cap`; a slot still missing there ends the search unconverged), and step 3 moves
only between staffings that meet every target while the total strictly decreases. Every
simulation uses the same seed and replications (common random numbers), so the comparisons
between iterations are between the same simulated customers.

*The answer is checked*: it is a staffing that was simulated and met every target in every slot
with traffic (by the rule), and — when ``converged`` — it is **minimal in the 1-opt sense**: one
agent fewer in any single slot makes some slot of the team miss a target (the ``binding`` column
names the first such miss). It is not claimed to be the least total of agent-hours over all
staffings (moving agents between slots is not tried).

Each team is simulated on its own (a scenario with only its channels and its group logged in
slot by slot): channels belong to one team each and the random streams are keyed by channel, so
this is exactly the team's part of the whole scenario, with the same customers (events keep
their effects on the team's channels; repeat contacts that come back on another team's channel
link the teams and are refused). All teams' candidates of an iteration run together in one
:func:`staffsim.experiment.run_batch` call.

*Batching* (``batch``, :data:`BATCHES`): step 3's single-slot decrements are tested several per
simulation — by default one slot of every day together ("days": exact when the days are
independent, the only case it is used: see *Day by day*; a team whose days are not independent
— backlog work, first-contact repeats, no patience, a 24-hour center — is not batched), with
"spaced" also slots of one day apart by the team's reach (:func:`spacing_s`: :data:`REACH`
times the longest mean patience + handle time + retrial delay of its channels, at least
:data:`MIN_SPACING_S`, at most :data:`SPACING_S`; approximate: each decrement answers for
the slots from :data:`BACK_S` before it to :data:`BACK_S` before the next; a miss blamed on the
wrong slot only keeps an agent). A batch that meets every target together is taken at once;
any other decrement judged from a batch is simulated alone before it is taken, so every
staffing kept was simulated as it is. With batching the certificate of step 3 is "no decrement
met in its batch test" (exact for "days").

*One pool* (:class:`staffsim.executors.WorkerPool`): the worker processes are started once for
the whole requirement (search, validation, out-of-sample check) and each batch sends them its
scenarios once; the batches leave out the Erlang plan and the forecast-error table, which the
search never reads. The numbers do not depend on it (nor on the number of workers).

*Day by day* (:mod:`staffsim.isa_parts`): a team whose days are independent (the criterion is
:func:`staffsim.isa_parts.days_independent`: the center closes between days for much longer
than any contact waits or is served, and nothing comes back on a later day) is searched one
day at a time — steps 1–3 run per day, every day's staffings tested in the same simulations
(one day's staffing each, the other days without volume: the same customers, bit for bit),
each day with its own cache — and the answer is then simulated whole once; a slot that misses
there would leave the team not converged. With ``batch="days"`` the descent inside a day tests
one decrement per simulation (the certificate is exact), with ``"spaced"`` several
:func:`spacing_s` apart. A team whose days are not independent is searched whole, as before
(``"days"`` then tests no two decrements together).

*Out of sample*: :func:`out_of_sample` simulates an answer on new customers (another seed) and
counts its misses (:func:`miss_counts`); :func:`staffsim.requirement.isa_requirement` reports
them beside the Erlang requirement's, after an optional validation repair on yet other
customers (:mod:`staffsim.isa_validate`). *Cut short*: a batch that did not run every replication
(Ctrl-C, a lost worker) ends the search with ``SearchResult.stopped`` saying why; every staffing
assessed before it had all its replications.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError, Terminated, WorkerLost
from staffsim.executors import INTERRUPTED, TERMINATED, WorkerPool, dask_client, workers_for
from staffsim.experiment import run_batch
from staffsim.isa_parts import Part, TeamVariants, cut, days_independent, join, pack, parts_of
from staffsim.results import RunResult
from staffsim.scenarios.scenario import Scenario, scenario_from_dict
from staffsim.transfer_plan import check_transfers_stay

RULES = ("mean", "interval")
#: what each rule means, one line each (printed wherever a requirement's results are)
RULE_TEXT = {
    "mean": "rule mean: a slot meets a target when its mean over the replications (the figure "
            "staffsim run --slots prints) is on the right side",
    "interval": "rule interval: a slot meets a target only when its whole 95% interval is on the "
                "right side (more agents where the estimate is uncertain)",
}

#: the first ladder of uniform shifts, and the one used afterwards
FIRST_LADDER = (-2, -1, 0, 1, 2, 4)
LADDER = (-2, -1, 0, 1)
#: at most this many ladder rounds before repair and descent take over
LADDER_ROUNDS = 4
#: the descent's combine step also tries this many of a round's batches, each without its
#: decrements that missed (see :func:`_search`)
BATCH_PARTS = 2
#: ... and this many of its best-looking decrements alone (those that miss alone are set aside)
SINGLES = 3

#: how the descent groups single-slot decrements (see :func:`batches`): "none" one per
#: staffing; "days" (default) decrements of different days together (exact when the days do
#: not interact: every contact is done with by the day's end and none comes back on a later
#: day); "spaced" also several within a day, :func:`spacing_s` apart (faster, approximate)
BATCHES = ("days", "spaced", "none")
#: within a day, decrements tested together are apart by the team's reach (:func:`spacing_s`),
#: at most this (seconds) ...
SPACING_S = 4 * 3600.0
#: ... at least this ...
MIN_SPACING_S = 1800.0
#: ... the reach being this many times the longest mean patience + handle time + retrial delay
REACH = 3.0
#: ... and each answers for the slots from this long before it (contacts already waiting)
BACK_S = 1800.0

#: the per-slot KPIs kept for the requirement (each with its ``_ci``)
KPI_COLUMNS = ("offered_to_agents", "answered", "abandoned", "service_level", "asa_s",
               "abandon_rate", "p_wait", "occupancy")

_TOL = 1e-12


def agent_cap(erlang_agents: np.ndarray) -> int:
    """The most agents the search puts in a slot: max(10, 3 × the Erlang peak, peak + 20)."""
    peak = int(np.max(erlang_agents, initial=0))
    return max(10, 3 * peak, peak + 20)


def team_scenario(scenario: Scenario, group: str, staffing: np.ndarray) -> Scenario:
    """The scenario reduced to one team: its channels only, its group logged in slot by slot
    (``staffing``: agents per slot of the horizon), no costs. The engine draws the same customers
    for these channels as in the whole scenario (streams are keyed by channel)."""
    raw = copy.deepcopy(scenario.raw)
    spec = scenario.spec
    g = next(x for x in spec.agents if x.group == group)
    _check_repeats_stay(scenario, group, list(g.skills))
    check_transfers_stay(scenario, group, list(g.skills))  # transfers, conferences (staffsim/transfer_plan.py)
    raw["channels"] = {c: raw["channels"][c] for c in g.skills}
    # events act per channel: keep each event's effects on the team's channels (an event with
    # none left does nothing to this team and is dropped)
    events = []
    for ev in raw.get("events") or []:
        ev = dict(ev)
        ev["channels"] = {c: eff for c, eff in (ev.get("channels") or {}).items() if c in g.skills}
        if ev["channels"]:
            events.append(ev)
    if "events" in raw:
        raw["events"] = events
    raw["agents"] = [{"group": group, "skills": list(g.skills),
                      "staffing": [int(x) for x in staffing]}]
    raw.pop("costs", None)
    raw["name"] = f"{spec.name} - {group}"
    return scenario_from_dict(raw, source=scenario.source, base_dir=scenario.base_dir)


def _check_repeats_stay(scenario: Scenario, group: str, skills: list[str]) -> None:
    """Refuse a split the engine would not reproduce: repeat contacts (first-contact resolution)
    of one team's channel that come back on another team's channel link the two teams, so
    neither team's part can be simulated alone."""
    owner = {c: g.group for g in scenario.spec.agents for c in g.skills}
    for name, ch in scenario.spec.channels.items():
        res = ch.resolution
        if res is None or not res.repeat_channels:
            continue
        for target, share in res.repeat_channels.items():
            linked = share > 0 and (name in skills) != (target in skills)
            if linked and owner.get(name) is not None and owner.get(target) is not None:
                raise InputError(
                    f"{scenario.source or scenario.name}: channels.{name}.resolution.repeat_channels: "
                    f"repeat contacts of {name!r} (team {owner[name]!r}) come back on {target!r} "
                    f"(team {owner[target]!r}), which links the two teams; the simulated requirement "
                    "searches each team on its own and cannot split them: serve both channels with "
                    "one team, or use --method erlang")


@dataclass(frozen=True)
class Targets:
    service_level: float
    asa_s: float | None
    max_abandon: float | None


def targets_of(scenario: Scenario, channels: list[str]) -> dict[str, Targets]:
    out = {}
    for c in channels:
        t = scenario.channel(c).target
        out[c] = Targets(t.service_level, t.asa, t.max_abandon)
    return out


@dataclass
class Assessment:
    """How one staffing of one team did: per slot, whether every target is met and the worst
    margin (share of the allowed shortfall: 0 at the target, < 0 missing), and the first miss."""

    staffing: np.ndarray
    meets: np.ndarray
    margin: np.ndarray
    first_miss: str
    slots: pd.DataFrame
    groups: pd.DataFrame
    miss_text: dict[int, str] = field(default_factory=dict)  # slot -> its first miss

    @property
    def feasible(self) -> bool:
        return bool(self.meets.all())

    @property
    def worst(self) -> float:
        return float(np.min(self.margin, initial=np.inf))


def assess(result: RunResult, channels: list[str], targets: dict[str, Targets], rule: str) -> Assessment:
    """Check a team's simulated slots against its channels' targets (see the module doc)."""
    slots = result.slots
    labels = None
    margin = None
    misses: list[tuple[int, str]] = []
    for c in channels:
        rows = slots[slots["channel"] == c]
        if labels is None:
            labels = rows["slot_start"].to_numpy()
            days = rows["day"].to_numpy()
            margin = np.full(len(rows), np.inf)
        traffic = rows["offered_to_agents"].to_numpy(float) > 0
        tg = targets[c]

        def value(kpi: str, sign: float, rows: pd.DataFrame = rows) -> np.ndarray:
            v = rows[kpi].to_numpy(float)
            if rule == "interval":
                v = v + sign * np.nan_to_num(rows[f"{kpi}_ci"].to_numpy(float), nan=0.0)
            return v

        sl = value("service_level", -1)
        checks = [("service_level", sl, "<", tg.service_level, (sl - tg.service_level) / (1 - tg.service_level))]
        if tg.asa_s is not None:
            asa = value("asa_s", +1)
            checks.append(("asa_s", asa, ">", tg.asa_s, (tg.asa_s - asa) / tg.asa_s))
        if tg.max_abandon is not None:
            ab = value("abandon_rate", +1)
            checks.append(("abandon_rate", ab, ">", tg.max_abandon, (tg.max_abandon - ab) / tg.max_abandon))
        for kpi, v, op, target, m in checks:
            m = np.where(traffic, np.nan_to_num(m, nan=-np.inf), np.inf)
            margin = np.minimum(margin, m)
            for k in np.flatnonzero(m < -_TOL):
                misses.append((int(k), f"{c} {kpi} {v[k]:.4g} {op} {target:g} at day {days[k]} {labels[k]}"))
    meets = margin >= -_TOL
    first = min(misses)[1] if misses else ""
    texts: dict[int, str] = {}
    for k, text in sorted(misses):
        texts.setdefault(k, text)
    return Assessment(staffing=np.asarray(result.scenario.spec.agents[0].staffing, np.int64),
                      meets=meets, margin=margin, first_miss=first, slots=slots, groups=result.groups,
                      miss_text=texts)


@dataclass
class TeamSearch:
    """The state of one team's search (read by the driver, also when it is cut short)."""

    group: str
    channels: list[str]
    start: np.ndarray
    cap: int
    backlog: bool = False                   # every channel of the team is backlog work
    #: descent batching (see :func:`batches`): the day of every slot (decrements in different
    #: days are tested together) or None; the least distance in slots between decrements tested
    #: together within a day (None: one per day); slots before a decrement it may affect
    day_of: np.ndarray | None = None
    spacing: int | None = None
    back: int = 1
    best: Assessment | None = None          # the last staffing known to meet every target
    last: Assessment | None = None          # the last staffing assessed
    converged: bool = False
    phase: str = "ladder"
    note: str = ""
    binding: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    split: bool = False                     # searched day by day (days independent)
    split_note: str = ""                    # why not, when not
    stopped: str | None = None              # the whole-horizon run of the answer was cut short


Request = list[np.ndarray]
Answers = dict[tuple, Assessment]


def _key(s: np.ndarray) -> tuple:
    return tuple(int(x) for x in s)


def _search(team: TeamSearch) -> Generator[Request, Answers, None]:
    """One team's search as a generator: yields the staffings it wants simulated, receives their
    assessments (for every staffing it has asked for so far)."""
    cap = team.cap
    s = np.clip(team.start, 0, cap).astype(np.int64)
    k = len(s)

    def note(phase: str, tried: int) -> None:
        team.history.append({"phase": phase, "staffings": tried, "agent_slots": int(s.sum())})

    # 1. ISA iterations on uniform ladders (not for backlog work: see the module doc)
    team.phase = "ladder"
    seen = {_key(s)}
    for rnd in range(0 if team.backlog else LADDER_ROUNDS):
        ladder = FIRST_LADDER if rnd == 0 else LADDER
        cands = [np.clip(s + d, 0, cap) for d in ladder]
        answers = yield cands
        note("isa", len(cands))
        team.last = answers[_key(s)]
        ok = np.array([answers[_key(c)].meets for c in cands])  # (ladder, slots)
        # least shift from which the slot meets at every larger shift of the ladder
        suffix = np.logical_and.accumulate(ok[::-1], axis=0)[::-1]
        move = np.full(k, ladder[-1], np.int64)
        for i in range(len(ladder) - 1, -1, -1):
            move = np.where(suffix[i], ladder[i], move)
        new = np.clip(s + move, 0, cap)
        done = np.array_equal(new, s) or _key(new) in seen
        s = new
        seen.add(_key(s))
        if done:
            break

    # 2. repair: add agents where a slot misses until every slot meets
    team.phase = "repair"
    while True:
        answers = yield [s]
        note("repair", 1)
        a = team.last = answers[_key(s)]
        if a.feasible:
            team.best = a
            break
        short = ~a.meets
        if team.backlog:  # keep the plan's shape: one more agent in every slot with agents
            short = (s > 0) | short
        if (s[short] >= cap).any():
            team.note = f"a slot still misses with {cap} agents (the cap): {a.first_miss}"
            return
        s = np.where(short, np.minimum(s + 1, cap), s)

    # 3. descent: single-slot decrements, applied while every target holds; ends with a round
    #    over every slot in which none holds (the certificate)
    team.phase = "descent"
    todo = None  # None: every slot
    batched = team.day_of is not None
    refuted: set[int] = set()  # slots whose lone decrement missed although its batch met (at this s)
    while True:
        if todo is None:
            # a round over every slot: the batches of every staffed slot, less those set aside,
            # so that after a slot is set aside (the staffing unchanged) the other batches are
            # the ones already simulated (from the cache, not simulated again)
            groups = [[j for j in b if j not in refuted]
                      for b in batches([j for j in range(k) if s[j] > 0], team.day_of, team.spacing)]
            groups = [b for b in groups if b]
            slots = [j for b in groups for j in b]
        else:
            slots = [j for j in range(k) if s[j] > 0 and j in todo and j not in refuted]
            groups = batches(slots, team.day_of, team.spacing)
        cands = [s - np.bincount(b, minlength=k).astype(np.int64) for b in groups]
        answers = yield cands
        note("descent" if todo is None else "descent (recheck)", len(cands))
        fine, why = [], {j: "one agent fewer here misses when tried alone" for j in refuted}
        for c, b in zip(cands, groups):
            for j, (ok, margin, text) in judge_batch(answers[_key(c)], b, team.day_of, team.back).items():
                if ok:
                    fine.append((margin, j))
                else:
                    why[j] = text
        if not fine:
            if todo is None:
                team.binding = [""] * k
                for j in set(slots) | refuted:
                    team.binding[j] = why.get(j, "")
                team.converged = True
                return
            todo = None
            continue
        whole = [b for c, b in zip(cands, groups) if len(b) > 1 and answers[_key(c)].feasible]
        if whole:
            # a batch that met every target together was simulated as it is: take it at once
            best = max(whole, key=len)
            s = s - np.bincount(best, minlength=k).astype(np.int64)
            team.best = answers[_key(s)]
            refuted.clear()
            todo = {j for _, j in fine}
            continue
        # most slack first, then the most-staffed slot (keeps the requirement level), then time
        order = [j for _, j in sorted(fine, key=lambda x: (-x[0], -s[x[1]], x[1]))]
        # batched tests judged each decrement beside others: the lone decrement (size 1) is
        # simulated too before it is taken
        skip = {0} if batched else {0, 1}
        sizes = sorted({len(order) >> i for i in range(len(order).bit_length())} - skip, reverse=True)
        sets = [order[:m] for m in sizes]
        # and each batch's decrements that met in it, without those that missed there: spaced
        # apart as the batch was, and each judged beside the others (larger steps than the
        # prefixes, which mix neighbouring slots)
        good = {j for _, j in fine}
        parts = [sorted(j for j in b if j in good) for b in groups]
        parts = [b for b, g in zip(parts, groups) if 2 <= len(b) < len(g)]
        seen_sets = {tuple(sorted(x)) for x in sets}
        for b in sorted(parts, key=len, reverse=True)[:BATCH_PARTS]:
            if tuple(b) not in seen_sets and len(b) > len(sets[0] if sets else ()) // 2:
                sets.append(b)
                seen_sets.add(tuple(b))
        if batched:  # the best-looking decrements alone too: those that miss alone are set aside
            for j in order[:SINGLES]:
                if (j,) not in seen_sets:
                    sets.append([j])
                    seen_sets.add((j,))
        combos = [s - np.bincount(x, minlength=k).astype(np.int64) for x in sets]
        chosen = [] if batched else order[:1]
        if combos:
            answers = yield combos
            note("combine", len(combos))
            met = [x for x, c in zip(sets, combos) if answers[_key(c)].feasible]
            if met:
                chosen = max(met, key=len)  # the most decrements (the first such: prefixes first)
        if not chosen:  # the best-looking decrements miss alone: set them aside at this staffing
            refuted.update(x[0] for x, c in zip(sets, combos) if len(x) == 1 and not answers[_key(c)].feasible)
            todo = set(order) - refuted or None
            continue
        s = s - np.bincount(chosen, minlength=k).astype(np.int64)
        team.best = answers[_key(s)]
        refuted.clear()
        # a decrement that failed fails again once others are taken (fewer agents elsewhere
        # never help): recheck only the slots whose decrement met the targets (those taken may
        # give up another agent); the last round checks every slot again
        todo = set(order)


def batches(slots: list[int], day_of: np.ndarray | None, spacing: int | None) -> list[list[int]]:
    """The single-slot decrements of a descent round grouped into staffings tested together:
    without ``day_of`` one decrement per staffing; with it, decrements of different days together
    and, within a day, at most one (``spacing`` None) or several at least ``spacing`` slots
    apart. Every slot is in exactly one group."""
    if day_of is None:
        return [[j] for j in slots]
    left: dict[int, list[int]] = {}
    for j in slots:
        left.setdefault(int(day_of[j]), []).append(j)
    out = []
    while any(left.values()):
        group = []
        for d, todo in left.items():
            if not todo:
                continue
            keep, last = [], None
            for j in todo:
                if last is None or (spacing is not None and j - last >= spacing):
                    group.append(j)
                    last = j
                else:
                    keep.append(j)
            left[d] = keep
        out.append(sorted(group))
    return out


def judge_batch(a: Assessment, group: list[int], day_of: np.ndarray | None,
                back: int) -> dict[int, tuple[bool, float, str]]:
    """Per decrement of a batch tested together: (meets, the least margin, the first miss) over
    the slots it answers for: the slots of its day from ``back`` slots before it up to ``back``
    slots before the next decrement of the day (the whole horizon for a lone decrement). A miss
    in a day with no decrement (days not independent) fails every decrement of the batch."""
    n = len(a.meets)
    if day_of is None or len(group) == 1:
        owner = np.full(n, group[0])
        if day_of is not None and len(group) == 1:
            owner = np.where(day_of == day_of[group[0]], group[0], -1)
    else:
        owner = np.full(n, -1)
        for d in {int(day_of[j]) for j in group}:
            ts = sorted(j for j in group if day_of[j] == d)
            for u in np.flatnonzero(day_of == d):
                earlier = [t for t in ts if t <= u + back]
                owner[u] = earlier[-1] if earlier else ts[0]
    stray = (~a.meets) & (owner < 0)
    out = {}
    for j in group:
        w = owner == j
        bad = np.flatnonzero(w & ~a.meets)
        if stray.any():
            k = int(np.flatnonzero(stray)[0])
            out[j] = (False, -np.inf, a.miss_text.get(k, a.first_miss))
        elif len(bad):
            out[j] = (False, float(np.min(a.margin[w])), a.miss_text.get(int(bad[0]), a.first_miss))
        else:
            out[j] = (True, float(np.min(a.margin[w], initial=np.inf)), "")
    return out


@dataclass
class SearchResult:
    teams: dict[str, TeamSearch]
    iterations: int
    staffings: int
    replications: int
    seed: int
    #: None when every simulation asked for finished; else why the search was cut short
    #: (``"interrupted"`` or the lost worker): the teams then hold the search as far as it went
    stopped: str | None = None


def search(
    scenario: Scenario,
    teams: dict[str, list[str]],
    start: dict[str, np.ndarray],
    replications: int,
    seed: int,
    jobs: int | None,
    *,
    rule: str = "mean",
    max_iterations: int = 60,
    backlog: frozenset[str] | set[str] = frozenset(),
    log: Callable[[str], None] | None = None,
    cluster: Any = None,
    batch: str = "days",
    pool: Any = None,
) -> SearchResult:
    """Run every team's search, one :func:`run_batch` per iteration for all teams together.
    ``backlog``: the teams whose every channel is backlog work. ``cluster``: run the
    simulations on a Dask cluster (as in :func:`staffsim.simulate`), connected once for the
    whole search. ``batch``: how the descent's single-slot decrements are grouped (:data:`BATCHES`).
    ``pool``: a :class:`staffsim.executors.WorkerPool` kept for every iteration (without one, and
    without a cluster, the search keeps a pool of its own for its iterations)."""
    if batch not in BATCHES:
        raise InputError(f"batch: choose one of {', '.join(BATCHES)}, got {batch!r}")
    if cluster is None:
        if pool is None:
            with WorkerPool(jobs) as own:
                return _search_all(scenario, teams, start, replications, seed, jobs, rule, max_iterations,
                                   backlog, log, None, batch, own)
        return _search_all(scenario, teams, start, replications, seed, jobs, rule, max_iterations,
                           backlog, log, None, batch, pool)
    with dask_client(cluster, workers_for(jobs, 1 << 30)) as client:
        return _search_all(scenario, teams, start, replications, seed, jobs, rule, max_iterations,
                           backlog, log, client, batch)


def batching(scenario: Scenario, channels: list[str], backlog: bool, batch: str) -> dict[str, Any]:
    """The descent batching of a team searched whole (the :class:`TeamSearch` fields ``day_of``,
    ``spacing``, ``back``): none for backlog work, for a team whose days are not independent
    (:func:`staffsim.isa_parts.days_independent`) with ``"days"``, and for ``batch="none"``;
    else decrements :func:`spacing_s` apart, also within a day (``"spaced"``). (A team whose
    days are independent is searched day by day instead: :func:`_day_batching`.)"""
    h = scenario.spec.horizon
    linked = any(scenario.channel(c).resolution is not None for c in channels)
    if batch == "none" or backlog or linked or batch == "days":
        return {"day_of": None, "spacing": None, "back": 1}
    return {"day_of": np.asarray(h.slot_days(), np.int64),
            "spacing": spacing_slots(scenario, channels),
            "back": min(spacing_slots(scenario, channels) - 1, max(1, int(np.ceil(BACK_S / h.slot))))}


def spacing_s(scenario: Scenario, channels: list[str]) -> float:
    """How far apart (seconds) ``batch="spaced"`` tests decrements of one day together: the
    team's reach, :data:`REACH` × (the longest mean patience + the longest mean handle time + the
    longest mean retrial delay of its channels; a channel without patience counts
    :data:`SPACING_S`), within [:data:`MIN_SPACING_S`, :data:`SPACING_S`]. Past it, what a
    decrement leaves behind (contacts still waiting or in service, callers redialling) is taken
    as gone; a miss it still causes is blamed on the later decrement, which keeps an agent."""
    reach = 0.0
    for c in channels:
        p = scenario.patience(c)
        ch = scenario.channel(c)
        delay = ch.retrial.delay.to_distribution().mean if ch.retrial is not None else 0.0
        reach = max(reach, (p.mean if p is not None else SPACING_S)
                    + float(scenario.handle_means(c).max()) + float(delay))
    return float(min(SPACING_S, max(MIN_SPACING_S, REACH * reach)))


def spacing_slots(scenario: Scenario, channels: list[str]) -> int:
    """:func:`spacing_s` in slots (at least 2)."""
    return max(2, int(np.ceil(spacing_s(scenario, channels) / scenario.spec.horizon.slot - 1e-9)))


def _search_all(scenario, teams, start, replications, seed, jobs, rule, max_iterations, backlog,
                log, cluster, batch="days", pool=None) -> SearchResult:
    n = scenario.spec.horizon.n_slots
    targets = {g: targets_of(scenario, ch) for g, ch in teams.items()}
    variants = {g: TeamVariants(team_scenario(scenario, g, np.asarray(start[g], np.int64))) for g in teams}
    # the search's pieces: one per day of a team whose days are independent, else the whole team
    parts: dict[tuple[str, int], tuple[Part, TeamSearch]] = {}
    split_note: dict[str, str] = {}
    for g, ch in teams.items():
        whole = np.asarray(start[g], np.int64)
        split, why = (False, "backlog work") if g in backlog else days_independent(scenario, ch)
        if batch == "none":
            split, why = False, "batch none"
        split_note[g] = "" if split else why
        for part in parts_of(scenario, g, ch, split):
            opts = (batching(scenario, ch, g in backlog, batch) if not split else
                    _day_batching(scenario, ch, len(part.slots), batch))
            parts[(g, part.index)] = (part, TeamSearch(
                group=g, channels=ch, start=whole[part.slots], cap=agent_cap(whole), backlog=g in backlog,
                **opts))
    cache: dict[tuple[str, int], Answers] = {key: {} for key in parts}
    gens: dict[tuple[str, int], Generator] = {}
    wants: dict[tuple[str, int], Request] = {}
    for key, (_, st) in parts.items():
        gens[key] = _search(st)
        wants[key] = next(gens[key])
    iterations = staffings = 0
    stopped = None
    while wants:
        if iterations >= max_iterations:
            for key in list(wants):
                gens[key].close()
                parts[key][1].note = f"stopped after {max_iterations} iterations"
            wants.clear()
            break
        # every part's new staffings, packed per team: a simulation carries one staffing of
        # every part (day) that has something to test
        jobs_of: list[tuple[str, np.ndarray, np.ndarray, list]] = []
        for g in teams:
            wanted = []
            for key, req in wants.items():
                if key[0] != g:
                    continue
                new, seen = [], set()
                for s in req:
                    k = _key(s)
                    if k not in cache[key] and k not in seen:
                        seen.add(k)
                        new.append(s)
                if new:
                    wanted.append((parts[key][0], new))
            for s, mask, members in pack(n, wanted):
                jobs_of.append((g, s, mask, members))
        if jobs_of:
            scenarios = [variants[g].scenario(s, mask) for g, s, mask, _ in jobs_of]
            # every staffing of the iteration, all teams, one batch: the executor behind run_batch
            # (the process pool, or the Dask cluster) runs them side by side
            try:
                results = run_batch(scenarios, replications, seed, jobs, progress=False, cluster=cluster,
                                    forecast_error=False, erlang_plan=False, pool=pool)
            except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
                stopped = TERMINATED if isinstance(exc, Terminated) else INTERRUPTED
            except WorkerLost as exc:
                stopped = str(exc)
            else:
                cut_short = [r for r in results if not r.complete or r.replications < replications]
                if cut_short:
                    stopped = cut_short[0].stopped or INTERRUPTED
            if stopped is not None:
                # keep what finished: every staffing assessed so far ran all its replications;
                # the cut-short batch is dropped (its staffings are not judged on fewer days)
                for key in list(wants):
                    gens[key].close()
                    st = parts[key][1]
                    st.converged = False
                    st.note = (f"cut short in iteration {iterations + 1} ({st.phase}): "
                               f"{stopped}; the requirement as far as searched, NOT converged")
                break
            for (g, _, _, members), res in zip(jobs_of, results):
                a = assess(res, teams[g], targets[g], rule)
                for part, ps in members:
                    cache[(g, part.index)][_key(ps)] = cut(a, part, ps)
            iterations += 1
            staffings += len(jobs_of)
        if log is not None and jobs_of:
            phases = {g: sorted({parts[key][1].phase for key in wants if key[0] == g}) for g in teams}
            log(f"iteration {iterations}: " + "; ".join(
                f"{g} {', '.join(phases[g]) or 'done'} ({sum(1 for x in jobs_of if x[0] == g)} simulation(s))"
                for g in teams))
        for key in list(wants):
            try:
                wants[key] = gens[key].send(cache[key])
            except StopIteration:
                del wants[key]
    states = _join_parts(scenario, teams, parts, variants, targets, replications, seed, jobs, rule, cluster,
                         split_note, stopped, pool)
    if stopped is None and any(st.stopped for st in states.values()):
        stopped = next(st.stopped for st in states.values() if st.stopped)
    return SearchResult(teams=states, iterations=iterations, staffings=staffings,
                        replications=replications, seed=seed, stopped=stopped)


def _day_batching(scenario: Scenario, channels: list[str], k: int, batch: str) -> dict[str, Any]:
    """The descent batching inside one day of a team searched day by day: none ("days": the
    days are the batch), or decrements :func:`spacing_s` apart ("spaced")."""
    h = scenario.spec.horizon
    if batch != "spaced":
        return {"day_of": None, "spacing": None, "back": 1}
    spacing = spacing_slots(scenario, channels)
    return {"day_of": np.zeros(k, np.int64), "spacing": spacing,
            "back": min(spacing - 1, max(1, int(np.ceil(BACK_S / h.slot))))}


def _join_parts(scenario, teams, parts, variants, targets, replications, seed, jobs, rule, cluster,
                split_note, stopped, pool=None) -> dict[str, TeamSearch]:
    """Each team's search put together from its parts. A team searched by day is simulated once
    more whole, with the staffing its days found (the same customers): its answer's tables and
    verdicts come from that run, and a slot that misses there (days that interact after all)
    leaves the team not converged."""
    n = scenario.spec.horizon.n_slots
    out: dict[str, TeamSearch] = {}
    for g, ch in teams.items():
        mine = [(p, st) for (h, _), (p, st) in parts.items() if h == g]
        team = TeamSearch(group=g, channels=ch, start=np.zeros(n, np.int64), cap=mine[0][1].cap,
                          backlog=mine[0][1].backlog)
        team.split = split_note[g] == ""
        team.split_note = split_note[g]
        if len(mine) == 1 and len(mine[0][0].slots) == n:
            p, st = mine[0]
            st.split, st.split_note, st.stopped = False, split_note[g], None
            out[g] = st
            continue
        finals = [st.best or st.last for _, st in mine]
        team.converged = all(st.converged for _, st in mine)
        team.phase = ", ".join(sorted({st.phase for _, st in mine}))
        team.note = "; ".join(f"day {i + 1}: {st.note}" for i, (_, st) in enumerate(mine) if st.note)
        team.binding = [""] * n
        for (p, st) in mine:
            for j, k in enumerate(p.slots):
                if st.binding:
                    team.binding[int(k)] = st.binding[j]
        for i, (p, st) in enumerate(mine):
            team.history += [dict(h, day=i + 1) for h in st.history]
        team.stopped = None
        if any(f is None for f in finals):
            team.last = None  # some day has no finished staffing
            out[g] = team
            continue
        joined = join(finals, [p for p, _ in mine], n, scenario.spec.horizon.slot_days())
        if stopped is not None:  # cut short: the days as far as searched, not simulated whole
            team.best = joined if all(st.best is not None for _, st in mine) else None
            team.last = joined
            out[g] = team
            continue
        try:
            res = run_batch([variants[g].scenario(joined.staffing)], replications, seed, jobs, progress=False,
                            cluster=cluster, forecast_error=False, erlang_plan=False, pool=pool)[0]
        except KeyboardInterrupt as exc:
            team.stopped = TERMINATED if isinstance(exc, Terminated) else INTERRUPTED
        except WorkerLost as exc:
            team.stopped = str(exc)
        else:
            if not res.complete or res.replications < replications:
                team.stopped = res.stopped or INTERRUPTED
        if team.stopped:
            team.converged = False
            team.note = f"cut short simulating the answer whole: {team.stopped}"
            team.best = joined if all(st.best is not None for _, st in mine) else None
            team.last = joined
            out[g] = team
            continue
        a = assess(res, ch, targets[g], rule)
        if all(st.best is not None for _, st in mine):
            if not a.feasible:
                team.converged = False
                team.note = (f"{team.note + '; ' if team.note else ''}the days found one by one miss "
                             f"when simulated whole ({a.first_miss}): the days interact")
            team.best = a
        team.last = a
        out[g] = team
    return out


def miss_counts(slots: pd.DataFrame, channels: list[str], targets: dict[str, Targets]) -> dict[str, int]:
    """Channel-slots of a simulated team that miss a target in mean (``in_mean``), beyond the
    95% interval (``beyond``: the whole interval on the wrong side) and that have traffic but no
    interval (``undetermined``: not enough replications with contacts)."""
    out = {"in_mean": 0, "beyond": 0, "undetermined": 0}
    for c in channels:
        rows = slots[slots["channel"] == c]
        if "segment" in rows:
            rows = rows[rows["segment"] == "all"]
        tg = targets[c]
        checks = [("service_level", tg.service_level, -1)]
        if tg.asa_s is not None:
            checks.append(("asa_s", tg.asa_s, +1))
        if tg.max_abandon is not None:
            checks.append(("abandon_rate", tg.max_abandon, +1))
        mean = np.zeros(len(rows), bool)
        beyond = np.zeros(len(rows), bool)
        unsure = np.zeros(len(rows), bool)
        for kpi, goal, sign in checks:
            v = rows[kpi].to_numpy(float)
            ci = rows[f"{kpi}_ci"].to_numpy(float)
            with np.errstate(invalid="ignore"):
                mean |= (v < goal) if sign < 0 else (v > goal)
                beyond |= (v + ci < goal) if sign < 0 else (v - ci > goal)
            unsure |= ~np.isnan(v) & ~np.isfinite(ci)
        out["in_mean"] += int(mean.sum())
        out["beyond"] += int(beyond.sum())
        out["undetermined"] += int(unsure.sum())
    return out


def out_of_sample(scenario: Scenario, runs: list[tuple[str, list[str], np.ndarray]], replications: int,
                  seed: int, jobs: int | None, cluster: Any = None, pool: Any = None
                  ) -> tuple[list[dict[str, int]], str | None]:
    """Staffings of teams (``runs``: group, its channels, agents per slot) simulated on new
    customers (``seed``; one batch) and judged by :func:`miss_counts`; and None, or why the check
    was cut short (then no counts). ``pool``: a :class:`staffsim.executors.WorkerPool` to run on."""
    results, stopped = simulate_runs(scenario, runs, replications, seed, jobs, cluster, pool)
    if stopped is not None:
        return [], stopped
    return [miss_counts(r.slots, ch, targets_of(scenario, ch)) for (_, ch, _), r in zip(runs, results)], None


def simulate_runs(scenario: Scenario, runs: list[tuple[str, list[str], np.ndarray]], replications: int,
                  seed: int, jobs: int | None, cluster: Any = None, pool: Any = None
                  ) -> tuple[list[Any], str | None]:
    """Teams' staffings (``runs``: group, its channels, agents per slot) simulated on ``seed``, one
    batch, with every replication asked for; or no results and why the batch was cut short (Ctrl-C,
    SIGTERM, a lost worker): a search must not judge what it did not simulate."""
    try:
        results = run_batch([team_scenario(scenario, g, st) for g, _, st in runs], replications,
                            seed, jobs, progress=False, cluster=cluster, forecast_error=False,
                            erlang_plan=False, pool=pool)
    except KeyboardInterrupt:
        return [], INTERRUPTED
    except WorkerLost as exc:
        return [], str(exc)
    cut = [r for r in results if not r.complete or r.replications < replications]
    if cut:
        return [], cut[0].stopped or INTERRUPTED
    return results, None


def kpi_table(group: str, channels: list[str], a: Assessment, targets: dict[str, Targets]) -> pd.DataFrame:
    """Per channel × slot: the simulated KPIs of the team's final staffing (means and ``_ci``),
    its targets and whether the slot meets them."""
    parts = []
    for c in channels:
        rows = a.slots[a.slots["channel"] == c]
        t = targets[c]
        frame = pd.DataFrame({"group": group, "channel": c, "day": rows["day"].to_numpy(),
                              "slot_start": rows["slot_start"].to_numpy()})
        for kpi in KPI_COLUMNS:
            frame[kpi] = rows[kpi].to_numpy(float)
            frame[f"{kpi}_ci"] = rows[f"{kpi}_ci"].to_numpy(float)
        frame["target_service_level"] = t.service_level
        frame["target_asa_s"] = np.nan if t.asa_s is None else t.asa_s
        frame["target_max_abandon"] = np.nan if t.max_abandon is None else t.max_abandon
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)
