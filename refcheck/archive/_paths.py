"""Where archive files go: names from timestamps, run ids and digests, never from URL text.

A cited URL is untrusted input (``http://127.0.0.1/../../etc`` is a fine URL), so no part
of a path is ever taken from one. Every path the archive stage writes is built here from
a validated collection name, a run's start time and id, and checked to stay inside the
archive directory before anything is opened.

The layout is pywb's own (``collections/<name>/archive`` and ``indexes``), so that
``wayback -d <archive dir>`` replays the archive as it stands, without an import step::

    <archive dir>/
      <collection>.wacz                              the package, rebuilt after each run
      collections/<collection>/archive/<stem>.warc.gz  one WARC per run (".open" while written)
      collections/<collection>/indexes/index.cdxj      every WARC of the collection, sorted
      collections/<collection>/manifests/<stem>.json, .csv
      collections/<collection>/.lock                   held while a run writes
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from refcheck.errors import ArchiveError

#: Collection names and run ids: letters, digits, dot, dash, underscore; no leading dot.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"


def check_name(value: str, what: str) -> str:
    """Return ``value`` if it is safe as one path component, else raise ArchiveError."""
    if not _NAME.match(value) or ".." in value:
        raise ArchiveError(f"{what} {value!r} is not usable in a file name (letters, digits, '.', '-', '_')")
    return value


def run_stem(started_at: datetime, run_id: str) -> str:
    """The base name of a run's files: ``refcheck-<14-digit UTC time>-<run id>``."""
    stamp = started_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"refcheck-{stamp}-{check_name(run_id, 'run id')}"


def inside(root: Path, path: Path) -> Path:
    """Return ``path`` resolved, refusing anything that does not stay under ``root``."""
    resolved_root = root.resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(resolved_root):
        raise ArchiveError(f"refusing to write {path}: it is outside the archive directory {root}")
    return resolved


@dataclass(frozen=True, slots=True)
class Layout:
    """The paths of one collection in an archive directory."""

    root: Path
    collection: str

    @classmethod
    def create(cls, root: str | Path, collection: str) -> Layout:
        """Validate ``collection``, make the directories, and return the layout.

        Raises:
            ArchiveError: a bad collection name, or a directory that cannot be made.
        """
        layout = cls(Path(root), check_name(collection, "collection name"))
        for folder in (layout.warc_dir, layout.index_dir, layout.manifest_dir):
            try:
                inside(layout.root, folder).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ArchiveError(f"cannot create {folder}: {exc.strerror or exc}") from None
        return layout

    @property
    def collection_dir(self) -> Path:
        return self.root / "collections" / self.collection

    @property
    def warc_dir(self) -> Path:
        return self.collection_dir / "archive"

    @property
    def index_dir(self) -> Path:
        return self.collection_dir / "indexes"

    @property
    def manifest_dir(self) -> Path:
        return self.collection_dir / "manifests"

    @property
    def cdxj(self) -> Path:
        return self.index_dir / "index.cdxj"

    @property
    def wacz(self) -> Path:
        return self.root / f"{self.collection}.wacz"

    @property
    def lock(self) -> Path:
        return self.collection_dir / ".lock"

    def warc(self, stem: str) -> Path:
        """The finished WARC of the run ``stem``."""
        return inside(self.root, self.warc_dir / f"{stem}{WARC_SUFFIX}")

    def open_warc(self, stem: str) -> Path:
        """The WARC of the run ``stem`` while it is being written."""
        return inside(self.root, self.warc_dir / f"{stem}{WARC_SUFFIX}{OPEN_SUFFIX}")

    def manifest(self, stem: str, suffix: str) -> Path:
        """The run's manifest, ``suffix`` ``.json`` or ``.csv``."""
        return inside(self.root, self.manifest_dir / f"{stem}{suffix}")

    def relative(self, path: Path) -> str:
        """``path`` relative to the archive directory, with forward slashes (for outputs)."""
        return inside(self.root, path).relative_to(self.root.resolve()).as_posix()

    def finished_warcs(self) -> list[Path]:
        """Every finished WARC of the collection, oldest run first (names sort by time)."""
        return sorted(p for p in self.warc_dir.glob(f"*{WARC_SUFFIX}") if p.is_file())

    def unfinished_warcs(self) -> list[Path]:
        """WARCs a killed run left open."""
        return sorted(p for p in self.warc_dir.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}") if p.is_file())
