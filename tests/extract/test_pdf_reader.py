"""The PDF reader on PDFs the test builds with reportlab: text per page, annotations and their lines, errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import refcheck
from refcheck.errors import DocumentError
from refcheck.extract import read_bytes

pytest.importorskip("reportlab")


def build_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Page one body.")
    c.showPage()
    c.drawString(72, 720, "The Court ordered measures.2")
    c.drawString(72, 140, "")
    # a footnote URL typeset in spread-out runs, as justified footnotes are
    x = 72.0
    for piece in [
        "2",
        "https://hudoc",
        ".echr",
        ".coe",
        ".int",
        "/eng",
        "-press",
        "?i",
        "=003",
        "-7528728",
        "-10337270",
    ]:
        c.drawString(x, 120, piece)
        x += c.stringWidth(piece) + 4
    c.drawString(72, 90, "3 Cornell heritage report, 2024.")
    c.linkURL("https://example.org/cornell.pdf", (72, 85, 300, 100))
    c.showPage()
    c.save()
    return buf.getvalue()


def test_pages_and_annotation_urls_come_out_exactly(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(build_pdf())
    raw = read_bytes(path.read_bytes(), "doc.pdf")
    assert [p.number for p in raw.pages] == [1, 2]
    assert [(link.target, link.location.page) for link in raw.links] == [("https://example.org/cornell.pdf", 2)]
    result = refcheck.extract(path)
    pages = {url: c.location.page for r in result.references for c in r.citations for url in [c.url] if url}
    assert pages == {
        "https://hudoc.echr.coe.int/eng-press?i=003-7528728-10337270": 2,
        "https://example.org/cornell.pdf": 2,
    }


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", build_pdf()[:200]], ids=["garbage", "truncated"]
)
def test_a_corrupt_pdf_is_a_document_error(data: bytes) -> None:
    with pytest.raises(DocumentError):
        read_bytes(data, "bad.pdf")


def build_annotated_pdf() -> tuple[bytes, dict[str, tuple[int, str]]]:
    """Two pages of body lines and footnotes with link annotations; returns the PDF and, per
    annotation URI, its page and the text printed on the line its rectangle covers."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 9)
    where: dict[str, tuple[int, str]] = {}
    for page in (1, 2):
        for row in range(6):
            c.drawString(60, 760 - row * 14, f"Paragraph {page}.{row} of the resolution.")
        notes = [
            (f"{page}1 Cornell heritage report, 2024.", f"https://example.org/cornell-{page}.pdf"),
            (f"{page}2 https://example.org/printed-{page}", f"https://example.org/printed-{page}"),
            (f"{page}3 Second line of a note", ""),
        ]
        for i, (text, url) in enumerate(notes):
            y = 140 - i * 16
            c.drawString(60, y, text)
            if url:
                # a rectangle wider than the text, as word processors draw them
                c.linkURL(url, (58, y - 3, 400, y + 9))
                where[url] = (page, text)
        # one link whose rectangle covers two lines: it belongs to the first
        c.linkURL(f"https://example.org/two-lines-{page}", (58, 140 - 2 * 16 - 3, 300, 140 - 16 + 9))
        where[f"https://example.org/two-lines-{page}"] = (page, notes[1][0])
        c.showPage()
    c.save()
    return buf.getvalue(), where


def test_each_annotation_is_placed_on_the_line_its_rectangle_covers() -> None:
    data, where = build_annotated_pdf()
    raw = read_bytes(data, "notes.pdf")
    placed = {}
    for link in raw.links:
        page = raw.pages[(link.location.page or 0) - 1]
        assert link.location.line is not None, link.target
        placed[link.target] = (link.location.page, page.lines[link.location.line - 1])
    assert placed == where


def test_an_annotation_citation_has_page_and_line(tmp_path: Path) -> None:
    data, _ = build_annotated_pdf()
    path = tmp_path / "notes.pdf"
    path.write_bytes(data)
    result = refcheck.extract(path)
    cornell = [c for r in result.references for c in r.citations if c.url == "https://example.org/cornell-2.pdf"]
    # six body lines, the blank line the gap above the notes makes, then note 21
    assert [(c.location.page, c.location.line, c.location.footnote, c.source) for c in cornell] == [
        (2, 8, 21, "pdf-annotation")
    ]


def test_a_url_wrapped_after_a_hyphen_keeps_its_hyphen() -> None:
    # PDFium joins a word hyphenated at a line end; in a URL the hyphen is content
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "The conference issued a statement.4")
    c.drawString(72, 120, "4 See https://www.coe.int/en/web/portal/-/conference-of-ingos-")
    c.drawString(72, 108, "statement-on-the-situation")
    c.drawString(72, 96, "5 Azer-")
    c.drawString(72, 84, "baijan, report of 2024.")
    c.showPage()
    c.save()
    raw = read_bytes(buf.getvalue(), "wrapped.pdf")
    assert raw.pages[0].lines[-4:] == (
        "4 See https://www.coe.int/en/web/portal/-/conference-of-ingos-",
        "statement-on-the-situation",
        "5 Azer-",
        "baijan, report of 2024.",
    )
