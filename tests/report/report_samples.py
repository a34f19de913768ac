"""Sample data for the report tests: a fixed run with a frozen clock.

The references cover every status and every kind of fix, plus the traps a renderer
must survive: a URL with ``|`` and Markdown punctuation, cited text with markup and
quotes, a spaced-out URL as written, a source cited in two language versions, a
status accepted by an editor, and a citation with no address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from refcheck.config import CuratedReference
from refcheck.models import (
    Attempt,
    CheckResult,
    Citation,
    CitationKind,
    History,
    Location,
    Reference,
    Run,
    Snapshot,
    Status,
    Unresolved,
)
from refcheck.report._model import Report, build_report

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
T0 = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)


def at(day: int, hour: int = 3) -> datetime:
    """A fixed time in January 2025 (UTC)."""
    return datetime(2025, 1, day, hour, 0, tzinfo=UTC)


def url_citation(raw: str, url: str, document: str, **where: int | str | None) -> Citation:
    """A URL citation at ``document`` (page, line, footnote, language as keywords)."""
    return Citation(raw=raw, kind=CitationKind.URL, location=Location(document=document, **where), url=url)  # type: ignore[arg-type]


def ref(
    url: str, *citations: Citation, key: str | None = None, type: str = "url", title: str | None = None
) -> Reference:
    """A reference to ``url`` cited by ``citations``."""
    return Reference(key=key or url, type=type, url=url, citations=citations, urls=(url,), title=title)


def result(reference: Reference, status: Status, evidence: str, **fields: object) -> CheckResult:
    """This run's verdict on ``reference``."""
    assert reference.url is not None
    return CheckResult(key=reference.key, url=reference.url, checked_at=T0, status=status, evidence=evidence, **fields)  # type: ignore[arg-type]


def history(key: str, failures: int, *, last_alive: datetime | None, previous: Status | None) -> History:
    """What the store remembers of ``key``."""
    return History(
        key=key,
        first_seen=at(1),
        last_alive=last_alive,
        first_failure=at(15 - failures) if failures else None,
        consecutive_failures=failures,
        failing_runs_span_days=float(max(failures - 1, 0)),
        last_status=None,
        previous_status=previous,
        last_digest=None,
        confirmed_dead=failures >= 3,
    )


BROKEN = ref(
    "https://www.example.org/reports/2019/annual.pdf",
    url_citation(
        "https://www .example .org/reports/2019/annual.pdf",
        "https://www.example.org/reports/2019/annual.pdf",
        "docs/report.pdf",
        page=4,
        line=12,
        footnote=6,
    ),
    url_citation(
        "https://www.example.org/reports/2019/annual.pdf",
        "https://www.example.org/reports/2019/annual.pdf",
        "docs/briefing.md",
        line=12,
    ),
    title="Annual report 2019",
)
REDIRECTED = ref(
    "http://old.example.net/page",
    url_citation("http://old.example.net/page", "http://old.example.net/page", "docs/notes.txt", line=3),
)
BLOCKED = ref(
    "https://www.reuters.com/world/story-2024",
    url_citation(
        "https://www.reuters.com/world/story-2024",
        "https://www.reuters.com/world/story-2024",
        "docs/briefing.md",
        line=20,
        footnote=2,
        language="en",
    ),
    url_citation(
        "https://www.reuters.com/world/story-2024",
        "https://www.reuters.com/world/story-2024",
        "docs/communique.html",
        line=8,
        footnote=2,
        language="fr",
    ),
)
TIMEOUT = ref(
    "http://slow.example.com/doc",
    url_citation("http://slow.example.com/doc", "http://slow.example.com/doc", "docs/notes.txt", line=7),
)
ALIVE_UN = ref(
    "https://docs.un.org/en/CAT/C/AZE/CO/5",
    Citation(
        raw="CAT/C/AZE/CO/5",
        kind=CitationKind.IDENTIFIER,
        location=Location(document="docs/report.pdf", page=2, line=30, footnote=3),
        key="un:CAT/C/AZE/CO/5",
    ),
    key="un:CAT/C/AZE/CO/5",
    type="un",
)
PIPES = ref(
    "https://api.example.com/data?a=1|b=2&c=*x*_y_",
    url_citation(
        "https://api.example.com/data?a=1|b=2&c=*x*_y_",
        "https://api.example.com/data?a=1|b=2&c=*x*_y_",
        "docs/briefing.md",
        line=31,
    ),
)
SOFT = ref(
    "https://example.com/moved",
    url_citation("https://example.com/moved", "https://example.com/moved", "docs/notes.txt", line=9),
)
UNSAFE = ref(
    "http://127.0.0.1/internal",
    url_citation("http://127.0.0.1/internal", "http://127.0.0.1/internal", "docs/notes.txt", line=11),
)
TLS = ref(
    "https://expired.example.org/paper",
    url_citation(
        "https://expired.example.org/paper", "https://expired.example.org/paper", "docs/report.pdf", page=9, footnote=14
    ),
)
FIXED = ref(
    "https://fixed.example.org/",
    url_citation("https://fixed.example.org/", "https://fixed.example.org/", "docs/briefing.md", line=40),
)
HOSTILE = ref(
    "https://evil.example/<script>",
    url_citation(
        '<script>alert("x")</script> https://evil.example/<script>',
        "https://evil.example/<script>",
        "docs/briefing.md",
        line=44,
    ),
    title='<img src=x onerror=alert(1)> & "quotes"',
)

