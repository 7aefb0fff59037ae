"""Build the worked example of docs/people.md: a contact center's week, its roster, and the
50 people who staff it over four weeks.

    python examples/people/make_example.py [--out DIR]   # default: next to this script

Writes, next to this script:
- ``forecast.csv``: volumes and AHT per half hour for voice, chat and claims (Mon 2 March 2026
  to Sun 8 March; Saturday 09:00-17:00, Sunday 10:00-16:00);
- ``roster/``: the least-cost roster of ``center.yaml`` under ``rules.yaml``
  (``staffsim schedule center.yaml --rules rules.yaml --out roster``);
- ``agents.csv``: 53 people with skills and proficiency, contracts, availability, approved
  time off in March 2026, wishes and seniority, drawn from the seeded stream
  ``staffsim.rng.stream(2026, 0, "people-example")``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from staffsim.rng import stream

FIRST = dt.date(2026, 3, 2)
HOURS = {5: (9, 17), 6: (10, 16)}  # Saturday, Sunday; weekdays 08:00-20:00
DAY_SHARE = [1.15, 1.0, 0.95, 0.95, 1.0, 0.55, 0.35]


def _profile(h: float) -> float:
    """Relative voice volume by hour of day: a morning peak, a lunch dip, an afternoon hump."""
    return 0.35 + np.exp(-((h - 10.5) / 1.6) ** 2) + 0.7 * np.exp(-((h - 15.5) / 1.8) ** 2)


def forecast() -> pd.DataFrame:
    rows = []
    for d in range(7):
        date = FIRST + dt.timedelta(days=d)
        lo, hi = HOURS.get(d, (8, 20))
        for half in range(lo * 2, hi * 2):
            h = half / 2 + 0.25
            stamp = f"{date.isoformat()}T{half // 2:02d}:{30 * (half % 2):02d}"
            voice = 56 * DAY_SHARE[d] * _profile(h)
            rows.append({"channel": "voice", "slot_start": stamp, "volume": round(voice, 1), "aht_s": 300})
            rows.append({"channel": "chat", "slot_start": stamp, "volume": round(voice * 0.3, 1), "aht_s": 480})
            claims = 2.0 * DAY_SHARE[d] if d < 5 else 0.0
            rows.append({"channel": "claims", "slot_start": stamp, "volume": round(claims, 1), "aht_s": 600})
    return pd.DataFrame(rows)


FIRST_NAMES = ["Ana", "Luis", "Marta", "Jordi", "Carmen", "Pablo", "Lucia", "Sergio", "Elena", "David",
               "Laura", "Javier", "Sara", "Miguel", "Paula", "Raul", "Irene", "Diego", "Noelia", "Hugo",
               "Alba", "Oscar", "Nerea", "Ivan", "Clara", "Adrian", "Rocio", "Marcos", "Eva", "Ruben",
               "Julia", "Alvaro", "Ines", "Victor", "Lorena", "Mario", "Silvia", "Andres", "Celia",
               "Jaime", "Rosa", "Tomas", "Patricia", "Daniel", "Sonia", "Gabriel", "Teresa", "Hector",
               "Alicia", "Bruno", "Carla", "Felix", "Lidia"]


def agents() -> pd.DataFrame:
    rng = stream(2026, 0, "people-example")
    rows = []
    teams = ["phones"] * 34 + ["web"] * 11 + ["claims"] * 8
    for i, team in enumerate(teams):
        part = rng.random() < 0.3
        if team == "phones":
            skills = f"voice:{rng.choice([0.85, 1.0, 1.0, 1.15, 1.3])}"
            if rng.random() < 0.25:
                skills += f"; chat:{rng.choice([1.0, 1.2])}"
            elif rng.random() < 0.25:
                skills += "; claims:1.15"
        elif team == "web":
            skills = f"chat:{rng.choice([0.9, 1.0, 1.2])}"
            if rng.random() < 0.4:
                skills += "; voice:1.1"
        else:  # the claims experts also take ordinary calls, faster than most
            skills = "claims:1.0; voice:0.85"
        if part:
            contract, hmin, hmax, days = "part", 20, 30, 4
        else:
            contract, hmin, hmax, days = "full", 32, 40, 5
        availability = ""
        if part and rng.random() < 0.5:
            availability = rng.choice(["mon-fri 08:00-16:00; sat 09:00-17:00",
                                       "mon-sun 12:00-20:00", "mon-fri 08:00-20:00"])
        leave = []
        if rng.random() < 0.45:
            start = FIRST + dt.timedelta(days=int(rng.integers(0, 24)))
            length = int(rng.integers(1, 6))
            end = min(start + dt.timedelta(days=length - 1), FIRST + dt.timedelta(days=27))
            leave.append(f"{start.isoformat()}..{end.isoformat()}" if end > start else start.isoformat())
        band = rng.choice(["", "", "08:00-09:00", "10:00-12:00", "12:00-14:00"])
        days_off = rng.choice(["", "", "", "fri", "mon", "wed"])
        weekends = rng.choice(["neutral", "neutral", "avoid", "avoid", "prefer"])
        rows.append({
            "id": f"A{i + 1:02d}", "name": FIRST_NAMES[i], "team": team, "site": "Madrid",
            "skills": skills, "contract": contract, "week_hours_min": hmin, "week_hours_max": hmax,
            "days_max": days, "max_consecutive_days": 6, "days_off_together": 2,
            "availability": availability, "time_off": "; ".join(leave), "preferred_start": band,
            "wished_days_off": days_off, "weekends": weekends,
            "seniority_years": int(rng.integers(0, 15)),
        })
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    import argparse

    from staffsim.scenarios.loader import load_scenario
    from staffsim.scheduling import schedule

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="where to write (default: next to this script)")
    args = ap.parse_args(argv)
    target = args.out
    target.mkdir(parents=True, exist_ok=True)
    forecast().to_csv(target / "forecast.csv", index=False)
    agents().to_csv(target / "agents.csv", index=False)
    for name in ("center.yaml", "rules.yaml"):
        if target.resolve() != HERE:
            shutil.copy(HERE / name, target / name)
    roster = schedule(load_scenario(target / "center.yaml"), "erlang", target / "rules.yaml",
                      time_limit=60.0, mip_gap=0.0, progress=False)
    out = target / "roster"
    if out.exists():
        shutil.rmtree(out)
    roster.write(out)
    print(f"roster: {int(roster.shifts['agents'].sum())} shifts, {roster.paid_hours:.0f} paid hours "
          f"(gap {roster.gap:.2%})")


if __name__ == "__main__":
    main()
