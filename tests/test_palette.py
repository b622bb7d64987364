"""Every colour every chart draws is readable on Streamlit's light and dark backgrounds.

The figures are built on the demo organisation exactly as the pages build them (the Overview's
timeline, each Team page's metric charts and event study, the Dependencies heatmaps), and every
colour of every trace, shape and annotation is read from `figure.to_dict()`. The contrast ratio is
computed here by hand with the WCAG 2.x relative luminance formula (sRGB channels linearised,
L = 0.2126 R + 0.7152 G + 0.0722 B, ratio = (L1 + 0.05) / (L2 + 0.05)), not with the app's own
code, and must be at least 3:1 (WCAG 1.4.11, graphical objects) against #ffffff and #0e1117.

What counts as a mark: a line (of a trace, a shape or a marker's outline) with a width, a marker,
a font colour set by the figure. A colour drawn translucent is blended with the background first,
as the browser does. Area fills (a window's shading, an interval band, a bar's translucent fill
behind an opaque outline, the heatmap's cells on their white card) are not marks: the line,
outline or text in front of them is, and is checked.
"""

from __future__ import annotations

import re

import pytest

from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import dependencies, overview, palette, roster
from analysis.views import team as team_view
from analysis.workspace import open_shared_store

LIGHT, DARK = "#ffffff", "#0e1117"  # Streamlit's two backgrounds (its theme.py defaults)
MINIMUM = 3.0
NAMED = {"white": (255, 255, 255), "black": (0, 0, 0)}


