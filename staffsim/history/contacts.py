"""Contact-level logs (one row per contact): reading, column mapping and consistency checks.

A log has one row per contact: the channel (queue), the arrival time, and then either the
answer time and the end time (answered), or the abandon time (abandoned); optionally a customer
id (for redials) and a segment. Times are date-times (``2026-03-02 08:00:13``, ISO or
``02/03/2026 08:00:13`` with ``dayfirst``), or, with a ``date`` column, clock times
(``08:00:13``) or seconds after that date's midnight. Headers are matched by name (see
:data:`CONTACT_ALIASES`) or mapped explicitly (``columns={"arrival": "Inicio", ...}``).

Nothing is fixed silently: an answer before the arrival, an end before the answer, a row with
both an answer and an abandon (or neither), a negative time, a duplicated row or a header that
cannot be mapped is refused with one message naming the file, the line and the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.errors import InputError, clip, excerpt
from staffsim.scenarios.forecast import _date_order, _norm, _read_table, _zone

__all__ = ["CONTACT_ALIASES", "ContactLog", "parse_columns", "read_contacts"]

# Accepted header names (normalised: lower case, single spaces, no punctuation) per column.
CONTACT_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "queue", "queue name", "skill", "type"),
    "date": ("date", "day"),
    "arrival": ("arrival", "arrival time", "arrived", "arrival s", "queue start", "q start",
                "offered", "offered at", "entered", "start", "start time"),
    "answer": ("answer", "answer time", "answered", "answered at", "answer s", "service start",
               "ser start", "connected"),
    "end": ("end", "end time", "ended", "end s", "service end", "ser exit", "released"),
    "abandon": ("abandon", "abandon time", "abandoned at", "abandon s", "abandoned time"),
    "customer": ("customer", "customer id", "caller", "caller id", "customer number", "ani"),
    "segment": ("segment", "priority", "customer segment"),
}
TIME_COLUMNS = ("arrival", "answer", "end", "abandon")
MAX_CONTACT_ROWS = 5_000_000


@dataclass(frozen=True)
class ContactLog:
    """A checked contact log.

    ``table``: one row per contact with ``line`` (the file's line), ``channel``, ``arrival``
    (local time stamp), ``arrival_s``/``answer_s``/``end_s``/``abandon_s`` (seconds from
    midnight of the first day; NaN where not applicable), ``abandoned`` (bool), ``wait_s``
    (time to answer or to abandon), ``handle_s`` (end − answer of answered contacts), and
    ``customer``/``segment`` when the file has them. ``start_date``: the first day's date.
    """

    table: pd.DataFrame
    source: str
    start_date: Any
    columns: dict[str, str]

    @property
    def channels(self) -> list[str]:
        """The channels in order of first appearance."""
        return list(dict.fromkeys(self.table["channel"]))

    @property
    def days(self) -> int:
        """Calendar days spanned, the first to the last arrival's."""
        return int(self.table["arrival_s"].max() // 86400) + 1


def parse_columns(text: str | dict | None) -> dict[str, str]:
    """``"channel=Cola,arrival=Inicio"`` (or a mapping) → ``{"channel": "Cola", ...}``; the names
    on the left are staffsim's (see :data:`CONTACT_ALIASES`)."""
    if text is None:
        return {}
    items = text.items() if isinstance(text, dict) else (
        [part.split("=", 1) if "=" in part else (part, None) for part in text.split(",") if part.strip()])
    out = {}
    for key, value in items:
        key = str(key).strip()
        if value is None or not str(value).strip():
            raise InputError(f"--columns: expected NAME=HEADER pairs separated by commas, e.g. "
                             f"channel=Cola,arrival=Inicio; got {excerpt(key)}")
        if key not in CONTACT_ALIASES:
            raise InputError(f"--columns: unknown column {excerpt(key)}; staffsim's contact columns "
                             f"are {', '.join(CONTACT_ALIASES)}")
        out[key] = str(value).strip()
    return out


def _map(columns: list[str], source: str, given: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for canon, header in given.items():
        if header not in columns:
            raise InputError(f"{source}: --columns {canon}={header}: the file has no column "
                             f"{excerpt(header)} (columns: {clip(', '.join(map(str, columns)))})")
        found[canon] = header
    taken = set(found.values())
    normal = {c: _norm(c) for c in columns if c not in taken}
    for canon, aliases in CONTACT_ALIASES.items():
        if canon in found:
            continue
        exact = [c for c in normal if normal[c] == _norm(canon)]
        hits = exact or [c for c in normal if normal[c] in aliases]
        if len(hits) > 1:
            raise InputError(f"{source}: columns {' and '.join(map(repr, hits))} could both be the "
                             f"{canon} column; say which with --columns {canon}=HEADER")
        if hits:
            found[canon] = hits[0]
    missing = [c for c in ("channel", "arrival") if c not in found]
    if "abandon" not in found:
        missing.append("abandon")
    if "answer" not in found or "end" not in found:
        missing.append("answer and end" if "answer" not in found and "end" not in found else
                       ("answer" if "answer" not in found else "end"))
    if missing:
        raise InputError(
            f"{source}: cannot map the header: no column for {', '.join(missing)}; found "
            f"{clip(', '.join(map(str, columns)))} (expected channel, arrival, answer, end, abandon, "
            "optionally date, customer, segment; map other names with --columns "
            "arrival=HEADER,...)")
    return found


_SLASHED = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(.*)$")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d*)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?$")


def _times(text: pd.Series, dates: pd.Series | None, order: bool | None, err) -> np.ndarray:
    """Seconds since the epoch (local clock, float) for each cell; NaN for an empty cell."""
    s = text.str.strip()
    empty = s == ""
    if dates is not None:
        num = s.str.match(_NUMBER.pattern)
        clock = s.str.extract(_CLOCK.pattern)
        secs = np.where(num, pd.to_numeric(s.where(num), errors="coerce"),
                        clock[0].astype(float) * 3600 + clock[1].astype(float) * 60
                        + clock[2].astype(float).fillna(0.0))
        bad = ~empty & ~np.isfinite(secs)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise err(i, f"expected a clock time HH:MM:SS or seconds after midnight (a date column "
                         f"holds the day), got {excerpt(s.iloc[i])}")
        neg = ~empty & (secs < 0)
        if neg.any():
            i = int(np.flatnonzero(neg.to_numpy())[0])
            raise err(i, f"a negative time, {excerpt(s.iloc[i])}; times are seconds >= 0 after "
                         "the date's midnight")
        return np.where(empty, np.nan, dates.to_numpy() + secs)
    iso = s
    m = s.str.extract(_SLASHED.pattern)
    slashed = m[0].notna()
    if slashed.any():
        a, b = m[0].where(slashed), m[2].where(slashed)
        day, month = (a, b) if order else (b, a)
        iso = s.where(~slashed, m[3] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + m[4])
    parsed = pd.to_datetime(iso.where(~empty), format="ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        raise err(int(np.flatnonzero(~empty.to_numpy())[0]),
                  "time stamps with a time zone: give the center's zone (--tz) so they are converted")
    bad = ~empty & parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        if _NUMBER.match(s.iloc[i]) and s.iloc[i].startswith("-"):
            raise err(i, f"a negative time, {excerpt(s.iloc[i])}")
        raise err(i, f"expected a date-time such as 2026-03-02 08:00:13 (or 02/03/2026 08:00:13 "
                     f"with --dayfirst), got {excerpt(s.iloc[i])}")
    return np.where(empty, np.nan, parsed.to_numpy("datetime64[ns]").astype("int64") / 1e9)


def _aware_to_local(text: pd.Series, zone) -> pd.Series:
    """Cells carrying a zone (``+01:00``, ``Z``) converted to the center's local clock."""
    s = text.str.strip()
    parsed = pd.to_datetime(s.where(s != ""), format="ISO8601", errors="coerce", utc=True)
    local = parsed.dt.tz_convert(zone).dt.tz_localize(None)
    return local.dt.strftime("%Y-%m-%d %H:%M:%S.%f").where(s != "", "")


def read_contacts(path: str | Path, *, columns: str | dict | None = None, dayfirst: bool | None = None,
                  tz: str | None = None, sheet: str | None = None) -> ContactLog:
    """Read and check a contact log (CSV, ``;``-separated or tab-separated, gzip, or ``.xlsx``).

    ``columns``: explicit header mapping (``"arrival=Inicio,answer=Atendida"``); other columns
    are found by name (:data:`CONTACT_ALIASES`). ``dayfirst``: day/month/year dates (None infers
    the order, refusing a file where every date reads both ways). ``tz``: the center's time zone;
    time stamps carrying a zone are converted to it (and refused without it). ``sheet``: the
    workbook's sheet. Raises :class:`~staffsim.errors.InputError` naming file, line and column.
    """
    source = str(path)
    zone = _zone(tz, source)
    p = Path(path)
    if p.suffix.lower() == ".gz":
        raw = _read_gzip(p, source)
    else:
        raw, _ = _read_table(p, source, sheet)
    cols = _map(list(raw.columns), source, parse_columns(columns))
    if raw.empty:
        raise InputError(f"{source}: no data rows")
    if len(raw) > MAX_CONTACT_ROWS:
        raise InputError(f"{source}: more than {MAX_CONTACT_ROWS:,} contacts; staffsim reads logs "
                         "up to that size (split it by month)")

    def err(canon: str):
        return lambda i, msg: InputError(f"{source}: line {i + 2}, column {excerpt(cols[canon])}: {msg}")

    raw = raw.astype(str)
    dates = None
    if "date" in cols:
        dtext = raw[cols["date"]].str.strip()
        order = _date_order(dtext.tolist(), dayfirst, err("date"))
        dsec = _times(dtext, None, order, err("date"))
        if np.isnan(dsec).any():
            raise err("date")(int(np.flatnonzero(np.isnan(dsec))[0]), "the date is empty")
        dates = pd.Series(dsec)
        order_t = order
    else:
        sample = pd.concat([raw[cols[c]] for c in TIME_COLUMNS if c in cols]).str.strip()
        order_t = _date_order(sample[sample.str.match(_SLASHED.pattern)].head(20000).tolist(),
                              dayfirst, err("arrival"))
    t = {}
    for c in TIME_COLUMNS:
        if c not in cols:
            t[c] = np.full(len(raw), np.nan)
            continue
        cells = raw[cols[c]]
        if dates is None and cells.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})\s*$", regex=True).any():
            if zone is None:
                i = int(np.flatnonzero(cells.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})\s*$").to_numpy())[0])
                raise err(c)(i, f"the time stamp {excerpt(cells.iloc[i])} carries a time zone; give "
                                "the center's zone to convert it to (--tz Europe/Madrid)")
            cells = _aware_to_local(cells, zone)
        t[c] = _times(cells, dates, order_t, err(c))
    channel = raw[cols["channel"]].str.strip()
    if (channel == "").any():
        raise err("channel")(int(np.flatnonzero((channel == "").to_numpy())[0]), "the channel is empty")
    arrival, answer, end, abandon = t["arrival"], t["answer"], t["end"], t["abandon"]
    _check_rows(arrival, answer, end, abandon, err)
    table = pd.DataFrame({"line": np.arange(len(raw)) + 2, "channel": channel.to_numpy()})
    extra = {k: raw[cols[k]].str.strip().to_numpy() for k in ("customer", "segment") if k in cols}
    keys = pd.DataFrame({"channel": channel.to_numpy(), "arrival": arrival, "answer": answer,
                         "end": end, "abandon": abandon, **extra})
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        first = np.flatnonzero(dup)[:2]
        raise InputError(f"{source}: lines {first[0] + 2} and {first[1] + 2}, column "
                         f"{excerpt(cols['arrival'])}: the same contact twice (channel, arrival, "
                         "answer, end and abandon all equal); remove the duplicate")
    day0 = np.floor(np.nanmin(arrival) / 86400.0) * 86400.0
    table["arrival"] = pd.to_datetime(arrival, unit="s")
    answered = np.isfinite(answer)
    for name, values in (("arrival_s", arrival), ("answer_s", answer), ("end_s", end), ("abandon_s", abandon)):
        table[name] = values - day0
    table["abandoned"] = ~answered
    table["wait_s"] = np.where(answered, answer - arrival, abandon - arrival)
    table["handle_s"] = end - answer
    for k, v in extra.items():
        table[k] = v
    table = table.sort_values("arrival_s", kind="stable").reset_index(drop=True)
    start = pd.Timestamp(day0, unit="s").date()
    return ContactLog(table=table, source=source, start_date=start, columns=cols)


