"""PDF: text per page and the ``/URI`` of link annotations, placed on their lines (pypdfium2).

pypdfium2 binds PDFium, the PDF engine of Chromium (Apache-2.0 / BSD-3-Clause, so no AGPL
as with PyMuPDF). It was chosen by measurement (bench/pdf_libraries.py, bench/README.md):
about three times pypdf's pages/s with less memory, the same spaced-out URLs for the
repair stage, AES decryption built in (pypdf needs the ``cryptography`` package for it),
and character boxes, which put each link annotation on the text line it covers.

PDFium is not thread-safe: documents must be read one at a time, as the pipeline does.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# This module is imported only when a PDF is read (refcheck.extract.read_bytes), so the
# native library loads then, not with refcheck. pypdfium2 ships no type information.
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as raw  # type: ignore[import-untyped]

from refcheck.errors import DocumentError
from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.models import Document, Location

log = logging.getLogger("refcheck")

# PDFium joins a word hyphenated at a line end and marks the join with one of these. In a
# URL that hyphen is content ("conference-of-ingos-\nstatement"), so the hyphen and the
# line break are put back and the repair stage decides, as it does for any other text.
_HYPHEN_JOINS = str.maketrans({"\ufffe": "-\n", "\x02": "-\n"})
# Where in an annotation's rectangle to look for text (fractions of its width and height):
# a grid, because a rectangle may be wider than its text or cover two lines.
_PROBE_X = (0.1, 0.3, 0.5, 0.7, 0.9)
_PROBE_Y = (0.8, 0.5, 0.2)


@dataclass(frozen=True, slots=True)
class _Link:
    uri: bytes
    rect: tuple[float, float, float, float] | None  # left, bottom, right, top


def _decode_uri(data: bytes) -> str:
    """The spec says ASCII, producers write UTF-8 or Latin-1: decode, then percent-encode (IRI -> URI)."""
    text = ""
    for encoding in ("ascii", "utf-8", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return quote(text.strip(), safe="!#$%&'()*+,/:;=?@[]~-._")


def _load_error(exc: Exception, data: bytes, path: str) -> DocumentError:
    # PDFium's last-error code is global and not reset by a load that fails without setting
    # it (an empty page tree fails with "Success", or with the previous failure's code), so
    # a code is believed only when the bytes agree with it.
    code = getattr(exc, "err_code", None)
    if b"/Encrypt" in data and code == raw.FPDF_ERR_PASSWORD:
        return DocumentError(path, "encrypted PDF: it needs a password")
    if b"/Encrypt" in data and code == raw.FPDF_ERR_SECURITY:
        return DocumentError(path, "encrypted PDF with a security handler refcheck cannot open")
    if re.search(rb"/Count\s+0\b", data):
        return DocumentError(path, "PDF has no pages")
    return DocumentError(path, "corrupt or truncated PDF: it cannot be parsed")


def _lines(raw_text: str) -> list[str]:
    """PDFium's page text as lines: ``\r\n`` ends, hyphenation joins undone (``_HYPHEN_JOINS``)."""
    text = _normalise(raw_text)
    return text.removesuffix("\n").split("\n") if text else []


def _normalise(raw_text: str) -> str:
    # _lines splits on "\n" alone and _line_at counts "\n"s in the same text, so the two
    # agree; splitlines() would also split on form feeds and U+2028 and make them drift
    return raw_text.replace("\r\n", "\n").replace("\r", "\n").translate(_HYPHEN_JOINS)


def _links(pdf: Any, page: Any) -> Iterator[_Link]:
    """The page's ``/URI`` link annotations. PDFium resolves a relative URI against the
    catalog's ``/URI /Base`` itself."""
    position = ctypes.c_int(0)
    link = raw.FPDF_LINK()
    while raw.FPDFLink_Enumerate(page, ctypes.byref(position), ctypes.byref(link)):
        action = raw.FPDFLink_GetAction(link)
        if not action or raw.FPDFAction_GetType(action) != raw.PDFACTION_URI:
            continue  # /Dest, /GoTo, /GoToR, /Launch: not web links
        size = raw.FPDFAction_GetURIPath(pdf, action, None, 0)
        buffer = ctypes.create_string_buffer(size)
        raw.FPDFAction_GetURIPath(pdf, action, buffer, size)
        box = raw.FS_RECTF()
        rect = (
            (box.left, box.bottom, box.right, box.top) if raw.FPDFLink_GetAnnotRect(link, ctypes.byref(box)) else None
        )
        yield _Link(uri=buffer.value, rect=rect)


