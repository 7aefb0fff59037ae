"""Events: windows in which a channel's arrival rate or handle times change, or the channel or
its self-service is unavailable (``events:`` in a scenario).

Semantics (the README's "Events"):

- ``volume_factor`` f multiplies the Poisson arrival rate inside the window. A slot the window
  covers in part has a rate that steps within the slot: its count is Poisson with the slot's
  volume × the time-average factor, and its arrival times follow the stepped rate.
- ``handle_time_factor`` g multiplies the handle time of contacts whose first attempt arrives in
  the window (a handle time belongs to the contact, as with interval AHT).
- ``unavailable``: the channel takes no contacts in the window. Contacts arriving then (first
  attempts, retries and self-service returns) are lost: they are not offered, and are counted
  in the ``unavailable`` column of the slot they arrived in. They do not retry and do not go to
  another channel; to model customers who switch, give that channel a ``volume_factor``.
- ``self_service_unavailable``: self-service contains nobody in the window; every contact
  arriving then reaches the agents, at the channel's base handle time (the
  ``handle_time_uplift`` describes the harder mix left after containment, so it does not apply).

Several events on the same channel and instant combine: factors multiply, unavailability is
"any".
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np


@dataclass(frozen=True)
class Piece:
    """A stretch [start, end) of one slot with constant event effects."""

    start: float
    end: float
    volume_factor: float = 1.0
    handle_factor: float = 1.0
    unavailable: bool = False
    self_service_down: bool = False


def touched(windows: list, lo: float, hi: float) -> bool:
    """Whether any window overlaps [lo, hi)."""
    return any(a < hi and b > lo for a, b, _ in windows)


def pieces(windows: list, lo: float, hi: float) -> list[Piece]:
    """The slot [lo, hi) cut at the window edges, each piece with its combined effects."""
    cuts = sorted({lo, hi} | {t for a, b, _ in windows for t in (a, b) if lo < t < hi})
    out = []
    for a, b in pairwise(cuts):
        vf, hf, unav, ssd = 1.0, 1.0, False, False
        for wa, wb, eff in windows:
            if wa <= a and b <= wb:
                vf *= eff.volume_factor
                hf *= eff.handle_time_factor
                unav = unav or eff.unavailable
                ssd = ssd or eff.self_service_unavailable
        out.append(Piece(a, b, vf, hf, unav, ssd))
    return out


def mean_volume_factor(parts: list[Piece]) -> float:
    """The time-average of the volume factor over the slot."""
    total = sum(p.end - p.start for p in parts)
    return sum((p.end - p.start) * p.volume_factor for p in parts) / total


def place(parts: list[Piece], u: np.ndarray) -> np.ndarray:
    """Arrival times for sorted uniforms ``u`` in [0, 1): the inverse of the stepped rate's
    cumulative distribution over the slot (pieces with factor 0 get no arrivals)."""
    weight = np.array([(p.end - p.start) * p.volume_factor for p in parts])
    cum = np.concatenate([[0.0], np.cumsum(weight)]) / weight.sum()
    j = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, len(parts) - 1)
    while True:  # a uniform on the edge of an empty piece belongs to the next non-empty one
        empty = weight[j] == 0
        if not empty.any():
            break
        j = np.where(empty, j + 1, j)
    starts = np.array([p.start for p in parts])
    lengths = np.array([p.end - p.start for p in parts])
    frac = (u - cum[j]) / (cum[j + 1] - cum[j])
    return starts[j] + np.clip(frac, 0.0, 1.0) * lengths[j]


def effects_at(parts: list[Piece], times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per time: (handle factor, unavailable, self-service down) of the piece it falls in."""
    ends = np.array([p.end for p in parts])
    j = np.minimum(np.searchsorted(ends, times, side="right"), len(parts) - 1)
    hf = np.array([p.handle_factor for p in parts])[j]
    unav = np.array([p.unavailable for p in parts])[j]
    ssd = np.array([p.self_service_down for p in parts])[j]
    return hf, unav, ssd


def in_windows(windows: list, t: float, flag: str) -> bool:
    """Whether time ``t`` falls in a window whose effect has ``flag`` set."""
    return any(a <= t < b and getattr(eff, flag) for a, b, eff in windows)


def plan_load(volume: float, mean_handle: float, deflection: float, failure: float, uplift: float,
              parts: list[Piece]) -> tuple[float, float]:
    """Expected (contacts offered to agents, their mean handle time) of one slot with events, for
    the Erlang plan: arrivals follow the stepped rate; unavailable pieces offer nothing;
    self-service-down pieces contain nobody and take the base handle time."""
    total = sum(p.end - p.start for p in parts)
    offered, work = 0.0, 0.0
    for p in parts:
        if p.unavailable:
            continue
        arrivals = volume * (p.end - p.start) / total * p.volume_factor
        keep = 1.0 if p.self_service_down else 1.0 - deflection * (1.0 - failure)
        up = 1.0 if p.self_service_down else uplift
        offered += arrivals * keep
        work += arrivals * keep * mean_handle * p.handle_factor * up
    return offered, (work / offered if offered > 0 else mean_handle * uplift)
