"""Durations and clock times. Inside staffsim everything is seconds.

Files accept durations as a number of seconds or with a unit: ``20s``, ``15min``, ``1.5h``,
``2d`` (also ``ms``, ``sec``, ``m``, ``hr``, ``day``), and ``mm:ss`` / ``hh:mm:ss`` for handle
times exported by telephony systems. Clock times are ``"HH:MM"`` or ``"HH:MM:SS"``; ``"24:00"``
is the end of the day.
"""

from __future__ import annotations

import math
import re
from typing import Any

from staffsim.errors import excerpt

_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
}
_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")

DURATION_HELP = "a duration such as 20s, 15min, 1.5h, 2d, mm:ss or a number of seconds"


def parse_duration(value: Any) -> float:
    """Seconds from a duration (see module doc). Raises ValueError naming what is allowed."""
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}, got {excerpt(value)}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        m = _DURATION.match(text)
        if m:
            unit = m.group(2).lower() or "s"
            if unit not in _UNITS:
                raise ValueError(f"unknown time unit {excerpt(m.group(2))} in {excerpt(value)}; use s, min, h or d")
            seconds = float(m.group(1)) * _UNITS[unit]
        elif text.count(":") in (1, 2) and all(p.replace(".", "", 1).isdigit() for p in text.split(":")):
            seconds = 0.0
            for part in text.split(":"):
                seconds = seconds * 60 + float(part)
        elif text.lower() in ("inf", "infinite", "never"):
            seconds = math.inf
        else:
            raise ValueError(f"expected {DURATION_HELP}, got {excerpt(value)}")
    else:
        raise ValueError(f"expected {DURATION_HELP}, got {excerpt(value)}")
    if math.isnan(seconds) or seconds < 0:
        raise ValueError(f"a duration must be >= 0, got {excerpt(value)}")
    return seconds


def parse_clock(value: Any) -> float:
    """Seconds since midnight from ``"HH:MM[:SS]"``; ``"24:00"`` allowed (end of day)."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads unquoted 08:30 as the sexagesimal number 510 (minutes)
        raise ValueError(f"write clock times in quotes, as \"HH:MM\" (got {excerpt(value)})")
    if not isinstance(value, str):
        raise ValueError(f"expected a clock time \"HH:MM\", got {excerpt(value)}")
    m = _CLOCK.match(value)
    if not m:
        raise ValueError(f"expected a clock time \"HH:MM\", got {excerpt(value)}")
    h, mi, sec = int(m.group(1)), int(m.group(2)), float(m.group(3) or 0)
    if mi >= 60 or sec >= 60 or h > 24 or (h == 24 and (mi or sec)):
        raise ValueError(f"not a clock time between 00:00 and 24:00: {excerpt(value)}")
    return h * 3600.0 + mi * 60.0 + sec


def format_clock(seconds: float) -> str:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) for seconds since midnight; days beyond the first add 24h."""
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    mi, sec = divmod(rem, 60)
    return f"{h:02d}:{mi:02d}" + (f":{sec:02d}" if sec else "")


def __getattr__(name: str):
    """``Duration`` and ``ClockTime``, the pydantic field types of the schemas (floats read with
    :func:`parse_duration` / :func:`parse_clock`), made when first asked for: the command line
    parses its flags with this module and starts without pydantic."""
    if name not in ("Duration", "ClockTime"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from typing import Annotated

    from pydantic import BeforeValidator

    parse = parse_duration if name == "Duration" else parse_clock
    value = Annotated[float, BeforeValidator(parse)]
    globals()[name] = value
    return value


def format_duration(seconds: float) -> str:
    """A duration as people write it (and as files accept it): 15min, 3.5h, 490min, 90s."""
    if seconds >= 3600 and seconds % 900 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}min"
    return f"{seconds:g}s"
