"""Verdict rules, as tables: responses and failures in, (status, evidence) out."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import httpx
import pytest

from refcheck.check.classify import (
    Chain,
    Hop,
    Sample,
    classify_chain,
    classify_exception,
    combine_with_doi,
    find_bot_wall,
    find_not_found_marker,
    is_deep_link,
    is_retryable_chain,
    is_similar_page,
    is_unreachable,
    parse_retry_after,
)
from refcheck.check.safety import NameNotResolvedError, RefusedAddressError
from refcheck.models import Status

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _caused(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (NameNotResolvedError("gone.example", "Name or service not known"), Status.BROKEN),
        (RefusedAddressError("evil.example", "10.0.0.1", "private"), Status.UNSAFE),
        (httpx.ConnectTimeout("t"), Status.TIMEOUT),
        (httpx.ReadTimeout("t"), Status.TIMEOUT),
        (httpx.ReadError("reset"), Status.SERVER_ERROR),
        (httpx.RemoteProtocolError("closed"), Status.SERVER_ERROR),
        (httpx.ConnectError("refused"), Status.BROKEN),
        # the most specific class in the cause chain wins: a ConnectError caused by a
        # certificate failure is a TLS error, not a refused connection
        (_caused(httpx.ConnectError("x"), ssl.SSLCertVerificationError("self-signed")), Status.TLS_ERROR),
        (_caused(httpx.ConnectError("x"), ssl.SSLError("handshake")), Status.TLS_ERROR),
        (ValueError("a bug"), Status.SERVER_ERROR),
    ],
)
def test_exceptions_map_to_statuses_by_the_most_specific_class(exc: BaseException, status: Status) -> None:
    assert classify_exception(exc)[0] == status


def test_only_failures_that_reached_nothing_raise_the_offline_question() -> None:
    assert is_unreachable(NameNotResolvedError("x", "y"))
    assert is_unreachable(httpx.ConnectError("refused"))
    assert not is_unreachable(_caused(httpx.ConnectError("x"), ssl.SSLError("tls")))
    assert not is_unreachable(httpx.ReadError("reset"))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),  # HTTP-date, 30 s after NOW
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),  # a date in the past: no wait
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def _page(status: int = 200, text: str = "", url: str = "https://ex.org/a/b", **kw: object) -> Sample:
    return Sample(url=url, status=status, reason="OK", text=text, content_type="text/html", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sample", "wall"),
    [
        (_page(403, headers=(("cf-mitigated", "challenge"),)), "Cloudflare challenge"),
        (_page(503, "<title>Just a moment...</title>"), "Cloudflare challenge"),
        (_page(403, "<p>Access Denied. Reference #18.abc https://errors.edgesuite.net/</p>"), "Akamai block"),
        (_page(200, "<script src=/_Incapsula_Resource?x></script>"), "Imperva (Incapsula) block"),
        (_page(200, headers=(("server", "AkamaiGHost"),)), None),  # Akamai serves normal pages too
        (_page(200, "<title>Report</title>"), None),
    ],
)
def test_bot_walls_are_recognised_by_their_markers(sample: Sample, wall: str | None) -> None:
    assert find_bot_wall(sample) == wall


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<title>Page not found – Ministry</title>", True),
        ("<title>404</title>", True),
        ("<title>Error 404 - Not Found</title>", True),
        ("<h1>Pagina niet gevonden</h1>", True),  # Dutch
        ("<title>Page introuvable</title>", True),  # French
        ("<title>Seite nicht gefunden</title>", True),  # German
        ("<title>Página no encontrada</title>", True),  # Spanish
        ("<title>Annual report 2024</title><p>error 404 explained</p>", False),  # body text is not enough
        ("<title>Room 4040 booking</title>", False),  # 404 as part of a number
    ],
)
def test_not_found_markers_are_read_from_title_and_heading(html: str, found: bool) -> None:
    assert (find_not_found_marker(html) is not None) is found


def test_pages_from_one_template_are_similar_whatever_path_they_echo() -> None:
    template = "<title>Shop</title><p>We could not find {} in our catalogue, browse our departments instead.</p>"
    a = _page(text=template.format("/reports/1"), url="https://ex.org/reports/1")
    b = _page(text=template.format("/refcheck-probe-x"), url="https://ex.org/refcheck-probe-x")
    other = _page(text="<title>Annual report</title><p>The committee met four times in 2024.</p>")
    assert is_similar_page(a, b)
    assert not is_similar_page(other, b)


@pytest.mark.parametrize(
    ("url", "deep"),
    [
        ("https://ex.org/", False),
        ("https://ex.org", False),
        ("https://ex.org/index.html", False),
        ("https://ex.org/a", True),
    ],
)
def test_deep_links_are_those_below_the_home_page(url: str, deep: bool) -> None:
    assert is_deep_link(url) is deep


def test_a_mixed_redirect_chain_is_not_a_permanent_move() -> None:
    chain = Chain(
        url="http://ex.org/a",
        hops=(
            Hop(status=301, url="http://ex.org/a", location="https://ex.org/a"),
            Hop(status=302, url="https://ex.org/a", location="https://ex.org/b"),
        ),
        final=_page(url="https://ex.org/b"),
    )
    assert classify_chain(chain)[0] == Status.ALIVE


@pytest.mark.parametrize(
    ("status", "retry"),
    [(503, True), (502, True), (429, True), (408, True), (404, False), (403, False), (500, True), (501, False)],
)
def test_which_answers_are_retried(status: int, retry: bool) -> None:
    assert is_retryable_chain(Chain(url="https://ex.org/a", final=_page(status))) is retry


def test_a_cloudflare_503_challenge_is_not_retried() -> None:
    wall = _page(503, "<title>Just a moment...</title>")
    assert not is_retryable_chain(Chain(url="https://ex.org/a", final=wall))
    assert classify_chain(Chain(url="https://ex.org/a", final=wall))[0] == Status.BLOCKED


@pytest.mark.parametrize(
    ("status", "registered", "expected"),
    [
        (Status.BLOCKED, True, Status.BLOCKED),
        (Status.SERVER_ERROR, True, Status.BLOCKED),  # registered: the publisher is the problem
        (Status.ALIVE, False, Status.BROKEN),  # a DOI nobody registered is not a source
        (Status.BROKEN, None, Status.BROKEN),  # no answer from the registry: keep the verdict
        (Status.BROKEN, True, Status.BROKEN),  # registered, but its landing page is gone
    ],
)
def test_the_doi_registry_answer_is_folded_into_the_verdict(
    status: Status, registered: bool | None, expected: Status
) -> None:
    assert combine_with_doi(status, "x", registered, "10.1/x")[0] == expected
