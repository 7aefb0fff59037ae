"""staffsim fit on real data: the "Anonymous Bank" calls (Technion SEE Lab, 1999), checked against
an independent Kaplan-Meier (statsmodels) and against what Brown et al. (2005, JASA 100:36-50)
report for this call center: the abandonment hazard has a peak near 60 s (a queue announcement
at 60 s) and high-priority customers are more patient than regular ones.

The data are not shipped (see benchmarks/data/README.md); make the contact log with

    python benchmarks/data/anonymous_bank_contacts.py DIR ps_q1.csv     # PS calls, Jan-Mar
    python benchmarks/bench_fit_bank.py ps_q1.csv

Prints: the fit's time, patience per family and segment, the largest gap between staffsim's
Kaplan-Meier and statsmodels' SurvfuncRight, and the hazard in 10-s bins around 60 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from staffsim.history.censored import hazard_table, kaplan_meier
from staffsim.history.contacts import read_contacts
from staffsim.history.fit import fit


def km_gap(x: np.ndarray, c: np.ndarray) -> float:
    """Largest |S_staffsim - S_statsmodels| at the abandon times."""
    from statsmodels.duration.survfunc import SurvfuncRight
    ours = kaplan_meier(x, c)
    times = np.concatenate([x, c])
    status = np.concatenate([np.ones(x.size), np.zeros(c.size)])
    sm = SurvfuncRight(times, status)
    theirs = pd.Series(sm.surv_prob, index=sm.surv_times)
    mine = ours.set_index("wait_s")["survival"]
    common = mine.index.intersection(theirs.index)   # statsmodels lists the abandon times only
    return float((mine[common] - theirs[common]).abs().max())


def main() -> None:
    ap = argparse.ArgumentParser(description="staffsim fit on the Anonymous Bank contact log")
    ap.add_argument("contacts")
    a = ap.parse_args()
    t0 = time.perf_counter()
    log = read_contacts(a.contacts)
    t1 = time.perf_counter()
    res = fit(log)
    t2 = time.perf_counter()
    print(f"{a.contacts}: {len(log.table):,} contacts; read {t1 - t0:.1f} s, fit {t2 - t1:.1f} s")
    s = res.summary.iloc[0]
    print(f"all: abandon rate {s['abandon_rate']:.1%}, AHT {s['aht_s']:.1f} s, patience {s['patience_dist']} "
          f"mean {s['patience_mean_s']:.0f} s, Kaplan-Meier median {s['km_median_patience_s']:.0f} s")
    t = log.table
    print("\nsegment  contacts  abandon_rate  patience_exp_mean_s  km_survival_60s  km_survival_300s  km_gap_statsmodels")
    for seg, rows in t.groupby("segment"):
        x = rows.loc[rows["abandoned"], "wait_s"].to_numpy(float)
        c = rows.loc[~rows["abandoned"], "wait_s"].to_numpy(float)
        km = kaplan_meier(x, c)
        surv = lambda w: float(km.loc[km["wait_s"] <= w, "survival"].iloc[-1])  # noqa: E731
        exp_mean = (x.sum() + c.sum()) / x.size   # exponential MLE under censoring
        print(f"{seg:8s} {len(rows):9,d} {x.size / len(rows):12.1%} {exp_mean:20.0f} {surv(60):16.3f} "
              f"{surv(300):17.3f} {km_gap(x, c):19.2e}")
    print("\nhazard per minute in 10-s bins (all segments):")
    x = t.loc[t["abandoned"], "wait_s"].to_numpy(float)
    c = t.loc[~t["abandoned"], "wait_s"].to_numpy(float)
    h = hazard_table(x, c, np.arange(0, 131, 10.0))
    print(h[["wait_from_s", "wait_to_s", "waiting", "abandons", "hazard_per_min", "hazard_lo", "hazard_hi"]]
          .to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
