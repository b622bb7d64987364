"""The headline: a few plain sentences that answer "did the reorg help, for which team, how
sure?", for the organisation and for each team, from the report's JSON alone.

Pure functions on the report dict (analysis.report.build_report): the Overview and the Team page
open with them, and any other rendering of a report (an HTML pack) may call them. Each metric
writes its own sentence (`Metric.headline_sentence`); here they are gathered per team and
counted for the organisation. Nothing here says more than the badges do: a verdict is the one
the badge shows for the same switch (`adjusted`: Benjamini-Hochberg adjusted p-values, the
default), and a change that is not clear is said as "no clear change", whichever way its
estimate points.

Team names come from teams.csv (an export): the sentences carry them as written, so a page
shows them as text or escapes them (views.common.markdown_literal), never as Markdown.
"""

from __future__ import annotations

from . import metrics
from .metrics.base import HeadlineFrame, alpha
from .settings import Settings

STO_EXPLAINED = "a single-threaded owner (STO, one leader whose only job is this team's outcome)"
STO_MODELS = ("sto", "single-threaded owner", "single threaded owner")
CLEAR = ("improved", "worsened")


def shown_verdict(metric: dict, adjusted: bool, confidence: float) -> str:
    """The verdict a badge shows (the Overview's grid, the Team page, these sentences): the
    report's (taken at the decision's unadjusted p), or, with `adjusted`, "no clear change" for
    an improved or worsened verdict whose Benjamini-Hochberg adjusted p is not below
    1 - confidence. A report without adjusted p-values (one team alone) keeps its verdicts."""
    verdict = metric["verdict"]
    p_adjusted = metric["decision"]["p_adjusted"]
    if adjusted and verdict in CLEAR and p_adjusted is not None and p_adjusted >= alpha(confidence):
        return "no clear change"
    return verdict


def frame_for(report: dict, team: dict, adjusted: bool, confidence: float) -> HeadlineFrame:
    return HeadlineFrame(
        since="since its reorg" if team["reorg_date"] else "around the comparison date",
        comparison_team=not team["reorg_date"],
        adjusted=adjusted,
        confidence=confidence,
        comparisons=report.get("adjusted_comparisons"),
    )


def find_team(report: dict, name: str) -> dict:
    for team in report["teams"]:
        if team["team"] == name:
            return team
    raise KeyError(f"no team named {name!r} in this report")


def team_headline(report: dict, team: str, adjusted: bool = True, confidence: float = Settings.confidence) -> list[str]:
    """One sentence per metric of `team` (a name in the report), in the registry's order."""
    entry = find_team(report, team)
    frame = frame_for(report, entry, adjusted, confidence)
    return [
        metric.headline_sentence(entry["team"], m, shown_verdict(m, adjusted, confidence), frame)
        for metric in metrics.registered()
        for m in (entry["metrics"][metric.name],)
    ]


def organisation_headline(report: dict, adjusted: bool = True, confidence: float = Settings.confidence) -> list[str]:
    """A few sentences on the whole organisation: who reorganised (STO explained once) and who
    did not, what the badges say across the reorganised teams, whether the comparison teams
    moved too, and what the adjustment switch changes."""
    teams = report["teams"]
    if not teams:
        return ["No teams yet: give a teams.csv with the exports (teams, reorg dates and their models)."]
    reorganised = [team for team in teams if team["reorg_date"]]
    comparison = [team for team in teams if not team["reorg_date"]]
    sentences = [who_sentence(reorganised, comparison)]
    if reorganised:
        sentences.append(verdicts_sentence(reorganised, adjusted, confidence))
    if reorganised and comparison:
        sentences.append(comparison_sentence(comparison, adjusted, confidence))
    adjustment = adjustment_sentence(report, adjusted, confidence)
    if adjustment:
        sentences.append(adjustment)
    return sentences


