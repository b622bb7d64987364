"""Drill-down (analysis/views/drill.py): the rows behind a grid cell, a chart point and a cell of
the wait matrix are exactly the rows the metric counted, on the demo organisation.

The reference rows come from the report's own path: `metrics.rows.compute` over every team's
windows at once (what build_report measures), and the report's n and waits_on; the drill-down
computes one team's rows and reads the detail queries. The item table's filters are checked
against those rows too (late/on time by TimelineAccuracy.on_time, waiting = the waits rows).
"""

from __future__ import annotations

import datetime as dt
import statistics

import pandas as pd
import pytest

from analysis import metrics
from analysis.metrics.base import ReleaseChart
from analysis.metrics.rows import PERIODS, compute
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import dependencies as dependencies_view
from analysis.views import drill
from analysis.views import overview as overview_view
from analysis.views import team as team_view
from analysis.workspace import open_shared_store

SETTINGS = Settings()
WAITS = next(m for m in metrics.registered() if m.waits_on)  # the metric behind the wait matrix
TIMELINE = next(m for m in metrics.registered() if hasattr(m, "on_time"))  # late / on time


@pytest.fixture(scope="module")
def demo():
    store = open_shared_store()
    report = build_report(store.con, SETTINGS)
    everyone = compute(store.con, SETTINGS)  # every team's windows, as the report counts them
    yield store.con, report, everyone
    store.close()


def counted_rows(everyone, metric, team: str, period: str) -> pd.DataFrame:
    return everyone.rows(metric.chart.table, team, period)


# ---- the Overview grid -------------------------------------------------------------------------


def test_grid_rows_name_their_team_and_metric(demo):
    _, report, _ = demo
    grid = overview_view.verdict_grid(report)
    cells = [drill.grid_cell(grid, row) for row in range(len(grid))]
    assert cells == [(team["team"], metric.name) for team in report["teams"] for metric in metrics.registered()]
    assert drill.grid_cell(grid, len(grid)) is None
    assert drill.grid_cell(grid, -1) is None


@pytest.mark.parametrize("metric", metrics.NAMES)
def test_a_grid_cell_shows_exactly_the_metrics_rows_for_that_team(demo, metric):
    con, report, everyone = demo
    chosen = metrics.get(metric)
    for entry in report["teams"]:
        team = entry["team"]
        behind = drill.metric_drill(con, SETTINGS, entry, metric)
        # The counts are the grid's n ("n before → after"), window by window.
        assert behind.counts == {p: entry["metrics"][metric][p]["n"] for p in PERIODS}, team
        for period in PERIODS:
            expected = counted_rows(everyone, chosen, team, period)
            shown = behind.rows[behind.rows["period"] == period]
            if isinstance(chosen.chart, ReleaseChart):
                # One row per release; their distinct days are the metric's release days.
                days = set(pd.to_datetime(expected[chosen.chart.day_column]).dt.date)
                assert set(shown["release_day"]) == days, (team, period)
                assert shown["release_day"].nunique() == entry["metrics"][metric][period]["n"]
            else:
                assert sorted(shown["item_key"]) == sorted(expected["item_key"]), (team, period)
                assert len(shown) == entry["metrics"][metric][period]["n"]


EVERY_RELEASE = Settings(include_prereleases=True, release_tag_pattern=r".+")  # counts more than the default


def every_day(windows) -> pd.DataFrame:
    """Each (period, day) of the windows: asked of releases_on_days, it hides no release."""
    return pd.DataFrame(
        [(w.period, w.start + dt.timedelta(days=offset)) for w in windows for offset in range((w.end - w.start).days)],
        columns=["period", "release_day"],
    )


