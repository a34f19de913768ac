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

from refcheck.resolve._table import Row, match_url, scan_text, word_char
from refcheck.resolve._types import IdentifierMatch, ScanContext

TYPE = "un"
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
            rf"(?P<id>(?:{'|'.join(SERIES)})/(?:[A-Z0-9]+(?:\.[0-9]+)?(?:\([A-Z0-9]+\))?/)+"
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


def find_in_text(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
    if "/" not in text:
        return (), context
    return scan_text(TEXT_ROWS, text, type=TYPE, url_for=url_for, language=context.language), context


def from_url(url: str) -> IdentifierMatch | None:
    return match_url(URL_ROWS, url, type=TYPE)


def url_for(key: str, language: str | None = None) -> str | None:
    lang = language if language in LANGUAGES else "en"
    return URL_TEMPLATE.format(lang=lang, symbol=key.partition(":")[2])
