"""Forecast accuracy on real call-center data: staffsim forecast's methods beside weekly
seasonal naive, by rolling-origin evaluation (one week ahead from each origin).

Data: the "Anonymous Bank" call-center data (an Israeli bank, 1999; Technion SEE Lab, Guedj and
Mandelbaum), aggregated to 30-minute intervals per service type by
benchmarks/data/anonymous_bank.py. Not shipped (see benchmarks/data/README.md for where to get
it); give the converted CSV or the directory of month files:

    python benchmarks/bench_forecast.py /path/to/bank_intervals.csv
    python benchmarks/bench_forecast.py /path/to/month_files/        # converts january.txt ... first
    STAFFSIM_BANK_DATA=/path/... python benchmarks/bench_forecast.py

Options: --weeks N (origins, default 4), --until DATE (cut the history there: a validation run
on earlier weeks), --methods profile,seasonal_naive,ets. Prints per channel and level WAPE,
MASE, p10-p90 coverage and the WAPE improvement over seasonal naive. Figures, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from staffsim.errors import InputError
from staffsim.formatting import format_table
from staffsim.history.forecast import forecast
from staffsim.history.readers import History, load_history


def _history(source: Path, until: dt.date | None) -> History:
    if source.is_dir():
        sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
        from anonymous_bank import read_calls, to_intervals

        calls, counts = read_calls(source)
        path = Path(os.environ.get("TMPDIR", "/tmp")) / "staffsim_bank_intervals.csv"
        to_intervals(calls).to_csv(path, index=False)
        print(f"converted {counts['rows']} calls ({', '.join(counts['months'])}; left out "
              f"{counts['phantom_dropped']} PHANTOM, {counts['unreadable_dropped']} unreadable) -> {path}")
        source = path
    if until is not None:
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
        table = table[table["slot_start"].str[:10] <= until.isoformat()]
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"staffsim_bank_until_{until}.csv"
        table.to_csv(path, index=False)
        source = path
    return load_history(source)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="forecast accuracy on the Anonymous Bank data")
    ap.add_argument("data", nargs="?", default=os.environ.get("STAFFSIM_BANK_DATA"))
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--until", type=dt.date.fromisoformat)
    ap.add_argument("--methods", default="profile,ets")
    args = ap.parse_args(argv)
    if not args.data:
        print("give the data: a converted CSV or the directory of month files (see "
              "benchmarks/data/README.md), or set STAFFSIM_BANK_DATA", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    hist = _history(Path(args.data), args.until)
    print(f"history: {hist.first_date} to {hist.date(hist.days - 1)}, {hist.days} days, "
          f"{len(hist.channels)} channels, {hist.slot_s / 60:g}-minute intervals "
          f"(read in {time.perf_counter() - t0:.1f} s)")
    for note in hist.notes:
        print(f"  note: {note}")
    tables = []
    for method in args.methods.split(","):
        try:
            t1 = time.perf_counter()
            res = forecast(hist, "1w", method=method, backtest=True, backtest_weeks=args.weeks)
        except InputError as exc:  # ets without statsmodels
            print(f"{method}: skipped ({exc})")
            continue
        acc = res.accuracy
        if method != args.methods.split(",")[0]:
            acc = acc[acc["method"] == method]
        tables.append(acc)
        print(f"{method}: backtest in {time.perf_counter() - t1:.1f} s (noisy: shared machine)")
    acc = pd.concat(tables, ignore_index=True)
    origins = int(acc["origins"].max())
    last = hist.date(hist.days - 1)
    first_origin = last - dt.timedelta(days=7 * origins - 1)
    print(f"\nRolling origin: {origins} weeks, one week ahead each, scored {first_origin} to {last} "
          "on complete days; wape_vs_naive = 1 - WAPE / seasonal naive's WAPE")
    order = {m: k for k, m in enumerate(["seasonal_naive", *args.methods.split(",")])}
    acc = acc.sort_values(["channel", "level", "method"], key=lambda s: s.map(order) if s.name == "method"
                          else s.map({c: k for k, c in enumerate(dict.fromkeys(acc["channel"]))})
                          if s.name == "channel" else s.map({"interval": 0, "day": 1}))
    print(format_table(acc[["channel", "level", "method", "wape", "mase", "coverage_p10_p90", "points",
                            "wape_vs_naive"]].reset_index(drop=True)))
    goal = acc[(acc["level"] == "interval") & (acc["method"] != "seasonal_naive")]
    print("\nGoal: interval-level WAPE at least 10% below seasonal naive, one week ahead:")
    for _, row in goal.iterrows():
        verdict = "met" if row["wape_vs_naive"] >= 0.10 else "NOT met"
        print(f"  {row['channel']:>4} {row['method']:<8} {row['wape_vs_naive']:+.1%}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
