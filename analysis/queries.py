"""The SQL files in queries/, one query per file, named for what they return."""

from __future__ import annotations

from functools import cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"


@cache
def sql(name: str) -> str:
    """Text of queries/<name>.sql. Values are never formatted into it: bind them."""
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(path.stem for path in QUERY_DIR.glob("*.sql"))
