"""Public archive copies: Internet Archive CDX look-ups and Save Page Now 2 captures.

Look-ups use the CDX server (``limit=-1&fastLatest=true`` for the latest good copy),
not the Availability API, which answers "nothing" for archived URLs often enough to be
useless as evidence (akamhy/waybackpy#154, internetarchive/wayback#296). The CDX digest
is the same base32 SHA-1 as our ``WARC-Payload-Digest``, so a copy can be told to be
byte-identical to ours, and then no new capture is asked for.

Captures use Save Page Now 2 as documented in the "SPN2 Public API Docs Draft": a
``POST`` to ``/save`` with ``Authorization: LOW key:secret`` answers a job id, and
``/save/status/<job id>`` is polled until the job succeeds or fails. The service allows
a few captures a minute per account, so submissions go through a sliding one-minute
window, and a 429 is waited out (``Retry-After``) a bounded number of times. A failed
job's ``status_ext`` is sorted into what to do about it: try again later, evidence
that the source is broken, or a refusal (blocked, too large, keys rejected).

Every endpoint comes from ``ArchivePolicy`` so that tests talk to a local fake.
Time is injected (``sleep``, ``monotonic``): tests run the whole flow in milliseconds.
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx

from refcheck import __version__
from refcheck.config import ArchivePolicy

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]

USER_AGENT = f"refcheck/{__version__} (citation link checker; archive look-ups)"
LOOKUP_TIMEOUT_S = 30.0
#: SPN2 draft (2025-10): 7 captures a minute with keys, 3 without.
SAVES_PER_MINUTE_AUTHENTICATED = 7
SAVES_PER_MINUTE_ANONYMOUS = 3
RATE_WINDOW_S = 60.0
#: A 429 is waited out this many times before the URL is left for a later run.
RATE_LIMIT_RETRIES = 2
DEFAULT_RETRY_AFTER_S = 60.0
MAX_RETRY_AFTER_S = 600.0
POLL_INTERVAL_S = 5.0
#: SPN2 gives a capture at most about two minutes; status is kept for about an hour.
POLL_TIMEOUT_S = 300.0


class SaveOutcome(StrEnum):
    """What a Save Page Now request came to."""

    SAVED = "saved"
    RETRY_LATER = "retry-later"  # the service's limits or trouble: ask again in a later run
    SOURCE_BROKEN = "source-broken"  # the service could not fetch the source: evidence it is dead
    REFUSED = "refused"  # policy: blocked, too large, keys rejected; asking again will not help


#: SPN2 ``status_ext`` codes, sorted (SPN2 draft's error table). Unknown codes are retry-later.
STATUS_EXT: tuple[tuple[str, SaveOutcome], ...] = (
    ("error:user-session-limit", SaveOutcome.RETRY_LATER),  # too many captures in progress
    ("error:too-many-daily-captures", SaveOutcome.RETRY_LATER),  # this URL, today
    ("error:too-many-requests", SaveOutcome.RETRY_LATER),
    ("error:service-unavailable", SaveOutcome.RETRY_LATER),
    ("error:cannot-fetch", SaveOutcome.RETRY_LATER),
    ("error:no-browsers-available", SaveOutcome.RETRY_LATER),
    ("error:celery", SaveOutcome.RETRY_LATER),
    ("error:job-failed", SaveOutcome.RETRY_LATER),
    ("error:proxy-error", SaveOutcome.RETRY_LATER),
    ("error:capture-location-error", SaveOutcome.RETRY_LATER),
    ("error:browsing-timeout", SaveOutcome.RETRY_LATER),
    ("error:soft-time-limit-exceeded", SaveOutcome.RETRY_LATER),
    ("error:read-timeout", SaveOutcome.RETRY_LATER),
    ("error:gateway-timeout", SaveOutcome.RETRY_LATER),
    ("error:internal-server-error", SaveOutcome.RETRY_LATER),
    ("error:bad-gateway", SaveOutcome.RETRY_LATER),
    ("error:not-found", SaveOutcome.SOURCE_BROKEN),  # the source answered 404
    ("error:no-access", SaveOutcome.SOURCE_BROKEN),  # 403 / login wall at the source
    ("error:invalid-host-resolution", SaveOutcome.SOURCE_BROKEN),  # DNS name gone
    ("error:invalid-url-syntax", SaveOutcome.SOURCE_BROKEN),
    ("error:too-many-redirects", SaveOutcome.SOURCE_BROKEN),
    ("error:unauthorized", SaveOutcome.SOURCE_BROKEN),  # 401 at the source
    ("error:method-not-allowed", SaveOutcome.SOURCE_BROKEN),
    ("error:invalid-server-response", SaveOutcome.SOURCE_BROKEN),
    ("error:blocked-url", SaveOutcome.REFUSED),  # excluded from the Wayback Machine
    ("error:blocked", SaveOutcome.REFUSED),
    ("error:blocked-client-ip", SaveOutcome.REFUSED),
    ("error:filesize-limit", SaveOutcome.REFUSED),  # over 2 GB
    ("error:max-daily-bandwidth", SaveOutcome.REFUSED),  # matched as a prefix (…-exceeded variants)
)


def classify_status_ext(status_ext: str) -> SaveOutcome:
    """Sort an SPN2 ``status_ext`` error code (unknown codes: try again later)."""
    code = status_ext.strip().lower()
    for known, outcome in STATUS_EXT:
        if code == known or (known == "error:max-daily-bandwidth" and code.startswith(known)):
            return outcome
    return SaveOutcome.RETRY_LATER


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicCopy:
    """A copy of ``url`` in the public archive."""

    url: str
    copy_url: str
    captured_at: datetime
    digest: str | None  # base32 SHA-1 of the payload, as CDX gives it (no "sha1:")


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupResult:
    """The answer to a look-up: a copy, none (``copy`` None, ``error`` None), or a failure."""

    url: str
    copy: PublicCopy | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveResult:
    """The outcome of a Save Page Now request for ``url``."""

    url: str
    outcome: SaveOutcome
    detail: str
    job_id: str | None = None
    copy: PublicCopy | None = None


def wayback_time(timestamp: str) -> datetime:
    """A Wayback timestamp (``YYYYMMDDhhmmss``, possibly shorter) as UTC."""
    digits = (timestamp + "00000101000000"[len(timestamp) :])[:14]
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def copy_url(policy: ArchivePolicy, timestamp: str, original: str) -> str:
    """The replay address of a capture: ``<wayback_base>/<timestamp>/<original>``."""
    return f"{policy.wayback_base.rstrip('/')}/{timestamp}/{original}"


def parse_cdx(text: str, url: str, policy: ArchivePolicy) -> PublicCopy | None:
    """The latest row of a CDX ``output=json`` answer, or None when there is none.

    The first row names the fields; an empty answer (``[]`` or nothing) means no copy.
    """
    text = text.strip()
    if not text:
        return None
    rows = json.loads(text)
    if not isinstance(rows, list) or len(rows) < 2:
        return None
    names = [str(n) for n in rows[0]]
    row = dict(zip(names, rows[-1], strict=False))
    timestamp = str(row.get("timestamp", ""))
    if not timestamp.isdigit():
        return None
    original = str(row.get("original") or url)
    digest = row.get("digest")
    return PublicCopy(
        url=url,
        copy_url=copy_url(policy, timestamp, original),
        captured_at=wayback_time(timestamp),
        digest=str(digest) if digest else None,
    )


def lookup_copy(url: str, policy: ArchivePolicy, client: httpx.Client) -> LookupResult:
    """Find the latest good (HTTP 200) copy of ``url`` with the CDX server.

    A failure of the look-up is data (``LookupResult.error``), never an exception.
    """
    params = {
        "url": url,
        "output": "json",
        "fl": "timestamp,original,statuscode,digest,mimetype",
        "filter": "statuscode:200",
        "limit": "-1",
        "fastLatest": "true",
    }
    try:
        response = client.get(policy.cdx_api, params=params, timeout=LOOKUP_TIMEOUT_S)
    except (httpx.HTTPError, OSError) as exc:
        return LookupResult(url=url, error=f"CDX look-up failed: {type(exc).__name__}")
    if response.status_code != 200:
        return LookupResult(url=url, error=f"CDX look-up answered HTTP {response.status_code}")
    try:
        return LookupResult(url=url, copy=parse_cdx(response.text, url, policy))
    except (ValueError, TypeError):
        return LookupResult(url=url, error="CDX look-up answered something that is not CDX JSON")


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "").strip()
    seconds = float(value) if value.replace(".", "", 1).isdigit() else DEFAULT_RETRY_AFTER_S
    return min(seconds, MAX_RETRY_AFTER_S)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_result(url: str, data: dict[str, Any], job_id: str | None = None) -> SaveResult:
    status_ext = str(data.get("status_ext") or "")
    message = str(data.get("message") or data.get("exception") or "no message")
    detail = f"{status_ext}: {message}" if status_ext else message
    return SaveResult(url=url, outcome=classify_status_ext(status_ext), detail=detail[:300], job_id=job_id)


class _KeysRefused(Exception):
    """The service refused our credentials: every further request would be refused too."""


class RateWindow:
    """At most ``limit`` events in any ``window_s`` seconds: ``wait`` sleeps until one is allowed."""

    def __init__(self, limit: int, window_s: float, *, sleep: Sleep, monotonic: Monotonic) -> None:
        self._limit = limit
        self._window_s = window_s
        self._sleep = sleep
        self._monotonic = monotonic
        self._events: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        """Block until an event is allowed, then count it."""
        now = self._monotonic()
        while self._events and now - self._events[0] >= self._window_s:
            self._events.popleft()
        if len(self._events) >= self._limit:
            self._sleep(self._window_s - (now - self._events[0]))
            self._events.popleft()
        self._events.append(self._monotonic())


class SavePageNow:
    """A Save Page Now 2 client: submit captures within the rate limit, poll the jobs.

    Args:
        policy: endpoints and keys (``save_api``, ``status_api``, ``access_key``, ``secret_key``).
        client: the HTTP client (tests aim it at a local fake through the policy).
        sleep: waits between polls, for the rate limit and for ``Retry-After``.
        monotonic: a clock in seconds for the rate window and the poll deadline.
    """

    def __init__(
        self,
        policy: ArchivePolicy,
        client: httpx.Client,
        *,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self._policy = policy
        self._client = client
        self._sleep = sleep
        self._monotonic = monotonic
        authenticated = bool(policy.access_key and policy.secret_key)
        limit = SAVES_PER_MINUTE_AUTHENTICATED if authenticated else SAVES_PER_MINUTE_ANONYMOUS
        self._window = RateWindow(limit, RATE_WINDOW_S, sleep=sleep, monotonic=monotonic)
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if authenticated:
            self._headers["Authorization"] = f"LOW {policy.access_key}:{policy.secret_key}"

    def save_all(self, urls: Sequence[str]) -> list[SaveResult]:
        """Ask for a capture of each URL, then poll every job; one result per URL, in order.

        A refusal of the keys stops further submissions (each would be refused too).
        """
        results: dict[str, SaveResult] = {}
        jobs: dict[str, str] = {}
        for url in urls:
            try:
                submitted = self.submit(url)
            except _KeysRefused as refused:
                for rest in urls[len(results) + len(jobs) :]:
                    results[rest] = SaveResult(url=rest, outcome=SaveOutcome.REFUSED, detail=str(refused))
                break
            if isinstance(submitted, SaveResult):
                results[url] = submitted
            else:
                jobs[url] = submitted
        results.update(self.poll(jobs))
        return [results[u] for u in urls if u in results]

    def submit(self, url: str) -> str | SaveResult:
        """POST one capture request; return its job id, or the result when it ended at once.

        Raises:
            _KeysRefused: HTTP 401 or 403, the account or its keys were refused.
        """
        for _ in range(RATE_LIMIT_RETRIES + 1):
            self._window.wait()
            try:
                response = self._client.post(
                    self._policy.save_api,
                    data={"url": url, "skip_first_archive": "1"},
                    headers=self._headers,
                    timeout=LOOKUP_TIMEOUT_S,
                )
            except (httpx.HTTPError, OSError) as exc:
                return SaveResult(url=url, outcome=SaveOutcome.RETRY_LATER, detail=f"{type(exc).__name__}")
            if response.status_code == 429:
                self._sleep(_retry_after(response))
                continue
            if response.status_code in (401, 403):
                raise _KeysRefused(f"Save Page Now refused the request (HTTP {response.status_code}): check the keys")
            if response.status_code >= 400:
                detail = f"Save Page Now answered HTTP {response.status_code}"
                return SaveResult(url=url, outcome=SaveOutcome.RETRY_LATER, detail=detail)
            data = _json(response)
            if job_id := data.get("job_id"):
                return str(job_id)
            if data.get("status") == "error" or data.get("status_ext"):
                return _error_result(url, data)
            message = str(data.get("message") or "no job id in the answer")
            return SaveResult(url=url, outcome=SaveOutcome.RETRY_LATER, detail=message[:300])
        detail = f"rate-limited (HTTP 429) {RATE_LIMIT_RETRIES + 1} times; left for a later run"
        return SaveResult(url=url, outcome=SaveOutcome.RETRY_LATER, detail=detail)

    def poll(self, jobs: dict[str, str]) -> dict[str, SaveResult]:
        """Poll ``jobs`` (URL -> job id) until each succeeds or fails, or the deadline passes."""
        pending = dict(jobs)
        results: dict[str, SaveResult] = {}
        deadline = self._monotonic() + POLL_TIMEOUT_S
        while pending:
            for url, job_id in list(pending.items()):
                result = self._status(url, job_id)
                if result is not None:
                    results[url] = result
                    del pending[url]
            if not pending:
                break
            if self._monotonic() >= deadline:
                break
            self._sleep(POLL_INTERVAL_S)
        for url, job_id in pending.items():
            detail = f"job {job_id} still pending after {POLL_TIMEOUT_S:g} s"
            results[url] = SaveResult(url=url, outcome=SaveOutcome.RETRY_LATER, detail=detail, job_id=job_id)
        return results

    def _status(self, url: str, job_id: str) -> SaveResult | None:
        address = self._policy.status_api.replace("{job_id}", job_id)
        try:
            response = self._client.get(address, headers=self._headers, timeout=LOOKUP_TIMEOUT_S)
        except (httpx.HTTPError, OSError):
            return None  # asked again at the next poll
        if response.status_code == 429:
            self._sleep(_retry_after(response))
            return None
        if response.status_code != 200:
            return None
        data = _json(response)
        status = data.get("status")
        if status == "success":
            timestamp = str(data.get("timestamp") or "")
            original = str(data.get("original_url") or url)
            if not timestamp.isdigit():
                return SaveResult(url=url, outcome=SaveOutcome.RETRY_LATER, detail="success without a timestamp")
            copy = PublicCopy(
                url=url,
                copy_url=copy_url(self._policy, timestamp, original),
                captured_at=wayback_time(timestamp),
                digest=None,
            )
            return SaveResult(url=url, outcome=SaveOutcome.SAVED, detail="captured", job_id=job_id, copy=copy)
        if status == "error":
            return _error_result(url, data, job_id)
        return None  # pending


def make_client() -> httpx.Client:
    """The client for the public archive: no cookies kept, redirects followed, our User-Agent."""
    return httpx.Client(follow_redirects=True, trust_env=False, headers={"User-Agent": USER_AGENT})
