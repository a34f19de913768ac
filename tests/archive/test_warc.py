"""WARC records as archivists check them: version, digests, linking, metadata, crash safety."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _archive_helpers import PAGE, Origin, Resource, config, reference
from warcio.archiveiterator import ArchiveIterator

from refcheck.archive.warc import (
    REVISIT_PROFILE,
    WARC_FIELDS,
    Original,
    RecordFactory,
    WarcFile,
    complete_length,
    payload_digest,
    recover,
    warc_date,
)
from refcheck.check import run_checks
from refcheck.models import Capture

BIN = Path(sys.executable).parent
WHEN = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def capture(body: bytes = PAGE, **overrides: object) -> Capture:
    values: dict[str, object] = {
        "url": "http://example.org/res?x=1",
        "method": "GET",
        "request_headers": (("Host", "example.org"), ("User-Agent", "refcheck-test")),
        "http_version": "HTTP/1.1",
        "status": 200,
        "reason": "OK",
        "response_headers": (("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")),
        "body": body,
        "ip": "93.184.216.34",
        "captured_at": WHEN,
    }
    values.update(overrides)
    return Capture(**values)  # type: ignore[arg-type]


def read(path: Path) -> list:
    with path.open("rb") as fh:
        records = []
        for rec in ArchiveIterator(fh):
            rec.body = rec.content_stream().read()
            records.append(rec)
        return records


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "warcio"), "check", "-v", str(path)], capture_output=True, text=True, timeout=60)


def write(tmp_path: Path, *groups: list) -> Path:
    warc = WarcFile(tmp_path / "t.warc.gz")
    for group in groups:
        warc.append(group)
    return warc.close()


def test_the_payload_digest_is_base32_sha1_of_the_body() -> None:
    import base64

    assert payload_digest(b"abc") == "sha1:" + base64.b32encode(hashlib.sha1(b"abc").digest()).decode()


def test_a_page_sent_chunked_two_ways_has_one_payload_digest(tmp_path: Path) -> None:
    # warcio's capture_http digests the raw chunked bytes (warcio#74): two chunk sizes,
    # two digests, no dedup. The checker de-chunks; the digest must follow the body only.
    origin = Origin({"/a": Resource(PAGE, chunk=5), "/b": Resource(PAGE, chunk=17), "/c": Resource(PAGE)})
    try:
        cfg = config(tmp_path)
        outcomes = run_checks([reference(origin.url(p)) for p in ("/a", "/b", "/c")], cfg.check, capture=True)
    finally:
        origin.stop()
    captures = [o.capture for o in outcomes]
    assert all(c is not None and c.body == PAGE for c in captures)
    assert {payload_digest(c.body) for c in captures if c} == {payload_digest(PAGE)}


def test_a_warc_opens_with_warcinfo_and_is_version_1_1_gzip_per_record(tmp_path: Path) -> None:
    f = RecordFactory()
    info = f.warcinfo("t.warc.gz", [("operator", "Archivist"), ("refcheck-run-id", "r1")], WHEN)
    resp = f.response(capture(), payload_digest(PAGE))
    path = write(tmp_path, [info], [resp, f.request(capture(), resp)])
    records = read(path)
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request"]
    assert {r.rec_headers.protocol for r in records} == {"WARC/1.1"}
    assert b"operator: Archivist" in records[0].body and b"refcheck-run-id: r1" in records[0].body
    assert b"software: refcheck/" in records[0].body
    # gzip per record: three members, each one decompresses on its own
    data = path.read_bytes()
    assert data.count(b"\x1f\x8b\x08") >= 3
    assert gzip.decompress(data).count(b"WARC/1.1\r\n") == 3
    assert warcio_check(path).returncode == 0


def test_a_response_has_ip_digests_date_and_no_transfer_encoding(tmp_path: Path) -> None:
    f = RecordFactory()
    c = capture()
    resp = f.response(c, payload_digest(c.body))
    req = f.request(c, resp)
    path = write(tmp_path, [resp, req])
    response, request = read(path)
    h = response.rec_headers
    assert h.get_header("WARC-IP-Address") == "93.184.216.34"
    assert h.get_header("WARC-Payload-Digest") == payload_digest(PAGE)
    assert h.get_header("WARC-Block-Digest", "").startswith("sha1:")
    assert h.get_header("WARC-Date") == warc_date(WHEN) == "2025-03-01T12:00:00.123456Z"
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("Content-Type") == "text/html"
    assert response.body == PAGE
    assert request.rec_headers.get_header("WARC-Concurrent-To") == h.get_header("WARC-Record-ID")
    assert request.http_headers.protocol == "GET" and "/res?x=1" in request.http_headers.statusline
    v = warcio_check(path)
    assert v.returncode == 0 and v.stdout.count("digest pass") == 2


def test_a_revisit_uses_the_identical_payload_digest_profile_and_points_at_the_original(tmp_path: Path) -> None:
    f = RecordFactory()
    original = Original(url="http://example.org/old", date="2024-01-01T00:00:00Z", record_id="<urn:uuid:1>")
    rec = f.revisit(capture(), payload_digest(PAGE), original)
    (revisit,) = read(write(tmp_path, [rec]))
    h = revisit.rec_headers
    assert revisit.rec_type == "revisit"
    assert h.get_header("WARC-Profile") == REVISIT_PROFILE
    assert h.get_header("WARC-Refers-To-Target-URI") == "http://example.org/old"
    assert h.get_header("WARC-Refers-To-Date") == "2024-01-01T00:00:00Z"
    assert h.get_header("WARC-Refers-To") == "<urn:uuid:1>"
    assert h.get_header("WARC-Payload-Digest") == payload_digest(PAGE)
    assert revisit.body == b""  # headers only


def test_citation_metadata_is_warc_fields_on_a_urn_never_json_on_the_page(tmp_path: Path) -> None:
    f = RecordFactory()
    resp = f.response(capture(), payload_digest(PAGE))
    meta = f.metadata(
        "urn:refcheck:citations:http://example.org/res?x=1",
        [("cited-in", "brief.pdf, page 4\r\nInjected: yes"), ("citation", "see http://example.org/res")],
        resp,
    )
    _, metadata = read(write(tmp_path, [resp, meta]))
    h = metadata.rec_headers
    assert h.get_header("Content-Type") == WARC_FIELDS
    assert h.get_header("WARC-Target-URI").startswith("urn:")
    assert h.get_header("WARC-Concurrent-To") == resp.rec_headers.get_header("WARC-Record-ID")
    assert h.get_header("WARC-Payload-Digest") is None  # WARC 1.1: metadata has no payload
    lines = metadata.body.decode().splitlines()
    assert lines == ["cited-in: brief.pdf, page 4 Injected: yes", "citation: see http://example.org/res"]


def test_a_torn_last_record_is_cut_off_and_the_rest_stays_valid(tmp_path: Path) -> None:
    f = RecordFactory()
    warc = WarcFile(tmp_path / "k.warc.gz")
    warc.append([f.warcinfo("k.warc.gz", [], WHEN)])
    resp = f.response(capture(), payload_digest(PAGE))
    warc.append([resp, f.request(capture(), resp)])
    good = warc.size
    # Simulate a kill in the middle of writing the next record: half a gzip member.
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + os.urandom(5000))
    partial = member[: len(member) // 2]
    with warc.path.open("ab") as fh:
        fh.write(partial)
    assert warc.path.name.endswith(".warc.gz.open") and not warc.final.exists()
    assert complete_length(warc.path) == good
    final = recover(warc.path)
    assert final == tmp_path / "k.warc.gz" and not warc.path.exists()
    assert final.stat().st_size == good
    assert [r.rec_type for r in read(final)] == ["warcinfo", "response", "request"]
    assert warcio_check(final).returncode == 0


def test_an_open_warc_with_no_complete_record_is_removed(tmp_path: Path) -> None:
    open_file = tmp_path / "e.warc.gz.open"
    open_file.write_bytes(b"\x1f\x8b\x08\x00")
    recover(open_file)
    assert not open_file.exists() and not (tmp_path / "e.warc.gz").exists()


def test_a_finished_warc_is_never_overwritten(tmp_path: Path) -> None:
    from refcheck.errors import ArchiveError

    (tmp_path / "x.warc.gz").write_bytes(b"keep")
    with pytest.raises(ArchiveError, match="already exists"):
        WarcFile(tmp_path / "x.warc.gz")
    assert (tmp_path / "x.warc.gz").read_bytes() == b"keep"


def test_an_http2_exchange_is_stored_with_its_protocol_and_indexes_with_its_status(tmp_path: Path) -> None:
    from refcheck.archive.cdxj import write_cdxj

    f = RecordFactory()
    c = capture(http_version="HTTP/2", response_headers=(("content-type", "text/html"),))
    resp = f.response(c, payload_digest(c.body))
    path = write(tmp_path, [resp, f.request(c, resp)])
    response, request = read(path)
    assert response.http_headers.protocol == "HTTP/2" and response.http_headers.get_statuscode() == "200"
    assert request.http_headers.statusline.endswith("HTTP/2")
    index = write_cdxj([path], tmp_path / "index.cdxj", dir_root=tmp_path).read_text()
    assert '"status": "200"' in index and '"mime": "text/html"' in index
