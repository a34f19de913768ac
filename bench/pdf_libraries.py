"""Which PDF library should refcheck read PDFs with? Prints a table of measurements (not a test).

Usage: .venv/bin/python bench/pdf_libraries.py [--pages 300] [--corpus DIR]

Candidates: pypdf (BSD), pypdfium2 (Apache-2.0 / BSD-3, PDFium) and pdfminer.six (MIT);
PyMuPDF is AGPL and out. Each library reads PDFs generated here with reportlab that
reproduce the traps of the corpus, whose truth the generator knows:

- ``spaced``: footnote URLs drawn one piece at a time with justification gaps, so an
  extractor inserts spaces (``https://hudoc .echr .coe .int /eng -press ?i =003 -...``);
- ``wrapped``: long footnote URLs wrapped over two lines, after ``/``, ``-`` or ``=``;
- ``ligatures``: URLs typeset with ``ﬁ ﬂ ﬃ`` glyphs (needs a TrueType font: DejaVu Sans);
- ``columns``: French and Dutch columns side by side, footnotes on the same baselines;
- ``annotations``: link annotations (``/Annots`` ``/URI``) on known lines, one whose printed
  text is a title only;
- ``long``: a 300-page document (the speed and memory case).

For each library and case: pages/s of the library's text extraction, peak memory (a
fresh process per library), and what refcheck's own pipeline (footnotes, URL repair)
makes of the library's text, annotations left out so the text path is judged alone:
``intact`` URLs printed whole on one line of the library's output, ``repaired`` found
exactly only after refcheck's repair, ``lost`` not found exactly; ``page`` whether each
found URL got its right page; ``annots`` the annotation URIs read with a rectangle.
"""

from __future__ import annotations

import argparse
import ctypes
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LIBRARIES = ("pypdf", "pypdfium2", "pdfminer.six")
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


@dataclass(frozen=True, slots=True)
class Expected:
    """A URL the generated PDF cites, on ``page``; ``marker`` is text printed on the line it starts on."""

    url: str
    page: int
    marker: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    pdf: bytes
    pages: int
    urls: tuple[Expected, ...]
    annotations: tuple[Expected, ...] = ()


@dataclass(slots=True)
class Extracted:
    """A library's reading of a PDF: lines per page, and (page, URI, rect) per link annotation."""

    pages: list[list[str]] = field(default_factory=list)
    links: list[tuple[int, str, tuple[float, ...] | None]] = field(default_factory=list)


# --- the generated PDFs ----------------------------------------------------------------


def _spread(c: Any, x: float, y: float, pieces: list[str], gap: float) -> None:
    """Draw ``pieces`` one text object each, ``gap`` points apart, as justified footnotes are."""
    for piece in pieces:
        c.drawString(x, y, piece)
        x += c.stringWidth(piece) + gap


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _justified(c: Any, x: float, y: float, pieces: list[str], gap: float) -> None:
    """Draw ``pieces`` as one ``TJ`` array with justification offsets between them, as word
    processors and TeX write justified lines (one text object, no explicit moves)."""
    size = c._fontsize
    array = f" {-gap * 1000 / size:.0f} ".join(_pdf_string(piece) for piece in pieces)
    text = c.beginText(x, y)
    text._code.append(f"[{array}] TJ")
    c.drawText(text)


def _pieces(url: str) -> list[str]:
    """Split a URL before each joiner, as typesetters break and spread it."""
    out: list[str] = []
    current = ""
    for i, ch in enumerate(url):
        if ch in "./-?=&_" and current and not url[:i].endswith(("/", ":")):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return out


def spaced_case(draw: Callable[[Any, float, float, list[str], float], None] = _spread, name: str = "spaced") -> Case:
    from reportlab.pdfgen import canvas

    urls = [
        "https://hudoc.echr.coe.int/eng-press?i=003-7528728-10337270",
        "https://www.reuters.com/world/europe/armenia-azerbaijan-border-2024-04-23/",
        "https://www.lachambre.be/FLWB/PDF/55/1597/55K1597001.pdf",
        "https://undocs.org/en/CAT/C/AZE/CO/5",
        "https://www.icj-cij.org/sites/default/files/case-related/180/180-20231117-ord-01-00-en.pdf",
        "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2023/2879(RSP)",
    ]
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 8)
    expected: list[Expected] = []
    for page in range(1, 4):
        c.drawString(60, 760, f"Body text of page {page}, citing its sources in footnotes.")
        for slot, url in enumerate(urls[(page - 1) * 2 : page * 2]):
            n = page * 10 + slot
            y = 120 - slot * 20
            draw(c, 60, y, [str(n), *_pieces(url)], 2.5 + slot)
            expected.append(Expected(url, page, str(n)))
        c.showPage()
    c.save()
    return Case(name, buf.getvalue(), 3, tuple(expected))


