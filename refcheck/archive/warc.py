"""Write captures as WARC/1.1 records with warcio: one gzip member per record, crash-safe.

warcio builds the records, but three things are decided here rather than left to it:

* the version: warcio writes WARC/1.0 unless told, so every writer says ``1.1``;
* the payload digest: computed here on the body with transfer encoding removed (what
  ``Capture.body`` holds), as WARC 1.1 defines it. warcio's ``capture_http`` digests
  the raw chunked bytes, so one page sent with two chunk sizes gets two digests and
  deduplication silently fails (webrecorder/warcio#74, iipc/warc-specifications#22);
* durability: a record is rendered whole in memory (its own gzip member), appended to
  the file in one write, flushed and fsynced before the caller records it anywhere
  else. A run writes ``<stem>.warc.gz.open`` and renames it to ``<stem>.warc.gz`` when
  it ends. A run killed half-way leaves an ``.open`` file whose complete members are
  all valid records; ``recover`` cuts a torn last member off and renames it, so every
  finished WARC passes ``warcio check``. The caller commits a record to the digest
  index only after ``append`` returns, so the index never points at a lost record.

``Transfer-Encoding`` is dropped from the stored response headers because the stored
body is de-chunked (a header saying ``chunked`` over a plain body would lie);
``Content-Encoding`` and the compressed body are kept as received.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from refcheck import __version__
from refcheck.archive._paths import OPEN_SUFFIX
from refcheck.errors import ArchiveError
from refcheck.models import Capture

WARC_VERSION = "1.1"
WARC_FIELDS = "application/warc-fields"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
#: Hop-by-hop framing that no longer describes the stored (de-chunked) body.
DROPPED_RESPONSE_HEADERS = frozenset({"transfer-encoding"})
READ_CHUNK_BYTES = 1 << 20


class _Writer(WARCWriter):  # type: ignore[misc]
    """warcio's writer, minus the payload digest it would add to metadata records.

    WARC 1.1 section 5.9: a metadata record has no well-defined payload, and
    ``WARC-Payload-Digest`` "shall not be used" there (warcio only exempts warcinfo
    and revisit records).
    """

    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")


def _warcio_version() -> str:
    try:
        return version("warcio")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body``: ``sha1:`` and base32, as in CDX(J) and Wayback."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """``WARC-Date`` for ``moment``: UTC, with microseconds (allowed from WARC 1.1)."""
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def _field(value: str) -> str:
    """One line of ``application/warc-fields``: no CR or LF may break out of it."""
    return " ".join(value.split())


def warc_fields(fields: Sequence[tuple[str, str]]) -> bytes:
    """Render ``name: value`` lines (``application/warc-fields``), skipping empty values."""
    return "".join(f"{_field(k)}: {_field(v)}\r\n" for k, v in fields if v).encode("utf-8")


def _http_protocol(version: str) -> str:
    # httpx says "HTTP/1.1" or "HTTP/2"; the stored status line keeps what was spoken.
    return version if version.startswith("HTTP/") else f"HTTP/{version}"


def response_http_headers(capture: Capture) -> StatusAndHeaders:
    """The response's status line and headers as stored: framing headers dropped."""
    headers = [(k, v) for k, v in capture.response_headers if k.lower() not in DROPPED_RESPONSE_HEADERS]
    return StatusAndHeaders(
        f"{capture.status} {capture.reason}".strip(), headers, protocol=_http_protocol(capture.http_version)
    )


