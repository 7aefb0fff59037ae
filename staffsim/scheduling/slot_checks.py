"""Judging a simulated roster slot by slot against its channels' targets, under noise.

Every channel-slot-KPI with traffic (a defined mean) falls in exactly one of:

- *undetermined*: no 95% interval (fewer than two replications with contacts there): not enough
  replications to say anything; never "meets";
- *misses beyond its interval*: the whole interval is on the wrong side of the target (a sure
  miss at this seed and replications);
- *misses in mean* only: the mean is on the wrong side, the interval reaches the target;
- *meets in mean*: the mean is on the right side (and, when the whole interval is, *clear*).

Service level misses below its target; ASA and abandon rate above their caps. Which misses the
closed loop acts on is its ``rule`` (:data:`RULE_TEXT`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffsim.results import RunResult

#: the rules of the closed loop, one line each (printed wherever its results are)
RULE_TEXT = {
    "interval": "rule interval: a slot misses when its whole 95% interval is on the wrong side of a "
                "target (a sure miss); a slot whose mean misses but whose interval reaches the target "
                "is reported, not acted on",
    "mean": "rule mean: a slot misses when its mean over the replications (the figure staffsim run "
            "--slots prints) is on the wrong side of a target, however wide its interval",
}
RULES = tuple(RULE_TEXT)

COLUMNS = ["channel", "team", "day", "slot_start", "kpi", "value", "ci", "target", "slot"]


@dataclass(frozen=True)
class Judgement:
    """One simulation judged: ``beyond`` (misses beyond the interval), ``in_mean`` (every miss of
    the mean, ``beyond`` included), ``undetermined`` (no interval), one row per channel-slot-KPI
    (:data:`COLUMNS`); ``clear``: team → boolean per slot, every KPI of every channel of the team
    with its whole interval on the right side (or no traffic at all)."""

    beyond: pd.DataFrame
    in_mean: pd.DataFrame
    undetermined: pd.DataFrame
    clear: dict[str, np.ndarray]

    def acted_on(self, rule: str) -> pd.DataFrame:
        """The misses the loop raises the requirement for under ``rule``."""
        return self.beyond if rule == "interval" else self.in_mean

    @property
    def sound(self) -> bool:
        """No slot is left undetermined."""
        return self.undetermined.empty


def channel_slots(frame: pd.DataFrame) -> int:
    """How many distinct channel-slots a table of misses names."""
    return int(frame[["channel", "slot"]].drop_duplicates().shape[0]) if len(frame) else 0


def judge(result: RunResult, teams: dict[str, str]) -> Judgement:
    """Judge ``result`` (see the module doc). ``teams``: channel → the team carrying its
    requirement (channels of other teams are skipped)."""
    spec = result.scenario.spec
    slots = result.slots
    beyond, in_mean, unsure = [], [], []
    clear: dict[str, np.ndarray] = {}
    for channel, team in teams.items():
        target = spec.channels[channel].target
        rows = slots[slots["channel"] == channel]
        if "segment" in rows:
            rows = rows[rows["segment"] == "all"]
        ok = clear.setdefault(team, np.ones(len(rows), bool))
        checks = [("service_level", target.service_level, -1)]
        if target.asa is not None:
            checks.append(("asa_s", target.asa, +1))
        if target.max_abandon is not None:
            checks.append(("abandon_rate", target.max_abandon, +1))
        days = rows["day"].to_numpy()
        labels = rows["slot_start"].to_numpy()
        for kpi, goal, sign in checks:
            value = rows[kpi].to_numpy(float)
            ci = rows[f"{kpi}_ci"].to_numpy(float)
            traffic = ~np.isnan(value)
            defined = traffic & np.isfinite(ci)
            with np.errstate(invalid="ignore"):
                if sign < 0:
                    bad_mean, sure_bad, sure_ok = value < goal, value + ci < goal, value - ci >= goal
                else:
                    bad_mean, sure_bad, sure_ok = value > goal, value - ci > goal, value + ci <= goal
            ok &= ~traffic | (defined & sure_ok)

            base = {"channel": channel, "team": team, "kpi": kpi, "target": float(goal)}
            in_mean += _rows(base, traffic & bad_mean, days, labels, value, ci)
            beyond += _rows(base, defined & sure_bad, days, labels, value, ci)
            unsure += _rows(base, traffic & ~defined, days, labels, value, ci)
    return Judgement(pd.DataFrame(beyond, columns=COLUMNS), pd.DataFrame(in_mean, columns=COLUMNS),
                     pd.DataFrame(unsure, columns=COLUMNS), clear)


def _rows(base: dict, mask: np.ndarray, days: np.ndarray, labels: np.ndarray, value: np.ndarray,
          ci: np.ndarray) -> list[dict]:
    return [{**base, "day": int(days[k]), "slot_start": labels[k], "value": float(value[k]),
             "ci": float(ci[k]), "slot": int(k)} for k in np.flatnonzero(mask)]


def statement(j: Judgement, rule: str) -> str:
    """Exactly what holds, in one sentence: all channel-slots meet in mean; or N miss in mean,
    M of them beyond the interval; and how many are undetermined."""
    n_mean, n_beyond = channel_slots(j.in_mean), channel_slots(j.beyond)
    if n_mean == 0:
        text = "every channel-slot meets every target in mean"
        if j.undetermined.empty:
            text += " (and none misses beyond its 95% interval)"
    elif n_beyond == 0:
        text = (f"{n_mean} channel-slot(s) miss a target in mean, none beyond its 95% interval"
                + (" (acted on under rule mean)" if rule == "mean" else ""))
    else:
        text = f"{n_mean} channel-slot(s) miss a target in mean, {n_beyond} of them beyond the 95% interval"
    if not j.undetermined.empty:
        text += (f"; {channel_slots(j.undetermined)} channel-slot(s) have too few replications with "
                 "contacts for an interval (not enough replications: not shown to meet)")
    return text
