"""European Case Law Identifiers: ``ECLI:EU:C:1979:42``, ``ECLI:NL:HR:2019:2007``.

ECLI is country, court, year and an ordinal. There is no single resolver for all of
them: the EU's own courts resolve on EUR-Lex, the Netherlands and Belgium run their own
portals, and the European e-Justice portal searches the rest.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import unquote

from refcheck.resolve._table import Row, match_url, scan_text, word_char
from refcheck.resolve._types import IdentifierMatch, ScanContext

TYPE = "ecli"
SCHEME = "ecli"
URL_TEMPLATES = {
    "EU": "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli:{ecli}",
    "NL": "https://uitspraken.rechtspraak.nl/details?id={ecli}",
    "BE": "https://juportal.be/content/{ecli}",
}
FALLBACK_URL = "https://e-justice.europa.eu/ecli/{ecli}"

TEXT_ROWS: tuple[Row, ...] = (
    Row(
        glued=word_char,
        pattern=re.compile(r"(?P<id>ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]{0,24}[A-Z0-9])"),
        key="ecli:{id}",
    ),
)
URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(
            r"(?i)(?:uri=ecli:|[?&/]id=|/content/|/ecli/)(?P<id>ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]+)"
        ),
        key="ecli:{id}",
    ),
)


def find_in_text(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
    if "ECLI:" not in text:
        return (), context
    return scan_text(TEXT_ROWS, text, type=TYPE, url_for=url_for, language=context.language), context


def from_url(url: str) -> IdentifierMatch | None:
    # EUR-Lex writes the colons of an ECLI percent-encoded as often as not.
    match = match_url(URL_ROWS, unquote(url), type=TYPE)
    return replace(match, url=url, raw=url) if match else None


def url_for(key: str, language: str | None = None) -> str | None:
    ecli = key.partition(":")[2]
    parts = ecli.split(":")
    country = parts[1] if len(parts) >= 3 else ""
    return URL_TEMPLATES.get(country, FALLBACK_URL).format(ecli=ecli)
