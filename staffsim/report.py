"""The HTML report a manager can read: one self-contained file with the charts embedded.

It sits on top of results, plots, formatting and io and nothing imports it but the CLI.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from staffsim.formatting import format_change, format_metric
from staffsim.plots import plot_comparison, plot_day

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.meta { color: #666; font-size: 0.9em; } .headline { font-size: 1.1em; background: #f3f6fa;
        padding: 0.6em 0.9em; border-left: 4px solid #1f77b4; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; text-align: right; border-bottom: 1px solid #eee; }
th { background: #fafafa; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; margin: 0.5em 0; } dt { font-weight: 600; } dd { margin: 0 0 0.4em 1.2em; }
"""

_GLOSSARY = [
    ("service level", "answered within the channel's threshold ÷ contacts offered to agents "
                      "(abandons count against)"),
    ("ASA", "average speed of answer: mean wait of answered contacts"),
    ("abandonment", "contacts that hung up while waiting ÷ contacts offered to agents"),
    ("occupancy", "time agents spent handling contacts ÷ time they were available (logged in, "
                  "not on break)"),
    ("lost contacts", ("the business lost with contacts that abandoned, left on seeing the queue "
                       "or whose callback was given up (the scenario's value per lost contact)")),
    ("paid agent hours", "scheduled hours of the agents who came in (or the plan's gross "
                         "headcount) plus overtime"),
    ("± values", "95% confidence half-widths over the simulated days; for a comparison, of the "
                 "paired difference on the same simulated customers"),
    ("Erlang plan", "the agents each half hour needs by Erlang C/A, treating every slot as a "
                    "steady queue of its own; the simulation shows what that leaves out"),
]


_METRIC_NAMES = {
    "service_level": "service level", "asa_s": "ASA", "abandon_rate": "abandonment",
    "occupancy": "occupancy", "paid_agent_hours": "paid agent hours", "cost": "cost",
}


def _esc(text: Any) -> str:
    import html

    return html.escape(str(text))


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0)


def _figure_tag(fig, alt: str) -> str:
    import base64
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


def _page(title: str, body: list[str]) -> str:
    glossary = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in _GLOSSARY)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}'
            f"</title><style>{_CSS}</style></head><body>\n" + "\n".join(body)
            + f"\n<h2>What the figures mean</h2><dl>{glossary}</dl>\n</body></html>\n")


def _row_label(r: pd.Series) -> str:
    """The channel, or "channel / segment" for a customer segment's row."""
    segment = r.get("segment", "all")
    return r["channel"] if segment == "all" else f"{r['channel']} / {segment}"


