"""Files that are never half-written, and results as plain JSON.

- :func:`write_text` / :func:`write_bytes` / :func:`write_frame` / :func:`write_tables`: write to
  a temporary file in the target directory and rename it into place, so an existing output is
  replaced whole or not at all.
- :func:`to_jsonable` / :func:`dumps`: DataFrames and numpy values as plain JSON; an infinite
  value (ASA in overload) is written as the string ``"inf"`` because JSON has no infinity.
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

from staffsim.errors import InputError

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
        raise InputError("Parquet output needs pyarrow: pip install 'staffsim[parquet]'") from None
    import io as _io

    buf = _io.BytesIO()
    df.to_parquet(buf, index=False)
    return write_bytes(path, buf.getvalue())


def write_tables(directory: str | Path, tables: dict[str, pd.DataFrame], *, parquet: bool = False) -> list[Path]:
    """Each table as ``<name>.csv`` (and ``<name>.parquet``), atomically."""
    directory = Path(directory)
    paths = [write_text(directory / f"{name}.csv", frame_to_csv(df)) for name, df in tables.items()]
    if parquet:
        paths += [write_parquet(directory / f"{name}.parquet", df) for name, df in tables.items()]
    return paths