@pytest.mark.parametrize("settings", [SETTINGS, EVERY_RELEASE], ids=["default", "prereleases-and-every-tag"])
def test_the_drill_down_lists_releases_on_exactly_the_metrics_release_days(demo, settings):
    # The release days the metric counts and the releases the drill-down lists come from one
    # counting rule; asked for every day of the windows, the drill-down's releases fall on
    # exactly the metric's days, under the default settings and under settings that count more.
    con, report, _ = demo
    computed = compute(con, settings, supporting=False)
    release = next(m for m in metrics.registered() if isinstance(m.chart, ReleaseChart))
    counted = getattr(computed, release.chart.table)
    for entry in report["teams"]:
        team = entry["team"]
        windows = [w for w in computed.windows if w.team == team and w.period in PERIODS]
        listed = drill.releases_on_days(con, settings, windows, every_day(windows))
        metric_days = counted[counted["team"] == team]
        assert set(zip(listed["period"], listed["release_day"])) == set(
            zip(metric_days["period"], pd.to_datetime(metric_days[release.chart.day_column]).dt.date)
        ), team
    if settings is EVERY_RELEASE:
        # The settings matter on the demo, so this case checks a different count.
        default_days = getattr(compute(con, SETTINGS, supporting=False), release.chart.table)
        assert len(counted) > len(default_days)


def test_the_checkout_cells_carry_what_the_metric_counted(demo):
    con, report, everyone = demo
    entry = next(t for t in report["teams"] if t["team"] == "Checkout")
    timeline = drill.metric_drill(con, SETTINGS, entry, TIMELINE.name).rows
    # On time by the metric's rule on each row's own slip; the report's on-time count per window.
    for period in PERIODS:
        shown = timeline[timeline["period"] == period]
        assert (shown["on_time"] == (shown["slip_days"] <= SETTINGS.tolerance_days)).all()
        assert int(shown["on_time"].sum()) == entry["metrics"][TIMELINE.name][period]["on_time"]
        slips = (pd.to_datetime(shown["resolved_day"]) - pd.to_datetime(shown["committed_date"])).dt.days
        assert slips.tolist() == shown["slip_days"].tolist()
    # Links back to Jira where the export has one (the demo's JSON search pages do; its CSV
    # export, which holds the OPS items, has no link column).
    from_json = timeline["item_key"].str.startswith("CHK-")
    assert timeline.loc[from_json, "url"].str.startswith("https://acme.atlassian.net/browse/CHK-").all()
    assert timeline.loc[~from_json, "url"].isna().all()
    waits = drill.metric_drill(con, SETTINGS, entry, WAITS.name).rows
    expected = pd.concat([counted_rows(everyone, WAITS, "Checkout", p) for p in PERIODS]).set_index("item_key")
    assert waits.set_index("item_key")["wait_days"].sort_index().tolist() == pytest.approx(
        expected["wait_days"].sort_index().tolist()
    )


def test_release_rows_have_safe_links_only(demo):
    con, report, _ = demo
    for entry in report["teams"]:
        rows = drill.metric_drill(con, SETTINGS, entry, metrics.NAMES[0]).rows
        links = rows["url"].dropna()
        assert links.str.match(r"https?://").all()


# ---- the Dependencies matrix -------------------------------------------------------------------


def test_a_matrix_cell_shows_exactly_the_blocking_links_behind_it(demo):
    con, report, everyone = demo
    matrix = compute(con, SETTINGS).wait_matrix  # queries/wait_matrix.sql, every team's windows
    checked = 0
    for entry in report["teams"]:
        for period in PERIODS:
            for cell in entry["metrics"][WAITS.name][period]["waits_on"]:
                behind = drill.blocking_links(con, SETTINGS, entry, cell["team"], [period])
                assert behind.counts == {period: cell["items"]}, (entry["team"], cell)
                assert behind.rows["blocked_key"].nunique() == cell["items"]
                row = matrix[
                    (matrix["team"] == entry["team"])
                    & (matrix["period"] == period)
                    & (matrix["blocker_team"] == cell["team"])
                ]
                assert behind.rows["wait_days"].sum() == pytest.approx(float(row["wait_days"].iloc[0]), abs=1e-9)
                assert round(behind.rows["wait_days"].sum(), 2) == pytest.approx(cell["wait_days"], abs=0.01)
                # Every blocked item is one the metric counted as waiting in that window.
                waited = set(counted_rows(everyone, WAITS, entry["team"], period)["item_key"])
                assert set(behind.rows["blocked_key"]) <= waited
                checked += 1
            # Over a row of the matrix, the blocked items are exactly the metric's waiting items.
            blocked = set()
            for cell in entry["metrics"][WAITS.name][period]["waits_on"]:
                blocked |= set(drill.blocking_links(con, SETTINGS, entry, cell["team"], [period]).rows["blocked_key"])
            assert blocked == set(counted_rows(everyone, WAITS, entry["team"], period)["item_key"])
    assert checked > 20  # the demo has many cells: the loop above proved something


