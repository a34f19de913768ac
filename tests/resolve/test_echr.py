"""HUDOC items of the European Court of Human Rights."""

from __future__ import annotations

import pytest

from refcheck.resolve import echr
from refcheck.resolve._types import ScanContext


def keys(text: str) -> list[str]:
    matches, _ = echr.find_in_text(text, ScanContext())
    return [m.key for m in matches]


def test_items_in_prose() -> None:
    assert keys("press release 003-7528728-10337270 and judgment 001-57619.") == [
        "echr:003-7528728-10337270",
        "echr:001-57619",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "tel. 0032-2-5551234",
        "pages 001-12 only",
        "Registration no. 001-2024",
        "file 003-45",
        "ref 2001-12345",
        "1-001-12345-6",
    ],
)
def test_numbers_that_are_not_items(text: str) -> None:
    assert keys(text) == []


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://hudoc.echr.coe.int/eng-press?i=003-7528728-10337270", "echr:003-7528728-10337270"),
        ("https://hudoc.echr.coe.int/fre?i=001-57619", "echr:001-57619"),
        ('https://hudoc.echr.coe.int/eng#{"itemid":["001-57619"]}', "echr:001-57619"),
        ("https://hudoc.echr.coe.int/eng#%7B%22itemid%22:[%22001-57619%22]%7D", "echr:001-57619"),
    ],
)
def test_item_from_url(url: str, key: str) -> None:
    match = echr.from_url(url)
    assert match is not None and match.key == key


def test_press_releases_live_in_their_own_collection() -> None:
    assert echr.url_for("echr:003-7528728-10337270") == "https://hudoc.echr.coe.int/eng-press?i=003-7528728-10337270"
    assert echr.url_for("echr:001-57619") == "https://hudoc.echr.coe.int/eng?i=001-57619"
