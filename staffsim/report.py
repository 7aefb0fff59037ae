"""The HTML report a manager can read: one self-contained file with the charts embedded.

It sits on top of results, plots, formatting and io and nothing imports it but the CLI.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from staffsim.formatting import count_of, format_change, format_metric
from staffsim.plots import plot_comparison, plot_day, plot_outbound
from staffsim.scenarios.calendar import (
    horizon_phrase,
    period_article,
    period_noun,
    period_unit,
    slot_phrase,
)
from staffsim.targets import (
    MIX_LABEL,
    comparison_mixes_thresholds,
    shared_threshold,
    target_columns,
)

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
    ("paid agent hours", "scheduled hours of the agents who came in, less unpaid breaks (of every "
                         "scheduled agent when the scenario pays absence: sick pay), or the plan's "
                         "gross headcount, plus overtime"),
    ("± values", "95% confidence half-widths over the replications; for a comparison, of the "
                 "paired difference on the same simulated customers"),
    ("Erlang plan", "the agents each {slot} needs by Erlang C/A, treating every slot as a "
                    "steady queue of its own (backlog work such as email: the agents that clear "
                    "it within its threshold, carried forward from slot to slot); the "
                    "simulation shows what that leaves out"),
    ("team cost", ("what a team is paid (its scheduled hours plus overtime, at its rate); a "
                   "channel's cost is its share of the teams' pay allocated by the handling work "
                   "done for it, an allocation and not what the channel would save")),
    ("retries when closed", ("abandoned contacts (or self-service returns) whose retry would "
                             "have fallen outside the opening hours: lost, not abandons")),
    ("unavailable", "contacts that arrived while an event made the channel unavailable: lost"),
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


def _page(title: str, body: list[str], slot_s: float = 1800.0) -> str:
    glossary = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v.format(slot=slot_phrase(slot_s)))}</dd>"
                       for k, v in _GLOSSARY)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}'
            f"</title><style>{_CSS}</style></head><body>\n" + "\n".join(body)
            + f"\n<h2>What the figures mean</h2><dl>{glossary}</dl>\n</body></html>\n")


def _row_label(r: pd.Series) -> str:
    """The channel, or "channel / segment" for a customer segment's row."""
    segment = r.get("segment", "all")
    return r["channel"] if segment == "all" else f"{r['channel']} / {segment}"


def _service_headline(sc, summary: pd.DataFrame) -> str:
    """Service per channel against its own target (pooled only when every channel shares one
    threshold: a service level mixing 20 s and 24 h meets no one's definition)."""
    rows = summary[summary.get("segment", pd.Series("all", index=summary.index)) == "all"]
    parts = []
    marks = target_columns(sc, rows)
    for (_, r), (_, m) in zip(rows.iterrows(), marks.iterrows()):
        if r["channel"] == "all" and not shared_threshold(sc):
            continue
        if r["channel"] == "all" and len(sc.channels) == 1:
            continue
        name = "all channels" if r["channel"] == "all" else r["channel"]
        parts.append(f"{name} {format_metric('service_level', r['service_level'])} "
                     f"(target {m['target']}: {m['target_met']})")
    return "service level " + ", ".join(parts)


def _wait_scale(*seconds: float) -> tuple[str, float]:
    """The unit a manager reads waits in: s below 2 minutes, min below 2 hours, else h (by the
    largest of ``seconds``), so an email's 4,332 s reads 72.2 min."""
    top = max((abs(s) for s in seconds if s is not None and math.isfinite(s)), default=0.0)
    return ("s", 1.0) if top < 120 else (("min", 60.0) if top < 7200 else ("h", 3600.0))


def _wait(seconds: float, unit: tuple[str, float], *, sign: bool = False, ci: float | None = None) -> str:
    """A wait (or its change, ``sign``) in ``unit``, with its 95% half-width when ``ci``."""
    if not math.isfinite(seconds):
        return "-" if math.isnan(seconds) else "inf"
    name, scale = unit
    v = seconds / scale
    text = f"{v:,.1f}"
    if sign and any(ch in "123456789" for ch in text):
        text = ("+" if v > 0 else "\u2212") + text.lstrip("-")
    if ci is None:
        return f"{text} {name}"
    if not math.isfinite(ci):
        return f"{text} {name}"
    return f"{text} ± {ci / scale:,.1f} {name}" if sign else f"{text} {name} ±{ci / scale:,.1f} {name}"


