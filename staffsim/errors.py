"""The one exception type for bad input, and its formatting."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message names the source (file), the field or column, and what is allowed.

    A :class:`ValueError`, so callers that catch ``ValueError`` see it; the CLI turns it into one
    line on stderr and exit code 2.
    """


def where(source: str | None, field: str | None = None) -> str:
    """``"file: field"`` prefix for messages, omitting the parts that are unknown."""
    parts = [p for p in (source, field) if p]
    return ": ".join(parts)


class WorkerLost(RuntimeError):
    """A worker process died (killed by the operating system, say by its out-of-memory killer,
    or crashed) before every scenario of a run had a finished replication to keep. The message
    names the replication it was running. The CLI prints it on one line and exits with 3."""
