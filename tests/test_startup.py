"""Start-up: the calculator and the plan load only what they need (no simulation engine, solvers,
plotting or capacity planning), and the package face loads its names when first used."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["simpy", "matplotlib", "scipy.optimize", "scipy.stats", "staffsim.experiment",
         "staffsim.engine", "staffsim.capacity", "staffsim.scheduling"]


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import sys, json\n"
        "from staffsim.cli import main\n"
        f"rc = main({argv!r})\n"
        "print(json.dumps([rc, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    rc, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert rc == 0
    return set(modules)


def test_erlang_and_plan_import_no_engine_solver_or_plotting():
    erl = _modules_after(["erlang", "--volume", "100", "--aht", "180", "--threshold", "20",
                          "--agents", "14"])
    plan = _modules_after(["plan", "scenarios/forecast/weekday.csv", "--targets",
                           "scenarios/forecast/targets.yaml"])
    for loaded in (erl, plan):
        assert not [m for m in HEAVY if m in loaded]


def test_package_names_load_on_first_use():
    code = ("import sys, staffsim\n"
            "assert 'staffsim.experiment' not in sys.modules\n"
            "from staffsim import simulate, load_scenario, capacity\n"
            "assert simulate.__module__ == 'staffsim.experiment'\n"
            "assert set(staffsim.__all__) <= set(dir(staffsim))\n"
            "try:\n    staffsim.nothing\nexcept AttributeError as e:\n    print('ok', e)\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_functions_named_like_their_modules_keep_the_name():
    code = ("import staffsim.requirement, staffsim.capacity.plots, staffsim\n"
            "from staffsim import requirement, capacity\n"
            "assert callable(requirement) and callable(capacity)\n"
            "assert callable(staffsim.requirement) and callable(staffsim.capacity)\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


# --- the parser, erlang and plan without the heavy libraries (issue 21, item 8) ----------------
# Not timed (benchmarks/bench_startup.py prints the figures): these tests hold the imports that
# make the time, and that the light paths print what the library functions give.

def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _loaded(code: str, packages: tuple[str, ...]) -> list[str]:
    """The top-level ``packages`` imported after running ``code`` in a fresh interpreter."""
    out = _run(code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    return [p for p in packages if p in json.loads(out.strip().splitlines()[-1])]


def test_building_the_parser_and_every_help_imports_no_numpy_pandas_scipy_or_pydantic():
    code = ("import contextlib, io\n"
            "from staffsim.cli.main import build_parser, main\n"
            "parser = build_parser()\n"
            "for argv in [['--help']] + [[c, '--help'] for c in parser._subparsers._group_actions[0].choices]:\n"
            "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            "        main(argv)\n")
    assert _loaded(code, ("numpy", "pandas", "scipy", "pydantic", "yaml")) == []


ERLANG_RUNS = [
    ["--volume", "100", "--aht", "300", "--agents", "12:24", "--threshold", "20"],
    ["--volume", "100", "--aht", "180", "--target", "0.8", "--threshold", "20", "--asa", "30"],
    ["--volume", "100", "--aht", "180", "--agents", "8:14", "--threshold", "20", "--patience", "120"],
    ["--volume", "300", "--aht", "6min", "--target", "0.9", "--threshold", "30s", "--patience", "2min",
     "--max-abandon", "0.05", "--concurrency", "3", "--concurrency-stretch", "1.3",
     "--shrinkage", "0.3", "--max-occupancy", "0.85"],
]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_erlang_imports_neither_pandas_nor_scipy(fmt):
    for argv in ERLANG_RUNS:
        code = f"from staffsim.cli import main\nassert main({['erlang', *argv, '--format', fmt]!r}) == 0"
        assert _loaded(code, ("pandas", "scipy", "pydantic", "yaml")) == [], argv


def test_plan_imports_no_scipy():
    code = ("from staffsim.cli import main\n"
            "assert main(['plan', 'scenarios/forecast/weekday.csv', '--targets', "
            "'scenarios/forecast/targets.yaml']) == 0")
    assert _loaded(code, ("scipy",)) == []


@pytest.mark.parametrize("flags", [[], ["--format", "csv"], ["--format", "json", "--out", "{tmp}/p.json"],
                                   ["--out", "{tmp}/p.csv", "--csv-dialect", "excel-eu"]],
                         ids=["table", "csv", "json", "out-csv"])
def test_plan_default_path_imports_no_pandas_scipy_or_pydantic(flags, tmp_path):
    """A clock-time forecast in, the plan printed (or CSV/JSON, or written to --out): numpy and
    YAML only (tests/test_plan_light.py holds that it prints what the pandas path prints)."""
    argv = ["plan", "scenarios/forecast/weekday.csv", "--targets", "scenarios/forecast/targets.yaml",
            *[f.format(tmp=tmp_path) for f in flags]]
    code = f"import contextlib, io\nfrom staffsim.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n    assert main({argv!r}) == 0"
    assert _loaded(code, ("pandas", "scipy", "pydantic", "pyarrow")) == []


def test_plan_of_dates_or_to_a_workbook_still_works_with_pandas(tmp_path):
    """Off the default path pandas is imported, and the command works as before."""
    code = ("import contextlib, io\nfrom staffsim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['plan', 'scenarios/forecast/weekday.csv', '--targets', "
            f"'scenarios/forecast/targets.yaml', '--out', {str(tmp_path / 'p.xlsx')!r}]) == 0\n")
    assert _loaded(code, ("pandas",)) == ["pandas"]


def _erlang_cli(argv: list[str]) -> str:
    done = subprocess.run([sys.executable, "-m", "staffsim", "erlang", *argv], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _library_table(volume, aht, threshold, agents, patience=None, **kw):
    """What the library's pandas functions give for an erlang command (staffing_metrics)."""
    from staffsim.models.staffing import staffing_metrics

    table = staffing_metrics(volume, aht, 1800.0, agents, threshold_s=threshold, patience_s=patience,
                             **kw)
    if patience is None:
        table = table.drop(columns=["service_level_answered", "mean_wait_s", "p_abandon"])
    return table