def test_matrix_table_cells_name_the_waiting_and_the_blocking_team(demo):
    _, report, _ = demo
    table = dependencies_view.matrix_table(report, "before", "items")
    checkout = table.index[table["waiting team"] == "Checkout"][0]
    filled = [c for c in table.columns[1:] if pd.notna(table.loc[checkout, c])]
    empty = [c for c in table.columns[1:] if pd.isna(table.loc[checkout, c])]
    assert filled and empty
    assert drill.matrix_cell(table, checkout, filled[0]) == ("Checkout", filled[0])
    assert drill.matrix_cell(table, checkout, empty[0]) is None  # nothing waited there
    assert drill.matrix_cell(table, checkout, "waiting team") is None  # the row's label
    assert drill.matrix_cell(table, len(table), filled[0]) is None
    # What the page shows: the same cells as text, whole items, blank where nothing waited.
    text = dependencies_view.matrix_text(table, "items")
    assert text.loc[checkout, filled[0]] == str(int(table.loc[checkout, filled[0]]))
    assert text.loc[checkout, empty[0]] == ""
    days = dependencies_view.matrix_table(report, "before", "wait_days")
    assert (
        dependencies_view.matrix_text(days, "wait_days").loc[checkout, filled[0]]
        == f"{days.loc[checkout, filled[0]]:.1f}"
    )


def test_the_blocking_links_of_a_hand_checked_cell(demo):
    # Assist waited on Billing after its reorg: 4 items (the demo report's waits_on), each with
    # its blocker in Billing's project (BIL-), blocked before it was resolved.
    con, report, _ = demo
    entry = next(t for t in report["teams"] if t["team"] == "Assist")
    behind = drill.blocking_links(con, SETTINGS, entry, "Billing", ["after"])
    rows = behind.rows
    assert rows["blocked_key"].nunique() == 4
    assert rows["blocker_key"].str.startswith("BIL-").all()
    assert rows["blocked_key"].str.startswith("AST-").all()
    assert (rows["started_at"] < rows["ended_at"]).all()
    assert (pd.to_datetime(rows["ended_at"]).dt.date <= rows["resolved_day"]).all()


# ---- the Team page -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(demo):
    con, report, _ = demo
    entry = next(t for t in report["teams"] if t["team"] == "Checkout")
    return team_view.load_team(con, SETTINGS, entry)


def test_clicking_a_release_day_shows_that_days_releases(demo, checkout):
    con = demo[0]
    release = metrics.NAMES[0]
    figure = team_view.metric_figure(checkout, release)
    marks = next(i for i, trace in enumerate(figure.data) if trace.name == "release day")
    day = pd.Timestamp(figure.data[marks].x[3]).date()
    behind = drill.chart_points(
        con, checkout, release, figure, [{"curve_number": marks, "point_index": 3, "x": str(day)}]
    )
    assert set(behind.rows["release_day"]) == {day}
    assert behind.counts == {"selected": 1}
    assert len(behind.rows) >= 1


def test_clicking_an_item_shows_that_item(demo, checkout):
    con = demo[0]
    figure = team_view.metric_figure(checkout, TIMELINE.name)
    after = next(i for i, trace in enumerate(figure.data) if trace.name == "after")
    key = figure.data[after].customdata[0]
    behind = drill.chart_points(
        con, checkout, TIMELINE.name, figure, [{"curve_number": after, "point_index": 0, "x": "2026-01-01", "y": 0}]
    )
    assert behind.rows["item_key"].tolist() == [key]
    assert behind.rows["period"].tolist() == ["after"]


def test_a_box_over_a_window_level_shows_the_windows_rows(demo, checkout):
    con = demo[0]
    figure = team_view.metric_figure(checkout, WAITS.name)
    level = next(i for i, trace in enumerate(figure.data) if (trace.name or "").startswith("before:"))
    behind = drill.chart_points(con, checkout, WAITS.name, figure, [{"curve_number": level, "point_index": 0}])
    assert behind.counts == {"selected": checkout.metric(WAITS.name)["before"]["n"]}


