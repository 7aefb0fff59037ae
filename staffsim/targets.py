"""Targets beside the figures they judge, and when figures may be pooled over channels.

A service level is "answered within *this channel's* threshold"; pooling channels with different
thresholds (voice 20 s, email 24 h) gives a number that meets no one's definition. So the
whole-center (``all``) service level and ASA are shown as such only when every channel shares one
threshold; otherwise they are labelled as a mix and the headline speaks per channel.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from staffsim.units import format_duration

#: the label of the whole-center row when its service level mixes different thresholds
MIX_LABEL = "all (mix)"


def shared_threshold(scenario: Any) -> bool:
    """True when every channel has the same service-level threshold (pooling is meaningful)."""
    return len({c.target.threshold for c in scenario.spec.channels.values()}) == 1


def target_text(target: Any) -> str:
    """A channel's target as people write it: ``80% in 20s``, ``, ASA ≤ 30s``, ``, abandon ≤ 5%``."""
    text = f"{target.service_level:.0%} in {format_duration(target.threshold)}"
    if target.asa is not None:
        text += f", ASA ≤ {format_duration(target.asa)}"
    if target.max_abandon is not None:
        text += f", abandon ≤ {target.max_abandon:.0%}"
    return text


def misses(target: Any, row: Any) -> list[str]:
    """The targets a channel's whole-horizon means miss (service level, ASA, abandonment)."""
    out = []
    if row["service_level"] < target.service_level:
        out.append("service level")
    if target.asa is not None and not row["asa_s"] <= target.asa:
        out.append("ASA")
    if target.max_abandon is not None and row["abandon_rate"] > target.max_abandon:
        out.append("abandonment")
    return out


def verdict(target: Any, row: Any) -> str:
    """``met`` or ``missed: service level, ASA`` for a channel's whole-horizon means (``-`` when
    the channel offered nothing)."""
    if not math.isfinite(row["service_level"]):
        return "-"
    missed = misses(target, row)
    return "met" if not missed else "missed: " + ", ".join(missed)


def target_columns(scenario: Any, summary: pd.DataFrame) -> pd.DataFrame:
    """``target`` and ``target_met`` for each row of a summary table (per channel, and ``all``:
    the shared target when every channel has the same one, else ``mix``)."""
    targets, marks = [], []
    shared = shared_threshold(scenario)
    for _, row in summary.iterrows():
        channel = row["channel"]
        if channel in scenario.spec.channels:
            target = scenario.spec.channels[channel].target
            targets.append(target_text(target))
            marks.append(verdict(target, row) if row.get("segment", "all") == "all" else "-")
        elif shared:
            first = next(iter(scenario.spec.channels.values())).target
            same = len({target_text(c.target) for c in scenario.spec.channels.values()}) == 1
            targets.append(target_text(first) if same else f"- in {format_duration(first.threshold)}")
            marks.append(verdict(first, row) if same else "-")
        else:
            targets.append("mix: see channels")
            marks.append("-")
    return pd.DataFrame({"target": targets, "target_met": marks}, index=summary.index)


def label_all_rows(scenario: Any, channels: pd.Series) -> pd.Series:
    """The channel column with ``all`` relabelled ``all (mix)`` when thresholds differ."""
    if shared_threshold(scenario):
        return channels
    return channels.where(channels != "all", MIX_LABEL)


def comparison_mixes_thresholds(comparison: Any) -> bool:
    """True when a comparison's whole-center rows pool channels with different thresholds (in
    the baseline or any variant): its ``all`` service level and ASA are then a mix."""
    return any(not shared_threshold(r.scenario) for r in comparison.results.values())