def test_erlang_prints_the_library_figures():
    from staffsim.formatting import format_table

    out = _erlang_cli(ERLANG_RUNS[0])
    assert format_table(_library_table(100.0, 300.0, 20.0, list(range(12, 25)))) in out
    rows = json.loads(_erlang_cli([*ERLANG_RUNS[2], "--format", "json"]))["rows"]
    want = _library_table(100.0, 180.0, 20.0, list(range(8, 15)), patience=120.0)
    assert [list(r) for r in rows] == [list(want.columns)] * len(want)
    for row, (_, expected) in zip(rows, want.iterrows()):
        for key, value in row.items():  # the same arithmetic: equal to the last bit
            assert value == ("inf" if expected[key] == float("inf") else expected[key]), key


def test_erlang_target_is_what_plan_staffing_plans():
    import pandas as pd

    from staffsim.models.staffing import ChannelTargets, plan_staffing

    targets = ChannelTargets(service_level=0.9, threshold_s=30.0, patience_s=120.0, max_abandon=0.05,
                             shrinkage=0.3, concurrency=3, concurrency_stretch=1.3, max_occupancy=0.85)
    forecast = pd.DataFrame({"channel": ["slot"], "slot_start": ["-"], "volume": [300.0],
                             "aht_s": [360.0]})
    agents = int(plan_staffing(forecast, {"slot": targets}, 1800.0)["agents"].iloc[0])
    out = _erlang_cli(ERLANG_RUNS[3])
    assert f"required agents for 90% in 30s: {agents}\n" in out
    rows = json.loads(_erlang_cli([*ERLANG_RUNS[3], "--format", "json"]))["rows"]
    assert [r["agents"] for r in rows] == [agents]


