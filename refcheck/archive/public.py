"""Public archive copies for a run's sources: look them up, and ask for new ones when configured.

Every answer is remembered in the archive index, so a source looked up recently is not
asked about again, and a source whose public copy is byte-identical to ours is not sent
to Save Page Now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from refcheck.archive.bookkeeping import Entry
from refcheck.archive.index import ArchiveIndex
from refcheck.archive.wayback import LookupResult, SavePageNow, SaveResult, lookup_copy
from refcheck.config import ArchivePolicy
from refcheck.models import Status

#: Statuses that say the source is there: drift is judged and --only-alive keeps these.
ALIVE_STATUSES = frozenset({Status.ALIVE, Status.REDIRECTED})
#: Statuses for which the public archive is worth asking about.
LOOKUP_SKIP = frozenset({Status.UNSAFE, Status.EXCLUDED, Status.UNRESOLVED, Status.OFFLINE})
#: A public look-up younger than this is not repeated.
PUBLIC_LOOKUP_MAX_AGE = timedelta(hours=20)
#: Consecutive failed look-ups after which the public archive is left alone for this run
#: (it is down or unreachable: each further try would only wait for its timeout).
LOOKUP_FAILURES_TO_STOP = 3


def lookup_urls(entries: Iterable[Entry]) -> list[str]:
    """The distinct web URLs worth looking up, in the order first seen."""
    wanted = [
        e.result.url
        for e in entries
        if e.result.url and e.result.status not in LOOKUP_SKIP and e.result.url.startswith(("http:", "https:"))
    ]
    return list(dict.fromkeys(wanted))


def save_urls(entries: Iterable[Entry], index: ArchiveIndex) -> list[str]:
    """The live sources captured now whose public copy is missing or differs from ours."""
    urls = []
    for entry in entries:
        if entry.snapshot is None or entry.result.status not in ALIVE_STATUSES:
            continue
        known = index.public(entry.result.url)
        ours = entry.snapshot.payload_digest.removeprefix("sha1:")
        if known and known.copy_digest and known.copy_digest == ours:
            continue  # the public copy is byte-identical to ours
        urls.append(entry.result.url)
    return list(dict.fromkeys(urls))


def look_up(
    urls: Sequence[str], policy: ArchivePolicy, index: ArchiveIndex, client: httpx.Client, now: datetime
) -> list[LookupResult]:
    """Look up each URL not looked up recently; stop asking a CDX server that keeps failing."""
    lookups = []
    failures = 0
    for url in urls:
        known = index.public(url)
        if known and known.looked_up_at and now - known.looked_up_at < PUBLIC_LOOKUP_MAX_AGE:
            continue
        if failures >= LOOKUP_FAILURES_TO_STOP:
            lookups.append(LookupResult(url=url, error="not looked up: the CDX server kept failing"))
            continue
        found = lookup_copy(url, policy, client)
        lookups.append(found)
        failures = failures + 1 if found.error else 0
        if found.error is None:
            copy = found.copy
            index.set_public_copy(
                url,
                copy.copy_url if copy else None,
                copy.captured_at if copy else None,
                copy.digest if copy else None,
                now,
            )
    return lookups


def save(
    urls: Sequence[str],
    policy: ArchivePolicy,
    index: ArchiveIndex,
    client: httpx.Client,
    clock: Callable[[], datetime],
    **options: Any,
) -> list[SaveResult]:
    """Ask Save Page Now for ``urls`` (with keys only) and remember each outcome."""
    if not (policy.access_key and policy.secret_key) or not urls:
        return []
    results = SavePageNow(policy, client, **options).save_all(list(urls))
    now = clock()  # saves take minutes: date the outcomes when they are known
    for saved in results:
        index.set_save_outcome(saved.url, saved.outcome.value, saved.detail, now)
        if saved.copy is not None:
            index.set_public_copy(saved.url, saved.copy.copy_url, saved.copy.captured_at, None, now)
    return results
