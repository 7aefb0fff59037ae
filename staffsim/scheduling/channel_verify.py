"""The closed loop for a roster planned from a requirement per channel (several teams per channel).

The same loop as :mod:`staffsim.scheduling.verify` (whose :func:`~staffsim.scheduling.verify.misses`
and :class:`~staffsim.scheduling.verify.Verification` it uses), with the raise made per channel:
where a channel misses a target in a slot (its 95% interval wholly on the wrong side), that
channel's requirement there becomes one agent of standard speed more than the roster covered
(⌊covered⌋ + 1, never less than before), and the program is solved again, on the same seed. Backlog
channels are covered cumulatively and are not raised slot by slot (a miss there is reported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError
from staffsim.scheduling.roster import Roster
from staffsim.scheduling.slot_checks import judge
from staffsim.scheduling.verify import MISS_COLUMNS, Verification, _simulate_round, _table


def verify_channels(roster: Roster, resolve: Callable[[dict[str, np.ndarray]], Roster], *, rounds: int = 5,
                    replications: int = 20, seed: int | None = None, jobs: int | None = 1,
                    progress: Any = False) -> Roster:
    """Simulate and re-solve until every slot meets its targets (see the module doc).
    ``resolve(required)`` solves for a new requirement (channel → agents per slot). Returns the
    last simulated roster with its :class:`Verification` attached."""
    if rounds < 1:
        raise InputError(f"--rounds: must be at least 1, got {rounds}")
    if replications < 2:
        raise InputError(f"-n/--replications: the closed loop needs at least 2 replications for a "
                         f"confidence interval, got {replications}")
    seed = roster.scenario.spec.run.seed if seed is None else seed
    channels = {c: c for c in roster.required}
    slot_h = roster.scenario.spec.horizon.slot / 3600.0
    multi_day = roster.scenario.spec.horizon.days > 1
    table, rosters, results = [], [], []
    found = pd.DataFrame(columns=MISS_COLUMNS[1:] + ["slot"])
    current = roster
    stopped = None
    incomplete, run = None, None
    judged = None
    for k in range(1, rounds + 1):
        # no certificate without the work: a round cut short (Ctrl-C, a lost worker) ends the
        # loop and is recorded as such (verify._simulate_round), never as converged
        result, incomplete = _simulate_round(current.to_scenario(), replications, seed, jobs, progress)
        if result is None:
            break
        run = result.replications
        if incomplete is not None:
            results.append(result)
            rosters.append(current)
            break
        judged = judge(result, channels)
        found = judged.beyond
        whole = result.summary().set_index("channel")
        table.append({
            "round": k,
            "required_agent_hours": float(sum(r.sum() for r in current.required.values()) * slot_h),
            "paid_hours": current.paid_hours, "cost": current.cost, "gap": current.gap,
            "service_level": float(whole.loc["all", "service_level"]),
            "slots_missing": int(found[["channel", "slot"]].drop_duplicates().shape[0]),
            "missed": ", ".join(dict.fromkeys(
                (f"d{d} " if multi_day else "") + f"{s} {c} {kpi}"
                for d, s, c, kpi in found[["day", "slot_start", "channel", "kpi"]].itertuples(index=False))),
        })
        rosters.append(current)
        results.append(result)
        if found.empty or k == rounds:
            break
        cov = current.channel_coverage
        backlog = set(cov.loc[cov["backlog"], "channel"])
        required = {c: r.copy() for c, r in current.required.items()}
        for channel, slots in found.groupby("channel")["slot"]:
            if channel in backlog:
                continue
            covered = cov.loc[cov["channel"] == channel, "covered"].to_numpy()
            for t in sorted(set(slots)):
                required[channel][t] = max(required[channel][t], int(np.floor(covered[t] + 1e-9)) + 1)
        if all(np.array_equal(required[c], current.required[c]) for c in required):
            stopped = (f"after round {k} only backlog channels (covered within their threshold) or slots "
                       "left short by soft coverage miss; raising the per-slot requirement changes nothing")
            break
        try:
            solved = resolve(required)
        except InputError as exc:
            stopped = f"the requirement raised after round {k} cannot be rostered: {exc}"
            break
        if solved.rows == current.rows:
            stopped = (f"the requirement raised after round {k} gives the same shifts (soft coverage "
                       "leaves the raised slots short)")
            break
        current = solved
    missing = found.drop(columns="slot").copy()
    missing.insert(0, "round", len(table))
    record = Verification(pd.DataFrame(table), missing.reset_index(drop=True), tuple(rosters),
                          tuple(results), replications, seed, stopped, incomplete=incomplete,
                          replications_run=run,
                          undetermined=(_table(judged.undetermined, len(table)) if judged is not None
                                        else pd.DataFrame(columns=MISS_COLUMNS)),
                          missing_in_mean=(_table(judged.in_mean, len(table)) if judged is not None
                                           else pd.DataFrame(columns=MISS_COLUMNS)),
                          kept_round=len(table) or None, judgement=judged)
    return replace(current, verification=record)