@pytest.mark.parametrize("metric", metrics.NAMES)
def test_every_line_the_drill_down_reads_can_be_selected_in_a_browser(checkout, metric):
    # Plotly selects only points of traces that draw markers (or text): a click or a box on a
    # lines-only trace sends an empty selection. The window levels and the rolling rate were
    # lines only, so clicking them showed nothing, and the rolling line (hovered first, as the
    # nearest) swallowed clicks on release-day marks beside it.
    figure = team_view.metric_figure(checkout, metric)
    levels = [trace for trace in figure.data if (trace.name or "").startswith(tuple(f"{p}:" for p in PERIODS))]
    assert len(levels) == 2
    for trace in levels:
        assert "markers" in trace.mode and trace.marker.opacity == 0, trace.name  # drawn as a line alone
        # A point at least every week along it: a click anywhere on the line is within Plotly's
        # 20 pixels of one (a year is some 400 pixels wide on a desktop, 250 on a phone).
        days = pd.to_datetime(pd.Series(trace.x)).sort_values().diff().dropna()
        assert days.max() <= pd.Timedelta(days=7), trace.name
    lines = [t for t in figure.data if t.type == "scatter" and t.mode == "lines" and t not in levels]
    assert all(t.hoverinfo == "skip" for t in lines if t.x is not None and t.x[0] is not None)
    if isinstance(metrics.get(metric).chart, ReleaseChart):
        # The rolling rate answers through see-through markers on its days with a release in
        # their 30 days; its days at zero (none to show) never come before a mark beside them.
        points = next(trace for trace in figure.data if trace.meta == team_view.ROLLING_RATE)
        rate = team_view.rolling_release_rate(checkout)
        assert points.mode == "markers" and points.marker.opacity == 0
        assert list(points.y) == rate.loc[rate["rate"] > 0, "rate"].tolist()
        marks = next(i for i, trace in enumerate(figure.data) if trace.name == "release day")
        assert marks < list(figure.data).index(points)


def test_a_click_on_the_rolling_rate_shows_its_30_days(demo, checkout):
    con = demo[0]
    chart = next(m for m in metrics.registered() if isinstance(m.chart, ReleaseChart))
    figure = team_view.metric_figure(checkout, chart.name)
    curve = next(i for i, trace in enumerate(figure.data) if trace.meta == team_view.ROLLING_RATE)
    points = figure.data[curve]
    index = int(pd.Series(points.y).idxmax())
    day = pd.Timestamp(points.x[index]).date()
    behind = drill.chart_points(
        con, checkout, chart.name, figure, [{"curve_number": curve, "point_index": index, "x": str(day)}]
    )
    assert behind.counts == {"selected": int(points.y[index])}  # the point's own count of release days


def test_a_bar_of_the_distribution_shows_its_items(demo, checkout):
    # Plotly gives a histogram bar's points as their positions in the trace's values; the trace
    # carries each value's item key (team.items_figure), so the bar's items are those keys' rows.
    con = demo[0]
    figure = team_view.metric_figure(checkout, WAITS.name)
    bar = next(
        i for i, trace in enumerate(figure.data) if trace.type == "histogram" and trace.name.startswith("before")
    )
    rows = checkout.rows.rows(WAITS.chart.table, "Checkout", "before")
    trace = figure.data[bar]
    waits = dict(zip(rows["item_key"], rows["wait_days"].astype(float)))
    assert sorted(trace.customdata) == sorted(rows["item_key"])
    assert list(trace.y) == pytest.approx([waits[key] for key in trace.customdata])
    in_bin = [i for i, wait in enumerate(trace.y) if 5 <= wait < 10]
    behind = drill.chart_points(
        con, checkout, WAITS.name, figure, [{"curve_number": bar, "point_number": 0, "point_numbers": in_bin}]
    )
    expected = rows[(rows["wait_days"] >= 5) & (rows["wait_days"] < 10)]
    assert len(in_bin) == len(expected) > 0
    assert sorted(behind.rows["item_key"]) == sorted(expected["item_key"])
    assert behind.rows["wait_days"].between(5, 10).all()
    assert set(behind.rows["period"]) == {"before"}


