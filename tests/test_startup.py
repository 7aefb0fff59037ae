"""Start-up: the calculator and the plan load only what they need (no simulation engine, solvers,
plotting or capacity planning), and the package face loads its names when first used."""

import json
import subprocess
import sys
from pathlib import Path

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
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
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
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_functions_named_like_their_modules_keep_the_name():
    code = ("import staffsim.requirement, staffsim.capacity.plots, staffsim\n"
            "from staffsim import requirement, capacity\n"
            "assert callable(requirement) and callable(capacity)\n"
            "assert callable(staffsim.requirement) and callable(staffsim.capacity)\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
