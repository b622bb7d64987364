"""The executive pack: the whole report as one self-contained HTML document for a business review.

One file that opens offline (plotly.js embedded once, in the head; every chart after it only
calls it), with the charts interactive on screen and a print stylesheet that puts the
organisation on the first page and each team on a page of its own, charts whole, no widgets.
Verdicts are written in words with their symbol, so a black-and-white print reads the same.

Everything here is text and Plotly figures from the report dict and the Team page's content
(`analysis.views.team.TeamPage`); nothing is recomputed. Text from exports (team names, titles,
reasons that quote them) goes through `html.escape`; the figures' JSON is escaped by Plotly
(`<`, `>` and `/` as \\u escapes), and their labels were made literal by the Team page's views.
The app's Overview offers the pack as a download; the command line writes it with
`report --format html`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from . import metrics
from .headline import organisation_headline, team_headline
from .metrics.base import INSUFFICIENT_REASONS
from .settings import Settings
from .views.common import VERDICT_BADGES
from .views.overview import interval_label, settings_caption, verdict_grid
from .views.team import ROLLING_RATE, TeamPage, team_page

# Printed page (A4 is the narrower, Letter the shorter): 190 mm wide and 259 mm tall inside 10 mm
# margins, about 718 x 979 CSS pixels. A chart and its facts share a row; three rows, a team's
# headline and its caveats fill one page.
CHART_WIDTH = 390
CHART_HEIGHT = 190
GRID_SHOWN = ("team", "metric", "verdict", "before → after", "n before → after", "judged", "change")
VERDICT_CLASSES = {
    "improved": "improved",
    "worsened": "worsened",
    "no clear change": "unclear",
    "insufficient data": "insufficient",
}
CHART_CONFIG = {"displayModeBar": False, "responsive": False, "displaylogo": False}

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 1.4; color: #111; background: #fff; margin: 0; }
main { max-width: 760px; margin: 0 auto; padding: 24px 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 18px 0 6px; }
h3 { font-size: 14px; margin: 0 0 4px; }
p, ul { margin: 4px 0; }
ul { padding-left: 18px; }
.meta { color: #333; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #eee; }
.grid { font-size: 12px; }
.verdict { font-weight: 600; border: 1px solid; border-radius: 3px; padding: 0 3px; -webkit-box-decoration-break: clone;
  box-decoration-break: clone; }
.improved { color: #0072B2; }
.worsened { color: #D55E00; }
.unclear, .insufficient { color: #333; }
.insufficient { font-style: italic; }
.team { border-top: 2px solid #333; margin-top: 28px; padding-top: 4px; }
.metric { display: flex; gap: 8px; margin: 10px 0; break-inside: avoid; page-break-inside: avoid; }
.chart { flex: 0 0 CHART_WIDTHpx; break-inside: avoid; }
.key { font-size: 11px; color: #333; margin: 0; }
.facts { flex: 1 1 auto; min-width: 0; font-size: 12px; }
.facts table { font-size: 11.5px; margin: 3px 0; }
.facts ul { padding-left: 14px; }
.caveats { font-size: 12px; }
@page { margin: 10mm; }
@media print {
  body { font-size: 9pt; line-height: 1.25; }
  main { max-width: none; padding: 0; zoom: 0.94; } /* a team's page fits A4 and Letter alike */
  h1 { font-size: 16pt; }
  h2 { font-size: 12.5pt; margin: 6px 0 3px; }
  h3 { font-size: 9pt; margin: 0 0 2px; }
  .team { break-before: page; page-break-before: always; border-top: none; margin-top: 0; padding-top: 0; }
  .organisation { font-size: 8pt; }
  .grid { font-size: 7pt; line-height: 1.15; }
  .grid tr, .chart, .metric { break-inside: avoid; page-break-inside: avoid; }
  .metric { margin: 4px 0; }
  .headline { font-size: 7.5pt; line-height: 1.2; }
  .facts, .team-meta, .key { font-size: 7pt; line-height: 1.2; }
  .caveats { font-size: 6.5pt; line-height: 1.15; }
  .caveats ul { columns: 3; column-gap: 12px; }
  .facts table { font-size: 7pt; }
  th, td { padding: 0 3px; }
  .modebar-container, .screen-only { display: none !important; }
  .verdict { color: #000 !important; }
}
""".replace("CHART_WIDTH", str(CHART_WIDTH)).replace("CHART_HEIGHT", str(CHART_HEIGHT))


