"""Convert the "Anonymous Bank" call-center data (Technion SEE Lab, 1999) into a contact log
that ``staffsim fit`` reads: one row per call that reached the queue.

See README.md here for the data, its terms (not shipped) and where to fetch it. Per call:
``arrival`` = the time it entered the queue (``q_start``; ``vru_exit`` for calls that went
straight to an agent, ``q_time`` = 0), ``answer``/``end`` = ``ser_start``/``ser_exit`` of calls an
agent served (outcome AGENT), ``abandon`` = ``q_exit`` of calls that hung up in the queue
(outcome HANG with ``q_time`` > 0). ``segment`` = ``priority`` (0 and 1: regular, 2: high, as in
Brown et al. 2005), ``customer`` = ``customer_id`` (blank where 0, i.e. unidentified).

Left out, and counted on standard error: PHANTOM records, calls that hung up in the VRU
before queueing (HANG with ``q_time`` = 0), outcome OTHER (transferred out), and records whose
times are unreadable or inconsistent (a recorded service start more than 5 s from the queue entry
plus the recorded queue time). Waits and talk times are the recorded ``q_time`` and ``ser_time``.

    python benchmarks/data/anonymous_bank_contacts.py DIR OUT.csv [--months january,...] [--types PS]
        [--staffing STAFFING.csv] [--gap 15min]

``--staffing`` also writes the agents logged in per 30-minute slot, as ``staffsim backtest`` reads
them (``group,slot_start,agents``, one group ``agents``). The data hold no log-in times, only who
served which call, so they are inferred: one server's services of any type separated by at most
``--gap`` (default 15 minutes) form one logged-in session, from the first answer to the last
end; a slot's agents are the time-average number of sessions in it, rounded to whole agents.
An agent idle for longer than the gap is counted out, so the inferred staffing is a lower bound
in quiet hours. Sessions count the services of the ``--types`` converted: agents served every
type, so infer the staffing from all of them (``--types PS,NW,NE,IN,PE,TT``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anonymous_bank import MONTHS  # noqa: E402


def _clock(s: pd.Series) -> np.ndarray:
    return pd.to_timedelta(s.str.strip(), errors="coerce").dt.total_seconds().to_numpy()


def convert(directory: Path, months, types) -> tuple[pd.DataFrame, dict]:
    frames = []
    for m in months:
        hits = [p for p in directory.iterdir() if p.stem.lower() == m and p.suffix.lower() == ".txt"]
        if hits:
            frames.append(pd.read_csv(hits[0], sep="\t", dtype=str, keep_default_na=False))
    if not frames:
        raise SystemExit(f"{directory}: none of the month files {', '.join(months)}")
    c = pd.concat(frames, ignore_index=True)
    counts = {"rows": len(c)}
    for col in ("type", "outcome", "customer_id", "priority", "date"):
        c[col] = c[col].str.strip()
    c["outcome"] = c["outcome"].str.upper()
    c = c[c["type"].isin(types)]
    counts["of_types"] = len(c)
    keep = c["outcome"] != "PHANTOM"
    counts["phantom"] = int((~keep).sum())
    c = c[keep]
    q_time = pd.to_numeric(c["q_time"], errors="coerce").to_numpy()
    vru_hang = (c["outcome"] == "HANG").to_numpy() & (q_time == 0)
    other = ~c["outcome"].isin(["AGENT", "HANG"]).to_numpy()
    counts["hung_up_in_vru"] = int(vru_hang.sum())
    counts["other_outcome"] = int((other & ~vru_hang).sum())
    c = c[~vru_hang & ~other]
    day = pd.to_datetime(c["date"], format="%y%m%d", errors="coerce")
    q_time = pd.to_numeric(c["q_time"], errors="coerce").to_numpy()
    ser_time = pd.to_numeric(c["ser_time"], errors="coerce").to_numpy()
    vru_exit, q_start, q_exit = _clock(c["vru_exit"]), _clock(c["q_start"]), _clock(c["q_exit"])
    ser_start, ser_exit = _clock(c["ser_start"]), _clock(c["ser_exit"])
    agent = (c["outcome"] == "AGENT").to_numpy()
    arrival = np.where(q_time > 0, q_start, vru_exit)
    # The waits and talk times are the recorded durations (q_time, ser_time): the clock stamps
    # are to the second and ser_start is typically 1 s before q_exit, so answer = arrival +
    # q_time keeps every wait exactly as recorded (and crosses midnight without special cases).
    answer = np.where(agent, arrival + q_time, np.nan)
    end = np.where(agent, answer + ser_time, np.nan)
    abandon = np.where(~agent, arrival + q_time, np.nan)
    # Inconsistent: unreadable stamps or durations, or a recorded service start more than 5 s
    # away from the queue entry + q_time (after allowing for midnight).
    gap = np.abs(((ser_start - answer + 43200) % 86400) - 43200)
    bad = (day.isna().to_numpy() | np.isnan(arrival) | np.isnan(q_time) | (q_time < 0)
           | (agent & (np.isnan(ser_time) | (ser_time < 0) | ~(gap <= 5))))
    counts["inconsistent"] = int(bad.sum())
    base = day.to_numpy().astype("datetime64[s]")

    def stamp(x):
        out = pd.Series(base + np.nan_to_num(x).astype("int64").astype("timedelta64[s]"))
        return out.dt.strftime("%Y-%m-%d %H:%M:%S").where(~np.isnan(x), "")

    served = agent & ~bad
    sessions = pd.DataFrame({
        "server": c["server"].str.strip().to_numpy()[served],
        "start": base[served] + np.nan_to_num(answer[served]).astype("int64").astype("timedelta64[s]"),
        "end": base[served] + np.nan_to_num(end[served]).astype("int64").astype("timedelta64[s]"),
    })
    log = pd.DataFrame({
        "channel": c["type"].to_numpy(), "arrival": stamp(arrival), "answer": stamp(answer),
        "end": stamp(end), "abandon": stamp(abandon),
        "customer": c["customer_id"].where(c["customer_id"] != "0", "").to_numpy(),
        "segment": np.where(c["priority"].to_numpy() == "2", "high", "regular"),
    })[~bad]
    log = log.sort_values("arrival", kind="stable").drop_duplicates()
    counts["written"] = len(log)
    return log, counts, sessions


def staffing(sessions: pd.DataFrame, gap_s: float, slot_s: int = 1800) -> pd.DataFrame:
    """Agents logged in per slot, inferred from who served (see the module's docstring)."""
    rows = []
    for server, g in sessions.sort_values("start").groupby("server"):
        start = g["start"].to_numpy()
        end = np.maximum.accumulate(g["end"].to_numpy())
        new = np.r_[True, (start[1:] - end[:-1]) > np.timedelta64(int(gap_s), "s")]
        ids = np.cumsum(new)
        for k in np.unique(ids):
            rows.append((start[ids == k][0], end[ids == k][-1]))
    s = np.array([r[0] for r in rows], dtype="datetime64[s]")
    e = np.array([r[1] for r in rows], dtype="datetime64[s]")
    first = s.min().astype("datetime64[D]")
    last = e.max().astype("datetime64[D]") + np.timedelta64(1, "D")
    edges = np.arange(first, last, np.timedelta64(slot_s, "s")).astype("datetime64[s]")
    cover = np.zeros(edges.size)
    step = np.timedelta64(slot_s, "s")
    for a, b in zip(s, e):
        lo = np.maximum(edges, a)
        overlap = (np.minimum(edges + step, b) - lo).astype("int64")
        cover += np.clip(overlap, 0, None)
    agents = np.rint(cover / slot_s).astype(int)
    table = pd.DataFrame({"group": "agents", "slot_start": pd.Series(edges).dt.strftime("%Y-%m-%d %H:%M:%S"),
                          "agents": agents})
    return table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--months", default="january,february,march")
    ap.add_argument("--types", default="PS", help="service types, comma separated (default PS)")
    ap.add_argument("--staffing", type=Path, help="also write the inferred agents per slot here")
    ap.add_argument("--gap", default="15min", help="idle time that ends a session (default 15min)")
    a = ap.parse_args(argv)
    months = [m.strip().lower() for m in a.months.split(",")]
    unknown = [m for m in months if m not in MONTHS]
    if unknown:
        raise SystemExit(f"--months: unknown month(s) {unknown}")
    log, counts, sessions = convert(a.directory, months, [t.strip() for t in a.types.split(",")])
    log.to_csv(a.out, index=False)
    if a.staffing:
        gap = pd.Timedelta(a.gap).total_seconds()
        staffing(sessions, gap).to_csv(a.staffing, index=False)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
