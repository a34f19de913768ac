"""Footnote numbers for citations in PDFs: the reader puts back the blank lines the layout
has (vertical space, a change of type size), so the footnote splitter can open notes.

The fixtures are drawn here with reportlab to look like a parliamentary document: 11 pt
body with superscript markers glued to words (``garanderen.1``), a short rule, 8 pt notes
starting with their number, URLs spread out in runs as justified notes are, a URL wrapped
onto a second line, link annotations, and a bilingual page in two columns.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

import refcheck
from refcheck.extract import read_bytes
from refcheck.models import Citation

pytest.importorskip("reportlab")

BODY = ("Times-Roman", 11.0, 13.2)
NOTE = ("Times-Roman", 8.0, 9.6)
# "^3" draws a superscript marker glued to the text before it; "·" splits a line into
# runs drawn with extra space between them, as a justified footnote spreads out a URL
_MARKER = re.compile(r"\^(\d+)")
_RUN_GAP = 3.0


def _draw_line(c: Any, x: float, y: float, text: str, font: tuple[str, float, float]) -> None:
    name, size, _ = font
    for run in text.split("·"):
        t = c.beginText(x, y)
        for k, piece in enumerate(_MARKER.split(run)):
            if k % 2:  # a marker: smaller and raised, with no space before it
                t.setFont(name, size * 0.65)
                t.setRise(size * 0.35)
            else:
                t.setFont(name, size)
                t.setRise(0)
            t.textOut(piece)
        c.drawText(t)
        x = t.getX() + _RUN_GAP


def _draw_block(c: Any, x: float, top: float, lines: list[str], font: tuple[str, float, float]) -> float:
    """Draw ``lines`` from baseline ``top`` down; return the baseline after the last one."""
    y = top
    for line in lines:
        _draw_line(c, x, y, line, font)
        y -= font[2]
    return y


def _notes(c: Any, x: float, top: float, width: float, notes: list[str]) -> float:
    """Draw the separator rule and the notes from baseline ``top`` down; return the last baseline."""
    c.setLineWidth(0.5)
    c.line(x, top + 10, x + width, top + 10)
    return _draw_block(c, x, top, notes, NOTE) + NOTE[2]


PAGE_1_BODY = [
    "De blokkade van de Lachin-corridor vormt een flagrante schending van",
    "het wapenstilstandsakkoord uit 2020. Op verzoek van Armenië legde het",
    "Internationaal Gerechtshof Azerbeidzjan de voorlopige maatregel op om",
    "het verkeer langs de Lachin-corridor in beide richtingen te garanderen.^1",
    "Ook het Europees Hof voor de Rechten van de Mens legde Azerbeidzjan op",
    "21 december 2022 al de voorlopige maatregel op.^2 De Kamer nam op",
    "17 november 2023 een resolutie aan^3 en verwees naar een rapport.^4",
    "Meer uitleg staat op https://www.dekamer.be/kvvcr/index.cfm vermeld.",
]
PAGE_1_NOTES = [
    "1 IGH, Toepassing van het Internationaal Verdrag inzake de uitbanning van alle vormen",
    "van rassendiscriminatie (Armenië t. Azerbeidzjan), beschikking van 22 februari 2023.",
    "2 https://hudoc·.echr·.coe·.int·/eng·-press·?i·=003·-7528728·-10337270",
    "3 Zie https://www·.lachambre·.be·/FLWB·/PDF·/55·/1597·/55K1597001",
    ".pdf, het voorstel van resolutie.",
    "4 Cornell Center for Cultural Heritage, rapport over Nagorno-Karabach, 2024.",
]
PAGE_2_BODY = [
    "Het Comité tegen Foltering uitte zijn bezorgdheid^5 over de toestand van",
    "de Armeense bevolking, en de Hoge Commissaris sloot zich daarbij aan.^6",
    "De Kamer vraagt de regering om deze vaststellingen op te volgen.",
]
# Word raises the number at the start of a note too, and PDFium breaks the line after it
PAGE_2_NOTES = [
    "^5 https://www.ohchr.org/en/press-releases/2023/10/armenia-azerbaijan",
    "^6 Ibid.",
]
OHCHR = "https://www.ohchr.org/en/press-releases/2023/10/armenia-azerbaijan"
ANNOTATED = "https://www.cornell.example/heritage/nagorno-karabakh-2024.pdf"


def build_footnoted_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    # a full page: the notes follow the body with little more than a line's space, so it
    # is the smaller type that tells them apart, as on a page Word fills
    after_body = _draw_block(c, 72, 760, PAGE_1_BODY, BODY)
    last = _notes(c, 72, after_body - 7, 144, PAGE_1_NOTES)
    # the annotation covers note 4's line, a little wider than its text, as Word draws it
    c.linkURL(ANNOTATED, (70, last - 3, 400, last + 8))
    c.showPage()
    # a short page: the notes sit at the foot, far under the body
    _draw_block(c, 72, 760, PAGE_2_BODY, BODY)
    _notes(c, 72, 100, 144, PAGE_2_NOTES)
    c.linkURL(OHCHR, (70, 100 - 3, 400, 100 + 8))
    c.setFont("Times-Roman", 9)
    c.drawCentredString(297, 50, "2")  # the page number, under the notes
    c.showPage()
    c.save()
    return buf.getvalue()


FR_BODY = [
    "La Cour internationale de Justice a ordonné",
    "à l'Azerbaïdjan d'assurer la circulation sans",
    "entrave le long du corridor de Latchine.^1 La",
    "Cour européenne des droits de l'homme a fait",
    "de même le 21 décembre 2022.^2",
]
FR_NOTES = [
    "1 https://www.icj-cij.org/fr/affaire/180",
    "2 https://hudoc.echr.coe.int/fre-press?i=003-7528728",
]
NL_BODY = [
    "Zie ook https://www.dekamer.be/nl/verslag voor",
    "de bespreking. Het Internationaal Gerechtshof",
    "legde Azerbeidzjan de voorlopige maatregel op",
    "om het verkeer langs de Lachin-corridor te",
    "garanderen.^1 Ook het Europees Hof deed dat.^2",
]
NL_NOTES = [
    "1 https://www.icj-cij.org/nl/zaak/180",
    "2 https://hudoc.echr.coe.int/eng-press?i=003-7528728",
]


def build_two_column_pdf() -> bytes:
    """A bilingual page: French on the left, Dutch on the right, each column with its own notes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for x, body, notes in ((57, FR_BODY, FR_NOTES), (310, NL_BODY, NL_NOTES)):
        _draw_block(c, x, 760, body, BODY)
        _notes(c, x, 100, 100, notes)
    c.showPage()
    c.save()
    return buf.getvalue()


