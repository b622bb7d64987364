"""The Overview's content (analysis.views.overview) on the demo organisation's report."""

import copy
import re
import urllib.parse
from html import escape

import pytest

from analysis import metrics
from analysis.headline import team_headline
from analysis.number_words import p_value_text
from analysis.report import METRICS, build_report
from analysis.report_format import decision_text, effect_text
from analysis.settings import Settings
from analysis.views import common
from analysis.views import overview as view
from analysis.views.common import (
    METRIC_LABELS,
    OKABE_ITO,
    PERIOD_COLOURS,
    VERDICT_BADGES,
)
from analysis.workspace import open_shared_store

HOSTILE_NAME = '<img src=x onerror="alert(1)"> [Pay](javascript:alert(1)) **bold** :red[x] $y$'


@pytest.fixture(scope="module")
def report():
    return build_report(open_shared_store().con, Settings())


def team_of(report, name):
    return next(team for team in report["teams"] if team["team"] == name)


def renamed(report, old, new):
    """A copy of the report with one team renamed (as if teams.csv said so)."""
    result = copy.deepcopy(report)
    team_of(result, old)["team"] = new
    return result


# ---- the verdict grid ---------------------------------------------------------------------------


def test_grid_has_one_cell_per_team_and_metric_in_report_order(report):
    grid = view.verdict_grid(report)
    assert list(grid.columns) == view.GRID_COLUMNS
    assert grid["team"].tolist() == [team["team"] for team in report["teams"] for _ in METRICS]
    assert grid["metric"].tolist() == [METRIC_LABELS[metric] for _ in report["teams"] for metric in METRICS]


def test_grid_cells_show_the_reports_values_n_intervals_and_verdicts(report):
    # Values and intervals are written by the same formatters as the command line's text report;
    # the change is the decision's, with its adjusted p-value, and the raw change stays beside it.
    grid = view.verdict_grid(report).set_index(["team", "metric"])
    for team in report["teams"]:
        for metric in METRICS:
            m, cell = team["metrics"][metric], grid.loc[(team["team"], METRIC_LABELS[metric])]
            decision = m["decision"]
            assert cell["comparison"] == (team["reorg_date"] is None)
            assert cell["before → after"] == metrics.get(metric).values_text(m["before"]["value"], m["after"]["value"])
            assert cell["raw change"] == effect_text(metric, {**m["effect"], "p_value": None})
            expected = decision_text(metric, {**decision, "p_value": None})
            if decision["estimate"] is not None and decision["p_adjusted"] is not None:
                expected += f", {p_value_text(decision['p_adjusted'], adjusted=True)}"
            assert cell["change"] == expected
            assert cell["judged"] == (
                f"vs {decision['n_comparisons']} comparison team" + ("s" if decision["n_comparisons"] != 1 else "")
                if decision["basis"] == "did"
                else {"its": "vs own trend", "raw": "raw change", None: "-"}[decision["basis"]]
            )
            assert cell["n before → after"] == f"{m['before']['n']} → {m['after']['n']}"
            shown = common.shown_verdict(m, adjusted=True, confidence=0.95)
            assert cell["verdict"].startswith(VERDICT_BADGES[shown][0]) and cell["verdict"][0] in "▲▼●○"
            assert (shown != m["verdict"]) == ("after adjusting for" in cell["verdict"])


def test_checkout_cells_read_as_hand_formatted(report):
    # Hand-formatted from the demo report (python -m analysis report data/demo --format json):
    # release days 7 -> 24 in 180-day windows (7/180*30 = 1.17, 24/180*30 = 4.00), rate ratio
    # 24/7 = 3.429 (1.433 to 9.423), p 0.003327; on time 23/83 = 27.7% -> 59/71 = 83.1%,
    # difference +0.5539 (0.4067 to 0.6636); median wait 12.49 -> 2.776 d, -9.715 (-11.88 to -6.589).
    grid = view.verdict_grid(report).set_index(["team", "metric"])
    release = grid.loc[("Checkout", "Release frequency")]
    assert release["before → after"] == "1.17 → 4.00 release days per 30 days"
    assert release["raw change"] == "3.4 times as often (1.4 to 9.4 times)"
    assert release["judged"] == "vs 3 comparison teams"  # Billing, Catalog, Search
    accuracy = grid.loc[("Checkout", "Timeline accuracy")]
    assert accuracy["before → after"] == "28% on time → 83% on time"
    assert accuracy["raw change"] == "+55 percentage points (+41 to +66)"
    assert accuracy["n before → after"] == "83 → 71"
    wait = grid.loc[("Checkout", "Dependency wait")]
    assert wait["before → after"] == "12.5 → 2.8 days (median wait)"
    assert wait["raw change"] == "-9.7 days (-11.9 to -6.6)"
    # Decision: geometric-mean ratio 0.1855 (0.1044 to 0.3295), adjusted p 5.051e-05.
    assert wait["change"] == (
        "about a fifth as long (0.10 to 0.33 times as long) in the typical (geometric-mean) wait, adjusted p < 0.001"
    )


