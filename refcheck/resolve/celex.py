"""CELEX numbers of EU law on EUR-Lex: ``32016R0679`` (the GDPR), ``62014CJ0362``.

A bare CELEX number is eleven characters that look like many other codes, so text is
only read when the word "CELEX" introduces it.
"""

from __future__ import annotations

import re

from refcheck.resolve._table import Row, match_url, scan_text
from refcheck.resolve._types import IdentifierMatch, ScanContext

TYPE = "celex"
SCHEME = "celex"
URL_TEMPLATE = "https://eur-lex.europa.eu/legal-content/{lang}/TXT/?uri=CELEX:{celex}"
_LANGS = {"fr": "FR", "nl": "NL", "de": "DE", "es": "ES", "it": "IT"}

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


def find_in_text(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
    if "CELEX" not in text:
        return (), context
    return scan_text(TEXT_ROWS, text, type=TYPE, url_for=url_for, language=context.language), context


def from_url(url: str) -> IdentifierMatch | None:
    return match_url(URL_ROWS, url, type=TYPE)


def url_for(key: str, language: str | None = None) -> str | None:
    return URL_TEMPLATE.format(lang=_LANGS.get(language or "", "EN"), celex=key.partition(":")[2])
