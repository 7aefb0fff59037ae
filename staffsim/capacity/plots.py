"""The capacity chart: required vs available FTE per team and week, with the Monte Carlo bands and
the hiring classes marked. Returns a matplotlib ``Figure`` (no pyplot, no global state)."""

from __future__ import annotations

import datetime

import numpy as np
from matplotlib.dates import DateFormatter, MonthLocator
from matplotlib.figure import Figure

from staffsim.capacity.result import CapacityResult
from staffsim.plots import legend_beside, suptitle_wrapped

_BLUE, _ORANGE, _RED, _GREY, _GREEN = "#1f77b4", "#ff7f0e", "#d62728", "#7f7f7f", "#2ca02c"


def plot_capacity(result: CapacityResult) -> Figure:
    """One panel per team: required FTE on the phones, available FTE as planned (and with the
    recommended classes), their 10th-90th percentile bands, and class starts."""
    teams = result.teams
    fig = Figure(figsize=(15, 3.6 * len(teams) + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(teams), 1, sharex=True))
    band = f", bands 10th-90th percentile of {result.paths} paths" if result.paths else ""
    suptitle_wrapped(fig, f"{result.name}: FTE on the phones per week (after shrinkage and "
                     f"ramp-up){band}")
    for ax, team in zip(axes, teams):
        w = result.weekly[result.weekly["team"] == team]
        x = [datetime.date.fromisoformat(d) for d in w["date"]]
        ax.plot(x, w["required_fte"], color="black", lw=2, label="required")
        if "required_fte_p10" in w and (w["required_fte_p90"] - w["required_fte_p10"]).max() > 1e-9:
            ax.fill_between(x, w["required_fte_p10"], w["required_fte_p90"], color=_GREY, alpha=0.2,
                            lw=0, label="required, 10-90%")
        ax.plot(x, w["available_fte"], color=_RED, lw=1.6, label="available as planned")
        if "available_fte_p10" in w:
            ax.fill_between(x, w["available_fte_p10"], w["available_fte_p90"], color=_RED, alpha=0.15,
                            lw=0)
        _classes(ax, x, w, result, team, planned=True)
        if result.recommended is not None and result.spec.teams[team].hiring is not None:
            r = result.recommended[result.recommended["team"] == team]
            ax.plot(x, r["available_fte"], color=_BLUE, lw=1.8, label="with recommended hiring")
            if "available_fte_p10" in r:
                ax.fill_between(x, r["available_fte_p10"], r["available_fte_p90"], color=_BLUE,
                                alpha=0.15, lw=0)
            _classes(ax, x, w, result, team, planned=False)
        short = w["gap_fte"].to_numpy() < 0
        if short.any():
            ax.fill_between(x, w["available_fte"], w["required_fte"], where=short, color=_RED,
                            alpha=0.08, lw=0, step=None)
        ax.set_title(f"{team}", loc="left", fontsize=11)
        ax.set_ylabel("FTE on the phones")
        ax.grid(alpha=0.3)
        lo = min(w["required_fte"].min(), w["available_fte"].min())
        ax.set_ylim(bottom=max(0.0, lo * 0.6))
        legend_beside(ax)
    _month_axis(axes[-1])
    return fig


def _classes(ax, x, w, result: CapacityResult, team: str, planned: bool) -> None:
    """Triangles at the start week of each class, labelled with its size."""
    if planned:
        starts = [(c.week, c.size) for c in result.spec.teams[team].classes]
        color, label = _GREY, "planned class"
    else:
        cl = result.classes[result.classes["team"] == team] if result.classes is not None else None
        starts = [] if cl is None else list(zip(cl["week"], cl["size"]))
        color, label = _BLUE, "recommended class (start)"
    if not starts:
        return
    top = max(w["required_fte"].max(), w["available_fte"].max())
    for k, (week, size) in enumerate(starts):
        ax.axvline(x[week - 1], color=color, lw=0.8, ls="--", alpha=0.7)
        ax.annotate(f"+{size}", (x[week - 1], top), textcoords="offset points", xytext=(3, 2),
                    fontsize=8, color=color)
        ax.plot([x[week - 1]], [top], marker="v", color=color, ls="",
                label=label if k == 0 else None)


def plot_capacity_comparison(comparison) -> Figure:
    """One panel per team: each plan's required and available FTE (as planned, dashed; with its
    recommended hiring, solid)."""
    results = comparison.results
    first = next(iter(results.values()))
    teams = first.teams
    fig = Figure(figsize=(15, 3.4 * len(teams) + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(teams), 1, sharex=True))
    suptitle_wrapped(fig, f"{' vs '.join(results)}: FTE on the phones per week")
    colors = [_BLUE, _ORANGE, _GREEN, _RED, _GREY]
    for ax, team in zip(axes, teams):
        for k, (label, res) in enumerate(results.items()):
            color = colors[k % len(colors)]
            w = res.weekly[res.weekly["team"] == team]
            if w.empty:
                continue
            x = [datetime.date.fromisoformat(d) for d in w["date"]]
            ax.plot(x, w["required_fte"], color=color, lw=1, ls=":", label=f"{label}: required")
            ax.plot(x, w["available_fte"], color=color, lw=1.4, ls="--", label=f"{label}: as planned")
            if res.recommended is not None and res.spec.teams[team].hiring is not None:
                r = res.recommended[res.recommended["team"] == team]
                ax.plot(x, r["available_fte"], color=color, lw=2, label=f"{label}: with its hiring")
        ax.set_title(team, loc="left", fontsize=11)
        ax.set_ylabel("FTE on the phones")
        ax.grid(alpha=0.3)
        legend_beside(ax)
    _month_axis(axes[-1])
    return fig


def _month_axis(ax) -> None:
    """Months on the x axis (``Mar 2027``), labels slanted."""
    ax.xaxis.set_major_locator(MonthLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    for label in ax.get_xticklabels():
        label.set_rotation(45)
        label.set_ha("right")
