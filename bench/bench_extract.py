"""Extraction speed: a generated 300-page PDF and a 10 MB text file (prints figures; not a test).

Usage: .venv/bin/python bench/bench_extract.py [--pages 300] [--mb 10]
Runs refcheck's whole extraction (read, footnotes, repair, identifiers, merge) and, when
installed, urlextract on the same text for comparison (it finds URLs only and repairs
nothing, so it is a speed yardstick, not a quality one).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import refcheck

FOOTNOTE = "{n} https://www .example{n} .org /reports /2024 /annual -report -{n} .pdf; see also CAT/C/AZE/CO/5"
BODY = "The Chamber recalls its resolution (DOC 55 1597/001) and the order of the Court.{n}"


def make_text(megabytes: float) -> str:
    parts: list[str] = []
    size = 0
    n = 1
    while size < megabytes * 1024 * 1024:
        block = "\n".join([BODY.format(n=n)] * 8) + "\n\n" + FOOTNOTE.format(n=n) + "\n\n"
        parts.append(block)
        size += len(block)
        n += 1
    return "".join(parts)


def make_pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for page in range(1, pages + 1):
        y = 760
        for line in range(30):
            c.drawString(60, y, BODY.format(n=page * 100 + line)[:95])
            y -= 20
        c.drawString(60, 100, FOOTNOTE.format(n=page))
        c.linkURL(f"https://www.example{page}.org/reports/2024/annual-report-{page}.pdf", (60, 95, 500, 110))
        c.showPage()
    c.save()
    return buf.getvalue()


def timed(label: str, units: float, unit: str, fn: object) -> None:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    count = len(result.references) if hasattr(result, "references") else len(result)
    print(f"{label:<34} {elapsed:7.2f} s  {units / elapsed:9.1f} {unit}  ({count} found)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--mb", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "bench.pdf"
        pdf.write_bytes(make_pdf(args.pages))
        text = make_text(args.mb)
        txt = Path(tmp) / "bench.txt"
        txt.write_text(text, encoding="utf-8")
        mb = txt.stat().st_size / 1024 / 1024
        timed(f"refcheck extract, {args.pages}-page PDF", args.pages, "pages/s", lambda: refcheck.extract(pdf))
        timed(f"refcheck extract, {mb:.1f} MB text", mb, "MB/s", lambda: refcheck.extract(txt))
        try:
            from urlextract import URLExtract  # type: ignore[import-not-found]
        except ImportError:
            print("urlextract: not installed (pip install urlextract) - skipped")
        else:
            extractor = URLExtract()
            timed(f"urlextract, {mb:.1f} MB text", mb, "MB/s", lambda: extractor.find_urls(text))


if __name__ == "__main__":
    main()
