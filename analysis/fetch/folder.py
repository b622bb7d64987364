"""The output folder of a fetch: atomic files and a small manifest, so a run can resume.

Every file is written to a hidden temporary name in the same folder and renamed into place,
so a file that exists is complete: an interrupted run leaves whole pages or nothing. The
manifest (``.threadline-fetch.json``, hidden, so the importers skip it) records, per run, the
query, the cursor to the next page and the pages written. It never holds a credential.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

MANIFEST = ".threadline-fetch.json"
MANIFEST_VERSION = 1


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data) -> None:
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue().encode())


class Folder:
    """An output folder and its manifest for one source (``jira:<site>`` or ``github:<repo>``)."""

    def __init__(self, path: Path, source: str):
        self.path = Path(path)
        self.source = source
        self.path.mkdir(parents=True, exist_ok=True)
        self.data = self._read()

    def _read(self) -> dict:
        file = self.path / MANIFEST
        if not file.exists():
            return {"version": MANIFEST_VERSION, "sources": {}}
        try:
            data = json.loads(file.read_text())
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
            # A damaged manifest only costs a refetch: the pages themselves are intact.
            return {"version": MANIFEST_VERSION, "sources": {}}
        return data

    @property
    def state(self) -> dict:
        return self.data["sources"].setdefault(self.source, {"runs": []})

    def save(self) -> None:
        write_json(self.path / MANIFEST, self.data)

    def file(self, name: str) -> Path:
        return self.path / name

    def run_to_resume(self, query: dict) -> dict | None:
        """The last run of this source if it is unfinished and asked the same query."""
        runs = self.state["runs"]
        if runs and not runs[-1].get("complete") and runs[-1].get("query") == query:
            return runs[-1]
        return None

    def new_run(self, query: dict) -> dict:
        runs = self.state["runs"]
        run = {"number": len(runs) + 1, "query": query, "complete": False, "steps": {}}
        runs.append(run)
        self.save()
        return run

    def complete_runs(self) -> list[dict]:
        return [run for run in self.state["runs"] if run.get("complete")]