def _kpi_table(sc, summary: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Whole-horizon KPIs per channel as text with units and half-widths, each channel's target
    and whether its means meet it; the pooled row labelled a mix when thresholds differ."""
    def with_ci(r: pd.Series, metric: str) -> str:
        if not math.isfinite(r[metric]):
            return "-"  # e.g. an agent figure on a customer segment's row
        if metric == "asa_s":  # in s, min or h by its size
            return _wait(r[metric], _wait_scale(r[metric]), ci=r[metric + "_ci"])
        return (f"{format_metric(metric, r[metric], currency=currency)} "
                f"{format_metric(metric, r[metric + '_ci'], ci=True, currency=currency)}")

    rows = []
    marks = target_columns(sc, summary)
    for (_, r), (_, m) in zip(summary.iterrows(), marks.iterrows()):
        label = _row_label(r)
        rows.append({
            "channel": MIX_LABEL if label == "all" and not shared_threshold(sc) else label,
            "offered": f"{r['offered']:,.0f}",
            "answered": f"{r['answered']:,.0f}",
            "service level": with_ci(r, "service_level"),
            "target": m["target"],
            "met": m["target_met"],
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
    h = sc.spec.horizon
    days = h.days
    per = period_unit(days)
    headline = f"Over {horizon_phrase(days, h.start_date)}: " + _service_headline(sc, summary) + (
        f"; {format_metric('abandon_rate', total['abandon_rate'])} of all contacts abandoned, "
        f"{total['paid_agent_hours']:,.1f} paid agent hours and "
        f"{format_metric('cost', total['cost'], currency=cur)} {per}."
    )
    money = pd.DataFrame([{
        "channel": _row_label(r),
        **{label: format_metric("cost", sign * r[col], currency=cur)
           for label, col, sign in (("agents", "agent_cost", 1), ("lost contacts", "abandon_cost", 1),
                                    ("self-service", "self_service_cost", 1),
                                    ("telephony", "telephony_cost", 1),
                                    # appointments, when the scenario has them (staffsim/outcomes.py)
                                    ("reminders", "reminder_cost", 1),
                                    ("appointments served (revenue)", "appointment_value", -1),
                                    ("total", "cost", 1))
           if col in r},
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
    period = period_noun(days)
    body = [
        f"<h1>{_esc(sc.name)}</h1>",
        f'<p class="meta">{_esc(sc.spec.description)}</p>' if sc.spec.description else "",
        (f'<p class="meta">{count_of(result.replications, "replication")} of {period_article(days)} '
         f"({h.n_slots} {slot_phrase(h.slot)}s"
         f"{f', {h.day_name(0)} to {h.day_name(days - 1)}' if h.start_date else ''}), seed "
         f"{result.seed}, staffsim {_esc(result.version)}"
         f"{'' if result.complete else ' (interrupted: partial)'}"
         f"{f' - {_esc(sc.source)}' if sc.source else ''}</p>"),
        f'<p class="headline">{_esc(headline)}</p>',
        f"<h2>Service per channel, over {_esc(horizon_phrase(days, h.start_date))}</h2>",
        _table(_kpi_table(sc, summary, cur)),
        _lost_note(summary),
        "<h2>Money per team</h2>",
        ("<p>What each team is paid. The columns per channel split a team's pay by the handling "
         "work it did for each channel: an allocation, not what a channel would save (a channel's "
         "share falls when another channel's work grows).</p>"),
        _table(_team_money(result, cur)),
        "<h2>Money per channel (team pay allocated by handling work)</h2>", _table(money),
        f"<h2>Staffing: what Erlang asks for and what the {period} had</h2>", _table(teams_text),
        *_forecast_error_section(result),
        *_outbound_section(result, cur),
    ]
    for channel in sc.channels:
        body += [f"<h2>{_esc(channel)} through {_esc(horizon_phrase(days, None))}</h2>",
                 _figure_tag(plot_day(result, channel), f"{channel} over {horizon_phrase(days, None)}")]
    return _page(sc.name, body, h.slot)


# --- week: money per team, lost contacts, forecast error --------------------------------------
def _team_money(result, cur: str) -> pd.DataFrame:
    teams = result.team_costs()
    rows = []
    for _, r in teams.iterrows():
        row = {"team": r["team"],
               "paid agent hours": f"{r['paid_agent_hours']:,.1f}",
               "pay": (f"{format_metric('cost', r['agent_cost'], currency=cur)} "
                       f"{format_metric('cost', r['agent_cost_ci'], ci=True, currency=cur)}"),
               "handling share of paid time": format_metric("occupancy", r["handling_share"])}
        for c in result.scenario.channels:
            if teams[f"cost_{c}"].abs().sum() > 0:
                row[f"allocated to {c}"] = format_metric("cost", r[f"cost_{c}"], currency=cur)
        rows.append(row)
    return pd.DataFrame(rows)


def _lost_note(summary: pd.DataFrame) -> str:
    total = summary[summary["channel"] == "all"].iloc[0]
    parts = []
    if total["retries_closed"] > 0:
        parts.append(f"{total['retries_closed']:,.1f} retries or self-service returns would have "
                     "fallen outside the opening hours (lost, not counted as abandons)")
    if total["unavailable"] > 0:
        parts.append(f"{total['unavailable']:,.1f} contacts arrived while their channel was "
                     "unavailable (an event) and were lost")
    return f"<p>Lost to the calendar and events (means): {_esc('; '.join(parts))}.</p>" if parts else ""


def _forecast_error_section(result) -> list[str]:
    fe = result.forecast_error()
    if not len(fe):
        return []
    table = pd.DataFrame({
        "channel": fe["channel"],
        "forecast error": [f"cv {cv:g} per {per}" for cv, per in zip(fe["cv"], fe["per"])],
        "plan misses a target (Erlang, drawn volume)": fe["erlang_miss_share"].map(
            lambda v: format_metric("occupancy", v)),
        "without the error": "0%",
        "simulated service below target": [
            f"{format_metric('occupancy', m)} {format_metric('occupancy', c, ci=True)}"
            for m, c in zip(fe["simulated_below_target"], fe["simulated_below_target_ci"])],
    })
    note = ("<p>Share of slots (over all replications) in which the Erlang plan's agents miss a "
            "target at the volume the replication drew (the forecast times its random "
            "multiplier), against none at the forecast itself; and the share of slots whose "
            "simulated service level is below target.</p>")
    return ["<h2>Forecast error: how often the plan misses</h2>", note, _table(table)]
# --- end week ---------------------------------------------------------------------------------


def _outbound_section(result, cur: str) -> list[str]:
    """Outbound campaigns (issue 20): dials, reach, records left, inbound prevented, money."""
    ob = result.outbound()
    if not len(ob):
        return []

    def with_ci(metric: str, col: str, r: pd.Series) -> str:
        return f"{format_metric(metric, r[col])} {format_metric(metric, r[col + '_ci'], ci=True)}"

    table = pd.DataFrame([{
        "campaign": r["campaign"],
        "records": f"{r['records']:,.1f}",
        "dialled": with_ci("offered", "dialled", r),
        "reached": with_ci("offered", "reached", r),
        "reach rate": with_ci("occupancy", "reach_rate", r),
        "records left": f"{r['records_left']:,.1f}",
        "inbound prevented": with_ci("offered", "inbound_prevented", r),
        "agent hours": f"{r['agent_hours']:,.1f}",
        "agent cost": format_metric("cost", r["agent_cost"], currency=cur),
        "value": format_metric("cost", r["value"], currency=cur),
        "net value": format_metric("cost", r["net_value"], currency=cur),
    } for _, r in ob.iterrows()])
    note = ("<p>Idle agents dial the campaign's list under its blend rule (means over "
            "replications, ± 95% half-width). Dialled = reached + not reached; records left were "
            "still on the list at the end. Agent cost: the agents' outbound hours at their team's "
            "rate (an attribution of paid time); value: reached × the campaign's value per "
            "customer reached. Inbound prevented: first contacts of the prevented channel that "
            "never arrived (already left out of the service figures above).</p>")
    return ["<h2>Outbound campaigns</h2>", note, _table(table),
            _figure_tag(plot_outbound(result), "outbound dials and the dialling teams' agents per slot")]


def comparison_report(comparison) -> str:
    """The HTML report of a :class:`~staffsim.results.ComparisonResult`."""
    base = comparison.baseline
    cur = base.scenario.spec.costs.currency
    d = comparison.differences
    shown = d[d["metric"].isin(["service_level", "asa_s", "abandon_rate", "occupancy",
                                "paid_agent_hours", "cost"])]
    mixed = comparison_mixes_thresholds(comparison)
    channel = shown["channel"].where(shown["channel"] != "all", MIX_LABEL) if mixed else shown["channel"]
    def cells(m: str, base: float, value: float, diff: float, ci: float) -> list[str]:
        if m == "asa_s":  # waits in s, min or h by their size (an email's 4,332 s reads 72.2 min)
            unit = _wait_scale(base, value)
            change = (_wait(diff, unit, sign=True, ci=ci) if math.isfinite(diff) and math.isfinite(ci)
                      else "n/a")
            return [_wait(base, unit), _wait(value, unit), change]
        return [format_metric(m, base, currency=cur), format_metric(m, value, currency=cur),
                format_change(m, diff, ci, currency=cur)]

    texts = [cells(*row) for row in zip(shown["metric"], shown["baseline"], shown["value"],
                                         shown["difference"], shown["ci"])]
    table = pd.DataFrame({
        "variant": shown["variant"], "channel": channel,
        "metric": shown["metric"].map(_METRIC_NAMES),
        "baseline": [c[0] for c in texts],
        "variant value": [c[1] for c in texts],
        "change": [c[2] for c in texts],
    })
    title = f"{comparison.baseline_label} vs {', '.join(comparison.variants)}"
    body = [
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{count_of(base.replications, "replication")} of '
        f"{period_article(base.scenario.spec.horizon.days)} per scenario on the same customers "
        f"(seed {base.seed}), staffsim {_esc(base.version)}"
        f"{'' if comparison.complete else ' (interrupted: partial)'}</p>",
        *[f'<p class="headline">{_esc(comparison.headline(v))}</p>' for v in comparison.variants],
        _figure_tag(plot_comparison(comparison), "changes against the baseline"),
        "<h2>Changes per channel</h2>", _table(table),
        *([(f'<p class="meta">{MIX_LABEL}: the channels\' service levels have different thresholds; '
            "the pooled service level and ASA mix them and meet no single target: read the "
            "channels.</p>")] if mixed else []),
        "<h2>Each scenario</h2>",
    ]
    for label, res in comparison.results.items():
        body += [f"<h3>{_esc(label)}: {_esc(res.scenario.name)}</h3>",
                 _table(_kpi_table(res.scenario, res.summary(), cur))]
    return _page(title, body, base.scenario.spec.horizon.slot)


# --- capacity reports (long-range FTE and hiring) ---------------------------------------------

_CAPACITY_GLOSSARY = [
    ("FTE", "full-time equivalent: the plan's fte_hours paid hours a week"),
    ("required FTE", "agent hours on the phones the week needs ÷ fte_hours (net of shrinkage)"),
    ("available FTE", "Σ people × FTE × productivity (0 in training, the ramp after it, then 1) × "
                      "(1 − the week's shrinkage): FTE on the phones"),
    ("gap", "available − required FTE; negative is short"),
    ("overtime", "fills a shortfall up to the team's limit (a share of available FTE)"),
    ("leavers", "people on the payroll in a week who leave at its end (trainees too), at the "
                "weekly attrition rate for their tenure"),
    ("bands", "10th to 90th percentile over the Monte Carlo paths (binomial leavers, volume growth "
              "and weekly noise)"),
    ("short weeks (p > 10%)", "weeks in which more than 1 path in 10 is short even with overtime"),
    ("service level", "the week's slots staffed at (available + overtime) ÷ required times the "
                      "Erlang plan, volume-weighted (teams with forecast demand)"),
]


def _capacity_page(title: str, body: list[str]) -> str:
    glossary = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in _CAPACITY_GLOSSARY)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}'
            f"</title><style>{_CSS}</style></head><body>\n" + "\n".join(body)
            + f"\n<h2>What the figures mean</h2><dl>{glossary}</dl>\n</body></html>\n")


def _capacity_summary_text(summary: pd.DataFrame, currency: str) -> pd.DataFrame:
    def sl(v: float) -> str:
        return format_metric("service_level", v) if math.isfinite(v) else "-"

    return pd.DataFrame({
        "plan": summary["plan"], "team": summary["team"],
        "required FTE (mean / peak)": [f"{a:,.1f} / {b:,.1f}" for a, b in
                                       zip(summary["required_fte_mean"], summary["required_fte_peak"])],
        "available FTE (mean)": summary["available_fte_mean"].map(lambda v: f"{v:,.1f}"),
        "weeks short (before / after overtime)": [f"{a} / {b}" for a, b in
                                                  zip(summary["weeks_gap"], summary["weeks_short"])],
        "worst gap": [f"{g:+,.1f} FTE (week {w})" for g, w in
                      zip(summary["worst_gap_fte"], summary["worst_week"])],
        "service level (mean / worst week)": [f"{sl(a)} / {sl(b)}" for a, b in
                                              zip(summary["service_level_mean"],
                                                  summary["service_level_min"])],
        "people (start → end)": [f"{a:,.0f} → {b:,.1f}" for a, b in
                                 zip(summary["headcount_start"], summary["headcount_end"])],
        "leavers": summary["leavers"].map(lambda v: f"{v:,.1f}"),
        "hires": summary["hires"].map(lambda v: f"{v:,.0f}"),
        "payroll + overtime + hiring": [
            format_metric("cost", a + b + c, currency=currency)
            for a, b, c in zip(summary["payroll_cost"], summary["overtime_cost"], summary["hiring_cost"])],
        "weeks p(short) > 10%": summary["weeks_p_short_over_10pct"].map(
            lambda v: "-" if not math.isfinite(v) else f"{v:.0f}"),
    })


def capacity_report(result) -> str:
    """The HTML report of a :class:`~staffsim.capacity.CapacityResult`."""
    from staffsim.capacity.plots import plot_capacity

    spec = result.spec
    mc = (f", {result.paths} Monte Carlo paths (seed {result.seed})" if result.paths else "")
    body = [
        f"<h1>{_esc(spec.name)}</h1>",
        f'<p class="meta">{_esc(spec.description)}</p>' if spec.description else "",
        f'<p class="meta">{spec.weeks} weeks from {spec.start_date}, 1 FTE = {spec.fte_hours:g} '
        f"paid hours a week{mc}, staffsim {_esc(result.version)}"
        f"{f' - {_esc(result.source)}' if result.source else ''}</p>",
        *[f'<p class="headline">{_esc(h)}</p>' for h in result.headlines()],
        _figure_tag(plot_capacity(result), "required vs available FTE per team and week"),
        "<h2>The year per team</h2>", _table(_capacity_summary_text(result.summary(), spec.currency)),
    ]
    if result.classes is not None and not result.classes.empty:
        cl = result.classes
        body += ["<h2>Recommended hiring classes</h2>", _table(pd.DataFrame({
            "team": cl["team"], "start week": cl["week"], "start date": cl["date"],
            "people": cl["size"], "on the phones from week": cl["on_phones_week"],
            "fully productive from week": cl["fully_productive_week"],
            "hiring cost": [format_metric("cost", v, currency=spec.currency) for v in cl["hiring_cost"]],
        }))]
        if result.solver and result.solver.get("mip_gap"):
            body.append(f'<p class="meta">Hiring plan: mixed-integer program (HiGHS), within '
                        f"{result.solver['mip_gap']:.3%} of the cheapest plan.</p>")
    weekly = result.recommended if result.recommended is not None else result.weekly
    months = weekly[weekly["week"] % 4 == 1]
    body += [f"<h2>Every fourth week{' with the recommended hiring' if result.recommended is not None else ''}</h2>",
             _table(pd.DataFrame({
                 "week": months["week"], "date": months["date"], "team": months["team"],
                 "required FTE": months["required_fte"].map(lambda v: f"{v:,.1f}"),
                 "people": months["headcount"].map(lambda v: f"{v:,.1f}"),
                 "in training": months["in_training"].map(lambda v: f"{v:,.1f}"),
                 "available FTE": months["available_fte"].map(lambda v: f"{v:,.1f}"),
                 "gap": months["gap_fte"].map(lambda v: f"{v:+,.1f}"),
                 "service level": months["service_level"].map(
                     lambda v: format_metric("service_level", v) if math.isfinite(v) else "-"),
             }))]
    return _capacity_page(spec.name, body)


def capacity_comparison_report(comparison) -> str:
    """The HTML report of a :class:`~staffsim.capacity.compare.CapacityComparison`."""
    from staffsim.capacity.plots import plot_capacity_comparison

    title = f"{comparison.baseline_label} vs {', '.join(comparison.variants)}"
    body = [f"<h1>{_esc(title)}</h1>",
            '<p class="meta">Expected weekly tables of each plan, variant − baseline.</p>',
            *[f'<p class="headline">{_esc(comparison.headline(v))}</p>' for v in comparison.variants],
            _figure_tag(plot_capacity_comparison(comparison), "each plan's required and available FTE")]
    for label, res in comparison.results.items():
        body += [f"<h2>{_esc(label)}: {_esc(res.spec.name)}</h2>",
                 _table(_capacity_summary_text(res.summary(), res.spec.currency))]
    return _capacity_page(title, body)

# --- end capacity reports ---------------------------------------------------------------------
