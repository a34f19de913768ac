"""Extraction end to end on documents built in memory: reconciliation, merging, placeholders."""

from __future__ import annotations

import hashlib

from refcheck.extract import RawDocument, TextPage, read_bytes
from refcheck.extract._types import LinkTarget
from refcheck.models import Citation, CitationKind, Document, Location
from refcheck.normalise.merge import merge
from refcheck.normalise.repair import clean_line
from refcheck.pipeline import _clean_lines, scan_document
from refcheck.resolve import url_for_key


def pdf_like(pages: list[list[str]], links: list[LinkTarget]) -> RawDocument:
    doc = Document(path="doc.pdf", media_type="application/pdf", sha256=hashlib.sha256(b"x").hexdigest())
    return RawDocument(
        document=doc,
        pages=tuple(TextPage(number=n, lines=tuple(lines)) for n, lines in enumerate(pages, start=1)),
        links=tuple(links),
    )


def annotation(uri: str, page: int, line: int) -> LinkTarget:
    return LinkTarget(
        target=uri, text=None, location=Location(document="doc.pdf", page=page, line=line), source="pdf-annotation"
    )


BODY = ["Some body text that cites a source.1", ""]


def test_a_printed_url_and_its_annotation_are_one_citation() -> None:
    raw = pdf_like(
        [BODY + ["1 https://www .example .org /report -2024 .pdf"]],
        [annotation("https://www.example.org/report-2024.pdf", 1, 3)],
    )
    (citation,) = scan_document(raw)
    assert citation.url == "https://www.example.org/report-2024.pdf"
    assert citation.source == "annotation+text"
    assert (citation.location.page, citation.location.line, citation.location.footnote) == (1, 3, 1)


def test_a_truncated_printed_url_gives_way_to_the_annotation() -> None:
    raw = pdf_like(
        [BODY + ["1 https://www .example .org /report", "Appendix, 2024."]],
        [annotation("https://www.example.org/report-appendix-2024.pdf", 1, 3)],
    )
    (citation,) = scan_document(raw)
    assert citation.url == "https://www.example.org/report-appendix-2024.pdf"


def test_a_printed_bare_address_and_its_https_annotation_are_one_citation() -> None:
    raw = pdf_like(
        [BODY + ["1 www.example.org/report-2024.pdf"]],
        [annotation("https://www.example.org/report-2024.pdf", 1, 3)],
    )
    (citation,) = scan_document(raw)
    assert (citation.url, citation.source) == ("https://www.example.org/report-2024.pdf", "annotation+text")


def test_an_annotation_to_a_bare_address_gets_the_scheme_a_browser_tries() -> None:
    raw = pdf_like([["Page one.", ""], BODY + ["1 Report, 2024."]], [annotation("www.example.org/r.pdf", 2, 3)])
    assert [c.url for c in scan_document(raw) if c.url] == ["http://www.example.org/r.pdf"]


def test_an_annotation_under_a_title_is_a_citation_on_its_footnote() -> None:
    raw = pdf_like(
        [["Page one.", ""], BODY + ["1 Cornell report on heritage, 2024."]],
        [annotation("https://example.org/cornell.pdf", 2, 3)],
    )
    citations = scan_document(raw)
    linked = [c for c in citations if c.url]
    assert [(c.url, c.location.page, c.location.footnote, c.source) for c in linked] == [
        ("https://example.org/cornell.pdf", 2, 1, "pdf-annotation")
    ]


def test_the_same_url_in_two_language_columns_is_one_reference_with_both_locations() -> None:
    text = (
        "Le texte français cite une source dans la note et elle est importante pour le lecteur.1\n\n"
        "1 https://www .example .org /fr\n\n"
        "De Nederlandse tekst citeert een bron in de voetnoot en die is van belang voor de lezer.1\n\n"
        "1 https://www .example .org /fr\n"
    )
    citations = scan_document(read_bytes(text.encode(), "bilingual.txt"))
    references, unresolved = merge(citations, url_for_key)
    (ref,) = references
    assert not unresolved
    assert sorted((c.location.footnote, c.location.language or "") for c in ref.citations) == [(1, "fr"), (1, "nl")]


def test_a_placeholder_link_keeps_its_identifier_and_says_the_link_is_empty() -> None:
    citations = scan_document(read_bytes(b"The trilateral statement (see [S/2020/1104](#)).\n", "letter.md"))
    (citation,) = citations
    assert citation.key == "un:S/2020/1104"
    assert citation.kind is CitationKind.IDENTIFIER
    assert citation.note is not None and "empty target" in citation.note


def test_an_identifier_cited_without_url_gets_its_canonical_url() -> None:
    citations = scan_document(read_bytes(b"See DOC 55 1597/001 and CAT/C/AZE/CO/5.\n", "x.txt"))
    references, _ = merge(citations, url_for_key)
    urls = {r.key: r.url for r in references}
    assert urls["be-chamber:55/1597/001"] == "https://www.lachambre.be/FLWB/PDF/55/1597/55K1597001.pdf"
    assert urls["un:CAT/C/AZE/CO/5"] is not None


