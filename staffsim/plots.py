"""Charts a manager can read without help. Every function returns a matplotlib ``Figure``.

Figures are built without pyplot (no global state, no display needed); :func:`save_figures`
writes them as PNG files atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from staffsim.io import write_bytes
from staffsim.results import ComparisonResult, RunResult, SweepResult, channel_rows

_BLUE, _ORANGE, _RED, _GREY, _GREEN = "#1f77b4", "#ff7f0e", "#d62728", "#7f7f7f", "#2ca02c"


def _slot_axis(ax, labels, days):
    n = len(labels)
    step = max(1, n // 12)
    ticks = np.arange(0, n, step)
    ax.set_xticks(ticks)
    text = [f"d{d} {s}" if days.max() > 1 else s for d, s in zip(days[ticks], labels[ticks])]
    ax.set_xticklabels(text, rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xlabel("slot start")
    ax.grid(alpha=0.3)


def plot_day(result: RunResult, channel: str) -> Figure:
    """One channel over the day: contacts, service level against target, Erlang-required vs
    staffed agents, and the queue."""
    slots = channel_rows(result.slots)  # the channel over all its customer segments
    slots = slots[slots["channel"] == channel]
    if slots.empty:
        raise ValueError(f"no channel {channel!r} (channels: {', '.join(result.scenario.channels)})")
    spec = result.scenario.channel(channel)
    target = spec.target
    x = np.arange(len(slots))
    labels, days = slots["slot_start"].to_numpy(), slots["day"].to_numpy()
    fig = Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 2)
    fig.suptitle(f"{result.scenario.name} \u2014 {channel}: means of {result.replications} simulated "
                 f"days (seed {result.seed})", fontsize=13)

    ax = axes[0, 0]
    ax.plot(x, slots["offered_to_agents"], color=_GREY, label="offered to agents")
    ax.plot(x, slots["answered"], color=_BLUE, label="answered")
    ax.bar(x, slots["abandoned"], color=_RED, alpha=0.7, label="abandoned")
    bottom = slots["abandoned"].to_numpy()
    for col, colour, label in (("balked", "#8c564b", "left on seeing the queue"),
                               ("callbacks_accepted", "#9467bd", "took a callback")):
        if col in slots:  # customer behaviours, when the scenario has them
            ax.bar(x, slots[col], bottom=bottom, color=colour, alpha=0.7, label=label)
            bottom = bottom + slots[col].to_numpy()
    ax.set_title("Contacts per slot")
    ax.set_ylabel("contacts per slot")
    ax.legend(fontsize=8)
    _slot_axis(ax, labels, days)

    ax = axes[0, 1]
    sl = slots["service_level"].to_numpy()
    ci = np.nan_to_num(slots["service_level_ci"].to_numpy())
    ax.plot(x, sl, color=_BLUE, marker="o", ms=3, label="service level (mean)")
    ax.fill_between(x, np.clip(sl - ci, 0, 1), np.clip(sl + ci, 0, 1), color=_BLUE, alpha=0.2,
                    label="95% confidence band")
    ax.axhline(target.service_level, color=_RED, ls="--",
               label=f"target {target.service_level:.0%} in {target.threshold:g} s")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"Service level (answered within {target.threshold:g} s)")
    ax.set_ylabel("share of contacts offered to agents")
    ax.legend(fontsize=8, loc="lower left")
    _slot_axis(ax, labels, days)

    ax = axes[1, 0]
    plan = result.plan[result.plan["channel"] == channel]
    ax.step(x, plan["agents"].to_numpy(), where="mid", color=_ORANGE,
            label="Erlang plan: agents needed for this channel")
    ax.step(x, slots["staffed_agents"], where="mid", color=_GREEN,
            label="staffed: logged-in agents with this skill")
    ax.set_title("Agents: Erlang requirement vs simulated staffing")
    ax.set_ylabel("agents")
    ax.legend(fontsize=8)
    _slot_axis(ax, labels, days)

    ax = axes[1, 1]
    ax.bar(x, slots["max_queue"], color=_GREY, label="longest queue in the slot")
    ax.plot(x, slots["asa_s"], color=_BLUE, marker=".", label="ASA (s)")
    ax.set_title("Queue and waiting")
    ax.set_ylabel("contacts waiting / seconds")
    ax.legend(fontsize=8)
    _slot_axis(ax, labels, days)
    return fig


_DIFF_PANELS = (
    ("service_level", "Service level", 100, "percentage points"),
    ("abandon_rate", "Abandonment", 100, "percentage points"),
    ("asa_s", "Average speed of answer", 1, "seconds"),
    ("paid_agent_hours", "Paid agent hours", 1, "hours per day"),
    ("cost", "Total cost", 1, "{cur} per day"),
)


def plot_comparison(comparison: ComparisonResult, channel: str = "all") -> Figure:
    """Each variant's change against the baseline, whole center, with 95% CI bars."""
    d = comparison.differences[comparison.differences["channel"] == channel]
    variants = list(comparison.variants)
    days = comparison.baseline.scenario.spec.horizon.days
    cur = comparison.baseline.scenario.spec.costs.currency
    fig = Figure(figsize=(17, 2.6 + 0.5 * len(variants)), layout="constrained")
    axes = fig.subplots(1, len(_DIFF_PANELS), sharey=True)
    kind = "paired: the same simulated customers" if comparison.paired else "independent runs"
    where = "whole center" if channel == "all" else channel
    fig.suptitle(f"Change vs {comparison.baseline_label} ({where}; 95% confidence intervals, {kind})",
                 fontsize=12)
    y = np.arange(len(variants))
    for ax, (metric, title, scale, unit) in zip(axes, _DIFF_PANELS):
        rows = d[d["metric"] == metric].set_index("variant").loc[variants]
        per_day = 1 / days if metric in ("paid_agent_hours", "cost") else 1
        diff = rows["difference"].to_numpy() * scale * per_day
        ci = np.nan_to_num(rows["ci"].to_numpy()) * scale * per_day
        good = diff >= 0 if metric == "service_level" else diff <= 0
        ax.barh(y, diff, xerr=ci, color=np.where(good, _GREEN, _RED), alpha=0.8, capsize=4)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel(f"change ({unit.format(cur=cur)})")
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if metric == "cost":
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(variants)
    axes[0].set_ylabel("variant")
    return fig


