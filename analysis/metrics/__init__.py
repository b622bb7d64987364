"""The delivery metrics: one module per metric, and the registry every consumer loops over.

- `release_frequency`, `timeline_accuracy`, `dependency_wait`: one `base.Metric` each, holding
  everything about it (see base.py); `supporting`: the supporting measures shown beside them.
- `rows`: fetches every metric's rows for the report's windows in one pass of the queries.

The report, the comparison code, the text and CSV formatter, the views and the Methods page ask
the registry (`registered()`, `get(name)`) and never branch on a metric's name. Adding a metric
is one module and one `register()` call (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import dependency_wait, release_frequency, timeline_accuracy
from .base import Metric

_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add a metric (or replace the one of the same name, keeping its place)."""
    _REGISTRY[metric.name] = metric
    return metric


def unregister(name: str) -> None:
    del _REGISTRY[name]


def registered() -> list[Metric]:
    """Every metric, in report order."""
    return list(_REGISTRY.values())


def get(name: str) -> Metric:
    return _REGISTRY[name]


class _Names(Sequence):
    """The registered metrics' names, read live (a metric registered later is included)."""

    def __getitem__(self, index):
        return tuple(_REGISTRY)[index]

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __repr__(self) -> str:
        return repr(tuple(_REGISTRY))


class _Labels(Mapping):
    """name -> label of the registered metrics, read live."""

    def __getitem__(self, name: str) -> str:
        return _REGISTRY[name].label

    def __iter__(self):
        return iter(_REGISTRY)

    def __len__(self) -> int:
        return len(_REGISTRY)


NAMES: Sequence[str] = _Names()
LABELS: Mapping[str, str] = _Labels()

for _metric in (release_frequency.METRIC, timeline_accuracy.METRIC, dependency_wait.METRIC):
    register(_metric)

# The text report's one headline line per team comes from this metric's `headline`.
HEADLINE = release_frequency.METRIC.name


def headline() -> Metric:
    return get(HEADLINE)