def test_unadjusted_grid_shows_the_decisions_own_p_values_and_verdicts(report):
    adjusted = view.verdict_grid(report).set_index(["team", "metric"])
    raw = view.verdict_grid(report, adjusted=False).set_index(["team", "metric"])
    decision = team_of(report, "Checkout")["metrics"]["release_frequency"]["decision"]
    # p 0.012 and adjusted p 0.072 in the demo's JSON, to two significant figures.
    assert raw.loc[("Checkout", "Release frequency"), "change"].endswith(", p = 0.012")
    assert adjusted.loc[("Checkout", "Release frequency"), "change"].endswith(", adjusted p = 0.072")
    assert decision["p_value"] == 0.012 and decision["p_adjusted"] == 0.072
    # Unadjusted, the badge is the JSON's verdict; values and n stay.
    for team in report["teams"]:
        for metric in METRICS:
            badge = raw.loc[(team["team"], METRIC_LABELS[metric]), "verdict"]
            assert badge == VERDICT_BADGES[team["metrics"][metric]["verdict"]][0]
    assert raw.drop(columns=["change", "verdict"]).equals(adjusted.drop(columns=["change", "verdict"]))


def test_an_adjusted_badge_says_when_the_adjustment_takes_a_verdict_back(report):
    changed = copy.deepcopy(report)
    metric = team_of(changed, "Checkout")["metrics"]["timeline_accuracy"]
    metric["verdict"], metric["decision"]["p_value"], metric["decision"]["p_adjusted"] = "improved", 0.01, 0.08
    grid = view.verdict_grid(changed).set_index(["team", "metric"])
    assert grid.loc[("Checkout", "Timeline accuracy"), "verdict"] == (
        f"● no clear change (after adjusting for {report['adjusted_comparisons']} comparisons)"
    )
    assert view.badge_style(grid.loc[("Checkout", "Timeline accuracy"), "verdict"]) == view.badge_style(
        "● no clear change"
    )
    unadjusted = view.verdict_grid(changed, adjusted=False).set_index(["team", "metric"])
    assert unadjusted.loc[("Checkout", "Timeline accuracy"), "verdict"] == "▲ improved"


def test_an_adjusted_p_value_rounded_to_zero_reads_as_below_0_001(report):
    # A p-value below what 4 significant digits of a float hold arrives as 0.
    tiny = copy.deepcopy(report)
    team_of(tiny, "Checkout")["metrics"]["timeline_accuracy"]["decision"]["p_adjusted"] = 0.0
    grid = view.verdict_grid(tiny, adjusted=True).set_index(["team", "metric"])
    assert grid.loc[("Checkout", "Timeline accuracy"), "change"].endswith(", adjusted p < 0.001")


def test_badge_colours_are_the_verdict_colours_with_readable_text():
    assert view.badge_style("▲ improved") == f"background-color: {OKABE_ITO['blue']}; color: #FFFFFF"
    assert view.badge_style("▼ worsened") == f"background-color: {OKABE_ITO['vermillion']}; color: #000000"
    assert view.badge_style("○ insufficient data").endswith("color: #000000")
    assert view.badge_style("Checkout") == ""


def test_styled_grid_colours_only_the_verdict_cells(report):
    grid = view.verdict_grid(report)
    styles = view.styled_grid(grid)._compute().ctx  # {(row, column): [(css property, value), ...]}
    verdict_column = grid.columns.get_loc("verdict")
    assert {column for _, column in styles} == {verdict_column}
    first = dict(styles[(0, verdict_column)])
    assert first["background-color"] == VERDICT_BADGES[report["teams"][0]["metrics"][METRICS[0]]["verdict"]][1]


