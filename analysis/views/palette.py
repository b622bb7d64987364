"""Every colour the charts draw with, in one place.

A chart is read on Streamlit's light background (#ffffff) or its dark one (#0e1117), whichever
the visitor's system asks for, so every line, marker and outline here has at least 3:1 contrast
(WCAG 2.x, non-text graphics) against both: its relative luminance lies between 0.117 and 0.30.
Black or a light grey would vanish on one of them. The hues are Okabe & Ito's (2008), safe for
the common colour-vision deficiencies; those too light for a white page (orange, reddish purple,
grey) are darkened to mid luminance with their hue kept. tests/test_palette.py reads every colour
of every figure the pages draw and checks the ratio against both backgrounds;
tests/test_look_browser.py checks these colours against the background the browser really paints
(Streamlit 1.67's dark page is #171614, a little lighter than #0e1117).

Text in the charts (axes, legends, annotations) sets no colour: Streamlit's chart theme gives it
the page's own text colour, light or dark.
"""

from __future__ import annotations

LIGHT_BACKGROUND = "#FFFFFF"  # Streamlit's light theme
DARK_BACKGROUND = "#0E1117"  # Streamlit's dark theme
MINIMUM_CONTRAST = 3.0  # WCAG 2.x 1.4.11, non-text contrast of graphical objects

# Okabe & Ito (2008) as published: the verdict badges' cell colours (their text colour is chosen
# per cell, black or white, so they need no mid luminance).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}

# Chart colours: contrast with white / with #0e1117 in the comments.
BLUE = OKABE_ITO["blue"]  # 5.2 / 3.6
VERMILLION = OKABE_ITO["vermillion"]  # 3.9 / 4.9
GREEN = OKABE_ITO["green"]  # 3.4 / 5.5
ORANGE = "#A17000"  # Okabe-Ito orange darkened: 4.4 / 4.4
PURPLE = "#BE538E"  # Okabe-Ito reddish purple darkened: 4.4 / 4.3
GREY = "#808080"  # 4.0 / 4.8

BEFORE = GREY
AFTER = BLUE
PERIOD_COLOURS = {"before": BEFORE, "after": AFTER}
OUTSIDE = GREY  # items resolved outside both windows: drawn as open markers, apart from "before"
REORG = VERMILLION  # the reorg (or comparison) date: its line and the timeline's markers
RELEASE = ORANGE  # a release day's tick
ROLLING_RATE = PURPLE  # release days in the last 30 days
ON_TIME = GREEN  # the on-time tolerance band
ESTIMATE = PURPLE  # the event study's points and band: apart from the blue "after" shading

# Translucent fills behind lines of the colours above (a window's shading, an interval band): an
# area, not a mark; the line or the points in front of it carry the contrast.
WINDOW_SHADE_OPACITY = 0.12
BAND_OPACITY = 0.15  # the on-time band
INTERVAL_OPACITY = 0.28  # the event study's interval band: still seen on the dark page
HISTOGRAM_OPACITY = 0.6  # the bars' outlines are opaque


def translucent(colour: str, opacity: float) -> str:
    """'#0072B2', 0.18 -> 'rgba(0, 114, 178, 0.18)'."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {opacity:g})"
