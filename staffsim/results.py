"""Typed results: what the engine logs and what experiments return.

Results never point back into the engine. Each carries the scenario, seed, replications and
staffsim version that produced it and can be written as CSV and JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.report import dumps, frame_to_csv, write_text


@dataclass(frozen=True, eq=False)
class ContactLog:
    """Everything one replication recorded (arrays, one entry per attempt).

    ``state``: 1 in service at the end, 2 answered and finished, 3 abandoned, 4 deflected by
    self-service, 0 still waiting at the end (unfinished). ``answer`` and ``end`` are NaN where
    they did not happen. ``levels[key][g]`` = (times, deltas): the number of agents of group ``g``
    logged in / on break / busy (holding at least one contact) / idle changes by ``delta`` at
    ``time``. ``queue[c]`` = (times, lengths) after every change of channel ``c``'s queue.
    ``scheduled_s[g, k]``: scheduled agent-seconds of group g in slot k (present agents' shifts).
    ``run_start`` / ``run_end``: the simulated interval (the end includes the drain).
    """

    channels: tuple[str, ...]
    groups: tuple[str, ...]
    concurrency: tuple[int, ...]
    channel: np.ndarray
    contact: np.ndarray
    attempt: np.ndarray
    kind: np.ndarray
    arrival: np.ndarray
    answer: np.ndarray
    end: np.ndarray
    state: np.ndarray
    group: np.ndarray
    handle: np.ndarray
    levels: dict[str, list[tuple[np.ndarray, np.ndarray]]]
    queue: list[tuple[np.ndarray, np.ndarray]]
    scheduled_s: np.ndarray
    run_start: float
    run_end: float

    def __len__(self) -> int:
        return len(self.channel)


@dataclass(frozen=True, eq=False)
class RunResult:
    """The result of :func:`staffsim.simulate`.

    - ``slots``: one row per channel × slot, each KPI the mean over replications with a
      ``<kpi>_ci`` column holding the 95% confidence half-width;
    - ``groups``: one row per agent group × slot (staffing, breaks, occupancy);
    - ``per_replication``: whole-horizon KPIs per replication and channel;
    - ``contacts``: the per-attempt log of replication 0;
    - ``plan``: the Erlang staffing plan for the same scenario (shown beside the simulation);
    - ``scenario``, ``seed``, ``replications``, ``version``: provenance.
    """

    scenario: Any
    seed: int
    replications: int
    version: str
    slots: pd.DataFrame
    groups: pd.DataFrame
    per_replication: pd.DataFrame
    contacts: pd.DataFrame
    plan: pd.DataFrame
    service_level_variant: str = "offered"
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Whole-horizon KPIs per channel (and ``all`` channels): mean over replications and 95%
        half-width. Rates are ratios of horizon totals within each replication (volume-weighted),
        never averages of slot rates."""
        from staffsim.stats import mean_ci_table

        return mean_ci_table(self.per_replication, ["channel"], sort=False)

    def provenance(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "source": self.scenario.source,
            "seed": self.seed,
            "replications": self.replications,
            "version": self.version,
            "service_level_variant": self.service_level_variant,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.provenance(),
            "scenario_data": self.scenario.raw,
            "summary": self.summary(),
            "slots": self.slots,
            "groups": self.groups,
            "plan": self.plan,
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def write(self, directory: str | Path, *, contacts: bool = False) -> list[Path]:
        """Write ``slots.csv``, ``summary.csv``, ``groups.csv``, ``plan.csv``, ``result.json``
        (and ``contacts.csv``) into ``directory``; each file is replaced atomically."""
        directory = Path(directory)
        written = [
            write_text(directory / "slots.csv", frame_to_csv(self.slots)),
            write_text(directory / "summary.csv", frame_to_csv(self.summary())),
            write_text(directory / "groups.csv", frame_to_csv(self.groups)),
            write_text(directory / "plan.csv", frame_to_csv(self.plan)),
            write_text(directory / "result.json", self.to_json()),
        ]
        if contacts:
            written.append(write_text(directory / "contacts.csv", frame_to_csv(self.contacts)))
        return written


def read_result_json(path: str | Path) -> dict[str, Any]:
    """Load a ``result.json`` written by :meth:`RunResult.write` (plain data)."""
    return json.loads(Path(path).read_text())
