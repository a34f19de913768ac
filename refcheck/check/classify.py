"""Turn what fetching saw into a verdict with one sentence of evidence. Pure: no I/O.

A checker that cries wolf at every bot wall, or calls a "page not found" page alive,
is worse than none. So the rules live here, apart from the network code, where each
can be tested with a table: responses and failures in, ``(Status, evidence)`` out.

Exceptions are mapped to a status by one table, ``EXCEPTION_STATUS``, in which the most
specific class wins (the way httpx maps httpcore's exceptions): the whole cause chain
of an exception is searched, so an ``httpx.ConnectError`` caused by an
``ssl.SSLCertVerificationError`` is a ``tls-error``, not a refused connection.
"""

from __future__ import annotations

import email.utils
import html
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from refcheck.check.safety import NameNotResolvedError, RefusedAddressError
from refcheck.models import Status

#: Decoded bytes of a body kept for judging (markers, titles, probe comparison).
SAMPLE_BYTES = 64 * 1024
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECT_CODES = frozenset({301, 308})
#: Statuses worth asking again (RFC 9110: 408 and 429 invite a retry; 5xx may clear).
RETRYABLE_CODES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
#: Codes a server gives to HEAD when it does not support it properly: ask with GET.
HEAD_FALLBACK_CODES = frozenset({400, 403, 404, 405, 501})
BLOCKED_CODES = frozenset({401, 403, 407, 429, 451})
GONE_CODES = frozenset({404, 410})


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One HTTP response as far as judging needs it: status, headers, start of the body."""

    url: str
    status: int
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # names lower-cased, in order received
    content_type: str | None = None
    text: str = ""  # decoded start of the body, at most SAMPLE_BYTES
    length: int | None = None  # decoded bytes read, or Content-Length when nothing was read
    sha256: str | None = None  # of the whole decoded body, when it was read to the end
    cap_hit: str | None = None  # "body" or "decompressed" when a size cap stopped the read

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name`` (lower case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One redirect followed: the answer's status, and where it pointed."""

    status: int
    url: str
    location: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Chain:
    """What one attempt at a URL ended with, redirects followed.

    Exactly one of ``final`` (a response that is not a redirect), ``error`` (an
    exception) and ``stop`` (a redirect verdict: ``loop``, ``too-many``, ``unsafe``,
    ``no-location``) is set.
    """

    url: str
    hops: tuple[Hop, ...] = ()
    final: Sample | None = None
    error: BaseException | None = None
    stop: str | None = None
    stop_detail: str = ""


# Exception -> (status, evidence, retry?). Most specific first: the first row whose
# class matches anything in the exception's cause chain wins.
EXCEPTION_STATUS: tuple[tuple[type[BaseException], Status, str, bool], ...] = (
    (RefusedAddressError, Status.UNSAFE, "refused to connect", False),
    (NameNotResolvedError, Status.BROKEN, "no such host (DNS has no address for it)", False),
    (ssl.SSLCertVerificationError, Status.TLS_ERROR, "TLS certificate not trusted", False),
    (ssl.SSLError, Status.TLS_ERROR, "TLS handshake failed", False),
    (httpx.ConnectTimeout, Status.TIMEOUT, "connection timed out", True),
    (httpx.ReadTimeout, Status.TIMEOUT, "no answer within the timeout", True),
    (httpx.WriteTimeout, Status.TIMEOUT, "request could not be sent within the timeout", True),
    (httpx.PoolTimeout, Status.TIMEOUT, "no free connection within the timeout", True),
    (httpx.TimeoutException, Status.TIMEOUT, "timed out", True),
    (httpx.RemoteProtocolError, Status.SERVER_ERROR, "server broke the HTTP protocol or closed the connection", True),
    (httpx.ReadError, Status.SERVER_ERROR, "connection reset while reading the answer", True),
    (httpx.WriteError, Status.SERVER_ERROR, "connection reset while sending the request", True),
    (httpx.ConnectError, Status.BROKEN, "connection refused or host unreachable", True),
    (httpx.DecodingError, Status.SERVER_ERROR, "answer could not be decoded", False),
    (httpx.UnsupportedProtocol, Status.UNSAFE, "unsupported protocol", False),
    (httpx.InvalidURL, Status.BROKEN, "invalid URL", False),
    (httpx.HTTPError, Status.SERVER_ERROR, "HTTP error", True),
    (ConnectionError, Status.SERVER_ERROR, "connection failed", True),
    (OSError, Status.BROKEN, "network error", True),
)

