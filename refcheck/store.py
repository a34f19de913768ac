"""The memory of refcheck: every run and every result, in one SQLite file.

A nightly job must not cry wolf after one flaky night, a re-run should not fetch again
what was alive an hour ago, and a report wants "new since last run" and "fixed". All
three need history, kept here:

    runs     one row per run: when, which configuration, counts, offline or not
    results  one row per (run, reference): the whole CheckResult as JSON
    history  one row per reference: first seen, last alive, first failure,
             consecutive failing runs, last and previous status, last digest

Every write is one transaction, the journal is WAL and writers wait for each other
(``busy_timeout``), so a Ctrl-C leaves a valid file in which the interrupted run is
simply unfinished (``unfinished_run`` finds it, ``recorded_keys`` says what it did), and
two runs at once do not corrupt it. Only successes are reused from the cache; a
failure is always checked again. An offline result is recorded but changes no history:
an outage is not evidence against a source.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from refcheck._sqlite import connect, write_transaction
from refcheck.config import DEFAULT_CONFIRM_DAYS, DEFAULT_CONFIRM_RUNS
from refcheck.models import DEAD_STATUSES, Attempt, CheckResult, History, Run, Status

STORE_FILE = "refcheck.sqlite"
SCHEMA_VERSION = 1
#: Statuses that prove a source is there (and may be reused from the cache).
SUCCESS_STATUSES: frozenset[Status] = frozenset({Status.ALIVE, Status.REDIRECTED})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    config_sha256 TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}',
    offline INTEGER NOT NULL DEFAULT 0,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX IF NOT EXISTS results_by_key ON results (key, checked_at);
CREATE TABLE IF NOT EXISTS history (
    key TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    last_alive TEXT,
    first_failure TEXT,
    last_failure TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_status TEXT,
    previous_status TEXT,
    last_digest TEXT,
    last_run TEXT
);
"""


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def result_to_json(result: CheckResult) -> str:
    """Serialise a CheckResult (attempts included) for the results table."""
    data: dict[str, Any] = {
        "key": result.key,
        "url": result.url,
        "checked_at": _iso(result.checked_at),
        "status": result.status.value,
        "evidence": result.evidence,
        "http_status": result.http_status,
        "redirects": list(result.redirects),
        "permanent_redirect": result.permanent_redirect,
        "final_url": result.final_url,
        "content_type": result.content_type,
        "length": result.length,
        "sha256": result.sha256,
        "attempts": [
            {
                "at": _iso(a.at),
                "method": a.method,
                "url": a.url,
                "http_status": a.http_status,
                "error": a.error,
                "elapsed_s": a.elapsed_s,
            }
            for a in result.attempts
        ],
        "elapsed_s": result.elapsed_s,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def result_from_json(text: str) -> CheckResult:
    """Read back what ``result_to_json`` wrote."""
    data = json.loads(text)
    attempts = tuple(
        Attempt(
            at=datetime.fromisoformat(a["at"]),
            method=a["method"],
            url=a["url"],
            http_status=a["http_status"],
            error=a["error"],
            elapsed_s=a["elapsed_s"],
        )
        for a in data["attempts"]
    )
    return CheckResult(
        key=data["key"],
        url=data["url"],
        checked_at=datetime.fromisoformat(data["checked_at"]),
        status=Status(data["status"]),
        evidence=data["evidence"],
        http_status=data["http_status"],
        redirects=tuple(data["redirects"]),
        permanent_redirect=data["permanent_redirect"],
        final_url=data["final_url"],
        content_type=data["content_type"],
        length=data["length"],
        sha256=data["sha256"],
        attempts=attempts,
        elapsed_s=data["elapsed_s"],
    )


class Store:
    """Run history in SQLite (``<state_dir>/refcheck.sqlite`` by convention, as ``refcheck.runner`` uses).

    Args:
        path: the database file, or a directory to hold ``refcheck.sqlite``.
        confirm_runs: failing runs needed before ``History.confirmed_dead``.
        confirm_days: days those failing runs must span.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        confirm_runs: int = DEFAULT_CONFIRM_RUNS,
        confirm_days: float = DEFAULT_CONFIRM_DAYS,
    ) -> None:
        target = Path(path)
        if target.is_dir() or not target.suffix:
            target = target / STORE_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        self.path = target
        self.confirm_runs = confirm_runs
        self.confirm_days = confirm_days
        self._db = connect(target, _SCHEMA)
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def close(self) -> None:
        """Close the connection (the file stays valid whether or not this is called)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return write_transaction(self._db)

    def start_run(self, config_sha256: str, *, started_at: datetime | None = None) -> Run:
        """Open a new run and return it (``finished_at`` None until ``finish_run``); record with ``run.id``."""
        started = started_at or datetime.now(UTC)
        run_id = f"{started.astimezone(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        with self._write() as db:
            db.execute(
                "INSERT INTO runs (id, started_at, config_sha256, owner) VALUES (?, ?, ?, ?)",
                (run_id, _iso(started), config_sha256, _owner()),
            )
        return Run(id=run_id, started_at=started, config_sha256=config_sha256, counts=())

    def record(self, run_id: str, result: CheckResult) -> None:
        """Store one result of a run and update the reference's history, in one transaction.

        Recording the same key twice in a run replaces the result without counting a
        second failing run. Offline results change no history; a result reused from the
        cache is recorded but does not move ``last_alive``.
        """
        with self._write() as db:
            previous = db.execute(
                "SELECT status FROM results WHERE run_id = ? AND key = ?", (run_id, result.key)
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO results (run_id, key, checked_at, status, data) VALUES (?, ?, ?, ?, ?)",
                (run_id, result.key, _iso(result.checked_at), result.status.value, result_to_json(result)),
            )
            if result.status is Status.OFFLINE:
                return
            row = db.execute("SELECT * FROM history WHERE key = ?", (result.key,)).fetchone()
            self._update_history(db, run_id, result, row, again=previous is not None)

    def _update_history(
        self, db: sqlite3.Connection, run_id: str, result: CheckResult, row: tuple[Any, ...] | None, *, again: bool
    ) -> None:
        when = _iso(result.checked_at)
        if row is None:
            db.execute("INSERT INTO history (key, first_seen) VALUES (?, ?)", (result.key, when))
            row = db.execute("SELECT * FROM history WHERE key = ?", (result.key,)).fetchone()
        (_, _, last_alive, first_failure, last_failure, failures, last_status, previous_status, digest, last_run) = row
        same_run = last_run == run_id and again
        if not same_run:
            previous_status = last_status
        if result.status in SUCCESS_STATUSES:
            if not result.from_cache:
                last_alive = when
            first_failure, last_failure, failures = None, None, 0
            digest = result.sha256 or digest
        elif result.status in DEAD_STATUSES:
            if not same_run or failures == 0:
                failures += 1
            first_failure = first_failure or when
            last_failure = when
        # blocked, unsafe, unresolved, excluded: unverifiable, so the streak neither grows nor breaks
        db.execute(
            """UPDATE history SET last_alive = ?, first_failure = ?, last_failure = ?, consecutive_failures = ?,
               last_status = ?, previous_status = ?, last_digest = ?, last_run = ? WHERE key = ?""",
            (
                last_alive,
                first_failure,
                last_failure,
                failures,
                result.status.value,
                previous_status,
                digest,
                run_id,
                result.key,
            ),
        )

    def finish_run(
        self,
        run_id: str,
        counts: Mapping[Status, int] | Iterable[tuple[Status, int]] | None = None,
        offline: bool | None = None,
        *,
        finished_at: datetime | None = None,
    ) -> Run:
        """Close a run with its counts; an offline run is kept but never judged against.

        Args:
            run_id: the run's id.
            counts: results per status (default: counted from the recorded results).
            offline: whether nothing could be reached (default: some result is offline
                and no result got an HTTP answer).
            finished_at: when (default: now).
        """
        if counts is None or offline is None:
            rows = self._db.execute("SELECT status, data FROM results WHERE run_id = ?", (run_id,)).fetchall()
            if counts is None:
                counts = Counter(Status(status) for status, _ in rows)
            if offline is None:
                statuses = [Status(status) for status, _ in rows]
                answered = any(json.loads(data).get("http_status") is not None for _, data in rows)
                offline = Status.OFFLINE in statuses and not answered
        pairs = dict(counts.items() if isinstance(counts, Mapping) else counts)
        finished = finished_at or datetime.now(UTC)
        with self._write() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, counts = ?, offline = ? WHERE id = ?",
                (_iso(finished), json.dumps({s.value: n for s, n in pairs.items()}), int(offline), run_id),
            )
        run = self.run(run_id)
        assert run is not None
        return run

    def run(self, run_id: str) -> Run | None:
        """Return one run, or None."""
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def last_runs(self, n: int) -> list[Run]:
        """The ``n`` most recent runs, newest first (unfinished ones included)."""
        rows = self._db.execute("SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?", (n,)).fetchall()
        return [_run(r) for r in rows]

    def unfinished_run(self, config_sha256: str | None = None) -> Run | None:
        """The most recent run that never finished and whose process is gone, to resume.

        A run still in progress in another live process on this machine is not offered:
        two runs at once must not write into one.
        """
        query = "SELECT * FROM runs WHERE finished_at IS NULL"
        args: tuple[str, ...] = ()
        if config_sha256 is not None:
            query += " AND config_sha256 = ?"
            args = (config_sha256,)
        for row in self._db.execute(query + " ORDER BY started_at DESC, id DESC", args).fetchall():
            if not _is_alive(row[6]):
                return _run(row)
        return None

    def recorded_keys(self, run_id: str) -> set[str]:
        """Keys already recorded in a run (what a resumed run need not check again)."""
        return {k for (k,) in self._db.execute("SELECT key FROM results WHERE run_id = ?", (run_id,))}

    def results_of_run(self, run_id: str) -> list[CheckResult]:
        """Every result recorded in a run, by key."""
        rows = self._db.execute("SELECT data FROM results WHERE run_id = ? ORDER BY key", (run_id,))
        return [result_from_json(d) for (d,) in rows]

    def cached(self, key: str, max_age_s: float, now: datetime) -> CheckResult | None:
        """A recent success to reuse instead of fetching, or None.

        Only the latest judged result counts: a success older than a later failure is
        never reused, so a failure is always checked again.
        """
        if max_age_s <= 0:
            return None
        row = self._db.execute(
            "SELECT data, status, checked_at FROM results WHERE key = ? AND status != ? ORDER BY checked_at DESC LIMIT 1",
            (key, Status.OFFLINE.value),
        ).fetchone()
        if row is None or Status(row[1]) not in SUCCESS_STATUSES:
            return None
        if datetime.fromisoformat(row[2]) < now - timedelta(seconds=max_age_s):
            return None
        return replace(result_from_json(row[0]), from_cache=True)

    def history(self, key: str) -> History | None:
        """What the store remembers of ``key``, or None when it was never checked."""
        row = self._db.execute("SELECT * FROM history WHERE key = ?", (key,)).fetchone()
        return self._history(row) if row else None

    def histories(self) -> dict[str, History]:
        """Every reference's history, by key."""
        return {row[0]: self._history(row) for row in self._db.execute("SELECT * FROM history ORDER BY key")}

    def _history(self, row: tuple[Any, ...]) -> History:
        (key, first_seen, last_alive, first_failure, last_failure, failures, last, previous, digest, _) = row
        span = 0.0
        if first_failure and last_failure:
            span = (
                datetime.fromisoformat(last_failure) - datetime.fromisoformat(first_failure)
            ).total_seconds() / 86400
        return History(
            key=key,
            first_seen=datetime.fromisoformat(first_seen),
            last_alive=_time(last_alive),
            first_failure=_time(first_failure),
            consecutive_failures=failures,
            failing_runs_span_days=span,
            last_status=Status(last) if last else None,
            previous_status=Status(previous) if previous else None,
            last_digest=digest,
            confirmed_dead=failures >= self.confirm_runs and span >= self.confirm_days,
        )

    def confirmed_dead(self, confirm_runs: int | None = None, confirm_days: float | None = None) -> list[History]:
        """References that failed in at least ``confirm_runs`` consecutive runs spanning ``confirm_days``.

        The practice of Wikipedia's InternetArchiveBot: one flaky night never confirms a death.
        Defaults are the store's own (from ``CheckPolicy``).
        """
        runs = self.confirm_runs if confirm_runs is None else confirm_runs
        days = self.confirm_days if confirm_days is None else confirm_days
        out = []
        for history in self.histories().values():
            if history.consecutive_failures >= runs and history.failing_runs_span_days >= days:
                out.append(history)
        return out

    def _judged_runs(self, n: int) -> list[str]:
        rows = self._db.execute(
            "SELECT id FROM runs WHERE finished_at IS NOT NULL AND offline = 0 ORDER BY started_at DESC, id DESC LIMIT ?",
            (n,),
        ).fetchall()
        return [r[0] for r in rows]

    def _statuses(self, run_id: str) -> dict[str, Status]:
        rows = self._db.execute("SELECT key, status FROM results WHERE run_id = ?", (run_id,))
        return {k: Status(s) for k, s in rows}

    def new_since_last_run(self) -> list[str]:
        """Keys failing in the latest finished run that were not failing in the one before.

        Runs that were offline are skipped. With only one finished run, every failing key
        is new. Sorted by key.
        """
        runs = self._judged_runs(2)
        if not runs:
            return []
        latest = self._statuses(runs[0])
        before = self._statuses(runs[1]) if len(runs) > 1 else {}
        return sorted(k for k, s in latest.items() if s in DEAD_STATUSES and before.get(k) not in DEAD_STATUSES)

    def fixed_since_last_run(self) -> list[str]:
        """Keys failing in the run before the latest finished run and alive or redirected in it. Sorted."""
        runs = self._judged_runs(2)
        if len(runs) < 2:
            return []
        latest, before = self._statuses(runs[0]), self._statuses(runs[1])
        return sorted(k for k, s in latest.items() if s in SUCCESS_STATUSES and before.get(k) in DEAD_STATUSES)

    def integrity_ok(self) -> bool:
        """True when SQLite's own integrity check passes."""
        return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_alive(owner: str | None) -> bool:
    """True when ``owner`` (host:pid) is a live process on this machine other than this one."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run(row: tuple[Any, ...]) -> Run:
    run_id, started, finished, sha, counts, offline, _owner_ = row
    order = list(Status)
    pairs = sorted(((Status(s), n) for s, n in json.loads(counts).items()), key=lambda p: order.index(p[0]))
    return Run(
        id=run_id,
        started_at=datetime.fromisoformat(started),
        config_sha256=sha,
        counts=tuple(pairs),
        finished_at=_time(finished),
        offline=bool(offline),
    )