def _citations(tmp_path: Path, data: bytes) -> list[Citation]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return [c for r in refcheck.extract(path).references for c in r.citations]


def _where(citations: list[Citation]) -> list[tuple[str, int | None, int | None, int | None, str]]:
    return sorted((c.url, c.location.page, c.location.line, c.location.footnote, c.source) for c in citations if c.url)


def _printed(lines: list[str]) -> list[str]:
    return [_MARKER.sub(r"\1", line).replace("·", " ") for line in lines]


def test_the_reader_puts_a_blank_line_between_body_and_notes() -> None:
    raw = read_bytes(build_footnoted_pdf(), "doc.pdf")
    page1, page2 = (list(p.lines) for p in raw.pages)
    # the glued markers stay glued and on their line, one blank line opens the notes
    assert page1 == [*_printed(PAGE_1_BODY), "", *_printed(PAGE_1_NOTES)]
    assert page1[3].endswith("te garanderen.1")
    # raised note numbers are joined to their note; the page number is set apart
    assert page2 == [*_printed(PAGE_2_BODY), "", *_printed(PAGE_2_NOTES), "", "2"]


def test_footnote_urls_keep_page_line_and_footnote_number(tmp_path: Path) -> None:
    assert _where(_citations(tmp_path, build_footnoted_pdf())) == sorted(
        [
            # body lines 1-8 (a URL on the last one), a blank line 9, the notes from line 10
            ("https://www.dekamer.be/kvvcr/index.cfm", 1, 8, None, "text"),
            ("https://hudoc.echr.coe.int/eng-press?i=003-7528728-10337270", 1, 12, 2, "text"),
            # spread out in runs and wrapped onto a second line: one URL, where it starts
            ("https://www.lachambre.be/FLWB/PDF/55/1597/55K1597001.pdf", 1, 13, 3, "text"),
            # printed nowhere: the annotation over note 4 is a citation of its own, on that note
            (ANNOTATED, 1, 15, 4, "pdf-annotation"),
            # page 2: three body lines, a blank line, note 5 printed under its annotation;
            # note 6 ("Ibid.") cites it again
            (OHCHR, 2, 5, 5, "annotation+text"),
            (OHCHR, 2, 6, 6, "annotation+text"),
        ]
    )


