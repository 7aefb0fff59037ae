"""Generate the shipped synthetic history: a contact log, interval history and staffing table.

Run from the repository root (it rewrites the three files beside this script)::

    python examples/history/make_history.py

Real contact-level logs are not public, so staffsim ships a synthetic but realistic one: four
weeks of a bank's two queues, ``service`` and ``sales``, open 08:00-20:00 Monday to Friday and
09:00-14:00 on Saturday (closed Sunday), 30-minute slots. The truth it is drawn from (see
:data:`TRUTH`):

- arrivals: Poisson per slot with rate = daily total × weekday factor × intraday profile (a
  morning peak around 10:30 and a smaller one after lunch);
- handle times: lognormal (service: mean 300 s, cv 0.8; sales: mean 420 s, cv 0.6);
- patience: Weibull for service (mean 240 s, shape 0.8: impatient early callers), exponential
  for sales (mean 300 s);
- redials: an abandoning customer calls again with probability 0.4 after an exponential delay
  (mean 10 min) when the center is still open; every contact carries a customer id;
- staffing: agents logged in per slot set near the square-root staffing rule with day-to-day
  noise, so that abandonment is realistic (about 5-20% by slot, higher on the Monday peaks).

The queue is simulated by an independent, deliberately simple event simulator written here in
numpy and heapq (not staffsim's engine): one FIFO queue and one pool of agents per channel; the
agents logged in follow the staffing table slot by slot (agent j works while the slot's
headcount exceeds j; an agent due to log off finishes the contact in hand first); an agent
freed at the instant a caller's patience runs out serves that caller; at closing the agents
logged in stay until the queue is empty. Because it is independent of staffsim's engine, the
backtest check (``tests/test_history_fit.py``) can compare the two.

Outputs (beside this script):

- ``contacts.csv.gz``: channel, customer_id, arrival, answer, end, abandon (local date-times,
  0.1 s resolution; answered contacts have answer and end, abandoned ones abandon);
- ``intervals.csv``: the interval history as an ACD reports it: channel, slot_start (date and
  time), volume (contacts arriving in the slot), aht_s (mean handle time of the slot's answered
  contacts; where none was answered but some arrived, the channel's AHT of that day; empty when
  nobody arrived);
- ``staffing.csv``: channel, slot_start, agents (logged in during the slot).
"""

from __future__ import annotations

import datetime
import heapq
import math
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SLOT = 1800.0
START = datetime.date(2026, 2, 2)  # a Monday
WEEKS = 4
HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 14)}  # weekday: open-close
WEEKDAY_FACTOR = (1.25, 1.05, 1.0, 0.97, 0.92, 0.55, 0.0)

TRUTH = {
    "service": {"per_day": 1500.0, "handle": ("lognormal", 300.0, 0.8), "patience": ("weibull", 240.0, 0.8),
                "redial": 0.4, "redial_delay": 600.0},
    "sales": {"per_day": 380.0, "handle": ("lognormal", 420.0, 0.6), "patience": ("exponential", 300.0, None),
              "redial": 0.4, "redial_delay": 600.0},
}


def profile(clock_h: np.ndarray) -> np.ndarray:
    """Relative arrival rate at clock hour ``clock_h``: a morning peak and an after-lunch hump."""
    return (np.exp(-0.5 * ((clock_h - 10.5) / 1.4) ** 2) + 0.7 * np.exp(-0.5 * ((clock_h - 15.0) / 1.8) ** 2)
            + 0.15)


def draw(rng: np.random.Generator, spec: tuple, size: int) -> np.ndarray:
    """Durations from ``(family, mean, cv or shape)``: lognormal and gamma take the cv, weibull the
    shape, exponential nothing."""
    family, mean, par = spec
    if family == "lognormal":
        s2 = math.log1p(par**2)
        return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), size)
    if family == "weibull":
        return mean / math.gamma(1 + 1 / par) * rng.weibull(par, size)
    if family == "exponential":
        return rng.exponential(mean, size)
    if family == "gamma":
        return rng.gamma(1 / par**2, mean * par**2, size)
    raise ValueError(family)


