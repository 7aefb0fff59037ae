"""Charts a manager can read without help. Every function returns a matplotlib ``Figure``.

Figures are built without pyplot (no global state, no display needed); :func:`save_figures`
writes them as PNG files atomically.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from staffsim.formatting import format_metric
from staffsim.io import write_bytes
from staffsim.results import ComparisonResult, RunResult, SweepResult, channel_rows
from staffsim.scenarios.calendar import period_article, period_unit, slot_phrase
from staffsim.targets import shared_threshold
from staffsim.units import format_duration

_BLUE, _ORANGE, _RED, _GREY, _GREEN = "#1f77b4", "#ff7f0e", "#d62728", "#7f7f7f", "#2ca02c"


def legend_beside(ax, handles=None, labels=None, *, twin: bool = False) -> None:
    """A legend beside the plot, never over the data (constrained layout makes room for it);
    ``twin``: the axes has a second y axis on its right, so the legend stands past its labels."""
    args = () if handles is None else (handles, labels)
    ax.legend(*args, fontsize=8, loc="upper left", bbox_to_anchor=(1.13 if twin else 1.01, 1.0),
              borderaxespad=0.0)


def suptitle_wrapped(fig, text: str, fontsize: float = 12) -> None:
    """A figure title wrapped to the figure's width, so that it is never clipped."""
    per_line = max(30, int(fig.get_figwidth() * 72 / (0.55 * fontsize)))
    fig.suptitle(textwrap.fill(text, per_line), fontsize=fontsize)


def _duration_axis(ax, seconds: np.ndarray, what: str) -> np.ndarray:
    """Scale durations to s, min or h by their size; label the axis; return the scaled values."""
    top = float(np.nanmax(seconds)) if np.isfinite(seconds).any() else 0.0
    unit, k = ("h", 3600.0) if top >= 3 * 3600 else ("min", 60.0) if top >= 600 else ("s", 1.0)
    ax.set_ylabel(f"{what} ({unit})")
    return seconds / k


