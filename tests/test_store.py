"""The store: runs survive interruption, the cache reuses only successes, deaths need confirming.

Times come from an injected clock, so "three runs over three days" takes milliseconds.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "check"))

from _helpers import client_factory, policy, reference  # noqa: E402

from refcheck.check.memory import run_and_record  # noqa: E402
from refcheck.models import CheckResult, Status  # noqa: E402
from refcheck.store import Store  # noqa: E402

T0 = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


def result(key: str, status: Status, when: datetime, sha: str | None = None) -> CheckResult:
    return CheckResult(key=key, url=key, checked_at=when, status=status, evidence="test", sha256=sha)


def one_run(store: Store, when: datetime, statuses: dict[str, Status], *, offline: bool = False) -> str:
    run = store.start_run("cfg", started_at=when)
    for key, status in statuses.items():
        store.record(run.id, result(key, status, when))
    store.finish_run(run.id, {}, offline, finished_at=when)
    return run.id


def test_a_run_and_its_results_read_back_as_recorded(tmp_path: Path) -> None:
    store = Store(tmp_path / "state")
    run = store.start_run("abc", started_at=T0)
    full = CheckResult(
        key="https://ex.org/a",
        url="https://ex.org/a",
        checked_at=T0,
        status=Status.REDIRECTED,
        evidence="moved",
        http_status=200,
        redirects=("https://ex.org/b",),
        permanent_redirect=True,
        final_url="https://ex.org/b",
        content_type="text/html",
        length=10,
        sha256="00",
    )
    store.record(run.id, full)
    finished = store.finish_run(run.id, {Status.REDIRECTED: 1}, False, finished_at=T0 + timedelta(minutes=1))
    assert store.results_of_run(run.id) == [full]
    assert finished.counts == ((Status.REDIRECTED, 1),)
    assert finished.finished_at == T0 + timedelta(minutes=1)
    assert store.last_runs(5) == [finished]
    assert (tmp_path / "state" / "refcheck.sqlite").is_file()


def test_history_tracks_first_seen_last_alive_and_the_failure_streak(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    one_run(store, T0, {"k": Status.ALIVE})
    one_run(store, T0 + timedelta(days=1), {"k": Status.BROKEN})
    one_run(store, T0 + timedelta(days=2), {"k": Status.BLOCKED})  # unverifiable: the streak neither grows nor breaks
    one_run(store, T0 + timedelta(days=3), {"k": Status.TIMEOUT})
    h = store.history("k")
    assert h is not None
    assert h.first_seen == T0
    assert h.last_alive == T0
    assert h.first_failure == T0 + timedelta(days=1)
    assert h.consecutive_failures == 2
    assert h.failing_runs_span_days == 2.0
    assert (h.last_status, h.previous_status) == (Status.TIMEOUT, Status.BLOCKED)


def test_confirmed_dead_needs_n_failing_runs_over_at_least_d_days(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3", confirm_runs=3, confirm_days=3)
    # three failing runs in one night: one flaky night, never confirmed
    for hours in (0, 1, 2):
        one_run(store, T0 + timedelta(hours=hours), {"flaky": Status.BROKEN, "dead": Status.BROKEN})
    assert store.confirmed_dead() == []
    # a success resets the streak
    one_run(store, T0 + timedelta(days=1), {"flaky": Status.ALIVE, "dead": Status.BROKEN})
    one_run(store, T0 + timedelta(days=3), {"flaky": Status.BROKEN, "dead": Status.BROKEN})
    dead = store.confirmed_dead()
    assert [h.key for h in dead] == ["dead"]
    assert dead[0].confirmed_dead and dead[0].consecutive_failures == 5
    assert store.history("flaky").confirmed_dead is False  # type: ignore[union-attr]
    assert [h.key for h in store.confirmed_dead(confirm_runs=1, confirm_days=0)] == ["dead", "flaky"]


def test_an_offline_run_records_no_failure(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    one_run(store, T0, {"k": Status.ALIVE})
    one_run(store, T0 + timedelta(days=1), {"k": Status.OFFLINE}, offline=True)
    h = store.history("k")
    assert h is not None and h.consecutive_failures == 0 and h.last_status == Status.ALIVE
    assert store.new_since_last_run() == []


def test_new_and_fixed_compare_the_last_two_judged_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    one_run(store, T0, {"a": Status.ALIVE, "b": Status.BROKEN, "c": Status.BROKEN})
    one_run(
        store, T0 + timedelta(days=1), {"a": Status.BROKEN, "b": Status.ALIVE, "c": Status.BROKEN, "d": Status.SOFT_404}
    )
    one_run(store, T0 + timedelta(days=2), {"a": Status.OFFLINE}, offline=True)  # skipped
    assert store.new_since_last_run() == ["a", "d"]
    assert store.fixed_since_last_run() == ["b"]


def test_the_cache_reuses_only_fresh_successes(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    one_run(store, T0, {"ok": Status.ALIVE, "bad": Status.BROKEN, "moved": Status.REDIRECTED})
    hour_later = T0 + timedelta(hours=1)
    assert store.cached("ok", 7200, hour_later) is not None
    assert store.cached("ok", 7200, hour_later).from_cache  # type: ignore[union-attr]
    assert store.cached("moved", 7200, hour_later) is not None
    assert store.cached("bad", 7200, hour_later) is None  # a failure is always checked again
    assert store.cached("ok", 1800, hour_later) is None  # too old
    assert store.cached("ok", 0, hour_later) is None  # caching off
    one_run(store, T0 + timedelta(minutes=30), {"ok": Status.BROKEN})
    assert store.cached("ok", 7200, hour_later) is None  # an older success does not hide a later failure


def test_recording_a_key_twice_in_a_run_counts_one_failing_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    run = store.start_run("cfg", started_at=T0)
    store.record(run.id, result("k", Status.BROKEN, T0))
    store.record(run.id, result("k", Status.BROKEN, T0))
    assert store.history("k").consecutive_failures == 1  # type: ignore[union-attr]


def test_two_concurrent_writers_do_not_corrupt_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with Store(path) as store:
                run = store.start_run(name, started_at=T0)
                for i in range(150):
                    store.record(run.id, result(f"{name}-{i % 50}", Status.BROKEN if i % 3 else Status.ALIVE, T0))
                    store.record(run.id, result(f"shared-{i % 10}", Status.ALIVE, T0))
                store.finish_run(run.id, {}, False, finished_at=T0)
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    store = Store(path)
    assert store.integrity_ok()
    assert len(store.last_runs(10)) == 2
    assert all(len(store.results_of_run(r.id)) == 60 for r in store.last_runs(10))
    assert len(store.histories()) == 110


class Interrupted(Exception):
    """Stands for Ctrl-C: raised from inside the run, after some results were recorded."""


def test_an_interrupted_run_leaves_a_valid_store_and_the_next_run_resumes(
    tmp_path: Path, fault_server: Any, fast_sleep: Any
) -> None:
    urls = [fault_server.url(f"/ok?n={i}") for i in range(6)]
    refs = [reference(u) for u in urls]
    p = policy(canary=fault_server.url("/"), concurrency=1, host_concurrency=1)
    store = Store(tmp_path / "state")
    seen: list[str] = []

    def stop_after_three(r: CheckResult) -> None:
        seen.append(r.key)
        if len(seen) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_and_record(refs, p, store, client_factory=client_factory(), sleep=fast_sleep, on_result=stop_after_three)
    store.close()
    with sqlite3.connect(tmp_path / "state" / "refcheck.sqlite") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    store = Store(tmp_path / "state")
    interrupted = store.unfinished_run()
    assert interrupted is not None
    done_before = store.recorded_keys(interrupted.id)
    assert len(done_before) == 2  # the third was decided but not yet recorded when interrupted
    fault_server.app.reset()
    finished = run_and_record(refs, p, store, client_factory=client_factory(), sleep=fast_sleep)
    assert finished.resumed and finished.run.id == interrupted.id
    assert finished.run.finished_at is not None
    assert [r.status for r in finished.results] == [Status.ALIVE] * 6
    assert fault_server.hits("/ok") == 4  # only what the interrupted run had not recorded
    assert store.unfinished_run() is None


def test_a_rerun_reuses_fresh_successes_and_checks_failures_again(
    tmp_path: Path, fault_server: Any, fast_sleep: Any, fixed_clock: Any
) -> None:
    refs = [reference(fault_server.url("/ok")), reference(fault_server.url("/status/404"))]
    p = policy(canary=fault_server.url("/"), max_age_s=3600)
    store = Store(tmp_path / "state")
    kwargs = {"client_factory": client_factory(), "sleep": fast_sleep, "clock": fixed_clock}
    run_and_record(refs, p, store, **kwargs)
    fixed_clock.advance(600)
    second = run_and_record(refs, p, store, **kwargs)
    assert fault_server.hits("/ok") == 1
    assert fault_server.hits("/status/404") == 2
    assert [r.from_cache for r in second.results] == [True, False]
    assert second.reused == 1
    fixed_clock.advance(3600)
    run_and_record(refs, p, store, **kwargs)
    assert fault_server.hits("/ok") == 2
    assert store.history(refs[0].key).last_alive == fixed_clock.now  # type: ignore[union-attr]
