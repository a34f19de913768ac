"""The Markdown reader: every link form, footnotes, placeholders, code, and exact lines."""

from __future__ import annotations

import hashlib

import pytest

from refcheck.extract import read_bytes
from refcheck.extract.markdown import footnote_line, read_markdown
from refcheck.models import Citation, CitationKind, Document
from refcheck.pipeline import scan_document


def markdown(text: str) -> Document:
    return Document(path="doc.md", media_type="text/markdown", sha256=hashlib.sha256(text.encode()).hexdigest())


def links(text: str) -> list[tuple[str, str | None, int | None]]:
    """(target, text, line) of every explicit link the reader reports."""
    raw = read_markdown(text.encode(), markdown(text))
    return [(link.target, link.text, link.location.line) for link in raw.links]


def lines(text: str) -> tuple[str, ...]:
    return read_markdown(text.encode(), markdown(text)).pages[0].lines


def cite(text: str) -> list[Citation]:
    return scan_document(read_bytes(text.encode(), "doc.md"))


def urls(text: str) -> list[tuple[str | None, int | None, int | None, str]]:
    """(url, line, footnote, source) of every citation with a URL, in line order."""
    found = [c for c in cite(text) if c.url]
    return sorted(
        ((c.url, c.location.line, c.location.footnote, c.source) for c in found), key=lambda t: (t[1] or 0, t[0] or "")
    )


def test_inline_links_report_their_target_and_keep_their_text() -> None:
    text = 'Intro.\n\nSee [the report](https://example.org/report.pdf "Report") and [x](<https://example.org/x>).\n'
    assert links(text) == [
        ("https://example.org/report.pdf", "the report", 3),
        ("https://example.org/x", "x", 3),
    ]
    assert lines(text)[2] == "See the report and x."


def test_reference_links_resolve_labels_case_insensitively_defined_after_use() -> None:
    text = (
        "The [Committee's report][CAT 2016] and the [statement][] and [Shortcut].\n"
        "\n"
        "[cat  2016]: https://example.org/cat.pdf 'Concluding observations'\n"
        "[Statement]: <https://example.org/statement.html>\n"
        "[shortcut]: https://example.org/short (title)\n"
        "[statement]: https://example.org/second-definition-is-ignored\n"
        "[unused]: https://example.org/never-cited\n"
    )
    assert links(text) == [
        ("https://example.org/cat.pdf", "Committee's report", 1),
        ("https://example.org/statement.html", "statement", 1),
        ("https://example.org/short", "Shortcut", 1),
    ]
    # Definition lines are not text: the unused one is no citation.
    assert [u[0] for u in urls(text)] == [
        "https://example.org/cat.pdf",
        "https://example.org/short",
        "https://example.org/statement.html",
    ]
    assert lines(text)[0] == "The Committee's report and the statement and Shortcut."


def test_an_undefined_reference_is_left_as_written() -> None:
    assert links("A [note][nowhere] and [brackets].\n") == []
    assert lines("A [note][nowhere] and [brackets].\n") == ("A [note][nowhere] and [brackets].",)


def test_autolinks_and_bare_urls_are_found_once_each() -> None:
    text = "One <https://example.org/auto?a=1&b=2>.\nTwo https://example.org/bare, and www.example.net/page.\n"
    assert links(text) == [("https://example.org/auto?a=1&b=2", None, 1)]
    # The autolink leaves an invisible word joiner where it stood (see the next test).
    assert lines(text) == ("One \u2060.", "Two https://example.org/bare, and www.example.net/page.")
    assert urls(text) == [
        ("https://example.org/auto?a=1&b=2", 1, None, "markdown-link"),
        ("http://www.example.net/page", 2, None, "text"),  # a bare www. address is cited as a browser would try it
        ("https://example.org/bare", 2, None, "text"),
    ]


def test_link_text_that_repeats_the_url_is_not_counted_twice() -> None:
    text = "See [https://example.org/a](https://example.org/a) and <https://example.org/b>.\n"
    assert urls(text) == [
        ("https://example.org/a", 1, None, "markdown-link"),
        ("https://example.org/b", 1, None, "markdown-link"),
    ]


def test_parentheses_inside_urls_belong_to_the_url() -> None:
    text = (
        "A [page](https://en.wikipedia.org/wiki/Foo_(bar)) and (see https://en.wikipedia.org/wiki/Baz_(qux)).\n"
        "Nested [twice](https://example.org/a_(b_(c))).\n"
    )
    assert [(u[0], u[1]) for u in urls(text)] == [
        ("https://en.wikipedia.org/wiki/Baz_(qux)", 1),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", 1),
        ("https://example.org/a_(b_(c))", 2),
    ]


