"""Read a response body under caps: raw size, decompressed size, and what is kept.

httpx decompresses a whole network chunk at once, so a 64 kB chunk of a gzip bomb can
become 64 MB in memory before any check runs. Here the raw bytes are read with
``aiter_raw`` and decompressed by hand with ``max_length``, so no more than the cap is
ever produced; the raw bytes (content encoding kept, as WARC records want) are kept only
when the archive asked for them, and only the start of the decoded body is kept for
judging. The digest is computed as the bytes stream past.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from refcheck.check.classify import SAMPLE_BYTES


class _Decoder:
    """Undo one Content-Encoding (gzip, deflate or none), producing at most what is asked."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self.supported = encoding in ("", "identity", "gzip", "x-gzip", "deflate")
        self._z: zlib._Decompress | None = None
        self._deflate = encoding == "deflate"
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._deflate:
            self._z = zlib.decompressobj()

    def feed(self, data: bytes, room: int) -> tuple[bytes, bool]:
        """Decode ``data``; return at most ``room`` bytes and whether more was pending."""
        if self._z is None:
            return data[:room], len(data) > room
        try:
            out = self._z.decompress(data, room + 1)
        except zlib.error:
            if not self._deflate:
                raise
            # "deflate" is often sent raw, without the zlib header (RFC 9110 8.4.1.2 notes it)
            self._deflate = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._z.decompress(data, room + 1)
        over = len(out) > room or bool(self._z.unconsumed_tail)
        return out[:room], over


@dataclass(frozen=True, slots=True, kw_only=True)
class Body:
    """What was read of a body."""

    sample: bytes  # the start of the decoded body, at most SAMPLE_BYTES
    length: int  # decoded bytes read
    sha256: str | None  # of the whole decoded body; None when a cap stopped the read
    cap_hit: str | None  # "body" or "decompressed"
    raw: bytes | None  # the raw bytes when kept (content encoding kept)
    undecodable: bool = False


async def read_body(
    chunks: AsyncIterator[bytes], *, content_encoding: str, max_bytes: int, whole: bool, keep_raw: bool
) -> Body:
    """Read a body under caps.

    Args:
        chunks: the raw body as it arrives (httpx's ``aiter_raw``, or the plain client's).
        content_encoding: the response's Content-Encoding header ("" when none).
        max_bytes: the cap on raw bytes and, separately, on decoded bytes.
        whole: read to the end (for the digest); else stop once the sample is full.
        keep_raw: keep the raw bytes for a capture.

    Returns:
        The sample, length, digest and any cap hit. Network errors propagate.
    """
    decoder = _Decoder(content_encoding)
    digest = hashlib.sha256()
    sample = bytearray()
    raw_parts: list[bytes] = []
    raw_total = 0
    decoded_total = 0
    cap_hit: str | None = None
    undecodable = not decoder.supported
    async for chunk in chunks:
        raw_total += len(chunk)
        if raw_total > max_bytes:
            chunk = chunk[: len(chunk) - (raw_total - max_bytes)]
            cap_hit = "body"
        if keep_raw:
            raw_parts.append(chunk)
        if not undecodable:
            try:
                out, over = decoder.feed(chunk, max_bytes - decoded_total)
            except zlib.error:
                undecodable = True
                out, over = b"", False
            decoded_total += len(out)
            digest.update(out)
            if len(sample) < SAMPLE_BYTES:
                sample += out[: SAMPLE_BYTES - len(sample)]
            if over:
                cap_hit = cap_hit or "decompressed"
        if cap_hit is not None:
            break
        if not whole and len(sample) >= SAMPLE_BYTES:
            break
    complete = cap_hit is None and not undecodable and (whole or len(sample) < SAMPLE_BYTES)
    return Body(
        sample=bytes(sample),
        length=decoded_total,
        sha256=digest.hexdigest() if complete else None,
        cap_hit=cap_hit,
        raw=b"".join(raw_parts) if keep_raw else None,
        undecodable=undecodable,
    )