def _slot_axis(ax, labels, days, names=None):
    """The slot axis: clock times for one day; for several days a tick at each day's first slot
    named by its weekday and date (``names``: day -> label) or day number, with a line between
    days."""
    n = len(labels)
    days = np.asarray(days)
    if days.max() > 1:
        first = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
        ax.set_xticks(first)
        text = [(names or {}).get(int(d), f"day {d}") + f"\n{labels[k]}" for k, d in zip(first, days[first])]
        ax.set_xticklabels(text, fontsize=8)
        for k in first[1:]:
            ax.axvline(k - 0.5, color="black", lw=0.6, alpha=0.5)
        ax.set_xlabel("slot start (each day's opening hours)")
    else:
        step = max(1, n // 12)
        ticks = np.arange(0, n, step)
        ax.set_xticks(ticks)
        ax.set_xticklabels(labels[ticks], rotation=45, ha="right", fontsize=8)
        ax.set_xlabel("slot start")
    ax.set_xlim(-0.5, n - 0.5)
    ax.grid(alpha=0.3)


def _day_names(result) -> dict[int, str]:
    """Day number -> "Mon 03-02" for a dated horizon, else "day N"."""
    h = result.scenario.spec.horizon
    if h.start_date is None:
        return {d + 1: f"day {d + 1}" for d in range(h.days)}
    return {d + 1: f"{h.day_name(d)[:3]} {h.date(d).strftime('%m-%d')}" for d in range(h.days)}


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
    names = _day_names(result)
    h = result.scenario.spec.horizon
    long = h.days > 1
    fig = Figure(figsize=(19 if long else 15, 8), layout="constrained")
    axes = fig.subplots(2, 2)
    suptitle_wrapped(fig, f"{result.scenario.name} \u2014 {channel}: means of {result.replications} "
              f"replications of {period_article(h.days)} (seed {result.seed}), per "
              f"{slot_phrase(h.slot)}", fontsize=13)

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
    # first-contact resolution and appointments, when the scenario has them
    if "repeats" in slots and slots["repeats"].sum() > 0:
        ax.plot(x, slots["repeats"], color=_GREEN, ls="--", label="of which repeat contacts")
    if spec.appointment:
        ax.bar(x, slots["no_shows"], bottom=bottom, color=_ORANGE, alpha=0.7, label="no-shows")
    ax.set_title(f"Contacts per {slot_phrase(h.slot)}")
    ax.set_ylabel(f"contacts per {slot_phrase(h.slot)}")
    legend_beside(ax)
    _slot_axis(ax, labels, days, names)

    ax = axes[0, 1]
    sl = slots["service_level"].to_numpy()
    ci = np.nan_to_num(slots["service_level_ci"].to_numpy())
    ax.plot(x, sl, color=_BLUE, marker="o", ms=3, label="service level (mean)")
    ax.fill_between(x, np.clip(sl - ci, 0, 1), np.clip(sl + ci, 0, 1), color=_BLUE, alpha=0.2,
                    label="95% confidence band")
    ax.axhline(target.service_level, color=_RED, ls="--",
               label=f"target {target.service_level:.0%} in {format_duration(target.threshold)}")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"Service level (answered within {format_duration(target.threshold)})")
    ax.set_ylabel("share of contacts offered to agents")
    legend_beside(ax)
    _slot_axis(ax, labels, days, names)

    ax = axes[1, 0]
    plan = result.plan[result.plan["channel"] == channel]
    ax.step(x, plan["agents"].to_numpy(), where="mid", color=_ORANGE,
            label="Erlang plan: agents needed for this channel")
    ax.step(x, slots["staffed_agents"], where="mid", color=_GREEN,
            label="staffed: logged-in agents with this skill")
    ax.set_title("Agents: Erlang requirement vs simulated staffing")
    ax.set_ylabel("agents")
    legend_beside(ax)
    _slot_axis(ax, labels, days, names)

    ax = axes[1, 1]
    bars = ax.bar(x, slots["max_queue"], color=_GREY, label="longest queue in the slot")
    ax.set_title("Queue and waiting")
    ax.set_ylabel("contacts waiting")
    wait = ax.twinx()  # one quantity per axis: contacts on the left, waiting time on the right
    asa = _duration_axis(wait, slots["asa_s"].to_numpy(float), "ASA")
    (line,) = wait.plot(x, asa, color=_BLUE, marker=".", label="ASA: mean wait of answered contacts")
    wait.set_ylim(bottom=0)
    legend_beside(ax, [bars, line], [bars.get_label(), line.get_label()], twin=True)
    _slot_axis(ax, labels, days, names)
    return fig


_DIFF_PANELS = (
    ("service_level", "Service level", 100, "percentage points"),
    ("abandon_rate", "Abandonment", 100, "percentage points"),
    ("asa_s", "Average speed of answer", 1, "seconds"),
    ("paid_agent_hours", "Paid agent hours", 1, "hours {per}"),
    ("cost", "Total cost", 1, "{cur} {per}"),
)


