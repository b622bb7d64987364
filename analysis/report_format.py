"""The report as text a manager can paste into an email, and as CSV for spreadsheets."""

from __future__ import annotations

import csv
import io

from .report import METRICS
from .spreadsheet import formula_safe

LABELS = {
    "release_frequency": "Release frequency",
    "timeline_accuracy": "Timeline accuracy",
    "dependency_wait": "Dependency wait",
}
CSV_COLUMNS = (
    "team",
    "reorg_date",
    "model",
    "metric",
    "before_value",
    "before_n",
    "after_value",
    "after_n",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_value_adjusted",
    "verdict",
)


def value_text(metric: str, value) -> str:
    if value is None:
        return "-"
    if metric == "release_frequency":
        return f"{value:.2f}/30d"
    if metric == "timeline_accuracy":
        return f"{value:.0%} on time"
    return f"{value:.1f} d median"


def effect_text(metric: str, effect: dict) -> str:
    estimate, low, high = effect["estimate"], effect["ci_low"], effect["ci_high"]
    if estimate is None:
        return "no estimate"

    def number(x, fmt):
        return "inf" if x is None else format(x, fmt)

    if metric == "release_frequency":
        text = f"x{number(estimate, '.2f')} ({number(low, '.2f')} to {number(high, '.2f')})"
    elif metric == "timeline_accuracy":
        text = f"{estimate * 100:+.0f} pts ({number(low * 100 if low is not None else None, '+.0f')} to {number(high * 100 if high is not None else None, '+.0f')})"
    else:
        text = f"{estimate:+.1f} d ({number(low, '+.1f')} to {number(high, '+.1f')})"
    if effect.get("p_value") is not None:
        text += f", p={effect['p_value']:.3g}"
    return text


def summary_sentence(team: dict) -> str:
    """One plain-English line: the release-frequency change, the clearest headline."""
    metric = team["metrics"]["release_frequency"]
    effect, name = metric["effect"], team["team"]
    if metric["verdict"] == "insufficient data" or effect["estimate"] is None:
        return (
            f"{name}: too few releases to say whether release frequency changed "
            f"({metric['before']['n']} release days before, {metric['after']['n']} after)."
        )
    interval = (
        ""
        if effect["ci_low"] is None or effect["ci_high"] is None
        else f" (95% interval {effect['ci_low']:.1f}x-{effect['ci_high']:.1f}x)"
    )
    return (
        f"{name} now releases {effect['estimate']:.1f}x as often{interval}; "
        f"{metric['verdict']} ({metric['before']['n']} release days before, {metric['after']['n']} after)."
    )


NO_TEAMS = (
    "No teams to report: add a teams.csv (team,reorg_date,model,leader) to the paths, with an "
    "ownership.csv or members.csv that says which team owns which projects, repositories or people."
)


def format_text(report: dict) -> str:
    settings = report["settings"]
    lines = [
        "Threadline report",
        f"Windows of {settings['window_days']} days, transition {settings['transition_days']} days, "
        f"on time = no later than {settings['tolerance_days']} days after the committed date. "
        f"Comparison teams measured around {report['comparison_date'] or '-'}.",
        "",
    ]
    if not report["teams"]:
        lines += [NO_TEAMS, ""]
    for team in report["teams"]:
        reorg = f"reorganised {team['reorg_date']}" if team["reorg_date"] else "comparison team"
        lines.append(f"{team['team']} ({team['model'] or 'model not given'}, {reorg})")
        for metric in METRICS:
            m = team["metrics"][metric]
            before, after = m["before"], m["after"]
            lines.append(
                f"  {LABELS[metric]:<18} {value_text(metric, before['value']):>16} (n={before['n']}) -> "
                f"{value_text(metric, after['value']):>16} (n={after['n']})  "
                f"{effect_text(metric, m['effect'])}  [{m['verdict']}]"
            )
        lines.append("  " + summary_sentence(team))
        lines.append("")
    if report["rejected"]:
        lines.append(f"Rejected rows: {len(report['rejected'])}")
        for reject in report["rejected"][:20]:
            where = f"row {reject['row']}" if reject["row"] is not None else "whole file"
            lines.append(f"  {reject['file']} {where}: {reject['reason']}")
        if len(report["rejected"]) > 20:
            lines.append(f"  ... and {len(report['rejected']) - 20} more")
    return "\n".join(lines)


def format_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for team in report["teams"]:
        for metric in METRICS:
            m = team["metrics"][metric]
            row = {
                "team": team["team"],
                "reorg_date": team["reorg_date"],
                "model": team["model"],
                "metric": metric,
                "before_value": m["before"]["value"],
                "before_n": m["before"]["n"],
                "after_value": m["after"]["value"],
                "after_n": m["after"]["n"],
                **{
                    key: m["effect"].get(key)
                    for key in ("estimate", "ci_low", "ci_high", "p_value", "p_value_adjusted")
                },
                "verdict": m["verdict"],
            }
            # Team and model names come from the organisation files: never a formula.
            writer.writerow({key: formula_safe(value) for key, value in row.items()})
    return out.getvalue()
