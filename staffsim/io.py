"""Files that are never half-written, and results as plain JSON.

- :func:`write_text` / :func:`write_bytes` / :func:`write_frame` / :func:`write_tables`: write to
  a temporary file in the target directory and rename it into place, so an existing output is
  replaced whole or not at all. Inside :func:`output_batch` every file is first written to its
  temporary and all are renamed at the end: a failure part-way (a full disk) leaves every earlier
  output as it was, never a mix of new and old files. A failed write raises
  :class:`~staffsim.errors.OutputError` naming the file and the reason.
- :func:`check_output_dir` / :func:`check_output_file`: refuse an output path that cannot be
  written (an existing file where a directory is wanted, a path under a file, a directory where
  a file is wanted, a dangling symbolic link, an input of the command) *before* the work that
  produces the outputs.
- :func:`check_run_dir` / :func:`run_outputs`: an --out directory holds one run, described by its
  ``manifest.json`` (command, arguments, version, seed, files and sizes) written in the same
  all-or-nothing batch; a directory holding another run's files is refused (or, with
  ``--overwrite``, exactly the files its manifest lists are replaced), and one holding files no
  manifest lists is always refused.
- Tables as CSV (``csv_dialect="excel-eu"``: semicolons and decimal commas, what Spanish, German
  and French Excel opens), Parquet, or one ``.xlsx`` workbook with a sheet per table and the
  unit of each column in its header (:func:`read_workbook` reads one back).
- :func:`to_jsonable` / :func:`dumps`: DataFrames and numpy values as plain JSON; an infinite
  value (ASA in overload) is written as the string ``"inf"`` because JSON has no infinity.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import errno
import io as _io
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and pandas are imported where tables are written (start-up time)
    import pandas as pd

from staffsim.errors import InputError, OutputError
from staffsim.formatting import column_unit
from staffsim.stopping import deferred

#: CSV dialects: "standard" (comma, decimal point) and "excel-eu" (semicolon, decimal comma).
CSV_DIALECTS = ("standard", "excel-eu")

def to_jsonable(value: Any) -> Any:
    """Plain-JSON form of results: DataFrames as lists of records, inf as "inf", NaN as null."""
    # a value can be a frame or a numpy value only once pandas or numpy is imported: look them
    # up, never import them here (``staffsim erlang --format json`` starts without pandas)
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pd is not None and isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if np is not None and isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, (datetime.date, datetime.time)):  # pandas' Timestamp is a datetime
        return value.isoformat()
    if np is not None and isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if np is not None and isinstance(value, np.bool_):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, allow_nan=False) + "\n"


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same directory, then rename)."""
    return write_bytes(path, text.encode("utf-8"))


# the files written so far inside output_batch(): (temporary, target)
_BATCH: contextvars.ContextVar[list[tuple[str, Path]] | None] = contextvars.ContextVar(
    "staffsim_output_batch", default=None)


def write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with deferred():  # a stop signal never falls between creating the temporary and naming it
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; outputs are ordinary ones
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        staged = _BATCH.get()
        if staged is not None:
            staged.append((tmp, path))
            return path
        os.replace(tmp, path)
        _WRITTEN[0] += 1
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _output_error(path, exc) from None
        raise
    return path


def _remove(tmp: str | None) -> None:
    if tmp is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _output_error(path: Path, exc: OSError, note: str = "") -> OutputError:
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += " (the disk is full)"
    return OutputError(exc.errno or 0, f"{path}: cannot write: {reason}; "
                       + (note or "earlier outputs were left as they were"))


@contextlib.contextmanager
def output_batch() -> Iterator[list[tuple[str, Path]]]:
    """Write a set of files all or nothing: inside the block, every file goes to a temporary
    beside its target; leaving the block renames them all into place. On an error (a full disk,
    Ctrl-C) the temporaries are removed and no target changes. Nested blocks join the outer one."""
    if _BATCH.get() is not None:
        yield _BATCH.get()
        return
    staged: list[tuple[str, Path]] = []
    token = _BATCH.set(staged)
    try:
        yield staged
    except BaseException:
        for tmp, _ in staged:
            _remove(tmp)
        raise
    finally:
        _BATCH.reset(token)
    _commit(staged)


def files_written() -> int:
    """How many outputs this process has put in place so far (the CLI says whether an
    interrupted command wrote anything)."""
    return _WRITTEN[0]


_WRITTEN = [0]


def _commit(staged: list[tuple[str, Path]]) -> None:
    with deferred():  # Ctrl-C or SIGTERM wait until the batch is in place (a few renames)
        _commit_now(staged)
    _WRITTEN[0] += len(staged)


