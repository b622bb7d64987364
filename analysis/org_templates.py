"""Templates for the organisation files (teams.csv, members.csv, ownership.csv): the header
the importer expects and one filled example row, for the Data page's download buttons.

The columns come from the importer's own layouts (analysis/importers/org.py), so a template
always loads as it is; the example row shows the forms that are easy to get wrong (ISO dates,
an empty reorg date for a comparison team, an ownership kind).
"""

from __future__ import annotations

import csv
import io

from .importers.org import LAYOUTS, OWNERSHIP_KINDS

EXAMPLES: dict[str, list[dict[str, str]]] = {
    "teams": [
        {"team": "Checkout", "reorg_date": "2025-10-01", "model": "sto", "leader": "Dana"},
        {"team": "Search", "reorg_date": "", "model": "triad", "leader": "Fay"},
    ],
    "members": [{"person": "Ana", "team": "Checkout", "start_date": "2025-01-15", "end_date": ""}],
    "ownership": [
        {"kind": "jira_project", "value": "CHK", "team": "Checkout", "start_date": "2025-01-01", "end_date": ""},
        {"kind": "github_repo", "value": "acme/checkout-web", "team": "Checkout", "start_date": "", "end_date": ""},
    ],
}

HELP = {
    "teams": "One row per team; an empty reorg_date marks a team that did not reorganise (a comparison team).",
    "members": "A dated roster: empty end_date = still in the team; end_date is the last day in it.",
    "ownership": f"kind is one of {', '.join(OWNERSHIP_KINDS)}; dates bound when the team owned the value.",
}


def template_csv(kind: str) -> bytes:
    """The template of one organisation file as UTF-8 CSV bytes."""
    required, optional = LAYOUTS[kind]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*required, *optional], lineterminator="\n")
    writer.writeheader()
    writer.writerows(EXAMPLES[kind])
    return out.getvalue().encode("utf-8")