# ---- each team in plain words -------------------------------------------------------------------


def test_each_teams_plain_words_are_its_headline_in_report_order(report):
    for adjusted in (True, False):
        shown = view.summaries(report, adjusted=adjusted)
        assert [team for team, _ in shown] == [team["team"] for team in report["teams"]]
        for team, sentences in shown:
            assert sentences == team_headline(report, team, adjusted)


def test_the_grid_has_a_header_and_a_help_text_for_every_column():
    for adjusted in (True, False):
        headers = view.grid_headers(0.9, adjusted)
        assert list(headers) == view.GRID_COLUMNS
        assert all(label and len(text) > 20 for label, text in headers.values())
        assert "90% interval" in headers["change"][0]
        assert ("Benjamini-Hochberg adjusted p-value" in headers["verdict"][1]) == adjusted


def test_team_links_carry_the_settings_and_show_the_name():
    # The link column shows what TEAM_LINK_TEXT's group cuts out of the link, URL-decoded by the
    # browser (decodeURIComponent after '+' -> '%20', Streamlit's LinkColumn).
    name = "Data & AI+ team=x"
    url = view.team_page_url(name, {"window": "90", "team": "Old", "search": "CHK", "adjusted": "false"})
    assert url.startswith("team?window=90&adjusted=false&team=")
    found = re.search(view.TEAM_LINK_TEXT, url).group(1)
    assert urllib.parse.unquote(found.replace("+", "%20")) == name


def test_the_linked_grid_replaces_only_the_team_names(report):
    grid = view.verdict_grid(report)
    linked = view.linked_grid(grid, {"window": "180"})
    assert linked.drop(columns=["team"]).equals(grid.drop(columns=["team"]))
    assert linked["team"].tolist() == [view.team_page_url(team, {"window": "180"}) for team in grid["team"]]


# ---- the timeline ---------------------------------------------------------------------------------


def test_timeline_bars_are_each_teams_windows(report):
    figure = view.timeline_figure(report)
    bars = {trace.name: trace for trace in figure.data if trace.type == "bar"}
    for period in ("before", "after"):
        trace = bars[f"{period} window"]
        assert trace.marker.color == PERIOD_COLOURS[period]
        windows = [team["windows"][period] for team in report["teams"]]
        assert list(trace.base) == [window["start"] for window in windows]
        assert list(trace.x) == [window["days"] * 86_400_000 for window in windows]
        assert list(trace.y) == [view.timeline_label(team) for team in report["teams"]]


def test_timeline_marks_reorg_dates_and_comparison_teams(report):
    markers = {trace.name: trace for trace in view.timeline_figure(report).data if trace.type == "scatter"}
    reorganised = [team for team in report["teams"] if team["reorg_date"]]
    assert list(markers["reorg date"].x) == [team["reorg_date"] for team in reorganised]
    comparison = markers["comparison date (no reorg)"]
    assert list(comparison.y) == ["Billing (comparison)", "Catalog (comparison)", "Search (comparison)"]
    assert list(comparison.x) == [report["comparison_date"]] * 3
    assert comparison.marker.symbol == "diamond-open"


# ---- links and export text -----------------------------------------------------------------------


def test_team_links_name_only_the_team():
    # The sidebar's URL-bound settings follow by themselves (checked in a real browser in
    # test_browser.py); repeating them would write each twice into the address.
    assert view.team_page_query("Data & AI") == {"team": "Data & AI"}


def test_export_text_stays_text_in_the_grid_summaries_and_timeline(report):
    hostile = renamed(report, "Checkout", HOSTILE_NAME)
    # The grid is shown with st.dataframe (never Markdown): the name is there exactly as written.
    assert HOSTILE_NAME in view.verdict_grid(hostile)["team"].tolist()
    # Sentences carry it as written (the page escapes them for Markdown).
    assert all(line.startswith(HOSTILE_NAME + "'s ") for line in dict(view.summaries(hostile))[HOSTILE_NAME])
    # Plotly reads a subset of HTML in labels and hover text: the name reaches it escaped.
    figure = view.timeline_figure(hostile)
    shown = [str(label) for trace in figure.data for label in (*trace.y, *trace.hovertext)]
    assert not any("<img" in label for label in shown)
    assert any(label.startswith("&lt;img src=x") for label in shown)


