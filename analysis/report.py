"""The per-team before/after report: values, sample sizes, effects, verdicts (SPEC contract).

Built as typed results (analysis.results); build_report and build_team_report return their JSON."""

from __future__ import annotations

import math

import pandas as pd

from . import metrics, queries, stats
from .comparison import (
    Span,
    add_decisions,
    add_randomization,
    difference_in_differences,
    history_windows,
    placebo,
    placebo_days,
    team_histories,
)
from .metrics import supporting
from .metrics.rows import PERIODS, MetricData, anchors, compute, data_span, team_windows, teams_table
from .results import Report, TeamResult, iso
from .settings import Settings
from .store import SET_ASIDE_MARK

METRICS = metrics.NAMES  # the registered metrics' names, in report order


def build_report(con, settings: Settings) -> dict:
    """The whole report (SPEC "Command line"), every team, with adjusted p-values, as JSON."""
    return report_results(con, settings).as_json()


def build_team_report(con, settings: Settings, team: str) -> dict | None:
    """One team's entry of build_report (None if there is no such team), computing only its
    own and the comparison teams' windows. Its p-values are not adjusted (`p_adjusted` is None):
    the adjustment needs every team's."""
    found = build_team_report_with_rows(con, settings, team)
    return None if found is None else found[0]


def build_team_report_with_rows(con, settings: Settings, team: str) -> tuple[dict, MetricData] | None:
    """build_team_report, with the metric rows it was computed from: they hold the team's own
    windows and history too, so the Team page draws from them without a second metric pass."""
    teams = teams_table(con)
    if team not in set(teams["team"]):
        return None
    report, data = _report_with_rows(con, settings, teams, [team])
    return report.teams[0].as_json(), data


def report_results(con, settings: Settings) -> Report:
    """The whole report as typed results, with rejected rows and adjusted p-values."""
    teams = teams_table(con)
    report = _report(con, settings, teams, list(teams["team"]))
    report.rejected = rejected_rows(con)
    add_adjusted_p_values(report)
    return report


def _report(con, settings: Settings, teams: pd.DataFrame, chosen: list[str]) -> Report:
    return _report_with_rows(con, settings, teams, chosen)[0]


def _report_with_rows(con, settings: Settings, teams: pd.DataFrame, chosen: list[str]) -> tuple[Report, MetricData]:
    team_anchors = anchors(teams, settings)
    span = data_span(con, settings)
    comparison_teams = [t.team for t in teams.itertuples() if iso(t.reorg_date) is None]
    measured = list(dict.fromkeys(chosen + comparison_teams))  # comparison teams for the DiD
    # One pass of the metric queries: the before/after windows and the whole history of each
    # chosen team (placebo check) and comparison team (their bins in the chosen teams' windows).
    windows = [window for team in measured for window in team_windows(team, team_anchors[team], span, settings)]
    data = compute(con, settings, windows=windows + history_windows(measured, span))
    histories = team_histories(data, measured, settings)
    team_reports = []
    for team in teams[teams["team"].isin(chosen)].itertuples():
        result = team_report(team, data, settings)
        anchor = team_anchors[team.team]
        decided = None if anchor is None else Span.of(result.windows["before"], result.windows["after"], anchor)
        add_decisions(result, decided, histories, comparison_teams, settings)
        add_no_data_reasons(result, data, settings)
        pretend_days = placebo_days(span[0], anchor, settings)
        add_randomization(result, decided, histories, comparison_teams, pretend_days, settings)
        if not result.is_comparison:
            result.difference_in_differences = difference_in_differences(team.team, data, comparison_teams, settings)
        # The estimates as the report gives them (4 significant digits).
        observed = {name: m.effect_dict()["estimate"] for name, m in result.metrics.items()}
        result.placebo = placebo(histories[team.team], anchor, observed, settings)
        team_reports.append(result)
    return Report(settings, data.comparison_date, span, team_reports), data


def team_report(team, data: MetricData, settings: Settings) -> TeamResult:
    """One team's before/after values, effects and verdicts (without comparisons)."""
    name = team.team
    windows = {period: data.window(name, period) for period in PERIODS}
    return TeamResult(
        team=name,
        reorg_date=_as_date(team.reorg_date),
        model=_text(team.model),
        windows=windows,
        metrics={metric.name: metric.measure(name, data, windows, settings) for metric in metrics.registered()},
        supporting=supporting.measure(name, data),
    )


def add_no_data_reasons(result: TeamResult, data: MetricData, settings: Settings) -> None:
    """Name the missing input of each metric the team has no data for (after its verdict)."""
    for metric in metrics.registered():
        measured = result.metrics[metric.name]
        measured.no_data_reason = metric.no_data_reason(result.team, data, measured, settings)


def add_adjusted_p_values(report: Report) -> None:
    """Benjamini-Hochberg across every team and metric of the report, on the decisions' p-values
    (as the report gives them, 4 significant digits); a decision without one takes no part."""
    results = [result for team in report.teams for result in team.metrics.values()]
    raw = [result.decision_dict()["p_value"] for result in results]
    raw = [p if p is not None else math.nan for p in raw]
    adjusted = stats.benjamini_hochberg(raw) if results else []
    for result, value in zip(results, adjusted):
        result.p_adjusted = float(f"{value:.4g}") if math.isfinite(value) else None
    report.adjusted_comparisons = int(sum(math.isfinite(p) for p in raw))


def rejected_rows(con) -> list[dict]:
    """Every rejected row, and every file refused as a whole (row None), in load order."""
    rows = con.execute(queries.sql("rejected_rows_list")).df()
    rejected = [
        (
            r.load_id,
            {
                "file": r.file_name,
                "row": None if pd.isna(r.row_number) else int(r.row_number),
                "field": _text(r.field),
                "reason": without_file_name(r.reason, r.file_name),
            },
        )
        for r in rows.itertuples()
    ]
    refused = con.execute(queries.sql("refused_files")).fetchall()
    rejected += [
        (load_id, {"file": name, "row": None, "field": None, "reason": without_file_name(message or "refused", name)})
        for load_id, name, message in refused
    ]
    # A stable sort keeps each file's rows in their order.
    return [reject for _, reject in sorted(rejected, key=lambda pair: pair[0])]


def about_the_organisation(reject: dict) -> bool:
    """Whether an entry of `rejected` says which organisation file was used, rather than a bad
    row or file: the CSV report, which has no place for `rejected`, says these on stderr in full,
    since they change what its numbers cover."""
    return reject["row"] is None and reject["reason"].startswith(SET_ASIDE_MARK)


def without_file_name(message: str, file_name: str) -> str:
    """An importer's message without the leading "<file>: " the report shows beside it."""
    prefix = f"{file_name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _as_date(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _text(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
