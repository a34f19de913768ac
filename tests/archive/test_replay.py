"""The archive replays in pywb, byte for byte, after the origin server is gone.

One pywb per module, started as a subprocess on 127.0.0.1 (importing pywb in-process
would monkey-patch the test's threads through gevent). Its root is the archive directory
itself, which refcheck lays out as a pywb collection; two more collections are loaded
the documented ways: ``wb-manager add`` with the WARC files and ``wb-manager add
--unpack-wacz`` with the WACZ package.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from _archive_helpers import PAGE, Origin, Resource, StepClock, config, reference

from refcheck.archive import ArchiveSummary, archive_references

BIN = Path(sys.executable).parent
PYWB_START_TIMEOUT_S = 60.0
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MOVED = PAGE.replace(b"Resolution 2417 (2018)", b"Resolution 2417 (2018), at its new address")


@dataclass(frozen=True)
class Replay:
    base: str
    page: str
    pdf: str
    moved: str  # cited URL: 301, then 302, then the page
    first: ArchiveSummary
    second: ArchiveSummary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ts(summary: ArchiveSummary, url: str) -> str:
    snap = next(s for s in summary.snapshots if s.url == url)
    return snap.captured_at.strftime("%Y%m%d%H%M%S")


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    if not (BIN / "wayback").exists() or not (BIN / "wb-manager").exists():
        pytest.skip("pywb is not installed in this environment (pip install pywb): replay not tested")
    tmp = tmp_path_factory.mktemp("replay")
    origin = Origin(
        {
            "/res.html": Resource(PAGE, chunk=50),
            "/doc.pdf": Resource(PDF, content_type="application/pdf"),
            "/moved": Resource(b"moved", status=301, headers=(("Location", "/moved-again"),)),
            "/moved-again": Resource(b"", status=302, headers=(("Location", "/new/res.html"),)),
            "/new/res.html": Resource(MOVED),
        }
    )
    page, pdf, moved = origin.url("/res.html"), origin.url("/doc.pdf"), origin.url("/moved")
    cited = [reference(page), reference(pdf), reference(moved)]
    clock = StepClock()
    cfg = config(tmp)
    try:
        first = archive_references(cited, cfg, allow_private=True, clock=clock)
        clock.jump(days=1)
        second = archive_references(cited, cfg, allow_private=True, clock=clock)
    finally:
        origin.stop()  # from here on, only the archive can answer
    assert (first.redirects, second.revisits) == (2, 3)
    root = tmp / "arch"
    run = {"cwd": root, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([str(BIN / "wb-manager"), "init", "warcs"], **run)  # type: ignore[call-overload]
    warcs = sorted((root / "collections/refcheck/archive").glob("*.warc.gz"))
    subprocess.run([str(BIN / "wb-manager"), "add", "warcs", *map(str, warcs)], **run)  # type: ignore[call-overload]
    subprocess.run([str(BIN / "wb-manager"), "init", "fromwacz"], **run)  # type: ignore[call-overload]
    wacz = root / "refcheck.wacz"
    subprocess.run([str(BIN / "wb-manager"), "add", "--unpack-wacz", "fromwacz", str(wacz)], **run)  # type: ignore[call-overload]
    port = _free_port()
    log = (tmp / "pywb.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port), "-d", str(root)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PYWB_START_TIMEOUT_S
        while True:  # bounded readiness wait
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"pywb did not start: {(tmp / 'pywb.log').read_text()[-2000:]}")
                time.sleep(0.1)
        yield Replay(base=base, page=page, pdf=pdf, moved=moved, first=first, second=second)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        shutil.rmtree(root / "collections/warcs", ignore_errors=True)


@pytest.mark.parametrize("collection", ["refcheck", "warcs", "fromwacz"])
def test_the_page_replays_byte_for_byte_after_the_origin_is_gone(replay: Replay, collection: str) -> None:
    for run in (replay.first, replay.second):  # the response, then the revisit of the next run
        for url, body in ((replay.page, PAGE), (replay.pdf, PDF)):
            resp = httpx.get(f"{replay.base}/{collection}/{_ts(run, url)}id_/{url}", timeout=30)
            assert resp.status_code == 200, resp.text[:300]
            assert resp.content == body  # the page, never the citation metadata
            assert "Memento-Datetime" in resp.headers


@pytest.mark.parametrize("collection", ["refcheck", "warcs", "fromwacz"])
def test_the_cited_url_of_a_moved_page_replays_through_its_redirects(replay: Replay, collection: str) -> None:
    for run in (replay.first, replay.second):
        snap = next(s for s in run.snapshots if s.key == replay.moved)
        stamp = snap.captured_at.strftime("%Y%m%d%H%M%S")
        # "mp_" is pywb's rewriting mode without its frame: a recorded Location is
        # rewritten to the archive's copy of the next URL ("id_" passes it on as recorded).
        archived = f"{replay.base}/{collection}/{stamp}mp_/"
        resp = httpx.get(archived + replay.moved, timeout=30, follow_redirects=True)
        assert [r.status_code for r in resp.history] == [301, 302]
        assert all(str(r.url).startswith(f"{replay.base}/{collection}/") for r in (*resp.history, resp))
        assert resp.status_code == 200 and str(resp.url).endswith(f"mp_/{snap.url}")
        assert b"at its new address" in resp.content
        exact = httpx.get(f"{replay.base}/{collection}/{stamp}id_/{snap.url}", timeout=30)
        assert exact.content == MOVED  # and the page itself byte for byte


def test_pywb_indexes_one_response_and_one_revisit_per_source(replay: Replay) -> None:
    resp = httpx.get(f"{replay.base}/refcheck/cdx", params={"url": replay.page, "output": "json"}, timeout=30)
    lines = resp.text.strip().splitlines()
    assert len(lines) == 2
    assert '"mime": "warc/revisit"' in lines[1] or '"mime":"warc/revisit"' in lines[1].replace(" ", "")


def test_a_url_never_archived_is_not_found(replay: Replay) -> None:
    resp = httpx.get(f"{replay.base}/refcheck/2025id_/http://127.0.0.1:1/never", timeout=30)
    assert resp.status_code == 404
