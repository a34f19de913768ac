"""Atomic file writes: a reader never sees half a report or half a state file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO, cast


@contextmanager
def _replacing(path: Path, mode: str) -> Iterator[IO[Any]]:
    # A temporary sibling then os.replace: atomic on POSIX and Windows when both names
    # are on one file system, which a sibling guarantees (black's cache does the same).
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def open_atomic(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream that becomes ``path`` when the block ends without error.

    For large outputs, written as they are made instead of being built in memory first.
    """
    with _replacing(path, "w") as handle:
        yield cast(TextIO, handle)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half."""
    with _replacing(path, "wb") as handle:
        handle.write(data)
