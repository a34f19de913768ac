"""One archive run: captures in, WARC records, digest index, manifest, CDXJ and WACZ out.

``ArchiveSession`` takes check outcomes one at a time as the checker yields them (so a
run killed half-way has already written what it fetched) and never fetches anything
itself: what it archives is the exchange the checker kept, with the redirect hops that
led there (``recorder.py``). At the end it looks up public copies, asks for new ones
when configured, and rewrites the index, the manifest and the package. Opening a
session first finishes WARCs a killed run left open.

Per source it writes, in one fsynced append, the records ``records.py`` builds: each
redirect hop (``response`` + ``request``), the page (``response``, or ``revisit`` when its
payload digest is already in the collection) with its ``request``, and a ``metadata``
record saying where the source is cited. The digest index is updated only after that
append returns, so it never points at a lost record.

    bookkeeping.py  entries, manifest rows, snapshots, pages (pure)
    public.py       public archive look-ups and Save Page Now requests
    _lock.py        one writer per collection
    summary.py      what a run wrote and found
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from refcheck._files import write_atomic
from refcheck.archive import public
from refcheck.archive._lock import CollectionLock
from refcheck.archive._paths import Layout, check_name, run_stem
from refcheck.archive.bookkeeping import Entry, pages, rows_and_snapshots
from refcheck.archive.cdxj import write_cdxj
from refcheck.archive.drift import content_digest
from refcheck.archive.index import ArchiveIndex, CaptureRow
from refcheck.archive.manifest import render_manifest_csv, render_manifest_json
from refcheck.archive.public import ALIVE_STATUSES
from refcheck.archive.recorder import CaptureChain
from refcheck.archive.records import metadata_fields, source_records
from refcheck.archive.summary import ArchiveSummary
from refcheck.archive.wacz import page_title, write_wacz
from refcheck.archive.warc import Original, RecordFactory, WarcFile, payload_digest, recover
from refcheck.archive.wayback import LookupResult, SaveResult, Sleep, make_client
from refcheck.check._types import CheckOutcome
from refcheck.check.fetch import utc_now
from refcheck.config import ArchivePolicy
from refcheck.models import CheckResult, Reference, Snapshot

__all__ = ["ArchiveSession", "index_path_for"]


def _why_not(result: CheckResult, only_alive: bool, chain: CaptureChain) -> str:
    """Why a source is not archived this run, or "" when it is."""
    if chain.final is None:
        cached = " (result reused, nothing fetched)" if result.from_cache else ""
        return f"not captured{cached}: {result.status.value}"
    if only_alive and result.status not in ALIVE_STATUSES:
        return f"not archived: {result.status.value} (--only-alive)"
    return ""


class ArchiveSession:
    """Archive one run's captures into a collection (use as a context manager).

    Args:
        policy: the ``[archive]`` settings (collection, operator, public archive endpoints).
        archive_dir: the archive directory (everything is written under it).
        index_path: the SQLite file of the store, which also holds the archive's tables.
        run_id: the run's id (the store's, when the run is recorded there).
        started_at: when the run started (names its files).
        config_sha256: the configuration's digest, recorded in the warcinfo record.
        user_agent: the User-Agent the checker sent, recorded in the warcinfo record.
        only_alive: capture only sources judged alive or redirected.
        public: look up (and, when configured, request) public archive copies.
        http_client: the client for the public archive (default: a new one).
        sleep: waits of the Save Page Now client (tests pass a fast one).
        monotonic: its clock.
        now: the current UTC time, for look-up ages and the manifest.
    """

    def __init__(
        self,
        policy: ArchivePolicy,
        *,
        archive_dir: str | Path,
        index_path: str | Path,
        run_id: str,
        started_at: datetime,
        config_sha256: str = "",
        user_agent: str = "",
        only_alive: bool = False,
        public: bool = True,
        http_client: httpx.Client | None = None,
        sleep: Sleep | None = None,
        monotonic: Any = None,
        now: Any = None,
    ) -> None:
        self.policy = policy
        self.layout = Layout.create(archive_dir, policy.collection)
        self.run_id = check_name(run_id, "run id")
        self.started_at = started_at
        self.stem = run_stem(started_at, run_id)
        self.config_sha256 = config_sha256
        self.user_agent = user_agent
        self.only_alive = only_alive
        self.public = public
        self._http = http_client
        self._save_options = {k: v for k, v in (("sleep", sleep), ("monotonic", monotonic)) if v is not None}
        self._now = now or utc_now
        self._index = ArchiveIndex(index_path)
        self._factory = RecordFactory()
        self._lock = CollectionLock(self.layout.lock, self.layout.collection_dir)
        self._warc: WarcFile | None = None
        self._entries: dict[str, Entry] = {}
        self._recovered: list[str] = []
        self._counts = {"response": 0, "revisit": 0, "redirect": 0}

    def __enter__(self) -> ArchiveSession:
        try:
            self.open()
        except BaseException:
            self._lock.release()
            self._index.close()
            raise
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self._warc is not None:
            # Every record in the file is complete: finish it so it is a valid WARC.
            self._finish_warc()
        self._lock.release()
        self._index.close()

    def __contains__(self, key: object) -> bool:
        """Whether the source ``key`` was added to this run already."""
        return key in self._entries

    def open(self) -> None:
        """Take the collection's lock, finish WARCs left open, start this run's WARC."""
        self._lock.acquire()
        for path in self.layout.unfinished_warcs():
            finished = recover(path)
            if finished.exists():
                self._recovered.append(self.layout.relative(finished))
        self._warc = WarcFile(self.layout.warc(self.stem))
        info = self._factory.warcinfo(
            self._warc.name,
            [
                ("isPartOf", self.policy.collection),
                ("description", "Sources cited by documents, captured by refcheck as they were checked"),
                ("operator", self.policy.operator),
                ("http-header-user-agent", self.user_agent),
                ("refcheck-run-id", self.run_id),
                ("refcheck-config-sha256", self.config_sha256 or "none (built-in defaults)"),
            ],
            self.started_at,
        )
        self._warc.append([info])

    def add(
        self, outcome: CheckOutcome, reference: Reference | None = None, chain: CaptureChain | None = None
    ) -> Snapshot | None:
        """Archive one check outcome; return the snapshot written, if any.

        ``chain`` is what ``ExchangeRecorder.claim`` kept of the source (its redirect hops
        and, when the caller sees results only, its page); without one the page is the
        outcome's own capture.
        """
        result = outcome.result
        if chain is None or chain.final is None:
            chain = CaptureChain(hops=chain.hops if chain else (), final=outcome.capture)
        why_not = _why_not(result, self.only_alive, chain)
        self._entries[result.key] = Entry(result=result, why_not=why_not)
        if why_not:
            return None
        snapshot = self._write(result, reference, chain)
        self._entries[result.key] = Entry(result=result, snapshot=snapshot)
        return snapshot

    def _write(self, result: CheckResult, reference: Reference | None, chain: CaptureChain) -> Snapshot:
        assert self._warc is not None, "add() before open()"
        page = chain.final
        assert page is not None
        digest = payload_digest(page.body)
        original = self._original(digest)
        fields = metadata_fields(result, page, chain.hops, self.run_id, reference)
        built = source_records(self._factory, chain, digest, original, fields)
        written = self._warc.append(list(built.records))[built.main_index]
        changed_since = self._changed_since(result, page_digest := content_digest(page))
        self._index.add_capture(
            self.policy.collection,
            CaptureRow(
                run_id=self.run_id,
                key=result.key,
                url=page.url,
                captured_at=page.captured_at,
                status=page.status,
                payload_digest=digest,
                content_digest=page_digest,
                warc=self._warc.name,
                offset=written.offset,
                record_id=written.record_id,
                record_type=written.record_type,
                revisit_of=original.record_id if original else None,
                title=page_title(reference) if reference else result.url,
            ),
        )
        self._counts[written.record_type] += 1
        self._counts["redirect"] += len(chain.hops)
        return Snapshot(
            key=result.key,
            url=page.url,
            warc=self.layout.relative(self._warc.final),
            record_id=written.record_id,
            offset=written.offset,
            captured_at=page.captured_at,
            payload_digest=digest,
            status=page.status,
            revisit_of=original.record_id if original else None,
            changed_since=changed_since,
        )

    def _changed_since(self, result: CheckResult, text_digest: str) -> datetime | None:
        """When the first capture of a live source was taken, if its content has changed since."""
        if result.status not in ALIVE_STATUSES:
            return None
        first = self._index.first_capture(self.policy.collection, result.key)
        return first.captured_at if first is not None and first.content_digest != text_digest else None

    def _original(self, digest: str) -> Original | None:
        row = self._index.payload(self.policy.collection, digest)
        if row is None:
            return None
        assert self._warc is not None
        if row.warc != self._warc.name and not (self.layout.warc_dir / row.warc).is_file():
            # The WARC holding the original is gone: a revisit would point at nothing.
            self._index.forget_payload(self.policy.collection, digest)
            return None
        return Original(url=row.url, date=row.warc_date, record_id=row.record_id)

    def _finish_warc(self) -> str | None:
        if self._warc is None:
            return None
        if not (self._counts["response"] or self._counts["revisit"]):
            self._warc.discard()  # only its warcinfo: nothing to keep or replay
            self._warc = None
            return None
        final = self._warc.close()
        self._warc = None
        return self.layout.relative(final)

    def finish(self, references: Sequence[Reference] = ()) -> ArchiveSummary:
        """End the run: finish the WARC, public copies, manifest, CDXJ index and WACZ."""
        warc = self._finish_warc()
        lookups, saves = self._public_copies() if self.public else ([], [])
        by_key = {r.key: r for r in references}
        latest = self._index.latest_captures(self.policy.collection)
        rows, snapshots = rows_and_snapshots(self._entries, {c.key: c for c in latest}, self._index.public, self.layout)
        stamp = self._now()
        manifest_json = self.layout.manifest(self.stem, ".json")
        manifest_csv = self.layout.manifest(self.stem, ".csv")
        write_atomic(
            manifest_json,
            render_manifest_json(rows, run_id=self.run_id, collection=self.policy.collection, created=stamp),
        )
        write_atomic(manifest_csv, render_manifest_csv(rows))
        warcs = self.layout.finished_warcs()
        write_cdxj(warcs, self.layout.cdxj, dir_root=self.layout.warc_dir)
        listed = pages(latest, by_key, self.layout)
        wacz = None
        if listed:
            write_wacz(
                warcs,
                listed,
                self.layout.wacz,
                title=f"refcheck collection {self.policy.collection}",
                description="Sources cited by documents, captured by refcheck; one page per cited URL.",
            )
            wacz = self.layout.relative(self.layout.wacz)
        return ArchiveSummary(
            run_id=self.run_id,
            archive_dir=str(self.layout.root),
            warc=warc,
            snapshots=tuple(snapshots),
            responses=self._counts["response"],
            revisits=self._counts["revisit"],
            redirects=self._counts["redirect"],
            changed=tuple(s.key for s in snapshots if s.changed_since is not None and s.warc == warc),
            not_captured=tuple((k, e.why_not) for k, e in sorted(self._entries.items()) if e.why_not),
            lookups=tuple(lookups),
            saves=tuple(saves),
            recovered=tuple(self._recovered),
            manifest=(self.layout.relative(manifest_json), self.layout.relative(manifest_csv)),
            cdxj=self.layout.relative(self.layout.cdxj),
            wacz=wacz,
        )

    def _public_copies(self) -> tuple[list[LookupResult], list[SaveResult]]:
        urls = public.lookup_urls(self._entries.values())
        if not urls:
            return [], []
        with self._client() as client:
            lookups = public.look_up(urls, self.policy, self._index, client, self._now())
            saves: list[SaveResult] = []
            if self.policy.save:
                wanted = public.save_urls(self._entries.values(), self._index)
                saves = public.save(wanted, self.policy, self._index, client, self._now, **self._save_options)
        return lookups, saves

    @contextlib.contextmanager
    def _client(self) -> Iterator[httpx.Client]:
        if self._http is not None:
            yield self._http
            return
        with make_client() as client:
            yield client


def index_path_for(state_dir: Path) -> Path:
    """The store's database file in ``state_dir`` (the archive's tables live there too)."""
    from refcheck.store import STORE_FILE

    return state_dir / STORE_FILE
