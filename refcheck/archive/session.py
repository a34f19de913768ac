"""One archive run: captures in, WARC records, digest index, manifest, CDXJ and WACZ out.

``ArchiveSession`` takes check outcomes one at a time as the checker yields them (so a
run killed half-way has already written what it fetched) and never fetches anything
itself: what it archives is the exchange the checker kept. At the end it looks up
public copies, asks for new ones when configured, and rewrites the index, the manifest
and the package. Opening a session first finishes WARCs a killed run left open.

Per capture it writes, in one fsynced append: a ``response`` (or, when the payload
digest is already in the collection, a ``revisit`` pointing at the first capture), the
``request`` and a ``metadata`` record saying where the source is cited.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx

from refcheck._files import write_atomic
from refcheck.archive._paths import Layout, check_name, run_stem
from refcheck.archive.cdxj import write_cdxj
from refcheck.archive.drift import content_digest
from refcheck.archive.index import ArchiveIndex, CaptureRow
from refcheck.archive.manifest import ManifestRow, render_manifest_csv, render_manifest_json
from refcheck.archive.wacz import Page, page_title, write_wacz
from refcheck.archive.warc import (
    Original,
    RecordFactory,
    WarcFile,
    payload_digest,
    recover,
)
from refcheck.archive.wayback import (
    LookupResult,
    SaveOutcome,
    SavePageNow,
    SaveResult,
    Sleep,
    lookup_copy,
    make_client,
)
from refcheck.check._types import CheckOutcome
from refcheck.config import ArchivePolicy
from refcheck.errors import ArchiveError
from refcheck.models import CheckResult, Reference, Snapshot, Status

try:  # POSIX: one writer per collection; elsewhere runs are trusted not to overlap
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: Statuses that say the source is there: drift is judged and --only-alive keeps these.
ALIVE_STATUSES = frozenset({Status.ALIVE, Status.REDIRECTED})
#: Statuses for which the public archive is worth asking about.
LOOKUP_SKIP = frozenset({Status.UNSAFE, Status.EXCLUDED, Status.UNRESOLVED, Status.OFFLINE})
#: A public look-up younger than this is not repeated.
PUBLIC_LOOKUP_MAX_AGE = timedelta(hours=20)
#: Consecutive failed look-ups after which the public archive is left alone for this run
#: (it is down or unreachable: each further try would only wait for its timeout).
LOOKUP_FAILURES_TO_STOP = 3
MAX_CITATION_FIELDS = 50


def new_run_id(started_at: datetime) -> str:
    """A run id in the store's form: ``20250301T120000Z-1a2b3c``."""
    return f"{started_at.astimezone(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveSummary:
    """What an archive run wrote and found. Paths are relative to the archive directory."""

    run_id: str
    archive_dir: str
    warc: str | None
    snapshots: tuple[Snapshot, ...]
    responses: int
    revisits: int
    changed: tuple[str, ...]  # keys whose content changed since their first capture
    not_captured: tuple[tuple[str, str], ...]  # (key, why)
    lookups: tuple[LookupResult, ...]
    saves: tuple[SaveResult, ...]
    recovered: tuple[str, ...]  # WARCs a killed run left open, finished now
    manifest: tuple[str, ...]
    cdxj: str | None
    wacz: str | None

    def describe(self) -> str:
        """One line for the terminal."""
        copies = sum(1 for s in self.snapshots if s.public_copy)
        saved = sum(1 for s in self.saves if s.outcome is SaveOutcome.SAVED)
        where = f" into {self.archive_dir}/{self.warc}" if self.warc else ""
        parts = [
            f"archived {self.responses + self.revisits} captures{where}",
            f"{self.responses} new, {self.revisits} unchanged (revisit)",
            f"{len(self.changed)} changed since first capture",
            f"{len(self.not_captured)} not captured",
            f"{copies} with a public archive copy",
        ]
        if self.saves:
            parts.append(f"{saved} of {len(self.saves)} saved to the public archive")
        if self.wacz:
            parts.append(f"package {self.archive_dir}/{self.wacz}")
        return "; ".join(parts)


@dataclass(slots=True)
class _Entry:
    """What the session remembers of one reference until the run ends (small, no body)."""

    result: CheckResult
    snapshot: Snapshot | None = None
    payload: str = ""
    why_not: str = ""


