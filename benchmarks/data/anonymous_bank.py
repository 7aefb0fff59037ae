"""Convert the "Anonymous Bank" call-center data (Technion SEE Lab, 1999) into interval history.

The data: every call to the call center of an Israeli bank in 1999, one row per call, 12
monthly tab-separated files (vru+line, call_id, customer_id, priority, type, date, vru_entry,
vru_exit, vru_time, q_start, q_exit, q_time, outcome, ser_start, ser_exit, ser_time, server).
Documentation: I. Guedj and A. Mandelbaum, "Anonymous Bank" Call-Center Data Documentation
(Technion, 2000). Its terms: "The data is free for use. If used, please notify Avi Mandelbaum
... and do acknowledge the data source in any of your work." It does not state that the files
may be redistributed, so staffsim does not ship them: fetch them yourself (see README.md here).

Output: one row per service type (channel) and 30-minute interval, columns channel,
slot_start, volume (calls entering the VRU in the interval, PHANTOM calls left out), aht_s
(mean ser_time of the calls served by an agent that arrived in the interval; empty when none).
Every interval of every day from the first to the last date is written (0 where no call came),
since the VRU answers 24 hours a day.

    python benchmarks/data/anonymous_bank.py DIR_WITH_MONTH_FILES OUT.csv [--slot 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
CHANNELS = ("PS", "NW", "PE", "NE", "IN", "TT")


def read_calls(directory: Path, months=MONTHS) -> tuple[pd.DataFrame, dict]:
    """The calls of the month files present in ``directory`` (January.txt or january.txt) and
    counts of what was left out."""
    frames, used = [], []
    for m in months:
        hits = [p for p in directory.iterdir() if p.stem.lower() == m and p.suffix.lower() == ".txt"]
        if hits:
            frames.append(pd.read_csv(hits[0], sep="\t", dtype=str, keep_default_na=False))
            used.append(m)
    if not frames:
        raise SystemExit(f"{directory}: no month files (january.txt ... december.txt)")
    calls = pd.concat(frames, ignore_index=True)
    counts = {"months": used, "rows": len(calls)}
    calls["outcome"] = calls["outcome"].str.strip().str.upper()
    phantom = calls["outcome"] == "PHANTOM"
    counts["phantom_dropped"] = int(phantom.sum())
    calls = calls[~phantom]
    date = pd.to_datetime(calls["date"].str.strip(), format="%y%m%d", errors="coerce")
    clock = pd.to_timedelta(calls["vru_entry"].str.strip(), errors="coerce")
    bad = date.isna() | clock.isna()
    counts["unreadable_dropped"] = int(bad.sum())
    calls = calls[~bad].assign(arrival=(date + clock)[~bad])
    calls["type"] = calls["type"].str.strip()
    calls["ser_time"] = pd.to_numeric(calls["ser_time"], errors="coerce")
    return calls, counts


def to_intervals(calls: pd.DataFrame, slot_min: int = 30, channels=CHANNELS) -> pd.DataFrame:
    """Calls per channel and interval (every interval of every day), mean service time."""
    first = calls["arrival"].min().normalize()
    last = calls["arrival"].max().normalize() + pd.Timedelta(days=1)
    grid = pd.date_range(first, last, freq=f"{slot_min}min", inclusive="left")
    out = []
    for ch in channels:
        sel = calls[calls["type"] == ch]
        if sel.empty:
            continue
        slot = sel["arrival"].dt.floor(f"{slot_min}min")
        volume = slot.value_counts().reindex(grid, fill_value=0)
        served = sel[(sel["outcome"] == "AGENT") & (sel["ser_time"] > 0)]
        aht = served.groupby(served["arrival"].dt.floor(f"{slot_min}min"))["ser_time"].mean().reindex(grid)
        out.append(pd.DataFrame({"channel": ch, "slot_start": grid.strftime("%Y-%m-%d %H:%M"),
                                 "volume": volume.to_numpy(), "aht_s": np.round(aht.to_numpy(), 1)}))
    return pd.concat(out, ignore_index=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--slot", type=int, default=30, help="interval length in minutes (default 30)")
    args = ap.parse_args(argv)
    calls, counts = read_calls(args.directory)
    table = to_intervals(calls, args.slot)
    table.to_csv(args.out, index=False)
    print(f"{args.out}: {len(table)} rows from {counts['rows']} calls ({', '.join(counts['months'])}); "
          f"left out: {counts['phantom_dropped']} PHANTOM, {counts['unreadable_dropped']} unreadable",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
