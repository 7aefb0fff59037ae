"""Generate examples/forecast/history.csv: a synthetic but realistic interval history.

Eight weeks (Monday 5 January 2026 to Sunday 1 March 2026) of a retail bank's voice and chat
queues in 30-minute intervals, exported as a Spanish WFM suite would: semicolon-separated,
day-first dates, Spanish headers (Cola, Inicio Intervalo, Ofrecidas, TMO) - read it with
``--columns channel=Cola,start=Inicio Intervalo,volume=Ofrecidas,aht=TMO``.

The truth it is drawn from: open 08:00-20:00 Monday to Friday and 09:00-14:00 on Saturday,
closed on Sunday; voice about 1,900 calls on a Monday falling to 1,500 on Friday and 500 on
Saturday, growing 1% a week; a double-peaked intraday profile (late morning and early
afternoon); chat a third of voice with a later, flatter profile; each day's level carries a
mean-1 gamma error of cv 8% and each interval is Poisson around it. 6 January (Epiphany) is a
holiday with a quarter of the usual calls. AHT about 300 s (voice) and 540 s (chat) with small
intraday variation. The random numbers come from staffsim.rng (seed 2026), so the file is
reproducible: ``python examples/forecast/make_history.py`` rewrites it identically.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from staffsim.rng import stream

FIRST = dt.date(2026, 1, 5)
WEEKS = 8
HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 14)}
DAY_TOTAL = {"Voz": (1900, 1750, 1700, 1650, 1500, 500), "Chat": (620, 600, 590, 580, 540, 200)}
AHT = {"Voz": 300.0, "Chat": 540.0}
HOLIDAYS = {dt.date(2026, 1, 6): 0.25}


def profile(channel: str, open_h: int, close_h: int) -> np.ndarray:
    """Shares of the day's calls per 30-minute interval of the opening hours."""
    t = np.arange(open_h, close_h, 0.5) + 0.25
    if channel == "Voz":
        shape = np.exp(-0.5 * ((t - 11.0) / 1.6) ** 2) + 0.8 * np.exp(-0.5 * ((t - 15.5) / 1.8) ** 2) + 0.08
    else:
        shape = np.exp(-0.5 * ((t - 14.0) / 3.0) ** 2) + 0.15
    return shape / shape.sum()


def rows(seed: int = 2026):
    """(channel, start text, offered, AHT text) rows in time order per channel."""
    out = []
    for channel in ("Voz", "Chat"):
        day_rng = stream(seed, 0, channel, "day")
        slot_rng = stream(seed, 0, channel, "slot")
        for d in range(7 * WEEKS):
            date = FIRST + dt.timedelta(days=d)
            w = date.weekday()
            if w not in HOURS:
                continue
            a, b = HOURS[w]
            level = DAY_TOTAL[channel][w] * 1.01 ** (d / 7) * HOLIDAYS.get(date, 1.0)
            level *= day_rng.gamma(1 / 0.08 ** 2, 0.08 ** 2)
            p = profile(channel, a, b)
            counts = slot_rng.poisson(level * p)
            for k, n in enumerate(counts):
                minutes = a * 60 + 30 * k
                aht = AHT[channel] * (1 + 0.06 * np.sin(minutes / 180)) if n else None
                start = f"{date:%d/%m/%Y} {minutes // 60:02d}:{minutes % 60:02d}"
                out.append((channel, start, int(n), "" if aht is None else f"{aht:.1f}".replace(".", ",")))
    return out


def main() -> None:
    path = Path(__file__).with_name("history.csv")
    lines = ["Cola;Inicio Intervalo;Ofrecidas;TMO"] + [";".join(map(str, r)) for r in rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{path}: {len(lines) - 1} rows")


if __name__ == "__main__":
    main()
