"""The validated, immutable scenario that the engine and the experiments run."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from staffsim.distributions import Distribution
from staffsim.scenarios.schema import ChannelSpec, ScenarioSpec


@dataclass(frozen=True, eq=False)
class Scenario:
    """A scenario ready to run.

    ``spec`` is the validated file content; ``volumes`` the offered volume of each channel in every
    slot of the horizon (``horizon.n_slots`` values, the channel's ``volume_factor`` applied);
    ``raw`` the merged plain data it was validated from (for overrides and sweeps); ``source``
    the file it came from, if any.
    """

    spec: ScenarioSpec
    volumes: dict[str, np.ndarray]
    raw: dict[str, Any] = field(repr=False)
    source: str | None = None
    base_dir: str | None = None

    @property
    def label(self) -> str:
        """A short name: the file's stem, or the scenario's name."""
        if self.source:
            return Path(self.source).stem
        return self.spec.name

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new, validated scenario with ``{"field.path": value}`` changed."""
        from staffsim.scenarios.loader import scenario_from_dict

        return scenario_from_dict(self.raw, source=self.source, base_dir=self.base_dir,
                                  overrides=overrides)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def channels(self) -> list[str]:
        return list(self.spec.channels)

    def channel(self, name: str) -> ChannelSpec:
        return self.spec.channels[name]

    def handle_time(self, name: str) -> Distribution:
        return self.spec.channels[name].handle_time.to_distribution()

    def patience(self, name: str) -> Distribution | None:
        p = self.spec.channels[name].patience
        return p.to_distribution() if p is not None else None

    def raw_copy(self) -> dict[str, Any]:
        return copy.deepcopy(self.raw)
