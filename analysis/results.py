"""The report as small typed results; the JSON contract (SPEC "Command line") is `as_json()`.

A `Report` holds one `TeamResult` per team; a team holds one `MetricResult` per registered metric
(`analysis.metrics.base`: two `WindowValue`s, an `Effect` and its verdict), its supporting
measures, its difference-in-differences (`ComparisonEffects`) and its placebo check. Serialising
is the only place the contract's keys, their order and their rounding are written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from .metrics.base import MetricResult
from .metrics.rows import Window
from .settings import Settings
from .stats import Effect

# The contract's version: "2" adds each metric's `decision` block (SPEC "Command line"), from
# which `verdict` now comes; `effect` keeps its meaning (the raw after/before change).
CONTRACT_VERSION = "2"


@dataclass(frozen=True)
class ComparisonEffects:
    """Each metric's difference-in-differences against the pooled comparison teams."""

    comparison_teams: list[str]
    effects: dict[str, Effect]

    def as_json(self) -> dict:
        return {"comparison_teams": self.comparison_teams, **{name: e.as_dict() for name, e in self.effects.items()}}


@dataclass
class TeamResult:
    team: str
    reorg_date: dt.date | None  # None: a comparison team
    model: str | None
    windows: dict[str, Window | None]  # before, after
    metrics: dict[str, MetricResult]
    supporting: dict  # analysis.metrics.supporting.measure
    difference_in_differences: ComparisonEffects | None = None  # reorganised teams only
    placebo: dict = field(default_factory=dict)  # comparison.placebo

    @property
    def is_comparison(self) -> bool:
        return self.reorg_date is None

    def as_json(self) -> dict:
        result = {
            "team": self.team,
            "reorg_date": iso(self.reorg_date),
            "model": self.model,
            "windows": {
                period: ({"start": iso(w.start), "end": iso(w.end), "days": w.days} if w else None)
                for period, w in self.windows.items()
            },
            "metrics": {name: metric.as_dict() for name, metric in self.metrics.items()},
            "supporting": self.supporting,
        }
        if not self.is_comparison:  # a comparison team is not compared with itself
            did = self.difference_in_differences
            result["difference_in_differences"] = did.as_json() if did else None
        result["placebo"] = self.placebo
        return result


@dataclass
class Report:
    settings: Settings
    comparison_date: dt.date | None
    data_span: tuple[dt.date | None, dt.date | None]
    teams: list[TeamResult]
    rejected: list[dict] | None = None  # None: not read (a one-team report)
    adjusted_comparisons: int | None = None  # p-values Benjamini-Hochberg adjusted together

    def as_json(self) -> dict:
        result = {
            "contract_version": CONTRACT_VERSION,
            "settings": self.settings.contract(),
            "comparison_date": iso(self.comparison_date),
            "data_span": {"first_day": iso(self.data_span[0]), "last_day": iso(self.data_span[1])},
            "teams": [team.as_json() for team in self.teams],
        }
        if self.adjusted_comparisons is not None:
            result["adjusted_comparisons"] = self.adjusted_comparisons
        if self.rejected is not None:
            result["rejected"] = self.rejected
        return result


def iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