def _check_rows(arrival, answer, end, abandon, err) -> None:
    """Every row is a consistent contact; the first bad row is named."""
    def first(mask) -> int | None:
        idx = np.flatnonzero(mask)
        return int(idx[0]) if idx.size else None

    checks = [
        (np.isnan(arrival), "arrival", lambda i: "the arrival time is empty"),
        (np.isfinite(answer) & np.isfinite(abandon), "abandon",
         lambda i: "has both an answer and an abandon time; a contact is answered or abandoned"),
        (np.isnan(answer) & np.isnan(abandon), "answer",
         lambda i: "has neither an answer nor an abandon time"),
        (np.isfinite(answer) & np.isnan(end), "end", lambda i: "an answered contact needs its end time"),
        (np.isnan(answer) & np.isfinite(end), "answer",
         lambda i: "has an end time but no answer time (an abandoned contact has only an abandon time)"),
        (answer < arrival, "answer",
         lambda i: f"answered {arrival[i] - answer[i]:g}s before the arrival (answer before arrival)"),
        (end < answer, "end", lambda i: f"ends {answer[i] - end[i]:g}s before it was answered"),
        (abandon < arrival, "abandon",
         lambda i: f"abandoned {arrival[i] - abandon[i]:g}s before the arrival (a negative wait)"),
    ]
    for mask, col, msg in checks:
        with np.errstate(invalid="ignore"):
            i = first(mask)
        if i is not None:
            raise err(col)(i, msg(i))


def _read_gzip(path: Path, source: str) -> pd.DataFrame:
    try:
        import gzip

        with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
            header = fh.readline()
        sep = ";" if header.count(";") > header.count(",") else ("\t" if "\t" in header else ",")
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, sep=sep,
                           encoding="utf-8-sig", compression="gzip", nrows=MAX_CONTACT_ROWS + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise InputError(f"{source}: not a readable gzip CSV file ({exc})") from None
