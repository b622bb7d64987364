"""The headline sentences (analysis.headline, Metric.headline_sentence) and the number words
(analysis.number_words): on the demo's report and on hand-built reports of every basis,
verdict and reason, checked never to say more than the badge does."""

import copy
import itertools
import re

import pytest

from analysis import metrics
from analysis.headline import organisation_headline, shown_verdict, team_headline
from analysis.number_words import p_number_text, p_value_text, ratio_words, times_text
from analysis.report import build_report
from analysis.settings import Settings
from analysis.workspace import open_shared_store

# Names of columns a user types into ownership.csv: a reason may name them on purpose.
FILE_COLUMNS = ("github_repo", "jira_project")
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
EXPONENT = re.compile(r"\d[eE][-+]?\d")


@pytest.fixture(scope="module")
def demo():
    return build_report(open_shared_store().con, Settings())


def assert_plain(sentence: str) -> None:
    """No missing value, no exponent, no identifier shown to a reader."""
    assert "None" not in sentence and "nan" not in sentence.lower().split(), sentence
    assert not re.search(r"\bnan\b", sentence), sentence
    assert not EXPONENT.search(sentence), sentence
    found = [word for word in SNAKE_CASE.findall(sentence) if word not in FILE_COLUMNS]
    assert not found, (found, sentence)


# ---- number words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (1.15e-13, "p < 0.001"),
        (0.0009999, "p < 0.001"),
        (0.001, "p = 0.001"),
        (0.02037, "p = 0.02"),
        (0.03, "p = 0.03"),
        (0.1222, "p = 0.12"),
        (0.9462, "p = 0.95"),
        (1.0, "p = 1"),
        (0.0496, "p = 0.05"),
    ],
)
def test_p_values_read_as_two_significant_figures_or_below_0_001(p, text):
    assert p_value_text(p) == text
    assert p_value_text(p, adjusted=True) == "adjusted " + text
    assert p_number_text(p) == text.removeprefix("p ").removeprefix("= ")  # under a column named for it


def test_a_missing_p_value_is_no_text():
    assert p_value_text(None) == "" and p_value_text(float("nan")) == ""
    assert p_number_text(None) == "" and p_number_text(float("nan")) == ""


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (2.83, "2.8 times as often"),
        (3.76, "3.8 times as often"),
        (11.28, "11 times as often"),
        (1.28, "28% more often"),
        (1.004, "about as often"),
        (0.9412, "6% less often"),
        (0.5, "half as often"),
        (0.3333, "a third as often"),
        (0.1855, "about a fifth as often"),
        (0.45, "about half as often"),
        (0.05, "95% less often"),
    ],
)
def test_ratios_read_as_times_percentages_or_fractions(ratio, words):
    assert ratio_words(ratio) == words


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (33010.4, "33,010"),  # a minimum detectable effect once printed "33010.0 times"
        (1234567.8, "1,234,568"),
        (22.05, "22"),
        (11.28, "11"),
        (9.96, "10"),  # rounds to 10.0: from 10 up, a whole number
        (9.94, "9.9"),
        (2.412, "2.4"),
        (2.0, "2.0"),
        (0.45, "0.45"),  # below 1 two significant figures, so an interval's low end never reads 0.0
        (0.0434, "0.043"),
    ],
)
def test_a_number_of_times_is_whole_with_a_thousands_separator_from_10_and_one_decimal_below(ratio, text):
    assert times_text(ratio) == text


def test_a_large_ratio_reads_with_a_thousands_separator_in_every_sentence():
    assert ratio_words(33010.4) == "33,010 times as often"
    releases, waits = metrics.get("release_frequency"), metrics.get("dependency_wait")
    assert releases.mde_text(33010.0) == (
        "only a change larger than 33,010 times the release rate (up or down) would have shown"
    )
    assert waits.mde_text(1500.2) == "only waits longer or shorter by a factor of 1,500 would have shown"
    assert releases.interval_words({"ci_low": 0.043, "ci_high": 12345.6}) == "0.043 to 12,346 times"


def test_ratio_words_never_contradict_the_direction():
    fractions = ("half", "third", "quarter", "fifth", "sixth", "eighth", "tenth")
    for ratio in [x / 100 for x in range(1, 1000)]:
        words = ratio_words(ratio)
        if ratio < 0.995:
            assert "more" not in words and "times" not in words, (ratio, words)
        if ratio > 1.005:
            assert "less" not in words and not any(f in words for f in fractions), (ratio, words)


