"""Expensive results that several test files need, computed once per test session.

pytest-xdist (``--dist loadfile``) runs each test file in one worker process, and the files that
need the same artefact (the people example's 4-week assignment, the shipped contact log's fit, a
documented ISA requirement) land on different workers, where a session fixture would compute it
once per worker. :class:`SharedResults` keeps each result as a pickle in a directory that every
worker of the session sees (the session's temporary directory, the parent of each worker's own),
behind a file lock: the first worker to ask computes it, the others wait for it and read it. Each
caller gets its own unpickled copy, so no test can change another's.

Nothing outlives the session (pytest removes old temporary directories), so a result is never
reused across code changes; within a session a key names the call: the function, its arguments
and the contents of every input file it reads.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: no lock, so two workers may both compute a result (still correct)
    fcntl = None


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (or of every file under a directory, with their names)."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        h.update(str(p.relative_to(path) if path.is_dir() else p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


class SharedResults:
    """Results shared by the test workers of one session (see the module's description)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def get(self, name: str, key: Any, compute: Callable[[], Any]) -> Any:
        """A copy of ``compute()``'s result for ``key`` (a repr-able description of the call:
        arguments, file digests), computed by the first worker of the session to ask."""
        digest = hashlib.sha256(f"{name}\n{key!r}".encode()).hexdigest()[:24]
        path = self.directory / f"{name}-{digest}.pickle"
        with open(self.directory / f"{name}-{digest}.lock", "w") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not path.exists():
                value = compute()
                try:
                    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - a result that cannot be pickled is not shared
                    return value
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(data)
                os.replace(tmp, path)
            data = path.read_bytes()
        return pickle.loads(data)


# --- a library function's calls shared: the docs' commands -----------------------------------------
# Arguments that do not change a result: the project promises the same numbers for any number of
# worker processes (tests/test_requirement_isa.py, tests/test_decisions.py hold it), and a
# progress display shows nothing of the result.
NOT_IN_RESULT = ("jobs", "progress")


class _Uncacheable(Exception):
    """An argument that cannot name a call (a callback, an unpicklable object): run it."""


def call_key(value: Any) -> Any:
    """A plain description of an argument: contents for files, scenarios and tables."""
    import numpy as np
    import pandas as pd

    from staffsim.scenarios.scenario import Scenario

    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):  # 600 and 600.0 seconds are one time limit
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, (str, Path)):
        p = Path(value)
        if len(str(value)) < 1000 and p.exists():
            return ("file", str(p.resolve()), file_digest(p))
        return str(value)
    if isinstance(value, Scenario):
        import json

        return ("scenario", json.dumps(value.spec.model_dump(mode="json", warnings=False), sort_keys=True, default=str),
                call_key(value.volumes), call_key(value.aht),
                *(str(Path(p).resolve()) if p else p for p in (value.source, value.base_dir)))
    if isinstance(value, dict):
        return ("dict", sorted((str(k), call_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [call_key(v) for v in value])
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest())
    if isinstance(value, pd.DataFrame):
        return ("frame", list(map(str, value.columns)),
                hashlib.sha256(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()).hexdigest())
    if callable(value):
        raise _Uncacheable(repr(value))
    try:
        return ("pickle", type(value).__qualname__, hashlib.sha256(pickle.dumps(value)).hexdigest())
    except Exception as exc:  # anything unpicklable is simply not shared
        raise _Uncacheable(repr(value)) from exc


def sharing(shared: SharedResults, function: Callable, name: str) -> Callable:
    """``function``, with each call's result computed once per session (keyed by its arguments,
    defaults filled in, without :data:`NOT_IN_RESULT`); a call with a callback or an argument
    that cannot be described runs as it is."""
    import inspect

    from staffsim.scenarios.scenario import Scenario

    signature = inspect.signature(function)

    def shared_call(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            if arguments.get("progress") not in (None, False, True):
                raise _Uncacheable("a progress object")
            for gone in NOT_IN_RESULT:
                arguments.pop(gone, None)
            scenario = arguments.get("scenario")
            if isinstance(scenario, Scenario):  # None: the scenario's own, as documented
                for name_ in ("replications", "seed"):
                    if name_ in arguments and arguments[name_] is None:
                        arguments[name_] = getattr(scenario.spec.run, name_)
            key = call_key(arguments)
        except _Uncacheable:
            return function(*args, **kwargs)
        return shared.get(name, key, lambda: function(*args, **kwargs))

    shared_call.__wrapped__ = function
    return shared_call


#: the library functions the CLI's commands call for their results (imported when a command runs)
SHARED_FUNCTIONS = [
    ("staffsim.experiment", "simulate"), ("staffsim.experiment", "compare"),
    ("staffsim.requirement", "requirement"), ("staffsim.scheduling", "schedule"),
    ("staffsim.history.fit", "fit"), ("staffsim.history.backtest", "backtest"),
    ("staffsim.capacity", "capacity"),
]


def share_command_results(shared: SharedResults, monkeypatch) -> None:
    """For a test that runs documented commands: the results of the functions the commands call
    (:data:`SHARED_FUNCTIONS`) are computed once per session, whichever test (or worker) asks
    first; the commands still parse, check, print and write everything themselves."""
    import importlib

    for module_name, attr in SHARED_FUNCTIONS:
        module = importlib.import_module(module_name)
        monkeypatch.setattr(module, attr, sharing(shared, getattr(module, attr), f"{module_name}.{attr}"))
