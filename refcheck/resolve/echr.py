"""HUDOC items of the European Court of Human Rights: ``001-12345``, ``003-7528728-10337270``.

HUDOC item ids start with a collection prefix (``001`` judgments and decisions in
English, ``002`` legal summaries, ``003`` press releases, ``004``–``008`` other
collections and languages); press releases live under ``eng-press``. In prose an id is
only taken with nothing numeric glued to either side, so phone numbers and ranges stay out.
"""

from __future__ import annotations

import re

from refcheck.resolve._table import Row, table_source

SCHEME = "echr"
URL_TEMPLATE = "https://hudoc.echr.coe.int/{collection}?i={item}"
_ITEM = r"00[1-9]-\d{3,8}(?:-\d{3,9})?"

# In prose an item number has five digits or more, as every HUDOC item does
# (``001-57619``): "no. 001-2024", "file 003-45" are registers and serial numbers.
_TEXT_ITEM = r"00[1-9]-\d{5,8}(?:-\d{3,9})?"
TEXT_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(rf"(?P<id>{_TEXT_ITEM})(?![\d-])"),
        key="echr:{id}",
        glued=lambda c: c.isdigit() or c == "-",
    ),
)
URL_ROWS: tuple[Row, ...] = (
    # ?i=001-…, and the JSON-in-fragment form #{"itemid":["001-…"]}, raw or percent-encoded.
    Row(
        pattern=re.compile(
            rf"(?i)hudoc\.echr\.coe\.int/.*?(?:[?&]i=|%22itemid%22:\[%22|\"itemid\":\[\")(?P<id>{_ITEM})"
        ),
        key="echr:{id}",
    ),
)


def url_for(key: str, language: str | None = None) -> str | None:
    item = key.partition(":")[2]
    return URL_TEMPLATE.format(collection="eng-press" if item.startswith("003-") else "eng", item=item)


SOURCE = table_source(SCHEME, text_rows=TEXT_ROWS, url_rows=URL_ROWS, url_for=url_for, cues=("00",))
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
