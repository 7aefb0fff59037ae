"""The center's own history: forecasts from interval history (``forecast.py``, ``readers.py``),
behaviour fitted from contact logs (``fit.py``, ``contacts.py``, ``censored.py``) and backtests of
the observed days (``backtest.py``, ``staffing.py``).

The names load on first use (PEP 562): a forecast needs no simulation engine, and importing
``staffsim.history.forecast`` loads none.
"""

import sys
import types

_EXPORTS = {
    "forecast": "staffsim.history.forecast",
    "fit": "staffsim.history.fit",
    "FitResult": "staffsim.history.fit",
    "backtest": "staffsim.history.backtest",
    "BacktestResult": "staffsim.history.backtest",
    "ContactLog": "staffsim.history.contacts",
    "read_contacts": "staffsim.history.contacts",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'staffsim.history' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)


class _Face(types.ModuleType):
    """Importing ``staffsim.history.forecast`` (or ``fit``, ``backtest``) binds the module on the
    package under the function's name; the function keeps the name."""

    def __setattr__(self, name: str, value) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType) and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face