def request_http_headers(capture: Capture) -> StatusAndHeaders:
    """The request line and headers as sent."""
    parts = urlsplit(capture.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(capture.request_headers)
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(
        f"{capture.method} {target} {_http_protocol(capture.http_version)}",
        headers,
        protocol="",
        is_http_request=True,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Original:
    """The first capture of a payload, which a revisit record points at."""

    url: str
    date: str  # its WARC-Date, as written
    record_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """Where ``append`` put a record."""

    record_id: str
    record_type: str
    offset: int
    length: int


class RecordFactory:
    """Builds the records of one WARC (warcio, WARC/1.1); writes nothing itself."""

    def __init__(self) -> None:
        self._builder = _Writer(io.BytesIO(), gzip=True, warc_version=WARC_VERSION)

    def warcinfo(self, filename: str, fields: Sequence[tuple[str, str]], date: datetime) -> ArcWarcRecord:
        """The ``warcinfo`` record that opens every WARC, dated ``date`` (the run's start)."""
        info = {
            "software": f"refcheck/{__version__} (warcio/{_warcio_version()})",
            "format": "WARC File Format 1.1",
            "conformsTo": CONFORMS_TO,
        }
        info.update({k: _field(v) for k, v in fields if v})
        record: ArcWarcRecord = self._builder.create_warcinfo_record(filename, info)
        record.rec_headers.replace_header("WARC-Date", warc_date(date))
        return record

    def response(self, capture: Capture, digest: str) -> ArcWarcRecord:
        """A ``response`` record; ``digest`` is the caller's ``payload_digest(capture.body)``."""
        headers = {
            "WARC-Date": warc_date(capture.captured_at),
            "WARC-Payload-Digest": digest,
        }
        if capture.ip:
            headers["WARC-IP-Address"] = capture.ip
        if capture.truncated:
            headers["WARC-Truncated"] = "length"  # the body cap stopped the read
        record: ArcWarcRecord = self._builder.create_warc_record(
            capture.url,
            "response",
            payload=io.BytesIO(capture.body),
            length=len(capture.body),
            http_headers=response_http_headers(capture),
            warc_headers_dict=headers,
        )
        return record

    def revisit(self, capture: Capture, digest: str, original: Original) -> ArcWarcRecord:
        """A ``revisit`` (identical-payload-digest) record: this exchange's headers, no body."""
        headers = {"WARC-Date": warc_date(capture.captured_at), "WARC-Refers-To": original.record_id}
        if capture.ip:
            headers["WARC-IP-Address"] = capture.ip
        record: ArcWarcRecord = self._builder.create_revisit_record(
            capture.url,
            digest,
            original.url,
            original.date,
            http_headers=response_http_headers(capture),
            warc_headers_dict=headers,
        )
        return record

    def request(self, capture: Capture, concurrent_to: ArcWarcRecord) -> ArcWarcRecord:
        """The ``request`` record of an exchange, ``WARC-Concurrent-To`` its response."""
        record: ArcWarcRecord = self._builder.create_warc_record(
            capture.url,
            "request",
            http_headers=request_http_headers(capture),
            warc_headers_dict={
                "WARC-Date": concurrent_to.rec_headers.get_header("WARC-Date"),
                "WARC-Concurrent-To": record_id(concurrent_to),
            },
        )
        return record

    def metadata(self, target: str, fields: Sequence[tuple[str, str]], concurrent_to: ArcWarcRecord) -> ArcWarcRecord:
        """A ``metadata`` record in ``application/warc-fields`` about ``concurrent_to``.

        ``target`` must be a ``urn:`` (never the cited URL: pywb and cdxj-indexer would
        index a record under the page's URL and replay it instead of the page).
        """
        body = warc_fields(fields)
        record: ArcWarcRecord = self._builder.create_warc_record(
            target,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=WARC_FIELDS,
            warc_headers_dict={
                "WARC-Date": concurrent_to.rec_headers.get_header("WARC-Date"),
                "WARC-Concurrent-To": record_id(concurrent_to),
            },
        )
        return record


def record_id(record: ArcWarcRecord) -> str:
    """A record's ``WARC-Record-ID`` (``<urn:uuid:…>``)."""
    return str(record.rec_headers.get_header("WARC-Record-ID"))


def render_record(record: ArcWarcRecord) -> bytes:
    """One record as one complete gzip member."""
    out = io.BytesIO()
    _Writer(out, gzip=True, warc_version=WARC_VERSION).write_record(record)
    return out.getvalue()


class WarcFile:
    """One run's WARC, open for appending; renamed to its final name by ``close``.

    Args:
        final: the finished WARC's path (``<stem>.warc.gz``); the open file is beside
            it with ``.open`` added.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
        self.path = final.with_name(final.name + OPEN_SUFFIX)
        if final.exists():
            raise ArchiveError(f"{final} already exists: a run id is used once")
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise ArchiveError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._size = os.fstat(self._fd).st_size

    @property
    def name(self) -> str:
        """The finished file's name, as records and indexes refer to it."""
        return self.final.name

    @property
    def size(self) -> int:
        return self._size

    def append(self, records: Sequence[ArcWarcRecord]) -> list[Written]:
        """Append ``records`` (each its own gzip member) in one write, then fsync.

        Returns where each landed. When this returns, the records are on disk.
        """
        blobs = [render_record(r) for r in records]
        offset = self._size
        written = []
        for record, blob in zip(records, blobs, strict=True):
            written.append(
                Written(record_id=record_id(record), record_type=record.rec_type, offset=offset, length=len(blob))
            )
            offset += len(blob)
        data = b"".join(blobs)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            raise ArchiveError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._size = offset
        return written

    def discard(self) -> None:
        """Close and delete the file (a run that captured nothing leaves no WARC)."""
        os.close(self._fd)
        self.path.unlink(missing_ok=True)

    def close(self) -> Path:
        """Close the file and give it its finished name; return that path."""
        os.fsync(self._fd)
        os.close(self._fd)
        os.replace(self.path, self.final)
        _fsync_dir(self.final.parent)
        return self.final


def _fsync_dir(folder: Path) -> None:
    # A rename is durable once the directory entry is; not every platform allows this.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def complete_length(path: Path) -> int:
    """The length of the prefix of ``path`` made of complete gzip members (read in chunks)."""
    end = 0  # offset just after the last complete member
    offset = 0  # offset of the start of ``buf`` in the file
    decoder: Any = None
    with path.open("rb") as fh:
        while buf := fh.read(READ_CHUNK_BYTES):
            while buf:
                decoder = decoder or zlib.decompressobj(wbits=31)
                data = buf
                try:
                    while True:
                        # Bounded output per call: a member of zeros inflates a lot.
                        decoder.decompress(data, READ_CHUNK_BYTES * 4)
                        if decoder.eof or not decoder.unconsumed_tail:
                            break
                        data = decoder.unconsumed_tail
                except zlib.error:
                    return end
                if decoder.eof:
                    used = len(buf) - len(decoder.unused_data)
                    offset += used
                    end = offset
                    buf = decoder.unused_data
                    decoder = None
                else:
                    offset += len(buf)
                    buf = b""
    return end


def recover(path: Path) -> Path:
    """Finish a WARC a killed run left open: cut a torn last record off, then rename it.

    Returns the finished WARC's path. An ``.open`` file with no complete record is
    removed (and its path returned although nothing is there).
    """
    keep = complete_length(path)
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if keep == 0:
        path.unlink()
        return final
    with path.open("r+b") as fh:
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(path, final)
    _fsync_dir(final.parent)
    return final


def citation_fields(pairs: Mapping[str, str]) -> list[tuple[str, str]]:
    """Metadata fields in a stable order (the mapping's), empty values dropped."""
    return [(k, v) for k, v in pairs.items() if v]