def wrapped_case() -> Case:
    from reportlab.pdfgen import canvas

    wraps = [
        ("https://www.coe.int/en/web/portal/-/conference-of-ingos-", "statement-on-the-situation"),
        ("https://www.europarl.europa.eu/doceo/document/", "TA-9-2023-0356_EN.html"),
        ("https://documents.un.org/api/symbol/access?s=", "S/2020/1104&l=en&t=pdf"),
        ("https://www.amnesty.org/en/documents/eur55/7514/2023/", "en/"),
    ]
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 8)
    expected: list[Expected] = []
    c.drawString(60, 760, "Body text that cites four sources.")
    y = 200.0
    for n, (head, tail) in enumerate(wraps, start=1):
        c.drawString(60, y, f"{n} See {head}")
        c.drawString(60, y - 10, tail)
        expected.append(Expected(head + tail, 1, f"{n} See"))
        y -= 26
    c.showPage()
    c.save()
    return Case("wrapped", buf.getvalue(), 1, tuple(expected))


def ligature_font() -> str | None:
    """Register a TrueType font with ligature glyphs; ``None`` when none is installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for path in FONT_FILES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("LigSans", path))
            return "LigSans"
    return None


def ligature_case() -> Case | None:
    from reportlab.pdfgen import canvas

    font = ligature_font()
    if font is None:
        return None
    printed = [
        (
            "https://www.example.org/\ufb01les/o\ufb03cial-\ufb02yer.pdf",
            "https://www.example.org/files/official-flyer.pdf",
        ),
        ("https://www.example.org/af\ufb01davit/\ufb01nal", "https://www.example.org/affidavit/final"),
    ]
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont(font, 8)
    c.drawString(60, 760, "The o\ufb03cial \ufb01les are cited below.")
    expected: list[Expected] = []
    for n, (text, url) in enumerate(printed, start=1):
        c.drawString(60, 150 - n * 14, f"{n} {text}")
        expected.append(Expected(url, 1, str(n)))
    c.showPage()
    c.save()
    return Case("ligatures", buf.getvalue(), 1, tuple(expected))


def columns_case() -> Case:
    """French left, Dutch right, written line by line across both columns as two-column
    parliamentary documents are, so the footnotes of both languages share baselines."""
    from reportlab.pdfgen import canvas

    fr = ["https://www.lachambre.be/kvvcr/fr/1597", "https://www.icj-cij.org/fr/affaire/180"]
    nl = ["https://www.dekamer.be/kvvcr/nl/1597", "https://www.icj-cij.org/en/case/180"]
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 8)
    expected: list[Expected] = []
    for row in range(12):
        c.drawString(60, 760 - row * 12, f"La Chambre rappelle le point {row} du texte.")
        c.drawString(320, 760 - row * 12, f"De Kamer herinnert aan punt {row} van de tekst.")
    for n, (left, right) in enumerate(zip(fr, nl, strict=True), start=1):
        y = 140 - n * 14
        _spread(c, 60, y, [str(n), *_pieces(left)], gap=2.5)
        _spread(c, 320, y, [str(n), *_pieces(right)], gap=2.5)
        expected += [Expected(left, 1, str(n)), Expected(right, 1, str(n))]
    c.showPage()
    c.save()
    return Case("columns", buf.getvalue(), 1, tuple(expected))


def annotations_case() -> Case:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 9)
    annots: list[Expected] = []
    texts: list[Expected] = []
    for page in (1, 2):
        for row in range(8):
            c.drawString(60, 760 - row * 14, f"Paragraph {page}.{row} of the resolution.")
        lines = [
            (f"{page}1 Cornell heritage report, 2024.", f"https://example.org/cornell-{page}.pdf", False),
            (f"{page}2 https://example.org/printed-{page}", f"https://example.org/printed-{page}", True),
        ]
        for i, (text, url, printed) in enumerate(lines):
            y = 140 - i * 16
            c.drawString(60, y, text)
            c.linkURL(url, (58, y - 3, 60 + c.stringWidth(text) + 2, y + 9))
            annots.append(Expected(url, page, text.split()[0]))
            if printed:
                texts.append(Expected(url, page, text.split()[0]))
        c.showPage()
    c.save()
    return Case("annotations", buf.getvalue(), 2, tuple(texts), tuple(annots))


def long_url(page: int) -> str:
    return f"https://www.example{page}.org/reports/2024/annual-report-{page}.pdf"


BODY = "The Chamber recalls its resolution (DOC 55 1597/001) and the order of the Court.{n}"


def long_case(pages: int, annotate: bool = True) -> Case:
    """``pages`` pages of 30 body lines and one spaced footnote URL each, annotated or not."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    expected: list[Expected] = []
    for page in range(1, pages + 1):
        c.setFont("Helvetica", 10)
        for line in range(30):
            c.drawString(60, 760 - line * 20, BODY.format(n=page * 100 + line)[:95])
        c.setFont("Helvetica", 8)
        url = long_url(page)
        _spread(c, 60, 100, [str(page % 90 + 1), *_pieces(url)], gap=2.5)
        if annotate:
            c.linkURL(url, (58, 97, 500, 108))
        expected.append(Expected(url, page, str(page % 90 + 1)))
        c.showPage()
    c.save()
    return Case("long", buf.getvalue(), pages, tuple(expected), tuple(expected) if annotate else ())