def test_clicking_a_month_of_the_event_study_shows_its_n_items(demo, checkout):
    con = demo[0]
    figure = team_view.event_study_figure(checkout)
    for position, metric in enumerate(metrics.registered()):
        curve = next(
            i
            for i, trace in enumerate(figure.data)
            if trace.mode == "lines+markers" and (trace.yaxis or "y") == ("y" if position == 0 else f"y{position + 1}")
        )
        events = checkout.events[checkout.events["metric"] == metric.name].reset_index(drop=True)
        for index in range(0, len(events), 4):
            behind = drill.event_points(con, checkout, figure, [{"curve_number": curve, "point_index": index}])
            assert behind.counts == {"selected": int(events.loc[index, "n"])}, (metric.name, index)
            start = pd.Timestamp(events.loc[index, "start"]).date()
            column = "release_day" if isinstance(metric.chart, ReleaseChart) else "resolved_day"
            days = behind.rows[column]
            assert ((days >= start) & (days < start + dt.timedelta(days=30))).all()


def test_nothing_selected_shows_nothing(demo, checkout):
    con = demo[0]
    assert (
        drill.chart_points(con, checkout, TIMELINE.name, team_view.metric_figure(checkout, TIMELINE.name), []) is None
    )
    assert drill.event_points(con, checkout, team_view.event_study_figure(checkout), []) is None


def test_the_item_table_filters_to_the_metrics_rows(demo, checkout):
    con, _, everyone = demo
    commitments = pd.concat([counted_rows(everyone, TIMELINE, "Checkout", p) for p in PERIODS])
    waits = pd.concat([counted_rows(everyone, WAITS, "Checkout", p) for p in PERIODS])
    on_time = commitments[commitments["slip_days"] <= SETTINGS.tolerance_days]
    late = commitments[commitments["slip_days"] > SETTINGS.tolerance_days]

    def keys(**filters):
        table, matching = team_view.items_table(con, checkout, "", **filters)
        assert matching == len(table)  # the demo's team has fewer items than the table shows
        return sorted(table["item_key"])

    assert keys(outcomes=["late"]) == sorted(late["item_key"])
    assert keys(outcomes=["on time"]) == sorted(on_time["item_key"])
    assert keys(outcomes=["late", "on time"]) == sorted(commitments["item_key"])
    assert keys(outcomes=["waiting"]) == sorted(waits["item_key"])
    everything = team_view.items_table(con, checkout)[0]
    for item_type in everything["item_type"].dropna().unique():
        assert keys(item_types=[item_type]) == sorted(everything.loc[everything["item_type"] == item_type, "item_key"])
    # Labels: counted independently from work_items (the table does not show them).
    labelled = con.execute("select item_key, labels from work_items").df()
    choices = team_view.item_filter_choices(con, checkout)
    assert choices["label"] and set(choices["type"]) == set(everything["item_type"].dropna())
    label = choices["label"][0]
    with_label = {
        k for k, labels in zip(labelled["item_key"], labelled["labels"]) if labels is not None and label in list(labels)
    }
    assert keys(labels=[label]) == sorted(with_label & set(everything["item_key"]))
    late_waiting = keys(outcomes=["late"], labels=[label])
    assert late_waiting == sorted(set(late["item_key"]) & with_label)


def test_an_unknown_outcome_is_refused_by_name(demo, checkout):
    with pytest.raises(ValueError, match="unknown item outcome soon"):
        team_view.items_table(demo[0], checkout, "", outcomes=["soon"])


def test_drill_caption_names_the_counts():
    rows = pd.DataFrame({"period": ["before", "after", "after"]})
    behind = drill.Drill(
        "Checkout, Release frequency", rows, {"before": 1, "after": 1}, "release days", {}, (), "release"
    )
    assert behind.caption() == "Checkout, Release frequency: before n=1, after n=1 release days (3 releases)."
    picked = drill.Drill("Checkout, Timeline accuracy", rows.iloc[:1], {drill.SELECTED: 1}, "items", {})
    assert picked.caption() == "Checkout, Timeline accuracy: items selected: 1 (1 row)."


