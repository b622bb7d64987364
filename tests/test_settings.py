"""One settings validator (analysis/settings.py): every problem, each naming its field, and the
one set of bounds the command line, the Data page, the workspace file and the sidebar share."""

from __future__ import annotations

import dataclasses

import pytest

from analysis.settings import BOUNDS, LABELS, Settings, SettingsError, tag_pattern_problem


def test_the_defaults_are_usable():
    assert Settings().problems() == []
    assert Settings().check() == Settings()


def test_every_problem_is_reported_with_its_field():
    settings = Settings(
        window_days=7,
        tolerance_days=61,
        min_items=0,
        confidence=1.0,
        timezone="Mars/Olympus",
        blocking_link_types=(),
        release_tag_pattern=r"^v(?!0)\d+$",  # Python reads a look-ahead, DuckDB's RE2 does not
    )
    problems = settings.problems()
    assert [p.field for p in problems] == [
        "window_days",
        "tolerance_days",
        "min_items",
        "confidence",
        "timezone",
        "blocking_link_types",
        "release_tag_pattern",
    ]
    for problem in problems:
        assert str(problem).startswith(f"{LABELS[problem.field]} ({problem.field}): ")
    with pytest.raises(SettingsError) as raised:
        settings.check()
    assert raised.value.problems == problems and "window_days" in str(raised.value)


@pytest.mark.parametrize("field, low, high", [(f, low, high) for f, (low, high) in BOUNDS.items()])
def test_bounds_are_inclusive(field, low, high):
    assert dataclasses.replace(Settings(), **{field: low}).problems() == []
    assert [p.field for p in dataclasses.replace(Settings(), **{field: low - 1}).problems()] == [field]
    if high is not None:
        assert dataclasses.replace(Settings(), **{field: high}).problems() == []
        assert [p.field for p in dataclasses.replace(Settings(), **{field: high + 1}).problems()] == [field]


def test_the_sidebar_bounds_are_the_settings_bounds():
    assert (BOUNDS["window_days"], BOUNDS["transition_days"], BOUNDS["tolerance_days"]) == (
        (14, 730),
        (0, 365),
        (0, 60),
    )


def test_clamping_moves_numbers_into_bounds_and_says_so():
    settings, messages = Settings(window_days=5, transition_days=400, min_items=0, seed=-1).clamped()
    assert (settings.window_days, settings.transition_days, settings.min_items, settings.seed) == (14, 365, 1, 0)
    assert settings.problems() == []
    assert len(messages) == 4 and "window_days" in messages[0] and "was 5" in messages[0]
    assert Settings().clamped() == (Settings(), [])


@pytest.mark.parametrize(
    "pattern, words",
    [("", "empty"), ("v[0-9", "not a valid regular expression"), (r"(a)\1", "DuckDB"), (r"^v\d+$", None)],
)
def test_tag_patterns_must_work_in_python_and_in_duckdb(pattern, words):
    problem = tag_pattern_problem(pattern)
    assert problem is None if words is None else words in problem