def _kpi_table(summary: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Whole-horizon KPIs per channel as text with units and half-widths."""
    def with_ci(r: pd.Series, metric: str) -> str:
        if not math.isfinite(r[metric]):
            return "-"  # e.g. an agent figure on a customer segment's row
        return (f"{format_metric(metric, r[metric], currency=currency)} "
                f"{format_metric(metric, r[metric + '_ci'], ci=True, currency=currency)}")

    rows = []
    for _, r in summary.iterrows():
        rows.append({
            "channel": _row_label(r),
            "offered": f"{r['offered']:,.0f}",
            "answered": f"{r['answered']:,.0f}",
            "service level": with_ci(r, "service_level"),
            "ASA": with_ci(r, "asa_s"),
            "abandonment": with_ci(r, "abandon_rate"),
            "occupancy": format_metric("occupancy", r["occupancy"]),
            "paid agent hours": format_metric("paid_agent_hours", r["paid_agent_hours"]),
            "cost": with_ci(r, "cost"),
        })
    return pd.DataFrame(rows)


def run_report(result) -> str:
    """The HTML report of a :class:`~staffsim.results.RunResult`."""
    sc = result.scenario
    cur = sc.spec.costs.currency
    summary = result.summary()
    total = summary[summary["channel"] == "all"].iloc[0]
    days = sc.spec.horizon.days
    headline = (
        f"Over {'the day' if days == 1 else f'{days} days'}: "
        f"{format_metric('service_level', total['service_level'])} of contacts answered within target "
        f"time, {format_metric('abandon_rate', total['abandon_rate'])} abandoned, "
        f"{total['paid_agent_hours'] / days:,.1f} paid agent hours and "
        f"{format_metric('cost', total['cost'] / days, currency=cur)} per day."
    )
    money = pd.DataFrame([{
        "channel": _row_label(r),
        **{label: format_metric("cost", r[col], currency=cur)
           for label, col in (("agents", "agent_cost"), ("lost contacts", "abandon_cost"),
                              ("self-service", "self_service_cost"), ("telephony", "telephony_cost"),
                              ("total", "cost"))},
        "per handled contact": (f"{r['cost_per_handled']:,.2f} {cur}"
                                if math.isfinite(r["cost_per_handled"]) else "-"),
    } for _, r in summary.iterrows()])
    teams = result.team_staffing()
    teams_text = pd.DataFrame({
        "team": teams["team"], "channels": teams["channels"],
        "Erlang plan: peak agents": teams["plan_peak"],
        "Erlang plan: agent hours": teams["plan_agent_hours"].map(lambda v: f"{v:,.1f}"),
        "simulated: peak logged in": teams["staffed_peak"].map(lambda v: f"{v:,.1f}"),
        "simulated: agent hours logged in": teams["staffed_agent_hours"].map(lambda v: f"{v:,.1f}"),
    })
    body = [
        f"<h1>{_esc(sc.name)}</h1>",
        f'<p class="meta">{_esc(sc.spec.description)}</p>' if sc.spec.description else "",
        f'<p class="meta">{result.replications} simulated days, seed {result.seed}, staffsim '
        f"{_esc(result.version)}{'' if result.complete else ' (interrupted: partial)'}"
        f"{f' - {_esc(sc.source)}' if sc.source else ''}</p>",
        f'<p class="headline">{_esc(headline)}</p>',
        "<h2>Service per channel</h2>", _table(_kpi_table(summary, cur)),
        "<h2>Money</h2>", _table(money),
        "<h2>Staffing: what Erlang asks for and what the day had</h2>", _table(teams_text),
    ]
    for channel in sc.channels:
        body += [f"<h2>{_esc(channel)} through the day</h2>",
                 _figure_tag(plot_day(result, channel), f"{channel} over the day")]
    return _page(sc.name, body)


def comparison_report(comparison) -> str:
    """The HTML report of a :class:`~staffsim.results.ComparisonResult`."""
    base = comparison.baseline
    cur = base.scenario.spec.costs.currency
    d = comparison.differences
    shown = d[d["metric"].isin(["service_level", "asa_s", "abandon_rate", "occupancy",
                                "paid_agent_hours", "cost"])]
    table = pd.DataFrame({
        "variant": shown["variant"], "channel": shown["channel"],
        "metric": shown["metric"].map(_METRIC_NAMES),
        "baseline": [format_metric(m, v, currency=cur) for m, v in zip(shown["metric"], shown["baseline"])],
        "variant value": [format_metric(m, v, currency=cur) for m, v in zip(shown["metric"], shown["value"])],
        "change": [format_change(m, v, c, currency=cur)
                   for m, v, c in zip(shown["metric"], shown["difference"], shown["ci"])],
    })
    title = f"{comparison.baseline_label} vs {', '.join(comparison.variants)}"
    body = [
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{base.replications} simulated days per scenario on the same customers '
        f"(seed {base.seed}), staffsim {_esc(base.version)}"
        f"{'' if comparison.complete else ' (interrupted: partial)'}</p>",
        *[f'<p class="headline">{_esc(comparison.headline(v))}</p>' for v in comparison.variants],
        _figure_tag(plot_comparison(comparison), "changes against the baseline"),
        "<h2>Changes per channel</h2>", _table(table),
        "<h2>Each scenario</h2>",
    ]
    for label, res in comparison.results.items():
        body += [f"<h3>{_esc(label)}: {_esc(res.scenario.name)}</h3>",
                 _table(_kpi_table(res.summary(), cur))]
    return _page(title, body)
