"""The Team page's data, sentences and figures (analysis/views/team.py) on the demo organisation.

Every figure is checked against what analysis/ computes through another path: the report
(build_report) for counts and medians, comparison.histories + event_study for the monthly chart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis import metrics as metrics_registry
from analysis.comparison import event_study, histories
from analysis.metrics.base import decision_verdict
from analysis.report import build_report
from analysis.settings import Settings
from analysis.store import DerivedDataOutdated, Store
from analysis.views import common
from analysis.views import team as view
from analysis.workspace import DEFAULT_DATA_DIR, open_shared_store

SETTINGS = Settings()
HOSTILE = "**Ast** <b>x</b> [go](javascript:alert(1)) :red[red] $x^2$ #h & `c` <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def demo():
    store = open_shared_store()
    report = build_report(store.con, SETTINGS)
    teams = {entry["team"]: view.load_team(store.con, SETTINGS, entry) for entry in report["teams"]}
    yield store, report, teams
    store.close()


@pytest.fixture(scope="module")
def store(demo):
    return demo[0]


@pytest.fixture(scope="module")
def report(demo):
    return demo[1]


@pytest.fixture(scope="module")
def teams(demo):
    return demo[2]


def entry(report, name):
    return next(t for t in report["teams"] if t["team"] == name)


def trace(figure, name):
    found = [t for t in figure.data if t.name == name]
    assert len(found) == 1, f"no single trace named {name!r} in {[t.name for t in figure.data]}"
    return found[0]


def histogram(figure, period):
    return next(t for t in figure.data if t.type == "histogram" and t.name.startswith(period))


def in_window(days, window):
    start, end = dt.date.fromisoformat(window["start"]), dt.date.fromisoformat(window["end"])
    return [d for d in days if start <= d < end]


# ---- the data and the figures equal what analysis/ computes -------------------------------------


def test_demo_has_reorganised_and_comparison_teams(store, report, teams):
    assert (
        view.team_names(store.con)
        == [t["team"] for t in report["teams"]]
        == ["Assist", "Checkout", "Onboarding", "Billing", "Catalog", "Search"]
    )
    assert [t.is_comparison for t in teams.values()] == [False, False, False, True, True, True]


@pytest.mark.parametrize("name", ["Checkout", "Onboarding", "Assist", "Billing"])
def test_release_timeline_counts_the_reports_release_days(store, report, teams, name):
    data, metric = teams[name], entry(report, name)["metrics"]["release_frequency"]
    figure = view.metric_figure(data, "release_frequency")
    days = [pd.Timestamp(x).date() for x in trace(figure, "release day").x]
    for period in ("before", "after"):
        assert len(in_window(days, entry(report, name)["windows"][period])) == metric[period]["n"]
        level = next(t for t in figure.data if t.name.startswith(f"{period}:"))
        assert set(level.y) == {metric[period]["value"]} and len(level.y) >= 2  # a flat segment across the window
        assert f"(n={metric[period]['n']})" in level.name
    # The whole span, through another path: the histories the report's placebo check uses.
    team_histories, _ = histories(store.con, SETTINGS)
    assert days == list(team_histories[name].metrics["release_frequency"].days)


def test_rolling_rate_counts_release_days_in_the_last_30_days(teams):
    data = teams["Checkout"]
    rate = view.rolling_release_rate(data).set_index("day")["rate"]
    days = pd.to_datetime(trace(view.metric_figure(data, "release_frequency"), "release day").x)
    day = pd.Timestamp("2026-01-15")
    # By hand: release days in [day - 29, day].
    assert rate[day] == ((days > day - pd.Timedelta(days=30)) & (days <= day)).sum()
    assert rate.iloc[:29].isna().all() and rate.iloc[29:].notna().all()


@pytest.mark.parametrize("name", ["Checkout", "Onboarding", "Assist", "Billing"])
def test_slip_distributions_match_the_report(report, teams, name):
    metric = entry(report, name)["metrics"]["timeline_accuracy"]
    figure = view.metric_figure(teams[name], "timeline_accuracy")
    for period in ("before", "after"):
        slips = np.asarray(histogram(figure, period).y, dtype=float)
        side = metric[period]
        assert len(slips) == side["n"]
        assert int((slips <= SETTINGS.tolerance_days).sum()) == side["on_time"]
        if side["n"]:
            assert np.median(slips) == pytest.approx(side["median_slip_days"])
    # Every delivered commitment of the windows appears as a point, coloured by its window.
    assert len(trace(figure, "before").y) == metric["before"]["n"]
    assert len(trace(figure, "after").y) == metric["after"]["n"]
    band = [s for s in figure.layout.shapes if s.type == "rect" and s.yref == "y"]
    assert [(s.y0, s.y1) for s in band] == [(0, SETTINGS.tolerance_days)]


@pytest.mark.parametrize("name", ["Checkout", "Onboarding", "Assist", "Billing"])
def test_wait_distributions_match_the_report(report, teams, name):
    metric = entry(report, name)["metrics"]["dependency_wait"]
    figure = view.metric_figure(teams[name], "dependency_wait")
    for period in ("before", "after"):
        waits = np.asarray(histogram(figure, period).y, dtype=float)
        assert len(waits) == metric[period]["n"]
        if len(waits):
            assert np.median(waits) == pytest.approx(metric[period]["value"], abs=1e-4)
            assert np.quantile(waits, 0.85) == pytest.approx(metric[period]["p85_wait_days"], abs=1e-4)


def test_event_study_figure_plots_comparison_event_study(store, teams):
    data = teams["Checkout"]
    team_histories, anchors = histories(store.con, SETTINGS)
    expected = event_study(team_histories["Checkout"], anchors["Checkout"], SETTINGS)
    figure = view.event_study_figure(data)
    values = [t for t in figure.data if t.name == "per 30-day period"]
    assert len(values) == 3
    for metric, plotted in zip(("release_frequency", "timeline_accuracy", "dependency_wait"), values):
        rows = expected[expected["metric"] == metric]
        np.testing.assert_allclose(np.asarray(plotted.y, dtype=float), rows["value"].to_numpy(dtype=float))
        assert list(plotted.customdata) == rows["n"].tolist()
    bands = [t for t in figure.data if t.fill == "toself"]
    assert len(bands) == 3 and all(len(b.x) for b in bands)


# ---- the reorg line and the windows -------------------------------------------------------------


@pytest.mark.parametrize("team", ["Checkout", "Billing"])
def test_event_study_anchor_label_sits_above_the_first_title_not_beside_it(teams, team):
    # On a phone the first subplot title ("Release frequency", at the left) ran into the
    # "comparison date" label at the reorg line: both sat on the line just above the top plot.
    # The label goes one line higher, inside the top margin, so no width can make them meet.
    figure = view.event_study_figure(teams[team])
    first_title = next(a for a in figure.layout.annotations if a.text == metrics_registry.registered()[0].label)
    label = next(a for a in figure.layout.annotations if a.text == view._anchor_label(teams[team]))
    assert first_title.y == label.y == 1 and first_title.yanchor == label.yanchor == "bottom"
    title_height = first_title.font.size * 1.4  # a line of text: its font size and the line spacing
    assert (label.yshift or 0) >= title_height
    assert figure.layout.margin.t >= (label.yshift or 0) + 12 * 1.4  # the label (12 px) still fits above


def figures(data):
    return {
        "release": view.metric_figure(data, "release_frequency"),
        "slip": view.metric_figure(data, "timeline_accuracy"),
        "wait": view.metric_figure(data, "dependency_wait"),
        "event study": view.event_study_figure(data),
    }


@pytest.mark.parametrize("name", ["Checkout", "Billing"])
def test_every_chart_marks_the_reorg_date_and_shades_the_windows(report, teams, name):
    team = entry(report, name)
    anchor = team["reorg_date"] or report["comparison_date"]
    label = "reorg" if team["reorg_date"] else "comparison date"
    for what, figure in figures(teams[name]).items():
        lines = [s for s in figure.layout.shapes if s.type == "line" and s.x0 == anchor and s.yref == "paper"]
        assert len(lines) == 1, what
        assert label in [a.text for a in figure.layout.annotations], what
        shaded = {(s.x0, s.x1) for s in figure.layout.shapes if s.type == "rect" and "domain" in (s.yref or "")}
        for period in ("before", "after"):
            assert (team["windows"][period]["start"], team["windows"][period]["end"]) in shaded, what


def test_comparison_team_is_said_to_be_measured_around_the_comparison_date(report, teams):
    sentence = view.context_sentence(teams["Billing"])
    assert "comparison team" in sentence and report["comparison_date"] in sentence
    # teams.csv says "sto": the model is said in words, never as the raw code.
    assert view.context_sentence(teams["Checkout"]) == (
        "Checkout reorganised on 2025-10-01 to a single-threaded owner (STO, one leader whose only job is this "
        "team's outcome)."
    )
    # The demo's three comparison teams: each is judged against the other two (leave-one-out).
    assert "with the other comparison teams' change over the same windows (Catalog, Search)" in view.did_sentence(
        teams["Billing"]
    )
    assert set(view.did_table(teams["Billing"])["judged"]) == {"against 2 comparison teams (Catalog, Search)"}
    assert set(view.did_table(teams["Checkout"])["judged"]) == {"against 3 comparison teams (Billing, Catalog, Search)"}
    # The adjusted p under its column's name, as a number, not "adjusted p = ..." again.
    assert view.did_table(teams["Checkout"])["adjusted p"].tolist() == ["0.072", "< 0.001", "< 0.001"]
    assert "relative to the change of the comparison teams (Billing, Catalog, Search)" in view.did_sentence(
        teams["Checkout"]
    )


# ---- the numbers and the sentences ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["Checkout", "Onboarding", "Assist", "Billing"])
def test_numbers_tables_show_the_reports_n_and_values(report, teams, name):
    metrics = entry(report, name)["metrics"]
    first_rows = {
        "release_frequency": "Release days (n)",
        "timeline_accuracy": "Delivered commitments (n)",
        "dependency_wait": "Items with a cross-team wait (n)",
    }
    for metric, label in first_rows.items():
        table = view.metric_numbers(teams[name], metric).set_index("measure")
        assert table.loc[label].tolist() == [str(metrics[metric]["before"]["n"]), str(metrics[metric]["after"]["n"])]
    release = view.metric_numbers(teams[name], "release_frequency").set_index("measure")
    assert release.loc["Release days per 30 days", "after"] == f"{metrics['release_frequency']['after']['value']:.2f}"


@pytest.mark.parametrize("name", ["Checkout", "Onboarding", "Assist", "Billing"])
def test_summary_sentences_carry_n_on_each_side(report, teams, name):
    for metric in view.METRICS:
        side = entry(report, name)["metrics"][metric]
        sentence = view.summary_sentence(teams[name], metric)
        assert sentence.startswith(name)
        assert re.search(rf"\b{side['before']['n']} [a-z -]+ before, {side['after']['n']} after", sentence), sentence


def test_checkout_summary_reads_like_the_spec(report, teams):
    effect = entry(report, "Checkout")["metrics"]["release_frequency"]["effect"]
    sentence = view.summary_sentence(teams["Checkout"], "release_frequency", adjusted=False)  # the verdict itself
    verdict = entry(report, "Checkout")["metrics"]["release_frequency"]["verdict"]
    # Rate ratio 24/7 = 3.429 (1.433 to 9.423) in the demo's JSON, to two significant figures.
    assert (effect["estimate"], effect["ci_low"], effect["ci_high"]) == (3.429, 1.433, 9.423)
    assert sentence.startswith(
        "Checkout now releases 3.4 times as often (95% interval 1.4 to 9.4 times, raw before/after); "
        f"verdict: {verdict}"
    )


def test_insufficient_data_says_why(store, teams):
    data = teams["Checkout"]
    metric = data.entry["metrics"]["dependency_wait"]
    verdict, reasons = decision_verdict(
        metrics_registry.get("dependency_wait"), None, (metric["before"]["n"], 2), (6, 6), SETTINGS
    )
    assert verdict == "insufficient data"
    starved = dataclasses.replace(
        data,
        entry={
            **data.entry,
            "metrics": {
                **data.entry["metrics"],
                "dependency_wait": {
                    **metric,
                    "after": {**metric["after"], "n": 2},
                    "verdict": verdict,
                    "decision": {**metric["decision"], "reasons": reasons},
                },
            },
        },
    )
    sentence = view.summary_sentence(starved, "dependency_wait")
    expected = f"{metric['before']['n']} items before and 2 after; at least 5 are needed on each side."
    assert "too few" in sentence and expected in sentence
    notes = view.data_quality_notes(starved, view.item_sources(store.con, "Checkout"))
    assert any(note.startswith(f"Dependency wait: insufficient data: {expected}") for note in notes)


def test_placebo_in_words(store, report, teams):
    # The demo's data start on 2024-08-21, 406 days before the reorg: one pretend date with two
    # full 180-day windows fits (2025-04-04, its windows 2024-10-06..2025-04-04..2025-10-01).
    checkout = entry(report, "Checkout")
    lines = view.placebo_sentences(teams["Checkout"])
    placebo = checkout["placebo"]
    assert placebo["dates"] == 1 and "1 independent comparison." in lines[0] and "180 days on each side" in lines[0]
    result = placebo["release_frequency"]
    count = round(result["share_as_large"] * result["placebo_effects"])
    assert f"Release frequency: in {count} of 1 pretend dates a raw change this large appeared." in lines
    # With 210-day windows none fits (420 days needed), and the page says so rather than shortening them.
    long = Settings(window_days=210)
    checkout = entry(build_report(store.con, long), "Checkout")
    assert view.placebo_sentences(view.load_team(store.con, long, checkout)) == [
        "No placebo check (0 comparisons): fewer than 420 days of data before the reorg (two full windows "
        "and the transition)."
    ]


def test_data_quality_notes(store, teams):
    data = teams["Checkout"]
    sources = view.item_sources(store.con, "Checkout")
    # Counted by hand from the tables.
    expected = dict(
        store.con.execute(
            "select attributed_by, count(*) from work_item_teams where team = 'Checkout' group by all"
        ).fetchall()
    )
    assert dict(zip(sources["attributed_by"], sources["items"])) == expected
    notes = view.data_quality_notes(data, sources, view.unattributed_items(store.con))
    text = "\n".join(notes)
    assert f"{sum(expected.values())} work items" in text
    assert "came with a changelog" in text
    assert "re-planned after their first due date" in text
    assert "have no team" in text


def test_waits_on_table_is_the_reports_waits_on(report, teams):
    table = view.waits_on_table(teams["Checkout"], "dependency_wait").set_index("team")
    for period in ("before", "after"):
        for side in entry(report, "Checkout")["metrics"]["dependency_wait"][period]["waits_on"]:
            assert table.loc[side["team"], f"items {period}"] == side["items"]


def test_supporting_table(report, teams):
    table = view.supporting_table(teams["Checkout"]).set_index("measure")
    assert table.loc["Throughput (items resolved)"].tolist() == [
        str(entry(report, "Checkout")["supporting"][p]["throughput"]) for p in ("before", "after")
    ]


# ---- the item and release tables ------------------------------------------------------------------


def test_items_table_lists_the_items_behind_the_numbers(store, report, teams):
    data = teams["Checkout"]
    items, matching = view.items_table(store.con, data)
    supporting = entry(report, "Checkout")["supporting"]
    assert matching == len(items) == supporting["before"]["throughput"] + supporting["after"]["throughput"]
    assert items["item_key"].is_unique
    for period in ("before", "after"):
        rows = items[items["period"] == period]
        assert len(rows) == supporting[period]["throughput"]
        assert rows["slip_days"].notna().sum() == entry(report, "Checkout")["metrics"]["timeline_accuracy"][period]["n"]
        assert rows["wait_days"].notna().sum() == entry(report, "Checkout")["metrics"]["dependency_wait"][period]["n"]
    # The CHK issues came from Jira's REST API, with links; Checkout's OPS issues from a CSV, without.
    from_rest = items["item_key"].str.startswith("CHK-")
    assert items.loc[from_rest, "url"].str.startswith("https://acme.atlassian.net/browse/CHK-").all()
    assert items.loc[~from_rest, "url"].isna().all() and (~from_rest).any()


def test_items_search_is_literal_and_case_blind(store, teams):
    data = teams["Checkout"]
    found, matching = view.items_table(store.con, data, "chk-31")
    assert matching == len(found) > 0 and found["item_key"].str.startswith("CHK-31").all()
    assert view.items_table(store.con, data, "%")[1] == 0  # not a LIKE wildcard
    assert view.items_table(store.con, data, "' or 1=1 --")[1] == 0


def test_releases_table(store, teams):
    data = teams["Checkout"]
    releases, matching = view.releases_table(store.con, data)
    attributed = store.con.execute("select count(*) from release_teams where team = 'Checkout'").fetchall()[0][0]
    assert matching == len(releases) == attributed
    assert set(releases["period"]) <= {"before", "after", "outside"}
    counted = releases[~releases["is_draft"] & releases["period"].eq("after")]["release_day"].nunique()
    assert counted == data.entry["metrics"]["release_frequency"]["after"]["n"]


def test_only_web_links_become_links():
    assert view.safe_url("https://acme.atlassian.net/browse/CHK-1") == "https://acme.atlassian.net/browse/CHK-1"
    for url in ("javascript:alert(1)", "data:text/html,<b>", " JAVASCRIPT:alert(1)", None, float("nan"), ""):
        assert view.safe_url(url) is None


def test_cache_keeps_the_most_recent_keys():
    cache, built = {}, []
    for key in ["a", "b", "a", "c", "d", "e"]:
        common.cached(cache, key, lambda key=key: built.append(key) or key.upper(), keep=3)
    assert built == ["a", "b", "c", "d", "e"] and list(cache) == ["c", "d", "e"]


# ---- export text stays text ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo with the team Assist renamed to HOSTILE and one of its items keyed with HTML."""
    folder = tmp_path_factory.mktemp("hostile")
    for path in DEFAULT_DATA_DIR.iterdir():
        shutil.copy(path, folder / path.name)
    for name in ("teams.csv", "ownership.csv", "members.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_text(
            re.sub(r"(?m)(^|,)Assist(?=,|$)", lambda m: m.group(1) + HOSTILE, text), encoding="utf-8"
        )
    store = Store()
    store.load_paths([folder])
    # An item key with markup (keys are export text too): a delivered commitment of the after window.
    key = store.con.execute(
        """
        select i.item_key from work_items i join work_item_teams t using (item_key)
        where t.team = ? and i.due_date is not null and i.resolved_at >= '2025-11-01' and i.resolved_at < '2026-03-01'
        order by i.item_key limit 1""",
        [HOSTILE],
    ).fetchall()[0][0]
    store.con.execute(
        "insert into work_items select * replace ('<b>X-1</b>' as item_key) from work_items where item_key = ?", [key]
    )
    store.con.execute("delete from work_items where item_key = ?", [key])
    store.refresh_attribution()
    report = build_report(store.con, SETTINGS)
    yield store, report, view.load_team(store.con, SETTINGS, entry(report, HOSTILE))
    store.close()


