"""Forecasts (CSV or Excel) and targets YAML: what ``staffsim plan`` reads (scenarios take volumes
from a forecast).

Every problem is reported as an :class:`~staffsim.errors.InputError` naming the file, the column
or field, the line, and what is allowed.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import numpy as np

if TYPE_CHECKING:  # pandas is imported where it is needed (``staffsim plan`` reads a CSV without it)
    import pandas as pd

from staffsim.csvkeys import first_duplicate
from staffsim.errors import InputError, clip, excerpt
from staffsim.limits import MAX_FORECAST_ROWS, MAX_TRAFFIC
from staffsim.models.staffing import ChannelTargets
from staffsim.plausibility import check_forecast
from staffsim.scenarios.target_fields import (
    CHANNEL_TARGET_FIELDS,
    Unchecked,
    channel_targets,
    quick_check,
)
from staffsim.scenarios.yamlio import read_yaml
from staffsim.units import format_clock, parse_clock, parse_duration

# Header names (normalised: lower case, single spaces, no punctuation) accepted for each column.
# The canonical name always wins; two different aliases for one column are an error. A media
# type column (voice, chat, email) is the channel when there is no channel or queue column, and
# is kept beside the channel (as ``media_type``) when there is.
FORECAST_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "queue", "queue name", "skill"),
    "media_type": ("media type", "mediatype", "media", "channel type"),
    "slot_start": (
        "slot start",
        "slot",
        "interval start",
        "interval",
        "start",
        "start time",
        "period start",
        "period",
        "datetime",
        "date time",
        "timestamp",
        "time",
    ),
    "volume": (
        "volume",
        "offered",
        "contacts offered",
        "calls offered",
        "offered contacts",
        "offered calls",
        "forecast volume",
        "forecast contacts",
        "forecast calls",
        "forecast offered",
        "forecasted contacts",
        "forecasted volume",
        "fcst contacts",
        "fcst volume",
        "fcst calls",
        "fcst offered",
        "contacts",
        "calls",
    ),
    "aht_s": ("aht s", "aht", "aht sec", "aht seconds", "average handle time", "avg handle time",
              "forecast aht", "forecasted aht", "fcst aht", "forecast aht s", "fcst aht s"),
    "total_handle_time_s": (
        "total handle time s",
        "total handle time",
        "handle time total",
        "tht",
    ),
    "date": ("date", "day"),
}


def _norm(header: str) -> str:
    # a unit in brackets, as staffsim's own workbooks write them ("volume [contacts]"), is dropped
    text = re.sub(r"\s*\[[^\]]*\]\s*$", "", str(header))
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(text.split())


@dataclass(frozen=True)
class Forecast:
    """A forecast read from a CSV or an Excel workbook.

    ``table`` has columns ``channel, slot_start, volume, aht_s, offset_s`` (and ``media_type``
    when the file has one beside its queue): ``slot_start`` is the text ``"HH:MM"`` for a
    time-of-day forecast or a timestamp when dates were given (in the center's zone ``tz`` when
    one was given); ``offset_s`` is seconds from midnight of the first day, on the local clock.
    ``slot_s`` is the slot length.
    """

    table: pd.DataFrame
    slot_s: float
    source: str
    tz: str | None = None


@dataclass(frozen=True)
class ForecastColumns:
    """A forecast as plain columns (:func:`read_forecast`): ``columns`` maps the names of
    :class:`Forecast`'s table to lists (``channel``, ``media_type``, ``slot_start``) and numpy
    arrays (``volume``, ``aht_s``, ``offset_s``, ``line``), rows in the table's order. ``clock``:
    the slot starts are clock times (text), not date-times."""

    columns: dict[str, Any]
    slot_s: float
    source: str
    tz: str | None = None
    clock: bool = True

    def to_forecast(self) -> Forecast:
        """The :class:`Forecast` (a pandas table) of these columns."""
        import pandas as pd

        return Forecast(table=pd.DataFrame(self.columns), slot_s=self.slot_s, source=self.source,
                        tz=self.tz)


# Short names accepted on the left of a --columns mapping (``start=Inicio Intervalo``).
COLUMN_KEYS: dict[str, str] = {
    "channel": "channel", "queue": "channel", "media_type": "media_type", "slot_start": "slot_start",
    "start": "slot_start", "interval": "slot_start", "volume": "volume", "offered": "volume",
    "aht": "aht_s", "aht_s": "aht_s", "total_handle_time_s": "total_handle_time_s",
    "handle_time": "total_handle_time_s", "tht": "total_handle_time_s", "date": "date",
}


def parse_column_mapping(text: str | Mapping[str, str] | None, source: str = "--columns") -> dict[str, str]:
    """``channel=Cola,start=Inicio Intervalo,volume=Ofrecidas,aht=TMO`` (or a mapping) as
    canonical column name -> the file's header. Keys: see :data:`COLUMN_KEYS`."""
    if text is None:
        return {}
    items = list(text.items()) if isinstance(text, Mapping) else []
    if not isinstance(text, Mapping):
        for part in str(text).split(","):
            if not part.strip():
                continue
            key, eq, header = part.partition("=")
            if not eq or not key.strip() or not header.strip():
                raise InputError(f"{source}: expected NAME=HEADER pairs separated by commas (e.g. "
                                 f"channel=Cola,start=Inicio Intervalo), got {excerpt(part.strip())}")
            items.append((key, header))
    mapping: dict[str, str] = {}
    for key, header in items:
        canon = COLUMN_KEYS.get(_norm(key).replace(" ", "_"))
        if canon is None:
            close = difflib.get_close_matches(_norm(key), list(COLUMN_KEYS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(f"{source}: unknown column name {excerpt(key.strip())} ({hint}allowed: "
                             "channel, start, volume, aht, handle_time, date, media_type)")
        if canon in mapping:
            raise InputError(f"{source}: {canon} is mapped twice")
        mapping[canon] = str(header).strip()
    return mapping


def _map_columns(columns: list[str], source: str, mapping: Mapping[str, str] | None = None,
                 aht_required: bool = True) -> dict[str, str]:
    """Map canonical names to the file's headers (``mapping``, from --columns, first)."""
    normal = {c: _norm(c) for c in columns}
    found: dict[str, str] = {}
    for canon, header in (mapping or {}).items():
        hits = [c for c in columns if c.strip() == header] or [c for c in columns if normal[c] == _norm(header)]
        if not hits:
            close = difflib.get_close_matches(header, [str(c) for c in columns], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(f"{source}: line 1: no column {excerpt(header)} (mapped to {canon} by "
                             f"--columns); the header has {clip(', '.join(map(str, columns)))}{hint}")
        found[canon] = hits[0]
    taken = set(found.values())
    for canon, aliases in FORECAST_ALIASES.items():
        if canon in found:
            continue
        columns_left = [c for c in columns if c not in taken]
        exact = [c for c in columns_left if normal[c] == _norm(canon)]
        if exact:
            found[canon] = exact[0]
            continue
        hits = [c for c in columns_left if normal[c] in aliases]
        exact = [c for c in columns if normal[c] == _norm(canon)]
        if exact:
            found[canon] = exact[0]
            continue
        hits = [c for c in columns if normal[c] in aliases]
        if len(hits) > 1:
            names = " and ".join(repr(h) for h in hits)
            raise InputError(
                f"{source}: columns {names} could both be the {canon} column; "
                f"rename the one to use to {canon!r}"
            )
        if hits:
            found[canon] = hits[0]
    if "channel" not in found and "media_type" in found:
        found["channel"] = found.pop("media_type")
    missing = [c for c in ("channel", "slot_start", "volume") if c not in found]
    if aht_required and "aht_s" not in found and "total_handle_time_s" not in found:
        missing.append("aht_s (or total_handle_time_s)")
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; found "
            f"{clip(', '.join(map(str, columns)))} (expected channel, slot_start, volume, aht_s; "
            "map other names with --columns channel=Cola,start=Inicio,volume=Ofrecidas,aht=TMO)"
        )
    return found


def _read_table(path: Path, source: str, sheet: str | None) -> tuple[pd.DataFrame, bool]:
    """The file's cells as text, and whether numbers use decimal commas."""
    if path.is_dir():
        raise InputError(f"{source}: is a directory, not a forecast file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path, source, sheet), False
    if sheet is not None:
        raise InputError(f"{source}: sheet {sheet!r} given, but this is not an Excel workbook (.xlsx)")
    import pandas as pd

    try:
        sep = _separator(path)
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, sep=sep,
                          encoding="utf-8-sig", nrows=MAX_FORECAST_ROWS + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    return raw, sep == ";"


def _separator(path: Path) -> str:
    """The CSV file's separator, from its header line (FileNotFoundError, OSError and
    UnicodeDecodeError as open and read raise them)."""
    with open(path, encoding="utf-8-sig") as fh:
        header = fh.readline()
    # spreadsheet exports: "a;b;c" with decimal commas (Europe), or tab-separated
    return ";" if header.count(";") > header.count(",") else ("\t" if "\t" in header else ",")


def _read_rows(path: Path, source: str, sheet: str | None) -> tuple[list[str], list[dict[str, str]], bool]:
    """The file's header, its rows as header -> text, and whether numbers use decimal commas:
    :func:`_read_table`'s cells, read without pandas when the CSV is plain (:func:`_plain_csv`)."""
    if not path.is_dir() and path.suffix.lower() not in (".xlsx", ".xlsm") and sheet is None:
        plain = _plain_csv(path)
        if plain is not None:
            header, rows, sep = plain
            return header, [dict(zip(header, row)) for row in rows], sep == ";"
    raw, decimal_comma = _read_table(path, source, sheet)
    return list(raw.columns), raw.to_dict("records"), decimal_comma


def _plain_csv(path: Path) -> tuple[list[str], list[list[str]], str] | None:
    """Header, rows (at most MAX_FORECAST_ROWS + 1) and separator of a plain CSV file, split
    without pandas; None for a file that is not plain, which :func:`_read_table` then reads with
    pandas (and reports on). Plain: UTF-8, no quote characters, no NUL, lines ending in LF or
    CR LF, no blank line, no field starting with a tab or a line with white space, every
    line with the header's number of fields, header names distinct and not empty. On such a file
    the split (spaces after a separator skipped) is what ``pandas.read_csv(dtype=str,
    keep_default_na=False, skipinitialspace=True)`` gives; tests/test_plan_light.py compares the
    two on generated files."""
    try:
        sep = _separator(path)
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header: list[str] | None = None
            rows: list[list[str]] = []
            for line in fh:
                if line.endswith("\r\n"):
                    line = line[:-2]
                elif line.endswith("\n"):
                    line = line[:-1]
                elif line.endswith("\r"):
                    return None
                if (not line.strip() or '"' in line or "\x00" in line or "\r" in line
                        or line[0] in " \t" or (sep != "\t" and sep + "\t" in line)):
                    return None
                fields = [f.lstrip(" ") for f in line.split(sep)]
                if header is None:
                    header = fields
                    if len(set(header)) < len(header) or not all(header):
                        return None
                    continue
                if len(fields) != len(header):
                    return None
                rows.append(fields)
                if len(rows) > MAX_FORECAST_ROWS:
                    break
    except (OSError, UnicodeDecodeError):
        return None
    if header is None:
        return None
    return header, rows, sep


def _read_workbook(path: Path, source: str, sheet: str | None) -> pd.DataFrame:
    import pandas as pd

    try:
        import openpyxl
    except ImportError:
        raise InputError(f"{source}: reading Excel workbooks needs openpyxl: "
                         "pip install 'staffsim[xlsx]' (or save the sheet as CSV)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise InputError(f"{source}: not a readable Excel workbook ({type(exc).__name__}: "
                         f"{excerpt(str(exc))})") from None
    try:
        names = book.sheetnames
        if sheet is None and len(names) > 1:
            raise InputError(f"{source}: the workbook has {len(names)} sheets ({clip(', '.join(names))}); "
                             "say which holds the forecast (--sheet NAME, or sheet: in a scenario)")
        if sheet is not None and sheet not in names:
            close = difflib.get_close_matches(sheet, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(f"{source}: no sheet {excerpt(sheet)} (sheets: {clip(', '.join(names))}){hint}")
        rows = []
        for row in book[sheet or names[0]].iter_rows(values_only=True):
            if len(rows) > MAX_FORECAST_ROWS + 1:
                break
            if any(v is not None and str(v).strip() for v in row):
                rows.append([_cell_text(v) for v in row])
    finally:
        book.close()
    if not rows:
        raise InputError(f"{source}: the sheet is empty")
    header = [h.strip() for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    return pd.DataFrame([r[: len(header)] + [""] * (len(header) - len(r)) for r in rows[1:]],
                        columns=header)


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (dates as ISO, times as HH:MM:SS)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_forecast(path: str | Path, slot: float | None = None, *, dayfirst: bool | None = None,
                  tz: str | None = None, sheet: str | None = None,
                  columns: Mapping[str, str] | None = None, history: bool = False) -> Forecast:
    """Read a long-format forecast (one row per channel and slot): CSV or an Excel workbook.

    CSV: comma-separated (numbers may use thousands commas, "1,234"), semicolon-separated with
    decimal commas ("180,5", as European spreadsheets export) or tab-separated; a UTF-8
    byte-order mark is ignored. Workbooks (``.xlsx``, needs openpyxl): ``sheet`` names the sheet
    (required when there are several).

    Columns (vendor header names accepted where unambiguous, see :data:`FORECAST_ALIASES`):
    channel (a queue; a media type column beside it is kept as ``media_type``); slot start as
    ``HH:MM``, an ISO date-time, or a date written ``02/03/2026`` (or ``02.03.2026``) with a time
    (or a ``date`` column plus ``HH:MM``); volume (contacts in the slot); AHT in seconds (or a
    duration such as ``3min`` / ``3:05``), or total handle time from which AHT = total / volume.

    ``dayfirst``: True for day/month/year dates, False for month/day/year; None infers the order
    from the file and refuses it when every date could be read both ways. ``tz``: the center's
    time zone (an IANA name such as ``Europe/Madrid``); time stamps carrying a zone
    (``+01:00``, ``Z``) are converted to it, and refused without it. ``slot`` (seconds) is
    inferred from the spacing of the slot starts when not given, and checked against it when
    given. ``columns`` maps canonical names to the file's headers (see
    :func:`parse_column_mapping`). ``history``: the file is observed history (``staffsim
    forecast``): the AHT column may be absent or empty on a row (AHT unknown there: NaN), and
    the table keeps each row's file ``line``.

    :func:`read_forecast` reads the same file as plain columns (without pandas for a CSV of
    clock times).
    """
    return read_forecast(path, slot, dayfirst=dayfirst, tz=tz, sheet=sheet, columns=columns,
                         history=history).to_forecast()


def read_forecast(path: str | Path, slot: float | None = None, *, dayfirst: bool | None = None,
                  tz: str | None = None, sheet: str | None = None,
                  columns: Mapping[str, str] | None = None, history: bool = False) -> ForecastColumns:
    """:func:`load_forecast`'s forecast as plain columns (the same reading, checks and messages):
    pandas is imported only for a workbook, a CSV that is not plain (see :func:`_plain_csv`) and
    date-times."""
    source = str(path)
    zone = _zone(tz, source)
    header, records, decimal_comma = _read_rows(Path(path), source, sheet)
    cols = _map_columns(header, source, columns, aht_required=not history)
    if not records:
        raise InputError(f"{source}: no data rows")
    if len(records) > MAX_FORECAST_ROWS:
        raise InputError(f"{source}: more than {MAX_FORECAST_ROWS:,} rows; staffsim reads forecasts "
                         "up to that size")

    def cell_error(i: int, canon: str, msg: str) -> InputError:
        return InputError(f"{source}: line {i + 2}, column {excerpt(cols[canon])}: {msg}")

    texts = []
    for row in records:
        text = row[cols["slot_start"]].strip()
        if "date" in cols and row[cols["date"]].strip():
            text = f"{row[cols['date']].strip()} {text}"
        texts.append(text)
    order = _date_order(texts, dayfirst, lambda i, m: cell_error(i, "slot_start", m))

    channels, media, starts, offsets, volumes, ahts = [], [], [], [], [], []
    kinds = set()
    for i, (row, text) in enumerate(zip(records, texts)):
        channel = row[cols["channel"]].strip()
        if not channel:
            raise cell_error(i, "channel", "the channel name is empty")
        try:
            start, offset_day, kind = _parse_start(text, order)
        except ValueError as exc:
            raise cell_error(i, "slot_start", f"{exc}, got {excerpt(text)}") from None
        kinds.add(kind)
        if len(kinds) > 1:
            raise cell_error(i, "slot_start", "mixes clock times and dates; use one form throughout")
        vol = _number(row[cols["volume"]], decimal_comma)
        if vol is None or not math.isfinite(vol) or vol < 0:
            hint = " (a ';'-separated file takes decimal commas: 12,5)" if decimal_comma else ""
            raise cell_error(i, "volume", f"must be a number >= 0, got {excerpt(row[cols['volume']])}{hint}")
        aht_col = "aht_s" if "aht_s" in cols else "total_handle_time_s"
        if aht_col not in cols or (history and not row[cols[aht_col]].strip()):
            aht = math.nan  # history: AHT unknown in this interval
        else:
            aht = _aht(row, cols, vol, lambda m, i=i, col=aht_col: cell_error(i, col, m), decimal_comma)
        channels.append(channel)
        media.append(row[cols["media_type"]].strip() if "media_type" in cols else "")
        starts.append(start)
        offsets.append(offset_day)
        volumes.append(vol)
        ahts.append(aht)

    if kinds == {"datetime"}:
        starts, offsets = _localise(starts, zone, tz, lambda i, m: cell_error(i, "slot_start", m))
    if "media_type" in cols:
        _one_media_type(channels, media, lambda i, m: cell_error(i, "media_type", m))
    dup = first_duplicate(zip(channels, offsets))
    if dup is not None:  # both lines of the first key given twice (staffsim/csvkeys.py)
        _, first, second = dup
        dst = (" (a clock hour that occurs twice when daylight saving time ends: the forecast "
               "cannot be laid on local slots)") if zone is not None else ""
        raise InputError(
            f"{source}: lines {first} and {second}: duplicate slot {starts[second - 2]}"
            f" for channel {excerpt(channels[second - 2])}{dst}"
        )
    # channels in the order they first appear, each channel's slots in time order (stable)
    rank = {c: k for k, c in enumerate(dict.fromkeys(channels))}
    order = sorted(range(len(channels)), key=lambda i: (rank[channels[i]], offsets[i]))
    table: dict[str, Any] = {"channel": [channels[i] for i in order]}
    if "media_type" in cols:
        table["media_type"] = [media[i] for i in order]
    table["slot_start"] = [starts[i] for i in order]
    table["volume"] = np.array([volumes[i] for i in order], float)
    table["aht_s"] = np.array([ahts[i] for i in order], float)
    table["offset_s"] = np.array([offsets[i] for i in order], float)
    if history:
        table["line"] = np.array(order, np.int64) + 2
    slot_s = _infer_slot(table["channel"], table["offset_s"], slot, source)
    volume, aht = table["volume"], table["aht_s"]
    busy = volume > 0
    with np.errstate(over="ignore", invalid="ignore"):
        traffic = np.where(busy, volume * aht / slot_s, 0.0)
    if np.any(traffic > MAX_TRAFFIC):
        k = int(np.argmax(traffic > MAX_TRAFFIC))
        raise InputError(
            f"{source}: channel {excerpt(table['channel'][k])}, slot {table['slot_start'][k]}: volume "
            f"{volume[k]:g} x AHT {aht[k]:g}s in a {slot_s:g}s slot is {traffic[k]:.3g} "
            f"Erlangs, beyond staffsim's limit of {MAX_TRAFFIC:.0e} Erlangs per slot")
    check_forecast(table, slot_s, source)  # legal values that are almost certainly unit mistakes
    return ForecastColumns(columns=table, slot_s=slot_s, source=source, tz=tz,
                           clock=kinds == {"clock"})


def _zone(tz: str | None, source: str) -> ZoneInfo | None:
    if tz is None:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        names = sorted(available_timezones())
        close = difflib.get_close_matches(str(tz), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (an IANA name such as Europe/Madrid)"
        raise InputError(f"{source}: unknown time zone {excerpt(tz)}{hint}") from None


_SLASHED = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ T]+(.*))?$")
_TIME_ZONE = re.compile(r"^(\d{1,2}:\d{2}(?::\d{2})?)\s*(Z|UTC|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)


def _date_order(texts: list[str], dayfirst: bool | None, err) -> bool | None:
    """Whether ``nn/nn/yyyy`` dates are day/month (True) or month/day (False); None when the
    file has none. Inferred from the file when not given, refused when every date reads both
    ways or the file mixes the two."""
    pairs = [(i, int(m.group(1)), int(m.group(3))) for i, t in enumerate(texts)
             if (m := _SLASHED.match(t))]
    if not pairs:
        return dayfirst
    day_first = next(((i, texts[i]) for i, a, b in pairs if a > 12 >= b), None)
    month_first = next(((i, texts[i]) for i, a, b in pairs if b > 12 >= a), None)
    if dayfirst is True and month_first:
        raise err(month_first[0], f"{excerpt(month_first[1])} is not day/month/year (--dayfirst / "
                                  "dayfirst: true were given): the month would be over 12")
    if dayfirst is False and day_first:
        raise err(day_first[0], f"{excerpt(day_first[1])} is not month/day/year (dayfirst: false "
                                "was given): the month would be over 12")
    if dayfirst is not None:
        return dayfirst
    if day_first and month_first:
        raise err(month_first[0], f"dates are day/month on line {day_first[0] + 2} "
                                  f"({excerpt(day_first[1])}) but month/day here ({excerpt(month_first[1])})")
    if day_first or month_first:
        return bool(day_first)
    i, a, b = pairs[0]
    raise err(i, f"{excerpt(texts[i])} could be day/month/year or month/day/year, and no date in "
                 "the file tells which; give --dayfirst (day/month/year) or --monthfirst "
                 "(in a scenario: dayfirst: true / false)")


def _localise(starts: list, zone: ZoneInfo | None, tz: str | None, err) -> tuple[list, list]:
    """Time stamps on the center's clock, and seconds from midnight of the first local day.
    Stamps with a zone are converted to ``tz`` (refused without it); stamps without one are
    the center's local times."""
    aware = [ts.tzinfo is not None for ts in starts]
    if any(aware) and not all(aware):
        k = aware.index(not aware[0])
        raise err(k, "some time stamps carry a time zone and others do not; use one form")
    if all(aware):
        if zone is None:
            raise err(0, f"the time stamps carry a time zone ({starts[0].isoformat()}); give the "
                         "center's zone to convert them to, --tz Europe/Madrid (in a scenario: tz:)")
        starts = [ts.tz_convert(tz) for ts in starts]
        local = [ts.tz_localize(None) for ts in starts]
    else:
        local = list(starts)
    first_day = min(local).normalize()
    return starts, [(ts - first_day).total_seconds() for ts in local]


def _one_media_type(channels: list[str], media: list[str], err) -> None:
    """A queue has one media type (voice, chat, email)."""
    seen: dict[str, tuple[int, str]] = {}
    for i, (c, m) in enumerate(zip(channels, media)):
        first = seen.setdefault(c, (i, m))
        if first[1] != m:
            raise err(i, f"queue {excerpt(c)} is {excerpt(m)} here but {excerpt(first[1])} on line "
                         f"{first[0] + 2}; a queue has one media type")


_GROUPED = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$")


def _number(text: str, decimal_comma: bool = False) -> float | None:
    """A number from a CSV cell: "1,234.5" (thousands commas) in a "," file; in a ";" file a
    comma is the decimal mark and a dot only groups thousands ("1.204", "12.345,5"). None when
    it is not a number (the caller names the cell)."""
    text = text.strip()
    if not text:
        return None
    if decimal_comma:
        if "." in text and not _GROUPED.match(text):
            return None  # "180.5" in a decimal-comma file: ambiguous, refuse rather than guess
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _aht(row: dict, cols: dict[str, str], vol: float, err, decimal_comma: bool = False) -> float:
    if "aht_s" in cols:
        text = row[cols["aht_s"]].strip()
        if decimal_comma and re.fullmatch(r"[-+0-9.,]+", text):  # a bare number, not "3:05"/"3min"
            number = _number(text, decimal_comma=True)
            if number is None:
                raise err(f"expected seconds with a decimal comma (a ';'-separated file), got {text!r}")
            text = str(number)
        if not text:
            if vol == 0:
                return math.nan
            raise err("missing AHT where the volume is > 0")
        try:
            aht = parse_duration(text)
        except ValueError:
            raise err(f"expected seconds or a duration such as 180s, 3min or 3:00, got {text!r}") from None
    else:
        total = _number(row[cols["total_handle_time_s"]], decimal_comma)
        if total is None or not math.isfinite(total) or total < 0:
            raise err(f"must be a number of seconds >= 0, got {row[cols['total_handle_time_s']]!r}")
        if vol == 0:
            return math.nan
        aht = total / vol
    if vol > 0 and not (math.isfinite(aht) and aht > 0):
        raise err(f"AHT must be > 0 where the volume is > 0, got {aht!r}")
    return aht


def _parse_start(text: str, dayfirst: bool | None = None) -> tuple[Any, float, str]:
    """(slot_start value, offset seconds within the day, kind) from ``HH:MM``, an ISO date-time
    (a zone, ``+01:00`` or ``Z``, is kept) or ``dd/mm/yyyy HH:MM`` in the order ``dayfirst``."""
    try:
        seconds = parse_clock(text)
    except ValueError:
        pass
    else:
        if seconds >= 86400:
            raise ValueError("a clock time must be before 24:00")
        return format_clock(seconds), seconds, "clock"
    expected = ("expected HH:MM or a date-time such as 2026-03-02 08:30 (or 02/03/2026 08:30 "
                "with --dayfirst)")
    m = _SLASHED.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        day, month = (a, b) if dayfirst else (b, a)
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            raise ValueError(f"not a date (day {day}, month {month})") from None
        clock, zone = 0.0, None
        if m.group(5):
            t = _TIME_ZONE.match(m.group(5).strip())
            try:
                clock = parse_clock(t.group(1)) if t else parse_clock(m.group(5).strip())
            except ValueError:
                raise ValueError(expected) from None
            zone = t.group(2) if t else None
        import pandas as pd

        ts = pd.Timestamp(date) + pd.Timedelta(seconds=clock)
        if zone:
            ts = ts.tz_localize(datetime.timezone.utc if zone.upper() in ("Z", "UTC") else
                                datetime.datetime.strptime(zone.replace(":", ""), "%z").tzinfo)
        return ts, 0.0, "datetime"
    if not re.match(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}", text):
        raise ValueError(expected)
    import pandas as pd

    try:
        ts = pd.Timestamp(text.replace("/", "-", 2))
    except (ValueError, OverflowError):
        raise ValueError(expected) from None
    if ts is pd.NaT:
        raise ValueError(expected)
    return ts, 0.0, "datetime"


def _infer_slot(channels: list[str], offsets: np.ndarray, slot: float | None, source: str) -> float:
    """The slot length: the least gap between a channel's slot starts (``channels`` grouped, each
    channel's ``offsets`` in time order), checked against ``slot`` when given."""
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(channels):
        rows.setdefault(c, []).append(i)
    gaps = []
    for index in rows.values():
        gaps.extend(np.diff(np.sort(offsets[index])))
    gaps_arr = np.array(gaps, float)
    if gaps_arr.size == 0:
        if slot is None:
            raise InputError(f"{source}: one slot per channel, so the slot length cannot be inferred; give --slot")
        return float(slot)
    inferred = float(gaps_arr.min())
    if np.any(np.abs(gaps_arr / inferred - np.round(gaps_arr / inferred)) > 1e-9):
        raise InputError(f"{source}: slot starts are not on a regular grid (smallest gap {inferred:g}s)")
    if slot is not None and abs(slot - inferred) > 1e-9:
        raise InputError(
            f"{source}: slot starts are {inferred:g}s apart but the slot length given is {slot:g}s"
        )
    return inferred


class Targets(Mapping[str, ChannelTargets]):
    """Channel name → :class:`ChannelTargets`, with an optional default for unlisted channels."""

    def __init__(self, channels: dict[str, ChannelTargets], default: ChannelTargets | None = None):
        self._channels = dict(channels)
        self.default = default

    def __getitem__(self, name: str) -> ChannelTargets:
        if name in self._channels:
            return self._channels[name]
        if self.default is not None:
            return self.default
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self._channels or self.default is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._channels)

    def __len__(self) -> int:
        return len(self._channels)


def load_targets(path: str | Path) -> Targets:
    """Read a targets YAML file::

        default: {service_level: 0.8, threshold: 20s, shrinkage: 0.3}   # optional
        channels:
          voice: {patience: 3min, max_abandon: 0.05}     # fields override the default
          chat: {threshold: 60s, concurrency: 3}

    A clean file is read without pydantic (:func:`~staffsim.scenarios.target_fields.quick_check`,
    the same fields); any other is checked by the pydantic schema, whose messages name every
    problem.
    """
    source = str(path)
    data = read_yaml(path)
    try:
        return _read_targets(data, source, _quick_check)
    except Unchecked:
        return _read_targets(data, source, _schema_check)


def _quick_check(raw: dict, prefix: str, problems: list[str]) -> dict[str, Any]:
    return quick_check(raw)


def _schema_check(raw: dict, prefix: str, problems: list[str]) -> dict[str, Any] | None:
    from pydantic import ValidationError

    from staffsim.scenarios.schema import ChannelTargetsSpec, error_lines

    try:
        spec = ChannelTargetsSpec.model_validate(raw)
    except ValidationError as exc:
        problems.extend(error_lines(exc, ChannelTargetsSpec, prefix))
        return None
    return {f.name: getattr(spec, f.name) for f in CHANNEL_TARGET_FIELDS}


def _read_targets(data: Any, source: str, check) -> Targets:
    """load_targets on the file's data, each entry checked by ``check`` (which may raise
    :class:`Unchecked`: then every problem, of any kind, is left to the schema's pass)."""
    quick = check is _quick_check

    def problem(message: str) -> None:
        if quick:
            raise Unchecked
        problems.append(message)

    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping with 'default' and/or 'channels'")
    problems: list[str] = []
    for key in data:
        if key not in ("default", "channels"):
            close = difflib.get_close_matches(str(key), ["default", "channels"], n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problem(f"unknown field {excerpt(key)} ({hint}allowed: default, channels)")
    default_raw = data.get("default") or {}
    channels_raw = data.get("channels") or {}
    if not isinstance(default_raw, dict):
        problem("default: must be a mapping of fields to values")
        default_raw = {}
    if not isinstance(channels_raw, dict):
        problem("channels: must be a mapping of channel names")
        channels_raw = {}

    # `default` may be partial (shared fields only): check the fields it has, with placeholders
    # for required ones it lacks; it serves unlisted channels only when it is complete.
    required = {"service_level": 0.5, "threshold": 0}
    check({**required, **default_raw}, "default", problems)
    default = None
    if all(k in default_raw for k in required) and not problems:
        values = check(default_raw, "default", problems)
        default = _targets(values, source, "default", quick) if values else None
    channels = {}
    for name, raw in channels_raw.items():
        if not isinstance(raw, dict):
            problem(f"channels.{name}: must be a mapping of fields")
            continue
        values = check({**default_raw, **raw}, f"channels.{name}", problems)
        if values is not None and not problems:
            channels[str(name)] = _targets(values, source, f"channels.{name}", quick)
    if problems:
        from staffsim.scenarios.schema import errors_to_input_error

        raise errors_to_input_error(list(dict.fromkeys(problems)), source)
    if not channels and default is None:
        raise InputError(f"{source}: no targets (give 'default' or 'channels')")
    return Targets(channels, default)


def _targets(values: dict[str, Any], source: str, path: str, quick: bool) -> ChannelTargets:
    try:
        return channel_targets(values)
    except ValueError as exc:
        if quick:
            raise Unchecked from None
        raise InputError(f"{source}: {path}.{exc}") from None
