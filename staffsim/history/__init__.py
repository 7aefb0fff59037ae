"""The center's own history: behaviour fitted from contact logs, backtests of observed days.

(The forecast from interval history lives beside them in ``forecast.py`` and ``readers.py``.)
"""

from staffsim.history.backtest import BacktestResult, backtest
from staffsim.history.contacts import ContactLog, read_contacts
from staffsim.history.fit import FitResult, fit

__all__ = ["BacktestResult", "ContactLog", "FitResult", "backtest", "fit", "read_contacts"]
