"""PDF: text per page and the ``/URI`` of link annotations, placed on their lines (pypdfium2).

pypdfium2 binds PDFium, the PDF engine of Chromium (Apache-2.0 / BSD-3-Clause, so no AGPL
as with PyMuPDF). It was chosen by measurement (bench/pdf_libraries.py, bench/README.md):
about three times pypdf's pages/s with less memory, the same spaced-out URLs for the
repair stage, AES decryption built in (pypdf needs the ``cryptography`` package for it),
and character boxes, which put each link annotation on the text line it covers.

Each page's lines are laid out as pdftotext would print them, from a few character boxes
per line: a line PDFium broke after a raised marker is joined again, and a blank line
marks vertical space or a change of type size, as between the body and its footnotes,
so that the footnote splitter sees where notes start. Line numbers count those lines.

PDFium is not thread-safe: documents must be read one at a time, as the pipeline does.
"""

from __future__ import annotations

import ctypes
import logging
import re
import statistics
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
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
# The line breaks of PDFium's text, as _normalise turns each into one "\n".
_LINE_BREAK = re.compile("\r\n|[\r\n\ufffe\x02]")

# Layout. PDFium's text has no blank lines, where pdftotext prints one for vertical space,
# and the footnote splitter opens a note only after a blank line: so blank lines are put
# back from the characters' boxes. A few characters per line are enough to place it (a
# box per character would cost as much as the whole extraction).
_SAMPLES_PER_LINE = 5
# Lines closer than this (in type sizes) share a row: side-by-side text, not a new line.
_SAME_ROW = 0.5
# A gap wider than this many usual baseline distances is vertical space (1 is a line,
# 1.3 a paragraph's spacing in most word processors, 2 an empty line).
_GAP_FACTOR = 1.6
# Type that shrinks or grows below this ratio starts another block: 8 pt notes under
# 11 pt body (0.73), 9 under 11 (0.82); a Courier URL in Times body (0.93) is one block.
_SIZE_CHANGE = 0.85
# Text continues a row when it starts at most this far (in type sizes) right of the row's
# end: a word space, or the tab after a raised note number. (Side-by-side columns are
# broken only where a baseline moves, as after a marker; PDFium joins them otherwise.)
# It may overlap a little (kerning), and a gap wider than 0.15 of a size is a space.
_JOIN_GAP = 2.0
_OVERLAP = 0.25
_SPACE = 0.15
# Baseline distance over loose-box height when a page gives none (1.2 leading).
_DEFAULT_LEADING = 1.3
# Double-spaced 12 pt text is about 2.5: no page's usual spacing is wider.
_MAX_LEADING = 2.5


@dataclass(frozen=True, slots=True)
class _LineBox:
    """A line's place on the page: the bottom of its characters' loose boxes (the font's
    descent under the baseline), and their height, the type size whatever the text matrix
    (PDFium's font size is the ``Tf`` operand, 1 for producers that scale with ``Tm``)."""

    bottom: float
    height: float
    left: float
    right: float


@dataclass(frozen=True, slots=True)
class _Row:
    """Consecutive lines of PDFium's text that sit side by side on one row of the page."""

    text: str
    box: _LineBox | None  # the box of its largest type: the row's body, not a raised marker
    count: int  # how many of PDFium's lines it joins


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
    # _lines splits on "\n" alone and _line_spans finds the same breaks in the raw text,
    # so the two agree; splitlines() would also split on form feeds and U+2028 and drift
    return raw_text.replace("\r\n", "\n").replace("\r", "\n").translate(_HYPHEN_JOINS)


def _line_spans(raw_text: str) -> list[tuple[int, int]]:
    """Where each line of ``_lines(raw_text)`` starts and ends in ``raw_text``, its break left out."""
    if not raw_text:
        return []
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _LINE_BREAK.finditer(raw_text):
        spans.append((start, m.start()))
        start = m.end()
    if start < len(raw_text):  # a final break ends the last line and starts none
        spans.append((start, len(raw_text)))
    return spans


