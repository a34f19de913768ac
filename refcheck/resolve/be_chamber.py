"""Belgian Chamber of Representatives documents: ``DOC 55 1597/001``, ``Parl. St. Kamer 54-3119/001``.

A parliamentary document is a legislature, a four-digit bill number and a three-digit
part; the Chamber serves it as ``FLWB/PDF/{leg}/{num}/{leg}K{num}{part}.pdf``. The page
header of a Chamber document prints its own number glued together (``110589/001DOC 56``);
the word boundary before ``DOC`` keeps that header out.
"""

from __future__ import annotations

import re

from refcheck.resolve._table import Row, table_source, word_char

SCHEME = "be-chamber"
URL_TEMPLATE = "https://www.lachambre.be/FLWB/PDF/{leg}/{num}/{leg}K{num}{part}.pdf"

TEXT_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(r"DOC\s+(?P<leg>\d{2})\s+(?P<num>\d{4})/(?P<part>\d{3})\b"),
        key="be-chamber:{leg}/{num}/{part}",
        glued=word_char,
    ),
    # Doc. parl. Chambre / Parl. St. Kamer, the citation forms of legal writing.
    Row(
        pattern=re.compile(
            r"(?:Parl\.\s*St\.,?\s*Kamer|Doc\.\s*parl\.\s*,?\s*Ch(?:ambre|\.))[^;]{0,40}?"
            r"(?<!\d)(?P<leg>\d{2})-(?P<num>\d{1,4})/(?P<part>\d{1,3})\b"
        ),
        key="be-chamber:{leg}/{num:0>4}/{part:0>3}",
    ),
)
URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(
            r"(?i)(?:lachambre|dekamer)\.be/FLWB/PDF/(?P<leg>\d{2})/(?P<num>\d{4})/\d{2}K\d{4}(?P<part>\d{3})\.pdf"
        ),
        key="be-chamber:{leg}/{num}/{part}",
    ),
)


def url_for(key: str, language: str | None = None) -> str | None:
    leg, num, part = key.partition(":")[2].split("/")
    return URL_TEMPLATE.format(leg=leg, num=num, part=part)


SOURCE = table_source(SCHEME, text_rows=TEXT_ROWS, url_rows=URL_ROWS, url_for=url_for, cues=("DOC", "Doc", "Parl"))
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
