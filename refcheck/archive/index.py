"""The archive's memory in the store's SQLite file: payload digests, captures, public copies.

Deduplication across runs needs to know, for a payload digest, where its first capture
is (URL, WARC-Date, record id, WARC file); drift detection needs each source's first
capture; the report needs the public archive copy found or made. These live in the
same database file as the run history (``refcheck.store``), in tables of their own,
so that one cached state directory carries everything between scheduled runs:

    archive_payloads   (collection, payload digest) -> first capture of that payload
    archive_captures   one row per capture written: key, URL, time, digests, WARC, offset
    archive_public     per URL: the public archive copy and the last Save Page Now outcome

WAL journal, ``busy_timeout`` and ``BEGIN IMMEDIATE`` as the store does, so a killed
run leaves a valid file and two processes wait for each other. A row is written only
after its record is on disk (see ``warc.py``), so the index never points at a lost record.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from refcheck._sqlite import connect, write_transaction
from refcheck.archive.warc import warc_date
from refcheck.errors import ArchiveError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS archive_payloads (
    collection TEXT NOT NULL,
    digest TEXT NOT NULL,
    url TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    record_id TEXT NOT NULL,
    warc TEXT NOT NULL,
    offset INTEGER NOT NULL,
    PRIMARY KEY (collection, digest)
);
CREATE TABLE IF NOT EXISTS archive_captures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    url TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    status INTEGER,
    payload_digest TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    warc TEXT NOT NULL,
    offset INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    record_type TEXT NOT NULL,
    revisit_of TEXT,
    title TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS archive_captures_by_key ON archive_captures (collection, key, id);
CREATE TABLE IF NOT EXISTS archive_public (
    url TEXT PRIMARY KEY,
    copy_url TEXT,
    copy_date TEXT,
    copy_digest TEXT,
    looked_up_at TEXT,
    save_outcome TEXT,
    save_detail TEXT,
    saved_at TEXT
);
"""


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PayloadRow:
    """The first capture of a payload in a collection."""

    digest: str
    url: str
    warc_date: str
    record_id: str
    warc: str
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureRow:
    """A capture as recorded (response or revisit)."""

    run_id: str
    key: str
    url: str
    captured_at: datetime
    status: int | None
    payload_digest: str
    content_digest: str
    warc: str
    offset: int
    record_id: str
    record_type: str
    revisit_of: str | None
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicRow:
    """What is known of a URL in the public archive."""

    url: str
    copy_url: str | None
    copy_date: datetime | None
    copy_digest: str | None
    looked_up_at: datetime | None
    save_outcome: str | None
    save_detail: str | None


