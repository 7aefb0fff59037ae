"""The calendar of a horizon: dates, weekdays and opening hours per day.

A horizon is ``days`` calendar days (closed days included). Without ``start_date`` every day is
"day 1, day 2, ..." with the same opening hours; with it, day 1 is that date, every slot carries
its date and weekday, and ``hours`` may give other opening hours per weekday or per date::

    horizon: {start_date: 2026-03-02, days: 7, start: "08:00", end: "20:00", slot: 15min,
              hours: {sat: ["09:00", "14:00"], sun: closed, 2026-03-04: ["08:00", "13:00"]}}

A date key wins over a weekday key; days not listed keep the default ``start``-``end``. Slots
exist only in opening hours: ``HorizonSpec.slot_starts()`` is the single source of the slot grid.
"""

from __future__ import annotations

import datetime as dt
import re

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
         "saturday": "sat", "sunday": "sun"}


def weekday_key(text: object) -> str | None:
    """``"sat"`` for "sat", "Sat", "saturday"; None when the text is not a weekday."""
    if not isinstance(text, str):
        return None
    t = text.strip().lower()
    t = _LONG.get(t, t)
    return t if t in WEEKDAYS else None


def date_key(value: object) -> dt.date | None:
    """A date from a YAML date or ISO text ``2026-03-02``; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def day_label(start_date: dt.date | None, d: int) -> str:
    """How people name day ``d`` (0-based): ``Mon 2026-03-02``, or ``day 3`` without a date."""
    if start_date is None:
        return f"day {d + 1}"
    date = start_date + dt.timedelta(days=d)
    return f"{WEEKDAY_NAMES[date.weekday()]} {date.isoformat()}"


def slot_phrase(slot_s: float) -> str:
    """``half hour``, ``15-minute slot``, ``hour``: how the slot length reads in text."""
    if slot_s == 1800:
        return "half hour"
    if slot_s == 3600:
        return "hour"
    if slot_s % 3600 == 0:
        return f"{int(slot_s // 3600)}-hour slot"
    if slot_s % 60 == 0:
        return f"{int(slot_s // 60)}-minute slot"
    return f"{slot_s:g}-second slot"


def horizon_phrase(days: int, start_date: dt.date | None) -> str:
    """``the day``, ``the week``, ``2 days``, ``the week from Mon 2026-03-02``."""
    if days == 1:
        base = "the day"
    elif days == 7:
        base = "the week"
    else:
        base = f"{days} days"
    if start_date is not None:
        base += f" from {day_label(start_date, 0)}"
    return base


def period_noun(days: int) -> str:
    """What one replication is: a day, a week, or N days."""
    return "day" if days == 1 else ("week" if days == 7 else f"{days}-day period")


def period_article(days: int) -> str:
    """``a day``, ``a week``, ``a 2-day period``."""
    return "a " + period_noun(days)


def period_unit(days: int) -> str:
    """How totals over a replication are labelled: ``per day``, ``per week``, ``over the 3 days``."""
    if days == 1:
        return "per day"
    if days == 7:
        return "per week"
    return f"over the {days} days"
