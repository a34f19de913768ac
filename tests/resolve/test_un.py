"""UN document symbols: recognised in prose, read from URLs, resolved per language."""

from __future__ import annotations

import pytest

from refcheck.resolve import un
from refcheck.resolve._types import ScanContext


def keys(text: str, language: str | None = None) -> list[str]:
    matches, _ = un.find_in_text(text, ScanContext(language=language))
    return [m.key for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("concluding observations (CAT/C/AZE/CO/5), para. 3", ["un:CAT/C/AZE/CO/5"]),
        ("the letter S/2020/1104 of 10 November 2020", ["un:S/2020/1104"]),
        ("resolution A/RES/78/213.", ["un:A/RES/78/213"]),
        ("draft A/HRC/44/L.18/Rev.1 was adopted", ["un:A/HRC/44/L.18/Rev.1"]),
        ("report E/CN.4/2005/7/Add.2; see", ["un:E/CN.4/2005/7/Add.2"]),
        ("résolution S/RES/2334 (2016) du Conseil", ["un:S/RES/2334(2016)"]),
        ("CCPR/C/GC/36 en CERD/C/GC/35", ["un:CCPR/C/GC/36", "un:CERD/C/GC/35"]),
        ("combined reports (CERD/C/ISR/CO/17-19), paras. 21-23", ["un:CERD/C/ISR/CO/17-19"]),
        # Special and emergency special sessions: "ES-11", "S-35" as a component.
        ("resolution A/RES/ES-11/1 of 2 March 2022", ["un:A/RES/ES-11/1"]),
        ("draft A/ES-11/L.1 and A/HRC/RES/S-35/1.", ["un:A/ES-11/L.1", "un:A/HRC/RES/S-35/1"]),
    ],
)
def test_symbols_in_prose(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Agenda items 31, 61, 69, 71, 83 and 129",  # agenda numbers, no symbol
        "A/B testing and S/MIME",  # slashes without a number
        "https://example.org/S/2020/1104",  # inside a path: not a symbol of its own
        "XS/2020/1104",  # glued to a longer word
    ],
)
def test_traps_are_not_symbols(text: str) -> None:
    assert keys(text) == []


def test_span_and_raw_point_at_the_symbol() -> None:
    text = "See CAT/C/AZE/CO/5."
    (match,), _ = un.find_in_text(text, ScanContext())
    assert text[match.start : match.end] == match.raw == "CAT/C/AZE/CO/5"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://docs.un.org/en/S/2020/1104", "un:S/2020/1104"),
        ("https://undocs.org/A/RES/78/213", "un:A/RES/78/213"),
        ("https://docs.un.org/fr/CAT/C/AZE/CO/5", "un:CAT/C/AZE/CO/5"),
    ],
)
def test_symbol_from_url(url: str, key: str) -> None:
    match = un.from_url(url)
    assert match is not None and match.key == key and match.url == url


def test_url_that_is_not_a_symbol() -> None:
    assert un.from_url("https://docs.un.org/en/about") is None
    assert un.from_url("https://www.un.org/en/S/2020/1104") is None


@pytest.mark.parametrize(("language", "prefix"), [(None, "en"), ("fr", "fr"), ("nl", "en"), ("ru", "ru")])
def test_url_follows_the_language_when_the_un_publishes_it(language: str | None, prefix: str) -> None:
    assert un.url_for("un:S/2020/1104", language) == f"https://docs.un.org/{prefix}/S/2020/1104"
