"""The lean HTTP/1.1 client (``refcheck/check/_http1.py``) against raw bytes on 127.0.0.1.

The fault server of the other tests already goes through this client for every plain
``http://`` URL; here are the framings uvicorn never sends (chunked with extensions and
trailers, interim 1xx answers, bodies ended by closing, lying lengths) and keep-alive:
reuse, and a kept-alive connection the server closed while it was idle.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _helpers import check, policy
from hypothesis import given
from hypothesis import strategies as st

from refcheck.check import _http1
from refcheck.check._http1 import plain_target
from refcheck.models import Status

BOUND_S = 30.0
BODY = b"<html><title>Report</title><p>text</p></html>"

#: path -> (raw answer, close the connection after it)
ANSWERS: dict[str, tuple[bytes, bool]] = {
    "/chunked": (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\n<html\r\n" + f"{len(BODY) - 5:x}\r\n".encode() + BODY[5:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n",
        False,
    ),
    "/continue": (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
        + BODY,
        False,
    ),
    "/until-close": (b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + BODY, True),
    "/short": (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 999\r\n\r\n" + BODY, True),
    "/two-lengths": (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", True),
    "/garbage": (b"SPDY/9 whatever\r\n\r\n", True),
    "/gone": (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot here.", False),
    "/silent-close": (  # keep-alive promised, connection closed anyway once idle
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY,
        True,
    ),
}
#: After answering these, the server resets the connection when the next request arrives
#: on it, unanswered.
DROP_NEXT = {"/drop-next"}
#: After answering these, the server closes the connection cleanly when the next request
#: arrives on it, unanswered: the idle-timeout race every keep-alive client meets.
CLOSE_NEXT = {"/close-next"}
for _path in ("/ok", "/a", "/b", "/c", "/drop-next", "/close-next"):
    ANSWERS[_path] = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY,
        False,
    )
#: Anything else (the soft-404 probe's made-up path) is not there.
NOT_FOUND = ANSWERS["/gone"]


class RawServer:
    """Answers each request with scripted bytes (``ANSWERS``); counts connections and requests."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        for _ in range(int(BOUND_S / 0.1)):
            if self.stop.is_set():
                return
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(BOUND_S)
        buffer = b""
        drop = False
        close_next = False
        with conn:
            for _ in range(100):  # requests on one connection
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                path = head.split(b" ")[1].decode()
                self.requests.append(path)
                if close_next:
                    return
                if drop:
                    # A reset, not a clean close: the client sends again only after a clean end
                    # of stream (the keep-alive race) or a long idle, never at once after a reset.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                drop = path in DROP_NEXT
                close_next = path in CLOSE_NEXT
                answer, close = ANSWERS.get(path, NOT_FOUND)
                if head.startswith(b"HEAD "):
                    answer = answer.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                conn.sendall(answer)
                if close:
                    # Close as servers do, cleanly: a request the client sends on this
                    # connection meanwhile meets the end of stream, not a reset (which is
                    # what the kernel answers once the socket is gone), and goes unanswered.
                    conn.shutdown(socket.SHUT_WR)
                    with contextlib.suppress(OSError):
                        while conn.recv(65536):
                            pass
                    return


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    server.thread.start()
    yield server
    server.stop.set()
    server.thread.join(BOUND_S)
    server.listener.close()


@pytest.fixture
def fast(fast_sleep: Any) -> dict[str, Any]:
    return {"sleep": fast_sleep}


def test_framings_uvicorn_never_sends_are_read_right(raw_server: RawServer, fast: dict[str, Any]) -> None:
    urls = [raw_server.url(p) for p in ("/chunked", "/continue", "/until-close")]
    outcomes = check(urls, policy(canary=raw_server.url("/ok")), **fast)
    for url in urls:
        r = outcomes[url].result
        assert r.status == Status.ALIVE, (url, r.evidence)
        assert r.length == len(BODY), url


@pytest.mark.parametrize("path", ["/short", "/two-lengths", "/garbage"])
def test_a_broken_answer_is_a_server_error_not_a_crash(raw_server: RawServer, fast: dict[str, Any], path: str) -> None:
    r = check([raw_server.url(path)], policy(canary=raw_server.url("/ok"), retries=0), **fast)[raw_server.url(path)]
    assert r.result.status == Status.SERVER_ERROR
    assert "protocol" in r.result.evidence


