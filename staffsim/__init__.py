"""staffsim: contact-center staffing and queue simulation.

Public API::

    from staffsim import load_scenario, simulate, plan_for
    scenario = load_scenario("scenarios/bank.yaml", overrides={"channels.chat.volume_factor": 1.3})
    result = simulate(scenario, replications=30, seed=2026, jobs=2)
    result.summary(); result.slots; result.plan

The names are imported when first used (PEP 562), so that ``staffsim erlang`` and ``staffsim
plan`` load the analytic models only, not the simulation engine, the solvers or capacity
planning.
"""

import sys
import types

from staffsim._version import __version__

# public name -> the module that defines it
_EXPORTS = {
    "InputError": "staffsim.errors",
    "load_scenario": "staffsim.scenarios.loader",
    "scenario_from_dict": "staffsim.scenarios.loader",
    "simulate": "staffsim.experiment",
    "plan_for": "staffsim.experiment",
    "compare": "staffsim.experiment",
    "sweep": "staffsim.sweeps",
    "requirement": "staffsim.requirement",
    "Requirement": "staffsim.requirement",
    "schedule": "staffsim.scheduling",
    "capacity": "staffsim.capacity",
    "assign": "staffsim.people.assignment",
    "backtest": "staffsim.history.backtest",
    "fit": "staffsim.history.fit",
    "forecast": "staffsim.history.forecast",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'staffsim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__():
    return sorted(__all__)


class _Face(types.ModuleType):
    """The package module. Importing a submodule binds it on the package under its own name; two
    submodules are named like the functions they export (``staffsim.requirement``,
    ``staffsim.capacity``): there the function keeps the name, as ``from staffsim import
    requirement`` promises."""

    def __setattr__(self, name: str, value) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType) and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face
