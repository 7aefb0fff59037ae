"""Argument checking and broadcasting shared by the analytic models.

Every public function in :mod:`staffsim.models` accepts scalars or array-likes that broadcast
together. Scalars in give Python scalars out; arrays in give numpy arrays of the broadcast shape.
Invalid values raise :class:`ValueError` naming the argument and the offending value.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from staffsim.errors import excerpt
from staffsim.limits import MAX_AGENTS, MAX_TRAFFIC


def _numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array; text, true/false, complex numbers and other objects raise
    TypeError naming the argument (numpy alone would read "12" as a number and True as 1)."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists
        arr = np.asarray(None)
    if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                     for v in arr.flat):
        arr = arr.astype(float)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: must be a number or an array of numbers, got {excerpt(value)}")
    return arr.astype(float, copy=False)


def least_meeting(lo: np.ndarray, hi: np.ndarray, step: np.ndarray, meets) -> np.ndarray:
    """The least count in (lo, ...] meeting the targets, per slot: ``hi`` gallops up by doubling
    ``step`` until it meets them, then bisection between the last failing count and it.
    ``meets(i, n)`` says whether counts ``n`` meet the targets of slots ``i`` (monotone in n);
    ``lo`` must fail (or be virtual, below every possible answer). Only the slots still searched
    are evaluated; beyond MAX_AGENTS the targets are called unreachable."""
    lo, hi, step = (np.array(x, dtype=float) for x in (lo, hi, step))
    i = np.arange(lo.size)
    while i.size:
        ok = meets(i, hi[i])
        i = i[~ok]
        lo[i] = hi[i]
        hi[i] += step[i]
        step[i] *= 2.0
        if np.any(hi[i] > MAX_AGENTS):
            raise ValueError(f"no agent count up to {MAX_AGENTS:.0e} (staffsim's stated limit) "
                             "meets the targets; check them (a tiny max_asa or max_occupancy?)")
    i = np.flatnonzero(hi - lo > 1)
    while i.size:
        mid = np.floor((lo[i] + hi[i]) / 2.0)
        ok = meets(i, mid)
        hi[i] = np.where(ok, mid, hi[i])
        lo[i] = np.where(ok, lo[i], mid)
        i = i[hi[i] - lo[i] > 1]
    return hi


def as_float(
    name: str,
    value: Any,
    *,
    positive: bool = False,
    allow_inf: bool = False,
    upper: float | None = None,
    upper_inclusive: bool = True,
) -> np.ndarray:
    """Return ``value`` as a float64 array after checking it is a valid non-negative number.

    ``positive`` excludes zero; ``allow_inf`` admits +inf; ``upper`` bounds the value from above.
    Traffic above :data:`~staffsim.limits.MAX_TRAFFIC` Erlangs is refused (a stated limit).
    """
    arr = _numbers(name, value)
    bad = np.isnan(arr) | (arr < 0)
    if positive:
        bad |= arr == 0
    if not allow_inf:
        bad |= np.isinf(arr)
    if upper is not None:
        bad |= (arr > upper) if upper_inclusive else (arr >= upper)
    if np.any(bad):
        first = arr[bad].flat[0] if arr.ndim else arr
        allowed = "> 0" if positive else ">= 0"
        if upper is not None:
            allowed += f" and {'<=' if upper_inclusive else '<'} {upper:g}"
        if not allow_inf:
            allowed += " and finite"
        raise ValueError(f"{name}: must be {allowed}, got {first!r}")
    if name == "traffic" and np.any(arr > MAX_TRAFFIC):
        raise ValueError(f"traffic: at most {MAX_TRAFFIC:.0e} Erlangs per slot (staffsim's stated "
                         f"limit), got {np.max(arr):.4g}")
    return arr


def as_agents(name: str, value: Any) -> np.ndarray:
    """Return agent counts as a float64 array of non-negative whole numbers."""
    arr = as_float(name, value)
    frac = arr != np.floor(arr)
    if np.any(frac):
        raise ValueError(f"{name}: must be a whole number of agents, got {arr[frac].flat[0]!r}")
    if np.any(arr > MAX_AGENTS):
        raise ValueError(f"{name}: at most {MAX_AGENTS:.0e} agents (staffsim's stated limit), "
                         f"got {np.max(arr):.4g}")
    return arr


def is_scalar(*values: Any) -> bool:
    """True when every argument is a scalar (0-d), so results should be Python scalars."""
    return all(np.ndim(v) == 0 for v in values)


def out(value: np.ndarray, scalar: bool, *, integer: bool = False) -> Any:
    """Convert a result array to the caller's form (Python scalar or ndarray)."""
    if integer:
        value = np.asarray(value).astype(np.int64)
        return int(value) if scalar else value
    value = np.asarray(value, dtype=float)
    return float(value) if scalar else value
