"""The archive stage: keep what documents cite as it was when checked, replayable anywhere.

Formats are the field's standards written with the field's libraries (warcio, cdxj-indexer,
py-wacz), laid out as a pywb collection, so that the archive opens in pywb and
ReplayWeb.page without refcheck:

    stream.py    session set-up; a run archived as the checker decides each source
    recorder.py  the exchanges of each cited URL's redirect chain, from the checker's client
    session.py   one run: captures -> WARC records, digest index, manifest, CDXJ, WACZ
    records.py   the records of one source: redirect hops, page (or revisit), citations
    bookkeeping.py  entries, manifest rows, snapshots, pages; public.py  public copies
    warc.py      WARC/1.1 records (warcio), payload digests, crash-safe appends, recovery
    index.py     the archive's tables in the store's SQLite file (dedup, drift, public copies)
    drift.py     "changed since": main text of HTML, decoded body otherwise
    cdxj.py      the collection's CDXJ index (cdxj-indexer)
    wacz.py      the collection's WACZ package (py-wacz) with one page per cited URL
    manifest.py  the run's manifest as CSV and JSON
    wayback.py   Internet Archive: CDX look-ups, Save Page Now 2 captures
    _paths.py    every path, from timestamps, run ids and digests; never from URL text

Nothing is fetched twice: ``archive_references`` runs the checker with ``capture=True``
and archives each exchange the checker kept, with the redirect hops before it, as it is
yielded; ``RunArchive`` does the same for ``refcheck run``, which sees results, not
outcomes; ``archive_outcomes`` archives outcomes a caller already has (``refcheck check
--archive``: final exchanges only, as the checker keeps no hops).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from refcheck.archive.recorder import ExchangeRecorder
from refcheck.archive.session import ArchiveSession
from refcheck.archive.stream import RunArchive, open_session
from refcheck.archive.summary import ArchiveSummary
from refcheck.archive.wayback import LookupResult, PublicCopy, SaveOutcome, SaveResult
from refcheck.check._types import CheckOutcome
from refcheck.check.fetch import Clock, utc_now
from refcheck.config import Config
from refcheck.models import Reference, Status


def archive_outcomes(
    outcomes: Sequence[CheckOutcome],
    references: Sequence[Reference],
    config: Config,
    *,
    run_id: str | None = None,
    archive_dir: str | Path | None = None,
    index_path: str | Path | None = None,
    only_alive: bool = False,
    public: bool = True,
    clock: Clock | None = None,
    **options: Any,
) -> ArchiveSummary:
    """Archive check outcomes that carry captures (``run_checks(..., capture=True)``).

    Args:
        outcomes: the checker's outcomes; those without a capture are listed, not archived.
        references: the references checked (their citations label the records and pages).
        config: the configuration (``[archive]``, ``state_dir``, its digest).
        run_id: the run's id (default: a new one in the store's form).
        archive_dir: overrides ``[archive] dir``.
        index_path: the store's SQLite file (default ``<state_dir>/refcheck.sqlite``, the store's file).
        only_alive: archive only sources judged alive or redirected.
        public: look up public copies (and request captures when ``[archive] save``).
        clock: the current UTC time.
        **options: passed to ``ArchiveSession`` (``http_client``, ``sleep``, ``monotonic``).

    Returns:
        What was written and found.

    Raises:
        ArchiveError: the archive directory or index cannot be written.
    """
    by_key = {r.key: r for r in references}
    session = open_session(
        config,
        archive_dir=archive_dir,
        index_path=index_path,
        run_id=run_id,
        only_alive=only_alive,
        public=public,
        clock=clock,
        **options,
    )
    with session:
        for outcome in outcomes:
            session.add(outcome, by_key.get(outcome.result.key))
        return session.finish(references)


def archive_references(
    references: Sequence[Reference],
    config: Config,
    *,
    archive_dir: str | Path | None = None,
    index_path: str | Path | None = None,
    run_id: str | None = None,
    allow_private: bool = False,
    only_alive: bool = False,
    public: bool = True,
    progress: bool = False,
    clock: Clock | None = None,
    client_factory: Any = None,
    **options: Any,
) -> ArchiveSummary:
    """Check ``references`` with captures kept and archive each as soon as it is checked.

    A run killed half-way has written every capture decided before the kill; the next
    run finishes the WARC it left and archives everything again (unchanged payloads as
    revisits), which completes the rest.

    Args:
        references: what to archive.
        config: the configuration.
        archive_dir: overrides ``[archive] dir``.
        index_path: the store's SQLite file (default ``<state_dir>/refcheck.sqlite``, the store's file).
        run_id: the run's id (default: a new one).
        allow_private: fetch private and local addresses too (tests, intranets).
        only_alive: archive only sources judged alive or redirected.
        public: look up public copies (and request captures when configured).
        progress: show a progress bar on standard error.
        clock: the current UTC time (the checker's too: it dates the captures).
        client_factory: builds the checker's HTTP client (tests map names here).
        **options: passed to ``ArchiveSession`` (``http_client``, ``sleep``, ``monotonic``).

    Returns:
        What was written and found.
    """
    from refcheck.check import check_references

    policy = replace(config.check, allow_private=True) if allow_private else config.check
    by_key = {r.key: r for r in references}
    recorder = ExchangeRecorder(references, policy, clock=clock or utc_now)
    session = open_session(
        config,
        archive_dir=archive_dir,
        index_path=index_path,
        run_id=run_id,
        only_alive=only_alive,
        public=public,
        clock=clock,
        **options,
    )

    async def run(advance: Callable[[], None]) -> None:
        factory = recorder.client_factory(client_factory)
        stream = check_references(references, policy, capture=True, clock=clock, client_factory=factory)
        async for outcome in stream:
            session.add(outcome, by_key.get(outcome.result.key), recorder.claim(outcome.result))
            advance()

    with session:
        if progress and references:
            from rich.progress import Progress

            with Progress(transient=True, console=_stderr_console()) as bar:
                task = bar.add_task("archiving", total=len(references))
                asyncio.run(run(lambda: bar.advance(task)))
        else:
            asyncio.run(run(lambda: None))
        return session.finish(references)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)


def is_offline(summary: ArchiveSummary) -> bool:
    """Whether nothing could be reached (every source judged offline)."""
    if summary.responses or summary.revisits or not summary.not_captured:
        return False
    return all(why.endswith(Status.OFFLINE.value) for _, why in summary.not_captured)


__all__ = [
    "ArchiveSession",
    "ArchiveSummary",
    "LookupResult",
    "PublicCopy",
    "RunArchive",
    "SaveOutcome",
    "SaveResult",
    "archive_outcomes",
    "archive_references",
    "is_offline",
]
