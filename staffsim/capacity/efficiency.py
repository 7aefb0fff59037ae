"""Scheduling efficiency: what the contracts cost on top of the requirement.

A requirement says how many agents must be on the phones in each slot; shifts of fixed lengths,
their paid breaks and the rules' own shrinkage make a roster pay for more. The roster written by
``staffsim schedule`` (``roster.json``) knows both: per team, the requirement's agent hours
(``required_hours``) and the roster's ``paid_hours``. Their ratio,

    scheduling efficiency = paid hours ÷ required hours,

turns a requirement's hours into the paid hours its contracts need. A capacity plan that takes it
(``teams.X.scheduling_efficiency``, a number or ``{roster: roster.json}``, or ``staffsim capacity
--roster roster.json``) multiplies each week's required hours by it, so required FTE includes
what the contracts cost. Use it with shrinkage categories that do not count again what the roster
already pays for (paid breaks: its ``breaks``; the rules' shrinkage).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from staffsim.errors import InputError

#: an efficiency above this is a roster far from its requirement (or the wrong file)
MAX_EFFICIENCY = 10.0


def roster_teams(path: str | Path) -> dict[str, dict[str, float]]:
    """Team → ``{"required_hours", "paid_hours", "efficiency"}`` from a ``roster.json``."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{source}: file not found (a roster.json written by staffsim schedule --out)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{source}: not a readable roster.json ({exc})") from None
    rows = data.get("coverage_summary") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{source}: no coverage_summary: not a roster.json written by staffsim schedule")
    out = {}
    for i, row in enumerate(rows):
        try:
            team, required, paid = str(row["team"]), float(row["required_hours"]), float(row["paid_hours"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{source}: coverage_summary.{i}: needs team, required_hours and paid_hours") from None
        if not (math.isfinite(required) and math.isfinite(paid) and required > 0 and paid >= 0):
            raise InputError(f"{source}: coverage_summary.{i} (team {team}): required_hours must be > 0 "
                             f"and paid_hours >= 0, got {required:g} and {paid:g}")
        out[team] = {"required_hours": required, "paid_hours": paid, "efficiency": paid / required}
    return out


def roster_efficiency(path: str | Path, team: str, field: str = "scheduling_efficiency") -> float:
    """The scheduling efficiency of ``team`` in the roster at ``path`` (paid ÷ required hours)."""
    teams = roster_teams(path)
    if team not in teams:
        raise InputError(f"{field}: the roster {path} has no team {team!r} (teams: {', '.join(teams)})")
    return check_efficiency(teams[team]["efficiency"], f"{field} (roster {path}, team {team})")


def check_efficiency(value: float, field: str) -> float:
    """A finite efficiency > 0 and at most :data:`MAX_EFFICIENCY`, or a clear error."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value <= MAX_EFFICIENCY):
        raise InputError(f"{field}: a scheduling efficiency (paid hours / required hours) must be > 0 "
                         f"and at most {MAX_EFFICIENCY:g}, got {value!r}")
    return float(value)