# ---- the demo ---------------------------------------------------------------------------------------


def test_checkout_reads_as_its_decisions_say(demo):
    # The demo's JSON: release frequency did 3.76 (1.349-10.48), p 0.012, adjusted 0.072 (not
    # clear after adjusting for 18); timeline accuracy +0.5975 (0.3986-0.7964), adjusted p 1.44e-05;
    # waits 0.1855 (0.1044-0.3295), adjusted p 5.051e-05; release days 7 -> 24.
    adjusted = team_headline(demo, "Checkout", adjusted=True)
    assert adjusted[0] == (
        "Checkout's release frequency: no clear change since its reorg, relative to the 3 comparison teams, "
        "once the 18 comparisons in this report are adjusted for (adjusted p = 0.072); with this much data only "
        "a change larger than 4.3 times the release rate (up or down) would have shown "
        "(7 release days before, 24 after)."
    )
    assert adjusted[1] == (
        "Checkout's timeline accuracy improved: it delivers 60 percentage points more of its commitments on "
        "time since its reorg, relative to the 3 comparison teams (95% interval +40 to +80 percentage points, "
        "adjusted p < 0.001; 83 commitments before, 71 after)."
    )
    assert adjusted[2].startswith(
        "Checkout's dependency waits improved: its items that waited on other teams wait about a fifth as long"
    )
    unadjusted = team_headline(demo, "Checkout", adjusted=False)
    assert unadjusted[0] == (
        "Checkout's release frequency improved: it releases 3.8 times as often since its reorg, relative to "
        "the 3 comparison teams (95% interval 1.3 to 10 times, p = 0.012; 7 release days before, 24 after)."
    )


def test_onboarding_says_no_clear_change_with_what_could_have_shown(demo):
    # Release frequency: did 1.28, p 0.62, MDE 4.014; 12 -> 14 release days.
    assert team_headline(demo, "Onboarding")[0] == (
        "Onboarding's release frequency: no clear change since its reorg, relative to the 3 comparison teams; "
        "with this much data only a change larger than 4.0 times the release rate (up or down) would have "
        "shown (12 release days before, 14 after)."
    )


def test_a_failed_pre_trend_check_is_said(demo):
    # Assist's dependency waits: pre-trend slope -0.6158 (-1.147 to -0.08474), not passed.
    assert "its trend over the before window was already moving" in team_headline(demo, "Assist")[2]


def test_the_organisation_headline_counts_the_badges(demo):
    adjusted = organisation_headline(demo, adjusted=True)
    assert adjusted[0].startswith(
        "3 teams reorganised to a single-threaded owner (STO, one leader whose only job is this team's outcome). "
        "3 comparison teams did not (Billing, Catalog, Search)"
    )
    assert adjusted[1] == (
        "Of the 9 measures of the reorganised teams (3 × 3 metrics), 2 improved (Checkout: timeline accuracy, "
        "dependency waits), none worsened, 7 show no clear change and none lacks data."
    )
    assert adjusted[2] == "The comparison teams show no clear change on any metric."
    assert "without that adjustment Checkout's release frequency would read as a clear change" in adjusted[3]
    unadjusted = organisation_headline(demo, adjusted=False)
    assert unadjusted[1].startswith("Of the 9 measures of the reorganised teams (3 × 3 metrics), 3 improved")
    assert "adjusted, Checkout's release frequency would read as no clear change" in unadjusted[3]


def test_every_demo_sentence_is_plain(demo):
    for adjusted in (True, False):
        for sentence in organisation_headline(demo, adjusted):
            assert_plain(sentence)
        for team in demo["teams"]:
            for sentence in team_headline(demo, team["team"], adjusted):
                assert_plain(sentence)


def test_an_unknown_team_is_named():
    with pytest.raises(KeyError, match="Nobody"):
        team_headline({"teams": []}, "Nobody")


# ---- hand-built reports ------------------------------------------------------------------------------


