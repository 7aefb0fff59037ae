"""``backtest_<channel>.png``: observed KPIs over the simulated 95% prediction band, slot by slot."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from staffsim.plots import legend_beside

_BLUE, _RED, _GREY = "#1f77b4", "#d62728", "#7f7f7f"
_NAMES = {"service_level": "service level", "asa_s": "ASA (s)", "abandon_rate": "abandon rate",
          "occupancy": "occupancy"}


def backtest_figure(result, channel: str) -> Figure:
    """Four panels (service level, ASA, abandon rate, occupancy): the band and simulated mean per
    slot, the observed value as a dot (red when outside the band), days separated by lines."""
    s = result.slots[result.slots["channel"] == channel].reset_index(drop=True)
    cal = result.calibration[(result.calibration["level"] == "slot")
                             & (result.calibration["channel"] == channel)].set_index("kpi")
    fig = Figure(figsize=(14, 9), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True)
    x = np.arange(len(s))
    starts = np.flatnonzero(s["date"].ne(s["date"].shift()).to_numpy())
    for ax, kpi in zip(axes, _NAMES):
        ax.fill_between(x, s[f"{kpi}_lo"], s[f"{kpi}_hi"], step="mid", color=_BLUE, alpha=0.25,
                        label="simulated 95% band (one day)")
        ax.plot(x, s[f"{kpi}_simulated"], color=_BLUE, lw=0.8, label="simulated mean")
        inside = s[f"{kpi}_inside"].fillna(True).astype(bool).to_numpy()
        ax.plot(x[inside], s.loc[inside, f"{kpi}_observed"], "o", ms=2.5, color="black", label="observed")
        ax.plot(x[~inside], s.loc[~inside, f"{kpi}_observed"], "o", ms=3.5, color=_RED, label="observed, outside")
        for b in starts[1:]:
            ax.axvline(b - 0.5, color=_GREY, lw=0.5)
        c = cal.loc[kpi]
        ax.set_ylabel(_NAMES[kpi])
        ax.set_title(f"{_NAMES[kpi]}: {c['inside_share']:.0%} of {c['n']} slots inside (expected "
                     f"{c['expected_share']:.0%}, range {c['expected_lo']:.0%}-{c['expected_hi']:.0%}); "
                     f"bias {c['bias']:+.3g}", fontsize=9, loc="left")
        if kpi != "asa_s":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    legend_beside(axes[0])  # beside the panels, never over a dot or the band
    if len(starts) == 1:  # one day: its clock times, as the day charts show them
        ticks = np.arange(0, len(s), max(1, len(s) // 12))
        labels = [f"{s['slot_start'].iloc[i]}" for i in ticks]
        labels[0] = f"{s['weekday'].iloc[0]} {s['date'].iloc[0][5:]} {labels[0]}"
    else:
        ticks = starts if len(starts) <= 31 else starts[:: max(1, len(starts) // 20)]
        labels = [f"{s['weekday'].iloc[i]} {s['date'].iloc[i][5:]}" for i in ticks]
    axes[-1].set_xticks(ticks)
    axes[-1].set_xticklabels(labels, rotation=60, fontsize=7)
    fig.suptitle(f"Backtest of {result.scenario!r}, {channel}: observed vs simulated "
                 f"({result.replications} replications, arrivals {result.arrivals})")
    return fig


def backtest_figures(result) -> dict:
    """One figure per channel, by file stem."""
    return {f"backtest_{c}": backtest_figure(result, c) for c in dict.fromkeys(result.slots["channel"])}
