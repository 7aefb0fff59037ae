"""Numbers as people read them: aligned tables, shares as percentages, changes with their
half-widths (``−2.3 ± 0.5 pp``), money with thousands separators.

- :func:`format_table`: a DataFrame as aligned text, shares shown as percentages and times in
  seconds with one decimal; :func:`format_columns` the same text from plain columns, without
  pandas (for the commands that start fast, ``staffsim erlang``).
- :func:`format_metric` / :func:`format_change` / :func:`format_differences`: one value, one
  change or a comparison's table, with the unit each metric is read in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is formatted (it costs ~0.35 s to import)
    import pandas as pd

# columns shown as percentages in text tables
_SHARE_COLUMNS = {
    "service_level",
    "service_level_answered",
    "p_wait",
    "p_abandon",
    "abandon_rate",
    "occupancy",
    "deflection",
    "fcr",  # first-contact resolution and appointments (staffsim/outcomes.py)
    "show_rate",
    "balk_rate",
    "callback_service_level",
    "block_rate",  # lines (issue 20)
}


def format_table(df: pd.DataFrame, *, index: bool = False) -> str:
    """Aligned text for a terminal."""
    import pandas as pd

    if df.empty:
        return "(no rows)"
    shown = pd.DataFrame(index=df.index)
    for col in df.columns:
        values = df[col]
        base = str(col).removesuffix("_ci")
        if pd.api.types.is_bool_dtype(values):
            shown[col] = values.map(str)
        elif pd.api.types.is_integer_dtype(values):
            shown[col] = values.map(lambda v: f"{v:,d}")
        elif pd.api.types.is_float_dtype(values):
            prefix = "±" if str(col).endswith("_ci") else ""
            pct = base in _SHARE_COLUMNS
            shown[col] = values.map(lambda v, p=prefix, q=pct: _fmt(v, p, pct=q))
        else:
            shown[col] = values.map(str)
    return shown.to_string(index=index)


def format_columns(columns: Mapping[str, Sequence]) -> str:
    """The text :func:`format_table` gives for ``pd.DataFrame(columns)``, without pandas: each
    column (a numpy array or a list of one type: whole numbers, floats, booleans or text) is
    formatted as there and right-aligned under its name, columns one space apart."""
    cells = {name: [_cell(name, v) for v in _items(values)] for name, values in columns.items()}
    if not cells or not any(cells.values()):
        return "(no rows)"
    widths = {name: max([len(name), *map(len, texts)]) for name, texts in cells.items()}
    lines = [" ".join(name.rjust(widths[name]) for name in cells)]
    for row in zip(*cells.values()):
        lines.append(" ".join(text.rjust(widths[name]) for name, text in zip(cells, row)))
    return "\n".join(lines)


def _items(values: Sequence) -> list:
    """Plain Python values of a column (numpy scalars as int, float, bool)."""
    tolist = getattr(values, "tolist", None)
    return tolist() if tolist is not None else list(values)


def _cell(name: str, v) -> str:
    """One value as :func:`format_table` shows it in column ``name``."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,d}"
    if isinstance(v, float):
        base = name.removesuffix("_ci")
        return _fmt(v, "±" if name.endswith("_ci") else "", pct=base in _SHARE_COLUMNS)
    return str(v)


_METRIC_UNITS = {
    "service_level": ("%", "pp"),
    "abandon_rate": ("%", "pp"),
    "occupancy": ("%", "pp"),
    "p_wait": ("%", "pp"),
    "asa_s": ("s", "s"),
    "mean_wait_s": ("s", "s"),
    "paid_agent_hours": ("h", "h"),
    "fcr": ("%", "pp"),  # first-contact resolution and appointments (staffsim/outcomes.py)
    "show_rate": ("%", "pp"),
    "appointment_wait_s": ("s", "s"),
    "no_show_minutes": ("min", "min"),
    "balk_rate": ("%", "pp"),
    "block_rate": ("%", "pp"),  # lines (issue 20)
    "callback_service_level": ("%", "pp"),
    "callback_delay_s": ("s", "s"),
    "transfer_wait_s": ("s", "s"),  # transfers and conferences (issue 20)
    "conference_hold_s": ("s", "s"),
}
_MONEY = {"appointment_value"}  # money columns whose names do not say "cost"


def _magnitude(metric: str, value: float, change: bool, currency: str) -> tuple[str, str]:
    """(|value| as text, unit) for a metric: shares in % (changes in percentage points)."""
    unit = _METRIC_UNITS.get(metric)
    v = abs(value)
    if unit and unit[0] == "%":
        return f"{100 * v:.1f}", "pp" if change else "%"
    if unit:
        return f"{v:,.1f}", unit[1]
    if "cost" in metric or metric in _MONEY:
        return f"{v:,.0f}", currency
    return f"{v:,.1f}", ""


