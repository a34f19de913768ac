"""Apply the editor's own corrections from references.toml.

Some citations can only be resolved by a person: a title with no address, an
identifier whose canonical page is not the one to check. ``[[references]]`` entries map
them to URLs, ignore them, or add a source by hand; they win over anything automatic.
"""

from __future__ import annotations

from dataclasses import replace

from refcheck.config import CuratedReference
from refcheck.models import Citation, CitationKind, Location, Reference, Unresolved
from refcheck.normalise.urls import canonical_url


def _matches(entry: CuratedReference, reference: Reference) -> bool:
    if entry.key is not None:
        return entry.key in (reference.key, canonical_url(entry.key) if "://" in entry.key else None)
    if entry.url is not None and entry.match is None:
        return canonical_url(entry.url) == reference.key
    return False


def apply_curated(
    references: list[Reference],
    unresolved: list[Unresolved],
    curated: tuple[CuratedReference, ...],
    config_path: str,
) -> tuple[list[Reference], list[Unresolved], list[Reference]]:
    """Return (references, unresolved, excluded) after the curated entries are applied."""
    refs = list(references)
    loose = list(unresolved)
    excluded: list[Reference] = []
    for entry in curated:
        if entry.match is not None:
            needle = entry.match.casefold()
            hits = [u for u in loose if needle in u.text.casefold()]
            loose = [u for u in loose if u not in hits]
            for hit in hits:
                if entry.ignore:
                    excluded.append(
                        Reference(key=f"ignored:{hit.text}", type="title", url=None, citations=hit.citations)
                    )
                elif entry.url is not None:
                    refs.append(
                        Reference(
                            key=canonical_url(entry.url),
                            type="curated",
                            url=entry.url,
                            citations=hit.citations,
                            urls=(entry.url,),
                            title=hit.text,
                        )
                    )
            continue
        matched = [r for r in refs if _matches(entry, r)]
        if entry.ignore:
            refs = [r for r in refs if r not in matched]
            excluded.extend(matched)
            continue
        if matched and entry.url is not None:
            refs = [replace(r, url=entry.url) if r in matched else r for r in refs]
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
