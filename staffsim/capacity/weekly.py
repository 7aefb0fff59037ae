r"""The weekly table: per team and week, what is needed, what is there, and the difference.

Definitions (FTE = ``fte_hours`` paid hours a week; s = the week's total shrinkage, the sum of
its categories):

- ``required_hours``: agent hours on the phones the week needs, × the team's
  ``scheduling_efficiency`` when one is given (paid hours a roster needs ÷ the requirement's
  hours, :mod:`staffsim.capacity.efficiency`; 1 otherwise): then the hours the contracts need.
- ``required_fte`` = required_hours ÷ fte_hours: FTE *on the phones* the week needs.
- ``required_paid_fte`` = required_fte ÷ (1 − s): paid, fully productive FTE that gives it.
- ``available_fte`` = productive_paid_fte × (1 − s): FTE on the phones the team has — every
  person's FTE × productivity (0 in training, the ramp after it, then 1), less shrinkage.
  Trainees contribute nothing whatever the shrinkage; shrinkage applies to everyone else.
- ``gap_fte`` = available_fte − required_fte (negative: short); ``gap_paid_fte`` = gap_fte ÷
  (1 − s), the gap in fully productive people of ``fte`` 1.
- ``overtime_fte`` = min(shortfall, overtime.max_share × available_fte): overtime worked, in
  FTE on the phones (overtime hours = overtime_fte × fte_hours); ``short_fte`` = what is
  still missing after it.
- ``service_level`` (teams with forecast demand): the week's slots staffed at (available +
  overtime) ÷ required times the Erlang plan (see :mod:`staffsim.capacity.demand`).
- Money (with ``hiring`` / ``overtime`` costs): ``payroll_cost`` = paid_fte × fte_hours ×
  cost_per_hour, ``overtime_cost`` = overtime_fte × fte_hours × overtime.cost_per_hour,
  ``hiring_cost`` = hires × cost_per_hire, ``short_cost`` = short_fte × fte_hours ×
  short_cost_per_hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffsim.capacity.calendar import Calendar
from staffsim.capacity.demand import TeamDemand
from staffsim.capacity.schema import PlanSpec
from staffsim.capacity.supply import Projection

COLUMNS = ["week", "date", "team", "required_hours", "shrinkage", "required_fte", "required_paid_fte",
           "headcount", "paid_fte", "in_training", "ramping", "leavers", "hires", "transfers_in",
           "transfers_out", "productive_paid_fte", "available_fte", "gap_fte", "gap_paid_fte",
           "overtime_fte", "short_fte", "service_level", "payroll_cost", "overtime_cost",
           "hiring_cost", "short_cost"]


def shrinkage_total(spec: PlanSpec, cal: Calendar, source: str) -> dict[str, np.ndarray]:
    """Team → total shrinkage share per week (sum of its categories)."""
    out = {}
    for name, team in spec.teams.items():
        total = np.zeros(cal.weeks)
        for cat, value in team.shrinkage.items():
            total = total + cal.expand(value, source, f"teams.{name}.shrinkage.{cat}")
        out[name] = total
    return out


def cover(required: np.ndarray, available: np.ndarray, max_share: float) -> tuple[np.ndarray, np.ndarray]:
    """(overtime_fte, short_fte): overtime up to ``max_share`` × available fills the shortfall."""
    shortfall = np.maximum(required - available, 0.0)
    overtime = np.minimum(shortfall, max_share * np.maximum(available, 0.0))
    return overtime, shortfall - overtime


def weekly_table(spec: PlanSpec, cal: Calendar, demand: dict[str, TeamDemand],
                 shrinkage: dict[str, np.ndarray], proj: Projection, *,
                 service: bool = True) -> pd.DataFrame:
    """The table for the expected projection (path 0 of ``proj``); ``service=False`` leaves
    ``service_level`` NaN (for drafts that are not kept: it is the costly column)."""
    frames = []
    for ti, name in enumerate(proj.teams):
        team = spec.teams[name]
        s = shrinkage[name]
        v = {q: a[0, ti] for q, a in proj.values.items()}
        required = demand[name].hours / spec.fte_hours
        available = v["productive_paid_fte"] * (1.0 - s)
        gap = available - required
        ms = team.overtime.max_share if team.overtime else 0.0
        overtime, short = cover(required, available, ms)
        svc = demand[name].service
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(required > 0, (available + overtime) / required, np.nan)
        sl = svc.service_level(ratio) if svc is not None and service else np.full(cal.weeks, np.nan)
        h = team.hiring
        hour = spec.fte_hours
        frames.append(pd.DataFrame({
            "week": np.arange(1, cal.weeks + 1), "date": [d.isoformat() for d in cal.dates],
            "team": name, "required_hours": demand[name].hours, "shrinkage": s,
            "required_fte": required, "required_paid_fte": required / (1.0 - s),
            **{q: v[q] for q in ("headcount", "paid_fte", "in_training", "ramping", "leavers", "hires",
                                 "transfers_in", "transfers_out", "productive_paid_fte")},
            "available_fte": available, "gap_fte": gap, "gap_paid_fte": gap / (1.0 - s),
            "overtime_fte": overtime, "short_fte": short, "service_level": sl,
            "payroll_cost": v["paid_fte"] * hour * (h.cost_per_hour if h else 0.0),
            "overtime_cost": overtime * hour * (team.overtime.cost_per_hour if team.overtime else 0.0),
            "hiring_cost": v["hires"] * (h.cost_per_hire if h else 0.0),
            "short_cost": short * hour * (h.short_cost_per_hour if h and h.short_cost_per_hour else 0.0),
        }))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
