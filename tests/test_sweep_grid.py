"""Grid sweeps: every combination of several parameters on the same simulated customers, a
column per parameter, steps along each axis, and the heatmap."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import stationary
from scipy import stats

from staffsim import InputError, simulate, sweep
from staffsim.cli import main
from staffsim.plots import plot_sweep, plot_sweep_heatmap

VOLUME, AGENTS = "channels.q.volume_factor", "agents.0.shifts.0.agents"


@pytest.fixture(scope="module")
def center():
    return stationary(300.0, 180.0, 18, patience=240.0, hours=4, replications=3, seed=3)


@pytest.fixture(scope="module")
def grid(center):
    return sweep(center, {VOLUME: [0.8, 1.0, 1.2], AGENTS: "16:19:3"}, jobs=1, progress=False)


def test_every_point_is_the_scenario_it_names(center, grid):
    assert grid.parameters == (VOLUME, AGENTS) and grid.axes == ([0.8, 1.0, 1.2], [16, 19])
    assert grid.points == [(0.8, 16), (0.8, 19), (1.0, 16), (1.0, 19), (1.2, 16), (1.2, 19)]
    assert list(grid.table.columns) == [VOLUME, AGENTS, "channel", "metric", "mean", "ci"]
    sl = grid.grid("service_level")
    assert list(sl.index) == [0.8, 1.0, 1.2] and list(sl.columns) == [16, 19]
    for volume, agents in grid.points:
        alone = simulate(center.with_overrides({VOLUME: volume, AGENTS: agents}), progress=False)
        s = alone.summary().set_index("channel").loc["all"]
        t = grid.table
        row = t[(t[VOLUME] == volume) & (t[AGENTS] == agents) & (t.channel == "all")].set_index("metric")
        for metric in ("service_level", "abandon_rate", "cost", "paid_agent_hours"):
            assert row.loc[metric, "mean"] == s[metric] and row.loc[metric, "ci"] == s[f"{metric}_ci"]
        assert sl.loc[volume, agents] == s["service_level"]
    wide = grid.pivot("q", ("service_level",))
    assert list(wide.columns) == [VOLUME, AGENTS, "service_level", "service_level_ci"] and len(wide) == 6
    assert all(r.contacts.empty for r in grid.results)  # tables only: no per-attempt logs held


def test_steps_run_along_each_axis_with_the_others_held(grid):
    steps = grid.steps
    assert list(steps.columns) == ["parameter", "from", "to", VOLUME, AGENTS, "channel", "metric",
                                   "difference", "ci"]
    pairs = steps[["parameter", "from", "to", VOLUME, AGENTS]].drop_duplicates()
    assert len(pairs) == 2 * 2 + 3 * 1  # volume steps at each headcount, headcount steps at each volume
    row = steps[(steps.parameter == AGENTS) & (steps[VOLUME] == 1.2) & (steps.channel == "q")
                & (steps.metric == "abandon_rate")].iloc[0]
    assert row["from"] == 16 and row["to"] == 19 and pd.isna(row[AGENTS])
    lo, hi = grid.results[grid.points.index((1.2, 16))], grid.results[grid.points.index((1.2, 19))]

    def values(res):
        pr = res.per_replication
        return pr.loc[pr.channel == "q", "abandon_rate"].to_numpy()

    d = values(hi) - values(lo)
    assert row["difference"] == pytest.approx(d.mean(), rel=1e-12)
    assert row["ci"] == pytest.approx(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)), rel=1e-12)
    assert row["difference"] < 0  # three more agents: fewer hang up


def test_grid_heatmap(grid):
    fig = plot_sweep_heatmap(grid, "service_level", channel="q")
    ax = fig.axes[0]
    assert ax.get_xlabel() == f"volume factor  ({VOLUME})" and ax.get_ylabel() == f"agents  ({AGENTS})"
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 6 and all("%" in c and "\u00b1" in c for c in cells)
    assert "80% target" in ax.get_title()
    with pytest.raises(ValueError, match="plot_sweep_heatmap"):
        plot_sweep(grid)
    with pytest.raises(ValueError, match="no metric 'speed'"):
        plot_sweep_heatmap(grid, "speed")


def test_bad_grids(center):
    with pytest.raises(InputError, match="give each one's values in the mapping"):
        sweep(center, {VOLUME: [1, 2]}, [1, 2])
    with pytest.raises(InputError, match="200 x 200 = 40,000 points is too many for one sweep"):
        sweep(center, {VOLUME: "0.01:2:0.01", AGENTS: "1:200:1"})
    with pytest.raises(InputError, match=r"sweep channels.q.volume_factor=1, agents.0.shifts.0.agents=-1: "):
        sweep(center, {VOLUME: [1], AGENTS: [-1]}, replications=1)


def test_cli_grid_writes_the_table_and_the_heatmap(capsys, tmp_path, root):
    out = tmp_path / "grid"
    code = main(["sweep", str(root / "scenarios" / "bank.yaml"),
                 "--param", "channels.voice.self_service.deflection=0.1,0.3",
                 "--param", "agents.0.shifts.0.agents=14:18:4", "-n", "2", "--jobs", "2",
                 "--metric", "abandon_rate", "--channel", "voice", "--out", str(out), "--plot"])
    text = capsys.readouterr().out
    assert code == 0
    assert "a grid of 2 x 2 = 4 points" in text and "abandon_rate (voice; rows:" in text
    assert "deflection=0.1" in text and "agents=18" in text
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns[:2]) == ["channels.voice.self_service.deflection", "agents.0.shifts.0.agents"]
    assert len(table[["channels.voice.self_service.deflection", "agents.0.shifts.0.agents"]].drop_duplicates()) == 4
    meta = json.loads((out / "result.json").read_text())
    assert meta["grid"] == {"channels.voice.self_service.deflection": [0.1, 0.3],
                            "agents.0.shifts.0.agents": [14, 18]} and meta["complete"] is True
    png = (out / "sweep.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