def test_markdown_literal_renders_as_the_text_itself():
    escaped = view.markdown_literal(HOSTILE)
    # Every character Markdown, HTML, LaTeX or a Streamlit directive reads is backslash-escaped.
    assert not re.search(r"(?<!\\)[*_\[\]()<>`$:&#]", escaped)
    assert re.sub(r"\\(.)", r"\1", escaped) == HOSTILE
    assert view.markdown_literal("a\n# b") == r"a \# b"


def test_hostile_team_name_reaches_the_sentences_as_plain_text(hostile):
    _, _, data = hostile
    assert data.team == HOSTILE
    for metric in view.METRICS:
        assert view.summary_sentence(data, metric).startswith(HOSTILE)  # raw: the page escapes it


def test_figures_escape_export_text(hostile):
    _, _, data = hostile
    for what, figure in figures(data).items():
        text = json.dumps(figure.to_plotly_json(), default=str)
        assert "<b>" not in text and "<img" not in text, what
    slip = json.dumps(view.metric_figure(data, "timeline_accuracy").to_plotly_json(), default=str)
    assert "&lt;b&gt;X-1&lt;/b&gt;" in slip


def test_tables_keep_export_text_as_it_is(hostile):
    store, _, data = hostile
    items, _ = view.items_table(store.con, data, "X-1")
    assert items["item_key"].tolist() == ["<b>X-1</b>"]