def test_angle_bracketed_destinations_may_hold_spaces() -> None:
    text = "[Annual report](<https://example.org/files/annual report 2023.pdf>)\n"
    assert links(text) == [("https://example.org/files/annual%20report%202023.pdf", "Annual report", 1)]


def test_brackets_nest_in_link_text_and_escapes_are_undone() -> None:
    text = r"See [the [2023] report](https://example.org/r\_2023) and \[not a link\](https://example.org/x)." + "\n"
    assert links(text) == [("https://example.org/r_2023", "the [2023] report", 1)]
    assert lines(text)[0] == "See the [2023] report and [not a link](https://example.org/x)."


def test_a_link_wrapped_over_lines_is_one_link_on_the_line_it_starts() -> None:
    text = "Intro paragraph.\n\nAs the [report of the\nCommittee](https://example.org/committee\n) says, see also\nhttps://example.org/after.\n"
    assert links(text) == [("https://example.org/committee", "report of the\nCommittee", 3)]
    assert lines(text) == (
        "Intro paragraph.",
        "",
        "As the report of the",
        "Committee",
        " says, see also",
        "https://example.org/after.",
    )
    assert [(u[0], u[1]) for u in urls(text)] == [
        ("https://example.org/committee", 3),
        ("https://example.org/after", 6),
    ]


@pytest.mark.parametrize("target", ["#", "", "<>"])
def test_a_placeholder_target_is_reported_and_its_text_still_examined(target: str) -> None:
    text = f"Intro.\n\nThe statement ([S/2020/1104]({target})) and [the annex]({target}).\n"
    citations = cite(text)
    assert [(c.kind, c.key, c.raw, c.location.line, c.source) for c in citations] == [
        (CitationKind.IDENTIFIER, "un:S/2020/1104", "S/2020/1104", 3, "markdown-link"),
        (CitationKind.TITLE, None, "the annex", 3, "markdown-link"),
    ]
    expected = "#" if target == "#" else "empty"
    assert all(c.note == f"the link in the document has an empty target ({expected!r})" for c in citations)


def test_a_placeholder_whose_text_is_a_url_keeps_the_url() -> None:
    (citation,) = cite("Read [https://example.org/draft.pdf](#).\n")
    assert (citation.url, citation.location.line) == ("https://example.org/draft.pdf", 1)
    assert citation.note == "the link in the document has an empty target ('#')"


def test_relative_and_in_page_links_are_not_sources() -> None:
    text = "See [section 2](#section-2), [the annex](annex.md) and [home](/index.html).\n"
    # the reader reports them (so the test is not passed by a reader that finds nothing)
    assert links(text) == [("#section-2", "section 2", 1), ("annex.md", "the annex", 1), ("/index.html", "home", 1)]
    assert lines(text) == ("See section 2, the annex and home.",)
    assert cite(text) == []


def test_footnotes_keep_their_numbers_lines_and_links() -> None:
    text = (
        "# Title\n"
        "\n"
        "Body cites a report.[^1] And another.[^2]\n"
        "\n"
        "[^1]: Reuters, [Armenia and Azerbaijan exchange prisoners](https://www.reuters.com/world/x/), 2023.\n"
        "[^2]: https://www.icj-cij.org/case/180 and\n"
        "    CAT/C/AZE/CO/5.\n"
    )
    assert lines(text)[4].startswith("1 Reuters, Armenia")
    assert [(c.url, c.key, c.location.line, c.location.footnote, c.source) for c in cite(text)] == [
        ("https://www.icj-cij.org/case/180", "icj:180", 6, 2, "text"),
        (None, "un:CAT/C/AZE/CO/5", 7, 2, "text"),
        ("https://www.reuters.com/world/x/", None, 5, 1, "markdown-link"),
    ]


def test_a_footnote_that_is_only_a_link_keeps_its_number() -> None:
    text = "Body.[^1] More.[^2]\n\n[^1]: <https://example.org/one>\n[^2]: [https://example.org/two](https://example.org/two)\n"
    assert urls(text) == [
        ("https://example.org/one", 3, 1, "markdown-link"),
        ("https://example.org/two", 4, 2, "markdown-link"),
    ]


