"""Reading scenario files: YAML → ``extends:`` merge → ``--set`` overrides → validation.

The forecast and targets readers live in :mod:`staffsim.scenarios.forecast`; the validated
:class:`~staffsim.scenarios.scenario.Scenario` and :func:`scenario_from_dict` in
:mod:`staffsim.scenarios.scenario`. Both are re-exported here.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from staffsim.errors import InputError, excerpt
from staffsim.scenarios.forecast import (
    FORECAST_ALIASES,
    Forecast,
    Targets,
    load_forecast,
    load_targets,
)
from staffsim.scenarios.scenario import Scenario, parse_override, scenario_from_dict, set_path
from staffsim.scenarios.yamlio import read_yaml

__all__ = ["FORECAST_ALIASES", "Forecast", "Scenario", "Targets", "deep_merge", "load_forecast",
           "load_scenario", "load_targets", "parse_override", "read_yaml", "scenario_from_dict",
           "set_path"]


def deep_merge(base: Any, over: Any) -> Any:
    """Mappings merge key by key (recursively); anything else in ``over`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(over)


def _read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    source = str(path)
    if path.resolve() in seen:
        chain = " -> ".join(str(p) for p in seen + (path.resolve(),))
        raise InputError(f"{source}: extends: forms a cycle ({chain})")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{source}: a scenario file must be a mapping of fields (name, horizon, ...)")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(f"{source}: extends: must be the path of another scenario file")
    parent_path = (path.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    if not parent_path.exists():
        raise InputError(f"{source}: extends: file {str(parent_path)!r} not found")
    base = _read_with_extends(parent_path, seen + (path.resolve(),))
    # paths inside the parent (forecast and empirical files) stay relative to the parent
    _rebase_files(base, parent_path.parent, path.parent)
    return deep_merge(base, data)


def _rebase_files(data: Any, old_dir: Path, new_dir: Path) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "file" and isinstance(value, str) and not Path(value).is_absolute():
                data[key] = os.path.relpath(old_dir / value, new_dir)
            else:
                _rebase_files(value, old_dir, new_dir)
    elif isinstance(data, list):
        for item in data:
            _rebase_files(item, old_dir, new_dir)


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | list[str] | None = None) -> Scenario:
    """Read, merge (``extends:``), override and validate a scenario file.

    ``overrides``: ``{"channels.voice.self_service.deflection": 0.3}`` or a list of
    ``"path=value"`` strings as given to ``--set``; each is validated like the file itself.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    data = _read_with_extends(path)
    return scenario_from_dict(data, source=str(path), base_dir=path.parent, overrides=overrides)


def as_scenario(value: Any, name: str = "scenario") -> Scenario:
    """A :class:`Scenario` from what every public function taking a scenario accepts: a Scenario,
    the path of a scenario file (str or Path; loaded with :func:`load_scenario`) or the plain data
    a YAML file holds (a mapping; :func:`scenario_from_dict`). Anything else is a TypeError
    naming the argument."""
    if isinstance(value, Scenario):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_scenario(value)
    if isinstance(value, Mapping):
        return scenario_from_dict(value)
    raise TypeError(f"{name}: expected a Scenario, the path of a scenario file or a mapping of its "
                    f"fields, got {type(value).__name__} {excerpt(value)}")
