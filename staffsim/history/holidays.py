"""Holiday and closed dates for ``staffsim forecast --holidays``: a list of dates, a text such as
``2026-12-25,2026-12-26:0.5``, or a file (one date per line, or a CSV with a ``date`` column and
an optional ``factor`` column). A date without a factor is closed; with one, the forecast of that
day is multiplied by it. Every holiday is kept out of fitting and scoring."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from staffsim.errors import InputError, excerpt


def parse_holidays(value) -> dict[dt.date, float | None]:
    """date -> factor (None: closed)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {_date(k, "holidays"): (None if v is None else _factor(v, "holidays")) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        out: dict[dt.date, float | None] = {}
        for item in value:
            out.update(parse_holidays(str(item) if not isinstance(item, dt.date) else {item: None}))
        return out
    text = str(value)
    path = Path(text)
    if path.suffix.lower() in (".csv", ".txt") or (len(text) < 4096 and path.is_file()):
        return _from_file(path)
    out = {}
    for part in text.split(","):
        part = part.strip()
        if part:
            day, _, factor = part.partition(":")
            out[_date(day, "--holidays")] = _factor(factor, "--holidays") if factor.strip() else None
    return out


def _from_file(path: Path) -> dict[dt.date, float | None]:
    source = str(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(f"{source}: holidays file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: not a readable text file ({exc})") from None
    out: dict[dt.date, float | None] = {}
    header = None
    for i, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        cells = [c.strip() for c in text.replace(";", ",").split(",")]
        if header is None and not cells[0][:1].isdigit():
            header = [c.lower() for c in cells]
            if "date" not in header:
                raise InputError(f"{source}: line {i}: the header needs a 'date' column (and may have "
                                 f"'factor'), got {excerpt(text)}")
            continue
        di = header.index("date") if header else 0
        fi = header.index("factor") if header and "factor" in header else (1 if not header else None)
        where = f"{source}: line {i}"
        if di >= len(cells):
            raise InputError(f"{where}: no date")
        factor = cells[fi] if fi is not None and fi < len(cells) and cells[fi] else ""
        out[_date(cells[di], where)] = _factor(factor, where) if factor else None
    return out


def _date(text, where: str) -> dt.date:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{where}: expected a date such as 2026-12-25, got {excerpt(text)}") from None


def _factor(text, where: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{where}: a holiday factor is a number >= 0 (0 closed, 0.5 half the "
                         f"usual calls), got {excerpt(text)}")
    return value
