"""The HTML reader: hrefs, placeholders, base URLs, footnotes, charsets, broken markup."""

from __future__ import annotations

import hashlib

import pytest

from refcheck.extract import read_bytes
from refcheck.extract.html import read_html
from refcheck.models import Citation, CitationKind, Document
from refcheck.pipeline import scan_document


def page(data: bytes) -> Document:
    return Document(path="page.html", media_type="text/html", sha256=hashlib.sha256(data).hexdigest())


def links(data: bytes) -> list[tuple[str, str | None, int | None]]:
    raw = read_html(data, page(data))
    return [(link.target, link.text, link.location.line) for link in raw.links]


def lines(data: bytes) -> tuple[str, ...]:
    return read_html(data, page(data)).pages[0].lines


def cite(data: bytes) -> list[Citation]:
    return scan_document(read_bytes(data, "page.html"))


def urls(data: bytes) -> list[tuple[str | None, int | None, int | None, str]]:
    """(url, line, footnote, source) of every citation with a URL, sorted by line then URL."""
    found = [(c.url, c.location.line, c.location.footnote, c.source) for c in cite(data) if c.url]
    return sorted(found, key=lambda t: (t[1] or 0, t[0] or ""))


def html(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<!DOCTYPE html>\n<html><head>{head}</head>\n<body>\n{body}</body></html>\n".encode()


def test_hrefs_and_urls_in_text_are_found_with_entities_decoded() -> None:
    data = html(
        '<p>See <a href="https://example.org/search?a=1&amp;b=2">the search</a> and\n'
        "https://example.org/q?x=1&amp;y=2 in the text.</p>\n"
    )
    assert links(data) == [("https://example.org/search?a=1&b=2", "the search", 4)]
    assert urls(data) == [
        ("https://example.org/search?a=1&b=2", 4, None, "html-href"),
        ("https://example.org/q?x=1&y=2", 5, None, "text"),
    ]


def test_link_text_that_repeats_its_url_is_one_citation() -> None:
    data = html('<p><a href="https://example.org/same">https://example.org/same</a></p>\n')
    assert urls(data) == [("https://example.org/same", 4, None, "html-href")]


@pytest.mark.parametrize(("href", "shown"), [("#", "#"), ("", "empty"), ("  ", "empty")])
def test_a_placeholder_href_is_reported_and_its_text_examined(href: str, shown: str) -> None:
    data = html(f'<p>Symbol <a href="{href}">S/2020/1104</a>; <a href="{href}">the annex</a>.</p>\n')
    citations = cite(data)
    assert [(c.kind, c.key, c.raw, c.location.line, c.source) for c in citations] == [
        (CitationKind.IDENTIFIER, "un:S/2020/1104", "S/2020/1104", 4, "html-href"),
        (CitationKind.TITLE, None, "the annex", 4, "html-href"),
    ]
    assert {c.note for c in citations} == {f"the link in the document has an empty target ({shown!r})"}


def test_relative_hrefs_are_resolved_against_an_absolute_base() -> None:
    data = html(
        '<p><a href="annex.pdf">annex</a> <a href="/about">about</a> <a href="#sec">section 2</a></p>\n',
        head='<base href="https://www.example.org/docs/index.html">',
    )
    assert links(data) == [
        ("https://www.example.org/docs/annex.pdf", "annex", 4),
        ("https://www.example.org/about", "about", 4),
    ]
    assert lines(data)[3] == "annex about section 2"


def test_relative_hrefs_without_a_base_are_not_sources() -> None:
    data = html('<p><a href="annex.pdf">annex</a> and <a href="//cdn.example.net/lib.js">lib</a></p>\n')
    assert links(data) == [("annex.pdf", "annex", 4), ("https://cdn.example.net/lib.js", "lib", 4)]
    assert urls(data) == [("https://cdn.example.net/lib.js", 4, None, "html-href")]


def test_mailto_and_javascript_links_are_ignored_but_their_text_kept() -> None:
    data = html(
        '<p><a href="mailto:press@example.org">press@example.org</a> <a href="javascript:void(0)">DOC 55 1597/001</a>'
        ' <a href="tel:+3225550000">call</a></p>\n'
    )
    assert links(data) == []
    assert [(c.key, c.source) for c in cite(data)] == [("be-chamber:55/1597/001", "text")]


def test_script_style_and_comments_are_not_text() -> None:
    data = html(
        '<script>var u = "https://example.org/in-script";</script>\n'
        "<style>p { background: url(https://example.org/in-style.png) }</style>\n"
        "<!-- https://example.org/in-comment -->\n"
        "<p>Visible https://example.org/visible</p>\n",
        head='<meta charset="utf-8"><script src="https://example.org/head.js"></script>',
    )
    assert urls(data) == [("https://example.org/visible", 7, None, "text")]


def test_pandoc_footnotes_keep_their_numbers_and_in_text_markers_are_dropped() -> None:
    data = html(
        '<p>The statement S/2020/1104<sup><a href="#fn1" id="fnref1">1</a></sup> and a\n'
        'report.<a href="#fn2" class="footnote-ref"><sup>2</sup></a></p>\n'
        '<section id="footnotes" class="footnotes footnotes-end-of-document" role="doc-endnotes">\n'
        "<hr />\n"
        "<ol>\n"
        '<li id="fn1"><p>Reuters, <a href="https://example.org/reuters">Prisoners exchanged</a>,\n'
        '13 December 2023.<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li>\n'
        '<li id="fn2"><p>June 2023 report, https://example.org/june<a href="#fnref2">↩︎</a></p></li>\n'
        "</ol>\n"
        "</section>\n"
    )
    assert lines(data)[3:5] == ("The statement S/2020/1104 and a", "report.")
    assert urls(data) == [
        ("https://example.org/reuters", 9, 1, "html-href"),
        ("https://example.org/june", 12, 2, "text"),  # one below its source line: blocks need a blank line
    ]
    assert [(c.key, c.location.footnote) for c in cite(data) if c.key] == [("un:S/2020/1104", None)]


def test_a_footnote_that_is_only_a_link_keeps_its_number() -> None:
    data = html(
        '<p>Body.</p>\n<ol class="footnotes">\n<li id="fn1"><a href="https://example.org/one">https://example.org/one</a></li>\n</ol>\n'
    )
    assert urls(data) == [("https://example.org/one", 6, 1, "html-href")]


def test_word_and_hand_made_footnotes_are_numbered() -> None:
    data = html(
        "<p>Body text.</p>\n"
        '<div id="ftn3"><p class="MsoFootnoteText"><a href="#_ftnref3" name="_ftn3">[3]</a> Word\n'
        "note https://example.org/word</p></div>\n"
        "<p><sup>4</sup> Superscript note https://example.org/sup</p>\n"
        '<p><a href="#ref5">5</a> Back-link note https://example.org/back</p>\n'
        '<ol class="endnotes" start="6"><li>List note https://example.org/list</li></ol>\n'
    )
    assert [(u[0], u[2]) for u in urls(data)] == [
        ("https://example.org/word", 3),
        ("https://example.org/sup", 4),
        ("https://example.org/back", 5),
        ("https://example.org/list", 6),
    ]


def test_a_plain_list_is_not_footnotes() -> None:
    data = html("<p>Sources:</p>\n<ol><li>One https://example.org/one</li></ol>\n")
    assert urls(data) == [("https://example.org/one", 6, None, "text")]


def test_line_numbers_follow_the_source_and_links_sit_on_their_text() -> None:
    data = (
        b"<html>\n"  # 1
        b"<head><title>t</title>\n"  # 2
        b"</head>\n"  # 3
        b"<body>\n"  # 4
        b"\n"  # 5
        b"<p>First https://example.org/first\n"  # 6
        b"and <a href='https://example.org/second'>\n"  # 7
        b"second</a>.<br>\n"  # 8
        b"Third https://example.org/third</p>\n"  # 9
        b"\n"  # 10
        b"\n"  # 11
        b"<p>Twelve <a href='https://example.org/twelve'><img src='x.png'></a></p>\n"  # 12
        b"</body></html>\n"
    )
    assert urls(data) == [
        ("https://example.org/first", 6, None, "text"),
        ("https://example.org/second", 8, None, "html-href"),
        ("https://example.org/third", 9, None, "text"),
        ("https://example.org/twelve", 12, None, "html-href"),
    ]


def test_blocks_sharing_a_line_are_separate_paragraphs() -> None:
    data = b"<html><body><p>One https://example.org/a/</p><p>two</p><div>DOC 55 1597/001</div></body></html>"
    assert lines(data) == ("One https://example.org/a/", "", "two", "", "DOC 55 1597/001")
    assert [(c.url or c.key, c.location.line) for c in cite(data)] == [
        ("https://example.org/a/", 1),
        ("be-chamber:55/1597/001", 5),
    ]


@pytest.mark.parametrize(
    ("head", "encoded"),
    [
        ('<meta charset="windows-1252">', "Société – “€” https://example.org/caf%C3%A9".encode("cp1252")),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">',
            "Société – € https://example.org/caf%C3%A9".replace("–", "-").encode("iso-8859-15"),
        ),
        ('<meta charset="koi8-r">', "Общество https://example.org/caf%C3%A9".encode("koi8-r")),
    ],
)
def test_the_declared_charset_is_used(head: str, encoded: bytes) -> None:
    data = b"<html><head>" + head.encode() + b"</head><body><p>" + encoded + b"</p></body></html>"
    (line,) = lines(data)
    assert line == encoded.decode(head.split("charset=")[1].strip('">'))
    assert [u[0] for u in urls(data)] == ["https://example.org/caf%C3%A9"]


def test_malformed_html_is_read_without_error() -> None:
    data = (
        b"<html><body><div><p>Unclosed paragraph https://example.org/one\n"
        b"<p>Another <a href=https://example.org/unquoted>unquoted</a> <b><i>mis</b>nested</i>\n"
        b"</div></div></span><a href='https://example.org/unclosed'>never closed\n"
        b"<li id=fn9>Stray note https://example.org/stray"
    )
    assert [(u[0], u[2]) for u in urls(data)] == [
        ("https://example.org/one", None),
        ("https://example.org/unquoted", None),
        ("https://example.org/unclosed", None),
        ("https://example.org/stray", 9),
    ]


def test_deeply_nested_markup_does_not_exhaust_the_stack() -> None:
    depth = 3000
    data = b"<html><body>" + b"<div>" * depth + b"https://example.org/deep" + b"</div>" * depth + b"</body></html>"
    assert [u[0] for u in urls(data)] == ["https://example.org/deep"]