# The entities plotly.js decodes in labels, after splitting them on tags (svg_text_utils.js,
# entityToUnicode and convertEntities); any other &name; is shown as written.
PLOTLY_ENTITIES = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "times": "×", "plusmn": "±", "deg": "°"}


def as_plotly_shows(label: str) -> str:
    """The text Plotly draws for a label without tags."""
    assert "<" not in label and ">" not in label, f"{label!r} holds a tag Plotly would render"

    def entity(match):
        name = match.group(1)
        if name.startswith("#"):
            return chr(int(name[2:], 16) if name[1:2] == "x" else int(name[1:]))
        return PLOTLY_ENTITIES.get(name, match.group(0))

    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);", entity, label)


def test_a_team_name_shows_on_the_timeline_axis_as_written(report):
    # A quote showed as &quot; (Plotly does not decode it); a tag must stay text, not markup.
    name = 'A "B" <b>x</b> & &quot;\''  # short enough not to be cut on the axis
    figure = view.timeline_figure(renamed(report, "Checkout", name))
    shown = [as_plotly_shows(label) for label in figure.layout.yaxis.ticktext]
    assert name in shown


def test_markdown_literal_leaves_nothing_for_markdown_to_interpret():
    escaped = common.markdown_literal(HOSTILE_NAME)
    assert r"\[Pay\]\(javascript\:alert\(1\)\)" in escaped and r"\<img src\=x" in escaped
    assert r"\*\*bold\*\*" in escaped and r"\:red\[x\]" in escaped and r"\$y\$" in escaped
    # Every ASCII punctuation mark comes with its backslash.
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", escaped)
    # Removing the backslashes gives the name back (CommonMark renders "\x" as "x").
    assert escaped.replace("\\", "") == HOSTILE_NAME
    assert common.markdown_literal("Line\nbreak") == "Line break"


def test_long_team_names_are_cut_on_the_axis_but_never_merged(report):
    long_a, long_b = "Platform Infrastructure and Reliability A", "Platform Infrastructure and Reliability B"
    figure = view.timeline_figure(renamed(renamed(report, "Checkout", long_a), "Assist", long_b))
    axis = figure.layout.yaxis
    assert long_a in axis.tickvals and long_b in axis.tickvals  # whole names: two rows
    cut = [text for text in axis.ticktext if text.startswith("Platform")]
    assert cut == ["Platform Infrastructure and…"] * 2


def test_the_paper_grid_is_the_grid_as_escaped_text(report):
    grid = view.verdict_grid(report)
    hostile = grid.copy()
    hostile.loc[0, "team"] = '<script>alert("x")</script> & "co"'
    hostile.loc[1, "n before → after"] = None
    labels = {column: label for column, (label, _) in view.grid_headers(0.95, True).items()}
    paper = view.paper_grid(hostile, labels)
    assert "<script>" not in paper and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;co&quot;" in paper
    assert paper.count("<tr>") == len(grid) + 1  # the header row, then one per grid row
    assert "".join(f"<th>{escape(label)}</th>" for label in labels.values()) in paper
    assert paper.count("<td>yes</td>") == int(grid["comparison"].sum())
    for badge in set(grid["verdict"]):
        style = view.badge_style(badge)
        assert (f'<td style="{style}">' if style else "<td>") + escape(badge) + "</td>" in paper
    assert "None" not in paper and "nan" not in paper


def test_team_sentences_come_ten_teams_at_a_time():
    teams = {"teams": [{"team": f"T{index:02d}"} for index in range(1, 24)]}
    pages = view.summary_pages(teams)
    assert [(page.start, page.stop) for page in pages] == [(0, 10), (10, 20), (20, 30)]
    assert [len(teams["teams"][page]) for page in pages] == [10, 10, 3]
    assert view.summary_page_label(teams, pages[2]) == "Teams 21-23 of 23: T21 to T23"
    assert len(view.summary_pages({"teams": teams["teams"][:10]})) == 1
