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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError
from staffsim.experiment import simulate
from staffsim.results import RunResult
from staffsim.scheduling.roster import Roster

MISS_COLUMNS = ["round", "channel", "team", "day", "slot_start", "kpi", "value", "ci", "target"]


@dataclass(frozen=True, eq=False)
class Verification:
    """The loop's record: ``rounds`` (one row per simulated roster: requirement and paid hours,
    cost, gap, whole-horizon service level, the number of channel-slots missing and which
    slot, channel and KPI missed), ``missing`` (every
    channel-slot-KPI that missed in the last simulation), ``rosters`` and ``results`` per round,
    ``replications`` and ``seed`` of the simulations."""

    rounds: pd.DataFrame
    missing: pd.DataFrame
    rosters: tuple[Roster, ...]
    results: tuple[RunResult, ...]
    replications: int
    seed: int
    stopped: str | None = None

    @property
    def converged(self) -> bool:
        return self.missing.empty

    def to_dict(self) -> dict[str, Any]:
        return {"replications": self.replications, "seed": self.seed, "converged": self.converged,
                "stopped": self.stopped, "rounds": self.rounds, "still_missing": self.missing}


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
    return pd.DataFrame(out, columns=MISS_COLUMNS[1:] + ["slot"])


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
    found = pd.DataFrame(columns=MISS_COLUMNS[1:] + ["slot"])
    current = roster
    stopped = None
    for k in range(1, rounds + 1):
        result = simulate(current.to_scenario(), replications, seed, jobs, progress=progress)
        found = misses(result, owner)
        whole = result.summary().set_index("channel")
        table.append({
            "round": k,
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
        if found.empty or k == rounds:
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
    record = Verification(pd.DataFrame(table), missing.reset_index(drop=True), tuple(rosters),
                          tuple(results), replications, seed, stopped)
    return replace(current, verification=record)
