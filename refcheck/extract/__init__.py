"""Read a document of any supported format into pages of text and explicit links.

The reader is chosen from the content (magic bytes), not from the extension alone:
documents arrive renamed, and a ``.txt`` may hold Markdown (corpus 004) or a ``.pdf``
may be an HTML error page saved by a browser.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

from refcheck.errors import DocumentError
from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.extract.text import decode_text, read_text
from refcheck.models import Document

__all__ = ["LinkTarget", "RawDocument", "TextPage", "read_document", "sniff_media_type"]

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"

# Binary formats we recognise only to refuse them by name.
_BINARY_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office (OLE) file; save it as DOCX or PDF"),
    (b"{\\rtf", "an RTF file; save it as DOCX or PDF"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
)
_HTML_EXTENSIONS = (".html", ".htm", ".xhtml")
_MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd")


def _is_html(head: str, name: str) -> bool:
    start = head.lstrip().lower()[:2048]
    if start.startswith(("<!doctype html", "<html", "<?xml")) and "<html" in start:
        return True
    return (
        name.lower().endswith(_HTML_EXTENSIONS)
        and "<" in start
        and ("<body" in start or "<p" in start or "<a " in start)
    )


def sniff_media_type(data: bytes, name: str) -> str:
    """Tell the media type of ``data`` from its bytes (``name`` only breaks ties between text formats).

    Raises:
        DocumentError: the bytes are a format refcheck does not read.
    """
    if b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX
        except zipfile.BadZipFile:
            raise DocumentError(name, "corrupt ZIP container (a damaged DOCX?)") from None
        raise DocumentError(name, "unsupported file type: a ZIP archive that is not a DOCX document")
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise DocumentError(name, f"unsupported file type: {what}")
    if b"\x00" in data[:8192]:
        raise DocumentError(name, "unsupported file type: binary data, not a document refcheck can read")
    head = decode_text(data[:4096])
    if _is_html(head, name):
        return HTML
    if name.lower().endswith(_MARKDOWN_EXTENSIONS):
        return MARKDOWN
    from refcheck.extract.markdown import looks_like_markdown

    if looks_like_markdown(decode_text(data[: 256 * 1024])):
        return MARKDOWN
    return TEXT


def display_path(path: Path) -> str:
    """Return ``path`` relative to the current directory when it is below it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def read_document(path: str | Path) -> RawDocument:
    """Read one document from disk, choosing the reader from its content.

    Raises:
        DocumentError: missing, unreadable, too large, corrupt or unsupported.
    """
    file = Path(path)
    shown = display_path(file)
    try:
        if file.is_dir():
            raise DocumentError(shown, "is a directory, not a document")
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(shown, f"too large ({size} bytes; the limit is {MAX_DOCUMENT_BYTES})")
        data = file.read_bytes()
    except FileNotFoundError:
        raise DocumentError(shown, "no such file") from None
    except PermissionError:
        raise DocumentError(shown, "permission denied") from None
    except OSError as exc:
        raise DocumentError(shown, f"cannot be read ({exc.strerror or exc})") from None
    return read_bytes(data, shown)


def read_bytes(data: bytes, name: str) -> RawDocument:
    """Read a document held in memory; ``name`` is how locations will refer to it."""
    if not data.strip():
        return RawDocument(
            document=Document(path=name, media_type=TEXT, sha256=hashlib.sha256(data).hexdigest()),
            pages=(TextPage(number=None, lines=()),),
        )
    media_type = sniff_media_type(data, name)
    document = Document(path=name, media_type=media_type, sha256=hashlib.sha256(data).hexdigest())
    if media_type == PDF:
        from refcheck.extract.pdf import read_pdf

        return read_pdf(data, document)
    if media_type == DOCX:
        from refcheck.extract.docx import read_docx

        return read_docx(data, document)
    if media_type == HTML:
        from refcheck.extract.html import read_html

        return read_html(data, document)
    if media_type == MARKDOWN:
        from refcheck.extract.markdown import read_markdown

        return read_markdown(data, document)
    return read_text(data, document)