# ---- the page bundle, from either kind of report entry ----------------------------------------------


def test_team_page_from_a_team_only_entry_shows_the_same_numbers(store, report):
    from analysis.report import build_team_report

    whole = view.team_page(store.con, SETTINGS, entry(report, "Onboarding"), report=report)
    alone = view.team_page(store.con, SETTINGS, build_team_report(store.con, SETTINGS, "Onboarding"))
    assert [s.metric for s in whole.sections] == list(view.METRICS)
    for a, b in zip(whole.sections, alone.sections):
        assert a.numbers.equals(b.numbers) and a.badge(adjusted=False) == b.badge(adjusted=False)
        assert a.effect == b.effect
    assert whole.summaries() == alone.summaries()
    assert f"adjusted for {report['adjusted_comparisons']} comparisons" in whole.sections[0].decision[0]
    assert "adjusted" not in alone.sections[0].decision[0]  # build_team_report cannot adjust


def test_team_page_badges_agree_with_the_overviews_for_every_team(store, report):
    """The same badge on both pages for the same report and switch, for every team and metric."""
    from analysis.views import overview

    for adjusted in (True, False):
        grid = overview.verdict_grid(report, adjusted=adjusted).set_index(["team", "metric"])
        for team in report["teams"]:
            page = view.team_page(store.con, SETTINGS, team, report=report)
            for section in page.sections:
                assert section.badge(adjusted)[0] == grid.loc[(team["team"], section.label), "verdict"]


