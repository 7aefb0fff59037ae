"""Issue 20, item 7: agent choice cross-checked against Ciw (an independent simulator, test-only
dependency) on a case with no closed form: two teams of different speed (2 fast agents, 3 at
twice the handle time), lognormal handle times (cv 1.5), exponential patience, Poisson arrivals.

Ciw picks a free server by its ``server_priority_functions``: a random key per server is
random_free (the first free server of a random order: every free server equally likely); the
time the server became free (kept by a server class of ours) is longest_idle (ties: server order,
as staffsim's team order). A
service time depends on the server (Ciw draws it after attaching the server). Compared: the share
of answered contacts taken by the fast team, P(abandon) and the mean wait of answered contacts
(ASA), for callers arriving 01:00-23:00 (the same window in both, away from the empty start and
the end); intervals from both sides (99%, Welch).
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats

from staffsim import scenario_from_dict
from staffsim.engine import run_replication

ciw = pytest.importorskip("ciw")

NA, NB, AHT, CV, FACTOR_B, PATIENCE, LAM_H, REPS = 2, 3, 60.0, 1.5, 2.0, 120.0, 150.0, 16
LO, HI = 3600.0, 23 * 3600.0


def staffsim_runs(choice: str) -> np.ndarray:
    sc = scenario_from_dict({
        "name": "two speeds", "horizon": {"start": "00:00", "end": "24:00", "slot": "1h"},
        "channels": {"q": {"volume": [LAM_H] * 24, "agent_choice": choice,
                           "handle_time": {"dist": "lognormal", "mean": AHT, "cv": CV},
                           "patience": {"dist": "exponential", "mean": PATIENCE},
                           "target": {"service_level": 0.8, "threshold": 20}}},
        "agents": [{"group": "A", "skills": ["q"], "shifts": [{"start": "00:00", "end": "24:00", "agents": NA}]},
                   {"group": "B", "skills": ["q"], "shifts": [{"start": "00:00", "end": "24:00", "agents": NB}],
                    "handle_time_factor": {"q": FACTOR_B}}],
        "run": {"replications": REPS, "seed": 8, "drain": 0}})
    out = []
    for r in range(REPS):
        log = run_replication(sc, 8, r, {}, keep_log=True).log
        win = (log.arrival >= LO) & (log.arrival < HI)
        answered = win & ((log.state == 1) | (log.state == 2))
        out.append(((log.group[answered] == 0).mean(), (win & (log.state == 3)).sum() / win.sum(),
                    (log.answer - log.arrival)[answered].mean()))
    return np.array(out)


class ServerSpeed(ciw.dists.Distribution):
    """Lognormal handle time, mean AHT (team A's servers 1..NA) or FACTOR_B x AHT (team B)."""

    def __init__(self):
        self.sigma = math.sqrt(math.log(1 + CV**2))

    def sample(self, t=None, ind=None):
        mean = AHT if ind.server.id_number <= NA else AHT * FACTOR_B
        return random.lognormvariate(math.log(mean) - self.sigma**2 / 2, self.sigma)


class TimedServer(ciw.Server):
    """A Ciw server that remembers since when it is free (for longest_idle)."""

    @property
    def busy(self):
        return self._busy

    @busy.setter
    def busy(self, value):
        if getattr(self, "_busy", False) and not value:
            self.free_since = self.node.now
        elif not hasattr(self, "_busy"):
            self.free_since = self.node.now  # created (at the start: all at 0)
        self._busy = value


def ciw_runs(choice: str) -> np.ndarray:
    if choice == "random_free":
        def key(srv, ind):
            return random.random()
    else:
        def key(srv, ind):  # idle since (busy servers are skipped by Ciw)
            return srv.free_since
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM_H / 3600.0)],
        service_distributions=[ServerSpeed()],
        number_of_servers=[NA + NB],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1.0 / PATIENCE)],
        server_priority_functions=[key])
    out = []
    for r in range(REPS):
        ciw.seed(1000 + r)
        sim = ciw.Simulation(network, server_class=TimedServer)
        sim.simulate_until_max_time(HI + 4 * 3600)  # every caller of the window has left by then
        recs = [x for x in sim.get_all_records() if LO <= x.arrival_date < HI]
        served = [x for x in recs if x.record_type == "service"]
        reneged = [x for x in recs if x.record_type == "renege"]
        out.append((np.mean([x.server_id <= NA for x in served]), len(reneged) / (len(served) + len(reneged)),
                    np.mean([x.waiting_time for x in served])))
    return np.array(out)


@pytest.mark.parametrize("choice", ["random_free", "longest_idle"])
def test_agent_choice_agrees_with_ciw(choice, monkeypatch):
    monkeypatch.setenv("STAFFSIM_AUDIT", "0")  # (the audit checks these policies elsewhere; here: speed)
    ours, theirs = staffsim_runs(choice), ciw_runs(choice)
    for j, what in enumerate(("fast team's share", "P(abandon)", "ASA")):
        a, b = ours[:, j], theirs[:, j]
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        h = stats.t.ppf(0.995, dof) * math.sqrt(va + vb)
        assert abs(a.mean() - b.mean()) < h, (choice, what, a.mean(), b.mean(), h)
        assert h < 0.15 * abs(b.mean())  # the interval is narrow enough to mean something