def test_slot_agents_agrees_with_plan_staffing_and_its_messages():
    import pandas as pd

    from staffsim.models.staffing import ChannelTargets, plan_staffing, slot_agents

    cases = [(0.0, 300.0, {}), (1.0, 300.0, {}), (100.0, 180.0, {"asa_s": 15.0}),
             (5000.0, 240.0, {"max_occupancy": 0.8}), (120.0, 200.0, {"patience_s": 60.0,
                                                                        "max_abandon": 0.03}),
             (40.0, 600.0, {"concurrency": 2, "concurrency_stretch": 1.5, "shrinkage": 0.25})]
    for volume, aht, extra in cases:
        tg = ChannelTargets(service_level=0.8, threshold_s=20.0, **extra)
        forecast = pd.DataFrame({"channel": ["slot"], "slot_start": ["-"], "volume": [volume],
                                 "aht_s": [aht]})
        assert slot_agents(volume, aht, 1800.0, tg) == plan_staffing(
            forecast, {"slot": tg}, 1800.0)["agents"].iloc[0], (volume, aht, extra)
    tg = ChannelTargets(service_level=0.8, threshold_s=20.0)
    for volume, aht, slot in ((-5.0, 300.0, 1800.0), (5.0, 0.0, 1800.0), (1e12, 300.0, 1800.0),
                              (5.0, 300.0, 0.0)):
        forecast = pd.DataFrame({"channel": ["slot"], "slot_start": ["-"], "volume": [volume],
                                 "aht_s": [aht]})
        with pytest.raises(ValueError) as plan_error:
            plan_staffing(forecast, {"slot": tg}, slot)
        with pytest.raises(ValueError, match="^" + re.escape(str(plan_error.value)) + "$"):
            slot_agents(volume, aht, slot, tg)


def test_format_columns_gives_format_tables_text():
    import numpy as np
    import pandas as pd

    from staffsim.formatting import format_columns, format_table

    columns = {
        "agents": np.array([0, 7, 12_345], dtype=np.int64),
        "traffic": np.array([0.0, 16.666666, 1234.5]),
        "service_level": np.array([1.0, 0.123456, float("nan")]),
        "service_level_ci": np.array([0.01, 0.0, 0.25]),
        "asa_s": np.array([float("inf"), 99.996, -3.14159]),
        "cost": np.array([-1e6, 0.004, 150.0]),
        "met": np.array([True, False, True]),
        "channel": ["voice", "a much longer name", "x"],
        "x": [1.5, 2.0, 1e-7],
    }
    assert format_columns(columns) == format_table(pd.DataFrame(columns))
    one = {"agents": np.array([12]), "p_wait": np.array([1.0])}
    assert format_columns(one) == format_table(pd.DataFrame(one))
    assert format_columns({"agents": np.array([], dtype=np.int64)}) == format_table(
        pd.DataFrame({"agents": np.array([], dtype=np.int64)}))


def test_units_and_json_without_pandas():
    code = ("import math, sys\n"
            "import numpy as np\n"
            "from staffsim.io import dumps\n"
            "from staffsim.units import parse_duration\n"
            "text = dumps({'a': np.int64(3), 'b': [np.float64(math.inf), math.nan], 'c': np.array([True]),"
            " 'd': np.bool_(False), 'e': parse_duration('15min')})\n"
            "assert 'pandas' not in sys.modules and 'pydantic' not in sys.modules\n"
            "print(text)\n")
    assert json.loads(_run(code)) == {"a": 3, "b": ["inf", None], "c": [True], "d": False, "e": 900.0}
    # the schemas' field types are made on first use, and validate as before
    from pydantic import TypeAdapter

    from staffsim.units import ClockTime, Duration

    assert TypeAdapter(Duration).validate_python("1.5h") == 5400.0
    assert TypeAdapter(ClockTime).validate_python("08:30") == 30600.0


def test_the_startup_benchmark_runs_and_its_commands_parse(monkeypatch, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_startup", ROOT / "benchmarks" / "bench_startup.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from staffsim.cli.main import build_parser

    parser = build_parser()
    for args in bench.COMMANDS.values():  # every benchmarked command is a valid one
        if args != ["--help"]:
            assert parser.parse_args(args).command == args[0]
    # the script itself, cut to one command and one import so that the test stays cheap
    monkeypatch.setattr(bench, "COMMANDS", {"staffsim --help": ["--help"]})
    monkeypatch.setattr(bench, "IMPORTS", bench.IMPORTS[:1])
    bench.main(["--runs", "1"])
    out = capsys.readouterr().out
    assert re.search(r"staffsim --help +\d+\.\d{3} s", out)
    assert re.search(r"python itself +\d+\.\d{3} s", out)
