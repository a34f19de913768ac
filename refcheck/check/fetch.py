"""Fetch one reference honestly: redirects by hand, HEAD falling back to GET, retries.

Everything that touches the network for a check lives here (plain ``http://`` exchanges
go through the lean client of ``_http1.py``, the rest through httpx); what the answers
mean is decided in ``classify.py``. Retries use tenacity (exponential backoff with
jitter, or the server's ``Retry-After`` up to a cap), and every wait happens with no
slot held: the reference steps out of the run's admission while it sleeps, which lets
another one in instead of parking a worker, and once awake its request is served before
fresh ones (``ratelimit.Slots``). A network failure is never raised: it becomes an
``Attempt`` and, in the end, a ``CheckResult``.
"""

from __future__ import annotations

import asyncio
import email.message
import functools
import json
import re
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import quote, urlsplit

import httpcore
import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt, wait_exponential, wait_random

from refcheck import __version__
from refcheck.check._body import Body, read_body
from refcheck.check._http1 import PlainPool, PlainTarget, plain_target
from refcheck.check._types import CheckOutcome
from refcheck.check.canary import NetworkMonitor, probe_canaries
from refcheck.check.classify import (
    HEAD_FALLBACK_CODES,
    REDIRECT_CODES,
    Chain,
    Hop,
    Sample,
    classify_chain,
    combine_with_doi,
    is_permanent_move,
    is_retryable_chain,
    is_unreachable,
    needs_probe,
    parse_retry_after,
)
from refcheck.check.ratelimit import Admission, Limiter
from refcheck.check.safety import AddressGuard, GuardedBackend, RefusedAddressError, Resolver, refuse_reason
from refcheck.config import CheckPolicy
from refcheck.models import Attempt, Capture, CheckResult, Reference, Status

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
ClientFactory = Callable[[CheckPolicy], httpx.AsyncClient]

#: Says what we accept; no "br": only encodings we can decompress under a cap.
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate"
#: An exchange that trickles its body may not hold a slot past this many timeouts.
EXCHANGE_DEADLINE_FACTOR = 3
BACKOFF_MAX_S = 30.0


def utc_now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class _RefuseCookies(DefaultCookiePolicy):
    """The client-wide jar stores nothing: cookies live in one check's own jar only."""

    def set_ok(self, cookie: object, request: object) -> bool:
        return False


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with ``GuardedBackend`` as its network backend.

    httpx does not take a network backend, so the connection pool it would build is
    replaced by one built the same way with the guard in it (httpx's own tests and
    several clients do the same).
    """

    def __init__(
        self,
        *,
        backend: GuardedBackend,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
        http2: bool = True,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=backend,
        )


class HostPoolTransport(httpx.AsyncBaseTransport):
    """One small connection pool per origin instead of one large pool for the run.

    httpcore matches queued requests to connections by scanning every connection of the
    pool for every request, which grows with the square of the pool's size: with 128
    slots over 20 hosts, that scan took most of a run's CPU (measured with cProfile on
    bench/linkbench). A pool per origin, sized to the host's concurrency, keeps each scan
    to a handful of connections. Idle connections still expire after keep-alive.
    """

    def __init__(self, make_pool: Callable[[str], httpx.AsyncBaseTransport]) -> None:
        self._make_pool = make_pool
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = self._make_pool(url.host)
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def user_agent(policy: CheckPolicy) -> str:
    """The User-Agent header: the policy's, with ``{version}`` filled in."""
    return policy.user_agent.replace("{version}", __version__)


