r"""Per-slot staffing plans from a forecast, by Erlang C (no abandonment) or Erlang A (patience).

For each channel and slot, with volume :math:`V` contacts in a slot of :math:`L` seconds and
handle time AHT: arrival rate :math:`\lambda = V/L`, traffic :math:`A = \lambda\cdot\text{AHT}`
Erlangs. The plan is the smallest number of agents on the phones (``agents``, net of shrinkage)
that meets every target of the channel at the same time:

- service level (answered within ``threshold_s`` / offered) >= ``service_level``;
- ASA <= ``asa_s`` (if given);
- P(abandon) <= ``max_abandon`` (if given; needs ``patience_s``);
- occupancy <= ``max_occupancy``.

Without ``patience_s`` the slot is an M/M/n queue (Erlang C); with it an M/M/n+M queue
(Erlang A) with exponential patience of that mean. Each slot is treated as stationary and
independent of the others: this is the assumption the simulator exists to check.

Scheduled (paid) agents are the net agents grossed up for shrinkage (breaks, meetings, training,
absence): :math:`\lceil \text{agents} / (1 - \text{shrinkage}) \rceil`, with a relative tolerance of
1e-9 so that 14 agents at 30% shrinkage give 20, not 21 from floating-point rounding.

Chat concurrency: an agent holding up to :math:`k` chats at once is modelled as :math:`k`
servers, so :math:`n` agents are :math:`n k` servers. With ``concurrency_stretch`` = s, each chat
lasts :math:`s \cdot \text{AHT}` (agents work more slowly while juggling :math:`k` chats; give the
AHT measured with one chat at a time). With s = 1 this is exactly "k chats at once with no
slowdown = Erlang with n·k servers". This is conservative: it applies the full slowdown even
when an agent holds fewer than k chats. ``traffic`` is then in chat-server Erlangs
(:math:`\lambda s\,\text{AHT}`) and ``occupancy`` is the share of the :math:`nk` chat slots in use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a frame is made (``staffsim erlang`` needs none)
    import pandas as pd

from staffsim.limits import MAX_CONCURRENCY, MAX_CONCURRENCY_STRETCH, MAX_TRAFFIC
from staffsim.models import erlang, erlang_a

__all__ = ["ChannelTargets", "plan_columns", "plan_staffing", "staffing_metrics", "staffing_figures", "slot_agents",
           "scheduled_agents", "PLAN_COLUMNS"]

PLAN_COLUMNS = [
    "channel",
    "slot_start",
    "volume",
    "aht_s",
    "traffic",
    "agents",
    "scheduled",
    "service_level",
    "asa_s",
    "p_abandon",
    "occupancy",
    "binding",
]

#: the targets a plan can be bound by, in the order ``binding`` lists them
BINDING_TARGETS = ("service_level", "asa", "abandon", "occupancy")


@dataclass(frozen=True)
class ChannelTargets:
    """Service targets and staffing parameters of one channel (times in seconds)."""

    service_level: float
    threshold_s: float
    asa_s: float | None = None
    patience_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float = 1.0
    shrinkage: float = 0.0
    concurrency: int = 1
    concurrency_stretch: float = 1.0

    def __post_init__(self) -> None:
        def bad(field: str, allowed: str, value: object) -> None:
            raise ValueError(f"{field}: must be {allowed}, got {value!r}")

        if not 0 < self.service_level < 1:
            bad("service_level", "between 0 and 1 (exclusive)", self.service_level)
        if not self.threshold_s >= 0:
            bad("threshold", "a duration >= 0", self.threshold_s)
        if self.asa_s is not None and not self.asa_s > 0:
            bad("asa", "a duration > 0", self.asa_s)
        if self.patience_s is not None and not self.patience_s > 0:
            bad("patience", "a duration > 0", self.patience_s)
        if self.max_abandon is not None:
            if not 0 < self.max_abandon < 1:
                bad("max_abandon", "between 0 and 1 (exclusive)", self.max_abandon)
            if self.patience_s is None:
                raise ValueError("max_abandon: needs patience (the mean time callers wait)")
        if not 0 < self.max_occupancy <= 1:
            bad("max_occupancy", "in (0, 1]", self.max_occupancy)
        if not 0 <= self.shrinkage < 1:
            bad("shrinkage", "in [0, 1)", self.shrinkage)
        if isinstance(self.concurrency, bool) or self.concurrency != int(self.concurrency) or not (
            1 <= self.concurrency <= MAX_CONCURRENCY
        ):
            bad("concurrency", f"a whole number from 1 to {MAX_CONCURRENCY}", self.concurrency)
        if not 1 <= self.concurrency_stretch <= MAX_CONCURRENCY_STRETCH:
            bad("concurrency_stretch", f"a number from 1 to {MAX_CONCURRENCY_STRETCH:g}",
                self.concurrency_stretch)


def scheduled_agents(agents: np.ndarray, shrinkage: float) -> np.ndarray:
    """Gross headcount: the least whole m with m (1 - shrinkage) >= agents.

    Computed as ⌈agents / (1 - shrinkage)⌉, then one less where that one less already covers
    the agents to within 1e-15 relative (a few ulps: 7 / 0.7 is 10.000000000000002 in floating
    point, and 10 agents at 30% shrinkage give 7). The tolerance is on the product, not a
    relative 1e-9 on the quotient, which at 10^9 agents took a whole agent off."""
    a = np.asarray(agents, float)
    keep = 1.0 - shrinkage
    m = np.ceil(a / keep)
    less = np.maximum(m - 1.0, 0.0)
    m = np.where((m > 0) & (less * keep >= a * (1.0 - 1e-15)), less, m)
    return m.astype(np.int64)


def plan_staffing(
    forecast: pd.DataFrame, targets: Mapping[str, ChannelTargets], slot: float
) -> pd.DataFrame:
    """Staffing plan per channel and slot.

    ``forecast``: columns ``channel, slot_start, volume, aht_s`` (volume in contacts per slot,
    AHT in seconds; AHT may be NaN where the volume is 0). ``targets``: channel name →
    :class:`ChannelTargets`. ``slot``: slot length in seconds.

    Returns a DataFrame with :data:`PLAN_COLUMNS`: ``agents`` is net (on the phones),
    ``scheduled`` gross of shrinkage; ``service_level``, ``asa_s`` (mean wait of answered
    contacts), ``p_abandon`` (0 without patience) and ``occupancy`` are what ``agents`` deliver
    by the model.
    """
    import pandas as pd

    _check_slot(slot)
    missing = [c for c in ("channel", "slot_start", "volume", "aht_s") if c not in forecast]
    if missing:
        raise ValueError(f"forecast: missing column(s) {', '.join(missing)}")
    parts = []
    for channel, rows in forecast.groupby("channel", sort=False):
        if channel not in targets:
            known = ", ".join(sorted(targets)) or "none"
            raise ValueError(f"no targets for channel {channel!r} (targets given for: {known})")
        parts.append(_plan_channel(rows, targets[channel], float(slot)))
    if not parts:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    return pd.concat(parts, ignore_index=True)[PLAN_COLUMNS]


def plan_columns(channels: Sequence[str], slot_starts: Sequence, volume, aht_s,
                 targets: Mapping[str, ChannelTargets], slot: float) -> dict[str, Any]:
    """:func:`plan_staffing`'s table as plain columns, without pandas (``staffsim plan``).

    ``channels``, ``slot_starts``, ``volume`` and ``aht_s`` are the forecast's columns, one item
    per slot. Returns :data:`PLAN_COLUMNS` in order: ``channel`` and ``slot_start`` as lists,
    the others as numpy arrays (``binding`` of text); rows grouped by channel in the order the
    channels first appear, as :func:`plan_staffing` groups them. The same computation and
    messages as :func:`plan_staffing`.
    """
    _check_slot(slot)
    channels, starts = list(channels), list(slot_starts)
    volume, aht_s = np.asarray(volume, float), np.asarray(aht_s, float)
    out: dict[str, Any] = {"channel": [], "slot_start": []}
    parts = []
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(channels):
        groups.setdefault(c, []).append(i)
    for channel, rows in groups.items():
        if channel not in targets:
            known = ", ".join(sorted(targets)) or "none"
            raise ValueError(f"no targets for channel {channel!r} (targets given for: {known})")
        parts.append(_plan_columns(volume[rows], aht_s[rows], targets[channel], float(slot),
                                   channel=channel, slot_start=lambda i, rows=rows: starts[rows[i]]))
        out["channel"] += [channel] * len(rows)
        out["slot_start"] += [starts[i] for i in rows]
    for name in PLAN_COLUMNS[2:]:
        out[name] = np.concatenate([p[name] for p in parts]) if parts else np.zeros(0)
    return out


def _check_slot(slot) -> None:
    if not (isinstance(slot, (int, float)) and math.isfinite(slot) and slot > 0):
        raise ValueError(f"slot: must be a duration > 0, got {slot!r}")


def slot_agents(volume: float, aht_s: float, slot_s: float, targets: ChannelTargets) -> int:
    """The agents :func:`plan_staffing` plans for a forecast of one slot (channel ``"slot"``):
    the same computation and checks, without pandas (``staffsim erlang --target``)."""
    _check_slot(slot_s)
    columns = _plan_columns(np.array([volume], float), np.array([aht_s], float), targets,
                            float(slot_s), channel="slot", slot_start=lambda i: "-")
    return int(columns["agents"][0])


def _plan_channel(rows: pd.DataFrame, tg: ChannelTargets, slot: float) -> pd.DataFrame:
    import pandas as pd

    columns = _plan_columns(rows["volume"].to_numpy(float), rows["aht_s"].to_numpy(float), tg, slot,
                            channel=rows["channel"].iloc[0],
                            slot_start=lambda i: rows["slot_start"].iloc[i])
    return pd.DataFrame({"channel": rows["channel"].to_numpy(),
                         "slot_start": rows["slot_start"].to_numpy(), **columns})


def _plan_columns(volume: np.ndarray, aht: np.ndarray, tg: ChannelTargets, slot: float, *,
                  channel: object, slot_start: Callable[[int], object]) -> dict[str, np.ndarray]:
    """One channel's plan columns from ``volume`` on (see :data:`PLAN_COLUMNS`); ``channel`` and
    ``slot_start(i)`` name the channel and a slot in messages."""
    if np.any(~np.isfinite(volume) | (volume < 0)):
        raise ValueError(f"volume: must be a number >= 0 (channel {channel!r})")
    busy = volume > 0
    if np.any(busy & ~(np.isfinite(aht) & (aht > 0))):
        raise ValueError(f"aht_s: must be > 0 where volume > 0 (channel {channel!r})")
    k = int(tg.concurrency)
    service = np.where(busy, aht, 1.0) * tg.concurrency_stretch  # a placeholder AHT where idle
    with np.errstate(over="ignore"):
        traffic = np.where(busy, volume * service / slot, 0.0)
    if np.any(traffic > MAX_TRAFFIC):
        i = int(np.argmax(traffic > MAX_TRAFFIC))
        raise ValueError(
            f"channel {channel!r}, slot {slot_start(i)}: traffic "
            f"{traffic[i]:.3g} Erlangs (volume x AHT x stretch / slot length) is beyond staffsim's "
            f"limit of {MAX_TRAFFIC:.0e} Erlangs per slot")
    # a long horizon repeats the same (traffic, AHT) many times: solve each distinct slot once,
    # in blocks, so time and memory follow the distinct slots, not the horizon
    pairs, inverse = np.unique(np.stack([traffic, service]), axis=1, return_inverse=True)
    inverse = inverse.ravel()
    servers = np.concatenate([
        _required_servers(pairs[0, i:i + _BLOCK], pairs[1, i:i + _BLOCK], tg)
        for i in range(0, pairs.shape[1], _BLOCK)
    ] or [np.zeros(0, np.int64)])
    unique_agents = -(-np.asarray(servers, np.int64) // k)  # ceil(servers / k)
    agents = unique_agents[inverse]
    unique_figures = _figures(pairs[0], unique_agents * k, pairs[1], tg.threshold_s, tg.patience_s)
    figures = {key: np.asarray(v)[inverse] for key, v in unique_figures.items()}
    binding = _binding(pairs[0], unique_agents, k, pairs[1], tg)[inverse]
    return {
        "volume": volume,
        "aht_s": aht,
        "traffic": traffic,
        "agents": agents.astype(np.int64),
        "scheduled": scheduled_agents(agents, tg.shrinkage),
        "service_level": figures["service_level"],
        "asa_s": figures["asa_s"],
        "p_abandon": figures["p_abandon"],
        "occupancy": figures["occupancy"],
        "binding": binding,
    }


def _binding(traffic, agents, k: int, service, tg: ChannelTargets) -> np.ndarray:
    """Which targets set each slot's agents: those that fail with one agent fewer (by the same
    model), joined with "+"; "" where no agent is needed."""
    fewer = np.maximum(agents - 1, 0) * k
    f = _figures(traffic, fewer, service, tg.threshold_s, tg.patience_s)
    fails = {
        "service_level": f["service_level"] < tg.service_level,
        "asa": f["asa_s"] > tg.asa_s if tg.asa_s is not None else np.zeros(len(agents), bool),
        "abandon": (f["p_abandon"] > tg.max_abandon if tg.max_abandon is not None
                    else np.zeros(len(agents), bool)),
        "occupancy": f["occupancy"] > tg.max_occupancy,
    }
    code = np.zeros(len(agents), np.int64)  # bit k: BINDING_TARGETS[k] fails
    for bit, name in enumerate(BINDING_TARGETS):
        code |= np.asarray(fails[name], bool).astype(np.int64) << bit
    names = np.empty(1 << len(BINDING_TARGETS), dtype=object)
    for c in range(names.size):
        names[c] = "+".join(t for bit, t in enumerate(BINDING_TARGETS) if c >> bit & 1)
    out = names[code]
    out[np.asarray(agents) == 0] = ""
    return out


_BLOCK = 4096  # slots solved at once: bounds the analytic search's temporaries


def _required_servers(traffic: np.ndarray, service: np.ndarray, tg: ChannelTargets) -> np.ndarray:
    """Least servers meeting every target of ``tg`` for each (traffic, service time)."""
    if len(traffic) == 0:
        return np.zeros(0, np.int64)
    if tg.patience_s is None:
        return np.atleast_1d(erlang.required_agents(
            traffic, service, tg.threshold_s, tg.service_level, tg.max_occupancy, max_asa=tg.asa_s))
    return np.atleast_1d(erlang_a.required_agents(
        traffic, service, tg.patience_s, tg.threshold_s, tg.service_level, tg.max_abandon,
        tg.max_occupancy, max_asa=tg.asa_s))


def _figures(traffic, servers, service, threshold_s, patience_s) -> dict[str, np.ndarray]:
    """Model figures for given servers: Erlang C without patience, Erlang A with it."""
    servers = np.asarray(servers, float)
    if patience_s is None:
        c = erlang.metrics(traffic, servers, service, threshold_s)  # one Erlang B per slot
        p_wait = np.asarray(c.p_wait, float)
        wait = np.asarray(c.asa, float)
        sl = np.asarray(c.service_level, float)
        return {
            "service_level": sl,
            "service_level_answered": sl,
            "asa_s": wait,
            "mean_wait_s": wait,
            "p_wait": p_wait,
            "p_abandon": np.zeros(p_wait.shape),
            "occupancy": np.asarray(c.occupancy, float),
        }
    m = erlang_a.metrics(traffic, servers, service, patience_s, threshold_s)
    return {
        "service_level": np.asarray(m.service_level),
        "service_level_answered": np.asarray(m.service_level_answered),
        "asa_s": np.asarray(m.asa),
        "mean_wait_s": np.asarray(m.mean_wait),
        "p_wait": np.asarray(m.p_wait),
        "p_abandon": np.asarray(m.p_abandon),
        "occupancy": np.asarray(m.occupancy),
    }


def staffing_metrics(volume: float, aht_s: float, slot_s: float, agents, **options) -> pd.DataFrame:
    """What each agent count in ``agents`` delivers for one slot (the planner's what-if table).

    Takes the arguments of :func:`staffing_figures` (``threshold_s`` is required; ``patience_s``,
    ``concurrency``, ``concurrency_stretch``, ``shrinkage`` optional) and gives its columns as a
    DataFrame: ``agents, scheduled, traffic, service_level, service_level_answered, asa_s,
    mean_wait_s, p_wait, p_abandon, occupancy`` (model and units as in :func:`plan_staffing`).
    """
    import pandas as pd

    return pd.DataFrame(staffing_figures(volume, aht_s, slot_s, agents, **options))


def staffing_figures(
    volume: float,
    aht_s: float,
    slot_s: float,
    agents,
    *,
    threshold_s: float,
    patience_s: float | None = None,
    concurrency: int = 1,
    concurrency_stretch: float = 1.0,
    shrinkage: float = 0.0,
) -> dict[str, np.ndarray]:
    """What each agent count in ``agents`` delivers for one slot, as numpy arrays (name -> array,
    in order; :func:`staffing_metrics` makes them a DataFrame), without pandas. ``threshold_s``,
    ``patience_s`` (None: no abandonment, Erlang C), the chat ``concurrency`` and its
    ``concurrency_stretch``, and ``shrinkage`` are those of :class:`ChannelTargets`."""
    tg = ChannelTargets(
        service_level=0.5,  # unused here; checks the shared parameters
        threshold_s=threshold_s,
        patience_s=patience_s,
        shrinkage=shrinkage,
        concurrency=concurrency,
        concurrency_stretch=concurrency_stretch,
    )
    if not (math.isfinite(slot_s) and slot_s > 0):
        raise ValueError(f"slot: must be a duration > 0, got {slot_s!r}")
    if not (math.isfinite(volume) and volume >= 0):
        raise ValueError(f"volume: must be a number >= 0, got {volume!r}")
    if not (math.isfinite(aht_s) and aht_s > 0):
        raise ValueError(f"aht: must be a duration > 0, got {aht_s!r}")
    n = np.atleast_1d(np.asarray(agents, dtype=np.int64))
    service = aht_s * tg.concurrency_stretch
    traffic = volume * service / slot_s
    if not traffic <= MAX_TRAFFIC:
        raise ValueError(f"volume x aht / slot: {traffic:.3g} Erlangs is beyond staffsim's limit of "
                         f"{MAX_TRAFFIC:.0e} Erlangs per slot")
    figures = _figures(np.full(n.shape, traffic), n * tg.concurrency, service, threshold_s, patience_s)
    table = {"agents": n, "scheduled": scheduled_agents(n, shrinkage),
             "traffic": np.full(n.shape, float(traffic))}
    for key in ("service_level", "service_level_answered", "asa_s", "mean_wait_s", "p_wait",
                "p_abandon", "occupancy"):
        table[key] = figures[key]
    return table