def test_connections_are_kept_alive_and_a_silently_closed_one_is_replaced(
    raw_server: RawServer, fast: dict[str, Any]
) -> None:
    p = policy(canary=raw_server.url("/ok"), concurrency=1, host_concurrency=1, retries=0)
    paths = ["/silent-close", "/a", "/b", "/gone", "/c"]
    outcomes = check([raw_server.url(x) for x in paths], p, **fast)
    statuses = {x: outcomes[raw_server.url(x)].result.status for x in paths}
    assert statuses == {
        "/silent-close": Status.ALIVE,
        "/a": Status.ALIVE,
        "/b": Status.ALIVE,
        "/gone": Status.BROKEN,
        "/c": Status.ALIVE,
    }
    assert all(len(outcomes[raw_server.url(x)].result.attempts) == 1 for x in paths)
    # one request each answered (the closed connection was noticed before use, or its
    # end of stream was met and the request sent again at once), and one connection for
    # everything after the one the server closed
    assert sorted(r for r in raw_server.requests if not r.startswith("/refcheck-probe")) == sorted(paths)
    assert raw_server.connections <= 3  # closed one, its replacement, and the probe's at most


def test_a_request_on_a_connection_dropped_while_idle_is_sent_again_on_a_new_one(
    raw_server: RawServer, fast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http1, "REPLAY_AFTER_IDLE_S", 0.0)  # as if idle past a keep-alive timeout
    p = policy(canary=raw_server.url("/ok"), concurrency=1, host_concurrency=1, retries=0)
    first, second = raw_server.url("/drop-next"), raw_server.url("/a")
    outcomes = check([first, second], p, **fast)
    assert outcomes[first].result.status == Status.ALIVE
    r = outcomes[second].result
    assert r.status == Status.ALIVE
    assert len(r.attempts) == 1  # not a retry of the check: the same attempt, on a new connection
    # whatever went next on the dropped connection (this request, or the soft-404 probe)
    # was sent once more, on a second connection
    asked = raw_server.requests
    assert len(asked) == len(set(asked)) + 1 and raw_server.connections >= 2


def test_a_connection_closed_cleanly_before_any_answer_is_replaced_whatever_its_idle_time(
    raw_server: RawServer, fast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http1, "REPLAY_AFTER_IDLE_S", 3600.0)  # never idle long enough
    p = policy(canary=raw_server.url("/ok"), concurrency=1, host_concurrency=1, retries=0)
    outcomes = check([raw_server.url("/close-next"), raw_server.url("/a")], p, **fast)
    assert sorted(o.result.status.value for o in outcomes.values()) == ["alive", "alive"]
    assert all(len(o.result.attempts) == 1 for o in outcomes.values())
    # what went next on the closed connection was asked again, on a new connection
    assert len(raw_server.requests) == len(set(raw_server.requests)) + 1 and raw_server.connections >= 2


def test_a_connection_used_a_moment_ago_that_fails_is_not_sent_again(
    raw_server: RawServer, fast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http1, "REPLAY_AFTER_IDLE_S", 3600.0)  # never idle long enough
    p = policy(canary=raw_server.url("/ok"), concurrency=1, host_concurrency=1, retries=0)
    outcomes = check([raw_server.url("/drop-next"), raw_server.url("/a")], p, **fast)
    statuses = sorted(o.result.status.value for o in outcomes.values())
    # what went next on the dropped connection failed once, as the server made it fail
    assert len(raw_server.requests) == len(set(raw_server.requests))
    assert statuses in (["alive", "alive"], ["alive", "server-error"])


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/a/b?c=d&e=%20",
        "http://127.0.0.1:8080/",
        "http://example.org",
        "http://a-b.example/~x/y.pdf",
    ],
)
def test_plain_urls_are_sent_exactly_as_httpx_would(url: str) -> None:
    target = plain_target(url)
    assert target is not None
    parsed = httpx.URL(url)
    assert str(parsed) == url
    assert target.target == parsed.raw_path.decode("ascii")
    assert target.host == parsed.host and target.port == (parsed.port or 80)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",  # TLS: httpx
        "http://Example.org/",  # httpx lower-cases
        "http://example.org:80/",  # httpx drops the default port
        "http://example.org/a b",  # httpx escapes
        "http://example.org/a/../b",  # httpx removes dot segments
        "http://example.org/#top",  # fragments are not sent
        "http://exämple.org/",  # IDNA
        "http://[::1]/",  # IPv6 literal
        "http://user@example.org/",  # userinfo
        "http://example.org/%zz",  # broken escape
    ],
)
def test_urls_httpx_would_rewrite_are_left_to_httpx(url: str) -> None:
    assert plain_target(url) is None


ALPHABET = "abcXYZ019-._~!$&'()*+,;=:@/?%# [\\]|\"<>{}^`é"


@given(path=st.text(alphabet=ALPHABET, max_size=30))
def test_any_url_the_lean_client_takes_is_one_httpx_sends_unchanged(path: str) -> None:
    url = "http://example.org/" + path
    target = plain_target(url)
    if target is None:
        return
    parsed = httpx.URL(url)
    assert str(parsed) == url
    assert target.target == parsed.raw_path.decode("ascii")
