"""The reader is chosen from the bytes, not from the extension."""

from __future__ import annotations

import pytest

from refcheck.errors import DocumentError
from refcheck.extract import sniff_media_type


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.7\n...", "renamed.txt", "application/pdf"),  # a PDF saved as .txt
        (b"<!DOCTYPE html><html><body><a href='x'>x</a></body></html>", "saved.pdf", "text/html"),
        (b"# Title\n\nSee [the report](https://example.org/r).\n", "notes.txt", "text/markdown"),  # corpus 004
        (
            b"Just words, and https://example.org/ in plain text.\n",
            "notes.md",
            "text/markdown",
        ),  # extension breaks ties
        (b"Just words, and https://example.org/ in plain text.\n", "notes.txt", "text/plain"),
        (b"\xef\xbb\xbfUTF-8 with a BOM\n", "bom.txt", "text/plain"),
    ],
)
def test_sniffing_reads_the_content(data: bytes, name: str, expected: str) -> None:
    assert sniff_media_type(data, name) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office"),
        (b"PK\x03\x04\x14\x00", "corrupt ZIP"),
        (b"abc\x00def", "binary data"),
    ],
)
def test_unsupported_content_is_refused_by_name(data: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        sniff_media_type(data, "file.bin")
