"""The manifest of a run's archive: one row per cited source, as CSV and as JSON.

An archivist's inventory: for each source, where its capture is (WARC file, offset,
record id), when it was taken, what came back, its payload digest, whether it is a
revisit of an earlier capture, whether its content changed since first captured, and
the public archive copy. Sources that could not be captured this run are listed too,
with the copy an earlier run or the public archive holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

MANIFEST_FORMAT = "refcheck-archive-manifest-1"


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestRow:
    """One source in the manifest (fields empty when not known)."""

    key: str
    url: str
    check_status: str
    http_status: int | None
    captured_at: datetime | None
    record_type: str  # response, revisit, or "" when nothing was captured this run
    payload_digest: str
    warc: str
    offset: int | None
    record_id: str
    revisit_of: str
    changed_since: datetime | None
    public_copy: str
    public_copy_date: datetime | None
    save_outcome: str
    title: str


FIELDS = tuple(ManifestRow.__dataclass_fields__)


def _value(value: object) -> str | int | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if value is None or isinstance(value, int):
        return value
    return str(value)


def _row_dict(row: ManifestRow) -> dict[str, str | int | None]:
    return {name: _value(getattr(row, name)) for name in FIELDS}


def render_manifest_json(rows: Sequence[ManifestRow], *, run_id: str, collection: str, created: datetime) -> bytes:
    """The manifest as JSON: a header object and ``sources``, sorted by key."""
    document = {
        "format": MANIFEST_FORMAT,
        "run_id": run_id,
        "collection": collection,
        "created": _value(created),
        "sources": [_row_dict(r) for r in sorted(rows, key=lambda r: r.key)],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_manifest_csv(rows: Sequence[ManifestRow]) -> bytes:
    """The manifest as CSV (RFC 4180, UTF-8), one row per source, sorted by key."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in sorted(rows, key=lambda r: r.key):
        writer.writerow(["" if v is None else v for v in _row_dict(row).values()])
    return out.getvalue().encode("utf-8")
