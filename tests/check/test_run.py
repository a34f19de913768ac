"""A whole check run: its time limit, a real Ctrl-C, and HTTP/2 against a real server.

Servers are started here on 127.0.0.1 and stop by themselves; every wait is bounded.
Nothing asserts on time: the slow answers below are held until the test releases them
(or far longer than the run is allowed), so what finishes first is not a race.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from _helpers import client_factory, policy, reference, write_config

from refcheck.check import NOT_CHECKED, run_checks
from refcheck.cli import ExitCode, main
from refcheck.models import Status
from refcheck.store import Store

#: The longest any wait in these tests may last before it fails instead of hanging.
BOUND_S = 60.0
ROOT = Path(__file__).resolve().parents[2]


# --- a real SIGINT -----------------------------------------------------------------


class _HeldServer:
    """HTTP/1.1 on 127.0.0.1: ``/fast/*`` answers at once, ``/slow/*`` once released, else 404."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.hits: Counter[str] = Counter()
        lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    owner.hits[self.path] += 1
                if self.path.startswith("/slow/"):
                    owner.release.wait(BOUND_S)
                known = self.path.startswith(("/fast/", "/slow/"))
                body = b"<html><title>ok</title><p>here</p></html>" if known else b"<html><title>no</title></html>"
                try:
                    self.send_response(200 if known else 404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (interrupted, or the run's time ran out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def held_server() -> Iterator[_HeldServer]:
    server = _HeldServer()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


# --- the run timeout ---------------------------------------------------------------


def test_references_the_run_timeout_stops_are_not_checked_not_broken(
    tmp_path: Path, held_server: _HeldServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, held_server.url("/fast/canary"), "run_timeout = 1\ntimeout = 50\n")
    slow, ok = held_server.url("/slow/0"), held_server.url("/fast/0")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{ok}\n{slow}\n", encoding="utf-8")
    code = main(["check", "--urls", str(urls), "--config", str(config), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, err  # nothing dead: the slow one was not judged at all
    by_url = {r["url"]: r for r in json.loads(out)["results"]}
    assert by_url[ok]["status"] == "alive"
    assert by_url[slow]["status"] == "offline"
    assert by_url[slow]["evidence"] == NOT_CHECKED
    store = Store(tmp_path / "state")
    try:
        histories = store.histories()
    finally:
        store.close()
    assert slow not in histories or histories[slow].consecutive_failures == 0


def _refcheck(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "refcheck", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(stream: Any) -> tuple[queue.Queue[str], threading.Thread]:
    """Lines of ``stream`` as they come (a thread reads it to its end)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return lines, thread


def test_ctrl_c_stops_cleanly_keeps_the_store_and_the_next_run_resumes(
    tmp_path: Path, held_server: _HeldServer
) -> None:
    fast = [held_server.url(f"/fast/{i}") for i in range(3)]
    slow = [held_server.url(f"/slow/{i}") for i in range(3)]
    config = write_config(tmp_path, held_server.url("/fast/canary"), "timeout = 50\n")
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(fast + slow) + "\n", encoding="utf-8")
    args = ["check", "--urls", str(urls), "--config", str(config), "--format", "json", "--output", "out.json"]

    with _refcheck(args, tmp_path) as proc:
        lines, pump = _lines(proc.stderr)
        seen: list[str] = []
        try:
            while sum(line.startswith("[") for line in seen) < len(fast):  # the fast ones are recorded
                seen.append(lines.get(timeout=BOUND_S))
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=BOUND_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=BOUND_S)
            pump.join(BOUND_S)
    while not lines.empty():
        seen.append(lines.get_nowait())
    err = "".join(seen)
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err
    database = tmp_path / "state" / "refcheck.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM runs WHERE finished_at IS NULL").fetchone() == (1,)

    held_server.release.set()
    with _refcheck(args, tmp_path) as again:
        try:
            _, err2 = again.communicate(timeout=BOUND_S)
        finally:
            if again.poll() is None:
                again.kill()
                again.wait(timeout=BOUND_S)
    assert again.returncode == ExitCode.OK, err2
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data["run"]["resumed"] is True and data["run"]["reused"] >= len(fast)
    assert {r["status"] for r in data["results"]} == {"alive"}
    assert all(held_server.hits[f"/fast/{i}"] == 1 for i in range(3))  # reused, not fetched again


# --- HTTP/2 ------------------------------------------------------------------------


def _h2_app(versions: list[str]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        versions.append(scope["http_version"])
        path = scope["path"]
        if path == "/moved":
            status, headers, body = 301, [(b"location", b"/ok")], b""
        elif path == "/ok":
            status, headers, body = 200, [(b"content-type", b"text/html")], b"<html><title>Report</title></html>"
        else:
            status, headers, body = 404, [(b"content-type", b"text/html")], b"<html><title>Not found</title></html>"
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.fixture
def h2_server(test_ca: Any, tmp_path: Path) -> Iterator[tuple[int, list[str]]]:
    """Hypercorn over TLS (ALPN h2) on 127.0.0.1; it stops when the test ends, or after BOUND_S."""
    hypercorn = pytest.importorskip("hypercorn")
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    cert = test_ca.issue_cert("127.0.0.1")
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.certfile, config.keyfile = str(cert_file), str(key_file)
    config.accesslog = config.errorlog = None
    stop = threading.Event()
    versions: list[str] = []

    async def until_stopped() -> None:
        for _ in range(int(BOUND_S / 0.05)):
            if stop.is_set():
                return
            await asyncio.sleep(0.05)

    thread = threading.Thread(
        target=lambda: asyncio.run(serve(_h2_app(versions), config, shutdown_trigger=until_stopped)), daemon=True
    )
    port = sock.getsockname()[1]
    thread.start()
    assert hypercorn is not None
    yield port, versions
    stop.set()
    thread.join(BOUND_S)
    with contextlib.suppress(OSError):  # hypercorn closes the socket it was handed
        sock.close()


def test_an_http2_server_is_checked_over_http2(h2_server: tuple[int, list[str]], test_ca: Any) -> None:
    port, versions = h2_server
    context = ssl.create_default_context()
    test_ca.configure_trust(context)
    urls = {name: f"https://127.0.0.1:{port}/{name}" for name in ("ok", "moved", "gone")}
    p = policy(canary=urls["ok"])
    outcomes = run_checks(
        [reference(u) for u in urls.values()], p, client_factory=client_factory(verify=context), capture=True
    )
    by_url = {o.result.url: o for o in outcomes}
    ok, moved, gone = (by_url[urls[name]] for name in ("ok", "moved", "gone"))
    assert ok.result.status == Status.ALIVE and ok.result.http_status == 200
    assert ok.capture is not None and ok.capture.http_version == "HTTP/2"
    assert moved.result.status == Status.REDIRECTED and moved.result.final_url == urls["ok"]
    assert gone.result.status == Status.BROKEN and gone.result.http_status == 404
    assert versions and set(versions) == {"2"}