def test_ibid_cites_what_the_previous_footnote_cited() -> None:
    text = "Body.1 More.2\n\n1 https://example.org/a\n2 Ibid., p. 4.\n"
    citations = scan_document(read_bytes(text.encode(), "x.txt"))
    assert [(c.url, c.location.footnote) for c in citations] == [
        ("https://example.org/a", 1),
        ("https://example.org/a", 2),
    ]


# Inputs that once took quadratic time (or could backtrack): each must finish and give
# sane output. Sizes are small enough to run in well under a second when linear.


def scan_text(text: str) -> list[Citation]:
    return scan_document(read_bytes(text.encode(), "x.txt"))


def test_one_long_line_without_newline() -> None:
    line = "The Chamber recalls DOC 55 1597/001 and https://www.example.org/a. " * 2000
    citations = scan_text(line)
    assert len(citations) == 4000
    assert {c.location.line for c in citations} == {1}
    assert {c.url for c in citations if c.url} == {"https://www.example.org/a"}


def test_spaces_and_dots_cite_nothing() -> None:
    assert scan_text(". " * 100_000) == []
    assert scan_text("." * 200_000) == []
    assert scan_text("https://a.org" + " ." * 50_000) != []


def test_a_footnote_of_many_lines() -> None:
    lines = [f"see CAT/C/AZE/CO/{n} and the Azer-" if n % 2 else "baïdjan report" for n in range(1, 20_001)]
    citations = scan_text("Body.1\n\n1 " + "\n".join(lines))
    assert len(citations) == 10_000
    assert {c.location.footnote for c in citations} == {1}
    assert [c.location.line for c in citations] == list(range(3, 20_003, 2))


def test_a_long_footnote_without_address_is_joined_once() -> None:
    text = "Body.1\n\n1 Le Zanguezour désigne\n" + "\n".join(["une région du sud-"] + ["est et la suite"] * 20_000)
    assert scan_text(text) == []


def test_a_url_of_a_megabyte_and_a_spaced_url_of_many_pieces() -> None:
    long_url = "https://example.org/" + "a" * 1_000_000
    (citation,) = scan_text(f"See {long_url}.")
    assert citation.url == long_url
    (spaced,) = scan_text("See https://www .example .org" + " /a" * 20_000 + " here.")
    assert spaced.url == "https://www.example.org" + "/a" * 20_000


def test_a_url_followed_by_many_closing_brackets_and_a_wrapped_url() -> None:
    (citation,) = scan_text("(see https://x.org/a" + ")" * 100_000)
    assert citation.url == "https://x.org/a"
    (wrapped,) = scan_text("1 https://x.org/" + "\n".join(["a-"] * 20_000))
    assert wrapped.url == "https://x.org/" + "a-" * 20_000


def test_many_footnotes_and_a_host_of_hyphens() -> None:
    text = "Body.\n\n" + "\n".join(f"{n % 999 + 1} https://x{n}.org/a" for n in range(2_000))
    citations = scan_text(text)
    assert len(citations) == 2_000
    (bad,) = scan_text("https://" + "a-" * 100_000 + "!")
    assert bad.url is None  # no plausible host: reported, not invented


def test_a_footnote_whose_source_is_a_titled_link_is_not_also_an_unresolved_title() -> None:
    text = "Body.[^1] More.[^2]\n\n[^1]: Reuters, [Armenia report](https://example.org/r), 2023.\n[^2]: Human Rights Watch, Report on the blockade of the corridor, 2023.\n"
    references, unresolved = merge(scan_document(read_bytes(text.encode(), "x.md")), url_for_key)
    assert [(r.key, [c.location.footnote for c in r.citations]) for r in references] == [("https://example.org/r", [1])]
    assert [(u.text, [c.location.footnote for c in u.citations]) for u in unresolved] == [
        ("Human Rights Watch, Report on the blockade of the corridor, 2023.", [2])
    ]


def test_the_same_in_html_footnotes() -> None:
    html = (
        '<p>Body.<sup>1</sup> More.<sup>2</sup></p><ol><li id="fn1">Reuters, <a href="https://example.org/r">Armenia'
        ' report</a>, 2023.</li><li id="fn2">Human Rights Watch, Report on the blockade of the corridor, 2023.</li></ol>'
    )
    references, unresolved = merge(scan_document(read_bytes(html.encode(), "x.html")), url_for_key)
    assert [r.key for r in references] == ["https://example.org/r"]
    assert [u.citations[0].location.footnote for u in unresolved] == [2]


