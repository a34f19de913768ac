"""DOIs: read from resolver URLs, keyed in lower case, resolved by the DOI proxy."""

from __future__ import annotations

import pytest

from refcheck.resolve import doi
from refcheck.resolve._types import ScanContext


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://doi.org/10.2514/3.24154", "doi:10.2514/3.24154"),
        ("http://dx.doi.org/10.1093/EJIL/CHAB001", "doi:10.1093/ejil/chab001"),
        ("https://doi.org/doi:10.1000/XYZ", "doi:10.1000/xyz"),
        ("doi:10.1017/S0020589300012345", "doi:10.1017/s0020589300012345"),
    ],
)
def test_doi_from_url(url: str, key: str) -> None:
    match = doi.from_url(url)
    assert match is not None and match.key == key and match.url == url


def test_a_publisher_url_is_not_a_doi() -> None:
    assert doi.from_url("https://academic.oup.com/ejil/article/10.1093/ejil/chab001") is None


def test_key_and_url() -> None:
    assert doi.key_for("DOI: 10.2514/3.24154") == "doi:10.2514/3.24154"
    assert doi.url_for("doi:10.2514/3.24154") == "https://doi.org/10.2514/3.24154"


def test_prose_is_left_to_the_repair_stage() -> None:
    # Bare DOIs are found by find_urls, which also undoes PDF spacing; finding them here too would count them twice.
    assert doi.find_in_text("see 10.2514/3.24154", ScanContext()) == ((), ScanContext())
