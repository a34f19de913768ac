"""The frozen data that flows between refcheck's stages.

extract -> normalise -> resolve -> check -> archive -> report: each stage takes and
returns these types and nothing else, so a stage can be used, tested and replaced on
its own. Nothing here does I/O. Containers are tuples, datetimes are timezone-aware
UTC, and values change with ``dataclasses.replace``, never by mutation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """The verdict vocabulary of the design brief, spelled the same everywhere."""

    ALIVE = "alive"
    REDIRECTED = "redirected"
    BROKEN = "broken"
    SERVER_ERROR = "server-error"
    BLOCKED = "blocked"
    SOFT_404 = "soft-404"
    TIMEOUT = "timeout"
    TLS_ERROR = "tls-error"
    UNSAFE = "unsafe"
    UNRESOLVED = "unresolved"
    EXCLUDED = "excluded"
    OFFLINE = "offline"


#: Statuses that mean the cited source is gone (as far as this run can tell).
DEAD_STATUSES: frozenset[Status] = frozenset(
    {Status.BROKEN, Status.SERVER_ERROR, Status.SOFT_404, Status.TIMEOUT, Status.TLS_ERROR}
)


class CitationKind(StrEnum):
    """What a citation looked like where it was written."""

    URL = "url"
    IDENTIFIER = "identifier"
    FILE_NAME = "file-name"
    TITLE = "title"


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where a citation sits: the document, page (PDF only), line within the page,
    footnote number when the citation is in a footnote, and the language version
    of the text around it when known (ISO 639-1)."""

    document: str
    page: int | None = None
    line: int | None = None
    footnote: int | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A document as read: its path as given (relative where possible), media type, digest."""

    path: str
    media_type: str
    sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    """One place where a document points at a source.

    ``raw`` is the text as written (``https://www .reuters .com /world …``), ``url`` the
    repaired URL when the citation is or carries one, ``key`` the identifier key when a
    resolver recognised one (``un:CAT/C/AZE/CO/5``). ``source`` says how it was found:
    ``text``, ``pdf-annotation``, ``annotation+text``, ``html-href``, ``markdown-link``,
    ``docx-hyperlink``. ``note`` carries a remark for an editor, such as an empty link.
    """

    raw: str
    kind: CitationKind
    location: Location
    url: str | None = None
    key: str | None = None
    source: str = "text"
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """A source, with every citation that points at it.

    ``key`` is stable across runs: the identity form of the URL, or an identifier key
    (``icj:180:order:2023-11-17``). ``url`` is the URL to check: the URL as cited when
    the document gives one, else the resolver's canonical URL. ``urls`` lists every
    distinct URL the citations gave, in order of first appearance.
    """

    key: str
    type: str
    url: str | None
    citations: tuple[Citation, ...]
    urls: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unresolved:
    """A citation with no address: a title, a file name, an identifier no resolver knows."""

    text: str
    why: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionResult:
    """Everything extracted from a set of documents, merged and resolved."""

    documents: tuple[Document, ...]
    references: tuple[Reference, ...]
    unresolved: tuple[Unresolved, ...]
    excluded: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One request made while checking a reference, and what came of it."""

    at: datetime
    method: str
    url: str
    http_status: int | None
    error: str | None
    elapsed_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The verdict on one reference, with the evidence behind it."""

    key: str
    url: str
    checked_at: datetime
    status: Status
    evidence: str
    http_status: int | None = None
    redirects: tuple[str, ...] = ()
    permanent_redirect: bool = False
    final_url: str | None = None
    content_type: str | None = None
    length: int | None = None
    sha256: str | None = None
    attempts: tuple[Attempt, ...] = ()
    elapsed_s: float = 0.0
    from_cache: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    """An HTTP exchange as it went over the wire, for the archive.

    ``body`` is the payload with any transfer encoding removed but any content encoding
    (gzip) kept, as WARC response records expect; headers are in the order received.
    """

    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    http_version: str
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    body: bytes
    ip: str | None
    captured_at: datetime
    truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """A capture of a reference in a WARC, and any public archive copy of it."""

    key: str
    url: str
    warc: str
    record_id: str
    offset: int
    captured_at: datetime
    payload_digest: str
    status: int | None = None
    revisit_of: str | None = None
    public_copy: str | None = None
    public_copy_date: datetime | None = None
    changed_since: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class History:
    """What the store remembers of one reference across runs."""

    key: str
    first_seen: datetime
    last_alive: datetime | None
    first_failure: datetime | None
    consecutive_failures: int
    failing_runs_span_days: float
    last_status: Status | None
    previous_status: Status | None
    last_digest: str | None
    confirmed_dead: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One run of refcheck, as the store records it."""

    id: str
    started_at: datetime
    config_sha256: str
    counts: tuple[tuple[Status, int], ...]
    finished_at: datetime | None = None
    offline: bool = False
