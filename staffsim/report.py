"""Tables for people and files that are never half-written.

- :func:`format_table`: a DataFrame as aligned text, shares shown as percentages and times in
  seconds with one decimal.
- :func:`write_text` / :func:`write_frame`: write to a temporary file in the target directory and
  rename it into place, so an existing output is replaced whole or not at all.
- :func:`to_jsonable`: DataFrames and numpy values as plain JSON; an infinite value (ASA in
  overload) is written as the string ``"inf"`` because JSON has no infinity.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
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
}


def format_table(df: pd.DataFrame, *, index: bool = False) -> str:
    """Aligned text for a terminal."""
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


_METRIC_UNITS = {
    "service_level": ("%", "pp"),
    "abandon_rate": ("%", "pp"),
    "occupancy": ("%", "pp"),
    "p_wait": ("%", "pp"),
    "asa_s": ("s", "s"),
    "mean_wait_s": ("s", "s"),
    "paid_agent_hours": ("h", "h"),
}


def _magnitude(metric: str, value: float, change: bool, currency: str) -> tuple[str, str]:
    """(|value| as text, unit) for a metric: shares in % (changes in percentage points)."""
    unit = _METRIC_UNITS.get(metric)
    v = abs(value)
    if unit and unit[0] == "%":
        return f"{100 * v:.1f}", "pp" if change else "%"
    if unit:
        return f"{v:,.1f}", unit[1]
    if "cost" in metric:
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
        sign = "+" if value >= 0 else "\u2212"
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
    sign = "+" if difference >= 0 else "\u2212"
    return _join(f"{sign}{number} ± {half}", unit)


def format_differences(df: pd.DataFrame, currency: str = "") -> str:
    """A comparison's tidy differences as readable text (units per metric)."""
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


def to_jsonable(value: Any) -> Any:
    """Plain-JSON form of results: DataFrames as lists of records, inf as "inf", NaN as null."""
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, (pd.Timestamp, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, allow_nan=False) + "\n"


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same directory, then rename)."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; outputs are ordinary ones
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def frame_to_csv(df: pd.DataFrame) -> str:
    """CSV text with full precision; infinities written as ``inf``."""
    return df.to_csv(index=False, float_format="%.10g")


def write_frame(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV (or JSON records for a ``.json`` path) atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return write_text(path, dumps(df))
    return write_text(path, frame_to_csv(df))


def write_parquet(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet atomically (needs the optional pyarrow: staffsim[parquet])."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        from staffsim.errors import InputError

        raise InputError("Parquet output needs pyarrow: pip install 'staffsim[parquet]'") from None
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return write_bytes(path, buf.getvalue())


def write_tables(directory: str | Path, tables: dict[str, pd.DataFrame], *, parquet: bool = False) -> list[Path]:
    """Each table as ``<name>.csv`` (and ``<name>.parquet``), atomically."""
    directory = Path(directory)
    paths = [write_text(directory / f"{name}.csv", frame_to_csv(df)) for name, df in tables.items()]
    if parquet:
        paths += [write_parquet(directory / f"{name}.parquet", df) for name, df in tables.items()]
    return paths