def who_sentence(reorganised: list[dict], comparison: list[dict]) -> str:
    count = len(reorganised)
    if not count:
        return (
            f"No team has a reorg date in teams.csv: the {plural(len(comparison), 'team')} here can only be "
            "compared with each other."
        )
    models = sorted({(team["model"] or "").strip() for team in reorganised} - {""}, key=str.lower)
    if models and all(model.lower() in STO_MODELS for model in models):
        how = f"to {STO_EXPLAINED}"
    elif models:
        how = f"(model as given in teams.csv: {', '.join(models)}; {STO_EXPLAINED[2:]})"
    else:
        how = f"(no model given; the question is whether moving to {STO_EXPLAINED} changed how teams deliver)"
    text = f"{plural(count, 'team')} reorganised {how}. "
    if comparison:
        names = ", ".join(team["team"] for team in comparison)
        return text + (
            f"{plural(len(comparison), 'comparison team')} did not ({names}): they show what changed anyway."
        )
    return text + (
        "There are no comparison teams, so each team is judged against its own trend before the reorg: "
        "an org-wide change cannot be ruled out."
    )


def shown_by_verdict(teams: list[dict], adjusted: bool, confidence: float) -> dict[str, list[tuple[str, str]]]:
    """verdict -> [(team, metric subject)] of what the badges show."""
    found = {verdict: [] for verdict in ("improved", "worsened", "no clear change", "insufficient data")}
    for team in teams:
        for metric in metrics.registered():
            shown = shown_verdict(team["metrics"][metric.name], adjusted, confidence)
            found[shown].append((team["team"], metric.subject))
    return found


def listed(pairs: list[tuple[str, str]]) -> str:
    """'Checkout: timeline accuracy, dependency waits; Assist: release frequency'."""
    by_team: dict[str, list[str]] = {}
    for team, subject in pairs:
        by_team.setdefault(team, []).append(subject)
    return "; ".join(f"{team}: {', '.join(subjects)}" for team, subjects in by_team.items())


def verdicts_sentence(reorganised: list[dict], adjusted: bool, confidence: float) -> str:
    """What the badges of the reorganised teams say, counted, with who improved or worsened."""
    found = shown_by_verdict(reorganised, adjusted, confidence)
    total = sum(len(pairs) for pairs in found.values())
    parts = []
    for verdict in CLEAR:
        pairs = found[verdict]
        parts.append(f"{len(pairs)} {verdict} ({listed(pairs)})" if pairs else f"none {verdict}")
    parts.append(f"{len(found['no clear change'])} show no clear change")
    short = len(found["insufficient data"])
    parts.append(f"{short} {'has' if short == 1 else 'have'} too little data to judge" if short else "none lacks data")
    teams, measures = len(reorganised), len(metrics.registered())
    return (
        f"Of the {total} measures of the reorganised {'team' if teams == 1 else 'teams'} "
        f"({teams} × {measures} metrics), " + ", ".join(parts[:-1]) + f" and {parts[-1]}."
    )


def comparison_sentence(comparison: list[dict], adjusted: bool, confidence: float) -> str:
    found = shown_by_verdict(comparison, adjusted, confidence)
    moved = [(team, f"{subject} {verdict}") for verdict in CLEAR for team, subject in found[verdict]]
    if moved:
        return f"The comparison teams moved too ({listed(moved)}), without a reorg: part of a change may be org-wide."
    if len(found["insufficient data"]) == sum(len(pairs) for pairs in found.values()):
        return "The comparison teams have too little data to show whether anything changed without a reorg."
    if found["insufficient data"]:
        return "The comparison teams show no clear change on any metric with enough data to judge."
    return "The comparison teams show no clear change on any metric."


def adjustment_sentence(report: dict, adjusted: bool, confidence: float) -> str | None:
    """What the sidebar's switch does to these verdicts: which clear verdicts only one side of it
    shows (with both p-values)."""
    count = report.get("adjusted_comparisons")
    if not count:
        return None
    differ = [
        (team["team"], metric)
        for team in report["teams"]
        for metric in metrics.registered()
        if shown_verdict(team["metrics"][metric.name], True, confidence)
        != shown_verdict(team["metrics"][metric.name], False, confidence)
    ]
    names = "; ".join(f"{team}'s {metric.subject}" for team, metric in differ)
    if adjusted:
        text = (
            f"Verdicts are adjusted for the {count} comparisons in this report (with that many, some "
            f"p-values fall below {alpha(confidence):g} by chance)"
        )
        if differ:
            text += f"; without that adjustment {names} would read as a clear change"
        return text + " (switch in the sidebar)."
    text = (
        f"Verdicts use each comparison's own p-value, not adjusted for the {count} comparisons in this "
        "report: with that many, some clear results are expected by chance"
    )
    if differ:
        text += f"; adjusted, {names} would read as no clear change"
    return text + " (switch in the sidebar)."


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
