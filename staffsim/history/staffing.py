"""The staffing a center actually had: agents logged in per team (or channel) and slot.

A CSV (or ``.xlsx``) with one row per team and slot: ``group`` (a team of the scenario) or
``channel`` (a channel served by exactly one team of its own), ``slot_start`` (a date-time, e.g.
``2026-02-02 08:00``), ``agents`` (whole agents logged in during the slot). Problems are refused
naming the file, the line and the column.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from staffsim.errors import InputError, clip, excerpt
from staffsim.history.contacts import _times
from staffsim.scenarios.forecast import _date_order, _norm, _read_table
from staffsim.scenarios.scenario import Scenario

__all__ = ["read_staffing"]

_ALIASES = {
    "group": ("group", "team"),
    "channel": ("channel", "queue", "skill"),
    "slot_start": ("slot start", "slot", "interval start", "interval", "start", "period", "datetime"),
    "agents": ("agents", "logged in", "agents logged in", "staffed", "staffed agents", "headcount"),
}


def read_staffing(staffing: str | Path | pd.DataFrame, scenario: Scenario, slot: float,
                  start_date: datetime.date, dayfirst: bool | None = None) -> pd.DataFrame:
    """The staffing table as ``line, group, day (0 = start_date), tod (seconds), agents``."""
    if isinstance(staffing, pd.DataFrame):
        raw, source = staffing.astype(str), "staffing"
    else:
        source = str(staffing)
        raw, _ = _read_table(Path(staffing), source, None)
    cols = {}
    for canon, aliases in _ALIASES.items():
        hits = [c for c in raw.columns if _norm(c) == canon] or [c for c in raw.columns if _norm(c) in aliases]
        if hits:
            cols[canon] = hits[0]
    who = "group" if "group" in cols else ("channel" if "channel" in cols else None)
    missing = [c for c in ("slot_start", "agents") if c not in cols] + ([] if who else ["group (or channel)"])
    if missing:
        raise InputError(f"{source}: cannot map the header: no column for {', '.join(missing)}; found "
                         f"{clip(', '.join(map(str, raw.columns)))} (expected group or channel, slot_start, agents)")
    if raw.empty:
        raise InputError(f"{source}: no data rows")

    def err(canon):
        return lambda i, msg: InputError(f"{source}: line {i + 2}, column {excerpt(cols[canon])}: {msg}")

    names = raw[cols[who]].astype(str).str.strip()
    groups = {g.group: g for g in scenario.spec.agents}
    if who == "group":
        bad = ~names.isin(list(groups))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise err("group")(i, f"{excerpt(names.iloc[i])} is not a team of the scenario (teams: "
                                  f"{', '.join(groups)})")
        group = names
    else:
        own = {}
        for ch in scenario.channels:
            mine = [g.group for g in scenario.spec.agents if g.skills == [ch]]
            if len(mine) == 1 and not any(ch in g.skills for g in scenario.spec.agents if g.group != mine[0]):
                own[ch] = mine[0]
        bad = ~names.isin(list(own))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise err("channel")(i, f"{excerpt(names.iloc[i])} is not a channel served by a team of its own in "
                                    f"the scenario (such channels: {', '.join(own) or 'none'}); give a group column "
                                    "naming the teams")
        group = names.map(own)
    text = raw[cols["slot_start"]].astype(str)
    order = _date_order(text.head(5000).tolist(), dayfirst, err("slot_start"))
    secs = _times(text, None, order, err("slot_start"))
    if np.isnan(secs).any():
        raise err("slot_start")(int(np.flatnonzero(np.isnan(secs))[0]), "the slot start is empty")
    agents = pd.to_numeric(raw[cols["agents"]].astype(str).str.strip(), errors="coerce").to_numpy()
    bad = ~(np.isfinite(agents) & (agents >= 0) & (agents == np.round(agents)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise err("agents")(i, f"agents must be a whole number >= 0, got {excerpt(raw[cols['agents']].iloc[i])} "
                               "(the engine logs in whole agents; round a time-averaged figure yourself)")
    origin = pd.Timestamp(start_date).value / 1e9
    rel = secs - origin
    day = np.floor(rel / 86400).astype(int)
    tod = rel - day * 86400
    off = np.abs(tod / slot - np.round(tod / slot)) > 1e-6
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise err("slot_start")(i, f"{excerpt(text.iloc[i])} is not on the scenario's grid of {slot:g}s slots")
    out = pd.DataFrame({"line": np.arange(len(raw)) + 2, "group": group.to_numpy(), "day": day,
                        "tod": np.round(tod / slot) * slot, "agents": agents.astype(int)})
    dup = out.duplicated(["group", "day", "tod"], keep=False).to_numpy()
    if dup.any():
        a, b = np.flatnonzero(dup)[:2]
        raise InputError(f"{source}: lines {a + 2} and {b + 2}, column {excerpt(cols['slot_start'])}: the same "
                         f"team and slot twice ({excerpt(text.iloc[a])})")
    return out