class CheckClient(httpx.AsyncClient):
    """The run's httpx client, carrying the lean client for plain ``http://`` exchanges.

    ``plain`` shares the guarded backend (so the address guard judges its connections
    too); a client built elsewhere (tests' mock transports) has none, and every exchange
    then goes through httpx.
    """

    def __init__(self, *, plain: PlainPool | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plain = plain

    async def aclose(self) -> None:
        if self.plain is not None:
            await self.plain.aclose()
        await super().aclose()

    async def __aexit__(self, *exc_info: Any) -> None:
        # httpx's __aexit__ closes its transports without calling aclose
        if self.plain is not None:
            await self.plain.aclose()
        await super().__aexit__(*exc_info)


def make_client(
    policy: CheckPolicy, *, resolver: Resolver | None = None, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncClient:
    """Build the one client a run shares: guarded transport, pool sized to the concurrency.

    Args:
        policy: limits, timeout, user agent and the address guard's settings.
        resolver: resolve host names (default: the system's getaddrinfo); tests map names here.
        verify: TLS verification: True (system CAs via certifi), False, or an SSL context.

    Returns:
        An ``httpx.AsyncClient`` that follows no redirects and keeps no cookies of its own,
        with a ``PlainPool`` for the plain ``http://`` exchanges (see ``_http1.py``).
    """
    guard = AddressGuard.from_lists(allow_private=policy.allow_private, allowed=policy.allowed_addresses)
    backend = GuardedBackend(guard, resolver)
    # One context for every pool: loading the CA bundle is the slow part of making one.
    context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)

    def make_pool(host: str) -> httpx.AsyncBaseTransport:
        # Probes and DOI look-ups pass through the same host gate, so the gate's limit
        # bounds this pool; one spare connection covers a closing one being replaced.
        size = (policy.host(host.lower()).concurrency or policy.host_concurrency) + 1
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        return GuardedTransport(backend=backend, ssl_context=context, limits=limits)

    headers = {
        "User-Agent": user_agent(policy),
        "Accept": ACCEPT,
        "Accept-Encoding": ACCEPT_ENCODING,
        "Accept-Language": "en;q=0.9, fr;q=0.8, nl;q=0.8, *;q=0.5",
    }
    client = CheckClient(
        plain=None,
        transport=HostPoolTransport(make_pool),
        timeout=httpx.Timeout(policy.timeout_s or None),
        follow_redirects=False,
        trust_env=False,
        cookies=httpx.Cookies(CookieJar(policy=_RefuseCookies())),
        headers=headers,
    )
    # The same header lines, in the same order, as httpx sends with this client.
    client.plain = PlainPool(
        backend,
        headers=client.headers.raw,
        timeout=policy.timeout_s or None,
        max_idle=max([policy.host_concurrency, *(h.concurrency or 0 for _, h in policy.hosts)]) + 1,
    )
    return client


@dataclass(frozen=True, slots=True, kw_only=True)
class _Try:
    """One attempt (redirects followed), and what else it produced."""

    chain: Chain
    capture: Capture | None = None
    offline: bool = False
    retry_after_s: float | None = None


@functools.lru_cache(maxsize=256)
def _charset(content_type: str) -> str | None:
    """The charset a Content-Type names, parsed as httpx parses it (cached: few distinct values)."""
    msg = email.message.Message()
    msg["content-type"] = content_type
    return msg.get_content_charset(failobj=None)


def _text_of(sample: bytes, content_type: str | None) -> str:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind and not (kind.startswith("text/") or "xml" in kind or "json" in kind):
        return ""
    try:
        return sample.decode((content_type and _charset(content_type)) or "utf-8", errors="replace")
    except LookupError:
        return sample.decode("utf-8", errors="replace")


def _sample(url: str, status: int, reason: str, headers: tuple[tuple[str, str], ...], body: Body | None) -> Sample:
    """What judging needs of one answer; ``headers`` with lower-case names."""
    content_type = None
    declared = None
    for key, value in headers:
        if key == "content-type" and content_type is None:
            content_type = value
        elif key == "content-length" and declared is None:
            declared = value
    ok = 200 <= status < 300
    length = body.length if body is not None else None
    if length is None or (body is not None and body.length == 0 and not ok):
        length = int(declared) if declared and declared.isdigit() else length
    return Sample(
        url=url,
        status=status,
        reason=reason,
        headers=headers,
        content_type=content_type,
        text=_text_of(body.sample, content_type) if body is not None else "",
        length=length,
        sha256=body.sha256 if body is not None else None,
        cap_hit=body.cap_hit if body is not None else None,
    )


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    addr = stream.get_extra_info("server_addr")
    return str(addr[0]) if isinstance(addr, tuple) and addr else None


def _headers(raw: Sequence[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


def _cookie_state(jar: httpx.Cookies) -> frozenset[tuple[str, str, str, str | None]]:
    return frozenset((c.domain, c.path, c.name, c.value) for c in jar.jar)


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


class Checker:
    """Checks references for one run: shares the client, limits, probes and canary state."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        policy: CheckPolicy,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        capture: bool = False,
        admission: Admission | None = None,
    ) -> None:
        self._client = client
        self._plain = client.plain if isinstance(client, CheckClient) else None
        self._policy = policy
        self._clock = clock
        self._sleep = sleep
        self._capture = capture
        self.admission = admission or Admission(policy.concurrency * 2)
        self.limiter = Limiter(policy, sleep=sleep)
        self.monitor = NetworkMonitor(lambda: probe_canaries(client, policy.offline_canaries))
        self._probes: dict[str, asyncio.Task[Sample | None]] = {}
        self._exclude = tuple(re.compile(p) for p in policy.exclude)
        # backoff, 2*backoff, 4*backoff... plus up to one backoff of jitter, so that the
        # retries of references that failed together do not arrive together
        base = policy.retry_backoff_s
        self._backoff = wait_exponential(multiplier=base, max=BACKOFF_MAX_S) + wait_random(0, base)

    async def check(self, reference: Reference) -> CheckOutcome:
        """Check one reference; never raises for anything the network does."""
        started = self._clock()
        t0 = time.perf_counter()

        def done(status: Status, evidence: str, **fields: object) -> CheckOutcome:
            result = CheckResult(
                key=reference.key,
                url=reference.url or "",
                checked_at=started,
                status=status,
                evidence=evidence,
                elapsed_s=round(time.perf_counter() - t0, 4),
                **fields,  # type: ignore[arg-type]
            )
            return CheckOutcome(result=result)

        url = reference.url
        if not url:
            return done(Status.UNRESOLVED, "no URL to check: needs an editor")
        for pattern in self._exclude:
            if pattern.search(url):
                return done(Status.EXCLUDED, f"excluded by configuration (pattern {pattern.pattern!r})")
        if reason := refuse_reason(url, self._policy.allow_private, allowed=self._policy.allowed_addresses):
            return done(Status.UNSAFE, f"not fetched: {reason}")
        if self.monitor.offline:
            return done(Status.OFFLINE, "offline: nothing could be reached, so nothing was judged")
        attempts: list[Attempt] = []
        last, tries = await self._retrying(url, attempts)
        chain = last.chain
        if last.offline:
            return done(
                Status.OFFLINE,
                "offline: neither this source nor any canary could be reached, so nothing was judged",
                attempts=tuple(attempts),
            )
        probe = None
        final = chain.final
        if final is not None and needs_probe(url, final):
            probe = await self._probe(final.url)
        status, evidence = classify_chain(chain, attempts=tries, probe=probe)
        if reference.key.startswith("doi:"):
            doi = reference.key.removeprefix("doi:")
            registered = await self._doi_registered(doi, attempts)
            status, evidence = combine_with_doi(status, evidence, registered, doi)
        outcome = done(
            status,
            evidence,
            http_status=final.status if final else None,
            redirects=tuple(h.location for h in chain.hops),
            permanent_redirect=is_permanent_move(chain),
            final_url=final.url if final else None,
            content_type=final.content_type if final else None,
            length=final.length if final else None,
            sha256=final.sha256 if final else None,
            attempts=tuple(attempts),
        )
        return replace(outcome, capture=last.capture)

    async def _retrying(self, url: str, attempts: list[Attempt]) -> tuple[_Try, int]:
        def wait(state: RetryCallState) -> float:
            assert state.outcome is not None
            last: _Try = state.outcome.result()
            if last.retry_after_s is not None:
                return last.retry_after_s
            return float(self._backoff(state))

        def again(last: _Try) -> bool:
            if last.offline or not is_retryable_chain(last.chain):
                return False
            # A Retry-After beyond the cap is a "not today": stop, the verdict says blocked.
            return last.retry_after_s is None or last.retry_after_s <= self._policy.retry_after_cap_s

        count = [0]
        first = await self._attempt(url, attempts, count)
        if self._policy.retries == 0 or not again(first):
            return first, 1  # most references: no retry state to build
        # tenacity takes over from the first attempt's result, which it is handed as its
        # own first call, so the schedule (attempt numbers, waits, stop) is unchanged.
        pending = [first]

        async def attempt() -> _Try:
            if pending:
                return pending.pop()
            return await self._attempt(url, attempts, count)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.retries + 1),
            wait=wait,
            retry=retry_if_result(again),
            sleep=self._sleep_stepping_out,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        result: _Try = await retrying(attempt)
        return result, count[0]

    async def _sleep_stepping_out(self, seconds: float) -> None:
        await self.admission.pause()
        try:
            await self._sleep(seconds)
        finally:
            self.admission.resume()

    async def _attempt(self, url: str, attempts: list[Attempt], count: list[int]) -> _Try:
        count[0] += 1
        method = (self._policy.host(urlsplit(url).hostname or "").method or self._policy.method).upper()
        jar = httpx.Cookies()  # cookies live for one attempt's redirect chain (cookie-check redirects)
        chain, capture = await self._follow(url, method, jar, attempts, keep=self._capture, urgent=count[0] > 1)
        if method == "HEAD" and chain.final is not None and chain.final.status in HEAD_FALLBACK_CODES:
            chain, capture = await self._follow(url, "GET", jar, attempts, keep=self._capture, urgent=True)
        error = chain.error
        if chain.final is not None or chain.hops or (error is not None and not is_unreachable(error)):
            if not isinstance(error, RefusedAddressError):
                self.monitor.saw_answer()
        elif error is not None and await self.monitor.is_offline():
            return _Try(chain=chain, offline=True)
        retry_after = None
        if chain.final is not None and chain.final.status in (429, 503):
            retry_after = parse_retry_after(chain.final.header("retry-after"), self._clock())
        return _Try(chain=chain, capture=capture, retry_after_s=retry_after)

    async def _follow(
        self, url: str, method: str, jar: httpx.Cookies, attempts: list[Attempt], *, keep: bool, urgent: bool = True
    ) -> tuple[Chain, Capture | None]:
        """Follow redirects by hand from ``url``, recording each hop; bounded by max_redirects.

        Only a reference's very first request waits behind the others (``urgent`` False);
        its later hops and attempts are served first (see ``ratelimit.Slots``).
        """
        hops: list[Hop] = []
        # A redirect back to the same URL with a new cookie is a cookie check, not a loop.
        visited = {(url, _cookie_state(jar))}
        current = url
        while True:
            sample, error, capture = await self._exchange(method, current, jar, attempts, keep=keep, urgent=urgent)
            urgent = True
            if error is not None:
                return Chain(url=url, hops=tuple(hops), error=error), None
            assert sample is not None
            location = sample.header("location")
            if sample.status not in REDIRECT_CODES or not location:
                return Chain(url=url, hops=tuple(hops), final=sample), capture
            try:
                target = str(httpx.URL(current).join(location.strip()).copy_with(fragment=None))
            except (httpx.InvalidURL, ValueError) as exc:
                return Chain(url=url, hops=tuple(hops), stop="no-location", stop_detail=str(exc)), None
            hops.append(Hop(status=sample.status, url=current, location=target))
            allowed = self._policy.allowed_addresses
            if reason := refuse_reason(target, self._policy.allow_private, allowed=allowed):
                detail = f"{target} refused: {reason}"
                return Chain(url=url, hops=tuple(hops), stop="unsafe", stop_detail=detail), None
            if (target, _cookie_state(jar)) in visited:
                return Chain(url=url, hops=tuple(hops), stop="loop"), None
            if len(hops) > self._policy.max_redirects:
                return Chain(url=url, hops=tuple(hops), stop="too-many"), None
            visited.add((target, _cookie_state(jar)))
            current = target
            if sample.status == 303 or (sample.status in (301, 302) and method == "POST"):
                method = "GET"  # RFC 9110 15.4.4: a 303 is followed with GET

    async def _exchange(
        self, method: str, url: str, jar: httpx.Cookies, attempts: list[Attempt], *, keep: bool, urgent: bool = True
    ) -> tuple[Sample | None, BaseException | None, Capture | None]:
        """Make one request and read what judging needs; record it as an Attempt."""
        at = self._clock()
        t0 = time.perf_counter()
        host = (urlsplit(url).hostname or "").lower()
        sample: Sample | None = None
        capture: Capture | None = None
        error: BaseException | None = None
        try:
            plain = self._plain_target(url, jar, keep=keep)
            request = None
            if plain is None:
                request = self._client.build_request(method, url)
                jar.set_cookie_header(request)
            async with self.limiter.slot(host, urgent=urgent) as gate:
                deadline = (self._policy.timeout_s or 0) * EXCHANGE_DEADLINE_FACTOR or None
                try:
                    async with asyncio.timeout(deadline):
                        if request is None:
                            assert plain is not None
                            sample = await self._send_plain(method, url, plain, jar)
                        else:
                            sample, capture = await self._send(request, jar, keep=keep)
                except TimeoutError:
                    raise httpx.ReadTimeout(f"no complete answer within {deadline:g} s") from None
                gate.answered(sample.status)
        except Exception as exc:  # network failure is data: any exception of an exchange is evidence
            error = exc
        attempts.append(
            Attempt(
                at=at,
                method=method,
                url=url,
                http_status=sample.status if sample else None,
                error=_error_text(error) if error else None,
                elapsed_s=round(time.perf_counter() - t0, 4),
            )
        )
        return sample, error, capture

    def _plain_target(self, url: str, jar: httpx.Cookies, *, keep: bool) -> PlainTarget | None:
        """Where the lean client sends ``url``, or None when httpx must (see ``_http1.py``)."""
        if self._plain is None or keep or jar:
            return None
        return plain_target(url)

    async def _send_plain(self, method: str, url: str, target: PlainTarget, jar: httpx.Cookies) -> Sample:
        assert self._plain is not None
        response = await self._plain.request(method, target)
        head = response.head
        try:
            if head.get("set-cookie") is not None:
                # Rare (cookie-check redirects): let httpx's jar parse the cookies, so the
                # next hop sends them, through httpx.
                fake = httpx.Response(head.status, headers=list(head.headers), request=httpx.Request(method, url))
                jar.extract_cookies(fake)
            status = head.status
            body = None
            if method != "HEAD" and status not in REDIRECT_CODES:
                body = await read_body(
                    response.aiter_raw(),
                    content_encoding=head.get("content-encoding") or "",
                    max_bytes=self._policy.max_body_bytes,
                    whole=200 <= status < 300,
                    keep_raw=False,
                )
        finally:
            await response.aclose()
        return _sample(url, status, head.reason, head.headers, body)

    async def _send(self, request: httpx.Request, jar: httpx.Cookies, *, keep: bool) -> tuple[Sample, Capture | None]:
        response = await self._client.send(request, stream=True)
        try:
            jar.extract_cookies(response)
            status = response.status_code
            ok = 200 <= status < 300
            body_wanted = request.method != "HEAD" and status not in REDIRECT_CODES
            keep_raw = keep and ok and body_wanted
            body = None
            if body_wanted:
                body = await read_body(
                    response.aiter_raw(),
                    content_encoding=response.headers.get("content-encoding", ""),
                    max_bytes=self._policy.max_body_bytes,
                    whole=ok,
                    keep_raw=keep_raw,
                )
            ip = _peer_ip(response) if keep_raw else None
        finally:
            await response.aclose()  # closing early drops the connection: cheaper than reading on
        headers = tuple((k.lower(), v) for k, v in _headers(response.headers.raw))
        sample = _sample(str(request.url), status, response.reason_phrase, headers, body)
        capture = None
        if keep_raw and body is not None and body.raw is not None:
            capture = Capture(
                url=str(request.url),
                method=request.method,
                request_headers=_headers(request.headers.raw),
                http_version=response.http_version,
                status=status,
                reason=response.reason_phrase,
                response_headers=_headers(response.headers.raw),
                body=body.raw,
                ip=ip,
                captured_at=self._clock(),
                truncated=body.cap_hit is not None,
            )
        return sample, capture

    async def _probe(self, url: str) -> Sample | None:
        """The host's answer to a path that cannot exist; asked once per origin per run."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._probes.get(origin)
        if task is None:
            target = f"{origin}/refcheck-probe-{secrets.token_hex(8)}/does-not-exist"

            async def ask() -> Sample | None:
                chain, _ = await self._follow(target, "GET", httpx.Cookies(), [], keep=False)
                return chain.final

            task = asyncio.ensure_future(ask())
            self._probes[origin] = task
        return await asyncio.shield(task)

    async def _doi_registered(self, doi: str, attempts: list[Attempt]) -> bool | None:
        """Ask the DOI handle API whether ``doi`` is registered (None: no clear answer)."""
        api = self._policy.doi_handle_api.replace("{doi}", quote(doi, safe="/"))
        if refuse_reason(api, self._policy.allow_private, allowed=self._policy.allowed_addresses):
            return None
        request_attempts: list[Attempt] = []
        sample, error, _ = await self._exchange("GET", api, httpx.Cookies(), request_attempts, keep=False)
        attempts.extend(request_attempts)
        if error is not None or sample is None:
            return None
        try:
            code = json.loads(sample.text).get("responseCode") if sample.text else None
        except (ValueError, AttributeError):
            code = None
        # Handle API response codes: 1 found, 100 handle not found (also answered with HTTP 404).
        if code == 1 and sample.status == 200:
            return True
        if code == 100 or sample.status == 404:
            return False
        return None
