"""The Methods page's content: the current settings as a table, and the methods in plain words.

The prose is ours and may be Markdown; only numbers from the settings go into it. Settings that
are free text (link types, the tag pattern, issue types, the time zone) go only into the table,
which is never read as Markdown; the page shows the tag pattern again as code.
"""

from __future__ import annotations

import pandas as pd

from .. import inference, metrics
from ..headline import STO_EXPLAINED
from ..settings import Settings

# What Threadline measures the change to, said once where a reader starts (Markdown-safe text).
STO_SENTENCE = (
    f"Threadline asks whether moving a team to {STO_EXPLAINED} changed how it delivers: how often it "
    "releases, how often it delivers on the date it committed to, and how long it waits on other teams."
)


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
        (
            "Minimum months",
            str(settings.min_months),
            "Fewer calendar months with any of a metric's events than this in either window: insufficient data.",
        ),
        ("Confidence", f"{settings.confidence:.0%}", "Coverage of every interval."),
        ("Bootstrap samples", str(settings.bootstrap_samples), "Resamples behind each bootstrap interval."),
        ("Seed", str(settings.seed), "Random seed: the same data and settings always give the same numbers."),
        (
            "Names in the reorg diagram",
            "shown on hover" if settings.show_roster_names else "hidden",
            "Whether the Overview's who-moved-where diagram names the people behind each flow on hover "
            "(hidden: counts only). Off unless chosen on the Data page; it changes no number.",
        ),
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
        (
            "One test per metric: the decision",
            f"""
Every verdict, its interval and its p-value come from one test per team and metric (the
*decision*). Delivery data are not independent events, so each metric is measured on its own unit:
releases per {inference.RELEASE_BIN_DAYS}-day bin (a sprint), commitments and waits per calendar month.
A window's on-time share or typical wait weighs each month by its precision: when months differ
only by chance every item counts the same, and when they differ a lot (a good month, a bad month)
a busy month does not drown the others (random-effects weights, with the variance between months
estimated once per decision over every team compared, DerSimonian-Laird).

Each window's variance is the month-cluster sandwich (CR2, the bias-reduced version), with a
calendar bin one cluster across the teams compared, so a month that was good or bad for the whole
organisation cancels out of a comparison. It is **never below the independent-events variance**
(Poisson for releases, binomial for shares, the sample variance for waits). Its degrees of freedom
are the effective number of bins less one (Bell-McCaffrey-style), and a comparison of windows takes
the **Welch-Satterthwaite** degrees of freedom of its parts, so its {level} interval and p-value come
from a t distribution rather than the normal (windows hold 6-13 bins, far too few for the normal).
Against comparison teams, how much more the comparison varies than independent events would (its
cluster variance over its independent-events variance, measured on those few bins) is first
**moderated towards the teams' own** (each team's over its two windows), as far as theirs agree
beyond chance (empirical Bayes, as R's limma `squeezeVar`), and only then floored at the
independent-events variance. A month that is good or bad for every team raises the teams' own, so
it can widen an interval, never narrow it.

What the change is judged against (the **basis**):

- **Against comparison teams** (difference-in-differences, `did`): where teams without a reorg date
  exist, the team's change minus the comparison teams' change over the team's own calendar windows
  (each comparison team weighted by its share of their events). It works with a single comparison
  team.
- **Against its own trend** (interrupted time series, `its`): without comparison teams, one line
  runs through the team's bins before the reorg (up to {inference.TREND_DAYS} days of its history,
  for releases from the day after its first release day, not only the before window: a longer
  history pins the slope down far better) and its after
  window's, with a level shift at the reorg date; the change is that shift, the after window
  against the line at the after window's own times. For releases the line is log-linear (a
  Poisson regression of each bin's release days with its days as exposure, its variance scaled up
  when the bins vary more than Poisson counts and never down), so the shift is a rate ratio; for
  shares and waits it is a weighted regression of each month's level. A trend the team was on
  anyway is not taken for the reorg's effect; the price is a much wider interval than with
  comparison teams. The page then says that an org-wide change cannot be ruled out.
- **Raw** (`raw`): the after window against the before window, with the same cluster variance. A
  comparison team is judged against the other comparison teams around the comparison date; the only
  comparison team gets its raw change, labelled as such.

**Pre-trend check**: the slope over the before window (the team's relative to the comparison teams'
for `did`, the team's own for `raw`) at the same {level} confidence. When its interval excludes zero
the team was already changing before the reorg, and the verdict is "no clear change" with that
reason. (`its` models the trend instead of testing it.) Each metric gives the slope in its own unit
per month: release days per 30 days (the slope relative to the before window's rate, times that
rate), percentage points of the on-time share, and the factor the typical wait grew or shrank by.

The raw before/after change with each metric's own test (below) stays beside the verdict.
""",
        ),
        *(metric.methods(settings) for metric in metrics.registered()),
        (
            "Verdicts",
            f"""
Each team and metric gets one of four verdicts:

- **insufficient data**: fewer than {settings.min_releases} release days, or fewer than
  {settings.min_items} commitments or waiting items, on either side; or fewer than
  {settings.min_months} calendar months with data in either window; or no estimate could be made (a
  window with nothing in it). The reasons are listed with the verdict.
- **no clear change**: the pre-trend check failed, or the decision's p-value is not below
  {1 - settings.confidence:.2g} (its {level} interval includes "no change"). The data cannot tell a
  change from noise; it does not prove that nothing changed.
- **improved** or **worsened**: otherwise, by the direction of the change: more releases, a higher
  on-time share and shorter waits are better.

Every verdict carries its **minimum detectable effect**: the smallest change this team's data could
have detected at {level} confidence with 80% power ("only a change larger than 2.4 times the release
rate would have shown"), from the decision's standard error and t distribution, or "no change could
have been detected" when even an arbitrarily large change would not have been. A "no clear change"
with a large minimum detectable effect says little.

Every figure carries its n on each side, so a reader can judge how much data is behind it.
""",
        ),
        (
            "Many teams and metrics: Benjamini-Hochberg badges",
            f"""
With many teams and three metrics, some p-values will be small by chance alone. The decisions'
p-values of every team and metric are adjusted together (Benjamini-Hochberg, the same as R's
`p.adjust(method = "BH")`), which controls the false discovery rate: of the changes whose adjusted
p-value is under {1 - settings.confidence:.2g}, no more than that share on average are flukes. The
Overview and the Team page show their **badges on the adjusted p-values** by default: an improved or
worsened verdict whose adjusted p-value is not below {1 - settings.confidence:.2g} shows as "no clear change
(after adjusting for N comparisons)". The sidebar's switch shows the unadjusted badges instead,
which are the `verdict` of the JSON report.
""",
        ),
        (
            "Randomization rank",
            """
Beside the verdict of a reorganised team, when there are enough of them: the same test is run with
each comparison team pretending to be the reorganised one (against the other comparison teams, in
the team's windows) and with each placebo date below in place of the real reorg. Where these give at
least 19 comparisons, the page shows the rank of the team's own test statistic (|estimate / standard
error|) among them and itself, 1 being the most extreme (a tie counts against the team). Rank 1 of 20
is as unusual as a 5% test can show. It is shown beside the verdict and never decides it.
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
How noisy is this team's data? The same before/after comparison is made around pretend reorg dates
before the real one, each with **full-length windows** ({window} days on each side, {transition}
transition days): the latest pretend date whose after window ends on the real reorg date, then back
by two windows and a transition at a time while its before window stays inside the data, so the
pretend windows never overlap and each is an independent comparison. The page gives their number;
with too little data before the reorg there are none (0 comparisons), and the page says so rather
than shortening the windows. The placebo share is how often a pretend date shows a raw change at
least as large as the real raw change (the report's `effect`): a small share means the real change
stands out from the noise; a large one means changes this size happen without any reorg.
""",
        ),
    ]
