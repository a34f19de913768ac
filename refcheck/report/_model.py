"""The Report: one run's results, history, archive copies and fixes, ready to render.

Every renderer (Markdown, HTML, JSON, CSV, SARIF, GitHub) reads the same frozen
``Report`` so that the formats cannot disagree: what the HTML calls dead, the SARIF
flags and the exit code fails on. ``build_report`` and ``suggest_fix`` are pure, so a
report rendered twice from the same run is byte for byte the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from refcheck import __version__
from refcheck.config import CuratedReference
from refcheck.models import (
    DEAD_STATUSES,
    CheckResult,
    History,
    Reference,
    Run,
    Snapshot,
    Status,
    Unresolved,
)
from refcheck.resolve.curated import matches

_V = TypeVar("_V")

#: Display order, worst first: what an editor must act on comes to the top.
STATUS_ORDER: tuple[Status, ...] = (
    Status.BROKEN,
    Status.SOFT_404,
    Status.SERVER_ERROR,
    Status.TIMEOUT,
    Status.TLS_ERROR,
    Status.BLOCKED,
    Status.UNSAFE,
    Status.UNRESOLVED,
    Status.REDIRECTED,
    Status.OFFLINE,
    Status.EXCLUDED,
    Status.ALIVE,
)

#: Statuses that cannot be verified but are not dead: warnings, never failures.
WARNING_STATUSES: frozenset[Status] = frozenset({Status.BLOCKED, Status.UNSAFE})

# A Wayback address carries its capture time: /web/20200131123456/https://...
_WAYBACK_STAMP = re.compile(r"/web/(\d{4})(\d{2})(\d{2})\d*(?:[a-z_]{0,4})?/")


class FixKind(StrEnum):
    """What sort of repair a suggested fix is."""

    REDIRECT = "redirect"  # a permanent redirect: cite its target
    HTTPS = "https"  # the http address failed; its https form is alive or worth a try
    ARCHIVED = "archived"  # a public archive copy (Wayback) to cite as a Robust Link
    LOCAL_ARCHIVE = "local-archive"  # only our own WARC holds a copy
    EDITOR = "editor"  # a person must find the source
    UNVERIFIABLE = "unverifiable"  # the site refused an automated check: not dead


@dataclass(frozen=True, slots=True, kw_only=True)
class Fix:
    """A suggested repair for one reference.

    ``url`` is what to cite instead (if any); for an archived copy ``original_url`` and
    ``version_date`` make the Robust Link (data-originalurl, data-versiondate).
    ``tentative`` marks a guess worth trying rather than a verified replacement.
    """

    kind: FixKind
    text: str
    url: str | None = None
    original_url: str | None = None
    version_date: date | None = None
    tentative: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One reference in the changes since the previous run; ``runs`` is how many
    consecutive runs it has been failing (0 when not failing)."""

    key: str
    runs: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    """What changed since the previous run."""

    newly_broken: tuple[Change, ...] = ()
    fixed: tuple[Change, ...] = ()
    changed_content: tuple[Change, ...] = ()
    still_broken: tuple[Change, ...] = ()

    def is_empty(self) -> bool:
        """Return True when nothing changed."""
        return not (self.newly_broken or self.fixed or self.changed_content or self.still_broken)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One reference with everything known about it: the row every format renders."""

    reference: Reference
    status: Status | None  # None: not checked in this run
    result: CheckResult | None
    history: History | None
    snapshot: Snapshot | None
    fix: Fix | None
    accepted: bool

    @property
    def is_dead(self) -> bool:
        """True when the source is gone and the editor did not accept that."""
        return self.status in DEAD_STATUSES and not self.accepted

    @property
    def is_warning(self) -> bool:
        """True when the source could not be verified (blocked, unsafe)."""
        return self.status in WARNING_STATUSES and not self.accepted


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """The counts at the top of every report."""

    sources: int
    dead: int
    blocked: int
    redirected: int
    changed: int
    unresolved: int
    alive: int


def _frozen_map(items: Mapping[str, _V] | None = None) -> Mapping[str, _V]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Everything one run found, in display order (worst first, then by key)."""

    run: Run
    generated_at: datetime
    tool_version: str = __version__
    references: tuple[Reference, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    results: Mapping[str, CheckResult] = field(default_factory=_frozen_map)
    histories: Mapping[str, History] = field(default_factory=_frozen_map)
    snapshots: Mapping[str, Snapshot] = field(default_factory=_frozen_map)
    fixes: Mapping[str, Fix] = field(default_factory=_frozen_map)
    accepted: frozenset[str] = frozenset()
    changes: Changes = field(default_factory=Changes)

    def entries(self) -> Iterator[Entry]:
        """Yield one Entry per reference, in the report's order."""
        for ref in self.references:
            result = self.results.get(ref.key)
            yield Entry(
                reference=ref,
                status=result.status if result else None,
                result=result,
                history=self.histories.get(ref.key),
                snapshot=self.snapshots.get(ref.key),
                fix=self.fixes.get(ref.key),
                accepted=ref.key in self.accepted,
            )

    def summary(self) -> Summary:
        """Count sources, dead, blocked, redirected, changed and unresolved."""
        entries = list(self.entries())
        return Summary(
            sources=len(entries),
            dead=sum(e.is_dead for e in entries),
            blocked=sum(e.status is Status.BLOCKED for e in entries),
            redirected=sum(e.status is Status.REDIRECTED for e in entries),
            changed=len(self.changes.changed_content),
            unresolved=len(self.unresolved) + sum(e.status is Status.UNRESOLVED for e in entries),
            alive=sum(e.status is Status.ALIVE for e in entries),
        )


def wayback_date(url: str) -> date | None:
    """Return the capture date a Wayback Machine address carries, if it has one."""
    m = _WAYBACK_STAMP.search(url)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _https_form(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() != "http":
        return None
    netloc = parts.netloc.removesuffix(":80")
    return urlunsplit(("https", netloc, parts.path, parts.query, parts.fragment))


def _https_known_alive(result: CheckResult, https_url: str) -> bool:
    # The checker may have been sent to https by a redirect, or tried it itself.
    if result.final_url == https_url and result.http_status is not None and result.http_status < 400:
        return True
    return any(a.url == https_url and a.http_status is not None and 200 <= a.http_status < 400 for a in result.attempts)


def _https_plausible(result: CheckResult) -> bool:
    # Failures that an http-only problem can explain: port 80 closed or filtered, a
    # plain-http endpoint retired while the https site lives on. An HTTP answer of 404
    # or 410, or a soft 404, is about the path, not the scheme: no https fix for those.
    if result.status in (Status.TIMEOUT, Status.SERVER_ERROR):
        return True
    return result.status is Status.BROKEN and result.http_status is None


def _archived_fix(
    original: str, snapshot: Snapshot | None, pinned_archive: str | None, history: History | None
) -> Fix | None:
    seen = f" (last seen alive {history.last_alive.date().isoformat()})" if history and history.last_alive else ""
    if pinned_archive:
        when = wayback_date(pinned_archive)
        dated = f" of {when.isoformat()}" if when else ""
        return Fix(
            kind=FixKind.ARCHIVED,
            text=f"cite the archived copy{dated} pinned in references.toml{seen}",
            url=pinned_archive,
            original_url=original,
            version_date=when,
        )
    if snapshot and snapshot.public_copy:
        when_dt = snapshot.public_copy_date or snapshot.captured_at
        when = when_dt.date()
        return Fix(
            kind=FixKind.ARCHIVED,
            text=f"cite the archived copy of {when.isoformat()}{seen}",
            url=snapshot.public_copy,
            original_url=original,
            version_date=when,
        )
    if snapshot and snapshot.warc:
        when = snapshot.captured_at.date()
        return Fix(
            kind=FixKind.LOCAL_ARCHIVE,
            text=f"a copy captured on {when.isoformat()} is in the local archive ({snapshot.warc}); "
            f"publish it or find the new address{seen}",
            original_url=original,
            version_date=when,
        )
    return None


def suggest_fix(
    reference: Reference,
    result: CheckResult | None,
    snapshot: Snapshot | None = None,
    history: History | None = None,
    *,
    pinned_archive: str | None = None,
) -> Fix | None:
    """Suggest how an editor can repair a reference, or None when nothing needs doing.

    In order of preference: the target of a permanent redirect; the https form of a
    failed http address when it is known to be alive; an archived copy (pinned in
    references.toml, else a public copy, else our own WARC); the https form when an
    http-only failure makes it plausible ("try"); "needs an editor" otherwise.
    A blocked source is unverifiable, not dead, and is reported as such.

    Args:
        reference: the source as cited.
        result: this run's verdict, or None when the reference was not checked.
        snapshot: the latest capture of the source, if any.
        history: what the store remembers of it, if anything.
        pinned_archive: an archived address the editor pinned in references.toml.

    Returns:
        The fix, or None for a source that is alive, excluded, or not judged.
    """
    url = reference.url or (result.url if result else None)
    if result is None or result.status is Status.UNRESOLVED or url is None:
        if url is None:
            return Fix(kind=FixKind.EDITOR, text="needs an editor: no address could be found for this citation")
        return None
    status = result.status
    if status is Status.REDIRECTED:
        if result.permanent_redirect and result.final_url:
            return Fix(kind=FixKind.REDIRECT, text="cite the new address (permanent redirect)", url=result.final_url)
        return None
    if status is Status.BLOCKED:
        return Fix(
            kind=FixKind.UNVERIFIABLE,
            text="unverifiable, not dead: the site refused an automated check; open it in a browser to confirm",
        )
    if status is Status.UNSAFE:
        return Fix(
            kind=FixKind.EDITOR,
            text="needs an editor: the address was refused (private or local network, or a bad scheme)",
        )
    if status not in DEAD_STATUSES:
        return None
    https = _https_form(url)
    if https and _https_known_alive(result, https):
        return Fix(kind=FixKind.HTTPS, text="cite the https address, which is alive", url=https)
    if archived := _archived_fix(url, snapshot, pinned_archive, history):
        return archived
    if https and _https_plausible(result):
        return Fix(kind=FixKind.HTTPS, text="try the https address", url=https, tentative=True)
    seen = f" (last seen alive {history.last_alive.date().isoformat()})" if history and history.last_alive else ""
    return Fix(
        kind=FixKind.EDITOR,
        text=f"needs an editor: no archived copy is known; find the document's new address{seen}",
    )


def unresolved_fix(item: Unresolved) -> Fix:
    """The fix for a citation with no address: a person must find the source."""
    return Fix(kind=FixKind.EDITOR, text=f"needs an editor: {item.why}")


def _is_dead(status: Status | None) -> bool:
    return status in DEAD_STATUSES


def compute_changes(
    results: Mapping[str, CheckResult],
    previous: Mapping[str, CheckResult] | None,
    histories: Mapping[str, History],
    snapshots: Mapping[str, Snapshot],
) -> Changes:
    """Compare this run's results with the previous run's (or, without them, with the
    statuses the store's history remembers).

    Returns:
        newly broken, fixed, changed content and still broken, each sorted by key.
    """
    newly: list[Change] = []
    fixed: list[Change] = []
    changed: list[Change] = []
    still: list[Change] = []
    for key in sorted(results):
        now = results[key]
        history = histories.get(key)
        before_result = previous.get(key) if previous is not None else None
        if before_result is not None:
            before: Status | None = before_result.status
        elif previous is None and history is not None:
            before = history.previous_status
        else:
            before = None
        runs = history.consecutive_failures if history else (1 if _is_dead(now.status) else 0)
        if _is_dead(now.status):
            if _is_dead(before) or (before is None and runs > 1):
                still.append(Change(key=key, runs=max(runs, 2)))
            else:
                newly.append(Change(key=key, runs=max(runs, 1)))
        elif _is_dead(before) and now.status in (Status.ALIVE, Status.REDIRECTED):
            fixed.append(Change(key=key, runs=0))
        elif now.status is Status.ALIVE:
            digest_before = before_result.sha256 if before_result is not None else None
            snapshot = snapshots.get(key)
            differs = digest_before is not None and now.sha256 is not None and digest_before != now.sha256
            if differs or (snapshot is not None and snapshot.changed_since is not None):
                changed.append(Change(key=key, runs=0))
    return Changes(
        newly_broken=tuple(newly), fixed=tuple(fixed), changed_content=tuple(changed), still_broken=tuple(still)
    )


def _curated_for(reference: Reference, curated: Iterable[CuratedReference]) -> list[CuratedReference]:
    # The same matching rules as the extraction's curated step, so an entry that changed
    # how a reference was extracted also carries its accept list and pinned archive.
    urls = {reference.url, *reference.urls} - {None}
    return [c for c in curated if matches(c, reference) or (c.url is not None and c.url in urls)]


def _sort_key(reference: Reference, results: Mapping[str, CheckResult]) -> tuple[int, str]:
    result = results.get(reference.key)
    rank = STATUS_ORDER.index(result.status) if result else len(STATUS_ORDER)
    return rank, reference.key


def build_report(
    *,
    run: Run,
    generated_at: datetime,
    references: Iterable[Reference],
    results: Iterable[CheckResult],
    unresolved: Iterable[Unresolved] = (),
    histories: Iterable[History] = (),
    snapshots: Iterable[Snapshot] = (),
    previous: Iterable[CheckResult] | None = None,
    curated: Iterable[CuratedReference] = (),
    tool_version: str = __version__,
) -> Report:
    """Assemble a Report from one run's pieces; pure.

    Args:
        run: the run as the store recorded it.
        generated_at: when the report is made (a fixed clock in tests).
        references: every reference checked (excluded ones may be included too).
        results: this run's results; a reference without one shows as not checked.
        unresolved: citations no resolver could give an address.
        histories: the store's history per reference, after this run.
        snapshots: the latest capture per reference; the last one per key wins.
        previous: the previous run's results, for the changes section; None when the
            store has no previous run (the histories' previous status is used then).
        curated: the editor's entries (archived copies pinned, statuses accepted).
        tool_version: the refcheck version to name in machine formats.

    Returns:
        The frozen report, references ordered worst first then by key.
    """
    by_key = {r.key: r for r in results}
    hist = {h.key: h for h in histories}
    snaps = {s.key: s for s in snapshots}
    prev = {r.key: r for r in previous} if previous is not None else None
    curated = tuple(curated)
    refs = sorted(references, key=lambda r: _sort_key(r, by_key))
    fixes: dict[str, Fix] = {}
    accepted: set[str] = set()
    for ref in refs:
        result = by_key.get(ref.key)
        entries = _curated_for(ref, curated)
        pinned = next((c.archived for c in entries if c.archived), None)
        if result is not None and any(result.status in c.accept for c in entries):
            accepted.add(ref.key)
            continue  # the editor has seen this status and keeps the citation as it is
        fix = suggest_fix(ref, result, snaps.get(ref.key), hist.get(ref.key), pinned_archive=pinned)
        if fix is not None:
            fixes[ref.key] = fix
    return Report(
        run=run,
        generated_at=generated_at,
        tool_version=tool_version,
        references=tuple(refs),
        unresolved=tuple(unresolved),
        results=_frozen_map(by_key),
        histories=_frozen_map(hist),
        snapshots=_frozen_map(snaps),
        fixes=_frozen_map(fixes),
        accepted=frozenset(accepted),
        changes=compute_changes({k: v for k, v in by_key.items() if k not in accepted}, prev, hist, snaps),
    )