def metric_entry(verdict, basis, estimate, p_value, p_adjusted, mde, reasons=(), n=(20, 30), no_data=None):
    entry = {
        "before": {"value": 1.0, "n": n[0]},
        "after": {"value": 2.0, "n": n[1]},
        "effect": {"estimate": estimate, "ci_low": None, "ci_high": None, "p_value": p_value},
        "verdict": verdict,
        "decision": {
            "basis": basis,
            "estimate": estimate,
            "ci_low": None if estimate is None else estimate * 0.8,
            "ci_high": None if estimate is None else estimate * 1.25,
            "p_value": p_value,
            "p_adjusted": p_adjusted,
            "n_clusters": 12,
            "n_comparisons": {"did": 2, "its": 0, "raw": 0}.get(basis, 0),
            "mde": mde,
            "reasons": [{"code": code, "text": text} for code, text in reasons],
            "pre_trend": None,
            "randomization": None,
        },
    }
    if no_data:
        entry["no_data_reason"] = {"code": no_data[0], "text": no_data[1]}
    return entry


def report_of(teams, comparisons=6):
    return {"teams": teams, "adjusted_comparisons": comparisons, "comparison_date": "2025-01-01"}


def team_of(name, reorg_date, entries, model="sto"):
    return {"team": name, "reorg_date": reorg_date, "model": model, "metrics": entries}


def all_metrics(**kwargs):
    return {metric.name: metric_entry(**kwargs) for metric in metrics.registered()}


NO_CHANGE = {metric.name: metric.no_change for metric in metrics.registered()}


def test_each_basis_is_said():
    for basis, words in (
        ("did", "relative to the 2 comparison teams"),
        ("its", "an org-wide change cannot be ruled out"),
        ("raw", "as a raw before/after change"),
    ):
        report = report_of(
            [
                team_of(
                    "Pay",
                    "2025-01-01",
                    all_metrics(
                        verdict="improved", basis=basis, estimate=2.0, p_value=0.001, p_adjusted=0.004, mde=1.5
                    ),
                )
            ]
        )
        for sentence in team_headline(report, "Pay"):
            assert words in sentence and " improved: " in sentence


def insufficient_report(reasons, n, no_data):
    """A report of one team, Pay, whose every metric is insufficient data for these reasons."""
    return report_of(
        [
            team_of(
                "Pay",
                "2025-01-01",
                all_metrics(
                    verdict="insufficient data",
                    basis="did",
                    estimate=None,
                    p_value=None,
                    p_adjusted=None,
                    mde=None,
                    reasons=reasons,
                    n=n,
                    no_data=no_data,
                ),
            )
        ]
    )


@pytest.mark.parametrize(
    ("reasons", "no_data", "expected"),
    [
        ([("min_sample", "2 items before and 3 after; at least 5 are needed on each side.")], None, "2 items before"),
        (
            [("min_months", "2 calendar months with data before and 4 after; at least 3 are needed on each side.")],
            None,
            "2 calendar months with data before",
        ),
        ([("no_estimate", "no estimate could be made: a window without data.")], None, "No estimate could be made"),
        (
            [("min_sample", "0 release days before and 0 after; at least 3 are needed on each side.")],
            ("no_releases_attributed", "no releases attributed to this team: map its repositories (github_repo)"),
            "No releases attributed to this team",
        ),
    ],
)
def test_insufficient_data_says_why(reasons, no_data, expected):
    report = insufficient_report(reasons, (2, 3), no_data)
    for sentence in team_headline(report, "Pay"):
        assert ": insufficient data to judge. " in sentence and expected in sentence
        assert "improved" not in sentence and "no clear change" not in sentence
        assert_plain(sentence)


def test_insufficient_data_gives_n_even_when_the_reason_holds_the_same_digits():
    # Seen on the demo at a 60-day window: the reason (too few months, also as no_data_reason,
    # which ends with a full stop) happened to hold the digit of the before n ("at least 3"), the
    # sentence took n as given and dropped it, and ended in "..".
    months = "1 calendar month with data before and 2 after; at least 3 are needed on each side."
    report = insufficient_report([("min_months", months)], (3, 5), ("too_few_months", months))
    for metric, sentence in zip(metrics.registered(), team_headline(report, "Pay"), strict=True):
        assert f"(3 {metric.n_counts} before, 5 after)" in sentence, sentence
        assert ".." not in sentence and ". (" not in sentence, sentence
        assert sentence.endswith(").") and months.rstrip(".") in sentence, sentence


def test_no_comparison_teams_is_said_for_the_organisation():
    report = report_of(
        [
            team_of(
                "Pay",
                "2025-01-01",
                all_metrics(verdict="no clear change", basis="its", estimate=1.1, p_value=0.4, p_adjusted=0.6, mde=2.0),
            )
        ]
    )
    sentences = organisation_headline(report)
    assert "There are no comparison teams" in sentences[0] and "cannot be ruled out" in sentences[0]
    assert all("comparison teams show" not in sentence for sentence in sentences)


