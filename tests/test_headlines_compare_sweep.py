"""compare's tables name the pooled whole-center rows for what they are: where the channels'
thresholds differ (voice 20 s, email 24 h), the ``all`` service level and ASA mix them (the bank's
pooled ASA moves +80 s where voice moved +1 s), so the printed table and the report's table label
them ``all (mix)`` and say why, as ``run``'s table does. Where every channel shares a threshold the
row stays ``all``."""

from pathlib import Path

import pytest

import staffsim.experiment
from staffsim import compare
from staffsim.cli.main import main
from staffsim.report import comparison_report
from staffsim.scenarios.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bank_pair():
    return compare(ROOT / "scenarios/bank.yaml", ROOT / "scenarios/bank_more_self_service.yaml",
                   replications=2, seed=1, jobs=1, progress=False)


def _rows(text: str, metric: str) -> list[str]:
    return [line for line in text.splitlines() if f" {metric} " in f" {line} "]


def test_printed_differences_label_the_pooled_rows_a_mix(bank_pair, capsys, monkeypatch):
    monkeypatch.setattr(staffsim.experiment, "compare", lambda *a, **k: bank_pair)
    assert main(["compare", "scenarios/bank.yaml", "scenarios/bank_more_self_service.yaml"]) == 0
    out = capsys.readouterr().out
    pooled = [line for line in _rows(out, "asa_s") if "voice" not in line and "chat" not in line
              and "email" not in line]
    assert pooled and all("all (mix)" in line for line in pooled), pooled
    assert "all (mix): the channels' service levels have different thresholds" in out


def test_report_labels_the_pooled_rows_a_mix(bank_pair):
    html = comparison_report(bank_pair)
    changes = html.split("<h2>Changes per channel</h2>")[1].split("<h2>Each scenario</h2>")[0]
    assert "<td>all (mix)</td>" in changes and "<td>all</td>" not in changes
    assert "different thresholds" in changes


def test_one_threshold_keeps_the_all_row(capsys, monkeypatch):
    one = load_scenario(ROOT / "scenarios/automation.yaml")  # voice only: nothing to mix
    more = load_scenario(ROOT / "scenarios/automation.yaml",
                         overrides={"channels.voice.self_service.deflection": 0.3})
    result = compare(one, more, replications=2, seed=1, jobs=1, progress=False)
    monkeypatch.setattr(staffsim.experiment, "compare", lambda *a, **k: result)
    assert main(["compare", "scenarios/automation.yaml", "scenarios/automation.yaml"]) == 0
    out = capsys.readouterr().out
    assert "all (mix)" not in out and any(" all " in f" {line} " for line in _rows(out, "asa_s"))
    html = comparison_report(result)
    assert "all (mix)" not in html


# --- sweep: each channel's target in its heading and target_met per point; the pooled table named
# a mix when the thresholds differ (it was headed "whole center" with no target anywhere)

@pytest.fixture(scope="module")
def bank_sweep():
    from staffsim import sweep

    return sweep(ROOT / "scenarios/bank.yaml", "channels.voice.self_service.deflection", [0.1, 0.3],
                 replications=2, seed=1, jobs=1, progress=False)


def test_sweep_tables_carry_targets_and_name_the_mix(bank_sweep, capsys, monkeypatch):
    import staffsim.sweeps

    monkeypatch.setattr(staffsim.sweeps, "sweep", lambda *a, **k: bank_sweep)
    assert main(["sweep", "scenarios/bank.yaml", "--param",
                 "channels.voice.self_service.deflection=0.1,0.3"]) == 0
    out = capsys.readouterr().out
    assert "voice (target 80% in 20s, abandon ≤ 5%):" in out
    assert "email (target 90% in 24h):" in out
    sections = out.split("\n\n")
    voice = next(s for s in sections if s.startswith("voice ("))
    header, *rows = voice.splitlines()[1:]
    assert header.split()[-1] == "target_met" and len(rows) == 2
    for row, result in zip(rows, bank_sweep.results):  # each point's mark is its means' verdict
        s = result.summary().set_index("channel").loc["voice"]
        met = s["service_level"] >= 0.8 and s["abandon_rate"] <= 0.05
        assert row.rstrip().endswith(" met") == met and ("missed: " in row) != met, row
    assert "whole center (a mix: the channels' service levels have different thresholds" in out


