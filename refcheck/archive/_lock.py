"""One writer per collection: an exclusive, non-blocking ``flock`` on the collection's lock file.

The lock goes with the process: a killed run holds nothing, so the next run can recover
its WARC at once. Where ``fcntl`` is missing, runs are trusted not to overlap.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from refcheck.errors import ArchiveError

try:
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class CollectionLock:
    """Held from ``acquire`` to ``release`` (closing the file drops the flock)."""

    def __init__(self, path: Path, collection_dir: Path) -> None:
        self._path = path
        self._collection_dir = collection_dir
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ArchiveError at once when another run holds it."""
        handle = self._path.open("ab")
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise ArchiveError(
                    f"another archive run is writing to {self._collection_dir}; wait for it to end"
                ) from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
