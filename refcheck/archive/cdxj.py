"""The CDXJ index of a collection, written with cdxj-indexer (the Webrecorder indexer).

pywb reads ``collections/<name>/indexes/index.cdxj`` to find a capture by URL and time,
so the index is rebuilt over every WARC of the collection after each run, sorted, with
file names relative to the collection's ``archive/`` folder (as ``wb-manager add`` writes
them). It is written to a temporary file beside the index and renamed into place, so a
reader never sees half an index. Metadata records in ``application/warc-fields`` are not
indexed (cdxj-indexer skips them), which keeps them out of replay.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer

from refcheck.errors import ArchiveError


@contextlib.contextmanager
def collected_spools() -> Iterator[None]:
    """Run Webrecorder indexing code and collect the temporary files it leaves open.

    cdxj-indexer digests records that carry no payload digest (our warcinfo) through a
    ``BufferWARCWriter`` whose spooled temporary file is never closed; py-wacz's indexer
    buffers records the same way. They are collected here, where their ResourceWarning
    is expected, rather than at some later garbage collection.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


def write_cdxj(warcs: Sequence[Path], out: Path, *, dir_root: Path) -> Path:
    """Index ``warcs`` into ``out`` (sorted CDXJ), atomically.

    Args:
        warcs: the WARC files to index.
        out: the index file to (re)write.
        dir_root: the folder the ``filename`` fields are relative to.

    Returns:
        ``out``.

    Raises:
        ArchiveError: a WARC cannot be read or the index cannot be written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if warcs:
                with collected_spools():
                    CDXJIndexer(handle, [str(w) for w in warcs], sort=True, dir_root=str(dir_root)).process_all()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ArchiveError(f"cannot write the index {out}: {exc.strerror or exc}") from None
        raise
    return out
