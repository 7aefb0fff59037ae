"""Flags, checks and exit codes shared by every command (reuse them in new commands)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from staffsim.errors import InputError
from staffsim.io import (
    CSV_DIALECTS,
    check_run_dir,
    run_outputs,
)
from staffsim.limits import MAX_TABLE_ROWS
from staffsim.stopping import EXIT_CODES, INTERRUPTED, TERMINATED
from staffsim.units import parse_duration


class _Parser(argparse.ArgumentParser):
    """argparse that reports problems as InputError (exit 2, one line)."""

    def error(self, message: str):  # type: ignore[override]
        # main prints "staffsim: error: "; the command's name follows (never "staffsim" twice)
        command = self.prog.removeprefix("staffsim").strip()
        if not command and "required: command" in message:
            choices = next((a.choices for a in self._actions if a.dest == "command"), {})
            message = f"give a command: {', '.join(choices)} (staffsim --help says what each does)"
        raise InputError(f"{command}: {message}" if command else message)


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    return value


def _agents(text: str) -> list[int]:
    """``14`` or a range ``10:20`` (inclusive)."""
    try:
        if ":" in text:
            lo, hi = (int(x) for x in text.split(":"))
            if lo < 0 or hi < lo:
                raise ValueError
            if hi - lo + 1 > MAX_TABLE_ROWS:
                raise argparse.ArgumentTypeError(
                    f"a range of at most {MAX_TABLE_ROWS:,} agent counts, got {hi - lo + 1:,} ({text})")
            return list(range(lo, hi + 1))
        n = int(text)
        if n < 0:
            raise ValueError
        return [n]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of agents or a range such as 10:20, got {text!r}"
        ) from None



def _common_run_flags(p: argparse.ArgumentParser, parquet: bool = True) -> None:
    """Flags of every simulating command (run, compare, sweep, backtest); ``parquet=False`` for a
    command that writes no Parquet tables."""
    p.add_argument("-n", "--replications", type=int,
                   help="replications of each scenario or value (default: the (first) scenario's)")
    p.add_argument("--seed", type=int, help="random seed (default: the (first) scenario's)")
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores; the numbers do "
                   "not depend on it)")
    if parquet:
        p.add_argument("--parquet", action="store_true", help="with --out: Parquet files too (needs pyarrow)")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.add_argument("--cluster", default=os.environ.get("STAFFSIM_CLUSTER") or None,
                   metavar="ADDRESS", help="run on a Dask cluster: a scheduler address "
                   "tcp://HOST:8786, or 'local' for a local cluster of --jobs workers (default: "
                   "$STAFFSIM_CLUSTER; needs the distributed extra; the numbers do not depend on it)")



def _needs_out(args: argparse.Namespace, command: str, *flags: str) -> None:
    for flag in flags:
        if getattr(args, flag, False) and not args.out:
            raise InputError(f"staffsim {command}: --{flag} needs --out DIR")
    if getattr(args, "csv_dialect", "standard") != "standard" and not args.out:
        raise InputError(f"staffsim {command}: --csv-dialect needs --out DIR")


EXIT_WORKER_LOST = 3


def _finish(complete: bool, replications: int, stopped: str | None = None) -> int:
    """Exit code: 130 (and a note) when Ctrl-C cut the run short, 143 for SIGTERM, 3 when a
    worker process was lost (the note names what it was running); what finished was kept (and
    written, with --out) either way."""
    if complete:
        return 0
    kept = f"kept the {replications} replication(s) that had finished"
    if stopped == TERMINATED:
        print(f"staffsim: terminated (SIGTERM) - {kept}", file=sys.stderr)
        return EXIT_CODES[TERMINATED]
    if stopped and stopped != INTERRUPTED:
        print(f"staffsim: stopped: {stopped}; {kept}", file=sys.stderr)
        return EXIT_WORKER_LOST
    print(f"staffsim: interrupted - {kept}", file=sys.stderr)
    return EXIT_CODES[INTERRUPTED]



def _add_forecast_reader_flags(p: argparse.ArgumentParser, columns_help: str | None = None) -> None:
    """--dayfirst/--monthfirst, --tz, --sheet, --columns: how to read a forecast file (see
    load_forecast); ``columns_help`` for a file of another kind (a contact log)."""
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True,
                       help="dates are day/month/year (02/03/2026 is 2 March)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="dates are month/day/year")
    p.add_argument("--tz", help="the center's time zone (e.g. Europe/Madrid): time stamps with a "
                   "zone are converted to it")
    p.add_argument("--sheet", help="the sheet of an Excel workbook that holds the forecast")
    p.add_argument("--columns", metavar="NAME=HEADER,...",
                   help=columns_help or "map the file's headers: channel=Cola,start=Inicio Intervalo,"
                   "volume=Ofrecidas,aht=TMO (also handle_time=, date=, media_type=)")


def _forecast_reader_options(args: argparse.Namespace, *, columns: bool = True) -> dict:
    """The reader options of _add_forecast_reader_flags; ``columns=False`` leaves --columns to a
    reader that maps headers of its own (a contact log)."""
    from staffsim.scenarios.forecast import parse_column_mapping

    options = {"dayfirst": args.dayfirst, "tz": args.tz, "sheet": args.sheet}
    if columns:
        options["columns"] = parse_column_mapping(args.columns) or None
    return options


def _add_output_format_flags(p: argparse.ArgumentParser) -> None:
    """--csv-dialect and --xlsx for a command that writes tables (pass them on with
    _output_formats)."""
    p.add_argument("--csv-dialect", choices=CSV_DIALECTS, default="standard",
                   help="excel-eu: CSV separated by semicolons with decimal commas, as Spanish, "
                   "German and French Excel open it (default: standard)")
    p.add_argument("--xlsx", action="store_true",
                   help="also one Excel workbook, a sheet per table, units in the headers "
                   "(needs openpyxl)")


def _output_formats(args: argparse.Namespace, workbook: str) -> dict:
    """write_tables keyword arguments from _add_output_format_flags' flags; ``workbook`` is the
    file name of the --xlsx workbook in the output directory."""
    return {"csv_dialect": args.csv_dialect, "xlsx": workbook if args.xlsx else None}


def _check_out(args: argparse.Namespace, tables: list[str], files: list[str] = (),
               workbook: str = "results.xlsx") -> None:
    """Refuse an --out directory that cannot be written, or that holds another run's files
    (unless --overwrite) or files no run recorded, before the work (simulating) starts; write
    with :func:`_out_batch`."""
    names = [f"{t}.csv" for t in tables] + list(files)
    names += [f"{t}.parquet" for t in tables] if getattr(args, "parquet", False) else []
    names += [workbook] if getattr(args, "xlsx", False) else []
    args.previous_outputs = check_run_dir(args.out, names, overwrite=getattr(args, "overwrite", False),
                                          inputs=_inputs(args))


def _inputs(args: argparse.Namespace) -> list[Path]:
    """The files a command reads, as given on its command line (every path argument but --out,
    and text arguments naming an existing file, such as ``--requirement FILE.csv``)."""
    out = []
    for key, value in vars(args).items():
        if key == "out":
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, Path) or (isinstance(v, str) and v and os.path.isfile(v)):
                out.append(Path(v))
    return out


@contextlib.contextmanager
def _out_batch(args: argparse.Namespace, seed: int | None = None) -> Iterator[None]:
    """Write the command's --out directory all or nothing with its ``manifest.json`` (command,
    arguments, staffsim version, seed, files and sizes); the earlier run's files found by
    :func:`_check_out` (with --overwrite) are removed with the new batch."""
    from staffsim._version import __version__

    arguments = {k: ([str(x) for x in v] if isinstance(v, list) else
                     v if v is None or isinstance(v, (bool, int, float)) else str(v))
                 for k, v in vars(args).items() if k not in ("func", "previous_outputs", "command")}
    record = {"command": args.command, "arguments": arguments, "staffsim": __version__, "seed": seed}
    with run_outputs(args.out, record, getattr(args, "previous_outputs", [])):
        yield


def _add_overwrite_flags(sub) -> None:
    """--overwrite on every command that writes an --out directory (``plan --out`` and
    ``forecast --out`` are files)."""
    for name, p in sub.choices.items():
        if name not in ("plan", "forecast") and any(a.dest == "out" for a in p._actions):
            p.add_argument("--overwrite", action="store_true",
                           help="with --out: replace the files of the earlier run recorded in the "
                           "directory's manifest.json (never files it does not list)")


@contextlib.contextmanager
def _as_flags(flags: dict[str, str]) -> Iterator[None]:
    """Errors about a field (``"service_level: must be ..."``) reported about the flag the user
    typed (``"--target: must be ..."``): ``flags`` maps field names to flags."""
    try:
        yield
    except ValueError as exc:
        field, sep, rest = str(exc).partition(": ")
        if not (sep and field in flags):
            raise
        hint = ""
        if flags[field] in SHARE_FLAGS and " got " in rest:
            try:
                value = float(rest.rsplit(" got ", 1)[1])
            except ValueError:
                value = None
            if value is not None and 1 < value <= 100 and value == round(value):
                hint = f" (a share: {value / 100:g} for {value:g}%)"
        raise InputError(f"{flags[field]}: {rest}{hint}") from None


#: The flag of each argument name the library's checks use (every command; cli/main.py: main).
COMMON_FLAGS = {"replications": "-n/--replications", "seed": "--seed", "jobs": "--jobs",
                "rule": "--rule", "csv_dialect": "--csv-dialect", "time_limit": "--time-limit",
                "time limit": "--time-limit", "mip_rel_gap": "--mip-gap",
                "mip_gap": "--mip-gap", "rounds": "--rounds", "monte_carlo": "--monte-carlo"}

#: Flags that take a share between 0 and 1 (a percentage given instead gets a hint).
SHARE_FLAGS = ("--target", "--max-abandon", "--max-occupancy", "--shrinkage")


def _bounded(message: str, limit: int = 2000) -> str:
    """Never print an unbounded message: each line is cut at ``limit`` characters."""
    return "\n".join(line if len(line) <= limit else f"{line[:limit]}... ({len(line):,} characters)"
                     for line in message.splitlines())

