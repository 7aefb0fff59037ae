"""The one exception type for bad input, and its formatting."""

from __future__ import annotations

import reprlib

#: Longest excerpt of an input value quoted in a message.
EXCERPT_CHARS = 60
#: Problems listed one per line in one message; the rest are counted.
MAX_PROBLEMS_SHOWN = 20

_repr = reprlib.Repr()
_repr.maxlevel = 2
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 6
_repr.maxstring = _repr.maxother = EXCERPT_CHARS


class InputError(ValueError):
    """Bad input: the message names the source (file), the field or column, and what is allowed.

    A :class:`ValueError`, so callers that catch ``ValueError`` see it; the CLI turns it into one
    line on stderr and exit code 2. ``problems`` lists every problem when there are several (the
    message then has a heading line and one problem per line).
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems) if problems else [message]

    @classmethod
    def several(cls, heading: str, problems: list[str]) -> InputError:
        """One problem as one line; several under ``heading`` (``"file: 3 problems:"``), one per
        line, indented; beyond :data:`MAX_PROBLEMS_SHOWN` the rest are counted."""
        if len(problems) == 1:
            return cls(problems[0])
        shown = [f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN:,} more problems")
        return cls("\n".join([heading] + shown), problems)


class OutputError(OSError):
    """Outputs could not be written (disk full, no permission, a file system error): the message
    names the path and the reason, and says that earlier outputs were left as they were. The CLI
    exits with code 4 (3 belongs to a lost worker process)."""


def where(source: str | None, field: str | None = None) -> str:
    """``"file: field"`` prefix for messages, omitting the parts that are unknown."""
    parts = [p for p in (source, field) if p]
    return ": ".join(parts)


class WorkerLost(RuntimeError):
    """A worker process died (killed by the operating system, say by its out-of-memory killer,
    or crashed) before every scenario of a run had a finished replication to keep. The message
    names the replication it was running. The CLI prints it on one line and exits with 3."""
def excerpt(value: object) -> str:
    """A short, bounded repr of an input value for a message: long text and big or deeply nested
    lists are cut (``[1, 2, 3, 4, 5, 6, ...]``), whatever their size, in bounded time."""
    text = _repr.repr(value)
    if len(text) > 2 * EXCERPT_CHARS:
        text = text[: 2 * EXCERPT_CHARS] + "..."
    return text


def clip(text: str) -> str:
    """Plain text (a list of names, say) cut to a bounded length for a message."""
    text = str(text)
    return text if len(text) <= 2 * EXCERPT_CHARS else text[: 2 * EXCERPT_CHARS] + "..."


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by SIGTERM (what a job scheduler sends). A
    :class:`KeyboardInterrupt`, so every clean-up that handles Ctrl-C handles it too; the CLI
    exits with 143 (128 + SIGTERM) instead of Ctrl-C's 130."""