def test_named_footnote_labels_are_numbered_in_order_of_reference() -> None:
    text = (
        "First.[^later] Second.[^early]\n"
        "\n"
        "[^early]: https://example.org/early\n"
        "[^later]: https://example.org/later\n"
        "[^orphan]: https://example.org/orphan\n"
    )
    assert urls(text) == [
        ("https://example.org/early", 3, 2, "text"),
        ("https://example.org/later", 4, 1, "text"),
        ("https://example.org/orphan", 5, 3, "text"),
    ]


def test_an_indented_paragraph_continues_its_footnote() -> None:
    text = (
        "Body.[^7]\n"
        "\n"
        "[^7]: First paragraph of the note.\n"
        "\n"
        "    Second paragraph: https://example.org/second\n"
        "\n"
        "Body again: https://example.org/body\n"
    )
    assert urls(text) == [
        ("https://example.org/second", 5, 7, "text"),
        ("https://example.org/body", 7, None, "text"),
    ]


def test_a_footnote_starting_with_a_date_is_still_a_footnote() -> None:
    text = "Body.[^3]\n\n[^3]: June 2023 report, https://example.org/june\n"
    assert urls(text) == [("https://example.org/june", 3, 3, "text")]


def test_footnote_line_marks_only_lines_the_splitter_would_reject() -> None:
    assert footnote_line(2, "Reuters, 2023.") == "2 Reuters, 2023."
    assert footnote_line(3, "June 2023") == "3 \u2060June 2023"


def test_urls_in_code_are_ignored() -> None:
    text = (
        "Run `curl https://example.org/in-code-span` first.\n"
        "\n"
        "```sh\n"
        "curl https://example.org/in-fence\n"
        "[x]: https://example.org/definition-in-fence\n"
        "```\n"
        "\n"
        "~~~~\n"
        "```\n"
        "https://example.org/still-in-fence\n"
        "~~~~\n"
        "After: https://example.org/after-code [x]\n"
    )
    assert urls(text) == [("https://example.org/after-code", 12, None, "text")]
    assert lines(text)[0] == "Run  first."


def test_images_are_ignored_but_a_linked_image_is_a_link() -> None:
    text = (
        '![Chart](https://example.org/chart_(1).png "Chart") and ![logo][logo]\n'
        "[![badge](https://img.example/badge.svg)](https://example.org/status)\n"
        "\n"
        "[logo]: https://example.org/logo.png\n"
    )
    assert links(text) == [("https://example.org/status", None, 2)]
    assert [u[0] for u in urls(text)] == ["https://example.org/status"]
    assert lines(text)[0] == " and "


def test_emphasis_is_not_part_of_a_url() -> None:
    text = (
        "**https://example.org/bold** and *https://example.org/italic* and _https://example.org/under_\n"
        "but https://example.org/file__name__v2.pdf and https://example.org/_a_/b keep theirs.\n"
    )
    assert [u[0] for u in urls(text)] == [
        "https://example.org/bold",
        "https://example.org/italic",
        "https://example.org/under",
        "https://example.org/_a_/b",
        "https://example.org/file__name__v2.pdf",
    ]


def test_inline_html_anchors_are_links_and_tags_are_dropped() -> None:
    text = 'See <a href="https://example.org/a?x=1&amp;y=2">the <em>page</em></a>.<sup>4</sup>\n<!-- https://example.org/comment -->\n'
    assert links(text) == [("https://example.org/a?x=1&y=2", "the page", 1)]
    assert lines(text) == ("See the page.", "")


def test_line_numbers_are_right_after_removed_blocks() -> None:
    text = (
        "[a]: https://example.org/a\n"  # 1
        "```\n"  # 2
        "code\n"  # 3
        "```\n"  # 4
        "Line five [a].\n"  # 5
        "<!-- a\n"  # 6
        "comment -->Line seven https://example.org/seven\n"  # 7
        "![img](\n"  # 8
        "https://example.org/img.png) then https://example.org/nine\n"  # 9
    )
    assert urls(text) == [
        ("https://example.org/a", 5, None, "markdown-link"),
        ("https://example.org/seven", 7, None, "text"),
        ("https://example.org/nine", 9, None, "text"),
    ]
    assert len(lines(text)) == 9


def test_a_txt_file_holding_markdown_is_read_as_markdown() -> None:
    raw = read_bytes(b"Notes.\n\nSee [the report](https://example.org/r).\n", "notes.txt")
    assert raw.document.media_type == "text/markdown"
    assert [(link.target, link.source) for link in raw.links] == [("https://example.org/r", "markdown-link")]
