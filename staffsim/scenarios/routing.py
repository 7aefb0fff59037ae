"""Routing as contact centers do it (issue 20): the scenario fields and their cross-checks.

Every field here is off by default, and off reproduces earlier numbers bit for bit.

- per team (``agents[i]``): ``queue_order`` (which waiting contact a freed agent takes) and
  ``priority_step`` (for ``weighted``);
- per channel: ``agent_choice`` (which free agent takes an arriving contact);
- per channel's ``retrial``: ``keep_patience``, ``max_attempts: unlimited``, ``when_closed`` and
  ``draws`` (:class:`RetrialOptions`);
- per channel's ``volume_uncertainty``: ``shared`` (one day factor for several channels);
- at center level: ``lines`` (a trunk limit shared by channels).

The engine side is :mod:`staffsim.engine.policies`. This module sits beside
:mod:`staffsim.scenarios.schema`, which imports it (never the other way round).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

QUEUE_ORDERS = ("priority", "oldest", "weighted")
AGENT_CHOICES = ("longest_idle", "random_free", "least_occupied")
QueueOrder = Literal["priority", "oldest", "weighted"]
AgentChoice = Literal["longest_idle", "random_free", "least_occupied"]
# redials of ``max_attempts: unlimited``: a stated bound, not infinity (a caller who redials
# forever would keep a replication running forever)
UNLIMITED_ATTEMPTS = 1000
# with ``draws: upfront`` every possible attempt's patience and retrial values are drawn when the
# day starts: beyond this many attempts that is refused (it is slow, and 100,000 attempts took
# gigabytes); ``draws: as_needed`` draws only the attempts that happen
MAX_UPFRONT_ATTEMPTS = 100


class LinesSpec(BaseModel):
    """A trunk limit: ``count`` lines shared by ``channels``. A contact of these channels that
    finds every line held is blocked (busy signal); contacts waiting or in service hold a line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=1, le=1_000_000, description="telephone lines (trunks)")
    channels: list[str] = Field(min_length=1, description="channels whose contacts take a line")


def check_routing(spec) -> None:
    """Cross-field checks of the routing fields (``spec`` a ScenarioSpec); raises ValueError
    naming the field."""
    names = list(spec.channels)
    for i, g in enumerate(spec.agents):
        if g.queue_order == "weighted" and g.priority_step is None:
            raise ValueError(f"agents.{i}.priority_step: queue_order weighted needs priority_step "
                             "(how much longer a contact of the next skill down must have waited "
                             "to be taken first, e.g. 60s)")
        if g.priority_step is not None and g.queue_order != "weighted":
            raise ValueError(f"agents.{i}.priority_step: goes with queue_order: weighted")
    for i, g in enumerate(spec.agents):
        if g.blend is None:
            continue
        where_ = f"agents.{i}.blend"
        if len(g.blend) < 2 or len(set(g.blend)) != len(g.blend):
            raise ValueError(f"{where_}: give two or more different channels to blend")
        for c in g.blend:
            if c not in g.skills:
                raise ValueError(f"{where_}: {c!r} is not one of the team's skills ({', '.join(g.skills)})")
        chans = [spec.channels[c] for c in g.blend]
        if len({ch.concurrency for ch in chans}) != 1 or chans[0].concurrency < 2:
            raise ValueError(f"{where_}: blended channels share one concurrency: give them the same "
                             f"concurrency, 2 or more (got {', '.join(str(ch.concurrency) for ch in chans)})")
    for name, ch in spec.channels.items():
        if ch.after_work is None:
            continue
        if ch.appointment:
            raise ValueError(f"channels.{name}.after_work: an appointment's length includes its wrap-up; "
                             "after_work goes with live channels")
    lines = spec.lines
    if lines is not None:
        for c in lines.channels:
            if c not in spec.channels:
                raise ValueError(f"lines.channels: {c!r} is not a channel (channels: {', '.join(names)})")
            if spec.channels[c].appointment:
                raise ValueError(f"lines.channels: {c!r} is an appointment channel: its customers are "
                                 "booked and expected at their time, never turned away by a busy signal, "
                                 "so a line limit has no meaning for them (list live channels)")
        if len(set(lines.channels)) != len(lines.channels):
            raise ValueError("lines.channels: lists a channel twice")
    groups: dict[str, tuple[str, object]] = {}
    for name, ch in spec.channels.items():
        vu = ch.volume_uncertainty
        if vu is None or vu.shared is False:
            continue
        key = "shared" if vu.shared is True else str(vu.shared)
        if key in groups and (groups[key][1].cv, groups[key][1].per) != (vu.cv, vu.per):
            raise ValueError(f"channels.{name}.volume_uncertainty: shares the day factor "
                             f"{key!r} with {groups[key][0]!r} but gives another cv or per "
                             "(one factor: give them the same)")
        groups.setdefault(key, (name, vu))
    for name, ch in spec.channels.items():
        r = ch.retrial
        if r is None:
            continue
        lazy = r.keep_patience or r.max_attempts == "unlimited" or r.when_closed == "at_opening"
        if lazy and r.draws == "upfront":
            raise ValueError(f"channels.{name}.retrial.draws: keep_patience, unlimited attempts and "
                             "redials at opening draw as needed (leave draws out)")
        if not r.lazy and r.attempts > MAX_UPFRONT_ATTEMPTS:
            raise ValueError(f"channels.{name}.retrial.max_attempts: {r.max_attempts:,} attempts drawn "
                             f"up front is beyond {MAX_UPFRONT_ATTEMPTS}; give draws: as_needed (only "
                             "the attempts that happen are drawn) or max_attempts: unlimited")