def test_a_placeholder_link_whose_text_wraps_notes_the_identifier_on_its_second_line() -> None:
    text = "The statement (see [the letter of the\nPermanent Representative, S/2020/1104](#)) and more.\n"
    references, unresolved = merge(scan_document(read_bytes(text.encode(), "letter.md")), url_for_key)
    ((key, line, note),) = [(r.key, c.location.line, c.note) for r in references for c in r.citations]
    assert (key, line) == ("un:S/2020/1104", 2)
    assert note is not None and "empty target" in note
    assert unresolved == []


def test_the_documents_own_symbol_in_a_page_header_is_not_a_citation() -> None:
    page_one = ["A/HRC/55/21", "", "Human Rights Council", "", "1. See the report of the Secretary-General (A/78/554)."]
    page_two = ["A/HRC/55/21", "", "2. Body text of page two.", "", "3", "A/HRC/55/21 3"]
    body_alone = ["Body.", "", "More body.", "", "More.", "", "A/78/554", "", "Last.", "", "End.", "", "Really."]
    citations = scan_document(pdf_like([page_one, page_two, body_alone], []))
    assert [(c.key, c.location.page, c.location.line) for c in citations] == [
        ("un:A/78/554", 1, 5),
        ("un:A/78/554", 3, 7),  # alone on its line, but mid-page: a citation
    ]


def test_pages_are_cleaned_as_clean_line_cleans_each_line() -> None:
    lines = ["plain", "e\u0301t\u00e9\u00a0: la ﬁn", "", "\u202f?\u2009!", "ﬂ\u00ad-\u200b", "two\nlines\u00a0"]
    assert _clean_lines(lines) == [clean_line(line) for line in lines]
    assert _clean_lines(lines[:5]) == [clean_line(line) for line in lines[:5]]
    assert _clean_lines(["ascii only", ""]) == ["ascii only", ""]


def test_a_footnote_names_the_court_over_a_line_break() -> None:
    # No cue in the footnote's lines ("the\nCourt"), one once they are joined: still read.
    text = (
        "The International Court of Justice (Armenia v. Azerbaijan) ruled.1\n\n"
        "1 See the\nCourt, order of 17 November 2023.\n"
    )
    assert [c.key for c in scan_text(text)] == ["icj:180:order:2023-11-17"]


def test_a_footnote_without_citation_takes_the_language_of_the_body_before_it() -> None:
    # Its language is looked up only because it cites a title; the body cited nothing.
    text = "Le rapport de la commission est publié dans la presse.1\n\n1 Le Monde, un article sur la question.\n"
    (citation,) = scan_text(text)
    assert citation.kind is CitationKind.TITLE
    assert citation.location.language == "fr" and citation.location.footnote == 1


def test_the_documents_own_symbol_repeated_alone_in_text_without_page_breaks_is_not_a_citation() -> None:
    text = (
        "A/HRC/55/27\n\nIntroduction.\n\nSee the report (A/78/554).\n\nMore text.\n\nMore text.\n\nMore.\n\n"
        "A/HRC/55/27\n\nPage two cites A/HRC/55/27 in a sentence.\n\nOnce alone:\n\nA/78/100\n\nEnd.\n\nEnd.\n\nEnd.\n"
    )
    citations = scan_document(read_bytes(text.encode(), "report.txt"))
    assert [(c.key, c.location.line) for c in citations] == [
        ("un:A/78/554", 5),
        ("un:A/HRC/55/27", 15),  # in a sentence: the document citing itself is still a citation
        ("un:A/78/100", 19),
    ]


def test_the_header_symbol_in_the_first_pages_masthead_is_not_a_citation() -> None:
    # Page one prints the symbol beside "United Nations", page two alone as its header;
    # at a page's edge but in a sentence, and other symbols in a masthead, stay citations.
    page_one = ["United Nations S/2024/321", "", "Security Council", "", "Body cites S/2023/1012.", "", "More."]
    page_two = ["S/2024/321", "", "Body.", "", "More.", "", "More.", "", "More.", "", "Last cites S/2024/321 here."]
    page_three = ["United Nations A/78/605", "", "Body.", "", "More.", "", "More.", "", "More.", "", "End."]
    citations = scan_document(pdf_like([page_one, page_two, page_three], []))
    assert [(c.key, c.location.page, c.location.line) for c in citations] == [
        ("un:S/2023/1012", 1, 5),
        ("un:S/2024/321", 2, 11),
        ("un:A/78/605", 3, 1),
    ]


def test_a_doi_alone_on_the_last_line_of_a_reference_list_is_a_citation() -> None:
    text = (
        "References\n\n1. Otto F. Attribution. Annu Rev. 2017;42:627-646.\n"
        "2. Verheyen R. Climate Change Damage and International Law. Leiden: Brill; 2005.\n"
        "doi: 10.1163/9789047407331\n"
    )
    citations = scan_document(read_bytes(text.encode(), "article.txt"))
    assert [(c.key, c.location.line) for c in citations] == [("doi:10.1163/9789047407331", 5)]
