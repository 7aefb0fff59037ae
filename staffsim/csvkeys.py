"""Keys of the rows of an input table: the first key given twice, with both lines.

Every CSV staffsim reads (forecasts, requirements, weekly capacity files) has a key (channel and
slot, group and slot, week and channel); a key given twice is refused naming both lines, never
"last row wins". Lines are the file's lines (header = line 1), as people count them in an editor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["first_duplicate"]


def first_duplicate(keys: Iterable[Any], lines: Sequence[int] | None = None) -> tuple[Any, int, int] | None:
    """``(key, first line, second line)`` of the first key that repeats an earlier one, or None.

    ``keys``: one hashable key per data row, in file order; ``lines``: the file line of each row
    (default: row i is on line i + 2, after a one-line header)."""
    seen: dict[Any, int] = {}
    for i, key in enumerate(keys):
        line = lines[i] if lines is not None else i + 2
        if key in seen:
            return key, seen[key], line
        seen[key] = line
    return None
