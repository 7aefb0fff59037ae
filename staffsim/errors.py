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
