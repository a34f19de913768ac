"""The resolve stage as a whole: every source module has the same shape, and keys round-trip."""

from __future__ import annotations

import pytest

from refcheck.resolve import (
    SOURCES,
    find_identifier_spans,
    find_identifiers,
    identifier_from_url,
    may_hold_identifier,
    url_for_key,
)
from refcheck.resolve._types import ScanContext, Source

CANONICAL_KEYS = [
    "un:CAT/C/AZE/CO/5",
    "un:S/2020/1104",
    "icj:180:order:2023-11-17",
    "icj:178:judgment:2022-07-22",
    "icj:180",
    "echr:003-7528728-10337270",
    "echr:001-57619",
    "ep:2023/2879(RSP)",
    "ep:ta:P9_TA(2023)0356",
    "be-chamber:55/1597/001",
    "doi:10.2514/3.24154",
    "ecli:ECLI:EU:C:1979:42",
    "ecli:ECLI:NL:HR:2019:2007",
    "celex:32016R0679",
]


def test_one_source_per_scheme() -> None:
    schemes = [source.scheme for source in SOURCES]
    assert sorted(schemes) == ["be-chamber", "celex", "doi", "echr", "ecli", "ep", "icj", "un"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.scheme)
def test_matches_carry_their_scheme_as_type(source: Source) -> None:
    key = next(k for k in CANONICAL_KEYS if k.startswith(source.scheme + ":"))
    url = source.url_for(key, None)
    assert url is not None
    match = source.from_url(url)
    assert match is not None and match.type == source.scheme


@pytest.mark.parametrize("key", CANONICAL_KEYS)
def test_the_canonical_url_of_a_key_reads_back_as_that_key(key: str) -> None:
    url = url_for_key(key)
    assert url is not None and url.startswith("https://")
    match = identifier_from_url(url)
    assert match is not None and match.key == key


def test_unknown_scheme_has_no_url() -> None:
    assert url_for_key("isbn:9780198") is None


def test_an_ordinary_url_is_no_identifier() -> None:
    assert identifier_from_url("https://www.reuters.com/world/europe/2023/09/19/x") is None


def test_all_sources_in_one_passage_in_order() -> None:
    text = (
        "See CAT/C/AZE/CO/5, DOC 55 1597/001, resolution 2023/2879(RSP), ECLI:EU:C:1979:42, CELEX: 32016R0679, "
        "HUDOC 001-57619 and the ICJ (Armenia v. Azerbaijan) Order of 17 November 2023."
    )
    matches, context = find_identifiers(text, ScanContext())
    assert [m.key for m in matches] == [
        "un:CAT/C/AZE/CO/5",
        "be-chamber:55/1597/001",
        "ep:2023/2879(RSP)",
        "ecli:ECLI:EU:C:1979:42",
        "celex:32016R0679",
        "echr:001-57619",
        "icj:180:order:2023-11-17",
    ]
    assert context.icj_case == 180
    assert all(m.url for m in matches)


def test_overlapping_matches_keep_the_longer() -> None:
    # The UN row would read "S/2020/1104" inside the longer symbol; only the whole symbol counts.
    matches, _ = find_identifiers("A/HRC/S/2020/1104/Add.1", ScanContext())
    assert [m.key for m in matches] == ["un:A/HRC/S/2020/1104/Add.1"]


PASSAGES = [
    "See CAT/C/AZE/CO/5, DOC 55 1597/001 and DOC 55 1597/001 again, resolution 2023/2879(RSP), P9_TA(2023)0356.",
    "ECLI:EU:C:1979:42, CELEX: 32016R0679, HUDOC 001-57619, A/HRC/S/2020/1104/Add.1 and S/RES/2334 (2016).",
    "the ICJ (Armenia v. Azerbaijan) Order of 17 November 2023, and the Order of 22 February 2023.",
    "Nothing to see here, only prose about la Cour and het Hof.",
    "",
]


@pytest.mark.parametrize("text", PASSAGES)
def test_spans_are_what_find_identifiers_finds(text: str) -> None:
    for context in (ScanContext(), ScanContext(icj_case=180, language="fr")):
        matches, after = find_identifiers(text, context)
        spans, after_spans = find_identifier_spans(text, context)
        assert spans == [(m.start, m.end, m.raw, m.key) for m in matches]
        assert after_spans == after


@pytest.mark.parametrize("text", [*PASSAGES, "JUSTICE", "Gerechtshof", "I.C.J", "doc 55", "10.1000/x", "ECLI"])
def test_the_merged_cues_answer_as_every_source_does(text: str) -> None:
    assert may_hold_identifier(text) == any(source.may_hold(text) for source in SOURCES)


def test_a_repeated_identifier_keeps_its_key_and_url() -> None:
    # Keys are cached per row and URLs per passage: the second hit must not differ.
    matches, _ = find_identifiers("S/2020/1104 and S/2020/1104; DOC 55 1597/001, DOC 55 1597/001", ScanContext())
    assert [m.key for m in matches] == ["un:S/2020/1104"] * 2 + ["be-chamber:55/1597/001"] * 2
    assert matches[0].url == matches[1].url and matches[2].url == matches[3].url
    french, _ = find_identifiers("S/2020/1104", ScanContext(language="fr"))
    assert french[0].url == "https://docs.un.org/fr/S/2020/1104"
