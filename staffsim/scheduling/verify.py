"""The closed loop: simulate a roster, raise the requirement where it misses, solve again.

Each round simulates the roster's scenario with everything the scenario has (breaks, shift ends,
absence, retrials, shared queues carried between slots) on the same seed (common random numbers:
round k and round k+1 see the same customers). A slot *misses* a channel's target when the whole
95% interval lies on the wrong side: service level mean + half-width < target, ASA mean −
half-width > the ASA cap, abandon rate mean − half-width > the abandon cap. For every team whose
channels miss in a slot, the requirement in that slot becomes one agent more than the roster had
on the phones there (⌊on phones⌋ + 1, and never less than before); the integer program is solved
again. The loop stops when no slot misses, after ``rounds`` simulations, when the rules cannot
carry the raised requirement, or when raising it cannot change the roster (soft coverage leaves
the slots short at the penalty: simulating the same shifts on the same customers would repeat the
round); ``stopped`` says why. The slots still missing in the last simulation are reported, with
the last simulated roster.

*No certificate without the work.* A round counts only when every replication it asked for
finished. A round cut short (Ctrl-C, a job scheduler's signal, a worker process killed, say by
the out-of-memory killer) ends the loop: ``complete`` is False, ``incomplete`` says why and
``replications_run`` how many replications that round had; the roster is then not verified,
whatever its slots showed (``converged`` is False). A slot whose interval is undefined (fewer
than two replications with contacts in it) is *not enough replications*, never "meets": it is
listed in ``undetermined`` and the loop cannot converge while one remains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError, WorkerLost
from staffsim.executors import INTERRUPTED
from staffsim.experiment import simulate
from staffsim.results import RunResult
from staffsim.scheduling.roster import Roster

MISS_COLUMNS = ["round", "channel", "team", "day", "slot_start", "kpi", "value", "ci", "target"]
_EMPTY = MISS_COLUMNS[1:] + ["slot"]


@dataclass(frozen=True, eq=False)
class Verification:
    """The loop's record: ``rounds`` (one row per simulated roster: requirement and paid hours,
    cost, gap, whole-horizon service level, the number of channel-slots missing and which
    slot, channel and KPI missed), ``missing`` (every
    channel-slot-KPI that missed in the last simulation), ``rosters`` and ``results`` per round,
    ``replications`` (asked for per round) and ``seed`` of the simulations.
    ``incomplete``: None when every round ran all its replications, else why the last round was
    cut short (``"interrupted"``, or the lost worker); ``replications_run``: the replications the
    last round actually had; ``undetermined``: channel-slot-KPIs of the last round whose 95%
    interval is undefined (not enough replications with contacts to judge them)."""

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

    @property
    def complete(self) -> bool:
        """Every round simulated every replication it asked for."""
        return self.incomplete is None

    @property
    def interrupted(self) -> bool:
        """The last round was cut short by Ctrl-C (or a signal that acts like it)."""
        return self.incomplete is not None and self.incomplete == INTERRUPTED

    @property
    def converged(self) -> bool:
        """Verified: every round complete, and in the last one no slot misses beyond its interval
        and none is left undetermined."""
        return self.complete and self.missing.empty and self.undetermined.empty and bool(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {"replications": self.replications,
                "replications_run": self.replications_run, "seed": self.seed,
                "complete": self.complete, "interrupted": self.interrupted,
                "incomplete": self.incomplete, "converged": self.converged,
                "stopped": self.stopped, "rounds": self.rounds, "still_missing": self.missing,
                "not_enough_replications": self.undetermined}


def misses(result: RunResult, teams: dict[str, str]) -> pd.DataFrame:
    """Channel-slot KPIs whose 95% interval lies entirely on the wrong side of the target.
    ``teams``: channel → the team carrying its requirement (channels of other teams skipped)."""
    spec = result.scenario.spec
    slots = result.slots
    out = []
    for channel, team in teams.items():
        target = spec.channels[channel].target
        rows = slots[slots["channel"] == channel]
        checks = [("service_level", target.service_level, -1)]
        if target.asa is not None:
            checks.append(("asa_s", target.asa, +1))
        if target.max_abandon is not None:
            checks.append(("abandon_rate", target.max_abandon, +1))
        for kpi, goal, sign in checks:
            value = rows[kpi].to_numpy(float)
            ci = np.nan_to_num(rows[f"{kpi}_ci"].to_numpy(float), nan=np.inf)
            with np.errstate(invalid="ignore"):
                bad = (value + ci < goal) if sign < 0 else (value - ci > goal)
            bad &= ~np.isnan(value)
            for k in np.flatnonzero(bad):
                out.append({"channel": channel, "team": team, "day": int(rows["day"].iloc[k]),
                            "slot_start": rows["slot_start"].iloc[k], "kpi": kpi,
                            "value": float(value[k]), "ci": float(ci[k]), "target": float(goal),
                            "slot": int(k)})
    return pd.DataFrame(out, columns=_EMPTY)


def undetermined(result: RunResult, teams: dict[str, str]) -> pd.DataFrame:
    """Channel-slot KPIs with a value but no 95% interval (fewer than two replications with
    contacts there): not enough replications to say whether the slot meets its target."""
    spec = result.scenario.spec
    slots = result.slots
    out = []
    for channel, team in teams.items():
        target = spec.channels[channel].target
        rows = slots[slots["channel"] == channel]
        checks = [("service_level", target.service_level)]
        if target.asa is not None:
            checks.append(("asa_s", target.asa))
        if target.max_abandon is not None:
            checks.append(("abandon_rate", target.max_abandon))
        for kpi, goal in checks:
            value = rows[kpi].to_numpy(float)
            ci = rows[f"{kpi}_ci"].to_numpy(float)
            for k in np.flatnonzero(~np.isnan(value) & ~np.isfinite(ci)):
                out.append({"channel": channel, "team": team, "day": int(rows["day"].iloc[k]),
                            "slot_start": rows["slot_start"].iloc[k], "kpi": kpi,
                            "value": float(value[k]), "ci": float("nan"), "target": float(goal),
                            "slot": int(k)})
    return pd.DataFrame(out, columns=_EMPTY)


def _simulate_round(scenario: Any, replications: int, seed: int, jobs: int | None,
                    progress: Any) -> tuple[RunResult | None, str | None]:
    """One round's simulation and, when it was cut short, why (None when every replication ran).
    Ctrl-C or a lost worker before any replication finished gives no result."""
    try:
        result = simulate(scenario, replications, seed, jobs, progress=progress)
    except KeyboardInterrupt:
        return None, INTERRUPTED
    except WorkerLost as exc:
        return None, str(exc)
    if not result.complete or result.replications < replications:
        return result, result.stopped or INTERRUPTED
    return result, None


def verify(roster: Roster, resolve: Callable[[dict[str, np.ndarray]], Roster], *, rounds: int = 5,
           replications: int = 20, seed: int | None = None, jobs: int | None = 1,
           progress: Any = False) -> Roster:
    """Simulate and re-solve until every slot meets its targets (see the module doc).
    ``resolve(required)`` solves the integer program for a new requirement (team → agents per
    slot). Returns the last simulated roster with its :class:`Verification` attached."""
    if rounds < 1:
        raise InputError(f"--rounds: must be at least 1, got {rounds}")
    if replications < 2:
        raise InputError(f"-n/--replications: the closed loop needs at least 2 replications for a "
                         f"confidence interval, got {replications}")
    seed = roster.scenario.spec.run.seed if seed is None else seed
    owner = {c: g.group for g in roster.scenario.spec.agents for c in g.skills
             if g.group in roster.teams}
    slot_h = roster.scenario.spec.horizon.slot / 3600.0
    table, rosters, results = [], [], []
    found = pd.DataFrame(columns=_EMPTY)
    unsure = pd.DataFrame(columns=_EMPTY)
    current = roster
    stopped = incomplete = None
    ran = 0
    for k in range(1, rounds + 1):
        result, incomplete = _simulate_round(current.to_scenario(), replications, seed, jobs, progress)
        ran = 0 if result is None else result.replications
        if result is None:  # cut short before any replication finished: nothing to judge
            table.append({"round": k, "replications": 0,
                          "required_agent_hours": float(sum(r.sum() for r in current.required.values()) * slot_h),
                          "paid_hours": current.paid_hours, "cost": current.cost, "gap": current.gap,
                          "service_level": float("nan"), "slots_missing": 0, "missed": ""})
            found = pd.DataFrame(columns=_EMPTY)
            stopped = f"round {k} was cut short ({incomplete}) before any replication finished"
            break
        found = misses(result, owner)
        unsure = undetermined(result, owner)
        whole = result.summary().set_index("channel")
        table.append({
            "round": k, "replications": ran,
            "required_agent_hours": float(sum(r.sum() for r in current.required.values()) * slot_h),
            "paid_hours": current.paid_hours, "cost": current.cost, "gap": current.gap,
            "service_level": float(whole.loc["all", "service_level"]),
            "slots_missing": int(found[["channel", "slot"]].drop_duplicates().shape[0]),
            "missed": ", ".join(dict.fromkeys(
                (f"d{d} " if roster.scenario.spec.horizon.days > 1 else "") + f"{s} {c} {kpi}"
                for d, s, c, kpi in found[["day", "slot_start", "channel", "kpi"]].itertuples(index=False))),
        })
        rosters.append(current)
        results.append(result)
        if incomplete is not None:
            stopped = (f"round {k} was cut short ({incomplete}) after {ran} of {replications} "
                       "replications: the roster is NOT verified")
            break
        if found.empty or k == rounds:
            if found.empty and not unsure.empty:
                n = unsure[["channel", "slot"]].drop_duplicates().shape[0]
                stopped = (f"{n} channel-slot(s) have too few replications with contacts for a 95% "
                           "interval (not enough replications): they are not shown to meet; run "
                           "more replications (-n)")
            break
        required = {t: r.copy() for t, r in current.required.items()}
        for team, slots in found.groupby("team")["slot"]:
            cov = current.coverage[current.coverage["team"] == team]["on_phones"].to_numpy()
            for t in sorted(set(slots)):
                required[team][t] = max(required[team][t], int(np.floor(cov[t] + 1e-9)) + 1)
        if all(np.array_equal(required[t], current.required[t]) for t in required):
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
            # soft coverage pays the penalty rather than add agents: simulating the same shifts
            # on the same customers would repeat round k
            stopped = (f"the requirement raised after round {k} gives the same shifts: soft coverage "
                       "leaves the raised slots short (missing_agent_slot_penalty is cheaper than "
                       "another agent); raise the penalty or drop it to cover them")
            break
        current = solved
    missing = found.drop(columns="slot").copy()
    missing.insert(0, "round", len(table))
    unsure = unsure.drop(columns="slot").copy()
    unsure.insert(0, "round", len(table))
    record = Verification(pd.DataFrame(table), missing.reset_index(drop=True), tuple(rosters),
                          tuple(results), replications, seed, stopped, incomplete, ran,
                          unsure.reset_index(drop=True))
    return replace(current, verification=record)
