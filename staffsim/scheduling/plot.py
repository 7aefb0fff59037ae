"""The per-channel coverage of a roster planned from a requirement per channel, as a figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from staffsim.plots import _slot_axis, legend_beside


def plot_channel_coverage(channel_coverage: pd.DataFrame, worth: dict[str, dict[str, float]],
                          title: str = "Coverage per channel") -> Figure:
    """One panel per channel: each team's agents on it in agents of standard speed (stacked bars:
    its agents given × ``worth[channel][team]``, 1 / its handle-time factor) against the required
    agents (dashed); for a backlog channel the cumulative work done against the work due (agent-
    slots of standard speed), between the work due and the work arrived, since its cover is
    cumulative, not per slot."""
    channels = list(dict.fromkeys(channel_coverage["channel"]))
    fig = Figure(figsize=(12, 3.4 * max(1, len(channels)) + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(max(1, len(channels)), 1, squeeze=False).ravel())
    fig.suptitle(title, fontsize=13)
    teams = [c[len("from_"):] for c in channel_coverage.columns if c.startswith("from_")]
    colours = colormaps["tab10"]
    for ax, channel in zip(axes, channels):
        rows = channel_coverage[channel_coverage["channel"] == channel]
        x = np.arange(len(rows))
        if bool(rows["backlog"].iloc[0]):
            ax.step(x, rows["done"], where="post", color="#2ca02c", lw=2, label="work done (cumulative)")
            ax.step(x, rows["due"], where="post", color="#ff7f0e", ls="--", lw=2, label="work due (cumulative)")
            ax.step(x, rows["arrived"], where="post", color="#7f7f7f", ls=":", lw=2,
                    label="work arrived (cumulative)")
            ax.set_title(f"{channel}: backlog work, cumulative (standard agent-slots)")
            ax.set_ylabel("agent-slots")
        else:
            bottom = np.zeros(len(rows))
            for k, team in enumerate(teams):
                given = rows[f"from_{team}"].to_numpy() * worth.get(channel, {}).get(team, 0.0)
                if given.any():
                    ax.bar(x, given, bottom=bottom, width=1.0, color=colours(k % 10), alpha=0.55,
                           label=f"from {team}")
                    bottom += given
            ax.step(x, rows["required"], where="mid", color="#ff7f0e", ls="--", lw=2, label="required")
            ax.set_title(f"{channel}: agents of standard speed per slot")
            ax.set_ylabel("agents")
        legend_beside(ax)  # beside the panel, never over the cumulative lines' ends
        _slot_axis(ax, rows["slot_start"].to_numpy(), rows["day"].to_numpy())
    return fig
