"""Two or more capacity plans side by side ("attrition 3% vs 5% a month").

Each plan is computed on its own (with the same Monte Carlo seed, so attrition draws of cohorts
both plans share start from the same streams); the comparison is of the expected weekly tables
and the summaries: variant − baseline, per team, for the plan as it stands ("current") and with
each plan's own recommended hiring ("recommended").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.capacity.result import CapacityResult
from staffsim.io import dumps, output_batch, write_tables, write_text

#: summary figures compared, and how they read
METRICS = ("required_fte_mean", "available_fte_mean", "weeks_gap", "weeks_short", "worst_gap_fte",
           "overtime_hours", "short_hours", "service_level_mean", "headcount_end", "leavers", "hires",
           "classes", "payroll_cost", "overtime_cost", "hiring_cost")

WEEKLY = ("required_fte", "available_fte", "gap_fte", "headcount", "leavers", "hires", "short_fte",
          "service_level")


@dataclass(frozen=True, eq=False)
class CapacityComparison:
    """``results``: label → result, the first the baseline. ``differences``: per variant, plan,
    team and metric the baseline value, the variant's and the difference; ``weekly``: per
    variant, plan, team and week the differences of :data:`WEEKLY`."""

    results: dict[str, CapacityResult]
    differences: pd.DataFrame
    weekly: pd.DataFrame

    @property
    def baseline_label(self) -> str:
        return next(iter(self.results))

    @property
    def variants(self) -> list[str]:
        return list(self.results)[1:]

    def headline(self, variant: str) -> str:
        d = self.differences
        parts = []
        for team in self.results[variant].teams:
            rows = d[(d["variant"] == variant) & (d["team"] == team)]

            def get(plan: str, metric: str) -> pd.Series | None:
                r = rows[(rows["plan"] == plan) & (rows["metric"] == metric)]
                return None if r.empty else r.iloc[0]

            cur = get("current", "weeks_gap")
            text = f"{team}: short {int(cur['value'])} weeks as planned ({int(cur['difference']):+d})"
            hires = get("recommended", "hires")
            if hires is not None and np.isfinite(hires["value"]):
                text += (f", recommended hires {hires['value']:.0f} ({hires['difference']:+.0f})")
                cost = get("recommended", "payroll_cost")
                hc = get("recommended", "hiring_cost")
                total = cost["difference"] + hc["difference"]
                cur_money = self.results[variant].spec.currency
                text += f", payroll and hiring {total:+,.0f} {cur_money}"
            parts.append(text)
        return f"{variant} vs {self.baseline_label}: " + "; ".join(parts)

    def to_dict(self) -> dict:
        return {"baseline": self.baseline_label, "variants": self.variants,
                "plans": {k: r.provenance() for k, r in self.results.items()},
                "headlines": [self.headline(v) for v in self.variants],
                "differences": self.differences, "weekly": self.weekly}

    def write(self, directory: str | Path, *, parquet: bool = False, **formats: Any) -> list[Path]:
        """``differences.csv``, ``weekly_differences.csv``, ``compare.json``, all or nothing
        (``formats`` as :meth:`CapacityResult.write`)."""
        with output_batch():
            written = write_tables(directory, {"differences": self.differences,
                                               "weekly_differences": self.weekly}, parquet=parquet, **formats)
            return written + [write_text(Path(directory) / "compare.json", dumps(self.to_dict()))]


def compare_capacity(results: dict[str, CapacityResult]) -> CapacityComparison:
    """Compare each plan after the first with the first."""
    labels = list(results)
    if len(labels) < 2:
        raise ValueError("compare needs a baseline and at least one variant")
    base = results[labels[0]]
    bsum = base.summary().set_index(["plan", "team"])
    rows, weekly = [], []
    for label in labels[1:]:
        res = results[label]
        vsum = res.summary().set_index(["plan", "team"])
        if res.spec.weeks != base.spec.weeks or res.spec.start_date != base.spec.start_date:
            raise ValueError(f"{label}: plans compared must cover the same weeks (baseline "
                             f"{base.spec.start_date}, {base.spec.weeks} weeks; this one "
                             f"{res.spec.start_date}, {res.spec.weeks})")
        for key in vsum.index:
            if key not in bsum.index:
                continue
            for m in METRICS:
                b, v = float(bsum.loc[key, m]), float(vsum.loc[key, m])
                rows.append({"variant": label, "plan": key[0], "team": key[1], "metric": m,
                             "baseline": b, "value": v, "difference": v - b})
        for plan, bt, vt in (("current", base.weekly, res.weekly),
                             ("recommended", base.recommended, res.recommended)):
            if bt is None or vt is None:
                continue
            merged = bt.merge(vt, on=["week", "date", "team"], suffixes=("_base", "_variant"))
            frame = merged[["week", "date", "team"]].copy()
            frame.insert(0, "plan", plan)
            frame.insert(0, "variant", label)
            for q in WEEKLY:
                frame[f"{q}_base"] = merged[f"{q}_base"]
                frame[f"{q}_variant"] = merged[f"{q}_variant"]
                frame[f"{q}_difference"] = merged[f"{q}_variant"] - merged[f"{q}_base"]
            weekly.append(frame)
    return CapacityComparison(results=dict(results), differences=pd.DataFrame(rows),
                              weekly=pd.concat(weekly, ignore_index=True) if weekly else pd.DataFrame())