def escape(text) -> str:
    """Export text (or any text) as HTML text: markup in it shows as characters."""
    return html.escape(str(text), quote=True)


def headline_lines(
    report: dict, team: str | None = None, adjusted: bool = True, confidence: float = Settings.confidence
) -> list[str]:
    """The pack's headline in plain sentences (not escaped): the Overview's organisation headline
    when `team` is None, else the Team page's."""
    if team is None:
        return organisation_headline(report, adjusted, confidence)
    return team_headline(report, team, adjusted, confidence)


def team_pages(con, settings: Settings, report: dict) -> dict[str, TeamPage]:
    """Every team's Team page content, from the report the pack shows."""
    return {entry["team"]: team_page(con, settings, entry, report=report) for entry in report["teams"]}


def build_pack(con, settings: Settings, report: dict, adjusted: bool = True) -> str:
    """The executive pack of `report` (computed from `con` with `settings`)."""
    return executive_pack(report, team_pages(con, settings, report), adjusted, settings.confidence)


def executive_pack(
    report: dict, pages: Mapping[str, TeamPage], adjusted: bool = True, confidence: float = Settings.confidence
) -> str:
    """One self-contained HTML document: the organisation's page, then one section per team
    (`pages` holds each team's Team page content, by team name)."""
    sections = [organisation_section(report, adjusted, confidence)]
    sections += [
        team_section(index, entry, pages[entry["team"]], report, adjusted, confidence)
        for index, entry in enumerate(report["teams"])
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Threadline executive pack</title>\n"
        f"<style>{STYLE}</style>\n"
        # plotly.js once, before any chart: each chart's own script only calls Plotly.newPlot.
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>\n'
        "</head>\n<body>\n<main>\n" + "\n".join(sections) + "\n</main>\n</body>\n</html>\n"
    )


def organisation_section(report: dict, adjusted: bool, confidence: float) -> str:
    span = report.get("data_span") or {}
    first, last = span.get("first_day"), span.get("last_day")
    data_span = f"Data from {first} to {last}." if first and last else "No dated data."
    badges = (
        f"Verdicts on p-values adjusted for multiple comparisons (Benjamini-Hochberg across "
        f"{report.get('adjusted_comparisons') or 0} p-values of all teams and metrics)."
        if adjusted
        else "Verdicts on unadjusted p-values."
    )
    parts = [
        '<section class="organisation">',
        "<h1>Threadline executive pack</h1>",
        f'<p class="meta">{escape(data_span)} {escape(settings_caption(report))} {escape(badges)}</p>',
        "<h2>Headline</h2>",
        html_list(headline_lines(report, None, adjusted, confidence)),
    ]
    if report["teams"]:
        parts += [
            "<h2>Verdicts</h2>",
            grid_table(report, adjusted, confidence),
            f'<p class="meta">n = release days, commitments or waiting items, before → after. Change = the '
            f"decision the verdict comes from with its {escape(interval_label(confidence))} and p-value. "
            "▲ improved · ▼ worsened · ● no clear change · ○ insufficient data.</p>",
        ]
    parts.append("</section>")
    return "\n".join(parts)


