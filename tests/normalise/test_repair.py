"""URL repair: every trap PDF extraction sets, one row each, and properties that always hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.normalise.repair import find_urls, repair_url
from refcheck.pipeline import extract


def values(text: str) -> list[str]:
    return [u.value for u in find_urls(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # corpus 002 fn 2: a space before every joiner
        (
            "2 https://hudoc .echr .coe .int /eng -press ?i =003 -7528728 -10337270",
            ["https://hudoc.echr.coe.int/eng-press?i=003-7528728-10337270"],
        ),
        # fn 5: wrapped, the next line starts with a joiner
        (
            "https://www .reuters .com /world /asia -pacific /azerbaijan -demolishes \n-former -karabakh -2024 -03 -05/",
            ["https://www.reuters.com/world/asia-pacific/azerbaijan-demolishes-former-karabakh-2024-03-05/"],
        ),
        # fn 16: wrapped across a blank line
        (
            "https://www .rferl .org /a /armenia -nagorno \n\n-karabakh /33068045 .html",
            ["https://www.rferl.org/a/armenia-nagorno-karabakh/33068045.html"],
        ),
        # fn 6: two URLs in one footnote, split at "; "
        (
            "https://caucasusheritage .cornell .edu /uploads /2024 /06 \n/Report -2024 -07Spread .pdf; "
            "https://acleddata .com /acleddatanew \n/wp -content /Sept .pdf",
            [
                "https://caucasusheritage.cornell.edu/uploads/2024/06/Report-2024-07Spread.pdf",
                "https://acleddata.com/acleddatanew/wp-content/Sept.pdf",
            ],
        ),
        # fn 12: a hyphen that belongs to the URL before a slash
        (
            "https://www .voanews .com /a /villages \n-to -azerbaijan -/7626051 .html",
            ["https://www.voanews.com/a/villages-to-azerbaijan-/7626051.html"],
        ),
        # fn 13 FR: a URL ending in "/" never swallows the body text after the blank line
        (
            "https://www .primeminister .am /fr /07 \n/Nikol -Pashinyan -Announcement/\n\nde gevechten in 2020.8 Dit",
            ["https://www.primeminister.am/fr/07/Nikol-Pashinyan-Announcement/"],
        ),
        # fn 9 -> 10: never swallows the next footnote's number
        ("https://hetq .am /en /article /162461\n10 Committee against Torture", ["https://hetq.am/en/article/162461"]),
        # fn 5 -> 6: nor a number on the next line followed by a new URL
        (
            "https://a.example.org/x/\n6 https://b.example.org/y",
            ["https://a.example.org/x/", "https://b.example.org/y"],
        ),
        # never joins the next word of the sentence
        ("see https://example.org/page and more", ["https://example.org/page"]),
        ("https://example.org/reports/\nThe next sentence", ["https://example.org/reports/"]),
        # a URL wrapped after a slash, plainly (no spaces): the next line is a URL piece
        ("https://example.org/reports/\nannual-2023.pdf is here", ["https://example.org/reports/annual-2023.pdf"]),
        # wrapped mid-word, the tail alone on its line
        ("https://example.org/annual-rep\nort-2023.pdf\nNext line.", ["https://example.org/annual-report-2023.pdf"]),
        # ... but a date alone on the next line is not a tail
        ("https://example.org/page\n2023.", ["https://example.org/page"]),
        # a lone dash in prose is not a URL piece
        ("See https://example.com/page - a dash", ["https://example.com/page"]),
        # trailing punctuation belongs to the sentence
        ("Source: https://example.org/a.", ["https://example.org/a"]),
        ("(https://example.org/c), then", ["https://example.org/c"]),
        ("«https://example.org/fr»", ["https://example.org/fr"]),
        ("“https://example.org/q”.", ["https://example.org/q"]),
        ("https://example.org/x;", ["https://example.org/x"]),
        # ... but balanced parentheses belong to the URL
        ("https://en.wikipedia.org/wiki/Case_(law).", ["https://en.wikipedia.org/wiki/Case_(law)"]),
        # a ligature and a soft hyphen inside a URL
        ("https://example.org/ﬁles/reﬂection", ["https://example.org/files/reflection"]),
        ("https://example.org/publica\u00ad\ntion.pdf x", ["https://example.org/publication.pdf"]),
        # spaces after the scheme
        ("https:// www.example.org/a", ["https://www.example.org/a"]),
        # www without a scheme is cited with http://, as a browser would try it
        ("voir www.example.org/rapport.", ["http://www.example.org/rapport"]),
        ("voir www .example .org /rapport", ["http://www.example.org/rapport"]),
        # a port
        ("http://example.org :8080 /x", ["http://example.org:8080/x"]),
        # bare DOIs, plain, prefixed, spaced and wrapped
        ("doi:10.2514/3.24154.", ["10.2514/3.24154"]),
        ("see 10 .2514 /3 .24154 for details", ["10.2514/3.24154"]),
        ("10.1000/abc-\n-def", ["10.1000/abc--def"]),
        # a lone "/" ending a line: the URL goes on when the next line is a URL piece
        (
            "https://www .lachambre .be /FLWB /PDF /55 /1597 / \n55K1597001 .pdf",
            ["https://www.lachambre.be/FLWB/PDF/55/1597/55K1597001.pdf"],
        ),
        (
            "https://www .lachambre .be /FLWB /PDF /55 /1597 /\n2 Next note",
            ["https://www.lachambre.be/FLWB/PDF/55/1597/"],
        ),
        ("https://example.org /a /\nThe next sentence", ["https://example.org/a/"]),
        # ... a word that a spaced-out piece follows on its line is the URL's next piece
        (
            "https://www .un .org /content /\nresolutions -adopted -council -2016.",
            ["https://www.un.org/content/resolutions-adopted-council-2016"],
        ),
        ("https://example.org /a /\nThe next - sentence", ["https://example.org/a/"]),
        ("https://example.org /a /", ["https://example.org/a/"]),
        # ... any other lone joiner only when the next line continues the URL
        ("https://example.org /a -\nwhich is a dash", ["https://example.org/a"]),
        ("https://example.org /a _\n.pdf", ["https://example.org/a_.pdf"]),
        ("https://example.org /a -\n2023, p. 4", ["https://example.org/a"]),
        ("voir https://example.org /a ?\n2023 et plus", ["https://example.org/a"]),
        ("https://example.org /a / b", ["https://example.org/a"]),
        # a DOI (or URL) wrapped at any character: the next line's opaque piece joins it
        ("doi: 10.1017/S0020\n  589324000123.", ["10.1017/S0020589324000123"]),
        ("doi: 10.1017/S0020 \n589324000123. See also", ["10.1017/S0020589324000123"]),
        ("doi: 10.1017/S0020\n589324000123, p. 4.", ["10.1017/S0020589324000123"]),
        ("(doi: 10.1017/S0020\n589324000123)", ["10.1017/S0020589324000123"]),
        ("https://example.org/files/55K1597\n001X.pdf", ["https://example.org/files/55K1597001X.pdf"]),
        # ... but never the next word, a year, a page, an amount or an acronym
        ("doi: 10.1017/S0020 \n2023 annual report", ["10.1017/S0020"]),
        ("doi: 10.1017/S0020\n2023.", ["10.1017/S0020"]),
        ("doi: 10.1017/S0020\n120.000.", ["10.1017/S0020"]),
        ("doi: 10.1017/S0020\n12-15.", ["10.1017/S0020"]),
        ("https://example.org/report \nSee also", ["https://example.org/report"]),
        ("https://example.org/report\nNATO.", ["https://example.org/report"]),
        ("https://example.org/report\nB12, C1.", ["https://example.org/report"]),
        ("https://example.org/report\n589324000123 people", ["https://example.org/report"]),
        ("https://example.org/report.\n589324000123.", ["https://example.org/report"]),
        ("https://example.org/report\n\n589324000123.", ["https://example.org/report"]),
        ("doi: 10.1017/S0020\n12 Next footnote", ["10.1017/S0020"]),
        # a URL that was fine stays as it was
        (
            "https://docs.un.org/en/S/2020/1104?x=1&y=%2F#frag",
            ["https://docs.un.org/en/S/2020/1104?x=1&y=%2F#frag"],
        ),
        # glued footnote markers are not URLs
        ("garanderen.1 Ook het 2020.8 Selon", []),
    ],
)
def test_repair_finds_exactly_the_cited_urls(text: str, expected: list[str]) -> None:
    assert values(text) == expected


def test_spans_point_at_the_raw_text() -> None:
    text = "x https://hudoc .echr .coe .int /eng. y"
    (found,) = find_urls(text)
    assert text[found.start : found.end] == found.raw == "https://hudoc .echr .coe .int /eng"


def test_text_that_cannot_be_repaired_is_flagged_not_invented() -> None:
    (found,) = find_urls("see https://www and nothing else")
    assert not found.valid


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_~%", min_size=1, max_size=12)


@st.composite
def well_formed_urls(draw: st.DrawFn) -> str:
    host = ".".join(draw(st.lists(_label, min_size=1, max_size=3))) + "." + draw(st.sampled_from(["org", "com", "be"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    query = draw(st.one_of(st.just(""), _segment.map(lambda s: f"?q={s}")))
    url = f"{draw(st.sampled_from(['http', 'https']))}://{host}/{path}{query}"
    return url.rstrip(".-_~%")


@settings(max_examples=300, deadline=None)
@given(well_formed_urls())
def test_repair_leaves_a_well_formed_url_unchanged(url: str) -> None:
    assert repair_url(url) == url
    assert values(f"See {url} and more.") == [url]


# What prose puts at the start of the line after a citation: words, numbers prose prints
# (years, pages, ranges, amounts), acronyms, short codes, the next footnote's number, and
# a long number that a word follows.
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéè", min_size=1, max_size=10)
_prose_line = st.one_of(
    _word,
    _word.map(str.capitalize),
    st.integers(1000, 2099).map(str),
    st.integers(1, 9999).map(str),
    st.tuples(st.integers(1, 999), st.integers(0, 999)).map(lambda t: f"{t[0]}.{t[1]:03d}"),
    st.tuples(st.integers(1, 999), st.integers(1, 999)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6),
    st.tuples(st.sampled_from("ABCSX"), st.integers(1, 99)).map(lambda t: f"{t[0]}{t[1]}"),
    st.tuples(st.integers(10**4, 10**12), _word).map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(st.integers(1, 999), _word).map(lambda t: f"{t[0]} {t[1]}"),
)


@settings(max_examples=300, deadline=None)
@given(
    well_formed_urls().filter(lambda url: url[-1].isalnum()),
    _prose_line,
    st.sampled_from(["", ".", ",", ";", ")"]),
    st.sampled_from(["\n", " \n", "\n  "]),
)
def test_a_url_ending_a_line_never_takes_the_next_line_of_prose(url: str, prose: str, end: str, gap: str) -> None:
    assert values(f"See {url}{gap}{prose}{end} and more.") == [url]
    assert values(f"See {url}{gap}{prose}{end}") == [url]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8),
    st.text(alphabet="0123456789", min_size=4, max_size=14),
    st.sampled_from(["", ".", ",", ";"]),
)
def test_a_doi_wrapped_in_an_opaque_suffix_is_joined(head: str, rest: str, end: str) -> None:
    doi = f"10.1017/{head}{rest}"
    where = len(doi) - len(rest)
    wrapped = f"doi: {doi[:where]}\n{doi[where:]}{end}"
    expected = [doi] if not re.fullmatch(r"\d{1,4}(?:[.,]\d{1,3})*(?:-\d{1,4})?", rest) else [doi[:where]]
    assert values(wrapped) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_repair_is_idempotent_and_never_raises(text: str) -> None:
    once = repair_url(text)
    assert repair_url(once) == once
    for found in find_urls(text):
        assert found.start <= found.end <= len(text)
        assert values(found.value) in ([found.value], []) or not found.valid


def test_a_url_printed_without_a_scheme_is_cited_and_keyed_with_http(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("One https://example.org/bare, and\nTwo www.example.net/page.\n", encoding="utf-8")
    (ref,) = [r for r in extract(path).references if "example.net" in (r.url or "")]
    assert ref.key == ref.url == "http://www.example.net/page"
    assert list(ref.urls) == ["http://www.example.net/page"]
    (citation,) = ref.citations
    assert (citation.raw, citation.url, citation.location.line) == (
        "www.example.net/page",
        "http://www.example.net/page",
        2,
    )