def _line_of(textpage: Any, raw_text: str, rect: tuple[float, float, float, float] | None) -> int | None:
    """The 1-based line of the page (as ``_lines`` splits ``raw_text``) that the rectangle
    covers; the topmost when it covers several.

    Probes a grid of points inside the rectangle for the character there: a few calls per
    annotation, where a pass over every character box would cost a page's extraction again.
    """
    if rect is None:
        return None
    left, right = sorted((rect[0], rect[2]))
    bottom, top = sorted((rect[1], rect[3]))
    width, height = right - left, top - bottom
    # rows go top-down, so the first row that meets text meets the first line; one hit in a
    # row is enough, as a row is narrower than a line
    for fy in _PROBE_Y:
        for fx in _PROBE_X:
            line = _line_at(textpage, raw_text, left + fx * width, bottom + fy * height, height)
            if line is not None:
                return line
    return None


def _line_at(textpage: Any, raw_text: str, x: float, y: float, height: float) -> int | None:
    try:
        index = textpage.get_index(x, y, 1.0, max(height / 4, 1.0))
    except pdfium.PdfiumError:
        return None
    if index is None:
        return None
    offset = raw.FPDFText_GetTextIndexFromCharIndex(textpage, index)
    if offset < 0:  # a character PDFium leaves out of the text
        return None
    return _normalise(raw_text[:offset]).count("\n") + 1


def _read_page(pdf: Any, number: int, path: str) -> tuple[TextPage, list[LinkTarget]]:
    try:
        page = pdf[number - 1]
    except pdfium.PdfiumError:  # a damaged page object loses one page, not the document
        return TextPage(number=number, lines=()), []
    try:
        try:
            textpage = page.get_textpage()
        except pdfium.PdfiumError:  # so does a damaged content stream
            return TextPage(number=number, lines=()), []
        try:
            raw_text = str(textpage.get_text_range())
            links: list[LinkTarget] = []
            seen: set[str] = set()
            for link in _links(pdf, page):
                uri = _decode_uri(link.uri)
                if uri in seen:
                    continue  # Word and LibreOffice write one annotation per line of a wrapped URL
                seen.add(uri)
                location = Location(document=path, page=number, line=_line_of(textpage, raw_text, link.rect))
                links.append(LinkTarget(target=uri, text=None, location=location, source="pdf-annotation"))
            return TextPage(number=number, lines=tuple(_lines(raw_text))), links
        finally:
            textpage.close()
    finally:
        page.close()


def read_pdf(data: bytes, document: Document) -> RawDocument:
    """Read a PDF's text and web links; warn (log ``refcheck``) when it has no text layer.

    Raises:
        DocumentError: the PDF is corrupt, truncated, has no pages, or needs a password.
    """
    path = document.path
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _load_error(exc, data, path) from None
    try:
        count = len(pdf)
        if count == 0:
            raise DocumentError(path, "PDF has no pages")
        pages: list[TextPage] = []
        links: list[LinkTarget] = []
        for number in range(1, count + 1):
            page, page_links = _read_page(pdf, number, path)
            pages.append(page)
            links.extend(page_links)
    except pdfium.PdfiumError as exc:
        raise DocumentError(path, f"corrupt or unreadable PDF ({exc})") from None
    finally:
        pdf.close()
    if not any(line.strip() for page in pages for line in page.lines):
        log.warning("refcheck: warning: %s: the PDF has no text layer (a scan without OCR?): no text extracted", path)
    return RawDocument(document=document, pages=tuple(pages), links=tuple(links))