#: Exceptions that mean no packet reached any server: the signal to ask the offline canary.
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (NameNotResolvedError, httpx.ConnectError, httpx.ConnectTimeout)


def _cause_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _exception_row(exc: BaseException) -> tuple[type[BaseException], Status, str, bool] | None:
    chain = list(_cause_chain(exc))
    for row in EXCEPTION_STATUS:
        if any(isinstance(e, row[0]) for e in chain):
            return row
    return None


def classify_exception(exc: BaseException) -> tuple[Status, str]:
    """Map a network failure to a status and evidence (``EXCEPTION_STATUS``)."""
    row = _exception_row(exc)
    if row is None:
        return Status.SERVER_ERROR, f"unexpected failure ({type(exc).__name__})"
    detail = str(exc) if isinstance(exc, RefusedAddressError | NameNotResolvedError) else ""
    sentence = row[2] + (f": {detail}" if detail else "")
    tls = next((e for e in _cause_chain(exc) if isinstance(e, ssl.SSLCertVerificationError)), None)
    if message := getattr(tls, "verify_message", None):
        sentence += f" ({message})"
    return row[1], sentence


def is_retryable_exception(exc: BaseException) -> bool:
    """Timeouts, resets and refused connections are retried; DNS failures, TLS and refusals are not."""
    row = _exception_row(exc)
    return row is not None and row[3]


def is_unreachable(exc: BaseException) -> bool:
    """True when ``exc`` means nothing answered at all (the run may be offline)."""
    chain = list(_cause_chain(exc))
    if any(isinstance(e, ssl.SSLError | RefusedAddressError) for e in chain):
        return False
    return any(isinstance(e, UNREACHABLE_ERRORS) for e in chain)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


# Bot walls: (name, markers). A marker is a lower-case substring of a header line
# ("name: value") or of the body sample; any marker names the wall.
BOT_WALLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Cloudflare challenge",
        (
            "cf-mitigated: challenge",  # the header Cloudflare sets on every challenge
            "/cdn-cgi/challenge-platform/",  # the challenge script's path
            "challenges.cloudflare.com",  # Turnstile
            "<title>just a moment...</title>",  # the interstitial's title
            "attention required! | cloudflare",  # the block page's title
            "cf-browser-verification",  # older challenge pages
        ),
    ),
    ("Akamai block", ("errors.edgesuite.net", "server: akamaighost")),
    ("Imperva (Incapsula) block", ("_incapsula_resource", "incapsula incident id")),
    ("DataDome captcha", ("captcha-delivery.com", "x-datadome:")),
    ("PerimeterX captcha", ("px-captcha", "_pxcaptcha", "perimeterx")),
    ("Sucuri firewall", ("sucuri website firewall",)),
    ("AWS WAF challenge", ("x-amzn-waf-action:", "awswafintegration")),
    ("DDoS-Guard check", ("ddos-guard",)),
)


def find_bot_wall(sample: Sample) -> str | None:
    """Name the bot wall ``sample`` shows (Cloudflare, Akamai, ...), or None."""
    head = "\n".join(f"{k}: {v}" for k, v in sample.headers).lower()
    body = sample.text[:SAMPLE_BYTES].lower()
    for name, markers in BOT_WALLS:
        for marker in markers:
            if marker in head or marker in body:
                # Akamai's Server header is on every page it serves: only a refusal counts.
                if marker == "server: akamaighost" and sample.status < 400:
                    continue
                return name
    return None


# "Page not found" in a title or first heading, in the languages the corpus cites.
NOT_FOUND_MARKERS = re.compile(
    r"""(?ix)
    \b404\b                                   # "404", "Error 404", "404 - Not Found"
    | page\s+not\s+found | not\s+found         # English
    | (?:page|file)\s+(?:does\s+not|doesn't)\s+exist
    | page\s+(?:cannot|can't)\s+be\s+found
    | page\s+introuvable | page\s+non\s+trouv[ée]e | page\s+inexistante   # French
    | la\s+page\s+demand[ée]e\s+n'existe\s+pas
    | pagina\s+niet\s+gevonden | pagina\s+bestaat\s+niet | niet\s+gevonden  # Dutch
    | seite\s+nicht\s+gefunden | nicht\s+gefunden       # German
    | p[áa]gina\s+no\s+encontrada | no\s+se\s+encontr[óo]  # Spanish
    | pagina\s+non\s+trovata                          # Italian
    | p[áa]gina\s+n[ãa]o\s+encontrada                 # Portuguese
    | страница\s+не\s+найдена                         # Russian
    """
)
_TITLE = re.compile(r"(?is)<title[^>]*>(.*?)</title>")
_H1 = re.compile(r"(?is)<h1[^>]*>(.*?)</h1>")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+")


