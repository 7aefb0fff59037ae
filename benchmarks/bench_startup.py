"""Start-up: CPU seconds a command takes from a cold ``python -m staffsim`` to its answer.

Run: python benchmarks/bench_startup.py [--runs N]   (prints figures; nothing is asserted)

Each figure is the best of several runs of the command in a fresh process (user + system CPU
time of the child, from ``resource.getrusage(RUSAGE_CHILDREN)``), so that other work on a shared
machine inflates it less than wall-clock time. Then the cost of each library the commands import,
added one at a time on top of the previous ones (the same measure on ``python -c "import ..."``).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7

COMMANDS = {
    "staffsim --help": ["--help"],
    "staffsim erlang (one agent count)": ["erlang", "--volume", "100", "--aht", "300", "--agents", "12",
                                          "--threshold", "20"],
    "staffsim erlang --target": ["erlang", "--volume", "100", "--aht", "300", "--target", "0.8",
                                 "--threshold", "20"],
    "staffsim erlang --patience (Erlang A)": ["erlang", "--volume", "100", "--aht", "300", "--agents",
                                              "10:20", "--threshold", "20", "--patience", "120"],
    "staffsim plan (forecast example)": ["plan", "scenarios/forecast/weekday.csv", "--targets",
                                         "scenarios/forecast/targets.yaml"],
    "staffsim plan ... --format json": ["plan", "scenarios/forecast/weekday.csv", "--targets",
                                       "scenarios/forecast/targets.yaml", "--format", "json"],
    "staffsim plan (date-times: the pandas path)": ["plan", "scenarios/forecast/peaky_week.csv",
                                                    "--targets", "scenarios/forecast/targets.yaml"],
}

#: what the commands import, each line on top of the lines above it (None: a heading)
IMPORTS: list[tuple[str, str | None]] = [
    ("python itself", "pass"),
    ("+ numpy", "import numpy"),
    ("+ yaml", "import numpy, yaml"),
    ("+ plan's readers and output, no pandas (the default path)",
     "import numpy, yaml; import staffsim.scenarios.forecast, staffsim.cli.plan_output"),
    ("then, for the pandas path (date-times, workbooks), from + yaml:", None),
    ("+ pydantic (BaseModel)", "import numpy, yaml; from pydantic import BaseModel"),
    ("+ pandas (with pyarrow, which pandas loads when installed)",
     "import numpy, yaml, pandas; from pydantic import BaseModel"),
    ("+ the scenario schema (pydantic models)",
     "import numpy, yaml, pandas; import staffsim.scenarios.schema"),
    ("+ the scenario loader (run, validate)", "import numpy, yaml, pandas; import staffsim.scenarios.loader"),
    ("scipy.special alone (no longer on these paths)", "import scipy.special"),
]


def cpu_seconds(argv: list[str], runs: int = RUNS) -> float:
    """Least user + system CPU seconds of ``argv`` over ``runs`` runs in fresh processes."""
    best = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def main(argv: list[str] | None = None) -> None:
    """Print the CPU seconds of each command, then of each import."""
    parser = argparse.ArgumentParser(description="CPU seconds of staffsim's start-up")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    runs = parser.parse_args(argv).runs
    print(f"staffsim start-up, CPU seconds (user + system), best of {runs} runs")
    for label, args in COMMANDS.items():
        print(f"  {label:<44} {cpu_seconds([sys.executable, '-m', 'staffsim', *args], runs):6.3f} s")
    print("what the imports cost (each line adds to the one above it):")
    for label, code in IMPORTS:
        if code is None:
            print(f"  {label}")
            continue
        print(f"  {label:<60} {cpu_seconds([sys.executable, '-c', code], runs):6.3f} s")


if __name__ == "__main__":
    main()