def test_the_decision_is_described_beside_the_verdict(report, teams):
    lines = view.decision_lines(teams["Checkout"], "timeline_accuracy")
    decision = entry(report, "Checkout")["metrics"]["timeline_accuracy"]["decision"]
    assert lines[0].startswith("Verdict judged against 3 comparison teams (Billing, Catalog, Search): ")
    assert decision["p_value"] == 8e-07  # the demo's JSON: shown as below 0.001
    assert "; p < 0.001;" in lines[0]
    assert lines[1].startswith("Minimum detectable effect: only a change of more than ")
    # The demo's JSON: pre-trend -0.02668 (-0.1168 to 0.06345) a month, in shares.
    assert (
        "Pre-trend check: over the before window the trend relative to the comparison teams was -2.7 percentage "
        "points a month (95% interval -11.7 to +6.3 percentage points a month): passed."
    ) in lines
    # Assist's waits: -0.6158 (-1.147 to -0.08474) in log units a month; exp gives 0.540 (46%
    # shorter), 0.318 (about a third as long) and 0.919 (8% shorter).
    assert (
        "Pre-trend check: over the before window the trend relative to the comparison teams was the typical wait "
        "46% shorter each month (95% interval the typical wait about a third as long to 8% shorter each month): "
        "failed: the verdict is no clear change."
    ) in view.decision_lines(teams["Assist"], "dependency_wait")
    # A comparison team is judged against the others (the raw label, with a single comparison
    # team, is in tests/test_decisions.py).
    billing = view.decision_lines(teams["Billing"], "release_frequency")
    assert billing[0].startswith("Verdict judged against 2 comparison teams (Catalog, Search): ")


