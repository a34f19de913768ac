"""CELEX numbers of EU law on EUR-Lex: ``32016R0679`` (the GDPR), ``62014CJ0362``.

A bare CELEX number is eleven characters that look like many other codes, so text is
only read when the word "CELEX" introduces it.
"""

from __future__ import annotations

import re

from refcheck.resolve._table import Row, eu_language, table_source

SCHEME = "celex"
URL_TEMPLATE = "https://eur-lex.europa.eu/legal-content/{lang}/TXT/?uri=CELEX:{celex}"

_CELEX = r"[0-9CE]\d{4}[A-Z]{1,2}\d{4}(?:\(\d{2}\))?"
TEXT_ROWS: tuple[Row, ...] = (
    Row(pattern=re.compile(rf"CELEX[:\s]*(?:n[o°r]\.?\s*)?(?P<id>{_CELEX})(?![A-Za-z0-9])"), key="celex:{id}"),
)
URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(r"(?i)eur-lex\.europa\.eu/.*uri=CELEX(?::|%3A)(?P<id>[0-9CE]\d{4}[A-Z]{1,2}\d{4})"),
        key="celex:{id}",
    ),
)


def url_for(key: str, language: str | None = None) -> str | None:
    return URL_TEMPLATE.format(lang=eu_language(language), celex=key.partition(":")[2])


SOURCE = table_source(SCHEME, text_rows=TEXT_ROWS, url_rows=URL_ROWS, url_for=url_for, cues=("CELEX",))
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
