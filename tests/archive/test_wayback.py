"""Internet Archive CDX look-ups and Save Page Now 2, against a local fake speaking their documented answers.

The fake follows the CDX server README (``output=json``: first row the field names) and
the "SPN2 Public API Docs Draft" (POST /save -> job id; GET /save/status/<id> -> pending,
success with timestamp and original_url, or error with status_ext; 429 with Retry-After).
Time is fake: sleeps advance a clock and are recorded, so nothing waits.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from _archive_helpers import PAGE, Origin, Resource, StepClock, config, reference

from refcheck.archive import archive_outcomes, archive_references
from refcheck.archive.warc import payload_digest
from refcheck.archive.wayback import (
    POLL_TIMEOUT_S,
    SaveOutcome,
    SavePageNow,
    classify_status_ext,
    lookup_copy,
)
from refcheck.check import CheckOutcome
from refcheck.config import ArchivePolicy
from refcheck.models import CheckResult, Status

KEYS = {"access_key": "AK", "secret_key": "SK"}


@dataclass
class FakeIA:
    """The Wayback CDX server and SPN2 on 127.0.0.1. ``copies``: URL -> (timestamp, digest)."""

    copies: dict[str, tuple[str, str]] = field(default_factory=dict)
    cdx_status: int = 200
    always_pending: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)
    cdx_queries: list[dict[str, list[str]]] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> URL
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        ia = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no delayed-ACK stalls

            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/cdx/search/cdx":
                    query = parse_qs(parts.query)
                    with ia.lock:
                        ia.cdx_queries.append(query)
                    if ia.cdx_status != 200:
                        return self.reply(ia.cdx_status, b"")
                    url = query["url"][0]
                    if url not in ia.copies:
                        return self.reply(200, [])
                    ts, digest = ia.copies[url]
                    names = ["timestamp", "original", "statuscode", "digest", "mimetype"]
                    return self.reply(
                        200,
                        [
                            names,
                            ["20000101000000", url, "200", "OLD", "text/html"],
                            [ts, url, "200", digest, "text/html"],
                        ],
                    )
                if parts.path.startswith("/save/status/"):
                    job = parts.path.rsplit("/", 1)[1]
                    with ia.lock:
                        ia.polls[job] = ia.polls.get(job, 0) + 1
                        n = ia.polls[job]
                    url = ia.jobs.get(job, "")
                    if n == 1 or ia.always_pending:
                        return self.reply(200, {"status": "pending", "job_id": job})
                    if "fails" in url:
                        return self.reply(
                            200,
                            {
                                "status": "error",
                                "status_ext": "error:not-found",
                                "message": "The server answered 404",
                                "job_id": job,
                            },
                        )
                    if "busy" in url:
                        return self.reply(
                            200,
                            {
                                "status": "error",
                                "status_ext": "error:user-session-limit",
                                "message": "You have already reached the limit of active sessions",
                                "job_id": job,
                            },
                        )
                    return self.reply(
                        200,
                        {
                            "status": "success",
                            "job_id": job,
                            "original_url": url,
                            "timestamp": "20250301120500",
                            "duration_sec": 6.2,
                        },
                    )
                self.reply(404, {"message": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                url = form.get("url", "")
                auth = self.headers.get("Authorization", "")
                with ia.lock:
                    ia.posts.append({"url": url, "auth": auth, "accept": self.headers.get("Accept"), "form": form})
                    tries = sum(1 for p in ia.posts if p["url"] == url)
                if auth != "LOW AK:SK":
                    return self.reply(401, {"message": "You need to be logged in to use Save Page Now."})
                if "ratelimited" in url and tries == 1:
                    return self.reply(429, {"message": "Too Many Requests"}, {"Retry-After": "7"})
                if "blocked" in url:
                    return self.reply(
                        200,
                        {
                            "status": "error",
                            "status_ext": "error:blocked-url",
                            "message": "This URL is in the Wayback Machine's exclusion list.",
                        },
                    )
                with ia.lock:
                    job = f"ac58789b-{len(ia.jobs):04d}"
                    ia.jobs[job] = url
                return self.reply(200, {"url": url, "job_id": job})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def policy(self, **overrides: Any) -> ArchivePolicy:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        policy = ArchivePolicy(
            cdx_api=f"{base}/cdx/search/cdx",
            save_api=f"{base}/save",
            status_api=f"{base}/save/status/{{job_id}}",
            wayback_base=f"{base}/web",
        )
        return dataclasses.replace(policy, **overrides)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FakeTime:
    """``sleep`` advances ``monotonic``; every sleep is recorded."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def ia() -> Iterator[FakeIA]:
    fake = FakeIA()
    yield fake
    fake.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as c:
        yield c