def _commit_now(staged: list[tuple[str, Path]]) -> None:
    for tmp, target in staged:
        if target.is_dir():
            for t, _ in staged:
                _remove(t)
            raise OutputError(errno.EISDIR, f"{target}: is a directory, cannot write the file there; "
                              "nothing was written")
    for k, (tmp, target) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except OSError as exc:
            for t, _ in staged[k:]:
                _remove(t)
            done = ", ".join(str(t.name) for _, t in staged[:k]) or "none"
            raise _output_error(target, exc, f"already replaced: {done}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _first_existing(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path(".")


def _check_parent(path: Path, what: str) -> None:
    existing = _first_existing(path.parent)
    if not existing.is_dir():
        raise InputError(f"{what} {path}: {existing} is a file, so nothing can be written under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: no permission to write in {existing}")


def check_output_dir(path: str | Path, names: Iterable[str] = (), what: str = "--out") -> Path:
    """Refuse, before any work, an output directory that cannot be written: an existing file, a
    path under a file, a directory without write permission, or one of the file ``names`` to be
    written in it that is a directory."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise InputError(f"{what} {path}: a symbolic link to {os.readlink(path)}, which does not exist; "
                         "create its target or give another directory")
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path}: is a file; give a directory (it is created if missing)")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise InputError(f"{what} {path}: no permission to write in this directory")
        for name in names:
            if (path / name).is_dir():
                raise InputError(f"{what} {path}: {name} is a directory there, so the output file "
                                 f"{name} cannot be written")
    else:
        _check_parent(path, what)
    return path


def check_output_file(path: str | Path, what: str = "--out", inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse, before any work, an output file that cannot be written: a directory, a path under
    a file, no write permission, or one of the command's ``inputs`` (an output never overwrites
    an input)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {path}: is a directory; give a file name (e.g. {path / 'plan.csv'})")
    _check_parent(path, what)
    for given in inputs:
        if _same_file(path, Path(given)):
            raise InputError(f"{what} {path}: is the input {given}; an output never overwrites an input: "
                             "give another file name")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist: the same path all the same?
        return os.path.realpath(a) == os.path.realpath(b)


# --- output directories: one run each, recorded in a manifest ------------------------------------
#: The file in every --out directory that lists the run and the files it wrote.
MANIFEST = "manifest.json"
_TEMPORARY = re.compile(r"^\..+\.[^./]+\.tmp$")  # a write_bytes temporary (an interrupted write)


def _files_under(directory: Path) -> list[str]:
    """Every file under ``directory`` (relative, '/'-separated), staffsim's temporaries left out."""
    out = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if not _TEMPORARY.match(name):
                out.append(Path(root, name).relative_to(directory).as_posix())
    return out


def read_manifest(directory: str | Path) -> dict | None:
    """The manifest of the run whose outputs ``directory`` holds, or None (none, or not one
    staffsim wrote)."""
    path = Path(directory) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("files"), list)
            and all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in data["files"])):
        return None
    return data