def test_report_waits_read_in_minutes_or_hours(bank_pair):
    """An email's ASA of about 4,000 s reads in min (or h) in the report's tables; seconds only
    below two minutes (it printed "4,332.3 s ±2,261.5 s")."""
    import re

    html = comparison_report(bank_pair)
    seconds = [float(v.replace(",", "")) for v in re.findall(r"([\d,]+\.\d) s\b", html)]
    assert seconds and max(seconds) < 120, max(seconds)
    email = bank_pair.baseline.summary().set_index("channel").loc["email", "asa_s"]
    assert email > 600  # the case this test is about
    assert f"{email / 60:,.1f} min" in html or f"{email / 3600:,.1f} h" in html


def test_summary_csv_carries_targets_beside_the_service_level(bank_pair, tmp_path):
    """summary.csv, opened on its own (in Excel, by a manager), judges its figures: target and
    target_met beside the service level; the pooled row's target says it is a mix."""
    import pandas as pd

    bank_pair.baseline.write(tmp_path)
    s = pd.read_csv(tmp_path / "summary.csv")
    cols = list(s.columns)
    assert cols[cols.index("service_level_ci") + 1: cols.index("service_level_ci") + 3] == ["target", "target_met"]
    s = s.set_index("channel")
    assert s.loc["voice", "target"] == "80% in 20s, abandon ≤ 5%"
    assert s.loc["email", "target"] == "90% in 24h"
    assert s.loc["all", "target"] == "mix: see channels" and s.loc["all", "target_met"] == "-"
    for channel in ("voice", "chat", "email"):
        row = bank_pair.baseline.summary().set_index("channel").loc[channel]
        goal = bank_pair.baseline.scenario.spec.channels[channel].target
        met = row["service_level"] >= goal.service_level and (
            goal.max_abandon is None or row["abandon_rate"] <= goal.max_abandon)
        assert (s.loc[channel, "target_met"] == "met") == met


def test_sweep_chart_pools_only_where_thresholds_agree(bank_sweep):
    """The bank's channels have 20 s, 1 min and 24 h thresholds: the sweep chart draws service
    level and abandonment per channel, each with its target (it drew one pooled line, no target);
    a single-threshold center keeps one line, with its target."""
    from test_charts import check_figure

    from staffsim import sweep
    from staffsim.plots import plot_sweep

    fig = plot_sweep(bank_sweep)
    check_figure(fig)
    service = fig.axes[0]
    labels = [line.get_label() for line in service.get_lines()]
    assert {"voice (mean, 95% band)", "chat (mean, 95% band)", "email (mean, 95% band)"} <= set(labels)
    assert "voice target 80% in 20s" in labels and "email target 90% in 24h" in labels
    assert "simulated (mean)" not in labels and "per channel" in service.get_title()
    one = sweep(ROOT / "scenarios/automation.yaml", "channels.voice.self_service.deflection", [0.1, 0.3],
                replications=2, seed=1, jobs=1, progress=False)
    fig = plot_sweep(one)
    check_figure(fig)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "simulated (mean)" in labels and "target 80%" in labels


def test_pooled_service_level_is_judged_only_with_one_threshold():
    """Every channel at 80% but in 20 s, 1 min and 24 h: the pooled service level meets no single
    target, so the heatmap of the whole center colours it on a neutral scale (it was judged
    against 80%)."""
    from types import SimpleNamespace

    from staffsim.plots import _service_target

    same_share = load_scenario(ROOT / "scenarios/bank.yaml",
                               overrides={"channels.email.target.service_level": 0.8})
    assert _service_target(SimpleNamespace(scenario=same_share), "all") is None
    assert _service_target(SimpleNamespace(scenario=same_share), "voice") == 0.8
    one = load_scenario(ROOT / "scenarios/automation.yaml")
    assert _service_target(SimpleNamespace(scenario=one), "all") == 0.8
