"""Plain text: lines, with form feeds read as page breaks (``pdftotext`` output)."""

from __future__ import annotations

from refcheck.extract._types import RawDocument, TextPage
from refcheck.models import Document


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-8 (with or without BOM), else cp1252, else Latin-1.

    Text from the wild is often Windows-encoded; Latin-1 never fails, so no document
    is refused for its encoding.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_text(data: bytes, document: Document) -> RawDocument:
    """Read a plain text document; a form feed starts a new page."""
    text = decode_text(data)
    if "\f" in text:
        pages = tuple(
            TextPage(number=n, lines=tuple(chunk.splitlines())) for n, chunk in enumerate(text.split("\f"), start=1)
        )
    else:
        pages = (TextPage(number=None, lines=tuple(text.splitlines())),)
    return RawDocument(document=document, pages=pages)
