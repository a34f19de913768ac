"""The DOCX reader, on Word files built here with zipfile: links, notes, fields, damage."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from refcheck.errors import DocumentError
from refcheck.extract import read_bytes, read_document
from refcheck.models import Citation
from refcheck.pipeline import scan_document

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
HYPERLINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def para(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def hyperlink(rid: str, text: str) -> str:
    return f'<w:hyperlink r:id="{rid}">{run(text)}</w:hyperlink>'


def field(instruction: str, shown: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run(shown) + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def note_ref(kind: str, note_id: int) -> str:
    return f'<w:r><w:{kind}Reference w:id="{note_id}"/></w:r>'


def rels(targets: dict[str, str]) -> str:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{HYPERLINK_TYPE}" Target="{target}" TargetMode="External"/>'
        for rid, target in targets.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
        ' Target="styles.xml"/>' + items + "</Relationships>"
    )


def notes(kind: str, bodies: dict[int, str]) -> str:
    separators = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
    separators += f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p/></w:{kind}>'
    items = "".join(f'<w:{kind} w:id="{i}">{body}</w:{kind}>' for i, body in bodies.items())
    return f"<w:{kind}s {W} {R}>{separators}{items}</w:{kind}s>"


def docx(
    paragraphs: list[str],
    *,
    links: dict[str, str] | None = None,
    footnotes: dict[int, str] | None = None,
    footnote_links: dict[str, str] | None = None,
    endnotes: dict[int, str] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", f"<w:document {W} {R}><w:body>{''.join(paragraphs)}</w:body></w:document>"
        )
        archive.writestr("word/_rels/document.xml.rels", rels(links or {}))
        if footnotes is not None:
            archive.writestr("word/footnotes.xml", notes("footnote", footnotes))
            archive.writestr("word/_rels/footnotes.xml.rels", rels(footnote_links or {}))
        if endnotes is not None:
            archive.writestr("word/endnotes.xml", notes("endnote", endnotes))
    return buffer.getvalue()


def cite(data: bytes) -> list[Citation]:
    raw = read_bytes(data, "doc.docx")
    assert raw.document.media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return scan_document(raw)


def urls(data: bytes) -> list[tuple[str | None, int | None, int | None, str]]:
    found = [(c.url, c.location.line, c.location.footnote, c.source) for c in cite(data) if c.url]
    return sorted(found, key=lambda t: (t[1] or 0, t[0] or ""))


def test_hyperlinks_come_from_the_relationships() -> None:
    data = docx(
        [
            para(run("Title")),
            para(run("See "), hyperlink("rId7", "the report"), run(" and "), hyperlink("rId8", "the search"), run(".")),
        ],
        links={"rId7": "https://example.org/report.pdf", "rId8": "https://example.org/s?a=1&amp;b=2"},
    )
    raw = read_bytes(data, "doc.docx")
    assert raw.pages[0].lines == ("Title", "See the report and the search.")
    assert [(link.target, link.text, link.location.line, link.source) for link in raw.links] == [
        ("https://example.org/report.pdf", "the report", 2, "docx-hyperlink"),
        ("https://example.org/s?a=1&b=2", "the search", 2, "docx-hyperlink"),
    ]


def test_a_bookmark_link_is_not_a_source() -> None:
    data = docx([para('<w:hyperlink w:anchor="_Toc1">' + run("Chapter 2") + "</w:hyperlink>")])
    assert read_bytes(data, "doc.docx").links == ()


def test_footnotes_keep_the_numbers_word_shows_and_their_own_links() -> None:
    # Ids 2 and 5 (ids skip after edits); the body refers to 5 first, so it is footnote 1.
    data = docx(
        [
            para(run("First claim."), note_ref("footnote", 5)),
            para(run("Second claim."), note_ref("footnote", 2)),
        ],
        footnotes={
            2: para(run("Reuters, "), hyperlink("rId1", "Prisoners exchanged"), run(", 2023.")),
            5: para(run("https://example.org/"), run("first-"), run("note.pdf")) + para(run("Second paragraph.")),
        },
        footnote_links={"rId1": "https://example.org/reuters"},
    )
    raw = read_bytes(data, "doc.docx")
    assert raw.pages[0].lines == (
        "First claim.",
        "Second claim.",
        "",
        "1 https://example.org/first-note.pdf Second paragraph.",
        "",
        "2 Reuters, Prisoners exchanged, 2023.",
    )
    assert urls(data) == [
        ("https://example.org/first-note.pdf", 4, 1, "text"),
        ("https://example.org/reuters", 6, 2, "docx-hyperlink"),
    ]


def test_a_note_starting_with_a_date_is_still_a_footnote() -> None:
    data = docx(
        [para(run("Claim."), note_ref("footnote", 1))],
        footnotes={1: para(run("June 2023 report, https://example.org/june"))},
    )
    assert urls(data) == [("https://example.org/june", 3, 1, "text")]


def test_endnotes_are_read_too() -> None:
    data = docx([para(run("Claim."), note_ref("endnote", 1))], endnotes={1: para(run("https://example.org/end"))})
    assert urls(data) == [("https://example.org/end", 3, 1, "text")]


def test_field_code_hyperlinks_are_links() -> None:
    data = docx(
        [
            para(
                run("Complex "), field(' HYPERLINK "https://example.org/complex" \\o "tip" ', "complex link"), run(".")
            ),
            para(
                '<w:fldSimple w:instr=" HYPERLINK &quot;https://example.org/simple&quot; ">'
                + run("simple")
                + "</w:fldSimple>"
            ),
            para(run("Bookmark "), field(' HYPERLINK \\l "_Toc123" ', "see above")),
            para(run("Page "), field(" PAGE ", "3")),
        ]
    )
    raw = read_bytes(data, "doc.docx")
    assert raw.pages[0].lines == ("Complex complex link.", "simple", "Bookmark see above", "Page 3")
    assert [(link.target, link.text, link.location.line) for link in raw.links] == [
        ("https://example.org/complex", "complex link", 1),
        ("https://example.org/simple", "simple", 2),
    ]


def test_a_url_split_over_runs_is_whole_and_deleted_text_is_not_read() -> None:
    data = docx(
        [
            para(
                run("See https://www.example"),
                run(".org/reports/"),
                "<w:r><w:t>2023</w:t><w:noBreakHyphen/><w:t>annual.pdf</w:t></w:r>",
                '<w:del w:id="1" w:author="x"><w:r><w:delText>https://example.org/deleted</w:delText></w:r></w:del>',
                run(" today."),
            )
        ]
    )
    assert urls(data) == [("https://www.example.org/reports/2023-annual.pdf", 1, None, "text")]


def test_a_hyperlink_whose_text_is_its_url_is_one_citation() -> None:
    data = docx(
        [para(run("Source: "), hyperlink("rId1", "https://example.org/a"))],
        links={"rId1": "https://example.org/a"},
    )
    assert urls(data) == [("https://example.org/a", 1, None, "docx-hyperlink")]
    data = docx([para(run("Source: "), field(' HYPERLINK "https://example.org/b" ', "https://example.org/b"))])
    assert urls(data) == [("https://example.org/b", 1, None, "docx-hyperlink")]


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "corrupt ZIP"),
        (make_zip({"word/styles.xml": b"<x/>"}), "not a DOCX"),
        (make_zip({"word/document.xml": b"<w:document><w:body>"}), "corrupt DOCX"),
        (
            make_zip({"word/document.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><w:document/>'}),
            "declares a DTD",
        ),
    ],
)
def test_a_damaged_docx_is_a_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "damaged.docx"
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=message) as caught:
        read_document(path)
    assert str(caught.value).startswith(str(path.name)) or str(path) in str(caught.value)


def test_a_truncated_docx_is_a_clear_error() -> None:
    data = docx([para(run("x" * 5000))])
    with pytest.raises(DocumentError, match="corrupt"):
        read_bytes(data[: len(data) // 2], "cut.docx")


def test_a_corrupt_member_is_a_clear_error() -> None:
    data = bytearray(docx([para(run("https://example.org/" + "x" * 4000))]))
    start = data.index(b"word/document.xml") + len(b"word/document.xml")
    data[start + 10 : start + 60] = b"\xff" * 50  # damage the deflated body
    with pytest.raises(DocumentError, match="corrupt"):
        read_bytes(bytes(data), "bad.docx")