def grid_table(report: dict, adjusted: bool, confidence: float) -> str:
    """The Overview's verdict grid as a plain table: every row with its n and verdict in words."""
    grid = verdict_grid(report, adjusted=adjusted, confidence=confidence)
    head = "".join(f"<th>{escape(column)}</th>" for column in GRID_SHOWN)
    rows = []
    for row in grid.to_dict("records"):
        cells = []
        for column in GRID_SHOWN:
            if column == "verdict":
                cells.append(f"<td>{verdict_span(row[column])}</td>")
            elif column == "team" and row["comparison"]:
                cells.append(f"<td>{escape(row[column])} (comparison)</td>")
            else:
                cells.append(f"<td>{escape(row[column])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="grid">\n<thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>"


def verdict_span(badge: str) -> str:
    """A badge's words and symbol, coloured by the verdict it starts with (and bordered, so it
    stands out in black and white too)."""
    verdict = next((v for v, (text, _) in VERDICT_BADGES.items() if badge.startswith(text)), "no clear change")
    return f'<span class="verdict {VERDICT_CLASSES[verdict]}">{escape(badge)}</span>'


def team_section(index: int, entry: dict, page: TeamPage, report: dict, adjusted: bool, confidence: float) -> str:
    team = entry["team"]
    parts = [
        f'<section class="team" id="team-{index + 1}">',
        f"<h2>{escape(team)}</h2>",
        f'<p class="team-meta">{escape(page.context)} {escape(page.windows)}</p>',
        html_list(headline_lines(report, team, adjusted, confidence), css_class="headline"),
    ]
    for section in page.sections:
        badge, _ = section.badge(adjusted)
        parts += [
            '<div class="metric">',
            f'<div class="chart">{chart_html(section.figure, f"chart-{index + 1}-{section.metric}")}',
            f'<p class="key">{escape(chart_key(section.figure))}</p></div>',
            '<div class="facts">',
            f"<h3>{escape(section.label)}: {verdict_span(badge)}</h3>",
            numbers_table(section.numbers),
            html_list([*section.decision, section.effect]),
            "</div>",
            "</div>",
        ]
    parts += ['<div class="caveats">', "<h3>Caveats</h3>", html_list(caveats(entry, page)), "</div>", "</section>"]
    return "\n".join(parts)


def caveats(entry: dict, page: TeamPage) -> list[str]:
    """The Team page's data-quality notes, less those its metrics' reasons above already say
    word for word (why a metric has insufficient data, a missing input that is also a reason):
    a team without data would otherwise spill over a second printed page."""
    said = set()
    for metric in metrics.registered():
        m = entry["metrics"][metric.name]
        reasons = [reason["text"] for reason in m["decision"]["reasons"]]
        if m["verdict"] == "insufficient data":
            why = [r["text"] for r in m["decision"]["reasons"] if r["code"] in INSUFFICIENT_REASONS]
            said.add(f"{metric.label}: insufficient data: " + " ".join(why))
        missing = m.get("no_data_reason")
        if missing and missing["text"] in reasons:
            said.add(f"{metric.label}: {missing['text']}.")
    return [note for note in page.quality_notes if note not in said]


def numbers_table(numbers) -> str:
    """The numbers behind a chart (measure, before, after), n among them."""
    head = "".join(f"<th>{escape(column)}</th>" for column in numbers.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>"
        for row in numbers.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_list(lines: list[str], css_class: str | None = None) -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<ul{attribute}>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def chart_key(figure: go.Figure) -> str:
    """The chart's legend as one line of text: its named traces, in order, each once."""
    names = [trace.name for trace in figure.data if trace.name and trace.showlegend is not False]
    return " · ".join(dict.fromkeys(names))


def shown_figure(figure: go.Figure) -> go.Figure:
    """A copy of a Team page figure without what only the app's drill-down reads (a pack has
    none): a distribution bar's item keys (a large team's are megabytes), and the see-through
    points a click selects (the rolling rate's, which then answers the pointer through its own
    line again, and those along a window's level, which is its two ends)."""
    shown = go.Figure(figure)
    shown.update_traces(customdata=None, selector={"type": "histogram"})
    pointer = next((t.hovertemplate for t in shown.data if t.meta == ROLLING_RATE), None)
    traces = []
    for trace in shown.data:
        if trace.meta == ROLLING_RATE:
            continue
        if trace.type == "scatter" and trace.legendgroup == ROLLING_RATE:
            trace.update(hoverinfo=None, hovertemplate=pointer)
        elif trace.type == "scatter" and trace.mode == "lines+markers" and trace.marker.size == 0:
            trace.update(x=[trace.x[0], trace.x[-1]], y=[trace.y[0], trace.y[-1]], mode="lines", marker=None)
        traces.append(trace)
    shown.data = traces
    return shown


def chart_html(figure: go.Figure, div_id: str) -> str:
    """The Team page's figure at a fixed size that fits a printed page, without plotly.js (the
    document's head holds it once). A copy: the Team page's own figure is shared and cached."""
    shown = shown_figure(figure)
    shown.update_layout(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        autosize=False,
        font={"size": 9},
        margin={"l": 40, "r": 8, "t": 18, "b": 8},
        showlegend=False,  # chart_key writes it as one line under the chart: the plot keeps the room
    )
    return pio.to_html(
        shown,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=CHART_CONFIG,
        default_width=f"{CHART_WIDTH}px",
        default_height=f"{CHART_HEIGHT}px",
    )
