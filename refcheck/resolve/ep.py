"""European Parliament procedures (``2023/2879(RSP)``) and texts adopted (``P9_TA(2023)0356``).

A procedure reference is the year, a four-digit number and the procedure type in
parentheses; the Legislative Observatory (OEIL) has a page for each. A text adopted is
keyed by its ``P{term}_TA({year}){number}`` reference and lives at ``doceo/document/TA-…``.
"""

from __future__ import annotations

import re

from refcheck.resolve._table import Row, eu_language, table_source, word_char

SCHEME = "ep"
PROCEDURE_URL = "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference={reference}"
TEXT_ADOPTED_URL = "https://www.europarl.europa.eu/doceo/document/TA-{term}-{year}-{number}_{lang}.html"
# The official list of procedure types (OEIL): legislative, budgetary, own-initiative, resolutions…
PROCEDURE_TYPES = (
    "COD", "CNS", "APP", "NLE", "INI", "INL", "RSP", "BUD", "DEC", "IMM", "REG", "RSO", "RPS",
    "ACI", "AVC", "SYN", "COS", "DEA", "DCE", "INS", "BUI", "ITS", "DCR",
)  # fmt: skip

TEXT_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(rf"(?P<id>(?:19|20)\d{{2}}/\d{{4}}[A-Z]?)\s?\((?P<t>{'|'.join(PROCEDURE_TYPES)})\)"),
        key="ep:{id}({t})",
        glued=word_char,
        cue="(",
    ),
    Row(
        pattern=re.compile(r"(?P<id>P\d{1,2}_TA(?:-PROV)?\(\d{4}\)\d{4})\b"),
        key="ep:ta:{id}",
        glued=word_char,
        cue="_TA",
    ),
)
URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(r"(?i)procedure-file\?reference=(?P<id>\d{4}/\d{4}[A-Z]?)(?:\(|%28)(?P<t>[A-Z]{2,3})"),
        key="ep:{id}({t})",
    ),
    Row(
        pattern=re.compile(r"(?i)europarl\.europa\.eu/doceo/document/TA-(?P<term>\d{1,2})-(?P<y>\d{4})-(?P<n>\d{4})_"),
        key="ep:ta:P{term}_TA({y}){n}",
    ),
)


def url_for(key: str, language: str | None = None) -> str | None:
    rest = key.partition(":")[2]
    if rest.startswith("ta:"):
        m = re.fullmatch(r"ta:P(\d+)_TA(?:-PROV)?\((\d{4})\)(\d{4})", rest)
        if m is None:
            return None
        return TEXT_ADOPTED_URL.format(term=m[1], year=m[2], number=m[3], lang=eu_language(language))
    return PROCEDURE_URL.format(reference=rest)


SOURCE = table_source(SCHEME, text_rows=TEXT_ROWS, url_rows=URL_ROWS, url_for=url_for, cues=("/", "_TA"))
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
