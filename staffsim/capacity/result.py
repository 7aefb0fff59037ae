"""What a capacity run returns: the weekly tables, the recommended classes, summaries, files.

:class:`CapacityResult` holds

- ``weekly``: one row per team and week for the plan as it stands (staff, planned classes,
  transfers), columns as defined in :mod:`staffsim.capacity.weekly`; with Monte Carlo also
  ``<q>_p10``, ``<q>_p50``, ``<q>_p90`` for available_fte, gap_fte, headcount and required_fte,
  ``p_short`` (share of paths short after overtime) and ``service_level_p10``;
- ``recommended``: the same table with the recommended classes added (None without ``hiring:``);
- ``classes``: the recommended classes (team, week, date, size, ...);
- ``channels``: forecast demand per team, channel and week (volume, AHT, hours);
- provenance: the plan's source, Monte Carlo paths and seed, the solver's status, the version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffsim.capacity.montecarlo import MonteCarlo
from staffsim.capacity.schema import PlanSpec
from staffsim.formatting import ranges_text
from staffsim.io import dumps, output_batch, write_tables, write_text

SUMMARY_COLUMNS = ["plan", "team", "weeks", "required_fte_mean", "required_fte_peak", "peak_week",
                   "available_fte_mean", "weeks_gap", "weeks_short", "worst_gap_fte", "worst_week",
                   "overtime_hours", "short_hours", "service_level_mean", "service_level_min",
                   "headcount_start", "headcount_end", "leavers", "hires", "classes",
                   "payroll_cost", "overtime_cost", "hiring_cost", "short_cost", "weeks_p_short_over_10pct"]


@dataclass(frozen=True, eq=False)
class CapacityResult:
    spec: PlanSpec
    source: str
    weekly: pd.DataFrame
    recommended: pd.DataFrame | None
    classes: pd.DataFrame | None
    channels: pd.DataFrame
    monte_carlo: MonteCarlo | None
    monte_carlo_recommended: MonteCarlo | None
    paths: int
    seed: int | None
    solver: dict[str, Any] | None
    version: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def teams(self) -> list[str]:
        return list(self.spec.teams)

    def provenance(self) -> dict[str, Any]:
        return {"plan": self.spec.name, "source": self.source,
                "start_date": self.spec.start_date.isoformat(), "weeks": self.spec.weeks,
                "fte_hours": self.spec.fte_hours, "currency": self.spec.currency,
                "monte_carlo_paths": self.paths, "seed": self.seed, "solver": self.solver,
                "scheduling_efficiency": self.extra.get("scheduling_efficiency"),
                "roster": self.extra.get("roster"), "version": self.version}

    def summary(self) -> pd.DataFrame:
        """Per plan ("current", "recommended") and team: the year in one row."""
        rows = [_summary_row("current", t, self.weekly[self.weekly["team"] == t], None)
                for t in self.teams]
        if self.recommended is not None:
            for t in self.teams:
                n = 0 if self.classes is None else int((self.classes["team"] == t).sum())
                rows.append(_summary_row("recommended", t, self.recommended[self.recommended["team"] == t], n))
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    def headlines(self) -> list[str]:
        """One sentence per team a manager can read."""
        out = []
        s = self.summary()
        for t in self.teams:
            cur = s[(s["plan"] == "current") & (s["team"] == t)].iloc[0]
            text = (f"{t}: as planned, short in {cur['weeks_gap']} of {cur['weeks']} weeks"
                    + (f" (worst {cur['worst_gap_fte']:+.1f} FTE in week {cur['worst_week']})"
                       if cur["weeks_gap"] else "")
                    + (f", {cur['weeks_short']} of them even with overtime" if cur["weeks_gap"] else ""))
            if self.classes is not None and self.spec.teams[t].hiring is not None:
                cl = self.classes[self.classes["team"] == t]
                rec = s[(s["plan"] == "recommended") & (s["team"] == t)].iloc[0]
                if cl.empty:
                    text += "; recommended: no new classes"
                else:
                    starts = ", ".join(f"{int(r.size)} in week {int(r.week)} ({r.date})"
                                       for r in cl.itertuples())
                    text += (f"; recommended: hire {int(cl['size'].sum())} in {len(cl)} "
                             f"class{'es' if len(cl) > 1 else ''} ({starts}), then short in "
                             f"{rec['weeks_gap']} weeks before overtime, {rec['weeks_short']} after")
                missed = (self.solver or {}).get("coverage_missed", {}).get(t)
                if missed:
                    w = self.recommended[self.recommended["team"] == t]
                    worst = float(w.loc[w["week"].isin(missed), "p_short"].max())
                    text += (f"; coverage {self.solver['coverage']:.0%} NOT met in week"
                             f"{'s' if len(missed) > 1 else ''} {ranges_text(missed)} (short in up to "
                             f"{worst:.0%} of paths: the hiring rules cap the classes there, or the "
                             "coverage rounds or the solver's time limit ran out)")
            out.append(text + ".")
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {"weekly": self.weekly, "summary": self.summary()}
        if self.recommended is not None:
            tables["recommended"] = self.recommended
            tables["classes"] = self.classes
        if not self.channels.empty:
            tables["demand"] = self.channels
        return tables

    def to_dict(self) -> dict[str, Any]:
        return {**self.provenance(), "headlines": self.headlines(), **self.tables()}

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def write(self, directory: str | Path, *, parquet: bool = False, **formats: Any) -> list[Path]:
        """``weekly.csv``, ``summary.csv``, ``recommended.csv`` and ``classes.csv`` (with
        hiring), ``demand.csv`` (forecast demand) and ``capacity.json``, all or nothing.
        ``formats``: ``csv_dialect`` and ``xlsx`` as :func:`staffsim.io.write_tables` takes."""
        with output_batch():
            written = write_tables(directory, self.tables(), parquet=parquet, currency=self.spec.currency,
                                   **formats)
            return written + [write_text(Path(directory) / "capacity.json", self.to_json())]




def _summary_row(plan: str, team: str, w: pd.DataFrame, classes: int | None) -> dict[str, Any]:
    gap = w["gap_fte"].to_numpy()
    worst = int(np.argmin(gap))
    peak = int(np.argmax(w["required_fte"].to_numpy()))
    sl = w["service_level"].to_numpy(float)
    fte_hours = (w["required_hours"] / w["required_fte"]).replace([np.inf], np.nan).dropna()
    hours = float(fte_hours.iloc[0]) if len(fte_hours) else float("nan")
    p_short = w["p_short"].to_numpy() if "p_short" in w else None
    return {
        "plan": plan, "team": team, "weeks": len(w),
        "required_fte_mean": float(w["required_fte"].mean()),
        "required_fte_peak": float(w["required_fte"].max()), "peak_week": int(w["week"].iloc[peak]),
        "available_fte_mean": float(w["available_fte"].mean()),
        "weeks_gap": int((gap < -1e-9).sum()), "weeks_short": int((w["short_fte"] > 1e-9).sum()),
        "worst_gap_fte": float(gap[worst]), "worst_week": int(w["week"].iloc[worst]),
        "overtime_hours": float(w["overtime_fte"].sum() * hours),
        "short_hours": float(w["short_fte"].sum() * hours),
        "service_level_mean": float(np.nanmean(sl)) if np.isfinite(sl).any() else float("nan"),
        "service_level_min": float(np.nanmin(sl)) if np.isfinite(sl).any() else float("nan"),
        "headcount_start": float(w["headcount"].iloc[0]), "headcount_end": float(w["headcount"].iloc[-1]),
        "leavers": float(w["leavers"].sum()), "hires": float(w["hires"].sum()),
        "classes": classes if classes is not None else float("nan"),
        "payroll_cost": float(w["payroll_cost"].sum()), "overtime_cost": float(w["overtime_cost"].sum()),
        "hiring_cost": float(w["hiring_cost"].sum()), "short_cost": float(w["short_cost"].sum()),
        "weeks_p_short_over_10pct": int((p_short > 0.1).sum()) if p_short is not None else float("nan"),
    }
