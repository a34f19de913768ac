"""Digital Object Identifiers: ``10.2514/3.24154``, resolved by the DOI proxy.

Bare DOIs in text are found by the repair stage (:func:`refcheck.normalise.repair.find_urls`),
because PDF extraction spaces and wraps them like URLs and only that stage undoes it;
this module reads DOIs out of resolver URLs and builds the canonical URL. DOIs are
case-insensitive, so keys are lower case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from refcheck.resolve._table import Row, table_source

SCHEME = "doi"
URL_TEMPLATE = "https://doi.org/{doi}"


def _lower(groups: Mapping[str, str]) -> dict[str, str]:
    return {k: v.lower() for k, v in groups.items()}


URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(r"(?i)^https?://(?:dx\.)?doi\.org/(?:doi:)?(?P<id>10\.\d{4,9}/\S+)$"),
        key="doi:{id}",
        fix=_lower,
    ),
    Row(pattern=re.compile(r"(?i)^doi:(?P<id>10\.\d{4,9}/\S+)$"), key="doi:{id}", fix=_lower),
)


def key_for(doi: str) -> str:
    """The key of a DOI as written (``doi:`` prefix or not, any case)."""
    return "doi:" + re.sub(r"(?i)^doi:\s*", "", doi.strip()).lower()


def url_for(key: str, language: str | None = None) -> str | None:
    return URL_TEMPLATE.format(doi=key.partition(":")[2])


SOURCE = table_source(SCHEME, text_rows=(), url_rows=URL_ROWS, url_for=url_for)
find_in_text, from_url = SOURCE.find_in_text, SOURCE.from_url
