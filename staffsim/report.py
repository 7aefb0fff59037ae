"""Tables for people and files that are never half-written.

- :func:`format_table`: a DataFrame as aligned text, shares shown as percentages and times in
  seconds with one decimal.
- :func:`write_text` / :func:`write_frame`: write to a temporary file in the target directory and
  rename it into place, so an existing output is replaced whole or not at all.
- :func:`to_jsonable`: DataFrames and numpy values as plain JSON; an infinite value (ASA in
  overload) is written as the string ``"inf"`` because JSON has no infinity.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# columns shown as percentages in text tables
_SHARE_COLUMNS = {
    "service_level",
    "service_level_answered",
    "p_wait",
    "p_abandon",
    "abandon_rate",
    "occupancy",
    "deflection",
}


def format_table(df: pd.DataFrame, *, index: bool = False) -> str:
    """Aligned text for a terminal."""
    if df.empty:
        return "(no rows)"
    shown = pd.DataFrame(index=df.index)
    for col in df.columns:
        values = df[col]
        base = str(col).removesuffix("_ci")
        if pd.api.types.is_bool_dtype(values):
            shown[col] = values.map(str)
        elif pd.api.types.is_integer_dtype(values):
            shown[col] = values.map(lambda v: f"{v:,d}")
        elif pd.api.types.is_float_dtype(values):
            prefix = "±" if str(col).endswith("_ci") else ""
            pct = base in _SHARE_COLUMNS
            shown[col] = values.map(lambda v, p=prefix, q=pct: _fmt(v, p, pct=q))
        else:
            shown[col] = values.map(str)
    return shown.to_string(index=index)


_METRIC_UNITS = {
    "service_level": ("%", "pp"),
    "abandon_rate": ("%", "pp"),
    "occupancy": ("%", "pp"),
    "p_wait": ("%", "pp"),
    "asa_s": ("s", "s"),
    "mean_wait_s": ("s", "s"),
    "paid_agent_hours": ("h", "h"),
}


def _magnitude(metric: str, value: float, change: bool, currency: str) -> tuple[str, str]:
    """(|value| as text, unit) for a metric: shares in % (changes in percentage points)."""
    unit = _METRIC_UNITS.get(metric)
    v = abs(value)
    if unit and unit[0] == "%":
        return f"{100 * v:.1f}", "pp" if change else "%"
    if unit:
        return f"{v:,.1f}", unit[1]
    if "cost" in metric:
        return f"{v:,.0f}", currency
    return f"{v:,.1f}", ""


def _join(number: str, unit: str) -> str:
    return number + unit if unit == "%" else f"{number} {unit}".rstrip()


def format_metric(metric: str, value: float, *, difference: bool = False, ci: bool = False,
                  currency: str = "") -> str:
    """A value of a named metric for people: shares as % (differences in percentage points),
    seconds, hours, money with thousands separators."""
    if value is None or not math.isfinite(value):
        return "-" if value is None or math.isnan(value) else ("inf" if value > 0 else "-inf")
    number, unit = _magnitude(metric, value, difference or ci, currency)
    if ci:
        sign = "±"
    elif difference:
        sign = _sign(number, value)
    else:
        sign = "-" if value < 0 else ""
    return _join(sign + number, unit)


def format_change(metric: str, difference: float, ci: float, *, currency: str = "") -> str:
    """A change with its half-width for people: ``−2.3 ± 0.5 pp``, ``+7.8 ± 1.6 s``,
    ``−1,811 ± 79 EUR``."""
    if not (math.isfinite(difference) and math.isfinite(ci)):
        return "n/a"
    number, unit = _magnitude(metric, difference, True, currency)
    half, _ = _magnitude(metric, ci, True, currency)
    return _join(f"{_sign(number, difference)}{number} ± {half}", unit)


def _sign(number: str, value: float) -> str:
    """+ or − for a change; none when it rounds to zero (no "−0")."""
    if not any(ch in "123456789" for ch in number):
        return ""
    return "+" if value >= 0 else "\u2212"


def format_differences(df: pd.DataFrame, currency: str = "") -> str:
    """A comparison's tidy differences as readable text (units per metric)."""
    shown = pd.DataFrame({
        "variant": df["variant"], "channel": df["channel"], "metric": df["metric"],
        "baseline": [format_metric(m, v, currency=currency) for m, v in zip(df["metric"], df["baseline"])],
        "variant_value": [format_metric(m, v, currency=currency) for m, v in zip(df["metric"], df["value"])],
        "difference": [format_metric(m, v, difference=True, currency=currency)
                       for m, v in zip(df["metric"], df["difference"])],
        "ci": [format_metric(m, v, ci=True, currency=currency) for m, v in zip(df["metric"], df["ci"])],
    })
    return shown.to_string(index=False)


def _fmt(v: float, prefix: str = "", pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if pct:
        return f"{prefix}{100 * v:.1f}%"
    if abs(v) >= 1000:
        return f"{prefix}{v:,.0f}"
    return f"{prefix}{v:.2f}" if abs(v) < 100 else f"{prefix}{v:.1f}"


def to_jsonable(value: Any) -> Any:
    """Plain-JSON form of results: DataFrames as lists of records, inf as "inf", NaN as null."""
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, (pd.Timestamp, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, allow_nan=False) + "\n"


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same directory, then rename)."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; outputs are ordinary ones
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def frame_to_csv(df: pd.DataFrame) -> str:
    """CSV text with full precision; infinities written as ``inf``."""
    return df.to_csv(index=False, float_format="%.10g")


def write_frame(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV (or JSON records for a ``.json`` path) atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return write_text(path, dumps(df))
    return write_text(path, frame_to_csv(df))


def write_parquet(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet atomically (needs the optional pyarrow: staffsim[parquet])."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        from staffsim.errors import InputError

        raise InputError("Parquet output needs pyarrow: pip install 'staffsim[parquet]'") from None
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return write_bytes(path, buf.getvalue())


def write_tables(directory: str | Path, tables: dict[str, pd.DataFrame], *, parquet: bool = False) -> list[Path]:
    """Each table as ``<name>.csv`` (and ``<name>.parquet``), atomically."""
    directory = Path(directory)
    paths = [write_text(directory / f"{name}.csv", frame_to_csv(df)) for name, df in tables.items()]
    if parquet:
        paths += [write_parquet(directory / f"{name}.parquet", df) for name, df in tables.items()]
    return paths


# ---------------------------------------------------------------------------------------------
# A report a manager can read: one self-contained HTML file (charts embedded)
# ---------------------------------------------------------------------------------------------

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


def _kpi_table(summary: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Whole-horizon KPIs per channel as text with units and half-widths."""
    def with_ci(r: pd.Series, metric: str) -> str:
        return (f"{format_metric(metric, r[metric], currency=currency)} "
                f"{format_metric(metric, r[metric + '_ci'], ci=True, currency=currency)}")

    rows = []
    for _, r in summary.iterrows():
        rows.append({
            "channel": r["channel"],
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
    from staffsim.plots import plot_day

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
        "channel": r["channel"],
        **{label: format_metric("cost", r[col], currency=cur)
           for label, col in (("agents", "agent_cost"), ("lost (abandoned)", "abandon_cost"),
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
    from staffsim.plots import plot_comparison

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
