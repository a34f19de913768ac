"""United Nations document symbols: ``CAT/C/AZE/CO/5``, ``S/2020/1104``, ``A/RES/78/213``.

A symbol is a series body (``A``, ``S``, ``E``, a treaty body such as ``CAT`` or
``CCPR``) followed by slash-separated components. It must contain a digit after the
series: ``A/B`` in prose is not a symbol, and "Agenda items 31, 61" has no slash at all.
The UN's Official Document System serves every symbol at ``docs.un.org/{lang}/{symbol}``
in the six official languages; other languages get the English version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from refcheck.resolve._table import Row, table_source, word_char

SCHEME = "un"
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
URL_TEMPLATE = "https://docs.un.org/{lang}/{symbol}"

SERIES = (
    "A", "S", "E", "ST", "CAT", "CCPR", "CERD", "CEDAW", "CRC", "CRPD", "CMW", "CED", "HRI", "DP", "TD",
    "UNEP", "ECE", "ECA", "ECLAC", "ESCAP", "ESCWA", "E/C\\.12", "SPT", "UNW", "ICCD", "FCCC", "IDB", "PBC",
)  # fmt: skip


def _has_number(groups: Mapping[str, str]) -> bool:
    return any(ch.isdigit() for ch in groups["id"].split("/", 1)[1])


def _compact(groups: dict[str, str]) -> dict[str, str]:
    # "S/RES/2334 (2016)" is filed as "S/RES/2334(2016)".
    return {**groups, "id": groups["id"].replace(" (", "(")}


TEXT_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(
            rf"(?P<id>(?:{'|'.join(SERIES)})/(?:(?:E?S-\d+|[A-Z0-9]+(?:\.[0-9]+)?(?:\([A-Z0-9]+\))?)/)+"
            r"(?:[A-Z]+\.)?\d+[A-Z0-9]*(?:-\d+)?(?:/(?:Add|Rev|Corr|Amend)\.\d+)*(?: ?\((?:19|20)\d\d\))?)(?![\w/])"
        ),
        key="un:{id}",
        accept=_has_number,
        fix=_compact,
        glued=lambda c: word_char(c) or c in "/.",
    ),
)
URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(
            r"(?i)^https?://(?:docs\.un\.org|undocs\.org|documents\.un\.org/symbol-explorer\?s=)"
            r"/?(?:(?:en|fr|es|ar|ru|zh)/)?(?P<id>[A-Z][A-Za-z0-9./()-]*/[A-Za-z0-9./()-]+?)/?(?:[?&#].*)?$"
        ),
        key="un:{id}",
        accept=_has_number,
    ),
)


def url_for(key: str, language: str | None = None) -> str | None:
    lang = language if language in LANGUAGES else "en"
    return URL_TEMPLATE.format(lang=lang, symbol=key.partition(":")[2])


SOURCE = table_source(SCHEME, text_rows=TEXT_ROWS, url_rows=URL_ROWS, url_for=url_for, cues=("/",))
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
