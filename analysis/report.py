"""The per-team before/after report: values, sample sizes, effects, verdicts (SPEC contract)."""

from __future__ import annotations

import math

import pandas as pd

from . import metrics, queries, stats
from .comparison import difference_in_differences, history_windows, placebo, team_histories
from .metrics import supporting
from .metrics.rows import PERIODS, MetricData, anchors, compute, data_span, team_windows, teams_table
from .settings import Settings

METRICS = metrics.NAMES  # the registered metrics' names, in report order


def build_report(con, settings: Settings) -> dict:
    """The whole report (SPEC "Command line"), every team, with adjusted p-values."""
    teams = teams_table(con)
    report = _report(con, settings, teams, list(teams["team"]))
    report["rejected"] = rejected_rows(con)
    add_adjusted_p_values(report)
    return report


def build_team_report(con, settings: Settings, team: str) -> dict | None:
    """One team's entry of build_report (None if there is no such team), computing only its
    own and the comparison teams' windows. Its p-values are not adjusted: the adjustment
    needs every team's."""
    teams = teams_table(con)
    if team not in set(teams["team"]):
        return None
    return _report(con, settings, teams, [team])["teams"][0]


def _report(con, settings: Settings, teams: pd.DataFrame, chosen: list[str]) -> dict:
    team_anchors = anchors(teams, settings)
    span = data_span(con, settings)
    comparison_teams = [t.team for t in teams.itertuples() if _iso(t.reorg_date) is None]
    measured = list(dict.fromkeys(chosen + comparison_teams))  # comparison teams for the DiD
    # One pass of the metric queries: the before/after windows and each chosen team's whole
    # history (for the placebo check) together.
    windows = [window for team in measured for window in team_windows(team, team_anchors[team], span, settings)]
    data = compute(con, settings, windows=windows + history_windows(chosen, span))
    histories = team_histories(data, chosen, settings)
    team_reports = []
    for team in teams[teams["team"].isin(chosen)].itertuples():
        result = team_report(team, data, settings)
        if _iso(team.reorg_date) is not None:
            result["difference_in_differences"] = difference_in_differences(team.team, data, comparison_teams, settings)
        observed = {name: entry["effect"]["estimate"] for name, entry in result["metrics"].items()}
        result["placebo"] = placebo(histories[team.team], team_anchors[team.team], observed, settings)
        team_reports.append(result)
    return {
        "settings": settings.contract(),
        "comparison_date": _iso(data.comparison_date),
        "data_span": {"first_day": _iso(span[0]), "last_day": _iso(span[1])},
        "teams": team_reports,
    }


def team_report(team, data: MetricData, settings: Settings) -> dict:
    """One team's before/after values, effects and verdicts (without comparisons)."""
    name = team.team
    windows = {period: data.window(name, period) for period in PERIODS}
    return {
        "team": name,
        "reorg_date": _iso(team.reorg_date),
        "model": _text(team.model),
        "windows": {
            period: ({"start": _iso(w.start), "end": _iso(w.end), "days": w.days} if w else None)
            for period, w in windows.items()
        },
        "metrics": {
            metric.name: metric.measure(name, data, windows, settings).as_dict() for metric in metrics.registered()
        },
        "supporting": supporting.measure(name, data),
    }


def add_adjusted_p_values(report: dict) -> None:
    """Benjamini-Hochberg across every team and metric of the report."""
    effects = [team["metrics"][metric.name]["effect"] for team in report["teams"] for metric in metrics.registered()]
    raw = [e["p_value"] if e["p_value"] is not None else math.nan for e in effects]
    adjusted = stats.benjamini_hochberg(raw) if effects else []
    for effect, value in zip(effects, adjusted):
        # Four significant digits, as the unadjusted p-values (stats.Effect.as_dict).
        effect["p_value_adjusted"] = float(f"{value:.4g}") if math.isfinite(value) else None


def rejected_rows(con) -> list[dict]:
    rows = con.execute(queries.sql("rejected_rows_list")).df()
    return [
        {
            "file": r.file_name,
            "row": None if pd.isna(r.row_number) else int(r.row_number),
            "field": _text(r.field),
            "reason": r.reason,
        }
        for r in rows.itertuples()
    ]


def _iso(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _text(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
