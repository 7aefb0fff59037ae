"""Figures and the HTML page of ``staffsim fit``: what the fit rests on, for a planner to check.

Per channel, ``patience_<channel>.png``: the Kaplan–Meier survival of patience with its 95% band,
the fitted (chosen) survival and the naive abandoners-only one; the abandonment hazard by wait.
``handle_<channel>.png``: the handle-time histogram with the fitted densities and the chosen
family's CDF against the empirical one with the Kolmogorov–Smirnov distance marked.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from staffsim.history.censored import frozen
from staffsim.plots import legend_beside

_BLUE, _ORANGE, _RED, _GREY, _GREEN = "#1f77b4", "#ff7f0e", "#d62728", "#7f7f7f", "#2ca02c"


def _dist(row: pd.Series):
    if row["family"] == "empirical":
        return None
    return frozen(row["family"], float(row["mean_s"]), None if row["family"] == "exponential" else float(row["shape"]))


def patience_figure(result, channel: str) -> Figure:
    """Kaplan–Meier with band, fitted survival, naive estimate; hazard by wait."""
    km = result.km[channel]
    chosen = result.chosen("patience", channel)
    naive = float(result.summary.loc[result.summary["channel"] == channel, "naive_patience_s"].iloc[0])
    fig = Figure(figsize=(14, 4.4), layout="constrained")
    ax, hz = fig.subplots(1, 2)
    top = float(np.quantile(km["wait_s"], 0.995)) if len(km) else 60.0
    grid = np.linspace(0, max(top * 1.1, 1.0), 300)
    ax.step(km["wait_s"], km["survival"], where="post", color=_BLUE, label="Kaplan–Meier (observed)")
    ax.fill_between(km["wait_s"], km["lo"], km["hi"], step="post", color=_BLUE, alpha=0.2, label="95% band")
    ax.plot(grid, _dist(chosen).sf(grid), color=_ORANGE, lw=2,
            label=f"fitted {chosen['family']}: mean {chosen['mean_s']:.0f}s "
                  f"[{chosen['mean_lo']:.0f}, {chosen['mean_hi']:.0f}]")
    ax.plot(grid, np.exp(-grid / naive), color=_RED, ls="--",
            label=f"naive (abandoners only): mean {naive:.0f}s, biased")
    ax.set_xlim(0, grid[-1])
    ax.set_ylim(max(0.0, float(km["lo"].min()) - 0.05) if len(km) else 0, 1.005)
    ax.set_xlabel("wait (s)")
    ax.set_ylabel("share still willing to wait")
    ax.set_title(f"{channel}: patience from censored waits")
    legend_beside(ax)  # the naive curve runs along the bottom: a legend there would hide it
    h = result.hazard[result.hazard["channel"] == channel]
    mid = (h["wait_from_s"] + h["wait_to_s"]) / 2
    hz.errorbar(mid, h["hazard_per_min"], yerr=[h["hazard_per_min"] - h["hazard_lo"], h["hazard_hi"] - h["hazard_per_min"]],
                fmt="o", color=_BLUE, ms=4, capsize=2, label="observed (95%)")
    d = _dist(chosen)
    g = np.linspace(max(float(h["wait_from_s"].min()), 0.5) if len(h) else 0.5, float(h["wait_to_s"].max()) if len(h) else 60, 200)
    with np.errstate(divide="ignore", invalid="ignore"):
        hz.plot(g, 60 * d.pdf(g) / d.sf(g), color=_ORANGE, label=f"fitted {chosen['family']}")
    hz.set_xlabel("wait (s)")
    hz.set_ylabel("abandons per minute of waiting")
    hz.set_title("abandonment hazard by wait")
    legend_beside(hz)
    return fig


def handle_figure(result, channel: str) -> Figure:
    """Histogram with fitted densities; chosen CDF against the empirical with the KS distance."""
    h = np.sort(result.samples[channel]["handle"])
    fits = result.handle[result.handle["channel"] == channel]
    chosen = result.chosen("handle", channel)
    fig = Figure(figsize=(14, 4.4), layout="constrained")
    ax, cdf = fig.subplots(1, 2)
    top = float(np.quantile(h, 0.995))
    ax.hist(h[h <= top], bins=60, density=True, color=_GREY, alpha=0.5, label=f"observed ({len(h):,})")
    grid = np.linspace(1e-3, top, 400)
    for (_, r), colour in zip(fits.iterrows(), (_BLUE, _ORANGE, _GREEN, _RED)):
        d = _dist(r)
        if d is None:
            continue
        lw = 2.5 if r["chosen"] else 1.0
        ax.plot(grid, d.pdf(grid), color=colour, lw=lw,
                label=f"{r['family']} (ΔAIC {r['delta_aic']:.0f}, KS p {r['ks_p']:.2g})")
    ax.set_xlabel("handle time (s)")
    ax.set_ylabel("density")
    ax.set_title(f"{channel}: handle time, chosen {chosen['family']} (mean {chosen['mean_s']:.0f}s)")
    legend_beside(ax)
    ecdf = np.arange(1, len(h) + 1) / len(h)
    cdf.step(h, ecdf, where="post", color=_GREY, label="observed")
    d = _dist(chosen)
    if d is not None:
        fitted = d.cdf(h)
        k = int(np.argmax(np.maximum(np.abs(ecdf - fitted), np.abs(ecdf - 1 / len(h) - fitted))))
        cdf.plot(h, fitted, color=_ORANGE, label=f"fitted {chosen['family']}")
        cdf.vlines(h[k], fitted[k], ecdf[k], color=_RED, lw=2,
                   label=f"KS distance {chosen['ks_distance']:.3f} (p {chosen['ks_p']:.2g})")
    cdf.set_xlim(0, top)
    cdf.set_xlabel("handle time (s)")
    cdf.set_ylabel("share at most")
    cdf.set_title("goodness of fit: Kolmogorov–Smirnov")
    legend_beside(cdf)
    return fig


def fit_figures(result) -> dict[str, Figure]:
    """Every figure of the fit, by file stem."""
    out = {}
    for ch in result.km:
        out[f"patience_{ch}"] = patience_figure(result, ch)
        out[f"handle_{ch}"] = handle_figure(result, ch)
    return out


def _img(fig: Figure, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _fmt(df: pd.DataFrame) -> str:
    shown = df.drop(columns=[c for c in ("values",) if c in df])
    return shown.to_html(index=False, border=0, na_rep="-", float_format=lambda v: f"{v:,.3g}" if abs(v) < 1 else f"{v:,.1f}")


_CSS = ("body{font-family:sans-serif;max-width:1150px;margin:2em auto;color:#222}table{border-collapse:collapse;"
        "font-size:13px;margin:0.5em 0 1.5em;display:block;overflow-x:auto}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "th{background:#f3f3f3}img{max-width:100%}h2{margin-top:1.6em}")


def fit_report_html(result, figures: dict[str, Figure] | None = None) -> str:
    """One self-contained HTML page: summary, per channel the figures and the fit tables."""
    figures = figures or fit_figures(result)
    s = result.summary
    body: list[Any] = [f"<h1>What the contact log says: {html.escape(str(result.source))}</h1>",
                       ("<p>Patience is estimated from censored waits (an answered caller's wait is a lower "
                        "bound of their patience): Kaplan–Meier and censored maximum likelihood. The naive mean "
                        "of the abandoners' waits is shown only to show its bias. Intervals are 95%.</p>"),
                       "<h2>Summary</h2>", _fmt(s)]
    for ch in result.km:
        body += [f"<h2>{html.escape(ch)}: patience</h2>", _img(figures[f"patience_{ch}"], f"patience {ch}"),
                 _fmt(result.patience[result.patience["channel"] == ch]),
                 f"<h2>{html.escape(ch)}: handle time</h2>", _img(figures[f"handle_{ch}"], f"handle {ch}"),
                 _fmt(result.handle[result.handle["channel"] == ch])]
    body += [("<h2>Time of day</h2><p>AHT (Kruskal–Wallis) and patience (log-rank test on the censored "
              "waits) by period; an effect when p &lt; 1%.</p>"), _fmt(result.periods)]
    if len(result.redials):
        body += ["<h2>Redials</h2>", _fmt(result.redials)]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>staffsim fit</title>'
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
