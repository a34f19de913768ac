"""Damaged, protected and text-less PDFs give one clear line (an error or a warning), never a traceback.

Every fixture is made here: reportlab draws a small PDF, pypdf's writer encrypts it, and
byte surgery truncates it or breaks its cross-reference table.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from refcheck.cli import main
from refcheck.errors import DocumentError
from refcheck.extract import read_bytes

pytest.importorskip("reportlab")
pytest.importorskip("pypdf")

URL = "https://www.example.org/report-2024.pdf"


def small_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "The report is cited below.1")
    c.drawString(72, 100, f"1 {URL}")
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted(user_password: str, algorithm: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(small_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def bad_xref() -> bytes:
    # every offset in the table points past the end: a reader must rebuild it by scanning
    data = small_pdf()
    table = data.rfind(b"\nxref")
    return data[:table] + data[table:].replace(b"0000000", b"9999999")


def bad_startxref() -> bytes:
    data = small_pdf()
    start = data.rfind(b"startxref")
    return data[: start + len(b"startxref\n")] + b"999999\n%%EOF\n"


def scanned() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(60, 60, 400, 600, fill=1)  # stands for the page image of a scan without OCR
    c.showPage()
    c.save()
    return buf.getvalue()


def no_pages() -> bytes:
    from pypdf import PdfWriter

    buf = io.BytesIO()
    PdfWriter().write(buf)
    return buf.getvalue()


def run_extract(tmp_path: Path, data: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    code = main(["extract", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: small_pdf()[: len(small_pdf()) // 2], "corrupt or truncated PDF"),
        (lambda: small_pdf()[:-40], "corrupt or truncated PDF"),
        (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "corrupt or truncated PDF"),
        (lambda: encrypted("secret", "AES-128"), "encrypted PDF: it needs a password"),
        (lambda: encrypted("secret", "RC4-128"), "encrypted PDF: it needs a password"),
        (no_pages, "no pages"),
    ],
    ids=["truncated-half", "truncated-trailer", "garbage", "password-aes", "password-rc4", "no-pages"],
)
def test_an_unreadable_pdf_is_one_line_and_exit_2(
    make: object, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make()  # type: ignore[operator]
    with pytest.raises(DocumentError, match=reason):
        read_bytes(data, "doc.pdf")
    code, out, err = run_extract(tmp_path, data, capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0] and "doc.pdf" in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "make",
    [bad_xref, bad_startxref, lambda: encrypted("", "RC4-128"), lambda: encrypted("", "AES-256")],
    ids=["bad-xref", "bad-startxref", "empty-password-rc4", "empty-password-aes256"],
)
def test_a_repairable_or_openly_encrypted_pdf_is_read(make: object) -> None:
    # An empty user password is how "protected" PDFs restrict printing or copying while
    # anyone may open them: they must read like any other.
    raw = read_bytes(make(), "doc.pdf")  # type: ignore[operator]
    assert any(URL in line for page in raw.pages for line in page.lines)


def test_a_scanned_pdf_extracts_nothing_and_says_it_has_no_text_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="refcheck"):
        raw = read_bytes(scanned(), "scan.pdf")
    assert [p.number for p in raw.pages] == [1]
    assert not any(line.strip() for p in raw.pages for line in p.lines)
    assert [r.getMessage() for r in caplog.records] == [
        "refcheck: warning: scan.pdf: the PDF has no text layer (a scan without OCR?): no text extracted"
    ]
    code, out, _ = run_extract(tmp_path, scanned(), capsys)
    assert code == 0
    report = json.loads(out)
    assert (report["references"], report["unresolved"]) == ([], [])