def _sample_offsets(raw_text: str, start: int, end: int) -> list[int]:
    """Offsets of up to ``_SAMPLES_PER_LINE`` visible characters of ``raw_text[start:end]``,
    its first and last among them (they give the line's horizontal extent)."""
    first, last = start, end - 1
    # PDFium writes the spaces it infers as characters with no box of their own
    while first < end and raw_text[first].isspace():
        first += 1
    while last > first and raw_text[last].isspace():
        last -= 1
    if first >= end:
        return []
    n = min(_SAMPLES_PER_LINE, last - first + 1)
    out: list[int] = []
    for k in range(n):
        i = first + k * (last - first) // max(n - 1, 1)
        while raw_text[i].isspace():  # stops at ``last`` at the latest
            i += 1
        if not out or i > out[-1]:
            out.append(i)
    return out


def _char_indices(handle: Any, raw_text: str) -> Callable[[int], int]:
    """Map an offset in the page text to PDFium's character index (-1: none).

    They are the same unless PDFium left characters out of the text; then each offset
    costs a call. (A strictly increasing map of the characters onto as many offsets is
    the identity.)"""
    count = raw.FPDFText_CountChars(handle)
    if count == len(raw_text) and raw.FPDFText_GetTextIndexFromCharIndex(handle, count - 1) == count - 1:
        return lambda offset: offset
    return lambda offset: int(raw.FPDFText_GetCharIndexFromTextIndex(handle, offset))


def _line_box(handle: Any, char_index: Callable[[int], int], raw_text: str, start: int, end: int) -> _LineBox | None:
    """Where a line sits and how large its type is, from a sample of its characters.

    The median resists the odd character: a superscript marker glued to a word
    (``garanderen.1``) or a footnote number raised at the start of its note.
    """
    bottoms: list[float] = []
    heights: list[float] = []
    lefts: list[float] = []
    rights: list[float] = []
    box = raw.FS_RECTF()
    pointer = ctypes.byref(box)
    for offset in _sample_offsets(raw_text, start, end):
        index = char_index(offset)
        if index < 0 or not raw.FPDFText_GetLooseCharBox(handle, index, pointer):
            continue
        height = box.top - box.bottom
        if height > 0:
            bottoms.append(box.bottom)
            heights.append(height)
            lefts.append(box.left)
            rights.append(box.right)
    if not heights:
        return None
    return _LineBox(
        bottom=statistics.median_high(bottoms),
        height=statistics.median_high(heights),
        left=min(lefts),
        right=max(rights),
    )


def _same_row(prev: _LineBox, cur: _LineBox) -> bool:
    size = max(prev.height, cur.height)
    return abs(prev.bottom - cur.bottom) <= _SAME_ROW * size


def _continues_row(prev: _LineBox | None, cur: _LineBox | None) -> bool:
    """True when PDFium broke a line that the page prints as one.

    PDFium starts a new line when the baseline moves, and a superscript moves it: the text
    after ``garanderen.1``, and a note after its raised number (``¹`` then ``Zie …``), come
    out as lines of their own, and a note number alone on a line opens no footnote. Text
    just to the right on the same row continues it; a column's gutter is wider than that.
    """
    if prev is None or cur is None or not _same_row(prev, cur):
        return False
    size = max(prev.height, cur.height)
    gap = cur.left - prev.right
    return -_OVERLAP * size <= gap <= _JOIN_GAP * size


def _join(left: str, right: str, gap: float, size: float) -> str:
    if left[-1:].isspace() or right[:1].isspace() or gap < _SPACE * size:
        return left + right
    return left + " " + right  # as PDFium does between runs set apart on one line


def _rows(lines: Sequence[str], boxes: Sequence[_LineBox | None]) -> list[_Row]:
    rows: list[_Row] = []
    for k, (line, box) in enumerate(zip(lines, boxes, strict=True)):
        prev = boxes[k - 1] if k else None
        if rows and prev is not None and box is not None and _continues_row(prev, box):
            row = rows[-1]
            joined = _join(row.text, line, box.left - prev.right, max(prev.height, box.height))
            largest = row.box if row.box is not None and row.box.height >= box.height else box
            rows[-1] = _Row(text=joined, box=largest, count=row.count + 1)
        else:
            rows.append(_Row(text=line, box=box, count=1))
    return rows


def _leading_ratio(boxes: Sequence[_LineBox | None]) -> float:
    """The page's usual baseline distance between consecutive lines of the same type size,
    in units of that size: comparing a gap with it works for 11 pt body and 8 pt notes alike."""
    ratios: list[float] = []
    for prev, cur in zip(boxes, boxes[1:], strict=False):
        if prev is None or cur is None or _size_changes(prev, cur):
            continue
        size = max(prev.height, cur.height)
        step = prev.bottom - cur.bottom
        if step > _SAME_ROW * size:
            ratios.append(step / size)
    if not ratios:
        return _DEFAULT_LEADING
    # a page of few lines has its gaps among its "distances": the lower median and a cap
    # keep one wide gap from passing for the line spacing
    return min(statistics.median_low(ratios), _MAX_LEADING)


