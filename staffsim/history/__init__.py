"""The center's own history: forecasts from interval history (and, beside them, fitted behaviour
and backtests of the simulated days)."""

from staffsim.history.forecast import forecast  # noqa: F401
