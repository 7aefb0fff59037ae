"""The Erlang plan's view of transfers and conferences (issue 20, item 6).

The plan beside a run is Erlang per channel and slot on the contacts offered to agents. With
``transfer`` or ``conference`` on a channel its agents do more per contact and another channel's
agents take the transferred contacts, so the plan's load moves accordingly, in the same slot
(the plan has no notion of the talk time that separates the two legs):

- the channel's AHT gains ``conference.share × mean conference time`` (its agent stays on the
  line; the hold for a supervisor is not in the plan) and ``transfer.share × handoff``;
- the target channel's volume gains ``transfer.share ×`` the channel's volume offered to agents
  (an upper bound: abandoned contacts are never transferred), and its AHT becomes the
  volume-weighted mix of its own AHT and the second leg's (its handle time, plus the target's
  after-contact work when it has any).

The supervisors' conference time is not planned (it belongs to no channel of theirs). Without
transfers and conferences the plan is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def add_transfer_load(scenario, forecast: pd.DataFrame) -> pd.DataFrame:
    """``forecast`` (columns channel, slot_start, volume, aht_s: the plan's input) with the
    load of transfers and conferences moved as the module doc says; the same frame when the
    scenario has neither."""
    chans = scenario.spec.channels
    moving = {n: ch for n, ch in chans.items() if ch.transfer is not None or ch.conference is not None}
    if not moving:
        return forecast
    out = forecast.copy()
    volume = {n: forecast.loc[forecast["channel"] == n, "volume"].to_numpy(float) for n in moving}
    for name, ch in moving.items():  # the first agent's extra time per contact
        extra = 0.0
        if ch.conference is not None:
            extra += ch.conference.share * ch.conference.time.to_distribution().mean
        if ch.transfer is not None:
            extra += ch.transfer.share * ch.transfer.handoff
        rows = out["channel"] == name
        out.loc[rows, "aht_s"] = out.loc[rows, "aht_s"].to_numpy(float) + extra
    for name, ch in moving.items():  # the second legs, from the volumes before any was added
        t = ch.transfer
        if t is None:
            continue
        target = chans[t.to]
        leg = (t.handle_time or target.handle_time).to_distribution().mean
        if target.after_work is not None:
            leg += target.after_work.to_distribution().mean
        rows = out["channel"] == t.to
        own, aht = out.loc[rows, "volume"].to_numpy(float), out.loc[rows, "aht_s"].to_numpy(float)
        add = t.share * volume[name]
        total = own + add
        with np.errstate(invalid="ignore", divide="ignore"):
            out.loc[rows, "aht_s"] = np.where(total > 0, (own * aht + add * leg) / np.where(total > 0, total, 1.0), aht)
        out.loc[rows, "volume"] = total
    return out


def check_transfers_stay(scenario, group: str, skills: list[str]) -> None:
    """Refuse a split of the scenario into one team's part (the simulated requirement) that the
    engine would not reproduce: a transfer from one team's channel to another team's channel, or
    a conference with another team, links the two teams, so neither can be simulated alone.
    Raises :class:`~staffsim.errors.InputError` naming the field."""
    from staffsim.errors import InputError

    owner = {c: g.group for g in scenario.spec.agents for c in g.skills}
    where = scenario.source or scenario.name
    for name, ch in scenario.spec.channels.items():
        t, c = ch.transfer, ch.conference
        if t is not None and t.share > 0 and (name in skills) != (t.to in skills):
            raise InputError(
                f"{where}: channels.{name}.transfer: contacts of {name!r} (team {owner.get(name)!r}) move to "
                f"{t.to!r} (team {owner.get(t.to)!r}), which links the two teams; the simulated requirement "
                "searches each team on its own and cannot split them: serve both channels with one team, "
                "or use --method erlang (its plan carries the transferred load)")
        if c is not None and c.share > 0 and name in skills and c.group != group:
            raise InputError(
                f"{where}: channels.{name}.conference: team {group!r} asks team {c.group!r} to join, which "
                "links the two teams; the simulated requirement searches each team on its own and cannot "
                "split them: use --method erlang")
