"""ECLI and CELEX: EU law and case law identifiers."""

from __future__ import annotations

import pytest

from refcheck.resolve import celex, ecli
from refcheck.resolve._types import ScanContext


def ecli_keys(text: str) -> list[str]:
    return [m.key for m in ecli.find_in_text(text, ScanContext())[0]]


def celex_keys(text: str) -> list[str]:
    return [m.key for m in celex.find_in_text(text, ScanContext())[0]]


def test_ecli_in_prose() -> None:
    assert ecli_keys("Case 120/78, ECLI:EU:C:1979:42, and HR ECLI:NL:HR:2019:2007.") == [
        "ecli:ECLI:EU:C:1979:42",
        "ecli:ECLI:NL:HR:2019:2007",
    ]


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("ecli:ECLI:EU:C:1979:42", "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli:ECLI:EU:C:1979:42"),
        ("ecli:ECLI:NL:HR:2019:2007", "https://uitspraken.rechtspraak.nl/details?id=ECLI:NL:HR:2019:2007"),
        (
            "ecli:ECLI:BE:GHCC:2020:ARR.001",
            "https://juportal.be/content/ECLI:BE:GHCC:2020:ARR.001",
        ),
        (
            "ecli:ECLI:DE:BVerfG:2020:rs20200505.2bvr085915",
            "https://e-justice.europa.eu/ecli/ECLI:DE:BVerfG:2020:rs20200505.2bvr085915",
        ),
    ],
)
def test_ecli_url_per_country(key: str, url: str) -> None:
    assert ecli.url_for(key) == url


def test_an_eu_ecli_opens_eur_lex_in_the_documents_language() -> None:
    assert ecli.url_for("ecli:ECLI:EU:C:1979:42", "fr") == (
        "https://eur-lex.europa.eu/legal-content/FR/TXT/?uri=ecli:ECLI:EU:C:1979:42"
    )
    assert ecli.url_for("ecli:ECLI:NL:HR:2019:2007", "fr") == (
        "https://uitspraken.rechtspraak.nl/details?id=ECLI:NL:HR:2019:2007"
    )


def test_ecli_from_percent_encoded_url() -> None:
    match = ecli.from_url("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli%3AECLI%3AEU%3AC%3A1979%3A42")
    assert match is not None and match.key == "ecli:ECLI:EU:C:1979:42"


def test_celex_needs_its_cue() -> None:
    assert celex_keys("Regulation (EU) 2016/679, CELEX: 32016R0679.") == ["celex:32016R0679"]
    assert celex_keys("CELEX n° 62014CJ0362 and CELEX 32016R0679(01)") == ["celex:62014CJ0362", "celex:32016R0679(01)"]
    assert celex_keys("reference 32016R0679 with no cue") == []


def test_celex_url_in_the_reader_language_and_back() -> None:
    url = celex.url_for("celex:32016R0679", "fr")
    assert url == "https://eur-lex.europa.eu/legal-content/FR/TXT/?uri=CELEX:32016R0679"
    match = celex.from_url("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32016R0679")
    assert match is not None and match.key == "celex:32016R0679"
