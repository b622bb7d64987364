"""Where the shared data comes from: the demo organisation, or a folder a host configures."""

from __future__ import annotations

import os
from pathlib import Path

from .importers import ImportOptions
from .store import Store

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data" / "demo"
DATA_DIR_VARIABLE = "THREADLINE_DATA_DIR"


def shared_data_dir() -> Path:
    """The folder everyone sees before uploading: $THREADLINE_DATA_DIR, else data/demo."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR)


def open_shared_store(memory_limit: str = "1GB", options: ImportOptions | None = None) -> Store:
    """A fresh in-memory store loaded with the shared folder (one per visitor session)."""
    store = Store(memory_limit=memory_limit)
    store.load_paths([shared_data_dir()], options)
    return store
