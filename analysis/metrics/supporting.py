"""The supporting measures (SPEC "Supporting measures"): throughput, cycle time, items per release
day and epic duration, in the same windows, because smaller increments show there first; and
how many of the items resolved were delivered by a move to Done without a resolution date
(their delivery is then that move, so the reader knows how much of the window rests on it).

Reads `queries/resolved_items.sql` (items resolved per window, median cycle and epic days) and
the release days of `queries/counted_releases.sql` (`rows.release_days`). No effect or verdict: they are shown beside the
metrics, not judged.
"""

from __future__ import annotations

from .base import number, rounded
from .rows import PERIODS, MetricData

# (key in the report, label on the Team page, number format)
MEASURES = (
    ("throughput", "Throughput (items resolved)", "d"),
    ("median_cycle_days", "Median cycle time (days)", ".1f"),
    ("items_per_release_day", "Items per release day", ".1f"),
    ("median_epic_days", "Median epic duration (days)", ".1f"),
    ("delivered_by_move_to_done", "Delivered by a move to Done (no resolution date)", "d"),
)
SQL = ("resolved_items.sql", "counted_releases.sql")


def measure(team: str, data: MetricData) -> dict:
    """Each window's supporting measures, keyed by MEASURES' keys."""
    result = {}
    for period in PERIODS:
        resolved = data.rows("resolved", team, period)
        release_days = len(data.rows("release_days", team, period))
        items = int(resolved["items_resolved"].sum()) if len(resolved) else 0
        row = resolved.iloc[0] if len(resolved) else None
        result[period] = {
            "throughput": items,
            "median_cycle_days": rounded(row["median_cycle_days"]) if row is not None else None,
            "items_per_release_day": rounded(items / release_days) if release_days else None,
            "median_epic_days": rounded(row["median_epic_days"]) if row is not None else None,
            "delivered_by_move_to_done": int(resolved["items_moved_to_done"].sum()) if len(resolved) else 0,
        }
    return result


def numbers(supporting: dict) -> list[tuple[str, str, str]]:
    """(measure, before, after) as text, for the Team page."""
    return [
        (label, number(supporting["before"][key], fmt), number(supporting["after"][key], fmt))
        for key, label, fmt in MEASURES
    ]


def moved_to_done_text(supporting: dict) -> str | None:
    """A sentence on the items delivered by a move to Done without a resolution date, or None."""
    before, after = (supporting.get(period, {}).get("delivered_by_move_to_done", 0) for period in PERIODS)
    if not (before or after):
        return None
    return (
        f"Delivered by a move to Done without a resolution date: {before} items before, {after} after "
        "(their delivery is the last move to a Done-category status)."
    )
