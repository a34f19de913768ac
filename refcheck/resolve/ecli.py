"""European Case Law Identifiers: ``ECLI:EU:C:1979:42``, ``ECLI:NL:HR:2019:2007``.

ECLI is country, court, year and an ordinal. There is no single resolver for all of
them: the EU's own courts resolve on EUR-Lex, the Netherlands and Belgium run their own
portals, and the European e-Justice portal searches the rest.
"""

from __future__ import annotations

import re

from refcheck.resolve._table import Row, eu_language, table_source, word_char

SCHEME = "ecli"
URL_TEMPLATES = {
    "EU": "https://eur-lex.europa.eu/legal-content/{lang}/TXT/?uri=ecli:{ecli}",
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


def url_for(key: str, language: str | None = None) -> str | None:
    ecli = key.partition(":")[2]
    parts = ecli.split(":")
    country = parts[1] if len(parts) >= 3 else ""
    # EUR-Lex in the document's language, as for CELEX numbers; the other portals have one URL.
    return URL_TEMPLATES.get(country, FALLBACK_URL).format(ecli=ecli, lang=eu_language(language))


SOURCE = table_source(
    SCHEME, text_rows=TEXT_ROWS, url_rows=URL_ROWS, url_for=url_for, cues=("ECLI:",), decode_urls=True
)
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