def _listing(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_run_dir(path: str | Path, names: Iterable[str] = (), *, overwrite: bool = False,
                  inputs: Iterable[str | Path] = (), what: str = "--out") -> list[Path]:
    """Refuse, before any work, an output directory that would mix runs; return the files of the
    earlier run to remove with the new batch (``overwrite``).

    Besides :func:`check_output_dir`'s checks: a directory holding files is refused unless they
    are exactly an earlier run's, as listed in its :data:`MANIFEST`, and ``overwrite`` is given;
    files no manifest lists are never removed, so a directory holding any is refused even with
    ``overwrite``. One of the command's ``inputs`` inside the directory that would be replaced or
    removed is refused too."""
    path = check_output_dir(path, names, what)
    if not path.is_dir():
        return []
    present = _files_under(path)
    if not present:
        return []
    manifest = read_manifest(path)
    listed = {f["name"] for f in manifest["files"]} if manifest else set()
    unknown = [n for n in present if n not in listed and not (manifest and n == MANIFEST)]
    if unknown:
        raise InputError(
            f"{what} {path}: holds files no staffsim run recorded in a {MANIFEST} ({_listing(unknown)}); "
            "staffsim writes into a new or empty directory, or replaces an earlier run's files with "
            "--overwrite, but never removes files it did not write (not even with --overwrite): give "
            "another directory")
    earlier = [n for n in present if n != MANIFEST]
    run = f"staffsim {manifest.get('command', '?')}" if manifest else "an earlier run"
    if not overwrite:
        raise InputError(
            f"{what} {path}: holds the outputs of an earlier run ({run}: {_listing(earlier) or MANIFEST}); "
            "give --overwrite to replace them (only the files its manifest lists are removed), or "
            "another directory")
    for given in inputs:
        given = Path(given)
        for n in present:
            if _same_file(path / n, given):
                raise InputError(f"{what} {path}: holds {n}, an input of this run, which --overwrite "
                                 "would remove or replace: give another directory")
    return [path / n for n in present]


@contextlib.contextmanager
def run_outputs(directory: str | Path, record: dict[str, Any], remove: Iterable[Path] = ()) -> Iterator[None]:
    """A command's --out directory written all or nothing (:func:`output_batch`) with its
    :data:`MANIFEST`: ``record`` (command, arguments, version, seed) and every file the block
    wrote under ``directory``, with its size in bytes. The files of an earlier run in ``remove``
    (from :func:`check_run_dir`) that this run does not write again are removed once the new
    files are in place, so the directory holds one run, never a mix."""
    directory = Path(directory)
    with output_batch() as staged:
        yield
        files = []
        for tmp, target in staged:
            try:
                name = target.relative_to(directory).as_posix()
            except ValueError:
                continue
            if name != MANIFEST:
                files.append({"name": name, "bytes": os.path.getsize(tmp)})
        files.sort(key=lambda f: f["name"])
        write_text(directory / MANIFEST, dumps({**record, "files": files}))
        written = {directory / f["name"] for f in files} | {directory / MANIFEST}
    for old in remove:
        if Path(old) not in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old)


def frame_to_csv(df: pd.DataFrame, csv_dialect: str = "standard") -> str:
    """CSV text with full precision; infinities written as ``inf``. ``excel-eu``: separated by
    semicolons with decimal commas (``180,5``)."""
    if csv_dialect not in CSV_DIALECTS:
        raise InputError(f"csv_dialect: choose one of {', '.join(CSV_DIALECTS)}, got {csv_dialect!r}")
    if csv_dialect == "excel-eu":
        return df.to_csv(index=False, float_format="%.10g", sep=";", decimal=",")
    return df.to_csv(index=False, float_format="%.10g")


def columns_to_csv(columns: Mapping[str, Sequence], csv_dialect: str = "standard") -> str:
    """The text :func:`frame_to_csv` gives for ``pd.DataFrame(columns)``, without pandas: each
    column a numpy array or a list of one type (whole numbers, floats, booleans or text)."""
    import csv

    if csv_dialect not in CSV_DIALECTS:
        raise InputError(f"csv_dialect: choose one of {', '.join(CSV_DIALECTS)}, got {csv_dialect!r}")
    eu = csv_dialect == "excel-eu"
    buf = _io.StringIO()
    writer = csv.writer(buf, delimiter=";" if eu else ",", lineterminator=os.linesep)
    writer.writerow(list(columns))
    cells = [[_csv_cell(v, eu) for v in _plain_items(values)] for values in columns.values()]
    writer.writerows(zip(*cells))
    return buf.getvalue()


def _plain_items(values: Sequence) -> list:
    """Plain Python values of a column (numpy scalars as int, float, bool)."""
    tolist = getattr(values, "tolist", None)
    return tolist() if tolist is not None else list(values)


def _csv_cell(value: Any, decimal_comma: bool) -> str:
    """A value as pandas' ``to_csv(float_format="%.10g")`` writes it: NaN empty, ``inf``."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = "%.10g" % value  # noqa: UP031 (the format pandas is given)
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def columns_to_records(columns: Mapping[str, Sequence]) -> list[dict[str, Any]]:
    """Rows as ``DataFrame.to_dict("records")`` gives them for ``pd.DataFrame(columns)`` (plain
    Python values), without pandas: what :func:`dumps` writes for a table."""
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*(_plain_items(v) for v in columns.values()))]


def write_columns(path: str | Path, columns: Mapping[str, Sequence], *,
                  csv_dialect: str = "standard") -> Path:
    """:func:`write_frame` for plain columns (see :func:`columns_to_csv`): JSON records for a
    ``.json`` path, CSV otherwise; a ``.xlsx`` workbook through pandas."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return write_text(path, dumps(columns_to_records(columns)))
    if suffix == ".xlsx":
        import pandas as pd

        return write_frame(path, pd.DataFrame(columns), csv_dialect=csv_dialect)
    return write_text(path, columns_to_csv(columns, csv_dialect))


