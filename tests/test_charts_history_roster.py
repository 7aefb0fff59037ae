"""The charts of ``fit``, ``backtest`` and ``schedule`` (per-channel coverage) pass the same checks
as the day, compare, sweep and capacity charts (tests/test_charts.py): no legend box over a
plotted point, titles inside the figure. Before, each put its legend inside the axes, over the
naive patience curve, the backtest band and the backlog's cumulative lines."""

import gzip
from pathlib import Path

import pytest
from test_charts import check_figure

from staffsim import backtest, fit, schedule
from staffsim.history.backtest_plots import backtest_figures
from staffsim.history.fit_report import fit_figures
from staffsim.scenarios.loader import load_scenario
from staffsim.scheduling.plot import plot_channel_coverage

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    """The shipped contact log's first week (the fit of all six takes seconds more)."""
    with gzip.open(ROOT / "examples/history/contacts.csv.gz", "rt") as fh:
        header, *rows = fh.readlines()
    lines = [header] + [r for r in rows if r.split(",")[2][:10] < "2026-02-09"]
    path = tmp_path_factory.mktemp("log") / "contacts.csv"
    path.write_text("".join(lines))
    return path


def test_fit_charts(small_log):
    figures = fit_figures(fit(small_log))
    assert set(figures) == {"patience_service", "handle_service", "patience_sales", "handle_sales"}
    for fig in figures.values():
        check_figure(fig)


def test_backtest_takes_a_path_and_its_charts_pass(root):
    # a path, as every public function taking a scenario accepts (it raised AttributeError)
    result = backtest(str(root / "examples/history/center.yaml"),
                      root / "examples/history/contacts.csv.gz", root / "examples/history/staffing.csv",
                      start="2026-02-23", end="2026-02-23", replications=20, jobs=1, progress=False)
    figures = backtest_figures(result)
    assert set(figures) == {"backtest_service", "backtest_sales"}
    for fig in figures.values():
        check_figure(fig)
    # one day: the axis reads clock times (it showed a single tick, the date, for 24 slots)
    labels = [t.get_text() for t in figures["backtest_service"].axes[-1].get_xticklabels()]
    assert len(labels) >= 6 and "12:00" in " ".join(labels)


def test_channel_coverage_chart(root):
    sc = load_scenario(root / "scenarios/two_sites.yaml")
    roster = schedule(sc, "erlang", root / "scenarios/rules/two_sites.yaml")
    assert roster.channel_coverage is not None
    worth = {c: {g.group: 1.0 / g.handle_time_factor.get(c, 1.0) for g in sc.spec.agents}
             for c in sc.channels}
    check_figure(plot_channel_coverage(roster.channel_coverage, worth))
