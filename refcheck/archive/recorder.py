"""Keep the exchanges of a cited URL's redirect chain as they go over the wire, for the WARC.

The checker follows redirects by hand and keeps only the final 2xx exchange, but replay
of a cited URL that moved needs every hop: pywb finds the cited URL's ``301``, follows
its ``Location`` to the next record, and so on to the page. So the archive listens on the
checker's own client (an httpx response hook added by ``client_factory``): nothing is
fetched twice, every hop kept went through the checker's address guard, limits and
timeouts, and the redirect bodies kept are capped.

The check stage sends every exchange through httpx when captures are asked for
(``capture=True``), which is how the archive stage always runs it; only then are all hops
seen. Only exchanges on the chain of a URL being checked are kept (never probes, canaries
or DOI look-ups), and only until ``claim`` hands them over, so what is held follows the
sources in flight, not the sources of the run. ``keep_finals`` also keeps the final 2xx
exchange (copied as the checker reads it), for callers that see results but not outcomes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import httpx

from refcheck.archive.drift import response_header
from refcheck.check.classify import REDIRECT_CODES
from refcheck.check.fetch import ClientFactory, Clock, _headers, _peer_ip, make_client
from refcheck.config import CheckPolicy
from refcheck.models import Capture, CheckResult, Reference

#: Redirect bodies are a line of HTML at most; a larger one is cut (and marked truncated).
MAX_HOP_BODY_BYTES = 64 * 1024
#: The checker never waits for a redirect's body, so neither does the archive for long.
MAX_HOP_BODY_WAIT_S = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureChain:
    """What the archive keeps of one checked source: its redirect hops in order, then the page."""

    hops: tuple[Capture, ...] = ()
    final: Capture | None = None


def normal_url(url: str) -> str:
    """``url`` as httpx sends it (the form the checker's requests and redirects carry)."""
    try:
        return str(httpx.URL(url))
    except (httpx.InvalidURL, ValueError):
        return url


def redirect_target(url: str, location: str | None) -> str | None:
    """Where a redirect from ``url`` leads, resolved as the checker resolves it."""
    if not location:
        return None
    try:
        return str(httpx.URL(url).join(location.strip()).copy_with(fragment=None))
    except (httpx.InvalidURL, ValueError):
        return None


def chain_urls(result: CheckResult) -> tuple[str, ...]:
    """The URLs a result's final attempt asked, in order: the cited URL, then each redirect."""
    return (normal_url(result.url), *result.redirects)


def select_chain(result: CheckResult, hops: dict[str, Capture], finals: dict[str, Capture]) -> CaptureChain:
    """The kept exchanges that make up ``result``'s final attempt (nothing if it did not end in 2xx).

    A hop kept from an earlier attempt that went elsewhere is not taken: each hop must
    redirect to the next URL of the chain the checker judged.
    """
    urls = chain_urls(result)
    status = result.http_status
    final = finals.get(urls[-1])
    if status is None or not 200 <= status < 300 or final is None or final.status != status:
        final = None
    taken = []
    for here, there in zip(urls, urls[1:], strict=False):
        hop = hops.get(here)
        if hop is None or redirect_target(hop.url, response_header(hop, "location")) != there:
            break  # an incomplete chain still helps replay up to where it stops
        taken.append(hop)
    return CaptureChain(hops=tuple(taken), final=final)


def capture_of(response: httpx.Response, body: bytes, *, truncated: bool, ip: str | None, at: datetime) -> Capture:
    """An exchange as it went over the wire: request and response headers as sent and received."""
    request = response.request
    return Capture(
        url=str(request.url),
        method=request.method,
        request_headers=_headers(request.headers.raw),
        http_version=response.http_version,
        status=response.status_code,
        reason=response.reason_phrase,
        response_headers=_headers(response.headers.raw),
        body=body,
        ip=ip,
        captured_at=at,
        truncated=truncated,
    )


async def read_capped(response: httpx.Response, max_bytes: int, wait_s: float) -> tuple[bytes, bool]:
    """Read at most ``max_bytes`` of a body within ``wait_s``; return it and whether it was cut."""
    parts: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(wait_s):
            async for chunk in response.aiter_raw():
                parts.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    return b"".join(parts)[:max_bytes], True
    except (TimeoutError, httpx.HTTPError):
        return b"".join(parts), True
    return b"".join(parts), False


class _CopyingStream(httpx.AsyncByteStream):
    """The response's raw stream, copied (up to a cap) as the checker reads it."""

    def __init__(self, inner: httpx.AsyncByteStream, max_bytes: int, done: Callable[[bytes, bool], None]) -> None:
        self._inner = inner
        self._max = max_bytes
        self._done = done
        self._parts: list[bytes] = []
        self._size = 0
        self._complete = False
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if self._size <= self._max:
                self._parts.append(chunk)
                self._size += len(chunk)
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            cut = self._size > self._max or not self._complete
            self._done(b"".join(self._parts)[: self._max], cut)
            self._parts = []
        await self._inner.aclose()


class ExchangeRecorder:
    """Keeps the exchanges of the redirect chains of ``references`` until each is claimed.

    Args:
        references: the sources being checked (their URLs start the chains kept).
        policy: the check policy (its body cap bounds what is kept of a page).
        clock: the current UTC time, dating each exchange (the checker's clock).
        keep_finals: keep the final 2xx exchange too, not only the redirects.
    """

    def __init__(
        self, references: Iterable[Reference], policy: CheckPolicy, *, clock: Clock, keep_finals: bool = False
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._keep_finals = keep_finals
        self._pending: Counter[str] = Counter(normal_url(r.url) for r in references if r.url)
        self._chains_at: dict[str, set[str]] = {url: {url} for url in self._pending}  # URL -> chains reaching it
        self._reached: dict[str, set[str]] = {url: {url} for url in self._pending}  # chain -> URLs it reached
        self._hops: dict[str, Capture] = {}
        self._finals: dict[str, Capture] = {}

    def client_factory(self, inner: ClientFactory | None = None) -> ClientFactory:
        """A factory building the checker's client (``inner``, default ``make_client``) with the hook."""

        def build(policy: CheckPolicy) -> httpx.AsyncClient:
            client = (inner or make_client)(policy)
            client.event_hooks["response"].append(self._on_response)
            return client

        return build

    async def _on_response(self, response: httpx.Response) -> None:
        # A hook that raises would fail the checker's exchange: the archive never may.
        try:
            await self._keep(response)
        except Exception:  # noqa: BLE001 (an exchange the archive missed is left out, not a failed check)
            return

    async def _keep(self, response: httpx.Response) -> None:
        request = response.request
        url = str(request.url)
        chains = self._chains_at.get(url)
        if not chains or request.method != "GET":
            return
        status = response.status_code
        ip = _peer_ip(response)
        if status in REDIRECT_CODES:
            cap = min(MAX_HOP_BODY_BYTES, self._policy.max_body_bytes)
            wait = min(MAX_HOP_BODY_WAIT_S, self._policy.timeout_s or MAX_HOP_BODY_WAIT_S)
            body, cut = await read_capped(response, cap, wait)
            self._hops[url] = capture_of(response, body, truncated=cut, ip=ip, at=self._clock())
            target = redirect_target(url, response.headers.get("location"))
            for chain in tuple(chains):
                if target is not None:
                    self._chains_at.setdefault(target, set()).add(chain)
                    self._reached[chain].add(target)
        elif 200 <= status < 300 and self._keep_finals:

            def done(body: bytes, cut: bool) -> None:
                if url in self._chains_at:  # not claimed in the meantime
                    self._finals[url] = capture_of(response, body, truncated=cut, ip=ip, at=self._clock())

            if isinstance(response.stream, httpx.AsyncByteStream):
                response.stream = _CopyingStream(response.stream, self._policy.max_body_bytes, done)
        else:
            self._finals.pop(url, None)  # a later answer there supersedes an earlier page

    def claim(self, result: CheckResult) -> CaptureChain:
        """Hand over what was kept for ``result``'s chain and forget it once no other source needs it."""
        if not result.url:
            return CaptureChain()
        chain = select_chain(result, self._hops, self._finals)
        root = normal_url(result.url)
        self._pending[root] -= 1
        if self._pending[root] <= 0:
            del self._pending[root]
            self._forget(root)
        return chain

    def _forget(self, root: str) -> None:
        for url in self._reached.pop(root, set()):
            chains = self._chains_at.get(url)
            if chains is None:
                continue
            chains.discard(root)
            if not chains:
                del self._chains_at[url]
                self._hops.pop(url, None)
                self._finals.pop(url, None)