def write_frame(path: str | Path, df: pd.DataFrame, *, csv_dialect: str = "standard",
                currency: str = "") -> Path:
    """Write a DataFrame atomically: JSON records for a ``.json`` path, a workbook for ``.xlsx``,
    CSV otherwise (in ``csv_dialect``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return write_text(path, dumps(df))
    if suffix == ".xlsx":
        return write_workbook(path, {path.stem: df}, currency=currency)
    return write_text(path, frame_to_csv(df, csv_dialect))


def write_parquet(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet atomically (needs the optional pyarrow: staffsim[parquet])."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError("Parquet output needs pyarrow: pip install 'staffsim[parquet]'") from None
    buf = _io.BytesIO()
    df.to_parquet(buf, index=False)
    return write_bytes(path, buf.getvalue())


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise InputError("Excel workbooks (.xlsx) need openpyxl: pip install 'staffsim[xlsx]'") from None
    return openpyxl


_UNIT_SUFFIX = re.compile(r" \[[^\]]*\]$")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\\/?*\[\]:]", "_", name)[:31] or "sheet"
    title, k = base, 2
    while title.lower() in taken:
        title = f"{base[:28]}_{k}"
        k += 1
    taken.add(title.lower())
    return title


def write_workbook(path: str | Path, tables: dict[str, pd.DataFrame], *, currency: str = "") -> Path:
    """One ``.xlsx`` workbook, a sheet per table; each header is the column name with its unit
    (``asa_s [s]``, ``service_level [share 0-1]``, ``cost [EUR]``), shares shown as percentages.
    Values are the numbers of the CSV files (infinities written as the text ``inf``)."""
    openpyxl = _openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for name, df in tables.items():
        sheet = book.create_sheet(_sheet_name(name, taken))
        units = [column_unit(c, currency) for c in df.columns]
        header = []
        for c, u in zip(df.columns, units):
            cell = WriteOnlyCell(sheet, f"{c} [{u}]" if u else str(c))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        shares = [u == "share 0-1" for u in units]
        for row in df.itertuples(index=False):
            cells = []
            for value, share in zip(row, shares):
                value = _cell(value)
                if share and _is_number(value):
                    value = WriteOnlyCell(sheet, value)
                    value.number_format = "0.0%"
                cells.append(value)
            sheet.append(cells)
    buf = _io.BytesIO()
    book.save(buf)
    return write_bytes(path, buf.getvalue())


def _cell(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        return ("inf" if v > 0 else "-inf") if math.isinf(v) else v
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        # Excel has no time zones: a zoned stamp is written as the text the CSV holds
        return str(value) if value.tzinfo is not None else pd.Timestamp(value).to_pydatetime()
    if value is None or isinstance(value, (str, int, bool, datetime.date, datetime.time)):
        return value
    return str(value)


def read_workbook(path: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a workbook written by :func:`write_workbook` (sheet name -> DataFrame), with
    the units taken off the headers and ``inf`` read back as infinity."""
    import pandas as pd

    openpyxl = _openpyxl()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    tables = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = [_UNIT_SUFFIX.sub("", str(h)) for h in rows[0]] if rows else []
        # a row whose last cells are empty (NaN is written as an empty cell) can come back short
        body = [tuple(r) + (None,) * (len(header) - len(r)) for r in rows[1:]]
        df = pd.DataFrame(body, columns=header)
        df = df.astype(object).where(df.notna(), math.nan).infer_objects()  # empty cells: NaN, as CSV reads them
        for col in df.columns:
            values = df[col].tolist()
            if any(v in ("inf", "-inf") for v in values) and all(
                    v is None or v in ("inf", "-inf") or _is_number(v) for v in values):
                df[col] = [math.nan if v is None else float(v) for v in values]
        tables[sheet.title] = df
    book.close()
    return tables


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def write_tables(directory: str | Path, tables: dict[str, pd.DataFrame], *, parquet: bool = False,
                 csv_dialect: str = "standard", xlsx: str | None = None,
                 currency: str = "") -> list[Path]:
    """Each table as ``<name>.csv`` (in ``csv_dialect``; and ``<name>.parquet``), and with
    ``xlsx`` (a file name such as ``"results.xlsx"``) one workbook with a sheet per table; all
    or nothing (:func:`output_batch`)."""
    directory = Path(directory)
    with output_batch():
        paths = [write_text(directory / f"{name}.csv", frame_to_csv(df, csv_dialect))
                 for name, df in tables.items()]
        if parquet:
            paths += [write_parquet(directory / f"{name}.parquet", df) for name, df in tables.items()]
        if xlsx:
            paths.append(write_workbook(directory / xlsx, tables, currency=currency))
    return paths
