"""Against overfitting: the simulated requirement checked on customers the search never saw.

A search with common random numbers judges every staffing on the same simulated customers (the
*search seed*), so an answer tends to fit them: a slot kept at the least staffing that met on
those customers misses on others about half the time when it sits at the boundary. Two checks,
on two further sets of customers:

1. *Validation* (:func:`validate`): the answer is simulated on new customers — round r on the
   seed ``validation_seed(seed, r)``: seed + 1, then seed + 3, seed + 5, ... (never the search's
   nor the check's) — and every slot that misses a target **in mean** there (any channel of the
   team) gets one agent more; rounds go on, each on customers not seen before, until a round
   finds no slot missing in mean (at most :data:`VALIDATION_ROUNDS` rounds, never beyond the
   search's agent cap). Repairing on one fixed set of customers would fit those customers as
   the search fits its own; a fresh set every round makes "no miss" a test the answer can fail.
   Agents are only added. The repaired answer is then simulated on the search seed again, so
   its tables and in-sample counts are of the staffing returned.
2. *Out of sample* (:func:`staffsim.isa.out_of_sample`, seed + 2): the answer and the Erlang
   requirement are simulated on customers used by neither the search nor the validation, and
   their misses are reported side by side. That check changes nothing: it is the evidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import Terminated, WorkerLost
from staffsim.executors import INTERRUPTED, TERMINATED
from staffsim.experiment import run_batch
from staffsim.isa import Targets, targets_of, team_scenario

#: at most this many validation rounds (each adds an agent to every slot still missing)
VALIDATION_ROUNDS = 8


def validation_seed(seed: int, r: int) -> int:
    """The customers of validation round ``r`` (0-based) of a search on ``seed``: seed + 1,
    seed + 3, seed + 5, ... (seed + 2 is the out-of-sample check's)."""
    return seed + 1 + 2 * r


def slot_misses(slots: pd.DataFrame, channels: list[str], targets: dict[str, Targets]) -> np.ndarray:
    """Per slot of the horizon: True where some channel of the team has traffic and misses a
    target in mean (service level below, ASA or abandon rate above)."""
    out = None
    for c in channels:
        rows = slots[slots["channel"] == c]
        if "segment" in rows:
            rows = rows[rows["segment"] == "all"]
        tg = targets[c]
        miss = np.zeros(len(rows), bool)
        with np.errstate(invalid="ignore"):
            miss |= rows["service_level"].to_numpy(float) < tg.service_level
            if tg.asa_s is not None:
                miss |= rows["asa_s"].to_numpy(float) > tg.asa_s
            if tg.max_abandon is not None:
                miss |= rows["abandon_rate"].to_numpy(float) > tg.max_abandon
        out = miss if out is None else out | miss
    return out


def validate(scenario, runs: dict[str, tuple[list[str], np.ndarray, int]], replications: int, seed: int,
             jobs: int | None, cluster: Any = None, pool: Any = None
             ) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Repair each team's answer on new customers (round r on ``validation_seed(seed, r)``, ``seed``
    being the search's; see the module doc).
    ``runs``: group -> (its channels, its staffing, the agent cap). Returns, per team, the
    repaired ``staffing``, ``rounds`` simulated, ``added`` (agent-slots added), ``left`` (slots
    missing in mean in the last round, on its fresh customers: 0 unless the rounds or the cap
    ran out), and
    None or why it was cut short (then the staffings are as far as repaired). ``pool``: a
    :class:`staffsim.executors.WorkerPool` to run on."""
    state = {g: {"staffing": np.asarray(s, np.int64).copy(), "rounds": 0, "added": 0, "left": None}
             for g, (_, s, _) in runs.items()}
    todo = list(runs)
    for r in range(VALIDATION_ROUNDS + 1):
        if not todo:
            break
        try:
            results = run_batch([team_scenario(scenario, g, state[g]["staffing"]) for g in todo], replications,
                                validation_seed(seed, r), jobs, progress=False, cluster=cluster,
                                forecast_error=False, erlang_plan=False, pool=pool)
        except KeyboardInterrupt as exc:
            return state, TERMINATED if isinstance(exc, Terminated) else INTERRUPTED
        except WorkerLost as exc:
            return state, str(exc)
        cut = [r for r in results if not r.complete or r.replications < replications]
        if cut:
            return state, cut[0].stopped or INTERRUPTED
        nxt = []
        for g, res in zip(todo, results):
            channels, _, cap = runs[g]
            st = state[g]
            st["rounds"] += 1
            miss = slot_misses(res.slots, channels, targets_of(scenario, channels))
            st["left"] = int(miss.sum())
            grow = miss & (st["staffing"] < cap)
            if st["left"] == 0 or not grow.any() or st["rounds"] > VALIDATION_ROUNDS:
                continue
            st["staffing"] = st["staffing"] + grow.astype(np.int64)
            st["added"] += int(grow.sum())
            nxt.append(g)
        todo = nxt
    return state, None
