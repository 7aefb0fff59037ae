r"""Monte Carlo over attrition and volume: percentile bands of available FTE and of the gap.

Each path draws

- **leavers**: Binomial(people, weekly rate) per cohort and week (rules in
  :mod:`staffsim.capacity.supply`), from ``stream(seed, 0, team, "attrition", cohort)``;
- **volume growth** (``monte_carlo.growth``): one annual rate g per path, uniform in
  [low, high], shared by every team (a market moves the whole centre), from
  ``stream(seed, 0, "volume", "growth")``; week w's demand is multiplied by (1 + g)^{(w−1)/52};
- **weekly noise** (``weekly_cv`` > 0): a mean-1 gamma factor with that coefficient of
  variation per team and week, from ``stream(seed, 0, team, "volume", "noise")``.

Required hours scale in proportion to volume. That slightly overstates the hours for growth (the
Erlang plan has economies of scale), so the bands err on the cautious side.

A path is *short* in a week when required FTE > available FTE + the overtime limit
(``max_share`` × available). ``p_short`` is the share of paths short in that week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from staffsim.capacity.schema import PlanSpec
from staffsim.capacity.supply import Cohort, project
from staffsim.rng import stream

PERCENTILES = (10, 50, 90)


@dataclass
class MonteCarlo:
    """Paths of one plan: ``values`` quantity → array (paths, teams, weeks) with the supply
    quantities plus ``required_fte``, ``available_fte``, ``gap_fte``, ``cover_fte``
    (available × (1 + overtime limit)) and ``short`` (1.0 where short)."""

    paths: int
    seed: int
    teams: list[str]
    values: dict[str, np.ndarray]

    def percentile(self, quantity: str, q: float) -> np.ndarray:
        """(teams, weeks) percentile over paths."""
        return np.percentile(self.values[quantity], q, axis=0)

    def p_short(self) -> np.ndarray:
        return self.values["short"].mean(axis=0)


def demand_factors(spec: PlanSpec, paths: int, seed: int) -> np.ndarray:
    """(paths, teams, weeks) multipliers of the expected demand."""
    W, T = spec.weeks, len(spec.teams)
    factor = np.ones((paths, T, W))
    mc = spec.monte_carlo
    if mc is not None and mc.growth is not None:
        g = stream(seed, 0, "volume", "growth").uniform(mc.growth.low, mc.growth.high, paths)
        factor *= ((1.0 + g)[:, None] ** (np.arange(W) / 52.0)[None, :])[:, None, :]
    if mc is not None and mc.weekly_cv > 0:
        k = 1.0 / mc.weekly_cv**2
        for ti, team in enumerate(spec.teams):
            factor[:, ti, :] *= stream(seed, 0, team, "volume", "noise").gamma(k, 1.0 / k, (paths, W))
    return factor


def run(spec: PlanSpec, cohorts: list[Cohort], required_fte: dict[str, np.ndarray],
        shrinkage: dict[str, np.ndarray], paths: int, seed: int) -> MonteCarlo:
    proj = project(spec, cohorts, paths=paths, seed=seed)
    teams = proj.teams
    s = np.array([shrinkage[t] for t in teams])  # (teams, weeks)
    req = np.array([required_fte[t] for t in teams])[None] * demand_factors(spec, paths, seed)
    available = proj.values["productive_paid_fte"] * (1.0 - s)[None]
    share = np.array([spec.teams[t].overtime.max_share if spec.teams[t].overtime else 0.0
                      for t in teams])[None, :, None]
    cover_fte = available * (1.0 + share)
    values = dict(proj.values)
    values.update(required_fte=req, available_fte=available, gap_fte=available - req,
                  cover_fte=cover_fte, short=(req > cover_fte + 1e-9).astype(float))
    return MonteCarlo(paths=paths, seed=seed, teams=teams, values=values)