def all_cases(pages: int) -> list[Case]:
    cases = [
        spaced_case(),
        spaced_case(_justified, "spaced-TJ"),
        wrapped_case(),
        ligature_case(),
        columns_case(),
        annotations_case(),
        long_case(pages),
    ]
    return [case for case in cases if case is not None]


# --- the libraries ------------------------------------------------------------------------


def read_pypdf(data: bytes) -> Extracted:
    from pypdf import PdfReader

    out = Extracted()
    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages, start=1):
        out.pages.append((page.extract_text() or "").splitlines())
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            action = annot.get("/A")
            action = action.get_object() if action is not None else None
            if annot.get("/Subtype") == "/Link" and action is not None and action.get("/S") == "/URI":
                rect = tuple(float(v) for v in annot.get("/Rect", [])) or None
                out.links.append((number, str(action["/URI"]), rect))
    return out


def read_pypdfium2(data: bytes) -> Extracted:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out = Extracted()
    pdf = pdfium.PdfDocument(data)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            # PDFium joins a word hyphenated at a line end and marks the join with U+FFFE;
            # in a URL that hyphen is content, so the line break is put back and the
            # repair stage decides, as it does for other libraries' output.
            out.pages.append(textpage.get_text_range().replace("\ufffe", "-\n").splitlines())
            textpage.close()
            position = ctypes.c_int(0)
            link = raw.FPDF_LINK()
            while raw.FPDFLink_Enumerate(page, ctypes.byref(position), ctypes.byref(link)):
                action = raw.FPDFLink_GetAction(link)
                if not action or raw.FPDFAction_GetType(action) != raw.PDFACTION_URI:
                    continue
                size = raw.FPDFAction_GetURIPath(pdf, action, None, 0)
                buffer = ctypes.create_string_buffer(size)
                raw.FPDFAction_GetURIPath(pdf, action, buffer, size)
                box = raw.FS_RECTF()
                has_rect = raw.FPDFLink_GetAnnotRect(link, ctypes.byref(box))
                rect = (box.left, box.bottom, box.right, box.top) if has_rect else None
                out.links.append((index + 1, buffer.value.decode("latin-1"), rect))
            page.close()
    finally:
        pdf.close()
    return out


