"""Every number the metrics use, with the SPEC's defaults. Nothing else is hard-coded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_BLOCKING_LINK_TYPES = ("Blocks", "Blocker", "Dependency")
# How a changelog writes a blocking link on the blocked item ("This issue is blocked by X-1").
DEFAULT_BLOCKED_PHRASES = ("is blocked by", "depends on")
# Time in these statuses (or flagged) counts as waiting on the item's blockers.
DEFAULT_BLOCKED_STATUSES = ("Blocked",)
# A release tag looks like a version and has no suffix: v1.2, 2.0.3 (not 2.0.0rc1, v1-beta).
DEFAULT_RELEASE_TAG_PATTERN = r"^[vV]?\d+(\.\d+)*$"


@dataclass(frozen=True)
class Settings:
    window_days: int = 180
    transition_days: int = 0
    tolerance_days: int = 3
    timezone: str = "UTC"  # days are counted in this zone
    comparison_date: dt.date | None = None  # None: the earliest reorg date
    include_prereleases: bool = False
    release_tag_pattern: str = DEFAULT_RELEASE_TAG_PATTERN
    blocking_link_types: tuple[str, ...] = DEFAULT_BLOCKING_LINK_TYPES
    blocked_phrases: tuple[str, ...] = DEFAULT_BLOCKED_PHRASES
    blocked_statuses: tuple[str, ...] = DEFAULT_BLOCKED_STATUSES
    commitment_issue_types: tuple[str, ...] = ()  # empty: every issue type
    min_items: int = 5
    min_releases: int = 3
    confidence: float = 0.95
    bootstrap_samples: int = 2000
    seed: int = 20240701
    placebo_dates: int = 50

    def contract(self) -> dict:
        """The settings block of the JSON report (SPEC "Command line")."""
        return {
            "window_days": self.window_days,
            "transition_days": self.transition_days,
            "tolerance_days": self.tolerance_days,
        }