def _size_changes(prev: _LineBox, cur: _LineBox) -> bool:
    return min(prev.height, cur.height) < _SIZE_CHANGE * max(prev.height, cur.height)


def _blank_between(prev: _LineBox, cur: _LineBox, leading: float) -> bool:
    """True when vertical space or a change of type size separates two consecutive lines,
    where pdftotext would print a blank line (and the footnote splitter expects one)."""
    size = max(prev.height, cur.height)
    step = prev.bottom - cur.bottom
    if step < -_SAME_ROW * size:
        return True  # back up the page: the next column, or a block placed out of order
    if step <= _SAME_ROW * size:
        return False  # the same row: text side by side is never pulled apart
    # 11 pt body to 8 pt notes is how a footnote block starts, even when the separator
    # rule leaves little space; and body resuming after notes is not swallowed by them
    return _size_changes(prev, cur) or step > _GAP_FACTOR * leading * size


def _laid_out(lines: Sequence[str], boxes: Sequence[_LineBox | None]) -> tuple[list[str], list[int]]:
    """The page lines, rows rejoined, with a blank line where the layout has one; and, per
    input line, its 1-based line number in the output (which link annotations are placed by)."""
    rows = _rows(lines, boxes)
    leading = _leading_ratio([row.box for row in rows])
    out: list[str] = []
    numbers: list[int] = []
    prev: _LineBox | None = None
    for row in rows:
        if row.box is not None and prev is not None and _blank_between(prev, row.box, leading):
            out.append("")
        out.append(row.text)
        numbers.extend([len(out)] * row.count)
        # a line with no box (empty, or only spaces) is a blank line already
        prev = row.box
    return out, numbers


@dataclass(frozen=True, slots=True)
class _PageText:
    """A page's lines laid out for the footnote splitter, and where PDFium's text offsets land in them."""

    starts: list[int]  # offset in raw_text where each raw line starts
    numbers: list[int]  # 1-based laid-out line number of each raw line
    lines: list[str]

    def line_of_offset(self, offset: int) -> int | None:
        """The laid-out line number of the character at ``offset`` in PDFium's page text."""
        k = bisect_right(self.starts, offset) - 1
        return self.numbers[k] if 0 <= k < len(self.numbers) else None


def _page_text(textpage: Any) -> _PageText:
    raw_text = str(textpage.get_text_range())
    spans = _line_spans(raw_text)
    handle = textpage.raw  # the raw handle: pypdfium2's wrapper costs a lookup per call
    char_index = _char_indices(handle, raw_text)
    boxes = [_line_box(handle, char_index, raw_text, start, end) for start, end in spans]
    laid_out, numbers = _laid_out(_lines(raw_text), boxes)
    return _PageText(starts=[start for start, _ in spans], numbers=numbers, lines=laid_out)


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


def _line_of(textpage: Any, text: _PageText, rect: tuple[float, float, float, float] | None) -> int | None:
    """The laid-out line of the page that the rectangle covers; the topmost when it covers several.

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
            line = _line_at(textpage, text, left + fx * width, bottom + fy * height, height)
            if line is not None:
                return line
    return None


def _line_at(textpage: Any, text: _PageText, x: float, y: float, height: float) -> int | None:
    try:
        index = textpage.get_index(x, y, 1.0, max(height / 4, 1.0))
    except pdfium.PdfiumError:
        return None
    if index is None:
        return None
    offset = raw.FPDFText_GetTextIndexFromCharIndex(textpage, index)
    if offset < 0:  # a character PDFium leaves out of the text
        return None
    return text.line_of_offset(offset)


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
            text = _page_text(textpage)
            links: list[LinkTarget] = []
            seen: set[str] = set()
            for link in _links(pdf, page):
                uri = _decode_uri(link.uri)
                if uri in seen:
                    continue  # Word and LibreOffice write one annotation per line of a wrapped URL
                seen.add(uri)
                location = Location(document=path, page=number, line=_line_of(textpage, text, link.rect))
                links.append(LinkTarget(target=uri, text=None, location=location, source="pdf-annotation"))
            return TextPage(number=number, lines=tuple(text.lines)), links
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
