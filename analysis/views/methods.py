"""The Methods page's content: the current settings as a table, and the methods in plain words.

The prose is ours and may be Markdown; only numbers from the settings go into it. Settings that
are free text (link types, the tag pattern, issue types, the time zone) go only into the table,
which is never read as Markdown; the page shows the tag pattern again as code.
"""

from __future__ import annotations

import pandas as pd

from .. import metrics
from ..settings import Settings


def settings_table(settings: Settings, comparison_date: str | None) -> pd.DataFrame:
    """Every setting the numbers depend on: name, current value (as text) and what it does."""
    chosen = settings.comparison_date.isoformat() if settings.comparison_date else None
    rows = [
        ("Window", f"{settings.window_days} days", "Length of the before window and of the after window."),
        ("Transition", f"{settings.transition_days} days", "Days after the reorg left out of the after window."),
        ("Tolerance", f"{settings.tolerance_days} days", "A commitment delivered at most this late counts as on time."),
        ("Time zone", settings.timezone, "Calendar days (release days, windows) are counted in this zone."),
        (
            "Comparison date",
            chosen or f"earliest reorg date ({comparison_date or 'none'})",
            "Comparison teams (no reorg date) are measured around this date.",
        ),
        (
            "Blocking link types",
            ", ".join(settings.blocking_link_types) or "none",
            "Jira link types that mean one item waits for another.",
        ),
        (
            "Blocked phrases",
            ", ".join(settings.blocked_phrases) or "none",
            "How a changelog words a blocking link on the blocked item.",
        ),
        (
            "Blocked statuses",
            ", ".join(settings.blocked_statuses) or "none",
            "Time in these statuses, or flagged, counts as waiting on the item's blockers.",
        ),
        (
            "Release tag pattern",
            settings.release_tag_pattern,
            "A git tag counts as a release when it matches this regular expression.",
        ),
        (
            "Prereleases",
            "included" if settings.include_prereleases else "excluded",
            "Whether GitHub prereleases count as releases.",
        ),
        (
            "Commitment issue types",
            ", ".join(settings.commitment_issue_types) or "every issue type",
            "Which issue types count as commitments for timeline accuracy.",
        ),
        (
            "Minimum items",
            str(settings.min_items),
            "Fewer commitments or waiting items than this on either side: insufficient data.",
        ),
        (
            "Minimum releases",
            str(settings.min_releases),
            "Fewer release days than this on either side: insufficient data.",
        ),
        ("Confidence", f"{settings.confidence:.0%}", "Coverage of every interval."),
        ("Bootstrap samples", str(settings.bootstrap_samples), "Resamples behind each bootstrap interval."),
        ("Placebo dates", str(settings.placebo_dates), "Pretend reorg dates drawn for the placebo check."),
        ("Seed", str(settings.seed), "Random seed: the same data and settings always give the same numbers."),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "meaning"])


def method_sections(settings: Settings) -> list[tuple[str, str]]:
    """(heading, Markdown) pairs explaining definitions, tests and verdicts with the current numbers."""
    level = f"{settings.confidence:.0%}"
    window, transition = settings.window_days, settings.transition_days
    return [
        (
            "Windows",
            f"""
For a team that reorganised on day R, **before** is the {window} days up to R and **after** is the
{window} days starting {transition} days after R (the transition left out while the new team settles
in). Both are cut to the days the data covers. A comparison team did not reorganise: it is measured
over the same calendar windows around the comparison date, so it shows what changed anyway
(a busy season, a new tool) without a reorg.
""",
        ),
        (
            "Delivery without a resolution date, and missing inputs",
            """
An item in the Done status category without a resolution date is delivered when it last moved
into a Done-category status (the category from the export's `statusCategory`, or a CSV's
Status Category Changed; never from status names): delivery is then the move to Done. The report
counts such items per team and window (supporting measure `delivered_by_move_to_done`).

Where a team and metric has nothing on a side, or too little to judge, the report says which
input is missing (`no_data_reason` in the JSON, a column of the CSV, a line of the text report and
of the Team page's data-quality notes): no releases attributed to the team (map its repositories or
projects in ownership.csv), no resolved item with a due date, no blocking links between teams,
a window outside the data, or simply too few on a side.
""",
        ),
        *(metric.methods(settings) for metric in metrics.registered()),
        (
            "Many teams and metrics: Benjamini-Hochberg",
            """
With many teams and three metrics, some p-values will be small by chance alone. The **adjusted
p-values** (Benjamini-Hochberg, the same as R's `p.adjust(method = "BH")`) control the false discovery
rate: of the changes with an adjusted p-value under 5%, no more than 5% on average are flukes.
The Overview shows them with its "Adjusted p-values" switch. Verdicts use the unadjusted intervals.
""",
        ),
        (
            "Difference-in-differences",
            f"""
Where there are comparison teams, each reorganised team's change is set beside the pooled change of
the comparison teams over the same calendar windows. For release frequency it is the ratio of the two
rate ratios (Wald interval on the log scale); for the on-time share the difference of the two
differences (interval built from the four Wilson intervals, as Newcombe's); for waits the difference of
the two median differences (bootstrap interval, {settings.bootstrap_samples} resamples, no p-value).
If the comparison teams changed as much, the reorg is not what made the difference.
""",
        ),
        (
            "Event study",
            f"""
Each metric is also shown per 30-day period around the reorg date, up to {window // 30} periods on
each side, every point with its own {level} interval (exact Poisson for release days, Wilson for the
on-time share, an order-statistic interval for the median wait). A real effect shows as a step at the
reorg, not as a trend that started before it.
""",
        ),
        (
            "Placebo check",
            f"""
How noisy is this team's data? Up to {settings.placebo_dates} pretend reorg dates are drawn from the
period before the real reorg, and the same before/after comparison is made around each (with windows
shortened to a third of the data before the reorg when there is less). The placebo share is how often
a pretend date shows a change at least as large as the real one. A small share means the real change
stands out from the noise; a large one means changes this size happen without any reorg.
""",
        ),
        (
            "Verdicts",
            f"""
Each team and metric gets one of four verdicts:

- **improved** or **worsened**: the {level} interval excludes "no change" (a ratio of 1, a
  difference of 0). Which one depends on the metric: more releases, a higher on-time share and
  shorter waits are better.
- **no clear change**: the interval includes "no change". The data cannot tell a change from noise;
  it does not prove that nothing changed.
- **insufficient data**: fewer than {settings.min_releases} release days, or fewer than
  {settings.min_items} commitments or waiting items, on either side, or no estimate could be made
  (a side with nothing in it). Too little to say anything: collect more data, widen the window, or
  read the numbers as anecdotes.

Every figure carries its n on each side, so a reader can judge how much data is behind it.
""",
        ),
    ]