def simulate_day(rng, arrivals: np.ndarray, heads: np.ndarray, open_s: float, handle: tuple,
                 patience: tuple, redial: float = 0.0, redial_delay: float = 600.0,
                 customers: np.ndarray | None = None) -> list[tuple]:
    """One day of one channel: FIFO queue, agents per slot from ``heads`` (slot k starts at
    ``open_s + k × SLOT``). Returns (customer, arrival, answer, end, abandon) per contact, NaN
    where not applicable; redials are appended as new contacts of the same customer."""
    close = open_s + len(heads) * SLOT
    n0 = len(arrivals)
    cust = list(customers) if customers is not None else list(range(n0))
    arr = list(arrivals)
    pat = list(draw(rng, patience, n0))
    hdl = list(draw(rng, handle, n0))
    answer, end, abandon = [math.nan] * n0, [math.nan] * n0, [math.nan] * n0
    events: list[tuple] = []  # (time, order, kind, payload); order: departures before abandons
    for i, t in enumerate(arr):
        heapq.heappush(events, (t, 3, "arrive", i))
    for k in range(len(heads)):
        heapq.heappush(events, (open_s + k * SLOT, 1, "roster", k))
    heapq.heappush(events, (close, 1, "close", -1))
    n_agents = int(heads.max(initial=0))
    logged = [False] * n_agents
    busy = [False] * n_agents
    leaving = [False] * n_agents
    idle: deque = deque()  # longest idle first
    queue: deque = deque()
    waiting: set = set()
    draining = False

    def start(j: int, i: int, t: float) -> None:
        busy[j] = True
        answer[i] = t
        end[i] = t + hdl[i]
        waiting.discard(i)
        heapq.heappush(events, (end[i], 0, "depart", j))

    def free(j: int, t: float) -> None:
        busy[j] = False
        if leaving[j] or (draining and not queue):
            logged[j] = False
            leaving[j] = False
            return
        while queue:
            i = queue.popleft()
            if i in waiting:
                start(j, i, t)
                return
        if draining:
            logged[j] = False
            return
        idle.append(j)

    while events:
        t, _, kind, x = heapq.heappop(events)
        if kind == "arrive":
            if t >= close:
                continue
            while idle and not logged[idle[0]]:
                idle.popleft()
            if idle:
                start(idle.popleft(), x, t)
            else:
                waiting.add(x)
                queue.append(x)
                heapq.heappush(events, (t + pat[x], 2, "abandon", x))
        elif kind == "depart":
            free(x, t)
        elif kind == "abandon":
            if x in waiting:
                waiting.discard(x)
                abandon[x] = t
                if rng.random() < redial:
                    t2 = t + rng.exponential(redial_delay)
                    if t2 < close:
                        i = len(arr)
                        arr.append(t2)
                        cust.append(cust[x])
                        pat.append(float(draw(rng, patience, 1)[0]))
                        hdl.append(float(draw(rng, handle, 1)[0]))
                        answer.append(math.nan)
                        end.append(math.nan)
                        abandon.append(math.nan)
                        heapq.heappush(events, (t2, 3, "arrive", i))
        elif kind == "roster":
            n = int(heads[x])
            for j in range(n_agents):
                if j < n and not logged[j]:
                    logged[j], leaving[j] = True, False
                    free(j, t) if not busy[j] else None
                elif j < n and leaving[j]:
                    leaving[j] = False
                elif j >= n and logged[j]:
                    if busy[j]:
                        leaving[j] = True
                    else:
                        logged[j] = False
            idle = deque(j for j in idle if logged[j] and not busy[j])
        else:  # close: agents logged in stay until the queue is empty
            draining = True
            for j in range(n_agents):
                if logged[j] and not busy[j]:
                    logged[j] = False
            idle.clear()
    return list(zip(cust, arr, answer, end, abandon))


def staffing_for(rate: np.ndarray, aht: float, rng: np.random.Generator) -> np.ndarray:
    """Agents per slot near the square-root rule (offered load + 0.6·√load) with noise."""
    load = rate * aht / SLOT
    return np.maximum(1, np.round(load + 0.6 * np.sqrt(load) + rng.normal(0, 1.0, len(load)))).astype(int)