def plot_outbound(result: RunResult) -> Figure:
    """Outbound campaigns through the horizon (scenarios with ``outbound:``): dials and reached
    per slot, and where the dialling teams' logged-in agents were (inbound work, outbound calls,
    idle, on break)."""
    ob = result.outbound_slots()
    if ob.empty:
        raise ValueError("the scenario has no outbound campaigns")
    spec = result.scenario.spec
    h = spec.horizon
    names = list(spec.outbound)
    teams = sorted({g for o in spec.outbound.values() for g in o.groups})
    first = ob[ob["campaign"] == names[0]]
    x = np.arange(len(first))
    labels, days = first["slot_start"].to_numpy(), first["day"].to_numpy()
    fig = Figure(figsize=(19 if h.days > 1 else 15, 4.5), layout="constrained")
    axes = fig.subplots(1, 2)
    suptitle_wrapped(fig, f"{result.scenario.name} \u2014 outbound: means of {result.replications} "
                     f"replications of {period_article(h.days)} (seed {result.seed}), per "
                     f"{slot_phrase(h.slot)}", fontsize=13)
    ax = axes[0]
    colours = colormaps["tab10"].colors
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        rows = ob[ob["campaign"] == name]
        ax.bar(x - 0.4 + width * (i + 0.5), rows["dialled"], width, color=colours[i % 10], alpha=0.35,
               label=f"{name}: dialled")
        ax.bar(x - 0.4 + width * (i + 0.5), rows["reached"], width, color=colours[i % 10],
               label=f"{name}: reached")
    ax.set_title(f"Dials per {slot_phrase(h.slot)}")
    ax.set_ylabel(f"dials started per {slot_phrase(h.slot)}")
    legend_beside(ax)
    _slot_axis(ax, labels, days, _day_names(result))
    ax = axes[1]
    groups = result.groups[result.groups["group"].isin(teams)]
    per = groups.groupby(["day", "slot_start"], sort=False)[["busy", "idle", "on_break"]].sum()
    dialling = ob.groupby(["day", "slot_start"], sort=False)["dialling_agents"].sum()
    dial = dialling.to_numpy()
    inbound = np.maximum(per["busy"].to_numpy() - dial, 0.0)
    bottom = np.zeros(len(x))
    for values, colour, label in ((inbound, _BLUE, "busy with inbound"), (dial, _ORANGE, "on outbound calls"),
                                  (per["idle"].to_numpy(), _GREY, "idle"),
                                  (per["on_break"].to_numpy(), _GREEN, "on break")):
        ax.bar(x, values, bottom=bottom, color=colour, alpha=0.8, width=0.9, label=label)
        bottom = bottom + values
    ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.08)
    ax.set_title(f"Agents of the dialling teams ({', '.join(teams)})")
    ax.set_ylabel("agents (time-average)")
    legend_beside(ax)
    _slot_axis(ax, labels, days, _day_names(result))
    return fig


def plot_comparison(comparison: ComparisonResult, channel: str = "all") -> Figure:
    """Each variant's change against the baseline with 95% CI bars: for the whole center when its
    channels share one service-level threshold; otherwise (a pooled service level or ASA mixing
    20 s and 24 h meets no one's definition) a row per variant and channel, and a whole-center
    row for paid hours and cost only."""
    diffs = comparison.differences
    if "segment" in diffs:
        diffs = diffs[diffs["segment"] == "all"]
    variants = list(comparison.variants)
    scenario = comparison.baseline.scenario
    days = scenario.spec.horizon.days
    cur = scenario.spec.costs.currency
    per_channel = channel == "all" and not shared_threshold(scenario)
    channels = [*scenario.channels, "all"] if per_channel else [channel]
    rows_yx = [(v, c) for v in variants for c in channels]
    fig = Figure(figsize=(17, 2.2 + 0.42 * len(rows_yx)), layout="constrained")
    axes = fig.subplots(1, len(_DIFF_PANELS), sharey=True)
    kind = "paired: the same simulated customers" if comparison.paired else "independent runs"
    where = ("per channel: their thresholds differ, so service, abandonment and ASA are not pooled"
             if per_channel else "whole center" if channel == "all" else channel)
    suptitle_wrapped(fig, f"Change vs {comparison.baseline_label} ({where}; 95% confidence intervals, {kind})")
    y = np.arange(len(rows_yx))[::-1]  # first row at the top
    for ax, (metric, title, scale, unit) in zip(axes, _DIFF_PANELS):
        table = diffs[diffs["metric"] == metric].set_index(["variant", "channel"])
        pooled_mix = per_channel and metric in ("service_level", "abandon_rate", "asa_s")
        diff = np.array([np.nan if (pooled_mix and c == "all") else table.loc[(v, c), "difference"]
                         for v, c in rows_yx], float) * scale
        ci = np.nan_to_num(np.array([table.loc[(v, c), "ci"] for v, c in rows_yx], float)) * scale
        ci[np.isnan(diff)] = 0.0
        good = diff >= 0 if metric == "service_level" else diff <= 0
        ax.barh(y, np.nan_to_num(diff), xerr=ci, color=np.where(good, _GREEN, _RED), alpha=0.8,
                capsize=4)
        for k in np.flatnonzero(np.isnan(diff)):
            ax.text(0.5, y[k], "mix: see channels", transform=ax.get_yaxis_transform(), ha="center",
                    va="center", fontsize=8, color=_GREY)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel(f"change ({unit.format(cur=cur, per=period_unit(days))})")
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if metric == "cost":
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0].set_yticks(y)
    labels = [(f"{v}: {c}" if per_channel else v) if c != "all" or not per_channel else f"{v}: whole center"
              for v, c in rows_yx]
    axes[0].set_yticklabels(labels)
    axes[0].set_ylabel("variant" + (": channel" if per_channel else ""))
    return fig


