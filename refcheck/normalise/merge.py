"""Citations -> references: the same source cited several times becomes one reference.

A source is one reference however often it is cited: in the French and the Dutch
column, in a footnote and in the body text, as a URL and as an identifier. Every
citation is kept with its location, so a report can say "footnote 2, both versions".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from refcheck.models import Citation, CitationKind, Reference, Unresolved
from refcheck.normalise.urls import canonical_url

UrlFor = Callable[[str, "str | None"], "str | None"]

_WHY = {
    CitationKind.TITLE: "a title with no URL or identifier",
    CitationKind.FILE_NAME: "a local file name, not a reachable source",
    CitationKind.URL: "URL-like text that could not be repaired into a URL",
    CitationKind.IDENTIFIER: "an identifier no resolver can turn into a URL",
}


def reference_key(citation: Citation) -> str | None:
    """Return the key a citation merges under, or ``None`` when it has no address."""
    if citation.key:
        return citation.key
    if citation.url:
        return canonical_url(citation.url)
    return None


def unresolved_key(text: str) -> str:
    """Fold a title for grouping: case, punctuation and spacing differ between versions."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def merge(citations: Iterable[Citation], url_for: UrlFor) -> tuple[list[Reference], list[Unresolved]]:
    """Group citations into references and unresolved citations, in order of first appearance.

    Args:
        citations: every citation of every document, in document order.
        url_for: the resolve stage's ``url_for_key(key, language)``, which gives the
            canonical URL of an identifier that was cited without one.

    Returns:
        The references and the citations that point at no address.
    """
    grouped: dict[str, list[Citation]] = {}
    loose: dict[str, list[Citation]] = {}
    for citation in citations:
        key = reference_key(citation)
        if key is not None:
            grouped.setdefault(key, []).append(citation)
        else:
            loose.setdefault(unresolved_key(citation.raw), []).append(citation)
    references = [_reference(key, tuple(group), url_for) for key, group in grouped.items()]
    unresolved = [
        Unresolved(text=group[0].raw, why=_WHY[group[0].kind], citations=tuple(group)) for group in loose.values()
    ]
    return references, unresolved


def _reference(key: str, citations: tuple[Citation, ...], url_for: UrlFor) -> Reference:
    urls = tuple(dict.fromkeys(c.url for c in citations if c.url))
    is_identifier = any(c.key for c in citations)
    kind = key.split(":", 1)[0] if is_identifier else "url"
    url = urls[0] if urls else url_for(key, citations[0].location.language)
    return Reference(key=key, type=kind, url=url, citations=citations, urls=urls)
