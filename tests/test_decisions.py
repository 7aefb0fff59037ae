"""Compare, sweep, costs, charts, interruption and file outputs."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import one_queue, stationary
from scipy import stats

from staffsim import InputError, compare, load_scenario, scenario_from_dict, simulate, sweep
from staffsim.cli import main
from staffsim.experiment import run_batch
from staffsim.plots import plot_comparison, plot_day, plot_sweep, save_figures
from staffsim.sweeps import parse_values


@pytest.fixture(scope="module")
def bank_pair(tmp_path_factory):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "scenarios"
    return load_scenario(root / "bank.yaml"), load_scenario(root / "bank_more_self_service.yaml")


def test_paired_ci_is_narrower_than_independent(bank_pair):
    base, variant = bank_pair
    paired = compare(base, variant, replications=8, jobs=2).differences
    indep = compare(base, variant, replications=8, jobs=2, paired=False).differences
    for metric in ("service_level", "abandon_rate", "cost", "paid_agent_hours"):
        p = paired[(paired.channel == "all") & (paired.metric == metric)].iloc[0]
        i = indep[(indep.channel == "all") & (indep.metric == metric)].iloc[0]
        assert p["ci"] < i["ci"], metric
    row = paired[(paired.channel == "all") & (paired.metric == "cost")].iloc[0]
    assert row["difference"] == pytest.approx(row["value"] - row["baseline"], rel=1e-9)


def test_compare_headline_and_outputs(bank_pair, tmp_path):
    base, variant = bank_pair
    res = compare(base, variant, replications=3, jobs=1)
    line = res.headline("bank_more_self_service")
    # the bank's channels have different thresholds (20 s, 60 s, 24 h): service per channel
    assert line.startswith("bank_more_self_service vs bank: voice service level ")
    assert "; chat service level " in line and "; email service level " in line
    assert "EUR per day" in line and "±" in line
    res.write(tmp_path, parquet=True)
    meta = json.loads((tmp_path / "result.json").read_text())
    assert meta["paired"] is True and meta["seed"] == base.spec.run.seed and meta["replications"] == 3
    back = pd.read_parquet(tmp_path / "differences.parquet")
    pd.testing.assert_frame_equal(back, res.differences)


def test_incompatible_scenarios_cannot_be_compared(bank_pair, root):
    base, _ = bank_pair
    other = base.with_overrides({"horizon.end": "21:00", "channels.voice.volume": [10] * 26,
                                 "channels.chat.volume": [5] * 26, "channels.email.volume": [5] * 26})
    with pytest.raises(InputError, match="different horizons"):
        compare(base, other, replications=1)
    travel = load_scenario(root / "scenarios" / "travel_agency.yaml")
    with pytest.raises(InputError, match="different"):
        compare(base, travel, replications=1)


def small_center(**fields):
    return stationary(300.0, 180.0, 18, patience=240.0, hours=4, replications=4, seed=3, **fields)


def test_sweep_is_reproducible_for_any_job_count():
    sc = small_center(self_service={"deflection": 0.1})
    path = "channels.q.self_service.deflection"
    a = sweep(sc, path, "0:0.4:0.2", jobs=1)
    b = sweep(sc, path, [0.0, 0.2, 0.4], jobs=1)
    c = sweep(sc, path, "0,0.2,0.4", jobs=2)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.table, c.table, check_exact=True)
    pd.testing.assert_frame_equal(a.steps, c.steps, check_exact=True)


def test_sweep_over_deflection_follows_theory():
    sc = small_center(self_service={"deflection": 0.0})
    values = [0.0, 0.2, 0.4, 0.6]
    res = sweep(sc, "channels.q.self_service.deflection", values, replications=10, jobs=2)
    t = res.table[(res.table.channel == "q") & (res.table.metric == "offered_to_agents")]
    volume = 300.0 * 4
    reps = 10
    for p, (_, row) in zip(values, t.iterrows()):
        expected = volume * (1 - p)
        # Poisson total over the day: the 99.9% interval of the mean of 10 days
        half = stats.norm.ppf(0.9995) * np.sqrt(expected / reps)
        assert abs(row["mean"] - expected) <= half, (p, row["mean"], expected)
    steps = res.steps[(res.steps.channel == "q") & (res.steps.metric == "answered")]
    assert (steps["difference"] + steps["ci"] < 0).all()  # every step answers significantly fewer
    plan = res.table[(res.table.channel == "q") & (res.table.metric == "plan_agent_hours")]["mean"]
    assert plan.is_monotonic_decreasing and plan.iloc[0] > plan.iloc[-1]


@pytest.mark.parametrize("text,match", [
    ("0:1", "start:stop:step"),
    ("0:1:0", "step must be a number > 0"),
    ("1:0:0.1", "ends before it starts"),
    ("a:b:c", "must be numbers"),
    ("0:100000:1", "too many"),
    ("0.1,0.1", "listed twice"),
    ("", "no values"),
])
def test_bad_sweep_values(text, match):
    with pytest.raises(InputError, match=match):
        parse_values(text, "channels.q.volume_factor")


def test_sweep_values_and_bad_parameters():
    assert parse_values("18:24:2") == [18, 20, 22, 24]
    assert parse_values("0:0.3:0.1") == [0.0, 0.1, 0.2, 0.3]
    sc = small_center()
    with pytest.raises(InputError, match=r"channels.q: unknown field 'colour'"):
        sweep(sc, "channels.q.colour", [1, 2], replications=1)
    with pytest.raises(InputError, match=r"deflection=1.5.*must be < 1"):
        sweep(sc, "channels.q.self_service.deflection", [0.5, 1.5], replications=1)
    with pytest.raises(InputError, match=r"agents.3 is not an item"):
        sweep(sc, "agents.3.shifts.0.agents", [1], replications=1)


def test_cost_arithmetic_by_hand():
    # one agent 08:00-09:00 at 30/h. A 08:00-08:10; B waits from 08:01 and abandons at 08:02;
    # C 08:55-09:05, finished after closing: 5 minutes' overtime. Two bot contacts contained.
    sc = one_queue(
        arrivals=["08:00", "08:01", "08:55"], handle=600.0, patience=60.0, skills=["q", "bot"],
        extra_channel={"bot": {"arrivals": ["08:10", "08:20"], "handle_time": 60,
                               "target": {"service_level": 0.8, "threshold": 20},
                               "self_service": {"deflection": 0.999999999}}},
        run={"replications": 1, "seed": 1, "drain": "1h"},
    )
    data = sc.raw_copy()
    data["costs"] = {"agent_hour": 30, "abandoned": 10, "self_service": {"bot": 2},
                     "handled_minute": {"q": 0.5}}
    res = simulate(scenario_from_dict(data))
    s = res.summary().set_index("channel")
    paid = 1 + 5 / 60
    assert s.loc["all", "paid_agent_hours"] == pytest.approx(paid)
    assert s.loc["q", "agent_cost"] == pytest.approx(30 * paid)  # all the work was on q
    assert s.loc["bot", "agent_cost"] == pytest.approx(0.0)
    assert s.loc["q", "abandon_cost"] == pytest.approx(10.0)
    assert s.loc["q", "telephony_cost"] == pytest.approx(20 * 0.5)  # 2 calls x 10 minutes
    assert s.loc["bot", "self_service_cost"] == pytest.approx(2 * 2.0)
    assert s.loc["all", "cost"] == pytest.approx(32.5 + 10 + 10 + 4)
    assert s.loc["all", "cost_per_handled"] == pytest.approx(56.5 / 2)


def test_charts_have_titles_labels_and_files(bank_pair, tmp_path):
    base, variant = bank_pair
    run = simulate(base, replications=2)
    fig = plot_day(run, "voice")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]  # (the waiting time's twin axis has none)
    assert titles == ["Contacts per half hour", "Service level (answered within 20s)",
                      "Agents: Erlang requirement vs simulated staffing", "Queue and waiting"]
    assert fig.axes[1].get_ylabel() == "share of contacts offered to agents"
    assert all(ax.get_xlabel() == "slot start" for ax in fig.axes if ax.get_title())
    assert "target 80% in 20s" in [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    cmp = compare(base, variant, replications=2, jobs=1)
    fig2 = plot_comparison(cmp)
    assert [ax.get_title() for ax in fig2.axes] == ["Service level", "Abandonment",
                                                     "Average speed of answer", "Paid agent hours", "Total cost"]
    assert fig2.axes[4].get_xlabel() == "change (EUR per day)"
    sw = sweep(base, "channels.voice.self_service.deflection", [0.1, 0.3], replications=2, jobs=1)
    fig3 = plot_sweep(sw)
    assert fig3.axes[0].get_xlabel().startswith("deflection")
    # the bank's channels have different thresholds: service and abandonment per channel, not pooled
    assert [ax.get_title() for ax in fig3.axes] == [
        "Service level per channel (thresholds differ: not pooled)",
        "Abandonment per channel (thresholds differ: not pooled)", "Paid agent hours", "Total cost"]
    paths = save_figures({"day": fig, "compare": fig2, "sweep": fig3}, tmp_path)
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


class Interrupt:
    """A progress bar whose user presses Ctrl-C after ``after`` finished tasks."""

    def __init__(self, after):
        self.after, self.seen = after, 0

    def update(self, n=1):
        self.seen += n
        if self.seen >= self.after:
            raise KeyboardInterrupt

    def close(self):
        pass


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_keeps_the_finished_replications(jobs):
    sc = small_center()
    # with workers, tasks already running when Ctrl-C comes are finished and kept too
    part = simulate(sc, replications=30, jobs=jobs, progress=Interrupt(3))
    assert not part.complete and 3 <= part.replications < 30
    clean = simulate(sc, replications=part.replications, jobs=1)
    pd.testing.assert_frame_equal(part.slots, clean.slots, check_exact=True)


def test_ctrl_c_in_a_comparison_keeps_whole_replications():
    a, b = small_center(), small_center().with_overrides({"agents.0.shifts.0.agents": 20})
    results = run_batch([a, b], replications=4, jobs=1, progress=Interrupt(5))
    assert [r.replications for r in results] == [2, 2]  # 5 tasks done: replications 0 and 1 of both
    assert not any(r.complete for r in results)
    with pytest.raises(KeyboardInterrupt):  # only replication 0 of the first: nothing whole to keep
        run_batch([a, b], replications=3, jobs=1, progress=Interrupt(1))


def test_cli_compare_and_sweep(capsys, tmp_path, root):
    out = tmp_path / "cmp"
    code = main(["compare", str(root / "scenarios" / "bank.yaml"),
                 str(root / "scenarios" / "bank_more_self_service.yaml"), "-n", "2", "--jobs", "1",
                 "--out", str(out), "--plot", "--parquet"])
    text = capsys.readouterr().out
    assert code == 0 and "bank_more_self_service vs bank: voice service level" in text
    assert {"differences.csv", "summaries.csv", "result.json", "compare.png", "differences.parquet"} <= {
        p.name for p in out.iterdir()}
    out2 = tmp_path / "sw"
    code = main(["sweep", str(root / "scenarios" / "automation.yaml"), "--param",
                 "channels.voice.self_service.deflection=0:0.2:0.1", "-n", "2", "--jobs", "2",
                 "--out", str(out2), "--plot"])
    assert code == 0 and (out2 / "sweep.png").exists() and (out2 / "sweep.csv").exists()
    table = pd.read_csv(out2 / "sweep.csv")
    assert sorted(table["value"].unique()) == [0.0, 0.1, 0.2]


@pytest.mark.parametrize("argv,match", [
    (["sweep", "{s}", "--param", "channels.voice.self_service.deflection=0:1:0"], "step must be"),
    (["sweep", "{s}", "--param", "channels.voice.nope=1,2"], "unknown field 'nope'"),
    (["sweep", "{s}", "--param", "channels.voice.volume_factor"], "PATH=VALUES"),
    (["sweep", "{s}", "--param", "channels.voice.volume_factor=1,2",
      "--param", "channels.voice.volume_factor=3"], "--param channels.voice.volume_factor: given twice"),
    (["sweep", "{s}", "--param", "channels.voice.volume_factor=1,2", "--param", "absence=0,0.1",
      "--metric", "speed"], "--metric: unknown metric 'speed'; choose one of service_level,"),
    (["sweep", "{s}", "--param", "channels.voice.volume_factor=1,2", "--metric", "cost"],
     "--metric and --channel choose the matrix and heatmap of a grid"),
    (["sweep", "{s}", "--param", "channels.voice.volume_factor=1,2", "--param", "absence=0,0.1",
      "--channel", "fax"], "--channel: no channel 'fax'"),
    (["sweep", "{s}", "--param", "channels.voice.volume_factor=1", "--param", "absence=0",
      "--param", "channels.voice.concurrency=1", "--out", "x", "--plot"], "not 3; sweep.csv holds every point"),
    (["compare", "{s}", "{t}"], "cannot compare"),
    (["compare", "{s}", "{s}", "--plot"], "--plot needs --out"),
])
def test_cli_bad_sweeps_and_compares_exit_2(capsys, root, argv, match):
    s = str(root / "scenarios" / "automation.yaml")
    t = str(root / "scenarios" / "travel_agency.yaml")
    code = main([a.format(s=s, t=t) for a in argv] + ["-n", "1", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1, err


def test_html_reports_for_managers(bank_pair, tmp_path):
    import re

    from staffsim.report import comparison_report, run_report

    base, variant = bank_pair
    run = simulate(base, replications=2)
    page = run_report(run)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<h1>Retail bank, weekday</h1>" in page
    assert page.count('src="data:image/png;base64,') == len(base.channels)  # a day chart per channel
    for heading in ("Service per channel", "Money", "Staffing: what Erlang asks for", "What the figures mean"):
        assert heading in page
    summary = run.summary().set_index("channel")
    # thresholds differ (20 s, 60 s, 24 h): the headline gives each channel against its own target
    for channel, target in (("voice", "80% in 20s, abandon ≤ 5%"), ("chat", "80% in 1min"),
                            ("email", "90% in 24h")):
        sl = summary.loc[channel, "service_level"]
        assert f"{channel} {100 * sl:.1f}% (target {target}: " in page
    assert "all (mix)" in page
    cmp = compare(base, variant, replications=2, jobs=1)
    page = comparison_report(cmp)
    assert cmp.headline("bank_more_self_service") in page
    assert len(re.findall(r"<td>service level</td>", page)) == 4  # voice, chat, email and all
    hostile = base.with_overrides({"name": "<script>alert(1)</script>"})
    assert "<script>" not in run_report(simulate(hostile, replications=2))


def test_cli_report_needs_out(capsys, root):
    code = main(["run", str(root / "scenarios" / "bank.yaml"), "-n", "1", "--report"])
    assert code == 2 and "--report needs --out" in capsys.readouterr().err
