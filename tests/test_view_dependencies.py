"""The Dependencies page's content (analysis.views.dependencies) on the demo organisation's report."""

import copy
import math

import numpy as np
import pytest

from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import dependencies as view
from analysis.workspace import open_shared_store

PERIODS = ("before", "after")
MEASURES = ("wait_days", "items")


@pytest.fixture(scope="module")
def report():
    return build_report(open_shared_store().con, Settings())


def waits_on(report):
    """{(period, waiting team, blocking team): entry} straight from the report."""
    return {
        (period, team["team"], entry["team"]): entry
        for team in report["teams"]
        for period in PERIODS
        for entry in team["metrics"]["dependency_wait"][period]["waits_on"]
    }


def test_the_demo_has_waits_in_both_periods(report):
    assert {period for period, _, _ in waits_on(report)} == set(PERIODS)


def test_axes_are_the_teams_and_everyone_waited_on(report):
    rows, columns = view.matrix_axes(report)
    assert rows == [team["team"] for team in report["teams"]]
    waited_on = {blocker for _, _, blocker in waits_on(report)}
    assert set(columns) == waited_on
    assert "Infra" in columns and "Infra" not in rows  # waited on, but not a team in teams.csv


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("period", PERIODS)
def test_matrix_cells_are_the_waits_on_numbers(report, period, measure):
    matrix = view.wait_matrix(report, period, measure)
    expected = {(w, b): entry[measure] for (p, w, b), entry in waits_on(report).items() if p == period}
    for waiting in matrix.index:
        for blocking in matrix.columns:
            value = matrix.loc[waiting, blocking]
            if (waiting, blocking) in expected:
                assert value == expected[(waiting, blocking)]
            else:
                assert math.isnan(value)


@pytest.mark.parametrize("measure", MEASURES)
def test_heatmap_z_values_are_the_waits_on_numbers(report, measure):
    figure = view.heatmap_figure(report, list(PERIODS), measure)
    rows, columns = view.matrix_axes(report)
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == set(PERIODS)
    entries = waits_on(report)
    for period, trace in traces.items():
        z = np.asarray(trace.z, dtype=float)
        assert z.shape == (len(rows), len(columns))
        for i, waiting in enumerate(rows):
            for j, blocking in enumerate(columns):
                entry = entries.get((period, waiting, blocking))
                shown_right = math.isnan(z[i, j]) if entry is None else z[i, j] == entry[measure]
                assert shown_right, (period, waiting, blocking)


def test_both_periods_share_one_colour_scale_from_zero(report):
    figure = view.heatmap_figure(report, list(PERIODS), "wait_days")
    highest = max(entry["wait_days"] for entry in waits_on(report).values())
    assert figure.layout.coloraxis.cmin == 0 and figure.layout.coloraxis.cmax == highest
    assert {trace.coloraxis for trace in figure.data} == {"coloraxis"}


def test_one_period_gives_one_heatmap(report):
    figure = view.heatmap_figure(report, view.PERIOD_CHOICES["After"], view.MEASURES["Items waiting"])
    assert [trace.name for trace in figure.data] == ["after"]
    assert figure.layout.annotations[0].text == "After"


def test_comparison_teams_are_marked_on_both_axes(report):
    trace = view.heatmap_figure(report, ["before"], "items").data[0]
    assert "Billing (comparison)" in trace.y and "Billing (comparison)" in trace.x
    assert "Checkout" in trace.y


def test_totals_are_the_row_sums_of_the_matrices(report):
    totals = view.totals_table(report).set_index("team")
    for period in PERIODS:
        items = view.wait_matrix(report, period, "items").sum(axis=1)
        days = view.wait_matrix(report, period, "wait_days").sum(axis=1)
        assert totals[f"items waiting {period}"].to_dict() == items.astype(int).to_dict()
        assert totals[f"wait days {period}"].to_dict() == pytest.approx(days.round(1).to_dict(), abs=0.051)
    assert totals.loc["Checkout", "items waiting before"] == 48  # 29 on Infra + 19 on Billing
    assert totals.loc["Billing", "comparison"] and not totals.loc["Checkout", "comparison"]


def test_export_text_stays_text(report):
    hostile = '<b onmouseover="x()">Pay</b> %{z} [link](javascript:x)'
    renamed = copy.deepcopy(report)
    for team in renamed["teams"]:
        for period in PERIODS:
            for entry in team["metrics"]["dependency_wait"][period]["waits_on"]:
                if entry["team"] == "Infra":
                    entry["team"] = hostile
    figure = view.heatmap_figure(renamed, ["before"], "wait_days")
    trace = figure.data[0]
    labels = [*trace.x, *figure.layout.xaxis.tickvals, *figure.layout.xaxis.ticktext]
    assert not any("<b" in str(label) for label in labels)
    assert any(str(label).startswith("&lt;b onmouseover=") for label in trace.x)
    # The hover template is ours alone: the name is a value it shows, never template text.
    assert trace.hovertemplate == "%{y} waited on %{x}: %{z:.1f} days<extra>before</extra>"
    # The totals table (st.dataframe) and the matrix keep the name exactly as written.
    assert hostile in view.wait_matrix(renamed, "before", "items").columns
