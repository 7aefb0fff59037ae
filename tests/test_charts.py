"""Charts checked by test: every chart renders, no legend box covers a plotted point, titles fit
in the figure, and durations are written in s, min or h (never 86400 s)."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from staffsim import compare, simulate, sweep
from staffsim.capacity import capacity
from staffsim.capacity.plots import plot_capacity
from staffsim.plots import plot_comparison, plot_coverage, plot_day, plot_sweep, plot_sweep_heatmap
from staffsim.scenarios.loader import load_scenario


def _points(ax):
    """Display coordinates of everything plotted in an axes: line vertices, bar tops and
    corners, and the vertices of filled bands."""
    pts = []
    for line in ax.get_lines():
        xy = line.get_xydata()
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy):
            pts.append(ax.transData.transform(xy))
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_height() and patch.get_width():
            x, y = patch.get_xy()
            corners = np.array([[x, y + patch.get_height()], [x + patch.get_width(), y + patch.get_height()]])
            pts.append(ax.transData.transform(corners))
    for coll in ax.collections:
        if isinstance(coll, PolyCollection):
            for path in coll.get_paths():
                v = path.vertices[np.isfinite(path.vertices).all(axis=1)]
                if len(v):
                    pts.append(ax.transData.transform(v))
    return np.vstack(pts) if pts else np.empty((0, 2))


def check_figure(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    whole = fig.bbox
    title = fig._suptitle
    if title is not None:
        box = title.get_window_extent(renderer)
        assert box.x0 >= whole.x0 - 1 and box.x1 <= whole.x1 + 1, "figure title clipped"
    for ax in fig.axes:
        t = ax.title.get_window_extent(renderer)
        if ax.get_title():
            assert t.x0 >= whole.x0 - 1 and t.x1 <= whole.x1 + 1, f"title clipped: {ax.get_title()}"
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        assert box.x1 <= whole.x1 + 1 and box.y0 >= whole.y0 - 1, "legend outside the figure"
        # no plotted point of this axes, or of an axes sharing its place (a twin), under the legend
        for other in fig.axes:
            if other.bbox.bounds != ax.bbox.bounds:
                continue
            pts = _points(other)
            drawn = other.bbox  # a point beyond the axes' limits is clipped: not drawn, not hidden
            pts = pts[(pts[:, 0] >= drawn.x0) & (pts[:, 0] <= drawn.x1)
                      & (pts[:, 1] >= drawn.y0) & (pts[:, 1] <= drawn.y1)]
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                      & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
            assert not inside.any(), f"the legend of '{ax.get_title()}' covers plotted points"


@pytest.fixture(scope="module")
def outage():
    return simulate(load_scenario("scenarios/web_outage.yaml"), replications=2, seed=3, jobs=1,
                    progress=False)


def test_day_charts(outage):
    for channel in outage.scenario.channels:
        fig = plot_day(outage, channel)
        check_figure(fig)
    email = plot_day(outage, "email")
    titles = " ".join(ax.get_title() for ax in email.axes)
    assert "86400" not in titles and "24h" in titles
    # one quantity per axis: the queue panel's waiting time has its own axis, in s/min/h
    labels = [ax.get_ylabel() for ax in email.axes]
    assert "contacts waiting" in labels and any(lbl.startswith("ASA (") for lbl in labels)
    assert not any("/" in lbl and "seconds" in lbl for lbl in labels)


def test_comparison_sweep_heatmap_coverage_capacity_charts():
    bank = load_scenario("scenarios/bank.yaml")
    more = load_scenario("scenarios/bank_more_self_service.yaml")
    check_figure(plot_comparison(compare(bank, more, replications=2, seed=1, jobs=1, progress=False)))
    one = sweep(bank, "channels.voice.self_service.deflection", [0.0, 0.3, 0.6], replications=2,
                seed=1, jobs=1, progress=False)
    check_figure(plot_sweep(one))
    grid = sweep(bank, {"channels.voice.self_service.deflection": [0.0, 0.4],
                        "channels.chat.volume_factor": [1.0, 1.3]}, replications=2, seed=1, jobs=1,
                 progress=False)
    check_figure(plot_sweep_heatmap(grid))
    cap = capacity("scenarios/capacity/bank_2027.yaml")
    check_figure(plot_capacity(cap))
    import pandas as pd
    cov = pd.DataFrame({"team": "front", "day": 1, "slot_start": [f"{h:02d}:00" for h in range(8, 20)],
                        "required": np.r_[np.arange(6), np.arange(6)[::-1]] * 3.0 + 2,
                        "scheduled": 20.0, "on_phones": 17.0})
    check_figure(plot_coverage(cov))


def test_the_check_catches_a_legend_over_the_data(outage):
    fig = plot_day(outage, "voice")
    ax = fig.axes[1]  # service level: the outage's dip sits low in the middle
    ax.legend(loc="center")
    with pytest.raises(AssertionError, match="covers plotted points"):
        check_figure(fig)
