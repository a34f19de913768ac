"""Shared fixtures: real servers on loopback, a test CA, a clean environment; shared options.

Behaviour is proven against real HTTP servers started here, never against mocks of
httpx (httpx's own ``tests/conftest.py`` does the same). Everything binds 127.0.0.1 on
a port the OS picks; servers stop at the end of the session; nothing leaves the machine.

Fixtures for everyone:

``fault_server``  (function) the session's fault-injecting ASGI app under uvicorn, with its
                  request log cleared; ``.url(path, host=...)`` builds URLs, ``.hits(path)``
                  counts the requests it saw. Routes: see ``FaultApp``.
``tls_server``    (session) the same app over HTTPS with a certificate from ``test_ca``.
``test_ca``       (session) a trustme CA; ``test_ca.configure_trust(ctx)`` trusts it.
``reset_server``  (session) a TCP port that answers every connection with a RST.
``closed_port``   (function) a port on 127.0.0.1 with nothing listening.
``fast_sleep``    (function) an async sleep that returns at once and records the delays asked.
``fixed_clock``   (function) a settable UTC clock (``.now``, ``.advance(seconds)``).
``clean_environ`` (autouse) proxy and SSL variables removed from the environment.

Option: ``--update-golden`` rewrites tests/golden/ (the report tests read it).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import trustme
import uvicorn

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SERVER_START_TIMEOUT_S = 10.0
ENV_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)

HOME_PAGE = b"<!doctype html><html><head><title>Example site</title></head><body><h1>Welcome</h1></body></html>"
OK_PAGE = (
    b"<!doctype html><html><head><title>Annual report 2024</title></head>"
    b"<body><h1>Annual report</h1><p>The committee met four times and adopted three opinions.</p></body></html>"
)
NOT_FOUND_PAGE = (
    b"<!doctype html><html><head><title>Page not found | Example</title></head>"
    b"<body><h1>Oops</h1><p>Try the search.</p></body></html>"
)
NOT_FOUND_FR_PAGE = (
    "<!doctype html><html lang=fr><head><title>Ministère</title></head>"
    "<body><h1>Page introuvable</h1><p>La page demandée a été déplacée.</p></body></html>"
).encode()
CATCH_ALL_PAGE = (
    "<!doctype html><html><head><title>Example Shop</title></head><body><h1>Sorry</h1>"
    "<p>We could not locate {path} in our catalogue. Browse our departments or call us.</p></body></html>"
)
CLOUDFLARE_PAGE = (
    b"<!DOCTYPE html><html lang=en-US><head><title>Just a moment...</title></head><body>"
    b'<div id="challenge-body-text">Verifying you are human.</div>'
    b'<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>'
)


@dataclass
class FaultApp:
    """A raw ASGI app that misbehaves on request. Routes (``{x}`` = any id, so tests don't share state):

    ``/`` home page · ``/ok`` 200 HTML · ``/plain`` 200 text · ``/status/{code}`` that status ·
    ``/redirect/{code}?to=PATH_OR_URL`` one redirect (default to ``/ok``) ·
    ``/chain/{n}`` n 302 hops then ``/ok`` · ``/loop/a`` <-> ``/loop/b`` ·
    ``/ratelimit/{x}?after=S[&date=EPOCH]`` 429 + Retry-After (seconds, or the HTTP-date EPOCH+S) on the
    first hit, then 200 · ``/ratelimit-forever/{x}?after=S`` 429 every time ·
    ``/flaky/{x}?fails=N&code=C`` C (503) N times, then 200 · ``/head405`` 405 to HEAD, 200 to GET ·
    ``/slow?s=S`` 200 after S seconds · ``/botwall`` Cloudflare-style 403 challenge ·
    ``/soft404`` and ``/soft404-fr`` "page not found" served with 200 · ``/deep/{x}`` 302 to ``/`` ·
    ``/doc.pdf`` HTML · ``/real.pdf`` a PDF · ``/big?bytes=N`` N bytes · ``/bomb`` gzip bomb ·
    ``/gzip`` a gzip-encoded page · ``/cookie`` redirect that sets a cookie and wants it back ·
    ``/doi-api/{prefix}/{suffix}`` handle API: registered unless the suffix starts with ``missing``.
    Host ``catchall.test``: every path answers 200 with the same template (a soft-404 host).
    """

    hits_by_path: Counter[str] = field(default_factory=Counter)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (method, host, path)
    bomb: bytes = b""
    ok_page: bytes = OK_PAGE
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.hits_by_path.clear()
            self.log.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        path = scope["path"]
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        host = headers.get("host", "").split(":")[0]
        with self.lock:
            self.hits_by_path[path] += 1
            self.log.append((method, host, path))
            hits = self.hits_by_path[path]
        status, extra, body = await self._route(method, host, path, query, headers, hits)
        head = [(b"content-length", str(len(body)).encode())]
        if not any(k == b"content-type" for k, _ in extra):
            head.append((b"content-type", b"text/html; charset=utf-8"))
        await send({"type": "http.response.start", "status": status, "headers": head + extra})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    async def _route(
        self, method: str, host: str, path: str, query: dict[str, str], headers: dict[str, str], hits: int
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        parts = [p for p in path.split("/") if p]
        if host == "catchall.test":
            return 200, [], CATCH_ALL_PAGE.format(path="the page").encode()
        if not parts:
            return 200, [], HOME_PAGE
        first = parts[0]
        if first == "ok":
            return 200, [], OK_PAGE
        if first == "plain":
            return 200, [(b"content-type", b"text/plain")], b"plain text\n"
        if first == "status":
            return int(parts[1]), [], f"<html><title>status {parts[1]}</title></html>".encode()
        if first == "redirect":
            return int(parts[1]), [(b"location", query.get("to", "/ok").encode())], b""
        if first == "chain":
            n = int(parts[1])
            return 302, [(b"location", f"/chain/{n - 1}".encode() if n > 1 else b"/ok")], b""
        if first == "loop":
            return 302, [(b"location", b"/loop/b" if parts[1] == "a" else b"/loop/a")], b""
        if first in ("ratelimit", "ratelimit-forever"):
            after = int(query.get("after", "1"))
            if first == "ratelimit" and hits > 1:
                return 200, [], OK_PAGE
            value = str(after)
            if "date" in query:
                value = format_datetime(datetime.fromtimestamp(int(query["date"]) + after, UTC), usegmt=True)
            return 429, [(b"retry-after", value.encode())], b"slow down"
        if first == "flaky":
            if hits <= int(query.get("fails", "2")):
                return int(query.get("code", "503")), [], b"<html><title>Service Unavailable</title></html>"
            return 200, [], OK_PAGE
        if first == "head405":
            return (405, [(b"allow", b"GET")], b"") if method == "HEAD" else (200, [], OK_PAGE)
        if first == "slow":
            await asyncio.sleep(float(query.get("s", "2")))
            return 200, [], OK_PAGE
        if first == "botwall":
            return 403, [(b"cf-mitigated", b"challenge"), (b"server", b"cloudflare")], CLOUDFLARE_PAGE
        if first == "soft404":
            return 200, [], NOT_FOUND_PAGE
        if first == "soft404-fr":
            return 200, [], NOT_FOUND_FR_PAGE
        if first == "deep":
            return 302, [(b"location", b"/")], b""
        if first == "doc.pdf":
            return 200, [], OK_PAGE
        if first == "real.pdf":
            return 200, [(b"content-type", b"application/pdf")], b"%PDF-1.7\n%%EOF\n"
        if first == "big":
            return 200, [(b"content-type", b"application/octet-stream")], b"x" * int(query.get("bytes", "1000"))
        if first == "bomb":
            return 200, [(b"content-encoding", b"gzip")], self.bomb
        if first == "gzip":
            return 200, [(b"content-encoding", b"gzip")], gzip.compress(OK_PAGE)
        if first == "cookie":
            if "refcheck_test=1" in headers.get("cookie", ""):
                return 200, [], OK_PAGE
            return 302, [(b"location", b"/cookie"), (b"set-cookie", b"refcheck_test=1; Path=/")], b""
        if first == "doi-api":
            doi = "/".join(parts[1:])
            if parts[-1].startswith("missing"):
                return 404, [(b"content-type", b"application/json")], b'{"responseCode": 100}'
            body = f'{{"responseCode": 1, "handle": "{doi}", "values": []}}'.encode()
            return 200, [(b"content-type", b"application/json")], body
        return 404, [], b"<html><title>404 Not Found</title></html>"


class ServerThread:
    """A uvicorn server in a daemon thread, on 127.0.0.1 and an OS-chosen port."""

    def __init__(self, app: FaultApp, scheme: str = "http", **ssl_options: Any) -> None:
        self.app = app
        self.scheme = scheme
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="error",
            lifespan="off",
            loop="asyncio",
            http="h11",
            ws="none",
            access_log=False,
            timeout_graceful_shutdown=1,
            **ssl_options,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """An absolute URL on this server; ``host`` may be a name the test resolver maps here."""
        return f"{self.scheme}://{host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        """How many requests (any method, any host) the server saw for ``path``."""
        with self.app.lock:
            return self.app.hits_by_path[path]

    @property
    def log(self) -> list[tuple[str, str, str]]:
        """Every request seen since the last reset: (method, host, path)."""
        with self.app.lock:
            return list(self.app.log)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove proxy and CA-bundle variables, so a developer's shell cannot change a test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def fault_app() -> FaultApp:
    # 20 MB of zeros compress to about 20 kB: a small bomb, enough to pass any sane cap.
    return FaultApp(bomb=gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9))


@pytest.fixture(scope="session")
def _fault_server_session(fault_app: FaultApp) -> Iterator[ServerThread]:
    server = ServerThread(fault_app).start()
    yield server
    server.stop()


@pytest.fixture
def fault_server(_fault_server_session: ServerThread) -> ServerThread:
    """The fault-injecting server, its request counts cleared for this test."""
    _fault_server_session.app.reset()
    return _fault_server_session


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_server(
    fault_app: FaultApp, test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """The fault app over HTTPS, its certificate (127.0.0.1, localhost) signed by ``test_ca``."""
    cert = test_ca.issue_cert("127.0.0.1", "localhost")
    folder: Path = tmp_path_factory.mktemp("tls")
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    server = ServerThread(fault_app, scheme="https", ssl_keyfile=str(key_file), ssl_certfile=str(cert_file)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def reset_server() -> Iterator[tuple[str, int]]:
    """A listening socket on 127.0.0.1 that resets every connection (SO_LINGER 0, then close)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with contextlib.suppress(OSError):
                conn.recv(65536)  # let the request arrive, so the reset comes mid-exchange
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield ("127.0.0.1", listener.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    listener.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FastSleep:
    """An async sleep that only yields to the loop, recording each delay asked for."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def fast_sleep() -> FastSleep:
    return FastSleep()


@dataclass
class FixedClock:
    """A UTC clock that moves only when told."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, *, days: float = 0) -> None:
        self.now += timedelta(seconds=seconds, days=days)


@pytest.fixture
def fixed_clock() -> FixedClock:
    return FixedClock()


def pytest_report_header() -> str:
    return f"refcheck test servers bind 127.0.0.1 only (pid {os.getpid()})"


def pytest_addoption(parser: pytest.Parser) -> None:
    # pytest only honours pytest_addoption in the top-level conftest; the golden report
    # tests (tests/report/) read this one to rewrite tests/golden/ instead of comparing.
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden report files under tests/golden/ instead of comparing with them",
    )