def test_a_release_pre_trend_reads_in_release_days_not_an_absurd_percentage(teams):
    # A sparse team: 0.33 release days per 30 days before, its rate falling by 1.42 times that
    # rate a month against the comparison teams (inference.PreTrend: relative to the before
    # rate), once printed "-142% a month". Times the rate: -1.42 x 0.3333 = -0.47 release days
    # per 30 days each month; the interval -2.1 x 0.3333 = -0.70 to -0.74 x 0.3333 = -0.25.
    data = teams["Checkout"]
    metric = data.entry["metrics"]["release_frequency"]
    trend = {"slope": -1.42, "ci_low": -2.1, "ci_high": -0.74, "passed": False}
    sparse = dataclasses.replace(
        data,
        entry={
            **data.entry,
            "metrics": {
                **data.entry["metrics"],
                "release_frequency": {
                    **metric,
                    "before": {**metric["before"], "value": 0.3333},
                    "decision": {**metric["decision"], "pre_trend": trend},
                },
            },
        },
    )
    [line] = [line for line in view.decision_lines(sparse, "release_frequency") if "trend" in line]
    assert line == (
        "Pre-trend check: over the before window the trend relative to the comparison teams was -0.47 release days "
        "per 30 days each month (95% interval -0.70 to -0.25 release days per 30 days each month): failed: the "
        "verdict is no clear change."
    )
    assert "142" not in line and "% a month" not in line


