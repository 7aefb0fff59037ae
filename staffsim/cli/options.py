"""Flags, checks and exit codes shared by every command (reuse them in new commands)."""

from __future__ import annotations

import argparse
import os
import sys

from staffsim.errors import InputError
from staffsim.io import (
    CSV_DIALECTS,
    check_output_dir,
)
from staffsim.limits import MAX_TABLE_ROWS
from staffsim.stopping import EXIT_CODES, INTERRUPTED, TERMINATED
from staffsim.units import parse_duration


class _Parser(argparse.ArgumentParser):
    """argparse that reports problems as InputError (exit 2, one line)."""

    def error(self, message: str):  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


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



def _common_run_flags(p: argparse.ArgumentParser) -> None:
    """Flags of every simulating command (run, compare, sweep)."""
    p.add_argument("-n", "--replications", type=int,
                   help="replications of each scenario or value (default: the (first) scenario's)")
    p.add_argument("--seed", type=int, help="random seed (default: the (first) scenario's)")
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores; the numbers do "
                   "not depend on it)")
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



def _add_forecast_reader_flags(p: argparse.ArgumentParser) -> None:
    """--dayfirst/--monthfirst, --tz, --sheet: how to read a forecast file (see load_forecast)."""
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True,
                       help="dates are day/month/year (02/03/2026 is 2 March)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="dates are month/day/year")
    p.add_argument("--tz", help="the center's time zone (e.g. Europe/Madrid): time stamps with a "
                   "zone are converted to it")
    p.add_argument("--sheet", help="the sheet of an Excel workbook that holds the forecast")


def _forecast_reader_options(args: argparse.Namespace) -> dict:
    return {"dayfirst": args.dayfirst, "tz": args.tz, "sheet": args.sheet}


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
    """Refuse an --out directory that cannot be written before the work (simulating) starts."""
    names = [f"{t}.csv" for t in tables] + list(files)
    names += [f"{t}.parquet" for t in tables] if getattr(args, "parquet", False) else []
    names += [workbook] if getattr(args, "xlsx", False) else []
    check_output_dir(args.out, names)


def _bounded(message: str, limit: int = 2000) -> str:
    """Never print an unbounded message: each line is cut at ``limit`` characters."""
    return "\n".join(line if len(line) <= limit else f"{line[:limit]}... ({len(line):,} characters)"
                     for line in message.splitlines())