def _strip(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def page_title(text: str) -> str:
    """Return the text of the page's ``<title>``, or '' when there is none."""
    m = _TITLE.search(text)
    return _strip(m.group(1)) if m else ""


def find_not_found_marker(text: str) -> str | None:
    """Return the title or first heading when it says "page not found" (in any language known)."""
    for pattern in (_TITLE, _H1):
        m = pattern.search(text)
        if m and NOT_FOUND_MARKERS.search(heading := _strip(m.group(1))):
            return heading
    return None


def _shingles(text: str, drop: tuple[str, ...]) -> set[tuple[str, ...]]:
    for word in drop:
        text = text.replace(word, " ")
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def is_similar_page(page: Sample, probe: Sample) -> bool:
    """True when two answers are the same template (a catch-all "not found" page).

    Word 3-gram Jaccard similarity of at least 0.9, after removing each page's own path
    (catch-all pages often echo the path asked for). Linear in the sample size, unlike
    difflib, because this runs on every 200 from a host that answers made-up paths.
    """
    drop = tuple(p for p in (urlsplit(page.url).path, urlsplit(probe.url).path) if len(p) > 1)
    a, b = _shingles(page.text, drop), _shingles(probe.text, drop)
    if not a and not b:
        return page.content_type == probe.content_type
    return len(a & b) / len(a | b) >= 0.9


def is_deep_link(url: str) -> bool:
    """True when ``url`` points below a site's home page (not ``/``, ``/index.html``)."""
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    return bool(segments) and not (len(segments) == 1 and re.fullmatch(r"(?i)index\.\w+|default\.\w+", segments[0]))


def _same_site(a: str, b: str) -> bool:
    ha, hb = urlsplit(a).hostname or "", urlsplit(b).hostname or ""
    return ha.removeprefix("www.") == hb.removeprefix("www.")


def _is_textual(content_type: str | None) -> bool:
    if not content_type:
        return True
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind in ("application/xhtml+xml", "application/xml")


def needs_probe(url: str, sample: Sample) -> bool:
    """True when a 2xx answer could be a soft 404 that only a random-path probe can reveal."""
    return 200 <= sample.status < 300 and is_deep_link(url) and _is_textual(sample.content_type) and bool(sample.text)


def _size(sample: Sample) -> str:
    kind = (sample.content_type or "no content type").split(";", 1)[0].strip()
    if sample.length is None:
        return kind
    if sample.length >= 1024 * 1024:
        return f"{kind}, {sample.length / 1024 / 1024:.1f} MB"
    if sample.length >= 1024:
        return f"{kind}, {sample.length / 1024:.0f} kB"
    return f"{kind}, {sample.length} bytes"


def _via(hops: tuple[Hop, ...]) -> str:
    if not hops:
        return ""
    return f" after {len(hops)} redirect{'s' if len(hops) > 1 else ''}"


def is_permanent_move(chain: Chain) -> bool:
    """True when the chain moved permanently: every hop is 301/308 (a temporary hop makes the new URL unreliable)."""
    return bool(chain.hops) and all(h.status in PERMANENT_REDIRECT_CODES for h in chain.hops)


def classify_chain(chain: Chain, *, attempts: int = 1, probe: Sample | None = None) -> tuple[Status, str]:
    """Judge the last attempt at a reference's URL.

    Args:
        chain: the attempt, redirects followed.
        attempts: how many attempts were made (for the evidence of persistent failures).
        probe: the same host's answer to a random path that cannot exist, when fetched.

    Returns:
        The status and one sentence of evidence.
    """
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    if chain.error is not None:
        status, sentence = classify_exception(chain.error)
        where = f" at {chain.hops[-1].location}" if chain.hops else ""
        return status, f"{sentence}{where}{tries}"
    if chain.stop is not None:
        return _classify_stop(chain)
    sample = chain.final
    assert sample is not None, "a Chain has a final answer, an error or a stop"
    code = f"{sample.status} {sample.reason}".strip()
    wall = find_bot_wall(sample)
    if wall is not None and sample.status not in GONE_CODES:
        return Status.BLOCKED, f"{wall} answered {code}{_via(chain.hops)}: unverifiable, not dead"
    if 200 <= sample.status < 300:
        return _classify_success(chain, sample, probe)
    if sample.status in GONE_CODES:
        where = f"{_via(chain.hops)} to {sample.url}" if chain.hops else ""
        return Status.BROKEN, f"{code}{where}"
    if sample.status == 429:
        return Status.BLOCKED, f"429 Too Many Requests did not clear{tries}: unverifiable, not dead"
    if sample.status in BLOCKED_CODES:
        return Status.BLOCKED, f"{code}{_via(chain.hops)}: access refused to robots, unverifiable, not dead"
    if sample.status >= 500 or sample.status == 408:
        return Status.SERVER_ERROR, f"{code}{tries}"
    if sample.status in REDIRECT_CODES:
        return Status.BROKEN, f"{code} without a Location header"
    return Status.BROKEN, f"{code}{_via(chain.hops)}"


def _classify_stop(chain: Chain) -> tuple[Status, str]:
    if chain.stop == "unsafe":
        return Status.UNSAFE, f"redirect to {chain.stop_detail}"
    if chain.stop == "loop":
        path = " -> ".join([chain.url, *(h.location for h in chain.hops)])
        return Status.BROKEN, f"redirect loop: {path}"
    if chain.stop == "too-many":
        return Status.BROKEN, f"more than {len(chain.hops) - 1} redirects (last: {chain.hops[-1].location})"
    return Status.BROKEN, f"redirect without a usable Location ({chain.stop_detail})"


def _classify_success(chain: Chain, sample: Sample, probe: Sample | None) -> tuple[Status, str]:
    code = f"{sample.status} {sample.reason}".strip()
    if chain.hops and is_deep_link(chain.url) and not is_deep_link(sample.url) and _same_site(chain.url, sample.url):
        return Status.SOFT_404, f"deep link redirected to the site's home page {sample.url}"
    if (marker := find_not_found_marker(sample.text)) is not None:
        return Status.SOFT_404, f"{code} but the page says {marker!r}"
    if probe is not None and 200 <= probe.status < 300:
        same_place = bool(chain.hops) and probe.url == sample.url
        if same_place or is_similar_page(sample, probe):
            return Status.SOFT_404, f"{code}, but the host gives the same page for a path that cannot exist"
    if urlsplit(chain.url).path.lower().endswith(".pdf") and "html" in (sample.content_type or "").lower():
        return Status.SOFT_404, f"cited as a PDF but answered with an HTML page ({_size(sample)})"
    note = ""
    if sample.cap_hit == "body":
        note = "; body larger than the size cap, read stopped there"
    elif sample.cap_hit == "decompressed":
        note = "; decompressed body larger than the size cap (compression bomb?), read stopped there"
    if is_permanent_move(chain):
        first = chain.hops[0].status
        return Status.REDIRECTED, f"moved permanently ({first}) to {sample.url}, which answers {code}{note}"
    return Status.ALIVE, f"{code} ({_size(sample)}){_via(chain.hops)}{note}"


def is_retryable_chain(chain: Chain) -> bool:
    """True when another attempt may give a different answer (timeouts, resets, 408, 429, 5xx)."""
    if chain.error is not None:
        return is_retryable_exception(chain.error)
    if chain.final is None:
        return False
    if chain.final.status not in RETRYABLE_CODES:
        return False
    # A bot wall does not clear by asking again; a 429 is retried even behind one.
    return chain.final.status == 429 or find_bot_wall(chain.final) is None


def combine_with_doi(status: Status, evidence: str, registered: bool | None, doi: str) -> tuple[Status, str]:
    """Fold the DOI registry's answer into a verdict on the publisher's page.

    A registered DOI whose publisher refuses robots (403, challenge, 429) is blocked, not
    dead; a DOI the registry does not know is broken whatever the publisher says.
    """
    if registered is None:
        return status, evidence
    if not registered:
        return Status.BROKEN, f"DOI {doi} is not registered (handle API); {evidence}"
    if status in (Status.BLOCKED, Status.SERVER_ERROR, Status.TIMEOUT, Status.TLS_ERROR):
        return Status.BLOCKED, f"DOI {doi} is registered (handle API); publisher: {evidence}"
    return status, evidence