def test_items_follow_the_time_zone_of_the_settings():
    settings = Settings(timezone="Pacific/Kiritimati")  # UTC+14: some items move a day
    store = open_shared_store()
    store.prepare(settings)  # the one step that writes: the derived tables in that zone
    report = build_report(store.con, settings)
    data = view.load_team(store.con, settings, entry(report, "Checkout"))
    items, matching = view.items_table(store.con, data)
    supporting = entry(report, "Checkout")["supporting"]
    assert matching == supporting["before"]["throughput"] + supporting["after"]["throughput"]
    for period in ("before", "after"):
        assert (items["period"] == period).sum() == supporting[period]["throughput"]
    store.prepare(SETTINGS)  # days in UTC again: the Kiritimati rows are not read from them
    with pytest.raises(DerivedDataOutdated):
        view.items_table(store.con, data)
    store.close()


def test_the_randomization_rank_is_shown_beside_the_verdict_when_there_is_one(teams):
    data = teams["Checkout"]
    metric = data.entry["metrics"]["release_frequency"]
    assert not any(line.startswith("Randomization") for line in view.decision_lines(data, "release_frequency"))
    ranked = dataclasses.replace(
        data,
        entry={
            **data.entry,
            "metrics": {
                **data.entry["metrics"],
                "release_frequency": {
                    **metric,
                    "decision": {**metric["decision"], "randomization": {"rank": 2, "comparisons": 24}},
                },
            },
        },
    )
    lines = view.decision_lines(ranked, "release_frequency")
    assert any(line.startswith("Randomization: this change ranks 2 of 25 ") for line in lines)
    assert view.section_badge(ranked, "release_frequency", True) == view.section_badge(data, "release_frequency", True)


def test_the_plain_lines_follow_the_badges(store, report):
    """Checkout's release frequency is improved at its own p but not after adjusting for every
    team and metric: the line above the charts says what the badge says, with either switch."""
    page = view.team_page(store.con, SETTINGS, entry(report, "Checkout"), report=report)
    release = next(section for section in page.sections if section.label == "Release frequency")
    for adjusted in (True, False):
        shown = release.badge(adjusted)[0]
        line = page.summaries(adjusted)[0]
        assert ("no clear change" in shown) == ("no clear change" in line), (adjusted, shown, line)
    assert page.summaries(True) != page.summaries(False)
