"""The PDF reader on PDFs the test builds with reportlab: text per page, annotations, errors."""

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
