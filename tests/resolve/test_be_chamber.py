"""Belgian Chamber documents."""

from __future__ import annotations

import pytest

from refcheck.resolve import be_chamber
from refcheck.resolve._types import ScanContext


def keys(text: str) -> list[str]:
    matches, _ = be_chamber.find_in_text(text, ScanContext())
    return [m.key for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("résolution (DOC 55 1597/001) adoptée", ["be-chamber:55/1597/001"]),
        ("DOC 55\n1964/006 en DOC 55 3044/006", ["be-chamber:55/1964/006", "be-chamber:55/3044/006"]),
        ("Parl. St. Kamer 2017-18, nr. 54-3119/001", ["be-chamber:54/3119/001"]),
        ("Doc. parl., Chambre, 2019-20, n° 55-1597/1", ["be-chamber:55/1597/001"]),
    ],
)
def test_documents_in_prose(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


def test_the_page_header_of_a_chamber_document_is_not_a_citation() -> None:
    assert keys("110589/001DOC 56") == []


def test_url_both_ways() -> None:
    url = be_chamber.url_for("be-chamber:55/1597/001")
    assert url == "https://www.lachambre.be/FLWB/PDF/55/1597/55K1597001.pdf"
    match = be_chamber.from_url("https://www.dekamer.be/FLWB/PDF/55/1597/55K1597001.pdf")
    assert match is not None and match.key == "be-chamber:55/1597/001"
