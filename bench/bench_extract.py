"""Extraction speed and exactness: a generated 300-page PDF and two 10 MB text files, refcheck
beside urlextract and pdfx when they are installed (prints figures; not a test).

Usage: .venv/bin/python bench/bench_extract.py [--pages 300] [--mb 10] [--no-text] [--no-pdf]

The PDF and the dense text are generated with their truth: one footnote URL per page
(PDF) or per block (text), typeset spaced out as justified footnotes come out of PDF
extraction (``https://www .example7 .org /reports /2024 /annual -report -7 .pdf``); the PDF
also has a link annotation on each footnote. The dense text has an identifier on every
line (133k citations in 10 MB), far more than real prose: the realistic text is the
repository's plain-text examples (``examples/002_*.txt`` and ``examples/000_*.txt``, a
bilingual Chamber resolution and an English report) repeated to the same size. For every
tool the script prints the time, pages/s or MB/s, and how many of those footnote URLs it
returned exactly; for refcheck on text also the CPU time (steadier than the wall clock on
a shared machine; MB/s are per CPU second there) and the citations found.

- refcheck: ``refcheck.extract`` (read, footnotes, repair, identifiers, merge).
- urlextract (MIT): finds URLs in text and repairs nothing; on the PDF it is given the
  text refcheck's PDF reader extracted, and that reading is in its time.
- pdfx (Apache-2.0): reads the PDF with pdfminer.six and returns text URLs and
  annotation URIs; it reads PDFs only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

# bench/ is on sys.path when this file is run as a script
from pdf_libraries import long_case

import refcheck

FOOTNOTE = "{n} https://www .example{n} .org /reports /2024 /annual -report -{n} .pdf; see also CAT/C/AZE/CO/5"
BODY = "The Chamber recalls its resolution (DOC 55 1597/001) and the order of the Court.{n}"


def text_url(n: int) -> str:
    return f"https://www.example{n}.org/reports/2024/annual-report-{n}.pdf"


def make_text(megabytes: float) -> tuple[str, set[str]]:
    """Paragraphs and spaced footnotes up to ``megabytes``; returns the text and its footnote URLs."""
    parts: list[str] = []
    truth: set[str] = set()
    size = 0
    n = 1
    while size < megabytes * 1024 * 1024:
        block = "\n".join([BODY.format(n=n)] * 8) + "\n\n" + FOOTNOTE.format(n=n) + "\n\n"
        parts.append(block)
        truth.add(text_url(n))
        size += len(block)
        n += 1
    return "".join(parts), truth


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def make_prose(megabytes: float) -> str:
    """The shipped plain-text examples (002, then 000, a blank line between) repeated to ``megabytes``."""
    unit = "\n\n".join(
        next(EXAMPLES.glob(pattern)).read_text(encoding="utf-8") for pattern in ("002_*.txt", "000_*.txt")
    )
    copies = [unit]
    while len(copies) * len(unit.encode("utf-8")) < megabytes * 1024 * 1024:
        copies.append(unit)
    return "\n\n".join(copies)


@dataclass(frozen=True)
class TextRun:
    wall: float
    cpu: float
    citations: int
    urls: set[str]


def refcheck_text_run(path: Path) -> TextRun:
    """``refcheck.extract`` on one text file: wall and CPU seconds, citations found, URLs returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = refcheck.extract(path)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    citations = sum(len(r.citations) for r in result.references) + sum(len(u.citations) for u in result.unresolved)
    return TextRun(wall, cpu, citations, {url for ref in result.references for url in ref.urls})


def refcheck_urls(path: Path) -> set[str]:
    result = refcheck.extract(path)
    return {url for ref in result.references for url in ref.urls}


def urlextract_finder() -> Callable[[str], set[str]] | None:
    try:
        from urlextract import URLExtract  # type: ignore[import-not-found]
    except ImportError:
        return None
    extractor = URLExtract()
    return lambda text: set(extractor.find_urls(text, only_unique=True))


