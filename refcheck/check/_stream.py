"""An httpcore network backend on plain asyncio streams.

httpcore talks to asyncio through anyio, whose cancel scopes and typed attributes cost
more CPU than the HTTP parsing itself when hundreds of short requests are in flight
(cProfile on bench/linkbench: anyio's ``extra_attributes``, ``CancelScope.__enter__`` and
``__exit__`` were the largest items after the connection pool). A checker only needs
TCP, TLS and timeouts, which asyncio streams give directly. Errors are raised as the
httpcore exceptions the anyio backend raises, with the original as ``__cause__``, so
httpx and ``classify.py`` see the same thing either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

#: Bytes asyncio buffers per connection before pausing the socket (httpcore reads 64 kB).
STREAM_LIMIT = 2**16


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as an httpcore network stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @property
    def reader(self) -> asyncio.StreamReader:
        return self._reader

    @property
    def writer(self) -> asyncio.StreamWriter:
        return self._writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(f"could not send within {timeout} s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()
        # A peer that reset the connection makes wait_closed raise: closed is closed.
        with contextlib.suppress(OSError, ssl.SSLError, asyncio.CancelledError):
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"TLS handshake took longer than {timeout} s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # httpcore asks this of an idle keep-alive connection: anything readable means
            # the server closed it (or misbehaved), so it must not be reused. asyncio has
            # already read whatever arrived into the reader.
            buffered = bool(getattr(self._reader, "_buffer", b""))
            return buffered or self._reader.at_eof() or self._writer.transport.is_closing()
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connect with ``asyncio.open_connection``; TCP_NODELAY as httpcore's backends set it."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local, limit=STREAM_LIMIT)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by refcheck")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
