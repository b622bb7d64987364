"""The metric registry is the one place a metric is defined: changing a metric there changes every
consumer, and a metric registered there reaches every consumer with no other edit."""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest
from conftest import PROJECT_ROOT

from analysis import inference, metrics, stats
from analysis.cli import main
from analysis.headline import team_headline
from analysis.metrics.base import ItemChart, Metric, WindowValue, interval, number, rounded, safe_effect
from analysis.metrics.rows import PERIODS
from analysis.metrics.timeline_accuracy import TimelineAccuracy, wilson
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import methods as methods_view
from analysis.views import team as team_view
from analysis.workspace import open_shared_store

DEMO = PROJECT_ROOT / "data" / "demo"
SETTINGS = Settings()
SHORT = Settings(window_days=120)


@contextlib.contextmanager
def registered(metric: Metric):
    """`metric` in the registry for the duration (replacing one of the same name in its place)."""
    previous = metrics.get(metric.name) if metric.name in metrics.NAMES else None
    metrics.register(metric)
    try:
        yield metric
    finally:
        if previous is None:
            metrics.unregister(metric.name)
        else:
            metrics.register(previous)


def cli(output_format: str, *options: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", str(DEMO), "--format", output_format, *options]) == 0
    return out.getvalue()


def everything(store) -> dict:
    """What each consumer shows on the demo with the registry as it is now."""
    report = json.loads(cli("json"))
    in_process = build_report(store.con, SETTINGS)
    entry = next(team for team in in_process["teams"] if team["team"] == "Checkout")
    page = team_view.team_page(store.con, SETTINGS, entry)
    items, _ = team_view.items_table(store.con, page.data)
    return {"report": report, "entry": entry, "page": page, "items": items}


@pytest.fixture(scope="module")
def store():
    store = open_shared_store()
    yield store
    store.close()


# ---- one rule changed in the registry changes every consumer --------------------------------------


class OnlyEarlyIsOnTime(TimelineAccuracy):
    """A stricter on-time rule: delivered at least a week before the committed date."""

    def on_time(self, slip_days, settings):
        return slip_days <= -7


def test_changing_the_on_time_rule_in_the_registry_changes_every_consumer(store):
    name = "timeline_accuracy"
    usual = everything(store)
    with registered(OnlyEarlyIsOnTime()):
        strict = everything(store)

    def on_time(report):
        return [team["metrics"][name][p]["on_time"] for team in report["teams"] for p in PERIODS]

    # The command line's output.
    assert on_time(strict["report"]) != on_time(usual["report"])
    assert sum(on_time(strict["report"])) < sum(on_time(usual["report"]))
    # The Team page: its numbers, its sentence and its item table.
    section = {
        page: next(s for s in usual_or_strict["page"].sections if s.metric == name)
        for page, usual_or_strict in (("usual", usual), ("strict", strict))
    }
    assert not section["usual"].numbers.equals(section["strict"].numbers)
    assert usual["page"].summaries() != strict["page"].summaries()
    assert usual["items"]["on_time"].sum() > strict["items"]["on_time"].sum()
    # The difference-in-differences, the event study and the placebo check.
    assert usual["entry"]["difference_in_differences"][name] != strict["entry"]["difference_in_differences"][name]
    events = {
        which: frame["page"].data.events.loc[lambda e: e["metric"] == name, "value"].tolist()
        for which, frame in (("usual", usual), ("strict", strict))
    }
    assert events["usual"] != events["strict"]
    # The decision behind the verdict (its bins count on-time items by the metric's rule).
    decisions = [
        [team["metrics"][name]["decision"] for team in report["report"]["teams"]] for report in (usual, strict)
    ]
    assert decisions[0] != decisions[1]
    # And back: the registry holds the usual rule again.
    assert type(metrics.get(name)) is TimelineAccuracy


# ---- a fourth metric reaches every consumer --------------------------------------------------------


class ReplanShare(Metric):
    """A toy metric: the share of delivered commitments that were re-planned (less is better)."""

    name = "replan_share"
    label = "Re-planned share"
    n_counts = "commitments"
    sample_unit = "items"
    higher_is_better = False
    no_change = 0.0
    sql = ("commitments.sql",)
    effect_label = "Change in re-planned share"
    did_label = "team's change in re-planned share - comparison teams' change"
    event_title = "re-planned share"
    chart = ItemChart(
        table="commitments",
        column="replans",
        what="re-plans",
        y_title="re-plans",
        level="value",
        level_text=lambda shown: f"re-planned share {shown}",
    )

    def minimum(self, settings):
        return settings.min_items

    def _counts(self, rows):
        return int((rows["replans"].fillna(0) > 0).sum()), len(rows)

    def measure(self, team, data, windows, settings):
        sides = {}
        for period in PERIODS:
            replanned, n = self._counts(data.rows("commitments", team, period))
            sides[period] = WindowValue(rounded(replanned / n) if n else None, n, {"replanned": replanned})
        effect = stats.proportion_difference(
            sides["after"].details["replanned"],
            sides["after"].n,
            sides["before"].details["replanned"],
            sides["before"].n,
            confidence=settings.confidence,
        )
        return self.result(sides, effect, settings)

    def did(self, data, treated, control, settings):
        cells = [
            self._counts(data.pooled_rows("commitments", tuple(g), p))
            for g in (treated, control)
            for p in ("after", "before")
        ]
        return safe_effect(stats.did_proportion, *cells)

    kind = inference.SHARE

    def history(self, data, team, settings):
        rows = data.rows("commitments", team, "all").sort_values("resolved_day")
        days = rows["resolved_day"].to_numpy(dtype="datetime64[D]")
        replanned = (rows["replans"].fillna(0) > 0).to_numpy()

        class History:
            def __init__(self):
                self.days, self.replanned = days, replanned

            def window(self, start, end):
                inside = (days >= start) & (days < end)
                return int(replanned[inside].sum()), int(inside.sum())

        return History()

    def bins(self, history, start, end, anchor):
        return inference.month_bins(history.days, history.replanned, start, end, anchor, inference.SHARE)

    def trend_parts(self, slope, before):
        return "", f"{slope * 100:+.1f}", " points a month"

    def detectable_text(self, mde):
        return f"only {mde * 100:.0f} points would have shown"

    def event_point(self, sample, confidence):
        share, low, high = wilson(*sample, confidence)
        return share, sample[1], low, high

    def placebo_effect(self, before, after):
        return after[0] / after[1] - before[0] / before[1] if before[1] and after[1] else None

    def value_text(self, value):
        return f"{value:.0%} re-planned"

    def effect_text(self, effect):
        return f"{effect['estimate'] * 100:+.0f} pts"

    def summary(self, team, metric, settings):
        return f"{team} re-planned {number(metric['after']['value'], '.0%')} of its commitments ({metric['verdict']})."

    subject = "re-planned share"

    def change_words(self, estimate):
        return f"it re-plans {abs(estimate) * 100:.0f} percentage points {'more' if estimate > 0 else 'fewer'}"

    def interval_words(self, decision):
        return interval(decision, lambda x: f"{x * 100:+.0f}") + " percentage points"

    def numbers(self, metric, settings):
        return [("Re-planned commitments", metric["before"]["replanned"], metric["after"]["replanned"])]

    def methods(self, settings):
        return ("Re-planned share: a toy", "The share of delivered commitments whose due date moved.")


def test_a_registered_fourth_metric_reaches_every_consumer(store):
    toy = ReplanShare()
    with registered(toy):
        # Windows short enough for the demo's data to hold a placebo date before the reorg.
        report = json.loads(cli("json", "--window-days", str(SHORT.window_days)))
        rows = list(csv.DictReader(io.StringIO(cli("csv"))))
        text = cli("text")
        whole = build_report(store.con, SHORT)
        entry = next(team for team in whole["teams"] if team["team"] == "Checkout")
        page = team_view.team_page(store.con, SHORT, entry, report=whole)
        sections = methods_view.method_sections(SETTINGS)
        headline = team_headline(whole, "Checkout")
    assert toy.name not in metrics.NAMES  # unregistered again
    # JSON: every team has it, with the contract's keys, its effect adjusted with the others.
    for team in report["teams"]:
        result = team["metrics"][toy.name]
        assert list(result) == ["before", "after", "effect", "verdict", "decision"]
        assert result["before"]["n"] == team["metrics"]["timeline_accuracy"]["before"]["n"]
        assert result["decision"]["p_value"] is not None and result["decision"]["p_adjusted"] is not None
        assert result["decision"]["basis"] == "did"  # comparison teams too: against the other two
        assert toy.name in team["placebo"]
    assert report["adjusted_comparisons"] == len(report["teams"]) * 4  # adjusted with the other metrics
    checkout = next(team for team in report["teams"] if team["team"] == "Checkout")
    assert checkout["difference_in_differences"][toy.name]["estimate"] is not None
    # CSV and text.
    assert [row["team"] for row in rows if row["metric"] == toy.name] == [t["team"] for t in report["teams"]]
    assert text.count(f"  {toy.label}") == len(report["teams"])
    assert "re-planned" in text
    # The Team page: its section, sentence, event study, DiD table and placebo line.
    section = next(s for s in page.sections if s.metric == toy.name)
    assert section.label == toy.label and section.numbers["measure"].tolist() == ["Re-planned commitments"]
    assert any(summary.startswith("Checkout re-planned") for summary in page.summaries())
    assert set(page.data.events["metric"]) >= {toy.name}
    assert toy.label in [annotation.text for annotation in page.event_study.layout.annotations]
    assert toy.label in page.did_table["metric"].tolist()
    assert any(line.startswith(f"{toy.label}:") for line in page.placebo)
    assert any(line.startswith("Verdict judged against 3 comparison teams") for line in section.decision)
    # The headline: one sentence of its own.
    assert len(headline) == 4 and headline[-1].startswith("Checkout's re-planned share")
    # Methods.
    assert ("Re-planned share: a toy", toy.methods(SETTINGS)[1]) in sections
