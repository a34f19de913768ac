"""suggest_fix: the repair an editor is offered for each kind of failure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from report_samples import T0, history, ref, url_citation

from refcheck.models import Attempt, CheckResult, Snapshot, Status
from refcheck.report import FixKind, suggest_fix
from refcheck.report._model import wayback_date

HTTP = ref("http://example.org/a", url_citation("http://example.org/a", "http://example.org/a", "d.md", line=1))
HTTPS = ref("https://example.org/a", url_citation("https://example.org/a", "https://example.org/a", "d.md", line=1))


def verdict(status: Status, url: str = "https://example.org/a", **fields: object) -> CheckResult:
    return CheckResult(key=url, url=url, checked_at=T0, status=status, evidence="", **fields)  # type: ignore[arg-type]


def snapshot(public_copy: str | None = None, when: datetime | None = None) -> Snapshot:
    return Snapshot(
        key="https://example.org/a",
        url="https://example.org/a",
        warc="archive/x.warc.gz",
        record_id="<urn:uuid:1>",
        offset=0,
        captured_at=datetime(2024, 6, 1, tzinfo=UTC),
        payload_digest="sha1:X",
        public_copy=public_copy,
        public_copy_date=when,
    )


def test_a_permanent_redirect_suggests_its_target() -> None:
    fix = suggest_fix(HTTPS, verdict(Status.REDIRECTED, permanent_redirect=True, final_url="https://new.example/a"))
    assert fix is not None and fix.kind is FixKind.REDIRECT and fix.url == "https://new.example/a"


def test_a_temporary_redirect_needs_no_fix() -> None:
    assert suggest_fix(HTTPS, verdict(Status.REDIRECTED, permanent_redirect=False, final_url="https://x/")) is None


@pytest.mark.parametrize("status", [Status.ALIVE, Status.EXCLUDED, Status.OFFLINE])
def test_a_source_that_is_not_failing_needs_no_fix(status: Status) -> None:
    assert suggest_fix(HTTPS, verdict(status)) is None


def test_a_blocked_source_is_unverifiable_not_dead() -> None:
    fix = suggest_fix(HTTPS, verdict(Status.BLOCKED, http_status=403), snapshot("https://web.archive.org/web/2020/x"))
    assert fix is not None and fix.kind is FixKind.UNVERIFIABLE
    assert "unverifiable, not dead" in fix.text and fix.url is None


def test_a_failed_http_address_whose_https_form_answered_gets_a_firm_https_fix() -> None:
    attempt = Attempt(at=T0, method="GET", url="https://example.org/a", http_status=200, error=None, elapsed_s=0.1)
    fix = suggest_fix(HTTP, verdict(Status.TIMEOUT, url="http://example.org/a", attempts=(attempt,)))
    assert fix is not None and fix.kind is FixKind.HTTPS
    assert fix.url == "https://example.org/a" and not fix.tentative


def test_a_failed_http_address_without_an_archive_gets_an_https_form_to_try() -> None:
    fix = suggest_fix(HTTP, verdict(Status.TIMEOUT, url="http://example.org/a"))
    assert fix is not None and fix.kind is FixKind.HTTPS and fix.tentative
    assert fix.text.startswith("try") and fix.url == "https://example.org/a"


def test_an_archived_copy_beats_an_https_guess_and_carries_its_date() -> None:
    copy = "https://web.archive.org/web/20200301000000/http://example.org/a"
    fix = suggest_fix(
        HTTP, verdict(Status.BROKEN, url="http://example.org/a"), snapshot(copy, datetime(2020, 3, 1, tzinfo=UTC))
    )
    assert fix is not None and fix.kind is FixKind.ARCHIVED
    assert (fix.url, fix.original_url, fix.version_date) == (copy, "http://example.org/a", date(2020, 3, 1))


def test_an_archived_copy_pinned_by_an_editor_wins_and_its_date_comes_from_the_wayback_address() -> None:
    pinned = "https://web.archive.org/web/20190102030405/https://example.org/a"
    fix = suggest_fix(
        HTTPS, verdict(Status.BROKEN), snapshot("https://web.archive.org/web/2024/x"), pinned_archive=pinned
    )
    assert fix is not None and fix.url == pinned and fix.version_date == date(2019, 1, 2)
    assert "pinned in references.toml" in fix.text


def test_only_a_local_capture_says_where_it_is() -> None:
    fix = suggest_fix(HTTPS, verdict(Status.TLS_ERROR), snapshot())
    assert fix is not None and fix.kind is FixKind.LOCAL_ARCHIVE and "archive/x.warc.gz" in fix.text
    assert fix.version_date == date(2024, 6, 1)


def test_a_dead_page_with_no_copy_needs_an_editor_and_says_when_it_was_last_alive() -> None:
    seen = history("https://example.org/a", 2, last_alive=datetime(2024, 12, 24, tzinfo=UTC), previous=Status.BROKEN)
    fix = suggest_fix(HTTPS, verdict(Status.SOFT_404), None, seen)
    assert fix is not None and fix.kind is FixKind.EDITOR
    assert "needs an editor" in fix.text and "2024-12-24" in fix.text


def test_a_404_on_http_is_not_blamed_on_the_scheme() -> None:
    fix = suggest_fix(HTTP, verdict(Status.SOFT_404, url="http://example.org/a"))
    assert fix is not None and fix.kind is FixKind.EDITOR


def test_a_reference_with_no_address_needs_an_editor() -> None:
    no_url = ref("https://x.example/", key="title:annual report")
    no_url = type(no_url)(key="title:annual report", type="title", url=None, citations=no_url.citations)
    fix = suggest_fix(no_url, None)
    assert fix is not None and fix.kind is FixKind.EDITOR and fix.text.startswith("needs an editor")


def test_an_unsafe_address_needs_an_editor() -> None:
    fix = suggest_fix(HTTPS, verdict(Status.UNSAFE))
    assert fix is not None and fix.kind is FixKind.EDITOR


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://web.archive.org/web/20200131123456/https://x.org/", date(2020, 1, 31)),
        ("https://web.archive.org/web/20200131id_/https://x.org/", date(2020, 1, 31)),  # raw-content flag
        ("https://web.archive.org/web/2020/https://x.org/", None),  # year only: no day to cite
        ("https://web.archive.org/web/20201341000000/https://x.org/", None),  # month 13
        ("https://archive.ph/abc", None),
    ],
)
def test_wayback_addresses_give_their_capture_date(url: str, expected: date | None) -> None:
    assert wayback_date(url) == expected


@pytest.mark.parametrize(
    ("status", "http_status", "https_offered"),
    [
        (Status.BROKEN, 404, False),  # the path is gone: https would 404 too
        (Status.BROKEN, 410, False),
        (Status.BROKEN, None, True),  # connection refused on port 80: https may answer
        (Status.TIMEOUT, None, True),  # port 80 filtered
        (Status.SERVER_ERROR, 503, True),  # a retired plain-http front end
    ],
)
def test_https_is_offered_only_when_the_failure_could_be_the_schemes(
    status: Status, http_status: int | None, https_offered: bool
) -> None:
    fix = suggest_fix(HTTP, verdict(status, url="http://example.org/a", http_status=http_status))
    assert fix is not None
    assert (fix.kind is FixKind.HTTPS) is https_offered
