"""A metric is defined in one place: its name appears as a string literal only in
analysis/metrics/ (its own module and the registry); everything else asks the registry."""

from __future__ import annotations

import io
import re
import tokenize

from conftest import PROJECT_ROOT

from analysis import metrics

# The three metrics of the SPEC, spelled out so that a registry change cannot hide them, and
# whatever else is registered.
NAMES = sorted({"release_frequency", "timeline_accuracy", "dependency_wait", *metrics.NAMES})
PRODUCT = ["analysis", "app.py", "dashboard.py", "pages", "app_pages"]


def product_files():
    for entry in PRODUCT:
        path = PROJECT_ROOT / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            if (PROJECT_ROOT / "analysis" / "metrics") not in file.parents:
                yield file


def literals_naming_a_metric(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every string literal (docstrings and f-strings too) naming a metric."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, NAMES)) + r")\b")
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and pattern.search(token.string):
            found.append((token.start[0], token.string))
    return found


def test_the_check_finds_a_metric_name_in_a_literal():
    source = 'x = report["metrics"]["timeline_accuracy"]\ny = f"{a}dependency_wait"\nz = release_frequency\n'
    assert [line for line, _ in literals_naming_a_metric(source)] == [1, 2]


def test_no_metric_name_as_a_string_literal_outside_analysis_metrics():
    files = list(product_files())
    assert any(file.name == "report.py" for file in files) and any(file.name == "team.py" for file in files)
    offenders = [
        f"{file.relative_to(PROJECT_ROOT)}:{line}: {literal[:60]}"
        for file in files
        for line, literal in literals_naming_a_metric(file.read_text(encoding="utf-8"))
    ]
    assert offenders == []
