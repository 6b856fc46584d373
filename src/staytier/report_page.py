"""The program report as one self-contained HTML page with inline SVG charts.

No script, stylesheet, font or image is fetched: the page is a file finance can mail or
archive and open anywhere. Rendering is pure: a :class:`services.insight.ProgramReport` in,
a string out.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from staytier.services.insight import ProgramReport

WIDTH, HEIGHT, PAD, LEGEND = 840, 240, 40, 200  # the legend sits right of the plot
COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"]


def _scale(values: Sequence[float]) -> float:
    top = max([abs(v) for v in values] + [1.0])
    return (HEIGHT - 2 * PAD) / top


def bar_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> str:
    """Grouped bars: one group per label, one bar per series, with a legend."""
    every = [v for values in series.values() for v in values]
    scale = _scale(every)
    group = (WIDTH - PAD - LEGEND) / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    base = HEIGHT - PAD
    parts = [_frame(title)]
    for i, label in enumerate(labels):
        x0 = PAD + i * group + group * 0.1
        for j, values in enumerate(series.values()):
            height = max(values[i], 0) * scale
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{base - height:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                f"<title>{escape(label)}: {values[i]:,.2f}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{base + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(_legend(list(series)))
    return _svg(parts)


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> str:
    """Lines over the labels, each series scaled to its own height (the legend gives the
    last value), so a rate and an amount can share one chart."""
    parts = [_frame(title)]
    step = (WIDTH - PAD - LEGEND - 20) / max(len(labels) - 1, 1)
    for j, values in enumerate(series.values()):
        scale = _scale(values)
        points = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - v * scale:.1f}" for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{COLOURS[j % len(COLOURS)]}" '
            'stroke-width="2"/>'
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{PAD + i * step:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    last = [f"{name} ({values[-1]:,.2f})" if values else name for name, values in series.items()]
    parts.append(_legend(last))
    return _svg(parts)


def _frame(title: str) -> str:
    return (
        f'<text x="{PAD}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - LEGEND}" y2="{HEIGHT - PAD}" '
        'stroke="#999"/>'
    )


def _legend(names: Sequence[str]) -> str:
    return "".join(
        f'<rect x="{WIDTH - 190}" y="{28 + 14 * j}" width="10" height="10" '
        f'fill="{COLOURS[j % len(COLOURS)]}"/><text x="{WIDTH - 175}" y="{37 + 14 * j}" '
        f'font-size="10">{escape(name)}</text>'
        for j, name in enumerate(names)
    )


def _svg(parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    )


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _headline(report: ProgramReport) -> list[tuple[str, str]]:
    return [
        ("Members", f"{report.members:,}"),
        ("Active rate", f"{report.active_rate:.1%}"),
        ("Points outstanding", f"{report.outstanding:,}"),
        ("Breakage rate", f"{report.breakage.rate:.1%} ({report.breakage.method})"),
        ("Liability", f"{_money(report.liability)} {report.currency}"),
        ("Member revenue", f"{_money(report.total('member_revenue'))} {report.currency}"),
    ]


def _charts(report: ProgramReport) -> list[str]:
    tiers = [line.code for line in report.tiers]
    months = [month.month.strftime("%Y-%m") for month in report.months]
    return [
        bar_chart(
            "Members by tier at the period end, and their movements",
            tiers,
            {
                "members": [line.members for line in report.tiers],
                "new": [line.new_members for line in report.tiers],
                "upgraded": [line.upgraded for line in report.tiers],
                "soft-landed": [line.soft_landed for line in report.tiers],
                "lapsed": [line.lapsed for line in report.tiers],
            },
        ),
        bar_chart(
            "Points by month",
            months,
            {
                "issued": [m.issued for m in report.months],
                "redeemed": [m.redeemed for m in report.months],
                "expired": [m.expired for m in report.months],
            },
        ),
        line_chart(
            "Liability and breakage at each month end",
            months,
            {
                f"liability {report.currency}": [float(m.liability) for m in report.months],
                "breakage rate": [float(m.breakage_rate) for m in report.months],
            },
        ),
        bar_chart(
            f"Program cost against member revenue by tier ({report.currency})",
            tiers,
            {
                "member revenue": [float(line.member_revenue) for line in report.tiers],
                "program cost": [float(line.program_cost) for line in report.tiers],
            },
        ),
    ]


def _tier_rows(report: ProgramReport) -> str:
    return "".join(
        f"<tr><td>{escape(line.name)}</td><td>{line.members:,}</td><td>{line.active_rate:.1%}"
        f"</td><td>{line.new_members:,}</td><td>{line.upgraded:,}</td>"
        f"<td>{line.soft_landed:,}</td><td>{line.lapsed:,}</td>"
        f"<td>{line.qualifying_nights:,}</td><td>{line.points.issued:,}</td>"
        f"<td>{_money(line.member_revenue)}</td><td>{_money(line.program_cost)}</td>"
        f"<td>{line.cost_to_revenue:.1%}</td></tr>"
        for line in report.tiers
    )


def _cohort_rows(report: ProgramReport) -> str:
    return "".join(
        f"<tr><td>{c.cohort.month:%Y-%m}</td><td>{c.cohort.issued:,}</td>"
        f"<td>{c.cohort.redeemed:,}</td><td>{c.cohort.expired:,}</td>"
        f"<td>{c.cohort.reversed:,}</td><td>{c.cohort.outstanding:,}</td>"
        f"<td>{c.projected_breakage:.1%}</td></tr>"
        for c in report.cohorts
    )


def render(report: ProgramReport, program_name: str) -> str:
    """The page: headline figures, four charts, and the tables behind them."""
    period = report.period
    where = f" at {escape(period.property_code)}" if period.property_code else ""
    figures = "".join(f"<div><b>{escape(k)}</b><br>{escape(v)}</div>" for k, v in _headline(report))
    charts = _charts(report)
    rows, cohorts = _tier_rows(report), _cohort_rows(report)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(program_name)}: program report {period.start} to {period.end}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
.figures {{ display: flex; gap: 2em; flex-wrap: wrap; margin: 1em 0; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
svg {{ display: block; margin: 1em 0; }}
</style></head><body>
<h1>{escape(program_name)}: program report</h1>
<p>{period.start} to {period.end}{where}. Money in {escape(report.currency)}; a point is
valued at {report.value_per_point} {escape(report.currency)}. How each figure is made:
docs/insight.md.</p>
<div class="figures">{figures}</div>
{"".join(charts)}
<h2>By tier at the period end</h2>
<table><tr><th>tier</th><th>members</th><th>active</th><th>new</th><th>upgraded</th>
<th>soft-landed</th><th>lapsed</th><th>nights</th><th>points issued</th><th>revenue</th>
<th>program cost</th><th>cost / revenue</th></tr>{rows}</table>
<h2>Earn-month cohorts</h2>
<table><tr><th>earned</th><th>issued</th><th>redeemed</th><th>expired</th><th>reversed</th>
<th>outstanding</th><th>projected breakage</th></tr>{cohorts}</table>
</body></html>
"""
