"""The data-quality report: what each file gave, what was rejected and why, what has no team."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import queries
from .report_format import terminal_safe

REJECTS_SHOWN_PER_FILE = 5


@dataclass
class QualityReport:
    files: pd.DataFrame  # load_summary.sql
    rejects: pd.DataFrame  # rejected_rows_list.sql
    table_counts: pd.DataFrame  # table_counts.sql
    attribution: pd.DataFrame  # attribution_summary.sql
    unknown_teams: pd.DataFrame  # unknown_teams.sql
    releases_without_team: int

    @property
    def unattributed_share(self) -> float:
        """Share of work items no rule gave a team (0 when there are no items)."""
        none = self.attribution.loc[self.attribution["attributed_by"] == "none", "share"]
        return float(none.iloc[0]) if len(none) else 0.0


def quality_report(con) -> QualityReport:
    def frame(name: str) -> pd.DataFrame:
        return con.execute(queries.sql(name)).df()

    return QualityReport(
        files=frame("load_summary"),
        rejects=frame("rejected_rows_list"),
        table_counts=frame("table_counts"),
        attribution=frame("attribution_summary"),
        unknown_teams=frame("unknown_teams"),
        releases_without_team=con.execute("select count(*) from release_teams where team is null").fetchall()[0][0],
    )


def format_report(report: QualityReport) -> str:
    """The report as plain text for a terminal or an email."""
    lines = ["Files"]
    for file in report.files.itertuples():
        lines.append(
            f"  {file.file_name}: {file.kind if isinstance(file.kind, str) else 'unrecognised'}, {file.status}; "
            f"{file.rows_read} rows read, {file.rows_loaded} loaded, {file.rows_rejected} rejected"
        )
        if file.status in ("refused", "failed") and file.message:
            lines.append(f"    {file.message}")
        elif isinstance(file.message, str) and file.message:
            # A loaded file's notes (no changelog, a re-save by a spreadsheet, no Resolved
            # column...): stored joined by "; ", shown one a line.
            lines += [f"    note: {note}" for note in file.message.split("; ") if note]
        rejects = report.rejects[report.rejects["load_id"] == file.load_id]
        for reject in rejects.head(REJECTS_SHOWN_PER_FILE).itertuples():
            where = "whole file" if pd.isna(reject.row_number) else f"row {int(reject.row_number)}"
            field = f" {reject.field}" if isinstance(reject.field, str) and reject.field else ""
            lines.append(f"    {where}{field}: {reject.reason}")
        if len(rejects) > REJECTS_SHOWN_PER_FILE:
            lines.append(f"    ... and {len(rejects) - REJECTS_SHOWN_PER_FILE} more rejected rows")
    lines.append("Model")
    lines.append("  " + ", ".join(f"{row.table_name} {row.row_count}" for row in report.table_counts.itertuples()))
    lines.append("Team attribution")
    if report.attribution.empty:
        lines.append("  no work items")
    for row in report.attribution.itertuples():
        lines.append(f"  {row.attributed_by}: {row.items} items ({row.share:.1%})")
    lines.append(f"  items without a team: {report.unattributed_share:.1%}")
    lines.append(f"  releases without a team: {report.releases_without_team}")
    for row in report.unknown_teams.itertuples():
        lines.append(
            f'  {row.source} names team "{row.team}" ({row.rows_using_it} rows), which teams.csv does not list'
        )
    return terminal_safe("\n".join(lines))