def test_a_comparison_team_that_moved_is_named():
    moved = all_metrics(verdict="worsened", basis="did", estimate=0.5, p_value=0.001, p_adjusted=0.002, mde=1.5)
    report = report_of(
        [
            team_of(
                "Pay",
                "2025-01-01",
                all_metrics(verdict="no clear change", basis="did", estimate=1.1, p_value=0.4, p_adjusted=0.6, mde=2.0),
            ),
            team_of("Ledger", None, moved, model="triad"),
        ]
    )
    sentences = organisation_headline(report)
    assert "1 comparison team did not (Ledger)" in sentences[0]
    assert sentences[2].startswith("The comparison teams moved too (Ledger: ") and "org-wide" in sentences[2]
    for sentence in team_headline(report, "Ledger"):
        assert sentence.startswith("Ledger's ") and "around the comparison date" in sentence
        assert "relative to the 2 other comparison teams" in sentence


def test_a_model_other_than_sto_is_named_as_given():
    report = report_of(
        [
            team_of(
                "Pay",
                "2025-01-01",
                all_metrics(verdict="no clear change", basis="did", estimate=1.1, p_value=0.4, p_adjusted=0.6, mde=2.0),
                model="pods",
            )
        ]
    )
    assert "(model as given in teams.csv: pods;" in organisation_headline(report)[0]


def test_no_teams():
    assert organisation_headline(report_of([])) == [
        "No teams yet: give a teams.csv with the exports (teams, reorg dates and their models)."
    ]


def test_no_sentence_says_more_than_its_badge():
    """Property: over every verdict, basis, direction of the estimate, p-value either side of the
    threshold, adjustment switch, minimum detectable effect and kind of team, a sentence says
    improved or worsened only when the badge does, says 'no clear change' when the badge does
    (without the estimate's direction), and never shows None, nan, an exponent or snake_case."""
    cases = itertools.product(
        ("improved", "worsened", "no clear change", "insufficient data"),
        ("did", "its", "raw"),
        ("up", "down"),
        (0.001, 0.2),  # the adjusted p: clear or not at 95%
        (True, False),  # the sidebar's switch
        (1.8, None),  # the minimum detectable effect
        ("2025-01-01", None),  # a reorganised team or a comparison team
    )
    checked = 0
    for verdict, basis, direction, p_adjusted, adjusted, mde, reorg in cases:
        entries = {}
        for metric in metrics.registered():
            step = 0.5 if metric.no_change == 1.0 else 0.2
            estimate = metric.no_change + step if direction == "up" else metric.no_change - step / 2
            insufficient = verdict == "insufficient data"
            entries[metric.name] = metric_entry(
                verdict,
                basis,
                None if insufficient else estimate,
                None if insufficient else 0.001,
                None if insufficient else p_adjusted,
                mde,
                reasons=[("min_sample", "1 item before and 2 after; at least 5 are needed on each side.")]
                if insufficient
                else [],
            )
        report = report_of([team_of("Pay", reorg, entries)])
        sentences = team_headline(report, "Pay", adjusted)
        for metric, sentence in zip(metrics.registered(), sentences):
            shown = shown_verdict(entries[metric.name], adjusted, 0.95)
            assert_plain(sentence)
            for word in ("improved", "worsened"):
                assert (f" {word}: " in sentence) == (shown == word), (shown, sentence)
            assert ("no clear change" in sentence) == (shown == "no clear change"), sentence
            if shown == "no clear change":
                # The estimate's direction is not given: none of the change's words appear.
                assert metric.change_words(entries[metric.name]["decision"]["estimate"]) not in sentence
            checked += 1
        for sentence in organisation_headline(report, adjusted):
            assert_plain(sentence)
    assert checked == 4 * 3 * 2 * 2 * 2 * 2 * 2 * len(metrics.registered())


def test_the_sentences_follow_the_badges_of_a_changed_demo(demo):
    changed = copy.deepcopy(demo)
    checkout = next(team for team in changed["teams"] if team["team"] == "Checkout")
    checkout["metrics"]["timeline_accuracy"]["decision"]["p_adjusted"] = 0.2
    sentence = team_headline(changed, "Checkout", adjusted=True)[1]
    assert sentence.startswith("Checkout's timeline accuracy: no clear change") and "adjusted p = 0.2" in sentence
    assert "percentage points more" not in sentence
