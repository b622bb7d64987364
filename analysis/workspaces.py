"""Shared workspaces: a visitor's workspace saved server-side under an unguessable id, for a link.

One file per workspace, `<id>.zip` (the workspace file of workspace_file.py), in the folder
$THREADLINE_WORKSPACES_DIR (default: threadline/workspaces in the user's data folder, made on
first use). Ids are 32 characters of secrets.token_urlsafe (192 random bits), checked against
that exact shape before any path is built from them, and never listed. Saving a new workspace
also gives a second secret of the same shape, its edit key: the file keeps only the key's SHA-256
(with the time it was created, in the zip's comment), and updating in place needs the key, so a
viewer cannot overwrite what the analyst shared; deleting needs only the link. Every write goes to a
temporary file in the same folder, then os.replace: another process (a replica over the same
folder) reads the old file or the new one, never half of either. A workspace expires
$THREADLINE_WORKSPACE_DAYS after its last save (the file's modification time, which every
replica sees alike) and is removed when next looked at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .settings import Settings
from .store import Store
from .workspace_file import WorkspaceContents, export_workspace, megabytes, restore_contents

FOLDER_VARIABLE = "THREADLINE_WORKSPACES_DIR"
DAYS_VARIABLE = "THREADLINE_WORKSPACE_DAYS"
MAX_MB_VARIABLE = "THREADLINE_WORKSPACES_MAX_MB"
SAVES_VARIABLE = "THREADLINE_SAVES_PER_VISITOR"
DEFAULT_DAYS = 90
DEFAULT_MAX_MB = 2048
DEFAULT_SAVES = 20
ID_BYTES = 24  # token_urlsafe(24): 32 characters, 192 random bits
ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
SUFFIX = ".zip"
PARTIAL_PREFIX = ".partial-"  # a write in progress (or one a crash left: removed after a day)
PARTIAL_SECONDS = 24 * 3600
GONE = "This workspace link has expired or does not exist."


class WorkspaceGone(Exception):
    """No workspace under this id: never saved, deleted, expired, or not an id at all. One
    message for all, so a link says nothing about other ids."""

    def __init__(self) -> None:
        super().__init__(GONE)


class QuotaExceeded(Exception):
    """The save would pass a limit; the message says which."""


class NotAllowed(Exception):
    """An update without the workspace's edit key."""

    def __init__(self) -> None:
        super().__init__(
            "Only the edit link of this workspace can update it; save your changes as a new workspace instead."
        )


def is_workspace_id(text) -> bool:
    return isinstance(text, str) and ID_SHAPE.fullmatch(text) is not None


def default_folder() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "threadline" / "workspaces"


