"""Helpers for the archive tests: an origin server whose pages a test can change, a clock.

The origin is a plain threaded ``http.server`` on 127.0.0.1 (not the session's fault app)
because the replay proof must stop it, and a test must be able to change a page between
two runs and to send a body chunked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from refcheck.config import ArchivePolicy, CheckPolicy, Config
from refcheck.models import Citation, CitationKind, Location, Reference

PAGE = b"<!doctype html><html><head><title>S/RES/2417</title></head><body><p>Resolution 2417 (2018)</p></body></html>"


@dataclass
class Resource:
    """What the origin answers for one path."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    chunk: int | None = None  # send chunked, in pieces of this size
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Origin:
    """A threaded HTTP/1.1 server on 127.0.0.1 serving ``resources`` (path -> Resource)."""

    resources: dict[str, Resource] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    hold: threading.Event | None = None  # paths under /hold/ wait for this before answering
    hold_timeout_s: float = 30.0  # ...or at most this long (a safety net; stop() releases them)

    def __post_init__(self) -> None:
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no delayed-ACK stalls

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                # The client may go away mid-answer (a killed run): nothing more to say.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                path = self.path.split("?", 1)[0]
                origin.hits[path] = origin.hits.get(path, 0) + 1
                if path.startswith("/hold/") and origin.hold is not None:
                    origin.hold.wait(timeout=origin.hold_timeout_s)
                res = origin.resources.get(path, Resource(b"<html><title>404</title></html>", status=404))
                self.send_response(res.status)
                self.send_header("Content-Type", res.content_type)
                for name, value in res.headers:
                    self.send_header(name, value)
                if res.chunk:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(res.body), res.chunk):
                        piece = res.body[i : i + res.chunk]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(res.body)))
                    self.end_headers()
                    self.wfile.write(res.body)

            def do_HEAD(self) -> None:  # noqa: N802
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class StepClock:
    """A UTC clock that moves one second each time it is read: captures never share a second."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def jump(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def reference(url: str, *, document: str = "brief.pdf", page: int = 4, footnote: int = 12) -> Reference:
    citation = Citation(
        raw=url,
        kind=CitationKind.URL,
        location=Location(document=document, page=page, line=7, footnote=footnote),
        url=url,
    )
    return Reference(key=url, type="url", url=url, citations=(citation,), urls=(url,))


def config(tmp: Path, **archive: Any) -> Config:
    """A configuration rooted in ``tmp``: archive in ``tmp/arch``, state in ``tmp/state``,
    public archive off unless asked, checks fast and confined to 127.0.0.1."""
    policy = dataclasses.replace(ArchivePolicy(dir="arch", public_lookup=False, operator="Test Archivist"), **archive)
    check = CheckPolicy(offline_canaries=(), retries=0, timeout_s=10.0, allowed_addresses=("127.0.0.1",), concurrency=4)
    return Config(root=str(tmp), state_dir="state", check=check, archive=policy, sha256="c0ffee")


def tree(root: Path) -> Iterator[Path]:
    """Every file under ``root``."""
    return (p for p in root.rglob("*") if p.is_file())
