"""The one way refcheck opens its SQLite file: WAL, a busy timeout, explicit write transactions.

The store (run history) and the archive's digest index share one database file, so
they must open it the same way: two runs at once, or a run and ``refcheck report``,
then wait for each other instead of failing or corrupting it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` and apply ``schema`` in one transaction.

    ``isolation_level=None``: transactions are opened explicitly (``BEGIN IMMEDIATE``),
    so a writer takes the write lock up front instead of failing when it upgrades.
    """
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    with write_transaction(db):
        for statement in schema.split(";"):
            if statement.strip():
                db.execute(statement)
    return db


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction; roll back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
