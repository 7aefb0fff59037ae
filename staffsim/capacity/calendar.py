"""Weeks of a capacity plan: their dates, their months, and per-week values.

Week 1 starts on the plan's ``start_date``; week w starts ``7(w - 1)`` days later. A week belongs
to the month of its fourth day (so a week starting Monday 29 March is an April week when most of
its days are). A per-week value is one number, one value per week, or twelve monthly values.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

from staffsim.errors import InputError, where


class Calendar:
    """``weeks`` weeks from ``start``: ``dates`` (start of each week), ``months`` (1-12)."""

    def __init__(self, start: datetime.date, weeks: int):
        self.start = start
        self.weeks = int(weeks)
        self.dates = [start + datetime.timedelta(days=7 * w) for w in range(self.weeks)]
        self.months = np.array([(d + datetime.timedelta(days=3)).month for d in self.dates])

    def week_of(self, date: datetime.date) -> int:
        """The week (1-based) that starts on ``date``; ValueError when none does."""
        days = (date - self.start).days
        if days % 7 or not 0 <= days // 7 < self.weeks:
            raise ValueError(date)
        return days // 7 + 1

    def expand(self, value: Any, source: str | None, field: str) -> np.ndarray:
        """A per-week value (``constant`` / ``weekly`` / ``by_month``) as an array of ``weeks``."""
        if value.constant is not None:
            return np.full(self.weeks, float(value.constant))
        if value.weekly is not None:
            if len(value.weekly) != self.weeks:
                raise InputError(f"{where(source, field)}: a list needs one value per week "
                                 f"({self.weeks}), got {len(value.weekly)}")
            return np.asarray(value.weekly, float)
        if value.by_month is not None:
            return np.asarray(value.by_month, float)[self.months - 1]
        raise InputError(f"{where(source, field)}: give a number, a list with one value per week, "
                         "or {by_month: [12 values]}")
