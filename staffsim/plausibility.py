"""Warnings on values that are legal but almost certainly a unit mistake.

A slot of 30 seconds (``--slot 30`` read as seconds, meant as minutes) gives 600 Erlangs; an
``aht_s`` column holding minutes plans one agent. Such values are valid, so they are not refused;
each is reported once as a :class:`PlausibilityWarning` (a ``UserWarning``) naming the file and
field. The command line prints them as ``staffsim: warning: ...`` and ``--quiet`` silences them;
in Python they are ordinary warnings (``warnings.simplefilter("ignore", PlausibilityWarning)``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

#: below these, a duration is probably in the wrong unit
MIN_SLOT_S = 60.0
MIN_AHT_S = 10.0
MAX_AHT_S = 4 * 3600.0
#: customers this impatient are on a voice-like queue, whose thresholds are seconds
VOICE_PATIENCE_S = 900.0


class PlausibilityWarning(UserWarning):
    """A legal value that is almost certainly a unit mistake."""


def _warn(message: str) -> None:
    warnings.warn(message, PlausibilityWarning, stacklevel=3)


def check_slot(slot_s: float, where: str) -> None:
    if 0 < slot_s < MIN_SLOT_S:
        _warn(f"{where}: a slot of {slot_s:g} s is unusually short (slots are usually 15 or 30 "
              f"minutes; a bare number is read as seconds: write 30min)")


def check_aht(aht_s: float, where: str) -> None:
    if not math.isfinite(aht_s) or aht_s <= 0:
        return
    if aht_s < MIN_AHT_S:
        _warn(f"{where}: an average handle time of {aht_s:g} s is unusually short (a bare number "
              f"is read as seconds: write {aht_s:g}min if minutes were meant)")
    elif aht_s > MAX_AHT_S:
        _warn(f"{where}: an average handle time of {aht_s / 3600:.3g} h is unusually long")


def check_scenario(scenario: Any) -> None:
    """Warn about a scenario's implausible slot, handle times and live thresholds."""
    import numpy as np

    spec = scenario.spec
    label = scenario.source or "scenario"
    check_slot(spec.horizon.slot, f"{label}: horizon.slot")
    for name, ch in spec.channels.items():
        if ch.handle_time is not None and ch.handle_time.mean is not None:
            check_aht(ch.handle_time.mean, f"{label}: channels.{name}.handle_time")
        aht = scenario.aht.get(name) if getattr(scenario, "aht", None) else None
        if aht is not None and np.size(aht):
            finite = np.asarray(aht, float)
            finite = finite[np.isfinite(finite) & (finite > 0)]
            if finite.size:
                check_aht(float(np.median(finite)), f"{label}: channels.{name}: the forecast's AHT (median)")
        patience = ch.patience.mean if ch.patience is not None else None
        if (patience is not None and patience <= VOICE_PATIENCE_S
                and ch.target.threshold > spec.horizon.slot):
            _warn(f"{label}: channels.{name}.target.threshold of {ch.target.threshold:g} s is longer "
                  f"than the {spec.horizon.slot:g} s slot on a channel whose customers hang up "
                  f"within minutes (mean patience {patience:g} s); a voice threshold is usually "
                  "seconds (20s)")


def check_forecast(table: Any, slot_s: float, source: str) -> None:
    """Warn about a forecast's implausible slot and AHT (per channel, the median AHT).
    ``table``: a DataFrame or a mapping of columns with ``channel`` and ``aht_s``."""
    import numpy as np

    check_slot(slot_s, f"{source}: the slot")
    rows: dict[Any, list[int]] = {}
    for i, c in enumerate(table["channel"]):
        rows.setdefault(c, []).append(i)
    aht_all = np.asarray(table["aht_s"], float)
    for channel, index in rows.items():
        aht = aht_all[index]
        aht = aht[np.isfinite(aht) & (aht > 0)]
        if aht.size:
            check_aht(float(np.median(aht)), f"{source}: channel {channel}: aht_s (median)")
