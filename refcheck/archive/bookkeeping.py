"""What a run remembers of each source, and the manifest rows, snapshots and pages made from it.

The session keeps one small ``Entry`` per source (never a body); at the end of a run
these pure functions turn the entries, the latest capture of each source and what is
known of the public archive into the manifest, the report's snapshots and the WACZ
pages. A source not captured this run (dead, reused from the cache, resumed) still
gets the local copy an earlier run made, and any public copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from refcheck.archive._paths import Layout
from refcheck.archive.index import CaptureRow, PublicRow
from refcheck.archive.manifest import ManifestRow
from refcheck.archive.wacz import Page, page_title
from refcheck.models import CheckResult, Reference, Snapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One source of the run: its result and, when captured now, its snapshot."""

    result: CheckResult
    snapshot: Snapshot | None = None
    why_not: str = ""  # why nothing was captured, when nothing was


def earlier_snapshot(key: str, row: CaptureRow, layout: Layout) -> Snapshot:
    """An earlier run's capture of ``key``, as the local copy of a source not captured now."""
    return Snapshot(
        key=key,
        url=row.url,
        warc=layout.relative(layout.warc_dir / row.warc),
        record_id=row.record_id,
        offset=row.offset,
        captured_at=row.captured_at,
        payload_digest=row.payload_digest,
        status=row.status,
        revisit_of=row.revisit_of,
    )


def with_public(snapshot: Snapshot | None, result: CheckResult, public: PublicRow | None) -> Snapshot | None:
    """``snapshot`` with the public copy added; only a public copy when there is no local one."""
    if public is None or not public.copy_url:
        return snapshot
    if snapshot is None:
        # No local record: warc "" and offset -1 say so.
        snapshot = Snapshot(
            key=result.key,
            url=result.url,
            warc="",
            record_id="",
            offset=-1,
            captured_at=public.copy_date or result.checked_at,
            payload_digest="",
        )
    return replace(snapshot, public_copy=public.copy_url, public_copy_date=public.copy_date)


def manifest_row(entry: Entry, snapshot: Snapshot | None, public: PublicRow | None, title: str) -> ManifestRow:
    """The manifest's line for one source."""
    result = entry.result
    local = snapshot is not None and bool(snapshot.warc)
    record_type = ""
    if entry.snapshot is not None:
        record_type = "revisit" if entry.snapshot.revisit_of else "response"
    return ManifestRow(
        key=result.key,
        url=result.url,
        check_status=result.status.value,
        http_status=result.http_status,
        captured_at=snapshot.captured_at if snapshot and local else None,
        record_type=record_type,
        payload_digest=snapshot.payload_digest if snapshot else "",
        warc=snapshot.warc if snapshot else "",
        offset=snapshot.offset if snapshot and local else None,
        record_id=snapshot.record_id if snapshot else "",
        revisit_of=(snapshot.revisit_of or "") if snapshot else "",
        changed_since=snapshot.changed_since if snapshot else None,
        public_copy=(snapshot.public_copy or "") if snapshot else "",
        public_copy_date=snapshot.public_copy_date if snapshot else None,
        save_outcome=(public.save_outcome or "") if public else "",
        title=title,
    )


def rows_and_snapshots(
    entries: Mapping[str, Entry],
    latest: Mapping[str, CaptureRow],
    public_of: Callable[[str], PublicRow | None],
    layout: Layout,
) -> tuple[list[ManifestRow], list[Snapshot]]:
    """The manifest rows of every source (by key) and the snapshots the report shows."""
    rows: list[ManifestRow] = []
    snapshots: list[Snapshot] = []
    for key, entry in sorted(entries.items()):
        snapshot = entry.snapshot
        if snapshot is None and key in latest:
            snapshot = earlier_snapshot(key, latest[key], layout)
        public = public_of(entry.result.url) if entry.result.url else None
        snapshot = with_public(snapshot, entry.result, public)
        if snapshot is not None:
            snapshots.append(snapshot)
        rows.append(manifest_row(entry, snapshot, public, latest[key].title if key in latest else ""))
    return rows, snapshots


def pages(latest: Sequence[CaptureRow], references: Mapping[str, Reference], layout: Layout) -> list[Page]:
    """One WACZ page per cited source with a capture still on disk, titled by its citation."""
    found = []
    for row in latest:
        if not (layout.warc_dir / row.warc).is_file():
            continue
        ref = references.get(row.key)
        title = page_title(ref) if ref else row.title
        found.append(
            Page(
                id=row.record_id.strip("<>").removeprefix("urn:uuid:"),
                url=row.url,
                captured_at=row.captured_at,
                title=title or row.url,
            )
        )
    return found