def test_the_cdx_lookup_asks_for_the_latest_good_copy_and_builds_its_replay_url(
    ia: FakeIA, client: httpx.Client
) -> None:
    url = "https://www.un.org/en/res/2417"
    ia.copies[url] = ("20240102030405", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    found = lookup_copy(url, ia.policy(), client)
    assert found.error is None and found.copy is not None
    assert found.copy.copy_url == ia.policy().wayback_base + f"/20240102030405/{url}"
    assert found.copy.captured_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert found.copy.digest == "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    (query,) = ia.cdx_queries
    assert query["limit"] == ["-1"] and query["fastLatest"] == ["true"] and query["output"] == ["json"]
    assert query["filter"] == ["statuscode:200"]


def test_a_url_the_archive_never_saw_has_no_copy_and_a_failing_lookup_is_an_error_not_a_crash(
    ia: FakeIA, client: httpx.Client
) -> None:
    assert lookup_copy("https://nowhere.example/x", ia.policy(), client).copy is None
    ia.cdx_status = 503
    failed = lookup_copy("https://nowhere.example/x", ia.policy(), client)
    assert failed.copy is None and failed.error == "CDX look-up answered HTTP 503"


def test_save_page_now_posts_with_the_low_key_header_and_polls_until_success(ia: FakeIA, client: httpx.Client) -> None:
    t = FakeTime()
    spn = SavePageNow(ia.policy(**KEYS), client, sleep=t.sleep, monotonic=t.monotonic)
    (result,) = spn.save_all(["https://example.org/report"])
    assert result.outcome is SaveOutcome.SAVED
    assert result.copy is not None and result.copy.copy_url.endswith("/web/20250301120500/https://example.org/report")
    assert result.copy.captured_at == datetime(2025, 3, 1, 12, 5, tzinfo=UTC)
    (post,) = ia.posts
    assert post["auth"] == "LOW AK:SK" and post["accept"] == "application/json"
    assert post["form"]["url"] == "https://example.org/report"
    assert ia.polls[result.job_id or ""] == 2  # pending, then success
    assert t.sleeps == [5.0]  # one poll interval


def test_failed_jobs_and_refusals_are_sorted_into_retry_later_source_broken_and_refused(
    ia: FakeIA, client: httpx.Client
) -> None:
    t = FakeTime()
    spn = SavePageNow(ia.policy(**KEYS), client, sleep=t.sleep, monotonic=t.monotonic)
    urls = ["https://a.example/fails", "https://a.example/busy", "https://a.example/blocked", "https://a.example/ok"]
    results = {r.url: r for r in spn.save_all(urls)}
    assert results[urls[0]].outcome is SaveOutcome.SOURCE_BROKEN
    assert results[urls[0]].detail.startswith("error:not-found")
    assert results[urls[1]].outcome is SaveOutcome.RETRY_LATER
    assert "user-session-limit" in results[urls[1]].detail
    assert results[urls[2]].outcome is SaveOutcome.REFUSED and results[urls[2]].job_id is None
    assert results[urls[3]].outcome is SaveOutcome.SAVED


def test_a_429_is_waited_out_with_its_retry_after_then_the_capture_goes_through(
    ia: FakeIA, client: httpx.Client
) -> None:
    t = FakeTime()
    spn = SavePageNow(ia.policy(**KEYS), client, sleep=t.sleep, monotonic=t.monotonic)
    (result,) = spn.save_all(["https://a.example/ratelimited"])
    assert result.outcome is SaveOutcome.SAVED
    assert [p["url"] for p in ia.posts] == ["https://a.example/ratelimited"] * 2
    assert t.sleeps[0] == 7.0  # the Retry-After, before the second POST


def test_submissions_stay_within_seven_a_minute(ia: FakeIA, client: httpx.Client) -> None:
    t = FakeTime()
    posted_at: list[float] = []
    spn = SavePageNow(ia.policy(**KEYS), client, sleep=t.sleep, monotonic=t.monotonic)
    for i in range(10):
        spn.submit(f"https://a.example/page/{i}")
        posted_at.append(t.now)
    assert len(ia.posts) == 10
    for i, start in enumerate(posted_at):
        assert sum(1 for p in posted_at[i:] if p - start < 60.0) <= 7


def test_rejected_keys_stop_every_further_request(ia: FakeIA, client: httpx.Client) -> None:
    t = FakeTime()
    spn = SavePageNow(ia.policy(access_key="AK", secret_key="wrong"), client, sleep=t.sleep, monotonic=t.monotonic)
    results = spn.save_all(["https://a.example/1", "https://a.example/2", "https://a.example/3"])
    assert [r.outcome for r in results] == [SaveOutcome.REFUSED] * 3
    assert "check the keys" in results[2].detail
    assert len(ia.posts) == 1


def test_a_job_still_pending_at_the_deadline_is_left_for_a_later_run(ia: FakeIA, client: httpx.Client) -> None:
    ia.always_pending = True
    t = FakeTime()
    spn = SavePageNow(ia.policy(**KEYS), client, sleep=t.sleep, monotonic=t.monotonic)
    (result,) = spn.save_all(["https://a.example/slow"])
    assert result.outcome is SaveOutcome.RETRY_LATER and "still pending" in result.detail
    assert sum(t.sleeps) >= POLL_TIMEOUT_S
    assert ia.polls[result.job_id or ""] <= POLL_TIMEOUT_S / 5 + 2  # bounded polling


@pytest.mark.parametrize(
    ("status_ext", "outcome"),
    [
        ("error:too-many-daily-captures", SaveOutcome.RETRY_LATER),  # the same URL too often today
        ("error:service-unavailable", SaveOutcome.RETRY_LATER),
        ("error:invalid-host-resolution", SaveOutcome.SOURCE_BROKEN),  # the name no longer resolves
        ("error:too-many-redirects", SaveOutcome.SOURCE_BROKEN),
        ("error:filesize-limit", SaveOutcome.REFUSED),  # over 2 GB
        ("error:max-daily-bandwidth-exceeded", SaveOutcome.REFUSED),  # a variant of the documented prefix
        ("error:something-new", SaveOutcome.RETRY_LATER),  # unknown: not evidence of anything
    ],
)
def test_status_ext_codes_are_triaged(status_ext: str, outcome: SaveOutcome) -> None:
    assert classify_status_ext(status_ext) is outcome


def test_an_archive_run_stores_public_copies_offers_them_for_dead_sources_and_saves_only_new_payloads(
    ia: FakeIA, client: httpx.Client, tmp_path: Path
) -> None:
    origin = Origin({"/same": Resource(PAGE), "/new": Resource(PAGE + b"<!-- new -->")})
    try:
        same, new, dead = origin.url("/same"), origin.url("/new"), origin.url("/dead")
        # The Wayback copy of /same is byte-identical to ours: nothing to save for it.
        ia.copies[same] = ("20240101000000", payload_digest(PAGE).removeprefix("sha1:"))
        ia.copies[dead] = ("20230505050505", "DEADDIGEST")
        cfg = config(tmp_path, public_lookup=True, save=True, **KEYS)
        cfg = dataclasses.replace(cfg, archive=ia.policy(**{**_fields(cfg.archive), **KEYS}))
        t = FakeTime()
        summary = archive_references(
            [reference(u) for u in (same, new, dead)],
            cfg,
            allow_private=True,
            clock=StepClock(),
            http_client=client,
            sleep=t.sleep,
            monotonic=t.monotonic,
        )
    finally:
        origin.stop()
    assert [p["url"] for p in ia.posts] == [new]
    assert [(s.url, s.outcome) for s in summary.saves] == [(new, SaveOutcome.SAVED)]
    snaps = {s.key: s for s in summary.snapshots}
    assert snaps[dead].warc == "" and snaps[dead].public_copy == f"{ia.policy().wayback_base}/20230505050505/{dead}"
    assert snaps[dead].public_copy_date == datetime(2023, 5, 5, 5, 5, 5, tzinfo=UTC)
    assert snaps[same].public_copy is not None and snaps[same].warc != ""
    assert snaps[new].public_copy == f"{ia.policy().wayback_base}/20250301120500/{new}"
    manifest = json.loads((tmp_path / "arch" / summary.manifest[0]).read_text())
    rows = {r["url"]: r for r in manifest["sources"]}
    assert rows[new]["save_outcome"] == "saved" and rows[dead]["public_copy"].endswith(dead)


def _fields(policy: ArchivePolicy) -> dict[str, Any]:
    keep = ("dir", "operator", "collection", "public_lookup", "save")
    return {k: getattr(policy, k) for k in keep}


def test_a_failing_cdx_server_is_left_alone_after_three_failures(
    ia: FakeIA, client: httpx.Client, tmp_path: Path
) -> None:
    ia.cdx_status = 502
    now = datetime(2025, 3, 1, tzinfo=UTC)
    urls = [f"https://gone.example/{i}" for i in range(6)]
    outcomes = [
        CheckOutcome(result=CheckResult(key=u, url=u, checked_at=now, status=Status.BROKEN, evidence="404"))
        for u in urls
    ]
    cfg = config(tmp_path, public_lookup=True)
    cfg = dataclasses.replace(cfg, archive=ia.policy(**_fields(cfg.archive)))
    summary = archive_outcomes(outcomes, [], cfg, http_client=client)
    assert len(ia.cdx_queries) == 3
    assert [r.error for r in summary.lookups][3:] == ["not looked up: the CDX server kept failing"] * 3
    assert summary.snapshots == ()
    assert summary.warc is None and not list((tmp_path / "arch").rglob("*.warc.gz*"))  # nothing captured, no WARC