def _where(reference: Reference | None) -> list[tuple[str, str]]:
    if reference is None:
        return []
    fields: list[tuple[str, str]] = []
    for citation in reference.citations[:MAX_CITATION_FIELDS]:
        loc = citation.location
        where = [loc.document]
        if loc.page is not None:
            where.append(f"page {loc.page}")
        if loc.line is not None:
            where.append(f"line {loc.line}")
        if loc.footnote is not None:
            where.append(f"footnote {loc.footnote}")
        if loc.language:
            where.append(f"language {loc.language}")
        fields.append(("cited-in", ", ".join(where)))
        fields.append(("citation", citation.raw))
    return fields


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
        self.stem = run_stem(started_at, run_id)
        self.started_at = started_at
        self.config_sha256 = config_sha256
        self.user_agent = user_agent
        self.only_alive = only_alive
        self.public = public
        self._http = http_client
        self._sleep = sleep
        self._monotonic = monotonic
        self._now = now or (lambda: datetime.now(UTC))
        self._index = ArchiveIndex(index_path)
        self._factory = RecordFactory()
        self._lock: IO[bytes] | None = None
        self._warc: WarcFile | None = None
        self._entries: dict[str, _Entry] = {}
        self._recovered: list[str] = []
        self._counts = {"response": 0, "revisit": 0}

    def __enter__(self) -> ArchiveSession:
        try:
            self.open()
        except BaseException:
            self._release()
            self._index.close()
            raise
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self._warc is not None:
            # Every record in the file is complete: finish it so it is a valid WARC.
            self._finish_warc()
        self._release()
        self._index.close()

    def open(self) -> None:
        """Take the collection's lock, finish WARCs left open, start this run's WARC."""
        self._take_lock()
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

    def _take_lock(self) -> None:
        handle = self.layout.lock.open("ab")
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise ArchiveError(
                    f"another archive run is writing to {self.layout.collection_dir}; wait for it to end"
                ) from None
        self._lock = handle

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing drops the flock
            self._lock = None

    def add(self, outcome: CheckOutcome, reference: Reference | None = None) -> Snapshot | None:
        """Archive one check outcome (its capture, if it has one); return the snapshot written."""
        result = outcome.result
        entry = _Entry(result=result)
        self._entries[result.key] = entry
        capture = outcome.capture
        if capture is None:
            cached = " (result reused, nothing fetched)" if result.from_cache else ""
            entry.why_not = f"not captured{cached}: {result.status.value}"
            return None
        if self.only_alive and result.status not in ALIVE_STATUSES:
            entry.why_not = f"not archived: {result.status.value} (--only-alive)"
            return None
        assert self._warc is not None, "add() before open()"
        digest = payload_digest(capture.body)
        original = self._original(digest)
        if original is None:
            main = self._factory.response(capture, digest)
        else:
            main = self._factory.revisit(capture, digest, original)
        request = self._factory.request(capture, main)
        fields = [
            ("reference-key", result.key),
            ("cited-url", result.url),
            ("captured-url", capture.url),
            ("check-status", result.status.value),
            ("check-evidence", result.evidence),
            ("refcheck-run-id", self.run_id),
            *_where(reference),
        ]
        metadata = self._factory.metadata(f"urn:refcheck:citations:{capture.url}", fields, main)
        written = self._warc.append([main, request, metadata])[0]
        changed_since = None
        text_digest = content_digest(capture)
        if result.status in ALIVE_STATUSES:
            first = self._index.first_capture(self.policy.collection, result.key)
            if first is not None and first.content_digest != text_digest:
                changed_since = first.captured_at
        warc_rel = self.layout.relative(self._warc.final)
        self._index.add_capture(
            self.policy.collection,
            CaptureRow(
                run_id=self.run_id,
                key=result.key,
                url=capture.url,
                captured_at=capture.captured_at,
                status=capture.status,
                payload_digest=digest,
                content_digest=text_digest,
                warc=self._warc.name,
                offset=written.offset,
                record_id=written.record_id,
                record_type=written.record_type,
                revisit_of=original.record_id if original else None,
                title=page_title(reference) if reference else result.url,
            ),
        )
        self._counts[written.record_type] += 1
        entry.payload = digest
        entry.snapshot = Snapshot(
            key=result.key,
            url=capture.url,
            warc=warc_rel,
            record_id=written.record_id,
            offset=written.offset,
            captured_at=capture.captured_at,
            payload_digest=digest,
            status=capture.status,
            revisit_of=original.record_id if original else None,
            changed_since=changed_since,
        )
        return entry.snapshot

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
        if not any(self._counts.values()):
            self._warc.discard()  # only its warcinfo: nothing to keep or replay
            self._warc = None
            return None
        final = self._warc.close()
        self._warc = None
        return self.layout.relative(final)

    def finish(self, references: Sequence[Reference] = ()) -> ArchiveSummary:
        """End the run: finish the WARC, public copies, manifest, CDXJ index and WACZ."""
        warc = self._finish_warc()
        lookups, saves = self._public_copies() if self.public else ((), ())
        by_key = {r.key: r for r in references}
        rows, snapshots = self._rows()
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
        pages = self._pages(by_key)
        wacz = None
        if pages:
            write_wacz(
                warcs,
                pages,
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
        wanted = [
            e.result.url
            for e in self._entries.values()
            if e.result.url and e.result.status not in LOOKUP_SKIP and e.result.url.startswith(("http:", "https:"))
        ]
        if not wanted:
            return [], []
        now = self._now()
        with self._client() as client:
            lookups = []
            failures = 0
            for url in dict.fromkeys(wanted):
                known = self._index.public(url)
                if known and known.looked_up_at and now - known.looked_up_at < PUBLIC_LOOKUP_MAX_AGE:
                    continue
                if failures >= LOOKUP_FAILURES_TO_STOP:
                    lookups.append(LookupResult(url=url, error="not looked up: the CDX server kept failing"))
                    continue
                found = lookup_copy(url, self.policy, client)
                lookups.append(found)
                failures = failures + 1 if found.error else 0
                if found.error is None:
                    copy = found.copy
                    self._index.set_public_copy(
                        url,
                        copy.copy_url if copy else None,
                        copy.captured_at if copy else None,
                        copy.digest if copy else None,
                        now,
                    )
            saves = self._save(client) if self.policy.save else []
        return lookups, saves

    def _save(self, client: httpx.Client) -> list[SaveResult]:
        if not (self.policy.access_key and self.policy.secret_key):
            return []
        urls = []
        for entry in self._entries.values():
            if entry.snapshot is None or entry.result.status not in ALIVE_STATUSES:
                continue
            known = self._index.public(entry.result.url)
            ours = entry.payload.removeprefix("sha1:")
            if known and known.copy_digest and known.copy_digest == ours:
                continue  # the public copy is byte-identical to ours
            urls.append(entry.result.url)
        options: dict[str, Any] = {}
        if self._sleep is not None:
            options["sleep"] = self._sleep
        if self._monotonic is not None:
            options["monotonic"] = self._monotonic
        results = SavePageNow(self.policy, client, **options).save_all(list(dict.fromkeys(urls)))
        now = self._now()
        for saved in results:
            self._index.set_save_outcome(saved.url, saved.outcome.value, saved.detail, now)
            if saved.copy is not None:
                self._index.set_public_copy(saved.url, saved.copy.copy_url, saved.copy.captured_at, None, now)
        return results

    @contextlib.contextmanager
    def _client(self) -> Iterator[httpx.Client]:
        if self._http is not None:
            yield self._http
            return
        with make_client() as client:
            yield client

    def _rows(self) -> tuple[list[ManifestRow], list[Snapshot]]:
        latest = {c.key: c for c in self._index.latest_captures(self.policy.collection)}
        rows: list[ManifestRow] = []
        snapshots: list[Snapshot] = []
        for key, entry in sorted(self._entries.items()):
            result = entry.result
            snapshot = entry.snapshot
            if snapshot is None and key in latest:
                # Not captured now (dead?): an earlier run's capture is the local copy.
                row = latest[key]
                snapshot = Snapshot(
                    key=key,
                    url=row.url,
                    warc=self.layout.relative(self.layout.warc_dir / row.warc),
                    record_id=row.record_id,
                    offset=row.offset,
                    captured_at=row.captured_at,
                    payload_digest=row.payload_digest,
                    status=row.status,
                    revisit_of=row.revisit_of,
                )
            public = self._index.public(result.url) if result.url else None
            if public is not None and public.copy_url:
                if snapshot is None:
                    # Only a public copy: no local record (warc "" and offset -1 say so).
                    snapshot = Snapshot(
                        key=key,
                        url=result.url,
                        warc="",
                        record_id="",
                        offset=-1,
                        captured_at=public.copy_date or result.checked_at,
                        payload_digest="",
                    )
                snapshot = _with_public(snapshot, public.copy_url, public.copy_date)
            if snapshot is not None:
                snapshots.append(snapshot)
            captured_now = entry.snapshot is not None
            rows.append(
                ManifestRow(
                    key=key,
                    url=result.url,
                    check_status=result.status.value,
                    http_status=result.http_status,
                    captured_at=snapshot.captured_at if snapshot and snapshot.warc else None,
                    record_type=("revisit" if snapshot and snapshot.revisit_of else "response") if captured_now else "",
                    payload_digest=snapshot.payload_digest if snapshot else "",
                    warc=snapshot.warc if snapshot else "",
                    offset=snapshot.offset if snapshot and snapshot.warc else None,
                    record_id=snapshot.record_id if snapshot else "",
                    revisit_of=(snapshot.revisit_of or "") if snapshot else "",
                    changed_since=snapshot.changed_since if snapshot else None,
                    public_copy=(snapshot.public_copy or "") if snapshot else "",
                    public_copy_date=snapshot.public_copy_date if snapshot else None,
                    save_outcome=(public.save_outcome or "") if public else "",
                    title=latest[key].title if key in latest else "",
                )
            )
        return rows, snapshots

    def _pages(self, references: Mapping[str, Reference]) -> list[Page]:
        pages = []
        for row in self._index.latest_captures(self.policy.collection):
            if not (self.layout.warc_dir / row.warc).is_file():
                continue
            ref = references.get(row.key)
            title = page_title(ref) if ref else row.title
            pages.append(
                Page(
                    id=row.record_id.strip("<>").removeprefix("urn:uuid:"),
                    url=row.url,
                    captured_at=row.captured_at,
                    title=title or row.url,
                )
            )
        return pages


def _with_public(snapshot: Snapshot, url: str, date: datetime | None) -> Snapshot:
    return replace(snapshot, public_copy=url, public_copy_date=date)


def index_path_for(state_dir: Path) -> Path:
    """The store's database file in ``state_dir`` (the archive's tables live there too)."""
    from refcheck.store import STORE_FILE

    return state_dir / STORE_FILE
