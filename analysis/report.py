"""The per-team before/after report: values, sample sizes, effects, verdicts (SPEC contract)."""

from __future__ import annotations

import math

import pandas as pd

from . import queries, stats
from .comparison import difference_in_differences, history_windows, placebo, team_histories
from .metrics.rows import PERIODS, MetricData, anchors, compute, data_span, team_windows, teams_table
from .settings import Settings

METRICS = ("release_frequency", "timeline_accuracy", "dependency_wait")
DAYS_PER_RATE = 30  # release frequency is shown per 30 days


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
        observed = {metric: result["metrics"][metric]["effect"]["estimate"] for metric in METRICS}
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
            "release_frequency": release_frequency(name, data, windows, settings),
            "timeline_accuracy": timeline_accuracy(name, data, settings),
            "dependency_wait": dependency_wait(name, data, settings),
        },
        "supporting": supporting_measures(name, data),
    }


def release_frequency(team: str, data: MetricData, windows: dict, settings: Settings) -> dict:
    sides = {}
    for period in PERIODS:
        days = data.rows("release_days", team, period)["release_day"].sort_values()
        exposure = windows[period].days if windows[period] else 0
        gaps = days.diff().dropna().dt.days
        sides[period] = {
            "value": _round(len(days) / exposure * DAYS_PER_RATE) if exposure else None,
            "n": len(days),
            "window_days": exposure,
            "median_days_between": _round(gaps.median()) if len(gaps) else None,
        }
    effect = stats.rate_ratio_test(
        sides["after"]["n"],
        sides["after"]["window_days"],
        sides["before"]["n"],
        sides["before"]["window_days"],
        confidence=settings.confidence,
    )
    return _metric(sides, effect, settings.min_releases, higher_is_better=True, no_change=1.0)


def timeline_accuracy(team: str, data: MetricData, settings: Settings) -> dict:
    sides, on_time_counts, slips = {}, {}, {}
    for period in PERIODS:
        rows = data.rows("commitments", team, period)
        slip = rows["slip_days"].astype(float)
        on_time = int((slip <= settings.tolerance_days).sum())
        on_time_counts[period], slips[period] = on_time, slip.to_numpy()
        bases = sorted(rows["commitment_source"].dropna().unique())
        sides[period] = {
            "value": _round(on_time / len(rows)) if len(rows) else None,
            "n": len(rows),
            "on_time": on_time,
            "median_slip_days": _round(slip.median()) if len(rows) else None,
            "p85_abs_slip_days": _round(slip.abs().quantile(0.85)) if len(rows) else None,
            "replanned_items": int((rows["replans"].fillna(0) > 0).sum()),
            "commitment_basis": bases,
        }
    effect = stats.proportion_difference(
        on_time_counts["after"],
        sides["after"]["n"],
        on_time_counts["before"],
        sides["before"]["n"],
        confidence=settings.confidence,
    )
    result = _metric(sides, effect, settings.min_items, higher_is_better=True, no_change=0.0)
    slip_test = stats.median_difference(
        slips["after"],
        slips["before"],
        confidence=settings.confidence,
        n_boot=settings.bootstrap_samples,
        seed=settings.seed,
    )
    result["slip_median_difference"] = slip_test.as_dict()
    return result


def dependency_wait(team: str, data: MetricData, settings: Settings) -> dict:
    sides, waits = {}, {}
    for period in PERIODS:
        rows = data.rows("waits", team, period)
        resolved = data.rows("resolved", team, period)
        items_resolved = int(resolved["items_resolved"].sum()) if len(resolved) else 0
        wait = rows["wait_days"].astype(float)
        waits[period] = wait.to_numpy()
        sides[period] = {
            "value": _round(wait.median()) if len(wait) else None,
            "n": len(wait),
            "items_resolved": items_resolved,
            "share_waiting": _round(len(wait) / items_resolved) if items_resolved else None,
            "p85_wait_days": _round(wait.quantile(0.85)) if len(wait) else None,
            "waits_on": _waits_on(data.rows("wait_matrix", team, period)),
        }
    effect = stats.median_difference(
        waits["after"],
        waits["before"],
        confidence=settings.confidence,
        n_boot=settings.bootstrap_samples,
        seed=settings.seed,
    )
    return _metric(sides, effect, settings.min_items, higher_is_better=False, no_change=0.0)


def supporting_measures(team: str, data: MetricData) -> dict:
    result = {}
    for period in PERIODS:
        resolved = data.rows("resolved", team, period)
        release_days = len(data.rows("release_days", team, period))
        items = int(resolved["items_resolved"].sum()) if len(resolved) else 0
        row = resolved.iloc[0] if len(resolved) else None
        result[period] = {
            "throughput": items,
            "median_cycle_days": _round(row["median_cycle_days"]) if row is not None else None,
            "items_per_release_day": _round(items / release_days) if release_days else None,
            "median_epic_days": _round(row["median_epic_days"]) if row is not None else None,
        }
    return result


def add_adjusted_p_values(report: dict) -> None:
    """Benjamini-Hochberg across every team and metric of the report."""
    effects = [team["metrics"][metric]["effect"] for team in report["teams"] for metric in METRICS]
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


def _metric(sides: dict, effect, minimum_n: int, higher_is_better: bool, no_change: float) -> dict:
    return {
        "before": sides["before"],
        "after": sides["after"],
        "effect": effect.as_dict(),
        "verdict": stats.verdict(
            effect,
            sides["before"]["n"],
            sides["after"]["n"],
            minimum_n,
            higher_is_better=higher_is_better,
            no_change=no_change,
        ),
    }


def _waits_on(rows: pd.DataFrame) -> list[dict]:
    rows = rows.sort_values("wait_days", ascending=False)
    return [
        {"team": team, "items": int(items), "wait_days": _round(days)}
        for team, items, days in zip(rows["blocker_team"], rows["items_waiting"], rows["wait_days"])
    ]


def _round(value, digits: int = 4):
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return None
    return round(float(value), digits)


def _iso(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _text(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