REFERENCES = (ALIVE_UN, BROKEN, REDIRECTED, BLOCKED, TIMEOUT, PIPES, SOFT, UNSAFE, TLS, FIXED, HOSTILE)

RESULTS = (
    result(BROKEN, Status.BROKEN, "the server says the page does not exist", http_status=404),
    result(
        REDIRECTED,
        Status.REDIRECTED,
        "moved permanently",
        http_status=200,
        redirects=("http://old.example.net/page", "https://new.example.net/page"),
        permanent_redirect=True,
        final_url="https://new.example.net/page",
    ),
    result(BLOCKED, Status.BLOCKED, "bot wall (HTTP 403 with a challenge page)", http_status=403),
    result(
        TIMEOUT,
        Status.TIMEOUT,
        "no answer within 20 s, 3 attempts",
        attempts=(
            Attempt(
                at=T0,
                method="GET",
                url="http://slow.example.com/doc",
                http_status=None,
                error="timeout",
                elapsed_s=20.0,
            ),
        ),
    ),
    result(ALIVE_UN, Status.ALIVE, "", http_status=200, sha256="b" * 64, content_type="application/pdf", length=1234),
    result(PIPES, Status.SERVER_ERROR, "still failing after 3 retries", http_status=503),
    result(
        SOFT, Status.SOFT_404, "redirected to the site's home page", http_status=200, final_url="https://example.com/"
    ),
    result(UNSAFE, Status.UNSAFE, "refused: 127.0.0.1 is a loopback address"),
    result(TLS, Status.TLS_ERROR, "certificate has expired"),
    result(FIXED, Status.ALIVE, "", http_status=200, sha256="f" * 64),
    result(HOSTILE, Status.BROKEN, "the server says <gone> | *really*", http_status=410),
)

PREVIOUS = (
    result(BROKEN, Status.ALIVE, "", http_status=200),
    result(TIMEOUT, Status.TIMEOUT, "no answer"),
    result(ALIVE_UN, Status.ALIVE, "", http_status=200, sha256="a" * 64),
    result(FIXED, Status.BROKEN, "", http_status=404),
)

HISTORIES = (
    history(BROKEN.key, 1, last_alive=at(14), previous=Status.ALIVE),
    history(TIMEOUT.key, 3, last_alive=at(12), previous=Status.TIMEOUT),
    history(SOFT.key, 1, last_alive=at(10), previous=None),
    history(PIPES.key, 1, last_alive=None, previous=None),
)

SNAPSHOTS = (
    Snapshot(
        key=BROKEN.key,
        url=BROKEN.url or "",
        warc="archive/refcheck-20250110.warc.gz",
        record_id="<urn:uuid:00000000-0000-0000-0000-000000000001>",
        offset=0,
        captured_at=at(10),
        payload_digest="sha1:AAAA",
        public_copy="https://web.archive.org/web/20200301000000/https://www.example.org/reports/2019/annual.pdf",
        public_copy_date=datetime(2020, 3, 1, tzinfo=UTC),
    ),
    Snapshot(
        key=TLS.key,
        url=TLS.url or "",
        warc="archive/refcheck-20250110.warc.gz",
        record_id="<urn:uuid:00000000-0000-0000-0000-000000000002>",
        offset=4096,
        captured_at=at(10),
        payload_digest="sha1:BBBB",
    ),
)

UNRESOLVED = (
    Unresolved(
        text="Annual report 2018",
        why="a title with no address",
        citations=(
            Citation(
                raw="Annual report 2018",
                kind=CitationKind.TITLE,
                location=Location(document="docs/report.pdf", page=7, line=3, footnote=11),
            ),
        ),
    ),
    Unresolved(
        text="=report_final_v2.docx | <b>draft</b>",
        why="a file name, not a source",
        citations=(
            Citation(
                raw="=report_final_v2.docx | <b>draft</b>",
                kind=CitationKind.FILE_NAME,
                location=Location(document="docs/briefing.md", line=50),
            ),
        ),
    ),
)

CURATED = (CuratedReference(line=10, url=PIPES.url, accept=(Status.SERVER_ERROR,)),)

RUN = Run(
    id="20250115T030000Z-1a2b3c",
    started_at=T0,
    finished_at=datetime(2025, 1, 15, 3, 2, 30, tzinfo=UTC),
    config_sha256="c" * 64,
    counts=(
        (Status.ALIVE, 2),
        (Status.REDIRECTED, 1),
        (Status.BROKEN, 2),
        (Status.SERVER_ERROR, 1),
        (Status.BLOCKED, 1),
        (Status.SOFT_404, 1),
        (Status.TIMEOUT, 1),
        (Status.TLS_ERROR, 1),
        (Status.UNSAFE, 1),
    ),
)


def make_sample_report() -> Report:
    """The fixed report every golden file is rendered from."""
    return build_report(
        run=RUN,
        generated_at=datetime(2025, 1, 15, 3, 5, tzinfo=UTC),
        references=REFERENCES,
        results=RESULTS,
        unresolved=UNRESOLVED,
        histories=HISTORIES,
        snapshots=SNAPSHOTS,
        previous=PREVIOUS,
        curated=CURATED,
        tool_version="0.1.0",
    )
