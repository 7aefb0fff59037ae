"""Outbound KPIs (issue 20): one row per campaign of a replication, from the engine's counters
(:mod:`staffsim.engine.outbound`). Only in scenarios with ``outbound:``.

Per campaign (whole horizon, one replication):

- ``records`` = records added to the list; ``dialled`` = dials made (attempts), ``reached`` +
  ``unreached`` = dialled; ``reach_rate`` = reached ÷ dialled (NaN with no dial);
- ``given_up`` (unreached at their last allowed dial), ``expired`` (on the list at a day's close
  with ``carry_over: false``) and ``records_left`` (on the list, waiting for a retry, or being
  dialled unreached with dials to spare at the end), so records = reached + given_up + expired +
  records_left;
- ``inbound_prevented`` = first attempts of the ``prevents`` channel removed by reached records;
  ``prevention_unused`` = prevention tokens with no arrival left to remove by the end of the run
  (E[prevented + unused] = reached × share);
- ``talk_s``, ``dial_s`` = agent seconds in reached calls and in dials that did not reach;
  ``agent_hours`` = their sum in hours;
- ``agent_cost`` = Σ over teams of the team's outbound hours × its ``costs.agent_hour`` rate:
  the cost of the agent time spent on the campaign (an attribution of paid time, as the
  channels' allocated pay is; agents are paid whether they dial or sit idle);
- ``value`` = reached × the campaign's ``value``; ``net_value`` = value − agent_cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the engine's counters, in the order of counts["outbound"] (engine/outbound.py FIELDS)
ENGINE_FIELDS = ("records", "dialled", "reached", "unreached", "given_up", "expired", "left",
                 "prevented", "prevention_unused", "talk_s", "dial_s")
#: the table's columns after ``campaign``
OUTBOUND_COLUMNS = ("records", "dialled", "reached", "unreached", "reach_rate", "given_up", "expired",
                    "records_left", "inbound_prevented", "prevention_unused", "talk_s", "dial_s",
                    "agent_hours", "agent_cost", "value", "net_value")


def uses_outbound(scenario) -> bool:
    """Whether the scenario has outbound campaigns."""
    return bool(scenario.spec.outbound)


def outbound_kpis(counts: dict[str, np.ndarray], scenario) -> pd.DataFrame:
    """One replication's outbound figures, one row per campaign (see the module doc)."""
    spec = scenario.spec
    names = list(spec.outbound)
    n = {f: counts["outbound"][:, i] for i, f in enumerate(ENGINE_FIELDS)}
    rates = np.array([spec.costs.rate("agent_hour", g.group) for g in spec.agents])
    group_s = counts["outbound_group_s"]
    cost = group_s @ rates / 3600.0
    value = n["reached"] * np.array([o.value for o in spec.outbound.values()])
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.where(n["dialled"] > 0, n["reached"] / np.where(n["dialled"] > 0, n["dialled"], 1.0), np.nan)
    return pd.DataFrame({
        "campaign": names,
        "records": n["records"], "dialled": n["dialled"], "reached": n["reached"],
        "unreached": n["unreached"], "reach_rate": reach, "given_up": n["given_up"],
        "expired": n["expired"], "records_left": n["left"], "inbound_prevented": n["prevented"],
        "prevention_unused": n["prevention_unused"], "talk_s": n["talk_s"], "dial_s": n["dial_s"],
        "agent_hours": (n["talk_s"] + n["dial_s"]) / 3600.0, "agent_cost": cost, "value": value,
        "net_value": value - cost,
    })


#: per-replication columns of the horizon table (and so of summaries, comparisons and sweeps):
#: ``inbound_prevented`` on every channel row (that channel's contacts prevented) and the ``all``
#: row (every campaign's); the others on the ``all`` row only (dials belong to no channel; NaN
#: on the channel rows)
OUTBOUND_DECISION_METRICS = ("outbound_dialled", "outbound_reached", "inbound_prevented", "outbound_net_value")


def with_outbound_columns(horizon: pd.DataFrame, outbound: pd.DataFrame, scenario) -> pd.DataFrame:
    """One replication's horizon table (:func:`staffsim.metrics.horizon_kpis`) with the
    :data:`OUTBOUND_DECISION_METRICS` columns added (segment rows, where the scenario has
    customer segments, get NaN)."""
    spec = scenario.spec
    frame = horizon.copy()
    main = frame["segment"] == "all" if "segment" in frame else pd.Series(True, index=frame.index)
    prevented = {c: 0.0 for c in spec.channels}
    for name, o in spec.outbound.items():
        if o.prevents is not None:
            prevented[o.prevents.channel] += float(outbound.loc[outbound["campaign"] == name, "inbound_prevented"].iloc[0])
    total = sum(prevented.values())
    is_all = frame["channel"] == "all"
    frame["inbound_prevented"] = np.where(main, [total if c == "all" else prevented.get(c, np.nan)
                                                 for c in frame["channel"]], np.nan)
    for col, src in (("outbound_dialled", "dialled"), ("outbound_reached", "reached"),
                     ("outbound_net_value", "net_value")):
        frame[col] = np.where(is_all & main, float(outbound[src].sum()), np.nan)
    return frame


#: per campaign × slot (``RunResult.outbound_slots()``, ``outbound_slots.csv``)
OUTBOUND_SLOT_KPIS = ("dialled", "reached", "reach_rate", "inbound_prevented", "dialling_agents")


def outbound_slot_kpis(counts: dict[str, np.ndarray], slot_s: float) -> dict[str, np.ndarray]:
    """One replication's per campaign × slot figures: dials started in the slot, those that
    reached, reach rate (NaN with no dial), inbound contacts prevented (by when they would have
    arrived) and ``dialling_agents`` = agent seconds on the campaign's calls in the slot ÷ the
    slot (a time-average of agents dialling or talking)."""
    dialled, reached = counts["outbound_slot_dialled"], counts["outbound_slot_reached"]
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.where(dialled > 0, reached / np.where(dialled > 0, dialled, 1.0), np.nan)
    return {"dialled": dialled, "reached": reached, "reach_rate": reach,
            "inbound_prevented": counts["outbound_slot_prevented"],
            "dialling_agents": counts["outbound_slot_agent_s"] / slot_s}
