"""iCalendar files (RFC 5545) written by hand: one calendar per person with a VTIMEZONE for the
center's time zone and one VEVENT per shift and per break, times local with TZID.

Lines end in CRLF and are folded at 75 octets; text values are escaped (backslash, semicolon,
comma, newline). The VTIMEZONE lists the zone's actual transitions (from the system's tz
database, :mod:`zoneinfo`) in the years the calendar covers, each as its own STANDARD or
DAYLIGHT component, plus the offset in force at the start.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from staffsim.errors import InputError

PRODID = "-//staffsim//people schedules//EN"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded at 75 octets (continuations start with a space), CRLF ended."""
    data = line.encode("utf-8")
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while end > start and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74
    parts.append(data[start:].decode("utf-8"))
    return "\r\n ".join(parts) + "\r\n"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"time zone {name!r} is not known (use a tz database name such as "
                         "Europe/Madrid or UTC)") from None


def _offset(td: dt.timedelta) -> str:
    total = int(td.total_seconds())
    sign = "+" if total >= 0 else "-"
    h, m = divmod(abs(total) // 60, 60)
    return f"{sign}{h:02d}{m:02d}"


def _transitions(tz: ZoneInfo, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta, bool, str]]:
    """(UTC instant, offset before, offset after, is DST after, name after) of each change of
    UTC offset from the start of ``first``'s year to the end of ``last``'s."""
    out = []
    t = dt.datetime(first.year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last.year + 1, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(hours=6)
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = t + step
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t, nxt  # bisect to the second
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + dt.timedelta(seconds=(hi - lo).total_seconds() // 2)
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            local = hi.astimezone(tz)
            out.append((hi, prev, off, bool(local.dst()), local.tzname() or ""))
            prev = off
        t = nxt
    return out


def vtimezone(name: str, first: dt.date, last: dt.date) -> list[str]:
    """The VTIMEZONE component's lines for ``name`` over the years of [first, last]."""
    tz = zone(name)
    start = dt.datetime(first.year, 1, 1, tzinfo=dt.UTC).astimezone(tz)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    kind = "DAYLIGHT" if start.dst() else "STANDARD"
    off = start.utcoffset()
    lines += [f"BEGIN:{kind}", f"DTSTART:{first.year - 1}1231T000000", f"TZOFFSETFROM:{_offset(off)}",
              f"TZOFFSETTO:{_offset(off)}", f"TZNAME:{escape(start.tzname() or name)}", f"END:{kind}"]
    for instant, before, after, dst, tzname in _transitions(tz, first, last):
        wall = (instant + before).replace(tzinfo=None)  # local time in the offset it leaves
        kind = "DAYLIGHT" if dst else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{wall:%Y%m%dT%H%M%S}", f"TZOFFSETFROM:{_offset(before)}",
                  f"TZOFFSETTO:{_offset(after)}", f"TZNAME:{escape(tzname)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return lines


def calendar_text(events: list[dict], tz_name: str, name: str, stamp: dt.datetime) -> str:
    """A whole VCALENDAR. ``events``: dicts with ``uid``, ``start`` and ``end`` (naive local
    datetimes in ``tz_name``), ``summary``, ``description``, ``categories``; ``stamp``: the
    DTSTAMP (UTC)."""
    dates = [e["start"].date() for e in events] or [stamp.date()]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", f"X-WR-TIMEZONE:{tz_name}"]
    lines += vtimezone(tz_name, min(dates), max(e["end"].date() for e in events) if events else max(dates))
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e['uid']}", f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
                  f"DTSTART;TZID={tz_name}:{e['start']:%Y%m%dT%H%M%S}",
                  f"DTEND;TZID={tz_name}:{e['end']:%Y%m%dT%H%M%S}",
                  f"SUMMARY:{escape(e['summary'])}"]
        if e.get("description"):
            lines.append(f"DESCRIPTION:{escape(e['description'])}")
        if e.get("categories"):
            lines.append(f"CATEGORIES:{escape(e['categories'])}")
        lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