_SWEEP_PANELS = (
    ("service_level", "Service level", True),
    ("abandon_rate", "Abandonment", True),
    ("paid_agent_hours", "Paid agent hours", False),
    ("cost", "Total cost", False),
)


def plot_sweep(result: SweepResult, channel: str = "all") -> Figure:
    """KPIs and cost against the swept parameter, with 95% confidence bands."""
    wide = result.pivot(channel)
    x = np.asarray(result.values, float)
    cur = result.results[0].scenario.spec.costs.currency
    fig = Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    where = "whole center" if channel == "all" else channel
    name = result.parameter
    fig.suptitle(f"{result.results[0].scenario.name}: sweeping {name} ({where}; "
                 f"{result.results[0].replications} days per point, same customers at every point)",
                 fontsize=12)
    for ax, (metric, title, share) in zip(axes, _SWEEP_PANELS):
        mean = wide[metric].to_numpy(float)
        ci = np.nan_to_num(wide[f"{metric}_ci"].to_numpy(float))
        ax.plot(x, mean, marker="o", color=_BLUE, label="simulated (mean)")
        ax.fill_between(x, mean - ci, mean + ci, color=_BLUE, alpha=0.2, label="95% confidence band")
        if metric == "paid_agent_hours":
            ax.plot(x, wide["plan_agent_hours"], marker="s", ls="--", color=_ORANGE,
                    label="Erlang plan: agent hours on the phones (net)")
        if share:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_ylabel("share of contacts offered to agents")
        elif metric == "cost":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.set_ylabel(f"{cur} over the horizon")
        else:
            ax.set_ylabel("hours over the horizon")
        ax.set_title(title)
        ax.set_xlabel(name.split(".")[-1].replace("_", " ") + f"  ({name})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def save_figures(figures: dict[str, Figure], directory: str | Path, dpi: int = 110) -> list[Path]:
    """Write each figure as ``<name>.png`` into ``directory`` (atomically)."""
    paths = []
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        paths.append(write_bytes(Path(directory) / f"{name}.png", buf.getvalue()))
    return paths
