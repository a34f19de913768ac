"""Identity form of URLs: what makes two citations one source."""

from __future__ import annotations

import pytest

from refcheck.normalise.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.ORG/Path", "https://www.example.org/Path"),  # path case is kept
        ("https://example.org:443/a", "https://example.org/a"),  # default port dropped
        ("http://example.org:8080/a", "http://example.org:8080/a"),  # other ports kept
        ("https://example.org", "https://example.org/"),  # empty path
        ("https://bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),  # IDN, IRI
        ("https://example.org/a%2Fb?q=%20", "https://example.org/a%2Fb?q=%20"),  # escapes kept
        ("www.example.org/x", "http://www.example.org/x"),  # no scheme
        # near misses of the identity-form shortcut still go through the full normalisation
        ("https://example.org./a", "https://example.org/a"),  # final dot of the host
        ("https://example.org/a?", "https://example.org/a"),  # empty query
        ("https://example.org/a#", "https://example.org/a"),  # empty fragment
        ("https://example.org/a<b?c=<", "https://example.org/a%3Cb?c=%3C"),  # quoted characters
        ("https://example.org/a-b_c~d?e=f-g#h-i", "https://example.org/a-b_c~d?e=f-g#h-i"),  # already canonical
        (
            'https://hudoc.echr.coe.int/eng#{"itemid":["001-1"]}',
            "https://hudoc.echr.coe.int/eng#%7B%22itemid%22:[%22001-1%22]%7D",
        ),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    url = "https://bücher.example/ä?x=%41"
    assert canonical_url(canonical_url(url)) == canonical_url(url)
