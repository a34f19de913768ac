"""Wire extract -> normalise -> resolve into citations and references.

This module is where the stages meet (the CLI and ``refcheck.run`` call it): a reader
gives pages of lines and explicit links; the lines are split into paragraphs and
footnotes; URLs are found and repaired, identifiers recognised, PDF annotations
reconciled with the printed URLs; then citations are merged into references and the
editor's curated entries applied.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from refcheck.config import Config
from refcheck.errors import DocumentError, UsageError
from refcheck.extract import RawDocument, read_document
from refcheck.extract._types import LinkTarget
from refcheck.extract.footnotes import Segment, split_segments
from refcheck.models import Citation, CitationKind, Document, ExtractionResult, Location
from refcheck.normalise.language import detect_language
from refcheck.normalise.merge import merge
from refcheck.normalise.notes import classify_note, join_note
from refcheck.normalise.repair import INVISIBLE_CHARS, clean_line, find_urls, repair_url
from refcheck.normalise.urls import canonical_url
from refcheck.resolve import find_identifiers, identifier_from_url, url_for_key
from refcheck.resolve._types import ScanContext
from refcheck.resolve.curated import apply_curated

DOCUMENT_SUFFIXES = (".pdf", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".docx")
PLACEHOLDER_TARGETS = ("", "#")
_IBID = re.compile(r"(?i)^(?:ibid(?:em)?|idem|id)\.?(?:[,;\s]|$)")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Flat:
    """A segment's text with line breaks turned into spaces (hyphenation undone), and
    for each character its offset in the segment text, so spans map back to lines."""

    text: str
    origin: Sequence[int]


def _flatten(text: str) -> _Flat:
    # NOTE hot path: most segments have no hyphenated line end and no invisible
    # character, and then the flat text maps onto the segment one to one.
    if "-\n" not in text and not any(ch in text for ch in INVISIBLE_CHARS):
        return _Flat(text=text.replace("\n", " "), origin=range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "-" and i + 1 < n and text[i + 1] == "\n" and out and out[-1].islower():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j].islower():
                i = j  # "Azer-\nbaïdjan" -> "Azerbaïdjan"
                continue
        if ch in INVISIBLE_CHARS:
            i += 1
            continue
        out.append(" " if ch == "\n" else ch)
        origin.append(i)
        i += 1
    return _Flat(text="".join(out), origin=tuple(origin))


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _citations_in_segment(
    segment: Segment, page: int | None, document: str, context: ScanContext
) -> tuple[list[Citation], ScanContext]:
    text = segment.text
    language = context.language

    def where(offset: int) -> Location:
        return Location(
            document=document, page=page, line=segment.line_at(offset), footnote=segment.footnote, language=language
        )

    found: list[Citation] = []
    spans: list[tuple[int, int]] = []
    for url in find_urls(text):
        spans.append((url.start, url.end))
        if url.kind == "doi":
            found.append(
                Citation(
                    raw=url.raw, kind=CitationKind.IDENTIFIER, location=where(url.start), key=f"doi:{url.value.lower()}"
                )
            )
            continue
        if not url.valid:
            found.append(Citation(raw=repair_url(url.raw), kind=CitationKind.URL, location=where(url.start)))
            continue
        match = identifier_from_url(url.value)
        found.append(
            Citation(
                raw=url.raw,
                kind=CitationKind.URL,
                location=where(url.start),
                url=url.value,
                key=match.key if match else None,
            )
        )
    flat = _flatten(_mask(text, spans))
    matches, context = find_identifiers(flat.text, context)
    for match in matches:
        offset = flat.origin[match.start] if match.start < len(flat.origin) else 0
        found.append(Citation(raw=match.raw, kind=CitationKind.IDENTIFIER, location=where(offset), key=match.key))
    found.sort(key=lambda c: c.location.line or 0)
    if segment.footnote is not None and not found:
        note = join_note(segment.lines)
        kind = classify_note(note)
        if kind is not None:
            found.append(Citation(raw=note, kind=kind, location=where(0)))
    return found, context


def _segment_for_line(segments: Sequence[Segment], line: int | None) -> Segment | None:
    if line is None:
        return None
    for segment in segments:
        if segment.first_line <= line < segment.first_line + len(segment.lines):
            return segment
    return None


def _link_citations(
    links: Sequence[LinkTarget], text_citations: list[Citation], segments_by_page: dict[int | None, list[Segment]]
) -> list[Citation]:
    """Reconcile explicit link targets with the URLs found in the text.

    An annotation's ``/URI`` is what a reader's click opens, so it wins over the
    printed text (resolvers.md, step 6): the same URL found in both is one citation
    (``annotation+text``); a printed URL that is a truncated prefix of the annotation
    is replaced by it; an annotation with no printed counterpart is a citation of its
    own, placed on the footnote its rectangle overlaps.
    """
    citations = list(text_citations)
    for link in links:
        target = link.target.strip()
        page = link.location.page
        segment = _segment_for_line(segments_by_page.get(page, []), link.location.line)
        location = replace(link.location, footnote=segment.footnote if segment else link.location.footnote)
        if target in PLACEHOLDER_TARGETS:
            citations = _mark_placeholder(citations, link, location)
            continue
        if not target.lower().startswith(("http://", "https://", "ftp://", "www.")):
            continue  # relative links point inside the document's own site, not at a source
        url = repair_url(target) if link.source == "pdf-annotation" else target
        same = [
            i
            for i, c in enumerate(citations)
            if c.url
            and c.location.page == page
            and c.location.document == location.document
            and (canonical_url(c.url) == canonical_url(url) or canonical_url(url).startswith(canonical_url(c.url)))
            and c.source == "text"
            and link.source == "pdf-annotation"
        ]
        if same:
            for i in same:
                old = citations[i]
                ident = identifier_from_url(url)
                citations[i] = replace(old, url=url, key=ident.key if ident else None, source="annotation+text")
            continue
        ident = identifier_from_url(url)
        citations.append(
            Citation(
                raw=link.text or target,
                kind=CitationKind.URL,
                location=location,
                url=url,
                key=ident.key if ident else None,
                source=link.source,
            )
        )
    return citations


def _mark_placeholder(citations: list[Citation], link: LinkTarget, location: Location) -> list[Citation]:
    note = f"the link in the document has an empty target ({link.target.strip() or 'empty'!r})"
    anchor = (link.text or "").strip()
    out = list(citations)
    hit = False
    for i, c in enumerate(out):
        if c.location.line == location.line and anchor and c.raw and c.raw in anchor:
            out[i] = replace(c, note=note, source=link.source)
            hit = True
    if not hit and anchor:
        out.append(Citation(raw=anchor, kind=CitationKind.TITLE, location=location, source=link.source, note=note))
    return out


def scan_document(raw: RawDocument) -> list[Citation]:
    """Find every citation in a document read by ``read_document``, in document order."""
    citations: list[Citation] = []
    context = ScanContext()
    segments_by_page: dict[int | None, list[Segment]] = {}
    for page in raw.pages:
        lines = [clean_line(line) for line in page.lines]
        segments = split_segments(lines)
        segments_by_page[page.number] = segments
        body_language: str | None = None
        previous_note: list[Citation] = []
        for segment in segments:
            language = detect_language(segment.text)
            if segment.footnote is None:
                body_language = language or body_language
            else:
                language = language or body_language
            context = replace(context, language=language)
            found, context = _citations_in_segment(segment, page.number, raw.document.path, context)
            if segment.footnote is not None:
                if not any(c.url or c.key for c in found) and _IBID.match(segment.text.strip()):
                    # "Ibid." cites what the footnote before it cited (Bluebook, OSCOLA).
                    found = [
                        replace(
                            c,
                            raw=segment.text.strip(),
                            location=replace(c.location, footnote=segment.footnote, line=segment.first_line),
                        )
                        for c in previous_note
                    ]
                previous_note = found
            citations.extend(found)
    return _link_citations(raw.links, citations, segments_by_page)


def document_paths(paths: Sequence[str], config: Config) -> list[Path]:
    """Expand PATH arguments (files and directories), or the configured globs when none are given.

    Raises:
        DocumentError: a PATH that does not exist.
        UsageError: no PATH given and none configured, or globs that match nothing.
    """
    if paths:
        out: list[Path] = []
        for item in paths:
            path = Path(item)
            if path.is_dir():
                out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES))
            elif path.exists():
                out.append(path)
            else:
                raise DocumentError(item, "no such file or directory")
        return out
    if not config.documents:
        where = config.path or "references.toml"
        raise UsageError(f"no documents given: name PATHs, or list them under 'documents' in {where}")
    found: list[Path] = []
    for pattern in config.documents:
        matches = sorted(glob.glob(str(Path(config.root) / pattern), recursive=True))
        found.extend(Path(m) for m in matches if Path(m).is_file())
    if not found:
        raise UsageError(f"the 'documents' globs in {config.path or 'references.toml'} match no file")
    return list(dict.fromkeys(found))


def extract_paths(paths: Sequence[Path], config: Config) -> ExtractionResult:
    """Read every document, then merge, resolve and curate what they cite.

    Raises:
        DocumentError: a document is missing, unreadable, corrupt or unsupported.
    """
    documents: list[Document] = []
    citations: list[Citation] = []
    for path in paths:
        raw = read_document(path)
        documents.append(raw.document)
        citations.extend(scan_document(raw))
    references, unresolved = merge(citations, url_for_key)
    references, unresolved, excluded = apply_curated(
        references, unresolved, config.references, config.path or "references.toml"
    )
    return ExtractionResult(
        documents=tuple(documents),
        references=tuple(references),
        unresolved=tuple(unresolved),
        excluded=tuple(excluded),
    )


def extract(paths: str | Path | Sequence[str | Path], config: Config | None = None) -> ExtractionResult:
    """Extract, repair, merge and resolve every citation of one or more documents.

    Args:
        paths: a document, or several (directories are searched for documents).
        config: the configuration (curated references); default: none.

    Returns:
        The documents read, the references they cite, and the citations with no address.

    Raises:
        DocumentError: a document is missing, unreadable, corrupt or unsupported.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    cfg = config or Config()
    return extract_paths(document_paths([str(p) for p in items], cfg), cfg)
