"""The closed loop: simulate a roster, raise the requirement where it misses (and, with
``trim``, lower it where there is surplus), solve again; then check the answer on new customers.

Each round simulates the roster's scenario with everything the scenario has (breaks, shift ends,
absence, retrials, shared queues carried between slots) on the same seed (common random numbers:
round k and round k+1 see the same customers). Every channel-slot is judged by
:mod:`.slot_checks`: it misses *in mean*, misses *beyond its 95% interval* (the whole interval on
the wrong side), meets, or has no interval (*not enough replications*). ``rule="interval"``
(default) acts on the misses beyond the interval, ``rule="mean"`` on every miss of the mean
(:data:`RULE_TEXT` says each in one line). For every team whose channels miss in a slot, the
requirement in that slot becomes one agent more than the roster had on the phones there
(⌊on phones⌋ + 1, and never less than before), and that level becomes the slot's floor. With a
requirement per channel (several teams per channel) the same holds per channel, in agents of
standard speed (⌊covered⌋ + 1); backlog channels, covered within their threshold, are reported
but never raised or lowered slot by slot.

*Surplus* (``trim=True``): a slot whose every KPI of every channel of the team has its whole
interval on the right side (clear of every target) and that no miss touches loses one agent of
requirement (one less than the agents on the phones there, never below its floor: a level at
which it was seen to miss). The integer program is solved again after every change; the loop
stops when nothing changes (no miss to raise, no surplus to remove), after ``rounds``
simulations, when the rules cannot carry the raised requirement, or when a change gives the
same shifts (simulating them on the same customers would repeat the round); ``stopped`` says
why. When a trimmed roster misses and the loop ends there, the cheapest roster that met every
target is kept (``kept_round``), not the trimmed one.

*Out of sample* (``check=True``): the kept roster is simulated once more on new customers (seed
``check_seed``, default ``seed + 1``; the loop's own rounds all use ``seed``) and judged the same
way: a roster fitted to the misses of one seed may miss elsewhere, and this shows how often.

*No certificate without the work.* A simulation counts only when every replication it asked
for finished. One cut short (Ctrl-C, a job scheduler's signal, a worker process killed, say by
the out-of-memory killer) ends the loop: ``complete`` is False, ``incomplete`` says why and
``replications_run`` how many replications that simulation had; the roster is then not
verified, whatever its slots showed (``converged`` is False). A slot whose interval is
undefined (fewer than two replications with contacts in it) is *not enough replications*, never
"meets": it is listed in ``undetermined`` and the loop cannot converge while one remains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError, Terminated, WorkerLost
from staffsim.executors import INTERRUPTED, TERMINATED
from staffsim.experiment import simulate
from staffsim.results import RunResult
from staffsim.scheduling.roster import Roster
from staffsim.scheduling.slot_checks import (
    COLUMNS,
    RULE_TEXT,
    RULES,
    Judgement,
    channel_slots,
    judge,
    statement,
)

MISS_COLUMNS = ["round"] + COLUMNS[:-1]


def _table(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    out = frame.drop(columns="slot").copy()
    out.insert(0, "round", k)
    return out.reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class OutOfSample:
    """The kept roster simulated on new customers: ``seed``, ``replications`` (asked) and
    ``replications_run``, its :class:`~.slot_checks.Judgement` (None when cut short before any
    replication finished), ``statement`` (what holds, in one sentence) and ``incomplete``."""

    seed: int
    replications: int
    replications_run: int
    judgement: Judgement | None
    result: RunResult | None
    incomplete: str | None = None

    def statement(self, rule: str) -> str:
        if self.judgement is None:
            return f"not simulated ({self.incomplete})"
        text = statement(self.judgement, rule)
        if self.incomplete is not None:
            text += (f" - on only {self.replications_run} of {self.replications} replications "
                     f"({self.incomplete}): not a check")
        return text

    def to_dict(self) -> dict[str, Any]:
        j = self.judgement
        return {"seed": self.seed, "replications": self.replications,
                "replications_run": self.replications_run, "complete": self.incomplete is None,
                "incomplete": self.incomplete,
                "slots_missing_beyond_interval": None if j is None else channel_slots(j.beyond),
                "slots_missing_in_mean": None if j is None else channel_slots(j.in_mean),
                "slots_undetermined": None if j is None else channel_slots(j.undetermined),
                "missing": None if j is None else j.in_mean.drop(columns="slot")}


@dataclass(frozen=True, eq=False)
class Verification:
    """The loop's record: ``rounds`` (one row per simulated roster: replications run,
    requirement and paid hours, cost, gap, whole-horizon service level, channel-slots missing
    beyond their interval and in mean, the slots raised and lowered after it, which slot,
    channel and KPI missed), ``missing`` (every channel-slot-KPI that missed under ``rule`` in
    the kept round), ``missing_in_mean`` (every miss of the mean there), ``rosters`` and
    ``results`` per round, ``replications`` (asked for per simulation) and ``seed``.
    ``incomplete``: None when every simulation ran all its replications, else why the last one
    was cut short (``"interrupted"``, or the lost worker); ``replications_run``: the
    replications the last simulation actually had; ``undetermined``: channel-slot-KPIs of the
    kept round whose 95% interval is undefined (not enough replications with contacts to judge
    them); ``kept_round``: the round whose roster is returned; ``check``: the out-of-sample
    simulation (:class:`OutOfSample`) or None."""

    rounds: pd.DataFrame
    missing: pd.DataFrame
    rosters: tuple[Roster, ...]
    results: tuple[RunResult, ...]
    replications: int
    seed: int
    stopped: str | None = None
    incomplete: str | None = None
    replications_run: int | None = None
    undetermined: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISS_COLUMNS))
    missing_in_mean: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISS_COLUMNS))
    rule: str = "interval"
    trim: bool = False
    kept_round: int | None = None
    judgement: Judgement | None = None
    check: OutOfSample | None = None

    @property
    def complete(self) -> bool:
        """Every simulation ran every replication it asked for."""
        return self.incomplete is None

    @property
    def interrupted(self) -> bool:
        """The last simulation was cut short by Ctrl-C (or a signal that acts like it)."""
        return self.incomplete is not None and self.incomplete == INTERRUPTED

    @property
    def converged(self) -> bool:
        """Verified in sample: every simulation complete, and in the kept round no slot misses
        under the rule and none is left undetermined."""
        return (self.complete and bool(self.results) and self.missing.empty
                and self.undetermined.empty)

    def statement(self) -> str:
        """Exactly what holds in the kept round, in one sentence (see :func:`.slot_checks.statement`)."""
        if self.judgement is None:
            return "nothing was simulated in full"
        return statement(self.judgement, self.rule)

    def to_dict(self) -> dict[str, Any]:
        return {"replications": self.replications,
                "replications_run": self.replications_run, "seed": self.seed,
                "complete": self.complete, "interrupted": self.interrupted,
                "incomplete": self.incomplete, "converged": self.converged,
                "rule": self.rule, "rule_means": RULE_TEXT[self.rule], "trim": self.trim,
                "kept_round": self.kept_round, "in_sample": self.statement(),
                "out_of_sample": None if self.check is None else {
                    **self.check.to_dict(), "statement": self.check.statement(self.rule)},
                "stopped": self.stopped, "rounds": self.rounds, "still_missing": self.missing,
                "missing_in_mean": self.missing_in_mean,
                "not_enough_replications": self.undetermined}


def misses(result: RunResult, teams: dict[str, str]) -> pd.DataFrame:
    """Channel-slot KPIs whose 95% interval lies entirely on the wrong side of the target.
    ``teams``: channel → the team carrying its requirement (channels of other teams skipped)."""
    return judge(result, teams).beyond


def undetermined(result: RunResult, teams: dict[str, str]) -> pd.DataFrame:
    """Channel-slot KPIs with a value but no 95% interval (fewer than two replications with
    contacts there): not enough replications to say whether the slot meets its target."""
    return judge(result, teams).undetermined


def _simulate_round(scenario: Any, replications: int, seed: int, jobs: int | None,
                    progress: Any) -> tuple[RunResult | None, str | None]:
    """One simulation and, when it was cut short, why (None when every replication ran).
    Ctrl-C or a lost worker before any replication finished gives no result."""
    try:
        result = simulate(scenario, replications, seed, jobs, progress=progress)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        return None, TERMINATED if isinstance(exc, Terminated) else INTERRUPTED
    except WorkerLost as exc:
        return None, str(exc)
    if not result.complete or result.replications < replications:
        return result, result.stopped or INTERRUPTED
    return result, None


def verify(roster: Roster, resolve: Callable[[dict[str, np.ndarray]], Roster], *, rounds: int = 5,
           replications: int = 20, seed: int | None = None, jobs: int | None = 1,
           progress: Any = False, rule: str = "interval", trim: bool = False,
           check: bool = True, check_seed: int | None = None) -> Roster:
    """Simulate and re-solve until every slot meets its targets (see the module doc).
    ``resolve(required)`` solves the integer program for a new requirement (team → agents per
    slot). ``rule``: which misses to act on ("interval" or "mean"); ``trim``: also remove
    surplus; ``check``: simulate the kept roster on ``check_seed`` (default ``seed + 1``).
    Returns the kept roster with its :class:`Verification` attached."""
    if rounds < 1:
        raise InputError(f"--rounds: must be at least 1, got {rounds}")
    if replications < 2:
        raise InputError(f"-n/--replications: the closed loop needs at least 2 replications for a "
                         f"confidence interval, got {replications}")
    if rule not in RULES:
        raise InputError(f"verify rule: choose one of {', '.join(RULES)}, got {rule!r}")
    seed = roster.scenario.spec.run.seed if seed is None else seed
    if roster.basis == "channel":  # a requirement per channel: each channel carries its own
        owner = {c: c for c in roster.required}
    else:
        owner = {c: g.group for g in roster.scenario.spec.agents for c in g.skills
                 if g.group in roster.teams}
    slot_h = roster.scenario.spec.horizon.slot / 3600.0
    multi_day = roster.scenario.spec.horizon.days > 1
    table: list[dict[str, Any]] = []
    rosters: list[Roster] = []
    results: list[RunResult] = []
    judged: list[Judgement] = []
    floor = {t: np.zeros_like(np.asarray(r)) for t, r in roster.required.items()}
    current = roster
    stopped = incomplete = None
    ran = 0
    for k in range(1, rounds + 1):
        result, incomplete = _simulate_round(current.to_scenario(), replications, seed, jobs, progress)
        ran = 0 if result is None else result.replications
        row: dict[str, Any] = {
            "round": k, "replications": ran,
            "required_agent_hours": float(sum(r.sum() for r in current.required.values()) * slot_h),
            "paid_hours": current.paid_hours, "cost": current.cost, "gap": current.gap}
        if result is None:  # cut short before any replication finished: nothing to judge
            table.append({**row, "service_level": float("nan"), "slots_missing": 0,
                          "slots_missing_in_mean": 0, "raised": 0, "lowered": 0, "missed": ""})
            stopped = f"round {k} was cut short ({incomplete}) before any replication finished"
            break
        j = judge(result, owner)
        found = j.acted_on(rule)
        whole = result.summary().set_index("channel")
        table.append({**row, "service_level": float(whole.loc["all", "service_level"]),
                      "slots_missing": channel_slots(found),
                      "slots_missing_in_mean": channel_slots(j.in_mean),
                      "raised": 0, "lowered": 0,
                      "missed": ", ".join(dict.fromkeys(
                          (f"d{d} " if multi_day else "") + f"{s} {c} {kpi}"
                          for d, s, c, kpi in found[["day", "slot_start", "channel", "kpi"]]
                          .itertuples(index=False)))})
        rosters.append(current)
        results.append(result)
        judged.append(j)
        if incomplete is not None:
            stopped = (f"round {k} was cut short ({incomplete}) after {ran} of {replications} "
                       "replications: the roster is NOT verified")
            break
        required, raised, lowered = _next_requirement(current, j, found, floor, trim)
        table[-1]["raised"], table[-1]["lowered"] = raised, lowered
        if found.empty and not raised and not lowered:
            if not j.sound:
                stopped = (f"{channel_slots(j.undetermined)} channel-slot(s) have too few replications "
                           "with contacts for a 95% interval (not enough replications): they are not "
                           "shown to meet; run more replications (-n)")
            break
        if k == rounds:
            break
        if not raised and not lowered and set(found["channel"]) <= _backlog(current):
            stopped = (f"after round {k} only backlog channels miss (covered within their threshold, "
                       "not raised slot by slot); raising the per-slot requirement changes nothing")
            break
        if not raised and not lowered:
            # every missing slot is already left short of its requirement (soft coverage): the
            # same requirement gives the same roster and, on the same customers, the same misses
            stopped = (f"after round {k} the slots that miss are already left short of their "
                       "requirement by soft coverage (missing_agent_slot_penalty); raising the "
                       "requirement changes nothing: raise the penalty or drop it to cover them")
            break
        try:
            solved = resolve(required)
        except InputError as exc:  # the rules cannot carry the raised requirement: keep this roster
            stopped = f"the requirement raised after round {k} cannot be rostered: {exc}"
            break
        if solved.rows == current.rows:
            if found.empty:  # only surplus was lowered, and it does not change the shifts: done
                stopped = (f"the surplus lowered after round {k} gives the same shifts: nothing more "
                           "to remove")
                break
            # soft coverage pays the penalty rather than add agents: simulating the same shifts
            # on the same customers would repeat round k
            stopped = (f"the requirement raised after round {k} gives the same shifts: soft coverage "
                       "leaves the raised slots short (missing_agent_slot_penalty is cheaper than "
                       "another agent); raise the penalty or drop it to cover them")
            break
        current = solved
    keep = _kept(table, judged, rule) if incomplete is None else len(judged)
    if keep and keep != len(judged) and incomplete is None:
        stopped = ((stopped + "; ") if stopped else "") + (
            f"round {len(judged)}'s roster misses after surplus was removed: round {keep}'s roster, "
            "the cheapest that met every target, is kept")
    record = _record(table, rosters, results, judged, keep, replications, seed, stopped,
                     incomplete, ran, rule, trim)
    kept = rosters[keep - 1] if keep else current
    if check and keep and incomplete is None:
        record = replace(record, check=_out_of_sample(kept, owner, replications,
                                                      seed + 1 if check_seed is None else check_seed,
                                                      jobs, progress))
        if record.check.incomplete is not None:
            record = replace(record, incomplete=record.check.incomplete,
                             replications_run=record.check.replications_run)
    return replace(kept, verification=record)


def _next_requirement(current: Roster, j: Judgement, found: pd.DataFrame,
                      floor: dict[str, np.ndarray], trim: bool) -> tuple[dict[str, np.ndarray], int, int]:
    """The requirement after a round: raised where a slot misses (and its floor with it), with
    ``trim`` lowered by one where a slot is clear of every target; how many slots moved."""
    required = {t: np.asarray(r).copy() for t, r in current.required.items()}
    raised = lowered = 0
    hit: dict[str, set[int]] = {}
    backlog = _backlog(current)  # covered within their threshold: never raised or lowered by slot
    for team, slots in found.groupby("team")["slot"]:
        if team in backlog:
            continue
        cov = _covered(current, team)
        hit[team] = {int(t) for t in slots}
        for t in sorted(hit[team]):
            need = max(required[team][t], int(np.floor(cov[t] + 1e-9)) + 1)
            floor[team][t] = max(floor[team][t], need)
            if need > required[team][t]:
                required[team][t] = need
                raised += 1
    if trim:
        for team, ok in j.clear.items():
            if team in backlog:
                continue
            cov = _covered(current, team)
            for t in np.flatnonzero(ok):
                if t in hit.get(team, ()):
                    continue
                lower = max(min(int(required[team][t]), int(np.floor(cov[t] + 1e-9))) - 1,
                            int(floor[team][t]), 0)
                if lower < required[team][t]:
                    required[team][t] = lower
                    lowered += 1
    return required, raised, lowered


def _backlog(roster: Roster) -> set[str]:
    """The backlog channels of a per-channel roster (none with a requirement per team)."""
    if roster.basis != "channel":
        return set()
    cov = roster.channel_coverage
    return set(cov.loc[cov["backlog"], "channel"])


def _covered(roster: Roster, key: str) -> np.ndarray:
    """Per slot, what ``key`` has in the roster: a team's agents on the phones, or (a requirement
    per channel) the channel's agents of standard speed given by its teams."""
    if roster.basis == "channel":
        cov = roster.channel_coverage
        return cov.loc[cov["channel"] == key, "covered"].to_numpy()
    return roster.coverage[roster.coverage["team"] == key]["on_phones"].to_numpy()


