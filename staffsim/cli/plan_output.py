"""``staffsim plan``'s outputs from plain columns, without pandas: the table and the totals per
channel on the terminal, the summary printed beside ``--out``, CSV and JSON on stdout, and the
``--out`` file (.csv or .json).

The command takes this path for a forecast of clock times (``HH:MM``) when no workbook is
written; a forecast of date-times, ``--out plan.xlsx`` and ``--xlsx`` take the pandas path in
cli/main.py (``_cmd_plan``). Both print the same text and write the same bytes:
:func:`~staffsim.formatting.format_columns`, :func:`~staffsim.io.columns_to_csv` and
:func:`~staffsim.io.columns_to_records` give what ``format_table``, ``frame_to_csv`` and a frame's
records give, and the totals come from :func:`plan_totals` on both paths
(tests/test_plan_light.py compares the two paths on the shipped forecasts and every flag).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from staffsim._version import __version__
from staffsim.errors import InputError
from staffsim.formatting import format_columns
from staffsim.io import columns_to_csv, columns_to_records, dumps, output_batch, write_columns
from staffsim.models.staffing import ChannelTargets, plan_columns
from staffsim.scenarios.forecast import ForecastColumns

#: what the ``binding`` column's empty text (no agent needed) is counted as in the summary
NO_TRAFFIC = "none (no traffic)"


def plan_totals(channel: Sequence[str], volume, agents, scheduled, slot_s: float) -> dict[str, Any]:
    """Totals per channel of a plan (rows of a channel together, channels in the order they
    appear): ``channel, volume, peak_agents, agent_hours, scheduled_hours`` (agent hours =
    agents x slot length).

    Sums are ``numpy.add.reduceat`` over each channel's rows, what pandas' ``groupby(...).sum()``
    computes for such rows (pandas 3; earlier versions summed with compensation, which can
    differ in the last bit): the pandas path of ``staffsim plan`` uses this function too, so
    both print the same totals whatever the pandas version."""
    channel = list(channel)
    starts = [i for i in range(len(channel)) if i == 0 or channel[i] != channel[i - 1]]
    names = [channel[i] for i in starts]
    if len(set(names)) != len(names):
        raise ValueError("plan_totals: the rows of each channel must be together")
    hours = slot_s / 3600.0
    if not starts:
        empty = np.zeros(0)
        return {"channel": [], "volume": empty, "peak_agents": np.zeros(0, np.int64),
                "agent_hours": empty, "scheduled_hours": empty}
    agents = np.asarray(agents, np.int64)
    return {
        "channel": names,
        "volume": np.add.reduceat(np.asarray(volume, float), starts),
        "peak_agents": np.maximum.reduceat(agents, starts),
        "agent_hours": np.add.reduceat(agents, starts) * hours,
        "scheduled_hours": np.add.reduceat(np.asarray(scheduled, np.int64), starts) * hours,
    }


def plan_summary(plan: Mapping[str, Sequence], totals: Mapping[str, Any]) -> tuple[dict, dict]:
    """The two tables printed beside ``--out``: the totals with each channel's peak slot (the
    first slot with the most agents), and how many slots each target set the agents of (the
    targets that fail with one agent fewer; ``NO_TRAFFIC`` where no agent is needed)."""
    channel, agents = list(plan["channel"]), np.asarray(plan["agents"])
    starts, binding = list(plan["slot_start"]), list(plan["binding"])
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(channel):
        groups.setdefault(c, []).append(i)
    peaks = []
    for name in totals["channel"]:
        rows = groups[name]
        peaks.append(str(starts[rows[int(np.argmax(agents[rows]))]]))
    counts: dict[tuple[str, str], int] = {}
    for c, b in zip(channel, binding):
        key = (c, b or NO_TRAFFIC)
        counts[key] = counts.get(key, 0) + 1
    shown = {**totals, "peak_slot": peaks}
    bound = {"channel": [k[0] for k in counts], "binding": [k[1] for k in counts],
             "slots": np.array(list(counts.values()), np.int64)}
    return shown, bound


def print_plan_summary(plan: Mapping[str, Sequence], totals: Mapping[str, Any], slot_s: float) -> None:
    """Per channel: totals, the peak slot and which targets bound the slots' agents."""
    shown, bound = plan_summary(plan, totals)
    print(f"Plan per channel ({len(plan['channel'])} slots of {slot_s:g}s in all; agent hours = "
          "agents x slot length):")
    print(format_columns(shown))
    print()
    print("Which target set the agents (the targets that fail with one agent fewer), slots:")
    print(format_columns(bound))


def plan_from_columns(forecast: ForecastColumns, targets: Mapping[str, ChannelTargets],
                      forecast_path: Path, targets_path: Path) -> dict[str, Any]:
    """The plan's columns (with ``media_type`` second when the forecast has one); a channel
    without targets or a slot beyond the limits is an InputError naming both files."""
    cols = forecast.columns
    try:
        plan = plan_columns(cols["channel"], cols["slot_start"], cols["volume"], cols["aht_s"], targets,
                            forecast.slot_s)
    except ValueError as exc:  # a channel without targets, or a slot beyond the stated limits
        raise InputError(f"{forecast_path} with {targets_path}: {exc}") from None
    if "media_type" in cols:
        media = dict(zip(cols["channel"], cols["media_type"]))
        plan = {"channel": plan["channel"], "media_type": [media[c] for c in plan["channel"]],
                **{k: v for k, v in plan.items() if k != "channel"}}
    return plan


def run_plan(args: argparse.Namespace, forecast: ForecastColumns, targets: Mapping[str, ChannelTargets],
             targets_path: Path) -> int:
    """``staffsim plan`` without pandas (see the module doc), after the checks and reading that
    ``_cmd_plan`` does; no workbook here."""
    plan = plan_from_columns(forecast, targets, args.forecast, targets_path)
    if args.out:
        with output_batch():
            write_columns(args.out, plan, csv_dialect=args.csv_dialect)
    if args.format == "csv":
        sys.stdout.write(columns_to_csv(plan, args.csv_dialect))
    elif args.format == "json":
        sys.stdout.write(dumps({"forecast": str(args.forecast), "slot_s": forecast.slot_s, "tz": forecast.tz,
                                "version": __version__, "plan": columns_to_records(plan)}))
    else:
        totals = plan_totals(plan["channel"], plan["volume"], plan["agents"], plan["scheduled"],
                             forecast.slot_s)
        if args.out:  # week: the file holds the rows; the terminal gets the summary
            print_plan_summary(plan, totals, forecast.slot_s)
            print(f"\nplan written to {args.out} ({len(plan['channel'])} rows: one per channel and slot)")
            return 0
        print(format_columns(plan))
        print()
        print("Totals per channel (agent hours = agents x slot length):")
        print(format_columns(totals))
    return 0