def _join(number: str, unit: str) -> str:
    return number + unit if unit == "%" else f"{number} {unit}".rstrip()


def format_metric(metric: str, value: float, *, difference: bool = False, ci: bool = False,
                  currency: str = "") -> str:
    """A value of a named metric for people: shares as % (differences in percentage points),
    seconds, hours, money with thousands separators."""
    if value is None or not math.isfinite(value):
        return "-" if value is None or math.isnan(value) else ("inf" if value > 0 else "-inf")
    number, unit = _magnitude(metric, value, difference or ci, currency)
    if ci:
        sign = "±"
    elif difference:
        sign = _sign(number, value)
    else:
        sign = "-" if value < 0 else ""
    return _join(sign + number, unit)


def format_change(metric: str, difference: float, ci: float, *, currency: str = "") -> str:
    """A change with its half-width for people: ``−2.3 ± 0.5 pp``, ``+7.8 ± 1.6 s``,
    ``−1,811 ± 79 EUR``."""
    if not (math.isfinite(difference) and math.isfinite(ci)):
        return "n/a"
    number, unit = _magnitude(metric, difference, True, currency)
    half, _ = _magnitude(metric, ci, True, currency)
    return _join(f"{_sign(number, difference)}{number} ± {half}", unit)


def _sign(number: str, value: float) -> str:
    """+ or − for a change; none when it rounds to zero (no "−0")."""
    if not any(ch in "123456789" for ch in number):
        return ""
    return "+" if value >= 0 else "\u2212"


def format_differences(df: pd.DataFrame, currency: str = "") -> str:
    """A comparison's tidy differences as readable text (units per metric)."""
    import pandas as pd

    shown = pd.DataFrame({
        "variant": df["variant"], "channel": df["channel"], "metric": df["metric"],
        "baseline": [format_metric(m, v, currency=currency) for m, v in zip(df["metric"], df["baseline"])],
        "variant_value": [format_metric(m, v, currency=currency) for m, v in zip(df["metric"], df["value"])],
        "difference": [format_metric(m, v, difference=True, currency=currency)
                       for m, v in zip(df["metric"], df["difference"])],
        "ci": [format_metric(m, v, ci=True, currency=currency) for m, v in zip(df["metric"], df["ci"])],
    })
    return shown.to_string(index=False)


def _fmt(v: float, prefix: str = "", pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if pct:
        return f"{prefix}{100 * v:.1f}%"
    if abs(v) >= 1000:
        return f"{prefix}{v:,.0f}"
    return f"{prefix}{v:.2f}" if abs(v) < 100 else f"{prefix}{v:.1f}"


_COUNT_COLUMNS = {"offered", "deflected", "offered_to_agents", "answered", "abandoned", "unfinished",
                  "volume", "max_queue"}
_AGENT_COLUMNS = {"agents", "scheduled", "staffed", "staffed_agents", "on_break", "available", "busy",
                  "idle", "plan_peak", "staffed_peak", "plan_agents_peak"}


def column_unit(name: str, currency: str = "") -> str | None:
    """The unit a table column is read in (for spreadsheet headers): ``asa_s`` -> ``s``,
    ``service_level`` -> ``share 0-1``, ``cost`` -> the currency; a ``_ci`` half-width has its
    column's unit. None where the column has no unit (names, labels, tidy ``value`` columns)."""
    base = str(name).removesuffix("_ci")
    if base in _SHARE_COLUMNS:
        return "share 0-1"
    if base.endswith("_s"):
        return "s"
    if base.endswith("hours"):
        return "h"
    if "cost" in base:
        return currency or "money"
    if base == "traffic":
        return "Erlangs"
    if base in _COUNT_COLUMNS:
        return "contacts"
    if base in _AGENT_COLUMNS:
        return "agents"
    return None


def ranges_text(numbers) -> str:
    """Whole numbers in increasing order as runs: ``1-5``, ``1-3, 6-7``, ``11-12, 70``."""
    numbers = list(numbers)
    parts, run = [], [numbers[0]]
    for n in numbers[1:]:
        if n == run[-1] + 1:
            run.append(n)
        else:
            parts.append(run)
            run = [n]
    parts.append(run)
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in parts)


def count_of(n: int, noun: str) -> str:
    """``1 replication``, ``4 replications``: a count with its noun in the right number."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