class ArchiveIndex:
    """The archive's tables in the store's database file.

    Args:
        path: the SQLite file (the store's; created if missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = connect(self.path, _SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ArchiveError(f"cannot open the archive index in {self.path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ArchiveIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return write_transaction(self._db)

    def payload(self, collection: str, digest: str) -> PayloadRow | None:
        """The first capture of ``digest`` in ``collection``, if any."""
        row = self._db.execute(
            "SELECT digest, url, warc_date, record_id, warc, offset FROM archive_payloads"
            " WHERE collection = ? AND digest = ?",
            (collection, digest),
        ).fetchone()
        if row is None:
            return None
        return PayloadRow(digest=row[0], url=row[1], warc_date=row[2], record_id=row[3], warc=row[4], offset=row[5])

    def forget_payload(self, collection: str, digest: str) -> None:
        """Drop a payload whose WARC is gone, so the next capture is a full response."""
        with self._write() as db:
            db.execute("DELETE FROM archive_payloads WHERE collection = ? AND digest = ?", (collection, digest))

    def add_capture(self, collection: str, row: CaptureRow) -> None:
        """Record a capture (and, for a response, its payload if new) in one transaction."""
        with self._write() as db:
            db.execute(
                "INSERT INTO archive_captures (collection, run_id, key, url, captured_at, status, payload_digest,"
                " content_digest, warc, offset, record_id, record_type, revisit_of, title)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    collection,
                    row.run_id,
                    row.key,
                    row.url,
                    _iso(row.captured_at),
                    row.status,
                    row.payload_digest,
                    row.content_digest,
                    row.warc,
                    row.offset,
                    row.record_id,
                    row.record_type,
                    row.revisit_of,
                    row.title,
                ),
            )
            if row.record_type == "response":
                db.execute(
                    "INSERT OR IGNORE INTO archive_payloads (collection, digest, url, warc_date, record_id, warc, offset)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        collection,
                        row.payload_digest,
                        row.url,
                        warc_date(row.captured_at),
                        row.record_id,
                        row.warc,
                        row.offset,
                    ),
                )

    def first_capture(self, collection: str, key: str) -> CaptureRow | None:
        """The first capture ever recorded of ``key`` in ``collection``."""
        row = self._db.execute(
            f"SELECT {_CAPTURE_COLUMNS} FROM archive_captures WHERE collection = ? AND key = ? ORDER BY id LIMIT 1",
            (collection, key),
        ).fetchone()
        return _capture(row) if row else None

    def latest_captures(self, collection: str) -> list[CaptureRow]:
        """The latest capture of every key in ``collection``, by key."""
        rows = self._db.execute(
            f"SELECT {_CAPTURE_COLUMNS} FROM archive_captures WHERE id IN"
            " (SELECT MAX(id) FROM archive_captures WHERE collection = ? GROUP BY key) ORDER BY key",
            (collection,),
        ).fetchall()
        return [_capture(r) for r in rows]

    def captures_of_run(self, collection: str, run_id: str) -> list[CaptureRow]:
        """Every capture a run recorded, in the order written."""
        rows = self._db.execute(
            f"SELECT {_CAPTURE_COLUMNS} FROM archive_captures WHERE collection = ? AND run_id = ? ORDER BY id",
            (collection, run_id),
        ).fetchall()
        return [_capture(r) for r in rows]

    def public(self, url: str) -> PublicRow | None:
        """What is known of ``url`` in the public archive."""
        row = self._db.execute(
            "SELECT url, copy_url, copy_date, copy_digest, looked_up_at, save_outcome, save_detail"
            " FROM archive_public WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        return PublicRow(
            url=row[0],
            copy_url=row[1],
            copy_date=_time(row[2]),
            copy_digest=row[3],
            looked_up_at=_time(row[4]),
            save_outcome=row[5],
            save_detail=row[6],
        )

    def set_public_copy(
        self, url: str, copy_url: str | None, copy_date: datetime | None, digest: str | None, now: datetime
    ) -> None:
        """Remember the result of a look-up (no copy: ``copy_url`` None, and a newer copy wins)."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO archive_public (url) VALUES (?)", (url,))
            db.execute("UPDATE archive_public SET looked_up_at = ? WHERE url = ?", (_iso(now), url))
            if copy_url is not None:
                db.execute(
                    "UPDATE archive_public SET copy_url = ?, copy_date = ?, copy_digest = ?"
                    " WHERE url = ? AND (copy_date IS NULL OR copy_date <= ?)",
                    (copy_url, _iso(copy_date) if copy_date else None, digest, url, _iso(copy_date or now)),
                )

    def set_save_outcome(self, url: str, outcome: str, detail: str, now: datetime) -> None:
        """Remember the last Save Page Now outcome for ``url``."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO archive_public (url) VALUES (?)", (url,))
            db.execute(
                "UPDATE archive_public SET save_outcome = ?, save_detail = ?, saved_at = ? WHERE url = ?",
                (outcome, detail, _iso(now), url),
            )


_CAPTURE_COLUMNS = (
    "run_id, key, url, captured_at, status, payload_digest, content_digest, warc, offset, record_id,"
    " record_type, revisit_of, title"
)


def _capture(row: tuple[Any, ...]) -> CaptureRow:
    captured = _time(row[3])
    assert captured is not None
    return CaptureRow(
        run_id=row[0],
        key=row[1],
        url=row[2],
        captured_at=captured,
        status=row[4],
        payload_digest=row[5],
        content_digest=row[6],
        warc=row[7],
        offset=row[8],
        record_id=row[9],
        record_type=row[10],
        revisit_of=row[11],
        title=row[12],
    )
