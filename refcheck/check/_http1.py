"""A lean HTTP/1.1 client for the plain ``http://`` GETs and HEADs that most checks are.

httpx and httpcore build request, header and URL models, a state machine (h11) and a
pool's bookkeeping for every exchange; profiling ``refcheck check`` on bench/linkbench
put about 4 ms of CPU per URL there, several times what the rest of a check costs. A
link checker asks one thing of a plain HTTP server: a GET or HEAD with fixed headers,
then the status line, the headers and (part of) the body. This module does exactly
that on asyncio streams, with keep-alive connections per origin.

It is used only where it cannot differ from httpx: ``http://`` URLs whose text is
already in the form httpx would send (``plain_target`` says which), with no cookie to
send and no capture to keep. Everything else (TLS, HTTP/2, cookies, the archive's
captures, unusual URLs) goes through httpx. Connections come from the same guarded
backend as httpx's, so the address guard judges every connection either way, and
failures are raised as the httpx exceptions httpx would raise, so ``classify.py``
gives the same verdicts.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass

import httpcore
import httpx

from refcheck.check._stream import AsyncioStream
from refcheck.check.safety import GuardedBackend

#: Statuses that never have a body (RFC 9112 section 6.3).
NO_BODY_CODES = frozenset({204, 304})
#: Idle connections older than this are not reused (httpx's default keep-alive expiry).
KEEPALIVE_S = 5.0
#: A request that fails before any answer on a connection idle this long is sent again
#: on a new one (see ``PlainPool.request``); keep-alive timeouts are a second or more.
REPLAY_AFTER_IDLE_S = 1.0
#: The most response-head lines accepted, as h11 bounds the head's size.
MAX_HEADERS = 256
READ_SIZE = 2**16
#: A body no one reads (a redirect's) is skipped when this small and already received,
#: so the connection can carry the next request instead of being closed.
DRAIN_MAX = 2**14

# A URL is sent by this client only when httpx would send it as written: lower-case
# host name or IPv4 address, no default port spelled out, only characters httpx leaves
# alone, percent escapes well formed, no fragment, no dot segments.
_PLAIN_URL = re.compile(
    r"http://(?P<host>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<target>/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?"
)
_DOT_SEGMENT = re.compile(r"(?:^|/)\.{1,2}(?:/|$)")


@dataclass(frozen=True, slots=True)
class PlainTarget:
    """Where a plain request goes: the origin, the Host header and the request target."""

    host: str
    port: int
    authority: str  # the Host header
    target: str  # path and query, at least "/"


def plain_target(url: str) -> PlainTarget | None:
    """Return where ``url`` goes when this client may send it unchanged, else None.

    None means "let httpx do it": other schemes, upper-case or non-ASCII hosts, IPv6
    literals, characters httpx would escape, fragments, dot segments and ``:80``, all of
    which httpx rewrites before sending.
    """
    m = _PLAIN_URL.fullmatch(url)
    if m is None:
        return None
    target = m["target"] or "/"
    if _DOT_SEGMENT.search(target.split("?", 1)[0]):
        return None
    port = int(m["port"]) if m["port"] else 80
    if port == 80 and m["port"] or port > 65535:
        return None
    host = m["host"]
    return PlainTarget(host=host, port=port, authority=f"{host}:{port}" if m["port"] else host, target=target)


@dataclass(frozen=True, slots=True)
class Head:
    """A response's status line and headers (names lower-cased, in order received)."""

    http_version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        """The first value of header ``name`` (lower case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def values(self, name: str) -> list[str]:
        """Every value of header ``name`` (lower case), in order."""
        return [v for k, v in self.headers if k == name]


class _Conn:
    """One kept-alive connection: the stream, and when it was last put back idle."""

    __slots__ = ("idle_since", "reader", "stream", "writer")

    def __init__(self, stream: AsyncioStream) -> None:
        self.stream = stream
        self.reader = stream.reader
        self.writer = stream.writer
        self.idle_since = 0.0

    def reusable(self, now: float) -> bool:
        # Anything readable on an idle connection means the server closed it (or spoke
        # out of turn): it must not carry the next request.
        # The stream answers that as it answers httpcore for httpx's idle connections.
        return now - self.idle_since < KEEPALIVE_S and not self.stream.get_extra_info("is_readable")

    def close(self) -> None:
        self.writer.close()


def parse_head(data: bytes) -> Head:
    """Parse a response head (status line and header lines, up to the blank line).

    Raises:
        httpx.RemoteProtocolError: not an HTTP/1.x response head.
    """
    text = data.decode("latin-1")
    lines = text.split("\r\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise httpx.RemoteProtocolError(f"malformed status line {status_line[:80]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t":
            raise httpx.RemoteProtocolError("obsolete line folding in a header")
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or " " in name:
            raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}")
        headers.append((name.lower(), value.strip(" \t")))
    if len(headers) > MAX_HEADERS:
        raise httpx.RemoteProtocolError("too many header lines")
    return Head(
        http_version=parts[0], status=int(parts[1]), reason=parts[2] if len(parts) > 2 else "", headers=tuple(headers)
    )


class PlainResponse:
    """A response whose body has not been read: ``aiter_raw`` streams it, ``aclose`` ends it."""

    def __init__(self, head: Head, conn: _Conn, pool: PlainPool, key: tuple[str, int], *, has_body: bool) -> None:
        self.head = head
        self._conn: _Conn | None = conn
        self._pool = pool
        self._key = key
        self._done = not has_body
        self._keep = head.http_version == "HTTP/1.1" and not _has_token(head.values("connection"), "close")
        self._length: int | None = None
        self._left = 0  # bytes of a Content-Length body not yet read
        self._chunked = False
        if has_body:
            encodings = head.values("transfer-encoding")
            if encodings:
                self._chunked = _last_token(encodings) == "chunked"
                self._keep = self._keep and self._chunked  # else the body ends when the connection does
            else:
                lengths = {v.strip() for v in head.values("content-length")}
                if lengths:
                    if len(lengths) > 1 or not all(v.isdigit() for v in lengths):
                        raise httpx.RemoteProtocolError("invalid Content-Length")
                    self._length = self._left = int(lengths.pop())
                    self._done = self._length == 0
                else:
                    self._keep = False  # read to the end of the connection

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """Yield the body as received (content encoding kept)."""
        conn = self._conn
        if conn is None or self._done:
            return
        timeout = self._pool.timeout
        reader = conn.reader
        if self._chunked:
            async for part in _chunks(reader, timeout):
                yield part
        elif self._length is not None:
            while self._left:
                data = await _within(reader.read(min(self._left, READ_SIZE)), timeout)
                if not data:
                    raise httpx.RemoteProtocolError("server closed the connection before the end of the body")
                self._left -= len(data)
                yield data
        else:
            while data := await _within(reader.read(READ_SIZE), timeout):
                yield data
        self._done = True

    async def aclose(self) -> None:
        """Give the connection back when the body was read to its end, else close it."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if not self._done and self._keep and self._length is not None and self._left <= DRAIN_MAX:
            self._done = await _skip_buffered(conn.reader, self._left)
        if self._done and self._keep:
            self._pool.put_back(self._key, conn)
        else:
            conn.close()  # cheaper than reading the rest of a body nobody wants