_SWEEP_PANELS = (
    ("service_level", "Service level", True),
    ("abandon_rate", "Abandonment", True),
    ("paid_agent_hours", "Paid agent hours", False),
    ("cost", "Total cost", False),
)


def plot_sweep(result: SweepResult, channel: str = "all") -> Figure:
    """KPIs and cost against the swept parameter, with 95% confidence bands."""
    if len(result.parameters) != 1:
        raise ValueError(f"plot_sweep draws one parameter; for a grid of {len(result.parameters)} "
                         "use plot_sweep_heatmap (two parameters)")
    wide = result.pivot(channel)
    x = np.asarray(result.values, float)
    cur = result.results[0].scenario.spec.costs.currency
    fig = Figure(figsize=(15, 8), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    where = "whole center" if channel == "all" else channel
    name = result.parameter
    days = result.results[0].scenario.spec.horizon.days
    suptitle_wrapped(fig, f"{result.results[0].scenario.name}: sweeping {name} ({where}; "
              f"{result.results[0].replications} replications of {period_article(days)} per point, "
              "same customers at every point)")
    first = result.results[0].scenario
    # pooled only where the channels share a threshold; otherwise a line per channel
    per_channel = channel == "all" and not shared_threshold(first) and len(first.channels) > 1
    for ax, (metric, title, share) in zip(axes, _SWEEP_PANELS):
        if share and per_channel:
            _sweep_per_channel(ax, result, metric, x, service=metric == "service_level")
            title += " per channel (thresholds differ: not pooled)"
        else:
            mean = wide[metric].to_numpy(float)
            ci = np.nan_to_num(wide[f"{metric}_ci"].to_numpy(float))
            ax.plot(x, mean, marker="o", color=_BLUE, label="simulated (mean)")
            ax.fill_between(x, mean - ci, mean + ci, color=_BLUE, alpha=0.2, label="95% confidence band")
            target = _service_target(result.results[0], channel) if metric == "service_level" else None
            if target is not None:
                ax.axhline(target, color=_RED, ls="--", lw=1.2, label=f"target {target:.0%}")
        if metric == "paid_agent_hours":
            ax.plot(x, wide["plan_agent_hours"], marker="s", ls="--", color=_ORANGE,
                    label="Erlang plan: agent hours on the phones (net)")
        if share:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_ylabel("share of contacts offered to agents")
            lo, hi = ax.get_ylim()  # a share's axis stays within 0-100% (a wide band may reach past)
            ax.set_ylim(max(lo, -0.01), min(hi, 1.01))
        elif metric == "cost":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.set_ylabel(f"{cur} over the horizon")
        else:
            ax.set_ylabel("hours over the horizon")
        ax.set_title(title)
        ax.set_xlabel(name.split(".")[-1].replace("_", " ") + f"  ({name})")
        ax.grid(alpha=0.3)
        legend_beside(ax)
    return fig


def _sweep_per_channel(ax, result: SweepResult, metric: str, x: np.ndarray, *, service: bool) -> None:
    """One line (and band) per channel; for the service level, each channel's target dashed in
    its colour."""
    channels = result.results[0].scenario.spec.channels
    for k, name in enumerate(channels):
        colour = f"C{k}"
        wide = result.pivot(name)
        mean = wide[metric].to_numpy(float)
        ci = np.nan_to_num(wide[f"{metric}_ci"].to_numpy(float))
        ax.plot(x, mean, marker="o", color=colour, label=f"{name} (mean, 95% band)")
        ax.fill_between(x, mean - ci, mean + ci, color=colour, alpha=0.15)
        if service:
            target = channels[name].target
            ax.axhline(target.service_level, color=colour, ls="--", lw=1,
                       label=f"{name} target {target.service_level:.0%} in {format_duration(target.threshold)}")


#: the title a heatmap gives each metric a sweep holds
_HEATMAP_METRICS = {
    "service_level": "Service level",
    "abandon_rate": "Abandonment",
    "asa_s": "Average speed of answer (s)",
    "occupancy": "Occupancy",
    "answered": "Contacts answered",
    "offered_to_agents": "Contacts offered to agents",
    "paid_agent_hours": "Paid agent hours",
    "agent_cost": "Agent cost",
    "abandon_cost": "Cost of abandoned contacts",
    "self_service_cost": "Self-service cost",
    "telephony_cost": "Telephony cost",
    "cost": "Total cost",
    "plan_agents_peak": "Erlang plan: peak agents",
    "plan_agent_hours": "Erlang plan: agent hours",
}


def _axis_name(path: str) -> str:
    return path.split(".")[-1].replace("_", " ") + f"  ({path})"


def _tick_labels(values) -> list[str]:
    return [f"{v:g}" if isinstance(v, float) else str(v) for v in values]


def plot_sweep_heatmap(result: SweepResult, metric: str = "service_level", channel: str = "all") -> Figure:
    """A two-parameter sweep as a heatmap of one metric: the first parameter across, the second
    up; each cell the mean over replications (with its 95% half-width when the grid is small).
    Service level against a target is coloured red below it, yellow at it and green above, and
    the cells meeting it are framed; everything else on a neutral scale from least to most."""
    if len(result.parameters) != 2:
        raise ValueError(f"a heatmap needs a sweep of two parameters, this one has {len(result.parameters)}")
    if metric not in _HEATMAP_METRICS:
        raise ValueError(f"no metric {metric!r} in a sweep (metrics: {', '.join(_HEATMAP_METRICS)})")
    mean = result.grid(metric, channel).to_numpy(float).T  # rows: second parameter (up)
    ci = result.grid(metric, channel, "ci").to_numpy(float).T
    xs, ys = result.axes
    first = result.results[0]
    cur = first.scenario.spec.costs.currency
    title = _HEATMAP_METRICS[metric]
    share = metric in ("service_level", "abandon_rate", "occupancy")
    finite = mean[np.isfinite(mean)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    target = _service_target(first, channel) if metric == "service_level" else None
    cmap = colormaps["viridis"]  # no judgement where there is no target
    if target is not None:  # yellow at the target, green above, red below, whatever the spread
        half = max(hi - target, target - lo, 0.02)
        lo, hi = target - half, target + half
        cmap = colormaps["RdYlGn"]
    fig = Figure(figsize=(min(4.5 + 0.85 * len(xs), 18), min(3 + 0.55 * len(ys), 14)), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(mean), origin="lower", aspect="auto", cmap=cmap, vmin=lo, vmax=hi)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label(f"{title} (mean{', ' + cur if 'cost' in metric else ''})")
    if share:
        bar.formatter = PercentFormatter(1.0, decimals=None if hi - lo > 0.05 else 1)
    elif "cost" in metric:
        bar.formatter = FuncFormatter(lambda v, _: f"{v:,.0f}")
    bar.update_ticks()
    cells = len(xs) * len(ys)
    if cells <= 400:
        size = 9 if cells <= 64 else 7 if cells <= 150 else 5.5
        for j in range(len(ys)):
            for i in range(len(xs)):
                v = mean[j, i]
                if not np.isfinite(v):
                    continue
                text = format_metric(metric, v, currency=cur)
                if cells <= 64 and np.isfinite(ci[j, i]) and ci[j, i] > 0:
                    text += "\n" + format_metric(metric, ci[j, i], ci=True, currency=cur)
                r, g, b, _ = cmap((v - lo) / (hi - lo))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                ax.text(i, j, text, ha="center", va="center", fontsize=size,
                        color="white" if dark else "black")
    note = ""
    if target is not None:
        meets = np.nan_to_num(mean, nan=-1.0) >= target
        _frontier(ax, meets)
        note = (f"; every cell meets the {target:.0%} target" if meets.all() else
                f"; no cell meets the {target:.0%} target" if not meets.any() else
                f"; the black line parts the cells that meet the {target:.0%} target from those that do not")
    ax.set_xticks(range(len(xs)), _tick_labels(xs), rotation=45 if len(xs) > 8 else 0, fontsize=8)
    ax.set_yticks(range(len(ys)), _tick_labels(ys), fontsize=8)
    ax.set_xlabel(_axis_name(result.parameters[0]))
    ax.set_ylabel(_axis_name(result.parameters[1]))
    where = "whole center" if channel == "all" else channel
    if channel == "all" and metric in ("service_level", "asa_s") and not shared_threshold(first.scenario):
        where += ", a mix: the channels' thresholds differ; --channel shows one"
    suptitle_wrapped(fig, f"{first.scenario.name}: {title.lower()} ({where})")
    subtitle = (f"mean of {first.replications} simulated days per cell (the same customers in every "
                f"cell), \u00b1 95% half-width{note}")
    ax.set_title(textwrap.fill(subtitle, int(fig.get_figwidth() * 11)), fontsize=9)
    return fig


def _frontier(ax, inside: np.ndarray) -> None:
    """A thick line along every edge between a cell inside a region and one outside it."""
    rows, cols = inside.shape
    segments = []
    for j in range(rows):
        for i in range(cols):
            if i + 1 < cols and inside[j, i] != inside[j, i + 1]:
                segments.append([(i + 0.5, j - 0.5), (i + 0.5, j + 0.5)])
            if j + 1 < rows and inside[j, i] != inside[j + 1, i]:
                segments.append([(i - 0.5, j + 0.5), (i + 0.5, j + 0.5)])
    ax.add_collection(LineCollection(segments, colors="black", linewidths=2.5, capstyle="projecting"))


def _service_target(result: RunResult, channel: str) -> float | None:
    """The service-level target a channel's cells are judged by (for ``all``: the one every
    channel shares, if they do)."""
    channels = result.scenario.spec.channels
    if channel == "all" and not shared_threshold(result.scenario):
        return None  # a pooled service level mixing thresholds meets no single target
    targets = {channels[c].target.service_level for c in (channels if channel == "all" else [channel])}
    return targets.pop() if len(targets) == 1 else None


def save_figures(figures: dict[str, Figure], directory: str | Path, dpi: int = 110) -> list[Path]:
    """Write each figure as ``<name>.png`` into ``directory`` (atomically)."""
    paths = []
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        paths.append(write_bytes(Path(directory) / f"{name}.png", buf.getvalue()))
    return paths


# --- roster coverage (staffsim/scheduling/) -------------------------------------------------------
def plot_coverage(coverage, title: str = "Roster coverage") -> Figure:
    """Required vs scheduled agents on the phones per slot, one panel per team, from a roster's
    coverage table (columns ``team, day, slot_start, required, scheduled, on_phones``)."""
    teams = list(dict.fromkeys(coverage["team"]))
    fig = Figure(figsize=(15, 3.6 * len(teams) + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(teams), 1, squeeze=False).ravel())
    suptitle_wrapped(fig, title, fontsize=13)
    for ax, team in zip(axes, teams):
        rows = coverage[coverage["team"] == team]
        x = np.arange(len(rows))
        ax.bar(x, rows["scheduled"], color=_GREY, alpha=0.35, width=1.0,
               label="scheduled: agents on a shift (breaks included)")
        ax.step(x, rows["on_phones"], where="mid", color=_GREEN, lw=2,
                label="on the phones: not on break, after shrinkage")
        ax.step(x, rows["required"], where="mid", color=_ORANGE, ls="--", lw=2, label="required")
        short = rows["on_phones"].to_numpy() < rows["required"].to_numpy() - 1e-9
        if short.any():
            ax.plot(x[short], rows["on_phones"].to_numpy()[short], "v", color=_RED, label="short")
        ax.set_title(f"{team}: agents per slot")
        ax.set_ylabel("agents")
        legend_beside(ax)
        _slot_axis(ax, rows["slot_start"].to_numpy(), rows["day"].to_numpy())
    return fig
# --- end roster coverage --------------------------------------------------------------------------
