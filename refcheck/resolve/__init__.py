"""Recognise document identifiers and give each its canonical URL.

One small module per source, each a table of rows with its URL template:
:mod:`~refcheck.resolve.un`, :mod:`~refcheck.resolve.icj`, :mod:`~refcheck.resolve.echr`,
:mod:`~refcheck.resolve.ep`, :mod:`~refcheck.resolve.be_chamber`,
:mod:`~refcheck.resolve.doi`, :mod:`~refcheck.resolve.ecli`, :mod:`~refcheck.resolve.celex`.
This module runs them all and settles overlaps; the shape every source module shares
is :class:`refcheck.resolve._types.Source`.
"""

from __future__ import annotations

from refcheck.resolve import be_chamber, celex, doi, echr, ecli, ep, icj, un
from refcheck.resolve._table import Span, TableSource, scan_spans
from refcheck.resolve._types import Cues, IdentifierMatch, ScanContext, Source

__all__ = [
    "SOURCES",
    "find_identifier_spans",
    "find_identifiers",
    "identifier_from_url",
    "may_hold_identifier",
    "url_for_key",
]

# URL recognition tries these in order: HUDOC before the UN, whose pattern is looser.
SOURCES: tuple[Source, ...] = tuple(m.SOURCE for m in (echr, doi, un, ep, be_chamber, celex, ecli, icj))
_BY_SCHEME = {source.scheme: source for source in SOURCES}


def _merged_cues(sources: tuple[Source, ...]) -> Cues:
    """Every source's cues as one test."""
    return Cues(
        cased=tuple(dict.fromkeys(cue for s in sources for cue in s.may_hold.cased)),
        folded=tuple(dict.fromkeys(cue for s in sources for cue in s.may_hold.folded)),
        anywhere=any(s.may_hold.anywhere for s in sources),
    )


# The pipeline asks this of every paragraph: one pass over the distinct cues beats
# asking each source in turn.
_CUES = _merged_cues(SOURCES)


def may_hold_identifier(text: str) -> bool:
    """False only when no source could find an identifier in ``text`` (substring tests, no regex)."""
    return _CUES(text)


def find_identifiers(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
    """Find every identifier in ``text``; overlapping matches keep the longer one.

    ICJ decisions are exempt from the overlap rule: their span is a whole phrase
    ("orders of 7 December 2021 and 22 February 2023") that may hold several keys.

    Args:
        text: a paragraph or footnote, line breaks joined by spaces.
        context: what earlier passages of the document established.

    Returns:
        The matches in order, and the context for the next passage.
    """
    spans, after = find_identifier_spans(text, context)
    matches = tuple(
        IdentifierMatch(
            key=key,
            type=key.partition(":")[0],  # a key's scheme is its source's type
            url=url_for_key(key, context.language),
            start=start,
            end=end,
            raw=raw,
        )
        for start, end, raw, key in spans
    )
    return matches, after


def find_identifier_spans(text: str, context: ScanContext) -> tuple[list[Span], ScanContext]:
    """What ``find_identifiers`` finds, as ``(start, end, raw, key)`` with no canonical URL.

    The pipeline's form: it reads only the keys and spans (the URL of a reference comes
    from ``url_for_key`` when references are merged), and a document may cite thousands
    of identifiers.
    """
    found: list[Span] = []
    for source in SOURCES:
        if isinstance(source, TableSource):
            if source.text_rows and source.may_hold(text):
                found.extend(scan_spans(source.text_rows, text))
            continue
        matches, context = source.find_in_text(text, context)
        found.extend((m.start, m.end, m.raw, m.key) for m in matches)
    return _settle(found), context


def _settle(found: list[Span]) -> list[Span]:
    """The spans kept, in order: the longer of overlapping ones (ICJ decisions exempt)."""
    if len(found) > 1:
        found.sort(key=lambda x: (x[0], x[0] - x[1]))
    kept: list[Span] = []
    reach = 0  # end of the furthest non-ICJ match kept: sorted by start, anything before it overlaps
    seen: set[tuple[str, int]] = set()
    for span in found:
        start, end, _, key = span
        if not key.startswith(_ICJ_PREFIX):
            if start < reach:
                continue
            reach = end
        if (key, start) in seen:
            continue
        seen.add((key, start))
        kept.append(span)
    return kept


_ICJ_PREFIX = icj.SCHEME + ":"


def identifier_from_url(url: str) -> IdentifierMatch | None:
    """Return the identifier a URL stands for (a HUDOC item, a DOI, a UN symbol …), if any."""
    for source in SOURCES:
        match = source.from_url(url)
        if match is not None:
            return match
    return None


def url_for_key(key: str, language: str | None = None) -> str | None:
    """Return the canonical URL of an identifier key, or ``None`` when none can be built."""
    source = _BY_SCHEME.get(key.partition(":")[0])
    if source is None:
        return None
    return source.url_for(key, language)