async def _skip_buffered(reader: asyncio.StreamReader, size: int) -> bool:
    """Drop ``size`` bytes the reader already holds; False (nothing dropped) when it holds fewer."""
    if len(getattr(reader, "_buffer", b"")) < size:  # asyncio has no public "buffered" query
        return False
    await reader.readexactly(size)  # returns at once: the bytes are there
    return True


def _tokens(values: Sequence[str]) -> list[str]:
    return [t.strip().lower() for v in values for t in v.split(",") if t.strip()]


def _has_token(values: Sequence[str], token: str) -> bool:
    return token in _tokens(values)


def _last_token(values: Sequence[str]) -> str:
    tokens = _tokens(values)
    return tokens[-1] if tokens else ""


async def _within(read: Awaitable[bytes], timeout: float | None) -> bytes:
    """Await one read of the body under ``timeout``, its failures raised as httpx's."""
    try:
        async with asyncio.timeout(timeout):
            return await read
    except TimeoutError:
        raise httpx.ReadTimeout(f"no data within {timeout} s") from None
    except asyncio.IncompleteReadError:  # readuntil, readexactly: only a chunked body's
        raise httpx.RemoteProtocolError("server closed the connection in the middle of a chunked body") from None
    except asyncio.LimitOverrunError:  # readuntil: only a chunk line
        raise httpx.RemoteProtocolError("chunk line too long") from None
    except OSError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc


async def _chunks(reader: asyncio.StreamReader, timeout: float | None) -> AsyncIterator[bytes]:
    """The data of a chunked body (RFC 9112 section 7.1); extensions and trailers ignored."""
    while True:
        line = await _within(reader.readuntil(b"\r\n"), timeout)
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise httpx.RemoteProtocolError(f"malformed chunk size {size_text[:20]!r}") from None
        if size == 0:
            while (await _within(reader.readuntil(b"\r\n"), timeout)).strip():
                pass  # trailer fields: nothing a checker needs
            return
        left = size
        while left:
            data = await _within(reader.read(min(left, READ_SIZE)), timeout)
            if not data:
                raise httpx.RemoteProtocolError("server closed the connection in the middle of a chunked body")
            left -= len(data)
            yield data
        if await _within(reader.readexactly(2), timeout) != b"\r\n":
            raise httpx.RemoteProtocolError("chunk not followed by CRLF")