def pdf_text(path: Path) -> str:
    from refcheck.extract import read_document

    return "\n".join(line for page in read_document(path).pages for line in page.lines)


def pdfx_urls(path: Path) -> set[str]:
    import pdfx  # type: ignore[import-not-found]

    refs = pdfx.PDFx(str(path)).get_references_as_dict()
    return {url for urls in refs.values() for url in urls}


def has_pdfx() -> bool:
    try:
        import pdfx  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def timed(
    label: str, units: float, unit: str, megabytes: float, truth: Collection[str], fn: Callable[[], set[str]]
) -> None:
    start = time.perf_counter()
    found = fn()
    elapsed = time.perf_counter() - start
    exact = len(set(truth) & found)
    rate = f"{units / elapsed:8.1f} pages/s" if unit == "pages/s" else " " * 16
    print(
        f"{label:<36} {elapsed:7.2f} s  {rate}  {megabytes / elapsed:6.2f} MB/s  "
        f"{exact:>6}/{len(truth)} footnote URLs exact  ({len(found)} URLs returned)"
    )


def bench_pdf(tmp: Path, pages: int, annotate: bool, find_in_text: Callable[[str], set[str]] | None) -> None:
    case = long_case(pages, annotate=annotate)
    pdf = tmp / f"bench-{annotate}.pdf"
    pdf.write_bytes(case.pdf)
    pdf_mb = len(case.pdf) / 1024 / 1024
    truth = {want.url for want in case.urls}
    how = "spaced in the text and annotated" if annotate else "spaced in the text only, no annotations"
    print(f"PDF: {pages} pages, {pdf_mb:.2f} MB, {len(truth)} footnote URLs, {how}")
    timed("refcheck extract", pages, "pages/s", pdf_mb, truth, lambda: refcheck_urls(pdf))
    if find_in_text is None:
        print("urlextract: not installed (pip install urlextract) - skipped")
    else:
        timed(
            "urlextract (on refcheck's PDF text)", pages, "pages/s", pdf_mb, truth, lambda: find_in_text(pdf_text(pdf))
        )
    if not has_pdfx():
        print("pdfx: not installed (pip install --no-deps pdfx chardet) - skipped")
    else:
        timed("pdfx", pages, "pages/s", pdf_mb, truth, lambda: pdfx_urls(pdf))
    print()


def bench_text(tmp: Path, megabytes: float, find_in_text: Callable[[str], set[str]] | None) -> None:
    dense, truth = make_text(megabytes)
    inputs = [
        ("dense synthetic text", dense, truth),
        ("realistic prose (examples 002 + 000)", make_prose(megabytes), None),
    ]
    for label, text, want in inputs:
        path = tmp / "bench.txt"
        path.write_text(text, encoding="utf-8")
        mb = path.stat().st_size / 1024 / 1024
        run = refcheck_text_run(path)
        exact = f"  {len(want & run.urls):>6}/{len(want)} footnote URLs exact" if want is not None else ""
        print(f"{label}: {mb:.1f} MB")
        print(
            f"{'refcheck extract':<36} {run.wall:7.2f} s wall  {run.cpu:6.2f} s CPU  {mb / run.cpu:6.2f} MB/s (CPU)  "
            f"{run.citations:>7} citations{exact}"
        )
        if want is not None and find_in_text is not None:
            timed("urlextract", mb, "MB/s", mb, want, lambda: find_in_text(dense))
    print("pdfx: reads PDFs only - no text figure")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--no-text", action="store_true", help="skip the text files (only the PDF side)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDFs (only the text side)")
    args = parser.parse_args()
    find_in_text = urlextract_finder()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_pdf:
            for annotate in (True, False):
                bench_pdf(Path(tmp), args.pages, annotate, find_in_text)
        if not args.no_text:
            bench_text(Path(tmp), args.mb, find_in_text)


if __name__ == "__main__":
    main()
