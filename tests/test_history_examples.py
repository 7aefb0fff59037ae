"""The shipped history example (examples/history/) and the commands of docs/fit_and_backtest.md."""

from __future__ import annotations

import gzip
import shlex
from pathlib import Path

import pandas as pd
import pytest
from shared_results import share_command_results, sharing
from test_history_fit import MH

from staffsim import fit, load_scenario
from staffsim.cli.main import main
from staffsim.history.staffing import read_staffing
from staffsim.scenarios.loader import load_forecast

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples/history"
DOC = ROOT / "docs/fit_and_backtest.md"


@pytest.fixture(scope="module")
def regenerated():
    contacts, staffing = MH.generate()
    return MH.tables(contacts, staffing)


def test_shipped_files_are_what_the_script_writes(regenerated):
    with gzip.open(EX / "contacts.csv.gz", "rt") as fh:
        shipped = fh.read()
    assert shipped == regenerated["contacts"].to_csv(index=False)
    assert (EX / "intervals.csv").read_text() == regenerated["intervals"].to_csv(index=False)
    assert (EX / "staffing.csv").read_text() == regenerated["staffing"].to_csv(index=False)
    assert (EX / "contacts.csv.gz").stat().st_size < 3_000_000


def test_interval_history_reads_as_a_forecast_file(regenerated):
    f = load_forecast(EX / "intervals.csv")
    assert f.slot_s == 1800 and set(f.table["channel"]) == {"service", "sales"}
    c = regenerated["contacts"]
    assert f.table["volume"].sum() == len(c)  # every contact counted in its arrival slot


def test_fitted_fragment_is_the_fit_of_the_shipped_log_and_center_loads(shared_results):
    # the fit of the shipped log is docs/your-center.md's and docs/fit_and_backtest.md's command
    # too: computed once per session (tests/shared_results.py)
    result = sharing(shared_results, fit, "staffsim.history.fit.fit")(EX / "contacts.csv.gz")
    assert (EX / "fitted.yaml").read_text() == result.fragment_yaml()
    sc = load_scenario(EX / "center.yaml")
    assert sc.spec.horizon.days == 7 and set(sc.channels) == {"service", "sales"}
    staff = read_staffing(EX / "staffing.csv", sc, 1800.0, pd.Timestamp("2026-02-02").date())
    assert set(staff["group"]) == {"service_team", "sales_team"} and staff["day"].nunique() == 24


def _commands() -> list[str]:
    lines, inside = [], False
    for line in DOC.read_text().splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```console"
            continue
        if inside and line.startswith("$ "):
            lines.append(line[2:])
    return lines


def test_every_documented_command_runs(tmp_path, regenerated, capsys, monkeypatch, shared_results):
    # the fit and the backtest are docs/your-center.md's commands too (tests/test_docs.py):
    # computed once per session (tests/shared_results.py)
    share_command_results(shared_results, monkeypatch)
    commands = _commands()
    assert len(commands) == 3
    for command in commands:
        argv = shlex.split(command)
        if argv[0] == "python":  # make_history.py: the shipped files are what it writes (above)
            assert argv[1] == "examples/history/make_history.py"
            continue
        assert argv[0] == "staffsim"
        argv = [str(tmp_path / a) if a in ("fit_out", "backtest_out") else
                (str(ROOT / a) if a.startswith("examples/") else a) for a in argv[1:]]
        assert main(argv + (["--no-progress"] if argv[0] == "backtest" else [])) == 0, command
    assert (tmp_path / "fit_out/scenario_fragment.yaml").exists()
    cal = pd.read_csv(tmp_path / "backtest_out/calibration.csv")
    assert set(cal["kpi"]) == {"service_level", "asa_s", "abandon_rate", "occupancy"}
    assert (tmp_path / "backtest_out/backtest_service.png").exists()
    capsys.readouterr()


def test_the_shipped_forecast_is_what_the_walkthrough_command_writes(tmp_path):
    """docs/your-center.md step 1: examples/history/forecast.csv (read by week.yaml) is exactly
    what `staffsim forecast examples/history/intervals.csv --horizon 1w` writes."""
    from pathlib import Path

    from staffsim.cli import main

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "forecast.csv"
    assert main(["forecast", str(root / "examples/history/intervals.csv"), "--horizon", "1w",
                 "--out", str(out)]) == 0
    assert out.read_text() == (root / "examples/history/forecast.csv").read_text()