class PlainPool:
    """Keep-alive connections per origin for ``PlainTarget`` requests.

    The run's per-host gates already bound how many requests go to a host at once, so
    the pool bounds only what it keeps idle.
    """

    def __init__(
        self,
        backend: GuardedBackend,
        *,
        headers: Sequence[tuple[bytes, bytes]],
        timeout: float | None,
        max_idle: int,
    ) -> None:
        self._backend = backend
        # Header lines after Host, as httpx would send them (its defaults, then the client's).
        self._header_block = b"".join(k + b": " + v + b"\r\n" for k, v in headers if k.lower() != b"host")
        self.timeout = timeout
        self._max_idle = max(1, max_idle)
        self._idle: dict[tuple[str, int], list[_Conn]] = {}
        self._closed = False

    def put_back(self, key: tuple[str, int], conn: _Conn) -> None:
        idle = self._idle.setdefault(key, [])
        if self._closed or len(idle) >= self._max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def _take_idle(self, key: tuple[str, int]) -> _Conn | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if conn.reusable(now):
                return conn
            conn.close()
        return None

    async def _connect(self, target: PlainTarget) -> _Conn:
        try:
            stream = await self._backend.connect_tcp(target.host, target.port, timeout=self.timeout)
        except httpcore.ConnectTimeout as exc:
            raise httpx.ConnectTimeout(str(exc)) from exc
        except httpcore.ConnectError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        if not isinstance(stream, AsyncioStream):  # pragma: no cover - the backend is always built on it
            await stream.aclose()
            raise httpx.ConnectError("unexpected network stream")
        return _Conn(stream)

    async def request(self, method: str, target: PlainTarget) -> PlainResponse:
        """Send ``method target`` and return the response once its head has arrived.

        A kept-alive connection the server closed between two requests fails before any
        byte of an answer; such a request is sent once more on a new connection (GET and
        HEAD are safe to repeat), as browsers do, but only when the connection had been
        idle for ``REPLAY_AFTER_IDLE_S``: servers close idle connections on a keep-alive
        timeout, and a connection used a moment ago that fails is more likely a server
        that resets requests (sending each twice would double what it gets from us; the
        check's own retries, with backoff, are the answer there). A clean end of stream
        before any answer, though, is sent again whatever the idle time: that is a server
        that closed the connection, not one that reset the request. Any other failure is
        raised as httpx's.
        """
        key = (target.host, target.port)
        request = (
            f"{method} {target.target} HTTP/1.1\r\nHost: {target.authority}\r\n".encode("ascii")
            + self._header_block
            + b"\r\n"
        )
        conn = self._take_idle(key)
        if conn is not None:
            replay = time.monotonic() - conn.idle_since >= REPLAY_AFTER_IDLE_S
            try:
                return await self._exchange(conn, request, method, key)
            except _StaleConnectionError as exc:
                # A clean close (FIN) before any answer is the keep-alive race whatever the
                # idle time; a reset from a connection used a moment ago is the server's.
                if not (replay or exc.closed_cleanly):
                    raise exc.error from exc.error.__cause__
        conn = await self._connect(target)
        try:
            return await self._exchange(conn, request, method, key)
        except _StaleConnectionError as exc:
            raise exc.error from exc.error.__cause__  # the failure itself, not the wrapper

    async def _exchange(self, conn: _Conn, request: bytes, method: str, key: tuple[str, int]) -> PlainResponse:
        try:
            return await self._send_and_read_head(conn, request, method, key)
        except BaseException:
            conn.close()
            raise

    async def _send_and_read_head(
        self, conn: _Conn, request: bytes, method: str, key: tuple[str, int]
    ) -> PlainResponse:
        timeout = self.timeout
        try:
            conn.writer.write(request)
            async with asyncio.timeout(timeout):
                await conn.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout(f"could not send within {timeout} s") from None
        except OSError as exc:
            raise _StaleConnectionError(_caused(httpx.WriteError(str(exc) or type(exc).__name__), exc)) from None
        while True:
            try:
                async with asyncio.timeout(timeout):
                    data = await conn.reader.readuntil(b"\r\n\r\n")
            except TimeoutError:
                raise httpx.ReadTimeout(f"no answer within {timeout} s") from None
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    raise httpx.RemoteProtocolError(
                        "server closed the connection in the middle of the answer"
                    ) from None
                raise _StaleConnectionError(
                    httpx.RemoteProtocolError("Server disconnected without sending a response."), closed_cleanly=True
                ) from None
            except asyncio.LimitOverrunError:
                raise httpx.RemoteProtocolError("response head too large") from None
            except OSError as exc:
                raise _StaleConnectionError(_caused(httpx.ReadError(str(exc) or type(exc).__name__), exc)) from None
            head = parse_head(data)
            if 100 <= head.status < 200:
                continue  # interim answers (100 Continue, 103 Early Hints): the final one follows
            has_body = method != "HEAD" and head.status not in NO_BODY_CODES
            return PlainResponse(head, conn, self, key, has_body=has_body)

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()


def _caused(error: httpx.HTTPError, cause: BaseException) -> httpx.HTTPError:
    error.__cause__ = cause  # classify.py reads the cause chain (a reset is an OSError)
    return error


class _StaleConnectionError(Exception):
    """The connection failed before any byte of an answer: maybe closed while idle."""

    def __init__(self, error: httpx.HTTPError, *, closed_cleanly: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.closed_cleanly = closed_cleanly  # end of stream, not a reset


__all__ = ["Head", "PlainPool", "PlainResponse", "PlainTarget", "parse_head", "plain_target"]
