"""The report as text a manager can paste into an email, and as CSV for spreadsheets."""

from __future__ import annotations

import csv
import io
import re

from . import metrics
from .metrics import supporting
from .metrics.base import basis_text, with_p_value
from .number_words import p_value_text
from .settings import Settings
from .spreadsheet import formula_safe

# Control characters but the line break and the tab: C0, DEL and C1 (a terminal runs ESC and CSI).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text for a terminal with each control character written out (\\x1b): a team name or a
    rejected value from an export could otherwise recolour, clear or retitle the terminal."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match[0]):02x}", text)


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
    "verdict",
    "no_data_reason",
    "basis",
    "decision_estimate",
    "decision_ci_low",
    "decision_ci_high",
    "decision_p_value",
    "p_adjusted",
    "n_clusters",
    "n_comparisons",
    "mde",
    "reasons",
)
# The CSV's decision columns: the JSON decision block's keys.
DECISION_COLUMNS = {
    "basis": "basis",
    "decision_estimate": "estimate",
    "decision_ci_low": "ci_low",
    "decision_ci_high": "ci_high",
    "decision_p_value": "p_value",
    "p_adjusted": "p_adjusted",
    "n_clusters": "n_clusters",
    "n_comparisons": "n_comparisons",
    "mde": "mde",
}


def value_text(metric: str, value) -> str:
    return "-" if value is None else metrics.get(metric).value_text(value)


def effect_text(metric: str, effect: dict) -> str:
    if effect["estimate"] is None:
        return "no estimate"
    return with_p_value(metrics.get(metric).effect_text(effect), effect)


def comparison_teams(report: dict, team: dict) -> list[str]:
    """The teams a team's decisions were compared with: every comparison team for a reorganised
    team, the other comparison teams for a comparison team (leave-one-out)."""
    return [other["team"] for other in report["teams"] if other["reorg_date"] is None and other["team"] != team["team"]]


def decision_text(metric: str, decision: dict) -> str:
    """The decision's estimate, interval and p-value, or why there is none."""
    if decision["estimate"] is None:
        return "no estimate"
    return with_p_value(metrics.get(metric).decision_text(decision), decision)


def decision_line(report: dict, team: dict, metric: str) -> str:
    """The text report's decision line: its basis, estimate, adjusted p, MDE and reasons."""
    m = team["metrics"][metric]
    decision = m["decision"]
    text = f"decision {basis_text(decision, comparison_teams(report, team))}: {decision_text(metric, decision)}"
    if decision["p_adjusted"] is not None:
        text += f", {p_value_text(decision['p_adjusted'], adjusted=True)}"
    if decision["estimate"] is not None:
        text += f"; {metrics.get(metric).mde_text(decision['mde'])}"
    reasons = [r["text"] for r in decision["reasons"] if r["code"] != "no_comparison_teams"]
    return text + ("" if not reasons else " (" + " ".join(reasons) + ")")


def summary_sentence(team: dict, confidence: float = Settings.confidence) -> str:
    """One plain-English line: the headline metric's change (release frequency, the clearest)."""
    headline = metrics.headline()
    return headline.headline(team["team"], team["metrics"][headline.name], confidence)


NO_TEAMS = (
    "No teams to report: add a teams.csv (team,reorg_date,model,leader) to the paths, with an "
    "ownership.csv or members.csv that says which team owns which projects, repositories or people."
)


def format_text(report: dict, confidence: float = Settings.confidence) -> str:
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
        for metric in metrics.registered():
            m = team["metrics"][metric.name]
            before, after = m["before"], m["after"]
            lines.append(
                f"  {metric.label:<18} {value_text(metric.name, before['value']):>16} (n={before['n']}) -> "
                f"{value_text(metric.name, after['value']):>16} (n={after['n']})  "
                f"{effect_text(metric.name, m['effect'])}  [{m['verdict']}]"
            )
            lines.append(f"  {'':<18} {decision_line(report, team, metric.name)}")
            if m.get("no_data_reason"):
                lines.append(f"  {'':<18} no data: {m['no_data_reason']['text']}")
        moved = supporting.moved_to_done_text(team["supporting"])
        if moved:
            lines.append("  " + moved)
        lines.append("  " + summary_sentence(team, confidence))
        lines.append("")
    if report["rejected"]:
        lines.append(f"Rejected rows: {len(report['rejected'])}")
        for reject in report["rejected"][:20]:
            where = f"row {reject['row']}" if reject["row"] is not None else "whole file"
            lines.append(f"  {reject['file']} {where}: {reject['reason']}")
        if len(report["rejected"]) > 20:
            lines.append(f"  ... and {len(report['rejected']) - 20} more")
    return terminal_safe("\n".join(lines))


def format_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for team in report["teams"]:
        for metric in metrics.NAMES:
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
                **{key: m["effect"].get(key) for key in ("estimate", "ci_low", "ci_high", "p_value")},
                "verdict": m["verdict"],
                "no_data_reason": (m.get("no_data_reason") or {}).get("text"),
                **{column: m["decision"][key] for column, key in DECISION_COLUMNS.items()},
                "reasons": " ".join(reason["code"] for reason in m["decision"]["reasons"]),
            }
            # Team and model names come from the organisation files: never a formula.
            writer.writerow({key: formula_safe(value) for key, value in row.items()})
    return out.getvalue()