def test_a_date_at_a_line_start_in_the_body_opens_no_note(tmp_path: Path) -> None:
    # "17 november 2023" and "21 december 2022" start body lines, with no blank line before
    citations = _citations(tmp_path, build_footnoted_pdf())
    assert {c.location.footnote for c in citations} == {None, 1, 2, 3, 4, 5, 6}


def test_a_bilingual_two_column_page_keeps_each_column_and_its_notes(tmp_path: Path) -> None:
    data = build_two_column_pdf()
    lines = list(read_bytes(data, "doc.pdf").pages[0].lines)
    # column by column, each with its notes, never a French and a Dutch line run together
    assert lines == [*_printed(FR_BODY), "", *FR_NOTES, "", *_printed(NL_BODY), "", *NL_NOTES]
    assert _where(_citations(tmp_path, data)) == sorted(
        [
            ("https://www.icj-cij.org/fr/affaire/180", 1, 7, 1, "text"),
            ("https://hudoc.echr.coe.int/fre-press?i=003-7528728", 1, 8, 2, "text"),
            # the Dutch column starts after French note 2: body text, not part of the note
            ("https://www.dekamer.be/nl/verslag", 1, 10, None, "text"),
            ("https://www.icj-cij.org/nl/zaak/180", 1, 16, 1, "text"),
            ("https://hudoc.echr.coe.int/eng-press?i=003-7528728", 1, 17, 2, "text"),
        ]
    )


def _box(bottom: float, height: float = 12.4, left: float = 72.0, right: float = 500.0) -> Any:
    from refcheck.extract.pdf import _LineBox

    return _LineBox(bottom=bottom, height=height, left=left, right=right)


def test_layout_rules_on_boxes() -> None:
    from refcheck.extract.pdf import _laid_out

    lines = ["body 1", "body 2", "body 3", "1 note", "2 note", "footer", "col 2", "right", "far"]
    boxes = [
        _box(700),
        _box(686.8),
        _box(673.6),
        _box(653, height=9.0),  # smaller type, little space: a note block starts
        _box(643.4, height=9.0),
        _box(600, height=9.0),  # wide space
        _box(700, left=310, right=400),  # back up the page: the next column
        _box(700, left=420, right=450),  # raised text broke the line: joined
        _box(700, left=520, right=560),  # a gutter away: its own line, no blank
    ]
    out, numbers = _laid_out(lines, boxes)
    assert out == ["body 1", "body 2", "body 3", "", "1 note", "2 note", "", "footer", "", "col 2 right", "far"]
    assert numbers == [1, 2, 3, 5, 6, 8, 10, 10, 11]
