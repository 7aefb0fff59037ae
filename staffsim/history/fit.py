"""``staffsim fit``: the scenario pieces a contact log shows, with uncertainty and goodness of fit.

From a contact-level log (:mod:`staffsim.history.contacts`), per channel:

- **arrival volumes** per slot and weekday: the mean count over the log's days of that weekday,
  with a 95% t-interval over those days;
- **handle time**: exponential, lognormal, gamma and Weibull fitted by maximum likelihood to the
  answered contacts' handle times, ranked by AIC, each with the Kolmogorov–Smirnov distance and
  p-value (parameters estimated from the same data make the p-value optimistic: read it as a
  screen). The lowest AIC is chosen unless its KS p-value is below 1%; then the empirical
  distribution (200 quantiles) is used instead;
- **patience** from censored waits (:mod:`staffsim.history.censored`): Kaplan–Meier and censored
  maximum likelihood over the same four families, chosen by AIC; the naive mean of the
  abandoners' waits is reported beside it only to show how biased it is;
- the **abandonment hazard** by wait, and the abandon rate against the mean wait per slot;
- **redials** when customer ids are present: an abandon followed by a contact of the same
  customer within ``redial_window``; the share, the delay, and ``retrial`` for the scenario;
- **time-of-day effects**: AHT and patience per period of the day (morning, afternoon,
  evening), with a Kruskal–Wallis test (AHT) and a log-rank test on the censored waits
  (patience, whatever its distribution); "effect" when p < 1%. ``patience_exp_s`` per period is
  the exponential estimate (abandons ÷ time waited), a summary only.

The result's :attr:`FitResult.fragment` is a scenario fragment (horizon, and per channel the
volume, handle time, patience and retrial) that a scenario completes with ``extends:`` (adding a
name, targets and agents).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from staffsim._version import __version__
from staffsim.errors import InputError
from staffsim.history.censored import FAMILIES, Fit, hazard_table, kaplan_meier, logrank, mle
from staffsim.history.contacts import ContactLog, read_contacts
from staffsim.scenarios.calendar import WEEKDAYS
from staffsim.units import format_clock

__all__ = ["FitResult", "fit"]

PERIODS = (("morning", 0, 12 * 3600), ("afternoon", 12 * 3600, 16 * 3600), ("evening", 16 * 3600, 86400))
KS_LEVEL = 0.01
EFFECT_LEVEL = 0.01
MIN_ABANDONS = 10
EMPIRICAL_POINTS = 200


@dataclass(frozen=True, eq=False)
class FitResult:
    """What :func:`fit` estimated. Tables (tidy, one row per channel and item):

    - ``summary``: per channel: contacts, answered, abandoned, abandon rate, the chosen handle
      time and patience (mean with 95% interval, shape), the naive abandoners-only patience mean,
      the redial share;
    - ``handle``: every handle-time family per channel: mean, shape, 95% intervals, log
      likelihood, AIC, ΔAIC, KS distance and p-value, ``chosen``;
    - ``patience``: every patience family per channel (censored MLE): the same columns but KS
      (``km_distance``: the largest gap between the fitted and the Kaplan–Meier survival);
    - ``volumes``: mean contacts per channel, weekday and slot with a 95% interval over days;
    - ``hazard``: abandonment hazard per channel and wait interval; ``slot_waits``: per channel and
      observed slot, the abandon rate and the mean wait of all contacts;
    - ``redials``: per channel (with customer ids); ``periods``: AHT and patience by period of the
      day with the tests;
    - ``km``: per channel, the Kaplan–Meier curve (``wait_s, survival, lo, hi, at_risk``);
    - ``fragment``: the scenario fragment (plain data, what :meth:`fragment_yaml` writes).
    """

    source: str
    slot_s: float
    summary: pd.DataFrame
    handle: pd.DataFrame
    patience: pd.DataFrame
    volumes: pd.DataFrame
    hazard: pd.DataFrame
    slot_waits: pd.DataFrame
    redials: pd.DataFrame
    periods: pd.DataFrame
    km: dict[str, pd.DataFrame]
    fragment: dict[str, Any]
    samples: dict[str, dict[str, np.ndarray]] = field(repr=False, default_factory=dict)
    version: str = __version__

    def chosen(self, table: str, channel: str) -> pd.Series:
        """The chosen row of ``handle`` or ``patience`` for ``channel``."""
        t = getattr(self, table)
        return t[(t["channel"] == channel) & t["chosen"]].iloc[0]

    def fragment_yaml(self) -> str:
        """The scenario fragment as YAML, with a header saying where it came from."""
        import yaml

        head = (f"# Fitted by staffsim fit {self.version} from {Path(self.source).name}.\n"
                "# A scenario fragment: complete it with extends: (name, targets, agents).\n")
        return head + yaml.safe_dump(self.fragment, sort_keys=False, default_flow_style=None, width=100)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables written by :meth:`write` (file stem → table)."""
        km = pd.concat([k.assign(channel=c)[["channel", *k.columns]] for c, k in self.km.items()],
                       ignore_index=True) if self.km else pd.DataFrame()
        return {"fit_summary": self.summary, "handle_fits": self.handle, "patience_fits": self.patience,
                "volumes": self.volumes, "hazard": self.hazard, "slot_waits": self.slot_waits,
                "redials": self.redials, "periods": self.periods, "kaplan_meier": km}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: provenance, the fragment and the tables."""
        return {"source": self.source, "version": self.version, "slot_s": self.slot_s,
                "fragment": self.fragment, **{k: v for k, v in self.tables().items() if k != "kaplan_meier"}}

    def write(self, directory: str | Path, *, report: bool = True, **formats: Any) -> list[Path]:
        """``scenario_fragment.yaml``, the tables as CSV, ``fit.json``, and with ``report`` the
        figures (``patience_<channel>.png``, ``handle_<channel>.png``) and ``fit_report.html``;
        all or nothing. ``formats``: ``csv_dialect``, ``xlsx`` as
        :func:`staffsim.io.write_tables` takes."""
        from staffsim.io import dumps, output_batch, write_tables, write_text

        d = Path(directory)
        with output_batch():
            written = write_tables(d, self.tables(), **formats)
            written.append(write_text(d / "scenario_fragment.yaml", self.fragment_yaml()))
            written.append(write_text(d / "fit.json", dumps(self.to_dict())))
            if report:
                from staffsim.history.fit_report import fit_figures, fit_report_html
                from staffsim.plots import save_figures

                figures = fit_figures(self)
                written += save_figures(figures, d)
                written.append(write_text(d / "fit_report.html", fit_report_html(self, figures)))
        return written


def fit(contacts: str | Path | ContactLog | pd.DataFrame, *, slot: float = 1800.0,
        redial_window: float = 3600.0, columns: str | dict | None = None, dayfirst: bool | None = None,
        tz: str | None = None, sheet: str | None = None) -> FitResult:
    """Fit arrivals, handle times, patience and redials from a contact log (a file path, a
    :class:`~staffsim.history.contacts.ContactLog`, or a table with the log's columns).

    ``slot``: slot length in seconds for the volumes; ``redial_window``: a contact of the same
    customer within this many seconds after an abandon is a redial; ``columns``, ``dayfirst``,
    ``tz``, ``sheet``: the reader's options (:func:`~staffsim.history.contacts.read_contacts`).
    Refuses a log that cannot be fitted (a channel without abandons or answered contacts).
    """
    log = contacts if isinstance(contacts, ContactLog) else (
        read_contacts(contacts, columns=columns, dayfirst=dayfirst, tz=tz, sheet=sheet)
        if not isinstance(contacts, pd.DataFrame) else _from_frame(contacts))
    if not (isinstance(slot, (int, float)) and slot > 0 and 86400 % slot == 0):
        raise InputError(f"slot: must divide the day into whole slots (e.g. 1800 for 30min), got {slot!r}")
    t = log.table
    for ch in log.channels:
        rows = t[t["channel"] == ch]
        n_ab, n_ans = int(rows["abandoned"].sum()), int((~rows["abandoned"]).sum())
        if n_ab < MIN_ABANDONS or n_ans < MIN_ABANDONS:
            what = "abandons" if n_ab < MIN_ABANDONS else "answered contacts"
            lines = ", ".join(str(x) for x in rows["line"].head(3))
            raise InputError(
                f"{log.source}: channel {ch!r} (lines {lines}, ...) has {n_ab} abandons and {n_ans} "
                f"answered contacts; fitting patience needs at least {MIN_ABANDONS} {what} (patience "
                "is seen only through abandons, censored by answers)")
    redial_mask, redials = _redials(t, redial_window)
    summary, handle, patience, km, hazard, samples = [], [], [], {}, [], {}
    for ch in log.channels:
        rows = t[t["channel"] == ch]
        ans = rows[~rows["abandoned"]]
        h_rows, h_fit = _fit_handle(ch, ans["handle_s"].to_numpy(float))
        handle += h_rows
        x = rows.loc[rows["abandoned"], "wait_s"].to_numpy(float)
        c = ans["wait_s"].to_numpy(float)
        p_rows, p_fit = _fit_patience(ch, x, c)
        km[ch] = kaplan_meier(np.maximum(x, 0.0), c)
        patience += p_rows
        edges = _wait_edges(np.concatenate([x, c]))
        hazard.append(hazard_table(x, c, edges).assign(channel=ch))
        samples[ch] = {"handle": ans["handle_s"].to_numpy(float), "abandon_waits": x, "answer_waits": c}
        red = redials[redials["channel"] == ch]
        summary.append({
            "channel": ch, "contacts": len(rows), "answered": len(ans), "abandoned": len(x),
            "abandon_rate": len(x) / len(rows),
            "handle_dist": h_fit["family"], "aht_s": h_fit["mean"], "aht_lo": h_fit["mean_lo"],
            "aht_hi": h_fit["mean_hi"],
            "patience_dist": p_fit["family"], "patience_mean_s": p_fit["mean"],
            "patience_lo": p_fit["mean_lo"], "patience_hi": p_fit["mean_hi"],
            "patience_shape": p_fit["shape"], "patience_shape_is": p_fit["shape_is"],
            "naive_patience_s": float(np.mean(x)),
            "km_median_patience_s": _km_median(km[ch]),
            "redial_share": float(red["redial_share"].iloc[0]) if len(red) else math.nan,
        })
    volumes = _volumes(log, slot, redial_mask if len(redials) else None)
    fragment = _fragment(log, slot, volumes, pd.DataFrame(handle), pd.DataFrame(patience), redials)
    return FitResult(
        source=log.source, slot_s=float(slot), summary=pd.DataFrame(summary), handle=pd.DataFrame(handle),
        patience=pd.DataFrame(patience), volumes=volumes, hazard=pd.concat(hazard, ignore_index=True)[
            ["channel", *hazard[0].columns.drop("channel")]],
        slot_waits=_slot_waits(t, slot), redials=redials, periods=_periods(t), km=km, fragment=fragment,
        samples=samples)


def _from_frame(frame: pd.DataFrame) -> ContactLog:
    table = frame.copy()
    need = {"channel", "arrival_s", "wait_s", "handle_s", "abandoned"}
    if not need <= set(table.columns):
        raise InputError(f"fit: a contact table needs columns {', '.join(sorted(need))}")
    if "line" not in table:
        table["line"] = np.arange(len(table)) + 2
    return ContactLog(table=table, source="contacts", start_date=None, columns={})


def _fit_rows(channel: str, fits: list[Fit], extra: list[dict]) -> list[dict]:
    best = min(f.aic for f in fits)
    rows = []
    for f, e in zip(fits, extra):
        rows.append({"channel": channel, "family": f.family, "mean_s": f.mean, "mean_lo": f.mean_ci[0],
                     "mean_hi": f.mean_ci[1], "shape": f.shape if f.shape is not None else math.nan,
                     "shape_lo": f.shape_ci[0] if f.shape_ci else math.nan,
                     "shape_hi": f.shape_ci[1] if f.shape_ci else math.nan,
                     "shape_is": {"lognormal": "cv", "gamma": "cv", "weibull": "shape"}.get(f.family, ""),
                     "loglik": f.loglik, "aic": f.aic, "delta_aic": f.aic - best,
                     "near_best": f.aic - best < 2, "n": f.n, **e})
    return rows


def _fit_handle(channel: str, h: np.ndarray) -> tuple[list[dict], dict]:
    if np.any(h <= 0):
        h = np.maximum(h, 1e-3)
    fits = [mle(f, h) for f in FAMILIES]
    extra = []
    for f in fits:
        ks = stats.kstest(h, f.frozen().cdf)
        extra.append({"ks_distance": float(ks.statistic), "ks_p": float(ks.pvalue)})
    rows = _fit_rows(channel, fits, extra)
    best = min(range(len(rows)), key=lambda i: rows[i]["aic"])
    t_half = stats.t.ppf(0.975, len(h) - 1) * np.std(h, ddof=1) / math.sqrt(len(h))
    if rows[best]["ks_p"] < KS_LEVEL:
        q = np.quantile(h, (np.arange(EMPIRICAL_POINTS) + 0.5) / EMPIRICAL_POINTS)
        rows.append({"channel": channel, "family": "empirical", "mean_s": float(h.mean()),
                     "mean_lo": float(h.mean() - t_half), "mean_hi": float(h.mean() + t_half),
                     "shape": math.nan, "shape_lo": math.nan, "shape_hi": math.nan, "shape_is": "",
                     "loglik": math.nan, "aic": math.nan, "delta_aic": math.nan, "near_best": False, "n": len(h),
                     "ks_distance": 0.0, "ks_p": 1.0, "values": [round(float(v), 1) for v in q]})
        best = len(rows) - 1
    for i, r in enumerate(rows):
        r["chosen"] = i == best
        r.setdefault("values", None)
    b = rows[best]
    return rows, {"family": b["family"], "mean": b["mean_s"], "mean_lo": b["mean_lo"], "mean_hi": b["mean_hi"]}


def _fit_patience(channel: str, x: np.ndarray, c: np.ndarray) -> tuple[list[dict], dict]:
    fits = [mle(f, x, c) for f in FAMILIES]
    km = kaplan_meier(np.maximum(x, 0.0), c)
    extra = []
    for f in fits:
        gap = np.abs(f.frozen().sf(km["wait_s"].to_numpy()) - km["survival"].to_numpy())
        extra.append({"km_distance": float(gap.max())})
    rows = _fit_rows(channel, fits, extra)
    expo = next(f for f in fits if f.family == "exponential")
    for r, f in zip(rows, fits):
        # likelihood-ratio test of shape 1 (exponential) for the families that nest it
        lr = 2 * (f.loglik - expo.loglik) if f.family in ("weibull", "gamma") else math.nan
        r["p_exponential"] = float(stats.chi2.sf(max(lr, 0.0), 1)) if f.family in ("weibull", "gamma") else math.nan
    best = min(range(len(rows)), key=lambda i: rows[i]["aic"])
    for i, r in enumerate(rows):
        r["chosen"] = i == best
    b = rows[best]
    return rows, {"family": b["family"], "mean": b["mean_s"], "mean_lo": b["mean_lo"], "mean_hi": b["mean_hi"],
                  "shape": b["shape"], "shape_is": b["shape_is"]}


def _km_median(km: pd.DataFrame) -> float:
    below = km[km["survival"] <= 0.5]
    return float(below["wait_s"].iloc[0]) if len(below) else math.nan


def _wait_edges(waits: np.ndarray) -> np.ndarray:
    top = float(np.quantile(waits, 0.99)) if waits.size else 60.0
    step = max(5.0, 10.0 * math.ceil(top / 12 / 10.0))
    return np.arange(0.0, top + step, step)


def _redials(t: pd.DataFrame, window: float) -> tuple[np.ndarray, pd.DataFrame]:
    """(is each contact a redial, per-channel redial table). A contact is a redial when the same
    customer abandoned a contact (any channel) ending at most ``window`` seconds before it."""
    mask = np.zeros(len(t), bool)
    if "customer" not in t:
        return mask, pd.DataFrame(columns=["channel", "abandons", "redials", "redial_share"])
    cust = t["customer"].to_numpy()
    known = cust != ""
    order = np.lexsort((t["arrival_s"].to_numpy(), cust))
    ab_time = np.where(t["abandoned"], t["abandon_s"], np.nan)
    nxt = np.full(len(t), -1)
    same = (cust[order][1:] == cust[order][:-1]) & known[order][1:]
    nxt[order[:-1][same]] = order[1:][same]
    rows, attempt = [], np.ones(len(t), int)
    delays = np.full(len(t), np.nan)
    for i in order:  # attempt numbers along each customer's chain of redials
        j = nxt[i]
        if j >= 0 and t["abandoned"].iat[i]:
            gap = t["arrival_s"].iat[j] - ab_time[i]
            if 0 <= gap <= window:
                mask[j] = True
                attempt[j] = attempt[i] + 1
                delays[i] = gap
    for ch in dict.fromkeys(t["channel"]):
        sel = (t["channel"] == ch).to_numpy() & t["abandoned"].to_numpy()
        n_ab = int(sel.sum())
        k = int(np.isfinite(delays[sel]).sum())
        lo, hi = stats.binomtest(k, n_ab).proportion_ci(0.95, method="wilson") if n_ab else (math.nan, math.nan)
        d = delays[sel][np.isfinite(delays[sel])]
        rows.append({"channel": ch, "abandons": n_ab, "redials": k, "redial_share": k / n_ab if n_ab else math.nan,
                     "share_lo": lo, "share_hi": hi, "delay_mean_s": float(d.mean()) if k else math.nan,
                     "delay_median_s": float(np.median(d)) if k else math.nan,
                     "max_attempts_seen": int(attempt[(t["channel"] == ch).to_numpy()].max()),
                     "window_s": window})
    return mask, pd.DataFrame(rows)


def _open_grid(t: pd.DataFrame, slot: float) -> tuple[dict[int, tuple[float, float]], int]:
    """Opening hours per weekday (0 = Monday) from the slots with arrivals, and days in the log."""
    day = (t["arrival_s"] // 86400).astype(int)
    tod = t["arrival_s"] % 86400
    hours = {}
    for wd in range(7):
        sel = _weekday(day, _start(t)) == wd
        if sel.any():
            lo = math.floor(tod[sel].min() / slot) * slot
            hi = math.floor(tod[sel].max() / slot) * slot + slot
            hours[wd] = (lo, hi)
    return hours, int(day.max()) + 1


def _start(t: pd.DataFrame) -> datetime.date:
    return pd.Timestamp(t["arrival"].min()).date() if "arrival" in t else datetime.date(2026, 1, 5)


def _weekday(day: pd.Series, start: datetime.date) -> pd.Series:
    return (day + start.weekday()) % 7


def _volumes(log: ContactLog, slot: float, redial: np.ndarray | None) -> pd.DataFrame:
    t = log.table
    start = _start(t)
    hours, _ = _open_grid(t, slot)
    day = (t["arrival_s"] // 86400).astype(int)
    open_days = sorted(set(day))
    k = ((t["arrival_s"] % 86400) // slot).astype(int)
    full = [(ch, d, wd, j) for ch in log.channels for d in open_days
            for wd in [(d + start.weekday()) % 7] for j in range(int(hours[wd][0] // slot), int(hours[wd][1] // slot))]
    grid = pd.DataFrame(full, columns=["channel", "day", "wd", "k"])
    key = pd.DataFrame({"channel": t["channel"].to_numpy(), "day": day.to_numpy(), "k": k.to_numpy()})
    idx = pd.MultiIndex.from_frame(grid[["channel", "day", "k"]])
    grid["n"] = key.groupby(["channel", "day", "k"]).size().reindex(idx, fill_value=0).to_numpy(float)
    fresh = key[~redial] if redial is not None else key
    grid["fresh"] = fresh.groupby(["channel", "day", "k"]).size().reindex(idx, fill_value=0).to_numpy(float)
    agg = grid.groupby(["channel", "wd", "k"], sort=False).agg(days=("n", "size"), volume=("n", "mean"),
                                                               sd=("n", "std"), first_attempts=("fresh", "mean"))
    agg = agg.reset_index()
    rank = {c: i for i, c in enumerate(log.channels)}
    agg = agg.sort_values(["channel", "wd", "k"], key=lambda s: s.map(rank) if s.name == "channel" else s)
    tq = stats.t.ppf(0.975, np.maximum(agg["days"] - 1, 1))
    half = np.where(agg["days"] > 1, tq * agg["sd"].fillna(0) / np.sqrt(agg["days"]), np.nan)
    rows = pd.DataFrame({"channel": agg["channel"], "weekday": [WEEKDAYS[w] for w in agg["wd"]],
                         "slot_start": [format_clock(j * slot) for j in agg["k"]], "days": agg["days"],
                         "volume": agg["volume"], "volume_lo": np.maximum(0.0, agg["volume"] - half),
                         "volume_hi": agg["volume"] + half, "first_attempts": agg["first_attempts"]})
    return rows.reset_index(drop=True)
    return pd.DataFrame(rows), ""


def _fragment(log: ContactLog, slot: float, volumes: pd.DataFrame, handle: pd.DataFrame,
              patience: pd.DataFrame, redials: pd.DataFrame) -> dict[str, Any]:
    """A one-week horizon starting the Monday after the log, opening hours per weekday as the
    log shows them, the mean volume per weekday and slot, the chosen handle-time and patience
    distributions and (with customer ids) retrial; with retrial the volumes are first attempts
    (the engine adds the redials itself)."""
    t = log.table
    hours, _ = _open_grid(t, slot)
    last = _start(t) + datetime.timedelta(days=int(t["arrival_s"].max() // 86400))
    monday = last + datetime.timedelta(days=7 - last.weekday())
    lo = min(v[0] for v in hours.values())
    hi = max(v[1] for v in hours.values())
    hz: dict[str, Any] = {"start": format_clock(lo), "end": format_clock(hi), "slot": f"{slot:g}s",
                          "start_date": monday.isoformat(), "days": 7}
    week_hours = {WEEKDAYS[wd]: ("closed" if wd not in hours else [format_clock(hours[wd][0]), format_clock(hours[wd][1])])
                  for wd in range(7) if wd not in hours or hours[wd] != (lo, hi)}
    if week_hours:
        hz["hours"] = week_hours
    channels: dict[str, Any] = {}
    for ch in log.channels:
        red = redials[redials["channel"] == ch] if len(redials) else redials
        with_retrial = len(red) > 0 and red["redials"].iloc[0] > 0
        col = "first_attempts" if with_retrial else "volume"
        v = volumes[volumes["channel"] == ch]
        vol = []
        for wd in range(7):
            if wd in hours:
                vol += [round(float(x), 3) for x in v.loc[v["weekday"] == WEEKDAYS[wd], col]]
        h = handle[(handle["channel"] == ch) & handle["chosen"]].iloc[0]
        p = patience[(patience["channel"] == ch) & patience["chosen"]].iloc[0]
        entry: dict[str, Any] = {"volume": vol, "handle_time": _spec(h), "patience": _spec(p)}
        if with_retrial:
            r = red.iloc[0]
            entry["retrial"] = {"probability": round(float(r["redial_share"]), 4),
                                "delay": {"dist": "exponential", "mean": round(float(r["delay_mean_s"]), 1)},
                                "max_attempts": int(max(2, r["max_attempts_seen"]))}
        channels[ch] = entry
    return {"horizon": hz, "channels": channels}


def _spec(row: pd.Series) -> dict[str, Any]:
    if row["family"] == "empirical":
        return {"dist": "empirical", "values": list(row["values"])}
    out = {"dist": row["family"], "mean": round(float(row["mean_s"]), 2)}
    if row["shape_is"]:
        out[row["shape_is"]] = round(float(row["shape"]), 4)
    return out


def _slot_waits(t: pd.DataFrame, slot: float) -> pd.DataFrame:
    k = (t["arrival_s"] // slot).astype(int)
    g = t.assign(k=k).groupby(["channel", "k"], sort=False)
    out = g.agg(contacts=("wait_s", "size"), abandon_rate=("abandoned", "mean"), mean_wait_s=("wait_s", "mean"))
    out = out.reset_index()
    out["day"] = (out["k"] * slot // 86400).astype(int) + 1
    out["slot_start"] = [format_clock((kk * slot) % 86400) for kk in out["k"]]
    return out[["channel", "day", "slot_start", "contacts", "abandon_rate", "mean_wait_s"]]


def _periods(t: pd.DataFrame) -> pd.DataFrame:
    tod = (t["arrival_s"] % 86400).to_numpy()
    rows = []
    for ch in dict.fromkeys(t["channel"]):
        sel = (t["channel"] == ch).to_numpy()
        groups_h, rates, waits, abandoned = [], [], [], []
        for name, lo, hi in PERIODS:
            m = sel & (tod >= lo) & (tod < hi)
            if not m.any():
                continue
            ab = t["abandoned"].to_numpy()[m]
            h = t["handle_s"].to_numpy()[m][~ab]
            w = t["wait_s"].to_numpy()[m]
            d, exposure = int(ab.sum()), float(w.sum())
            groups_h.append(h)
            waits.append(w)
            abandoned.append(ab)
            rates.append((d, exposure))
            half = stats.t.ppf(0.975, len(h) - 1) * h.std(ddof=1) / math.sqrt(len(h)) if len(h) > 1 else math.nan
            q_lo = stats.chi2.ppf(0.025, 2 * d) / 2 if d else 0.0
            q_hi = stats.chi2.ppf(0.975, 2 * d + 2) / 2
            rows.append({"channel": ch, "period": name, "from": format_clock(lo), "to": format_clock(hi % 86400),
                         "contacts": int(m.sum()), "aht_s": float(h.mean()) if len(h) else math.nan,
                         "aht_lo": float(h.mean() - half) if len(h) > 1 else math.nan,
                         "aht_hi": float(h.mean() + half) if len(h) > 1 else math.nan,
                         "abandons": d, "patience_exp_s": exposure / d if d else math.inf,
                         "patience_lo": exposure / q_hi, "patience_hi": exposure / q_lo if d else math.inf})
        k = len(groups_h)
        p_aht = float(stats.kruskal(*groups_h).pvalue) if k > 1 and all(len(g) > 0 for g in groups_h) else math.nan
        p_pat = logrank(waits, abandoned) if k > 1 else math.nan
        for r in rows[-k:]:
            r.update({"p_aht": p_aht, "aht_effect": bool(p_aht < EFFECT_LEVEL),
                      "p_patience": p_pat, "patience_effect": bool(p_pat < EFFECT_LEVEL)})
    return pd.DataFrame(rows)
