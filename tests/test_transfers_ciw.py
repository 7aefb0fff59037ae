"""Issue 20, item 6: transfers cross-checked against Ciw (an independent simulator, test-only
dependency) on a case with no closed form: lognormal handle times on both channels.

Channel A: Poisson 60/h, lognormal talk (mean 120 s, cv 0.8), 3 agents; after the talk half the
contacts move to the back of B's line. Channel B: its own Poisson 10/h, lognormal handle (mean
240 s, cv 0.6), 4 agents (B's arrivals are then not Poisson: A's departures are not). No abandonment. In Ciw this is a two-node network whose routing matrix
sends a customer from node 1 to node 2 with probability 0.5 at its service end (FIFO at both).
Compared, for contacts arriving (at A, or transferred to B) 01:00-23:00: A's mean wait, the
second legs' mean wait at B and B's own callers' mean wait; intervals from both sides (99%,
Welch), and each narrow enough to mean something.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from staffsim import scenario_from_dict
from staffsim.engine import run_replication

ciw = pytest.importorskip("ciw")

LA, TA, CVA, CA = 60.0, 120.0, 0.8, 3
LB, TB, CVB, CB = 10.0, 240.0, 0.6, 4
Q, REPS = 0.5, 24
LO, HI = 3600.0, 23 * 3600.0


def lognormal(mean: float, cv: float):
    sigma = math.sqrt(math.log(1 + cv**2))
    return math.log(mean) - sigma**2 / 2, sigma


def staffsim_runs() -> np.ndarray:
    sc = scenario_from_dict({
        "name": "transfer", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {
            "a": {"volume": [LA] * 24, "handle_time": {"dist": "lognormal", "mean": TA, "cv": CVA},
                  "target": {"service_level": 0.8, "threshold": 20}, "transfer": {"share": Q, "to": "b"}},
            "b": {"volume": [LB] * 24, "handle_time": {"dist": "lognormal", "mean": TB, "cv": CVB},
                  "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "A", "skills": ["a"], "shifts": [{"start": "00:00", "end": "24:00", "agents": CA}]},
                   {"group": "B", "skills": ["b"], "shifts": [{"start": "00:00", "end": "24:00", "agents": CB}]}],
        "run": {"replications": REPS, "seed": 9, "drain": "4h"}})
    out = []
    for r in range(REPS):
        log = run_replication(sc, 9, r, {}, keep_log=True).log
        win = (log.arrival >= LO) & (log.arrival < HI)
        wait = log.answer - log.arrival
        first_a = win & (log.channel == 0) & (log.kind == 0)
        legs = win & (log.kind == 5)
        own_b = win & (log.channel == 1) & (log.kind == 0)
        out.append((wait[first_a].mean(), wait[legs].mean(), wait[own_b].mean()))
    return np.array(out)


def ciw_runs() -> np.ndarray:
    (ma, sa), (mb, sb) = lognormal(TA, CVA), lognormal(TB, CVB)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LA / 3600.0), ciw.dists.Exponential(rate=LB / 3600.0)],
        service_distributions=[ciw.dists.Lognormal(ma, sa), ciw.dists.Lognormal(mb, sb)],
        number_of_servers=[CA, CB],
        routing=[[0.0, Q], [0.0, 0.0]])
    out = []
    for r in range(REPS):
        ciw.seed(2000 + r)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(HI + 6 * 3600)  # every customer of the window has left by then
        recs = [x for x in sim.get_all_records() if x.record_type == "service"]
        at_a = {x.id_number for x in recs if x.node == 1}
        a = [x.waiting_time for x in recs if x.node == 1 and LO <= x.arrival_date < HI]
        legs = [x.waiting_time for x in recs if x.node == 2 and x.id_number in at_a and LO <= x.arrival_date < HI]
        own = [x.waiting_time for x in recs if x.node == 2 and x.id_number not in at_a and LO <= x.arrival_date < HI]
        out.append((np.mean(a), np.mean(legs), np.mean(own)))
    return np.array(out)


def test_transfer_waits_agree_with_ciw(monkeypatch):
    monkeypatch.setenv("STAFFSIM_AUDIT", "0")  # (the audit checks transfers elsewhere; here: speed)
    ours, theirs = staffsim_runs(), ciw_runs()
    for j, what in enumerate(("A's mean wait", "second legs' mean wait at B", "B's own mean wait")):
        a, b = ours[:, j], theirs[:, j]
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        h = stats.t.ppf(0.995, dof) * math.sqrt(va + vb)
        print(f"{what}: staffsim {a.mean():.2f}, Ciw {b.mean():.2f}, 99% half-width of the difference {h:.2f}")
        assert abs(a.mean() - b.mean()) < h, (what, a.mean(), b.mean(), h)
        assert h < 0.25 * abs(b.mean())  # the interval is narrow enough to mean something