def rgba(colour: str) -> tuple[tuple[float, float, float], float]:
    """'#0072B2', '#07b', 'rgb(0, 114, 178)', 'rgba(0, 114, 178, 0.2)', 'white' -> ((r, g, b), alpha)."""
    colour = colour.strip().lower()
    if colour in NAMED:
        return NAMED[colour], 1.0
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4)), 1.0
    found = re.fullmatch(r"rgba?\(([^)]*)\)", colour)
    assert found, f"a colour this test cannot read: {colour!r}"
    parts = [float(p) for p in found.group(1).split(",")]
    return tuple(parts[:3]), parts[3] if len(parts) == 4 else 1.0


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0-255 channels)."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour: str, background: str, opacity: float = 1.0) -> float:
    """The ratio of a colour drawn at `opacity` (times its own alpha) over an opaque background."""
    (rgb, alpha), (under, _) = rgba(colour), rgba(background)
    alpha *= opacity
    seen = tuple(alpha * c + (1 - alpha) * u for c, u in zip(rgb, under))
    high, low = sorted((luminance(seen), luminance(under)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_gives_the_published_ratios():
    # Known values: black on white is 21:1 (the WCAG maximum); #767676 on white is 4.54:1, the
    # lightest grey that passes 4.5:1 (WebAIM's contrast checker); a colour on itself is 1:1.
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.005)
    assert contrast("#0e1117", "#0e1117") == pytest.approx(1.0)
    # Half-transparent black over white is seen as #808080 (rounded: 127.5), 3.95:1.
    assert contrast("rgba(0, 0, 0, 0.5)", "#ffffff") == pytest.approx(contrast("#7f7f7f", "#ffffff"), abs=0.03)


def test_the_palette_constants_are_what_the_app_uses():
    assert (palette.LIGHT_BACKGROUND.lower(), palette.DARK_BACKGROUND.lower()) == (LIGHT, DARK)
    assert palette.MINIMUM_CONTRAST == MINIMUM


# ---- reading every mark of a figure -------------------------------------------------------------


def marks(figure: dict) -> list[tuple[str, str, float]]:
    """(where, colour, opacity it is drawn at) of every mark in a figure's dict."""
    found = []
    for index, trace in enumerate(figure.get("data", [])):
        where = f"trace {index} ({trace['type']} {trace.get('name')!r})"
        opacity = trace.get("opacity", 1.0)
        mode = trace.get("mode", "")
        line = trace.get("line") or {}
        if trace["type"] == "scatter" and ("lines" in mode or trace.get("fill")) and line.get("width", 2) > 0:
            assert "color" in line, f"{where}: a line without a colour of its own takes the theme's"
            found.append((f"{where} line", line["color"], opacity))
        marker = trace.get("marker") or {}
        outline = marker.get("line") or {}
        has_markers = trace["type"] in ("bar", "histogram") or "markers" in mode
        if has_markers and (marker.get("opacity") == 0 or marker.get("size") == 0):
            # See-through points a click selects along a line (Plotly selects no line alone):
            # they draw nothing, so they have no contrast to keep; their colour is the hover's.
            assert isinstance(marker.get("color"), str), f"{where}: markers without one colour of their own"
            has_markers = False
        if has_markers:
            assert isinstance(marker.get("color"), str), f"{where}: markers without one colour of their own"
            marker_opacity = opacity * marker.get("opacity", 1.0)
            open_symbol = str(marker.get("symbol", "")).endswith("-open")
            if trace["type"] in ("bar", "histogram") and outline.get("width", 0) > 0:
                # A bar's fill may be translucent (the windows overlap): its outline is the mark.
                found.append((f"{where} bar outline", outline["color"], marker_opacity))
            elif open_symbol:  # an open symbol is drawn by its outline, in the marker's colour
                found.append((f"{where} open marker", outline.get("color", marker["color"]), marker_opacity))
            else:
                found.append((f"{where} marker", marker["color"], marker_opacity))
                if outline.get("width", 0) > 0:
                    found.append((f"{where} marker outline", outline.get("color", marker["color"]), marker_opacity))
        if trace["type"] == "sankey":  # the teams' bars; a flow is a translucent area between them
            colours = (trace.get("node") or {}).get("color")
            for colour in [colours] if isinstance(colours, str) else colours or []:
                found.append((f"{where} node", colour, opacity))
        for part in ("textfont", "hoverlabel"):
            if (trace.get(part) or {}).get("color"):
                found.append((f"{where} {part}", trace[part]["color"], opacity))
    layout = figure.get("layout", {})
    for index, shape in enumerate(layout.get("shapes", [])):
        line = shape.get("line") or {}
        if line.get("width", 2) > 0:
            assert "color" in line, f"shape {index}: a line without a colour of its own"
            found.append((f"shape {index} ({shape['type']}) line", line["color"], shape.get("opacity", 1.0)))
    for index, annotation in enumerate(layout.get("annotations", [])):
        colour = (annotation.get("font") or {}).get("color")
        if colour:
            found.append((f"annotation {index} ({annotation.get('text')!r})", colour, annotation.get("opacity", 1.0)))
        if annotation.get("showarrow", True) and annotation.get("arrowcolor"):
            found.append((f"annotation {index} arrow", annotation["arrowcolor"], 1.0))
    for name, value in layout.items():
        if name == "template" or not isinstance(value, dict):
            continue
        for part in ("font", "title", "tickfont"):
            colour = ((value.get(part) or {}).get("font") or value.get(part) or {}).get("color")
            if colour:
                found.append((f"layout.{name}.{part}", colour, 1.0))
    return found


def unreadable(figure: dict) -> list[str]:
    return [
        f"{where}: {colour} at opacity {opacity:g}: {contrast(colour, background, opacity):.2f}:1 on {background}"
        for where, colour, opacity in marks(figure)
        for background in (LIGHT, DARK)
        if contrast(colour, background, opacity) < MINIMUM
    ]


def test_the_check_finds_what_vanished_before():
    """The black reorg line and the 30-day release line of the old charts fail on the dark page."""
    old = {
        "data": [{"type": "scatter", "mode": "lines", "line": {"color": "#000000", "width": 1.5}, "name": "30 days"}],
        "layout": {"shapes": [{"type": "line", "line": {"color": "#000000", "dash": "dash", "width": 1}}]},
    }
    problems = unreadable(old)
    assert len(problems) == 2 and all(DARK in problem for problem in problems), problems
    faded = {"data": [{"type": "scatter", "mode": "markers", "marker": {"color": "#0072B2", "opacity": 0.5}}]}
    assert unreadable(faded), "a half-transparent marker loses its contrast on both backgrounds"


# ---- every figure the pages draw -----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_figures() -> dict[str, dict]:
    settings = Settings()
    store = open_shared_store()
    try:
        report = build_report(store.con, settings)
        figures = {"Overview timeline": overview.timeline_figure(report)}
        for measure in dependencies.MEASURES.values():
            for choice, periods in dependencies.PERIOD_CHOICES.items():
                figures[f"Dependencies heatmap ({measure}, {choice})"] = dependencies.heatmap_figure(
                    report, periods, measure
                )
        for entry in report["teams"]:
            page = team_view.team_page(store.con, settings, entry, report=report)
            for section in page.sections:
                figures[f"{entry['team']}: {section.label}"] = section.figure
            figures[f"{entry['team']}: event study"] = page.event_study
        flows = roster.roster_flows(roster.roster_moves(store.con))
        for day in roster.people_by_date(flows):
            figures[f"Who moved where on {day}"] = roster.sankey_figure(flows, day, show_names=False)
    finally:
        store.close()
    return {name: figure.to_dict() for name, figure in figures.items()}


def test_every_team_and_every_figure_is_built(demo_figures):
    teams = {name.split(":")[0] for name in demo_figures if ": " in name}
    assert len(teams) == 6, teams  # the demo's six teams
    assert len(demo_figures) == 1 + 6 + 6 * 4 + 1  # and the demo's one reorg date's Sankey


def test_every_mark_of_every_figure_has_3_to_1_contrast_on_light_and_dark(demo_figures):
    problems = [f"{name}: {problem}" for name, figure in demo_figures.items() for problem in unreadable(figure)]
    assert not problems, "\n".join(problems)
    # The check read the figures' marks: lines, markers, shapes of each kind.
    read = [where for figure in demo_figures.values() for where, _, _ in marks(figure)]
    for kind in (" line", " marker", " open marker", " bar outline", "(line) line", " node"):
        assert any(kind in where for where in read), f"no {kind.strip()} read"


def test_no_figure_paints_its_own_page_background(demo_figures):
    """The paper stays transparent (Streamlit's theme draws the page's colour behind it), so a
    chart never shows a white block on the dark page; only the heatmap keeps a white card inside
    its axes, on which its light-to-dark colour scale reads the same in both themes."""
    for name, figure in demo_figures.items():
        layout = figure["layout"]
        assert "paper_bgcolor" not in layout, name
        if not name.startswith("Dependencies"):
            assert "plot_bgcolor" not in layout, name
