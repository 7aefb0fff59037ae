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

import fcntl
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any


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
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not path.exists():
                data = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(data)
                os.replace(tmp, path)
            data = path.read_bytes()
        return pickle.loads(data)