def read_pdfminer(data: bytes) -> Extracted:
    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1

    out = Extracted()
    manager = PDFResourceManager()
    for number, page in enumerate(PDFPage.get_pages(io.BytesIO(data)), start=1):
        text = io.StringIO()
        device = TextConverter(manager, text, laparams=LAParams())
        PDFPageInterpreter(manager, device).process_page(page)
        device.close()
        out.pages.append(text.getvalue().replace("\x0c", "").splitlines())
        for ref in resolve1(page.annots) or []:
            annot = resolve1(ref)
            action = resolve1(annot.get("A")) if isinstance(annot, dict) else None
            if isinstance(action, dict) and "URI" in action:
                uri = resolve1(action["URI"])
                rect = tuple(float(v) for v in resolve1(annot.get("Rect", []))) or None
                out.links.append((number, uri.decode("latin-1") if isinstance(uri, bytes) else str(uri), rect))
    return out


READERS: dict[str, Callable[[bytes], Extracted]] = {
    "pypdf": read_pypdf,
    "pypdfium2": read_pypdfium2,
    "pdfminer.six": read_pdfminer,
}


def version(library: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(library)
    except PackageNotFoundError:
        return ""


# --- damaged and protected PDFs ----------------------------------------------------------


def damaged_cases() -> list[tuple[str, bytes]]:
    """PDFs that must give a clear error or warning: (name, bytes)."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    good = spaced_case().pdf
    cut = good.rfind(b"xref")
    bad_xref = good[:cut] + good[cut:].replace(b"0000000", b"9999999")
    start = good.rfind(b"startxref")
    bad_startxref = good[: start + 10] + b"999999\n%%EOF\n"
    out = [("truncated", good[: len(good) // 2]), ("bad xref", bad_xref), ("bad startxref", bad_startxref)]
    for label, user, algorithm in [
        ("RC4-128, empty user pw", "", "RC4-128"),
        ("AES-256, empty user pw", "", "AES-256"),
        ("AES-128, user pw", "secret", "AES-128"),
    ]:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
        writer.encrypt(user_password=user, owner_password="owner", algorithm=algorithm)
        buf = io.BytesIO()
        writer.write(buf)
        out.append((label, buf.getvalue()))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(60, 60, 400, 600, fill=1)  # a page with no text layer, as a scan without OCR
    c.showPage()
    c.save()
    out.append(("no text layer", buf.getvalue()))
    return out


def robustness(library: str, data: bytes) -> str:
    """What a library does with a damaged PDF, in a few words."""
    import logging

    logging.disable(logging.WARNING)  # pypdf logs its repairs; only the outcome matters here
    try:
        got = READERS[library](data)
    except Exception as exc:
        return f"error {type(exc).__name__}"
    finally:
        logging.disable(logging.NOTSET)
    chars = sum(len(line) for lines in got.pages for line in lines)
    return f"{len(got.pages)} p, {chars} chars"


# --- judging ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    intact: int
    repaired: int
    lost: int
    pages_right: int
    annots: int
    annots_with_rect: int
    lost_urls: tuple[str, ...]


def judge(case: Case, got: Extracted) -> Verdict:
    """What refcheck's text path makes of a library's output, and which annotations it read."""
    from refcheck.extract._types import RawDocument, TextPage
    from refcheck.models import Document
    from refcheck.pipeline import scan_document

    doc = Document(path=case.name, media_type="application/pdf", sha256="")
    pages = tuple(TextPage(number=i, lines=tuple(lines)) for i, lines in enumerate(got.pages, start=1))
    citations = scan_document(RawDocument(document=doc, pages=pages))
    found = {(c.url, c.location.page) for c in citations if c.url}
    found_urls = {url for url, _ in found}
    intact = repaired = lost = pages_right = 0
    lost_urls: list[str] = []
    for want in case.urls:
        page_lines = got.pages[want.page - 1] if want.page <= len(got.pages) else []
        if want.url not in found_urls:
            lost += 1
            lost_urls.append(want.url)
            continue
        if any(want.url in line.split() for line in page_lines):
            intact += 1
        else:
            repaired += 1
        pages_right += (want.url, want.page) in found
    wanted = {(a.page, a.url) for a in case.annotations}
    read = {(page, uri) for page, uri, _ in got.links}
    with_rect = {(page, uri) for page, uri, rect in got.links if rect and len(rect) == 4}
    return Verdict(intact, repaired, lost, pages_right, len(wanted & read), len(wanted & with_rect), tuple(lost_urls))


# --- measuring ----------------------------------------------------------------------------


def peak_rss_mib() -> float:
    # ru_maxrss survives execve, so a child would report its parent's peak; VmHWM is the
    # peak of this process image only (Linux).
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(library: str, path: str) -> None:
    """Read one PDF with one library in this fresh process; print JSON figures."""
    data = Path(path).read_bytes()
    reader = READERS[library]
    _warm_imports(library)  # the import cost is not reading cost
    before = peak_rss_mib()
    start, cpu = time.perf_counter(), time.process_time()
    got = reader(data)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps(
            {"seconds": elapsed, "cpu": cpu, "pages": len(got.pages), "rss": peak_rss_mib(), "rss_before": before}
        )
    )


def _warm_imports(library: str) -> None:
    if library == "pypdf":
        import pypdf  # noqa: F401
    elif library == "pypdfium2":
        import pypdfium2  # noqa: F401
    else:
        import pdfminer.high_level  # noqa: F401


def measure(library: str, path: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", library, str(path)], capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def corpus_pdfs(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(folder.glob("*.pdf"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "PDF"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    import tempfile

    libraries = [lib for lib in LIBRARIES if version(lib)]
    print("libraries: " + ", ".join(f"{lib} {version(lib)}" for lib in libraries))
    missing = [lib for lib in LIBRARIES if lib not in libraries]
    if missing:
        print("not installed (skipped): " + ", ".join(missing))
    cases = all_cases(args.pages)
    if not any(case.name == "ligatures" for case in cases):
        print("ligatures: no TrueType font with ligature glyphs found - case skipped")
    print()
    print(
        f"{'case':<12} {'library':<13} {'URLs':>4} {'intact':>6} {'repaired':>8} {'lost':>4} {'page ok':>7} {'annots':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        timings: dict[str, dict[str, float]] = {}
        for case in cases:
            for library in libraries:
                got = READERS[library](case.pdf)
                v = judge(case, got)
                found = v.intact + v.repaired
                annots = f"{v.annots}/{len(case.annotations)}" + ("" if v.annots == v.annots_with_rect else " norect")
                print(
                    f"{case.name:<12} {library:<13} {len(case.urls):>4} {v.intact:>6} {v.repaired:>8} {v.lost:>4} "
                    f"{v.pages_right:>3}/{found:<3} {annots if case.annotations else '-':>9}"
                )
                for url in v.lost_urls[:3]:
                    print(f"{'':<27}lost: {url}")
            if case.name == "long":
                path = Path(tmp) / "long.pdf"
                path.write_bytes(case.pdf)
                timings = {lib: measure(lib, path) for lib in libraries}
        print()
        size = len(cases[-1].pdf) / 1024 / 1024
        print(f"{args.pages}-page PDF ({size:.1f} MB), one fresh process per library, text and annotations:")
        # CPU seconds say more than wall seconds on a shared machine: both are printed
        print(f"{'library':<13} {'wall s':>7} {'CPU s':>6} {'pages/CPU s':>12} {'peak MiB':>9} {'+MiB reading':>13}")
        for lib, t in timings.items():
            print(
                f"{lib:<13} {t['seconds']:>7.2f} {t['cpu']:>6.2f} {t['pages'] / t['cpu']:>12.1f} {t['rss']:>9.0f} "
                f"{t['rss'] - t['rss_before']:>13.0f}"
            )
    print()
    print("damaged and protected PDFs:")
    print(f"{'PDF':<24} " + " ".join(f"{lib:<20}" for lib in libraries))
    for name, data in damaged_cases():
        print(f"{name:<24} " + " ".join(f"{robustness(lib, data):<20}" for lib in libraries))
    pdfs = list(corpus_pdfs(args.corpus))
    print()
    if not pdfs:
        print(f"corpus: no PDF in {args.corpus.name}/ (it holds extracted text only) - nothing to run")
    for pdf in pdfs:
        for library in libraries:
            t = measure(library, pdf)
            print(f"corpus {pdf.name}: {library} {t['pages']:.0f} pages, {t['pages'] / t['seconds']:.1f} pages/s")


if __name__ == "__main__":
    main()