def _kept(table: list[dict], judged: list[Judgement], rule: str) -> int:
    """The round whose roster to keep: the last, unless it misses and an earlier round met every
    target (then the cheapest such round)."""
    if not judged:
        return 0
    last = judged[-1]
    if last.acted_on(rule).empty and last.sound:
        return len(judged)
    clean = [i for i, j in enumerate(judged) if j.acted_on(rule).empty and j.sound]
    if not clean:
        return len(judged)
    return 1 + min(clean, key=lambda i: (table[i]["cost"], table[i]["paid_hours"], -i))


def _record(table, rosters, results, judged, keep, replications, seed, stopped, incomplete, ran,
            rule, trim) -> Verification:
    j = judged[keep - 1] if keep else None
    empty = pd.DataFrame(columns=COLUMNS)
    return Verification(
        rounds=pd.DataFrame(table), missing=_table(j.acted_on(rule) if j else empty, keep),
        rosters=tuple(rosters), results=tuple(results), replications=replications, seed=seed,
        stopped=stopped, incomplete=incomplete, replications_run=ran,
        undetermined=_table(j.undetermined if j else empty, keep),
        missing_in_mean=_table(j.in_mean if j else empty, keep), rule=rule, trim=trim,
        kept_round=keep or None, judgement=j)


def _out_of_sample(roster: Roster, owner: dict[str, str], replications: int, seed: int,
                   jobs: int | None, progress: Any) -> OutOfSample:
    result, incomplete = _simulate_round(roster.to_scenario(), replications, seed, jobs, progress)
    if result is None:
        return OutOfSample(seed, replications, 0, None, None, incomplete)
    return OutOfSample(seed, replications, result.replications, judge(result, owner), result, incomplete)