def generate(seed: int = 2026, weeks: int = WEEKS, truth: dict | None = None,
             start: datetime.date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(contacts, staffing): the log and the agents per slot (seconds columns, before writing)."""
    truth = truth or TRUTH
    rng = np.random.default_rng(seed)
    rows, staff = [], []
    next_customer = 0
    for d in range(weeks * 7):
        date = start + datetime.timedelta(days=d)
        hours = HOURS.get(date.weekday())
        if hours is None:
            continue
        open_s, close_s = hours[0] * 3600.0, hours[1] * 3600.0
        starts = np.arange(open_s, close_s, SLOT)
        shape = profile((starts + SLOT / 2) / 3600.0)
        day0 = (date - start).days * 86400.0
        for name, t in truth.items():
            rate = t["per_day"] * WEEKDAY_FACTOR[date.weekday()] * shape / profile(
                (np.arange(8 * 3600, 20 * 3600, SLOT) + SLOT / 2) / 3600.0).sum()
            counts = rng.poisson(rate)
            arrivals = np.sort(np.concatenate([s + rng.uniform(0, SLOT, c) for s, c in zip(starts, counts)]))
            heads = staffing_for(rate, t["handle"][1], rng)
            customers = np.arange(next_customer, next_customer + len(arrivals))
            next_customer += len(arrivals)
            for cust, a, ans, e, ab in simulate_day(rng, arrivals, heads, open_s, t["handle"], t["patience"],
                                                    t["redial"], t["redial_delay"], customers):
                rows.append((name, cust, day0 + a, day0 + ans, day0 + e, day0 + ab))
            staff.extend((name, day0 + s, int(h)) for s, h in zip(starts, heads))
    contacts = pd.DataFrame(rows, columns=["channel", "customer_id", "arrival_s", "answer_s", "end_s", "abandon_s"])
    contacts = contacts.sort_values(["arrival_s", "channel"], kind="stable").reset_index(drop=True)
    # customer ids: shuffled so that they say nothing about the order of arrival
    ids = rng.permutation(next_customer) + 100000
    contacts["customer_id"] = ids[contacts["customer_id"].to_numpy()]
    staffing = pd.DataFrame(staff, columns=["channel", "slot_s", "agents"])
    return contacts, staffing


def stamp(seconds: pd.Series, start: datetime.date = START, decimals: int = 1) -> pd.Series:
    """Seconds from midnight of ``start`` as local date-time text (empty where NaN)."""
    ts = pd.Timestamp(start) + pd.to_timedelta(seconds.round(decimals), unit="s")
    text = ts.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[: 20 + decimals - (1 if decimals == 0 else 0)]
    return text.where(seconds.notna(), "")


def tables(contacts: pd.DataFrame, staffing: pd.DataFrame, start: datetime.date = START) -> dict[str, pd.DataFrame]:
    """The three files' tables: contacts, intervals, staffing (text date-times)."""
    log = pd.DataFrame({"channel": contacts["channel"], "customer_id": contacts["customer_id"]})
    for col in ("arrival", "answer", "end", "abandon"):
        log[col] = stamp(contacts[f"{col}_s"], start)
    slot = (contacts["arrival_s"] // SLOT) * SLOT
    handled = contacts["end_s"] - contacts["answer_s"]
    g = pd.DataFrame({"channel": contacts["channel"], "slot": slot, "handle": handled})
    agg = g.groupby(["channel", "slot"], sort=False).agg(volume=("slot", "size"), aht_s=("handle", "mean"))
    full = staffing.set_index(["channel", "slot_s"]).index
    agg = agg.reindex(full)
    # an interval with arrivals but none answered: the channel's AHT of that day (the forecast
    # format needs an AHT wherever the volume is > 0)
    day_aht = g.assign(day=g["slot"] // 86400).groupby(["channel", "day"])["handle"].mean()
    keys = list(zip(full.get_level_values(0), full.get_level_values(1) // 86400))
    fill = pd.Series(day_aht.reindex(pd.MultiIndex.from_tuples(keys)).to_numpy(), index=agg.index)
    agg["aht_s"] = agg["aht_s"].fillna(fill.where(agg["volume"].fillna(0) > 0))
    intervals = pd.DataFrame({"channel": full.get_level_values(0),
                              "slot_start": stamp(pd.Series(full.get_level_values(1), dtype=float), start, 0),
                              "volume": agg["volume"].fillna(0).astype(int).to_numpy(),
                              "aht_s": agg["aht_s"].round(1).to_numpy()})
    staff = pd.DataFrame({"channel": staffing["channel"], "slot_start": stamp(staffing["slot_s"].astype(float), start, 0),
                          "agents": staffing["agents"]})
    return {"contacts": log, "intervals": intervals, "staffing": staff}


def main() -> None:
    contacts, staffing = generate()
    out = tables(contacts, staffing)
    out["contacts"].to_csv(HERE / "contacts.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    out["intervals"].to_csv(HERE / "intervals.csv", index=False)
    out["staffing"].to_csv(HERE / "staffing.csv", index=False)
    ab = contacts["abandon_s"].notna().groupby(contacts["channel"]).mean()
    print(f"{len(contacts):,} contacts over {WEEKS} weeks; abandon rate by channel: "
          + ", ".join(f"{c} {v:.1%}" for c, v in ab.items()))


if __name__ == "__main__":
    main()