def test_a_team_without_windows_has_empty_drill_downs(demo):
    # A comparison team when no team has a reorg date has no windows: nothing to show, no error.
    con = demo[0]
    entry = {"team": "Nobody", "windows": {"before": None, "after": None}, "metrics": {}}
    for metric in metrics.NAMES:
        behind = drill.metric_drill(con, SETTINGS, entry, metric)
        assert behind.rows.empty and behind.counts == {"before": 0, "after": 0}
    links = drill.blocking_links(con, SETTINGS, entry, "Billing")
    assert links.rows.empty
    assert links.caption() == "Nobody waited on Billing: no window to count items waiting in (0 blocking links)."


def test_many_items_of_a_kind_are_drawn_as_daily_medians_and_a_mark_drills_to_its_days_items(
    demo, checkout, monkeypatch
):
    # The demo's teams have fewer items than team.ITEM_MARKS_MAX; a lower bound draws Checkout's
    # as a large team's would be.
    monkeypatch.setattr(team_view, "ITEM_MARKS_MAX", 5)
    con = demo[0]
    chart = TIMELINE.chart
    figure = team_view.metric_figure(checkout, TIMELINE.name)
    before = next(i for i, trace in enumerate(figure.data) if trace.legendgroup == "before" and trace.type == "scatter")
    trace = figure.data[before]
    assert trace.meta == team_view.DAILY_MEDIANS and trace.name == "before (daily medians)"
    # By hand: each resolution day of the before window's items, and the median of its values.
    rows = checkout.rows.rows(chart.table, "Checkout", "before")
    by_day: dict[dt.date, list[float]] = {}
    for day, value in zip(pd.to_datetime(rows["resolved_day"]).dt.date, rows[chart.column].astype(float)):
        by_day.setdefault(day, []).append(value)
    assert [pd.Timestamp(x).date() for x in trace.x] == sorted(by_day)
    assert list(trace.y) == pytest.approx([statistics.median(by_day[day]) for day in sorted(by_day)])
    # Each day's bar runs from its lowest to its highest value.
    assert list(trace.error_y.arrayminus) == pytest.approx(
        [statistics.median(v) - min(v) for _, v in sorted(by_day.items())]
    )
    assert list(trace.error_y.array) == pytest.approx(
        [max(v) - statistics.median(v) for _, v in sorted(by_day.items())]
    )
    counts = [int(text.split(": ")[1].split(" item")[0]) for text in trace.customdata]
    assert sum(counts) == len(rows) == checkout.metric(TIMELINE.name)["before"]["n"]
    # A day with several items: its mark drills to exactly those items of the before window.
    index = next(i for i, day in enumerate(sorted(by_day)) if len(by_day[day]) > 1)
    day = sorted(by_day)[index]
    behind = drill.chart_points(
        con, checkout, TIMELINE.name, figure, [{"curve_number": before, "point_index": index, "x": str(day)}]
    )
    expected = rows[pd.to_datetime(rows["resolved_day"]).dt.date == day]
    assert sorted(behind.rows["item_key"]) == sorted(expected["item_key"]) and len(expected) > 1
    assert set(behind.rows["period"]) == {"before"}
    # Outside the windows: a day's mark stands for that day's items of neither window.
    outside = next(i for i, t in enumerate(figure.data) if t.legendgroup == "outside the windows")
    assert figure.data[outside].meta == team_view.DAILY_MEDIANS
    day = pd.Timestamp(figure.data[outside].x[0]).date()
    behind = drill.chart_points(
        con, checkout, TIMELINE.name, figure, [{"curve_number": outside, "point_index": 0, "x": str(day)}]
    )
    everything = checkout.rows.rows(chart.table, "Checkout", team_view.WHOLE_SPAN)
    in_windows = set().union(*(checkout.rows.rows(chart.table, "Checkout", p)["item_key"] for p in PERIODS))
    expected = everything[
        (pd.to_datetime(everything["resolved_day"]).dt.date == day) & ~everything["item_key"].isin(in_windows)
    ]
    assert sorted(behind.rows["item_key"]) == sorted(expected["item_key"]) and len(expected) >= 1


def test_a_kind_with_few_items_keeps_one_mark_per_item(checkout):
    figure = team_view.metric_figure(checkout, TIMELINE.name)
    for period in PERIODS:
        trace = next(t for t in figure.data if t.legendgroup == period and t.type == "scatter")
        assert trace.meta is None and trace.name == period
        assert len(trace.x) == checkout.metric(TIMELINE.name)[period]["n"] <= team_view.ITEM_MARKS_MAX