def _positive(variable: str, default: float) -> float:
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class WorkspaceFolder:
    path: Path
    days: float = DEFAULT_DAYS
    max_bytes: int = DEFAULT_MAX_MB * 2**20
    saves_per_visitor: int = DEFAULT_SAVES

    @classmethod
    def from_environment(cls) -> WorkspaceFolder:
        """The folder and limits the host configured; a value that is not a number above zero
        keeps the default."""
        return cls(
            Path(os.environ.get(FOLDER_VARIABLE) or default_folder()),
            days=_positive(DAYS_VARIABLE, DEFAULT_DAYS),
            max_bytes=int(_positive(MAX_MB_VARIABLE, DEFAULT_MAX_MB) * 2**20),
            saves_per_visitor=int(_positive(SAVES_VARIABLE, DEFAULT_SAVES)),
        )

    # ---- one workspace ------------------------------------------------------------------

    def create(self, data: bytes, saves_so_far: int | None = None) -> tuple[str, str]:
        """Store a new workspace; its id and its edit key. `saves_so_far`: how many this visitor
        has created (None: not counted, a signed-in instance)."""
        if saves_so_far is not None and saves_so_far >= self.saves_per_visitor:
            raise QuotaExceeded(
                f"You have saved {saves_so_far} shared workspaces in this session, the most one visitor may "
                f"({SAVES_VARIABLE}); update one of them, or download the workspace file instead."
            )
        workspace_id, edit_key = secrets.token_urlsafe(ID_BYTES), secrets.token_urlsafe(ID_BYTES)
        owner = {"edit_key_sha256": _digest(edit_key), "created_at": dt.datetime.now(dt.UTC).isoformat()[:19]}
        data = _with_owner(data, owner)
        self._check_room(len(data))
        self._write(workspace_id, data)
        return workspace_id, edit_key

    def update(self, workspace_id: str, data: bytes, edit_key: str) -> None:
        """Replace a workspace in place (same id, same link); its expiry starts again. Needs
        the edit key create() gave (NotAllowed otherwise)."""
        path = self._existing(workspace_id)
        owner = _owner(path)
        if not self.can_edit(workspace_id, edit_key):
            raise NotAllowed()
        data = _with_owner(data, owner)
        self._check_room(len(data), replacing=_size(path))
        self._write(workspace_id, data)

    def can_edit(self, workspace_id: str, edit_key) -> bool:
        """Whether edit_key is this live workspace's edit key."""
        if not is_workspace_id(edit_key):
            return False
        stored = _owner(self._existing(workspace_id)).get("edit_key_sha256")
        return isinstance(stored, str) and hmac.compare_digest(stored, _digest(edit_key))

    def created_at(self, workspace_id: str) -> str | None:
        """When the workspace was first saved (ISO, UTC)."""
        return _owner(self._existing(workspace_id)).get("created_at")

    def read(self, workspace_id: str) -> bytes:
        path = self._existing(workspace_id)
        try:
            return path.read_bytes()
        except OSError:  # deleted by another process a moment ago, or unreadable: nothing to open
            raise WorkspaceGone() from None

    def delete(self, workspace_id: str) -> None:
        """Remove the workspace: its link opens nothing from now on."""
        self._existing(workspace_id).unlink(missing_ok=True)

    def saved_at(self, workspace_id: str) -> float:
        """When it was last saved (seconds since the epoch)."""
        return self._existing(workspace_id).stat().st_mtime

    def _existing(self, workspace_id: str) -> Path:
        """The file of a live workspace; WorkspaceGone otherwise (and an expired file is removed).
        The id's shape is checked before any path is made from it."""
        if not is_workspace_id(workspace_id):
            raise WorkspaceGone()
        path = self.path / f"{workspace_id}{SUFFIX}"
        try:
            modified = path.stat().st_mtime
        except OSError:
            raise WorkspaceGone() from None
        if self._expired(modified):
            path.unlink(missing_ok=True)
            raise WorkspaceGone()
        return path

    def _expired(self, modified: float) -> bool:
        return time.time() - modified > self.days * 86400

    def _write(self, workspace_id: str, data: bytes) -> None:
        """Write to a temporary file in the folder, flush it to disk, then rename it over the
        workspace's file: readers see the whole old file or the whole new one."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=self.path, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(handle, "wb") as sink:
                sink.write(data)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(partial, self.path / f"{workspace_id}{SUFFIX}")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise

    # ---- the folder ---------------------------------------------------------------------

    def _check_room(self, size: int, replacing: int = 0) -> None:
        used = self.used_bytes()
        if used - replacing + size > self.max_bytes:
            raise QuotaExceeded(
                f"The workspaces folder is full ({megabytes(used)} used of {megabytes(self.max_bytes)}, "
                f"{MAX_MB_VARIABLE}); this workspace needs {megabytes(size)}. Download the workspace file "
                "instead, or ask the host to raise the limit."
            )

    def used_bytes(self) -> int:
        """The live workspaces' size on disk, after removing the expired ones and old leftovers."""
        self.remove_expired()
        return sum(_size(path) for path in self._files())

    def remove_expired(self) -> int:
        """Remove expired workspaces and temporary files a crash left; how many were removed."""
        removed = 0
        now = time.time()
        if not self.path.is_dir():
            return 0
        for path in self.path.iterdir():
            modified = _mtime(path)
            if modified is None:
                continue
            stale_partial = path.name.startswith(PARTIAL_PREFIX) and now - modified > PARTIAL_SECONDS
            if stale_partial or (path.suffix == SUFFIX and self._expired(modified)):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _files(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return [path for path in self.path.iterdir() if path.suffix == SUFFIX and is_workspace_id(path.stem)]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _with_owner(data: bytes, owner: dict) -> bytes:
    """The workspace file with its owner record (edit key digest, creation time) as the zip's
    comment: the members, which the workspace reader checks, are untouched."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = json.dumps(owner, sort_keys=True).encode()
    return buffer.getvalue()


def _owner(path: Path) -> dict:
    """The owner record of a stored workspace ({} when it has none or cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            owner = json.loads(archive.comment or b"{}")
    except FileNotFoundError:
        raise WorkspaceGone() from None
    except (OSError, ValueError, zipfile.BadZipFile):
        return {}
    return owner if isinstance(owner, dict) else {}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


# ---- a visitor's workspace, saved and opened ----------------------------------------------


@dataclass
class OpenedWorkspace:
    store: Store  # the visitor's private store holding the workspace
    contents: WorkspaceContents
    notes: list[str] = field(default_factory=list)  # to show: clamped settings, a changed base

    @property
    def settings(self) -> Settings:
        return self.contents.settings


def shared_workspace_bytes(
    con,
    settings: Settings,
    base: Store | None,
    column_mappings: list[dict] | tuple = (),
    date_order: str | None = None,
) -> bytes:
    """The file a shared workspace is saved as: on top of the shared base (`base`, which has a
    `fingerprint`) only what differs from it; from an empty start (`base` None) everything."""
    return export_workspace(
        con,
        settings,
        column_mappings,
        date_order,
        base=None if base is None else base.path,
        base_fingerprint=None if base is None else base.fingerprint,
    )


def open_workspace(
    folder: WorkspaceFolder,
    workspace_id: str,
    base: Store,
    memory_limit: str = "1GB",
    max_bytes: int | None = None,
) -> OpenedWorkspace:
    """A private store holding the workspace: the current shared base plus its additions
    (layered), or its whole tables. WorkspaceGone for a link that opens nothing;
    WorkspaceFileError for a file this server cannot read (a newer format, damage)."""
    data = folder.read(workspace_id)
    notes: list[str] = []
    store = Store(memory_limit=memory_limit)
    try:
        contents = restore_contents(store, data, "This workspace", max_bytes, notes, base=base.path)
    except BaseException:
        store.close()
        raise
    if contents.layered and contents.base_fingerprint != base.fingerprint:
        notes.insert(
            0,
            "This workspace was saved on an older version of the shared data (it has changed since); "
            "it is shown on the current shared data, with the workspace's own uploads and edits applied "
            "on top of it.",
        )
    return OpenedWorkspace(store, contents, notes)
