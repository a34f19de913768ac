"""Apply the editor's own corrections from references.toml.

Some citations can only be resolved by a person: a title with no address, an
identifier whose canonical page is not the one to check. ``[[references]]`` entries map
them to URLs, ignore them, or add a source by hand; they win over anything automatic.
"""

from __future__ import annotations

import re
from dataclasses import replace

from refcheck.config import CuratedReference
from refcheck.models import Citation, CitationKind, Location, Reference, Unresolved
from refcheck.normalise.urls import canonical_url


def _fold(text: str) -> str:
    """Words only, case folded: a title copied from a PDF reader differs in spacing,
    line breaks, quotes and dashes from the citation as extracted."""
    return " " + " ".join(re.findall(r"\w+", text.casefold())) + " "


def title_matches(match: str, text: str) -> bool:
    """True when ``match`` occurs in ``text`` as whole words, ignoring case and punctuation
    (a leading part of a long title is enough; "art" does not match "party")."""
    needle = _fold(match)
    return needle.strip() != "" and needle in _fold(text)


def _same_key(wanted: str, key: str) -> bool:
    if "://" in wanted:
        return canonical_url(wanted) == key
    # Identifier keys are written by hand: case and surrounding spaces do not matter.
    return wanted.strip().casefold() == key.casefold()


def matches(entry: CuratedReference, reference: Reference) -> bool:
    """True when a ``key`` or lone ``url`` entry is about ``reference``.

    A ``key`` matches the reference's key (identifiers case-insensitively); a ``url``
    matches the reference's key or any URL it was cited with, compared in identity
    form, so an entry for a URL the resolvers turned into an identifier still applies.
    """
    if entry.key is not None:
        return _same_key(entry.key, reference.key)
    if entry.url is not None and entry.match is None:
        wanted = canonical_url(entry.url)
        cited = {canonical_url(u) for u in (reference.url, *reference.urls) if u}
        return wanted == reference.key or wanted in cited
    return False


def _add_citations(refs: list[Reference], url: str, citations: tuple[Citation, ...], title: str) -> list[Reference]:
    """Give ``citations`` to the reference of ``url``: an existing one (the same source
    cited elsewhere with its address) or a new one; never two references with one key."""
    key = canonical_url(url)
    for i, ref in enumerate(refs):
        if ref.key == key or key in {canonical_url(u) for u in ref.urls}:
            refs[i] = replace(ref, citations=ref.citations + citations, title=ref.title or title)
            return refs
    refs.append(Reference(key=key, type="curated", url=url, citations=citations, urls=(url,), title=title))
    return refs


def apply_curated(
    references: list[Reference],
    unresolved: list[Unresolved],
    curated: tuple[CuratedReference, ...],
    config_path: str,
) -> tuple[list[Reference], list[Unresolved], list[Reference]]:
    """Return (references, unresolved, excluded) after the curated entries are applied.

    Entries apply in file order. ``match`` is compared with citations that have no
    address (see ``title_matches``); ``key`` and a lone ``url`` with references (see
    ``matches``); a lone ``url`` that matches nothing adds a reference whose citation's
    location is the entry's line in the configuration (``source = "config"``).
    """
    refs = list(references)
    loose = list(unresolved)
    excluded: list[Reference] = []
    for entry in curated:
        if entry.match is not None:
            match = entry.match
            hits = [u for u in loose if title_matches(match, u.text)]
            loose = [u for u in loose if not any(u is h for h in hits)]
            for hit in hits:
                if entry.ignore:
                    excluded.append(
                        Reference(key=f"ignored:{hit.text}", type="title", url=None, citations=hit.citations)
                    )
                elif entry.url is not None:
                    refs = _add_citations(refs, entry.url, hit.citations, hit.text)
            continue
        matched = [r for r in refs if matches(entry, r)]
        if entry.ignore:
            refs = [r for r in refs if not any(r is m for m in matched)]
            excluded.extend(matched)
            continue
        if matched and entry.url is not None:
            refs = [replace(r, url=entry.url) if any(r is m for m in matched) else r for r in refs]
        elif not matched and entry.url is not None and entry.key is None:
            citation = Citation(
                raw=entry.url,
                kind=CitationKind.URL,
                location=Location(document=config_path, line=entry.line),
                url=entry.url,
                source="config",
                note=entry.note,
            )
            refs.append(
                Reference(
                    key=canonical_url(entry.url), type="url", url=entry.url, citations=(citation,), urls=(entry.url,)
                )
            )
    return refs, loose, excluded
