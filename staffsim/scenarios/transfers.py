"""Transfers, conferences and wrap-up under load (issue 20, item 6): the scenario fields and their
cross-checks. Every field is off by default, and off reproduces earlier numbers bit for bit.

Per channel:

- ``transfer: {share, to, handle_time, handoff, position}``: after the first agent's talk, a
  drawn share of the contacts moves to channel ``to``'s queue (a skill is a channel here) and is
  served there again; the first agent is freed after ``handoff``;
- ``conference: {share, group, time}``: after the first agent's talk, a drawn share of the
  contacts needs an agent of team ``group`` (supervisors) to join for a drawn time while the
  first agent stays; with no supervisor free the first agent holds;
- ``after_work_under_load: {queue_at_least, factor}``: the wrap-up (``after_work``) is
  ``factor`` times its draw when it starts while at least ``queue_at_least`` contacts of the
  agent's skills wait.

The engine side is :mod:`staffsim.engine.transfers`; the KPIs :mod:`staffsim.transfer_kpis`.
This module sits beside :mod:`staffsim.scenarios.schema`, which imports it (never the other
way round); ``TransferSpec`` and ``ConferenceSpec`` hold distributions, so they live in the
schema beside ``ChannelSpec``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AfterWorkLoadSpec(_Spec):
    """``after_work_under_load``: the wrap-up is ``factor`` × its draw when, as it starts (the
    conversation just over), at least ``queue_at_least`` contacts of the agent's skills are
    waiting in their lines (``factor`` 0: no wrap-up then; 1: today's wrap-up)."""

    queue_at_least: int = Field(ge=1, le=1_000_000, description="contacts waiting (the agent's skills) "
                                "that make the wrap-up short")
    factor: float = Field(ge=0, le=1, description="the wrap-up's share kept under load (0 to 1)")


def check_transfers(spec) -> None:
    """Cross-field checks of ``transfer``, ``conference`` and ``after_work_under_load``
    (``spec`` a ScenarioSpec); raises ValueError naming the field."""
    names = list(spec.channels)
    groups = [g.group for g in spec.agents]
    resolution = any(c.resolution is not None for c in spec.channels.values())
    lines = set(spec.lines.channels) if spec.lines is not None else set()
    for name, ch in spec.channels.items():
        if ch.after_work_under_load is not None and ch.after_work is None:
            raise ValueError(f"channels.{name}.after_work_under_load: the channel has no after_work "
                             "to shorten (give after_work: <distribution>)")
        for field in ("transfer", "conference"):
            part = getattr(ch, field)
            if part is None:
                continue
            here = f"channels.{name}.{field}"
            if ch.appointment:
                raise ValueError(f"{here}: goes with live channels, not appointments")
            if ch.concurrency != 1:
                raise ValueError(f"{here}: goes with channels of concurrency 1 (got {ch.concurrency})")
            if resolution:
                raise ValueError(f"{here}: not modelled together with first-contact resolution "
                                 "(repeat contacts) yet")
            if name in lines:
                raise ValueError(f"{here}: not modelled together with center lines on the channel yet "
                                 "(a transferred call would have to keep its line)")
        t = ch.transfer
        if t is not None:
            if t.to not in spec.channels:
                raise ValueError(f"channels.{name}.transfer.to: {t.to!r} is not a channel "
                                 f"(channels: {', '.join(names)})")
            if t.to == name:
                raise ValueError(f"channels.{name}.transfer.to: a contact cannot be transferred to its "
                                 "own channel")
            if spec.channels[t.to].appointment:
                raise ValueError(f"channels.{name}.transfer.to: {t.to!r} is an appointment channel; "
                                 "transfers go to live channels")
            delayed = [g.group for g in spec.agents if g.overflow_after.get(t.to, 0.0) > 0]
            if t.position == "front" and delayed:
                raise ValueError(f"channels.{name}.transfer.position: front is not modelled together with "
                                 f"an overflow delay on {t.to!r} yet (team {delayed[0]!r}); use back")
        c = ch.conference
        if c is not None and c.group not in groups:
            raise ValueError(f"channels.{name}.conference.group: {c.group!r} is not a team "
                             f"(agents' groups: {', '.join(groups)})")
