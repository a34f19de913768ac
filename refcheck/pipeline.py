"""Wire extract -> normalise -> resolve into citations and references.

This module is where the stages meet (the CLI and ``refcheck.run`` call it): a reader
gives pages of lines and explicit links; the lines are split into paragraphs and
footnotes; URLs are found and repaired, identifiers recognised, PDF annotations
reconciled with the printed URLs; then citations are merged into references and the
editor's curated entries applied.
"""

from __future__ import annotations

import gc
import glob
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from refcheck.config import Config
from refcheck.errors import DocumentError, UsageError
from refcheck.extract import RawDocument, read_document
from refcheck.extract._types import PLACEHOLDER_TARGETS, LinkTarget
from refcheck.extract.footnotes import Segment, split_segments
from refcheck.models import Citation, CitationKind, Document, ExtractionResult, Location
from refcheck.normalise.language import detect_language
from refcheck.normalise.merge import merge
from refcheck.normalise.notes import classify_note, join_note
from refcheck.normalise.repair import INVISIBLE_CHARS, clean_line, clean_text, find_urls, may_hold_url, repair_url
from refcheck.normalise.urls import canonical_url
from refcheck.resolve import find_identifier_spans, identifier_from_url, may_hold_identifier, url_for_key
from refcheck.resolve._types import ScanContext
from refcheck.resolve.curated import apply_curated

DOCUMENT_SUFFIXES = (".pdf", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".docx")
_IBID = re.compile(r"(?i)^(?:ibid(?:em)?|idem|id)\.?(?:[,;\s]|$)")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Flat:
    """A segment's text with line breaks turned into spaces (hyphenation undone), and
    where each character came from, so spans map back to lines.

    The mapping is kept as runs: flat characters ``run_starts[k]`` onwards come one to one
    from segment characters ``run_origins[k]`` onwards (a per-character table is megabytes
    for a long segment, and most segments are a single run).
    """

    text: str
    run_starts: tuple[int, ...]
    run_origins: tuple[int, ...]

    def origin(self, index: int) -> int:
        """The segment offset of flat character ``index`` (0 past the end)."""
        if not 0 <= index < len(self.text):
            return 0
        if len(self.run_starts) == 1:
            return self.run_origins[0] + index
        k = bisect_right(self.run_starts, index) - 1
        return self.run_origins[k] + index - self.run_starts[k]


# What _flatten must look at: a hyphen at a line end, or an invisible character.
_FLATTEN_SPECIAL = re.compile("-\n|[" + INVISIBLE_CHARS + "]")


def _flatten(text: str) -> _Flat:
    # NOTE hot path: most segments have no hyphenated line end and no invisible
    # character, and then the flat text maps onto the segment one to one.
    if "-\n" not in text and (text.isascii() or not any(ch in text for ch in INVISIBLE_CHARS)):
        return _Flat(text=text.replace("\n", " "), run_starts=(0,), run_origins=(0,))
    # Runs between special characters are copied whole; only a hyphen at a line end
    # and invisible characters are looked at one by one.
    pieces: list[str] = []
    run_starts: list[int] = []
    run_origins: list[int] = []
    size = 0
    last = ""  # the last character written so far
    i = 0
    n = len(text)

    def emit(start: int, end: int) -> None:
        nonlocal size, last
        if start >= end:
            return
        if not run_starts or run_origins[-1] + (size - run_starts[-1]) != start:
            run_starts.append(size)
            run_origins.append(start)
        pieces.append(text[start:end].replace("\n", " "))
        size += end - start
        last = pieces[-1][-1]

    while (m := _FLATTEN_SPECIAL.search(text, i)) is not None:
        at = m.start()
        emit(i, at)
        if text[at] != "-":
            i = at + 1  # an invisible character: dropped
            continue
        if last.islower():
            j = at + 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j].islower():
                i = j  # "Azer-\nbaïdjan" -> "Azerbaïdjan"
                continue
        emit(at, at + 1)
        i = at + 1
    emit(i, n)
    return _Flat(text="".join(pieces), run_starts=tuple(run_starts) or (0,), run_origins=tuple(run_origins) or (0,))


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Blank out ``spans`` of ``text`` with spaces, keeping newlines so lines still match."""
    pieces: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        pieces.append(text[pos:start])
        pieces.append("\n".join(" " * len(part) for part in text[start:end].split("\n")))
        pos = end
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


# A citation found in a segment before its language is known: the page line it starts
# on, then Citation's raw, kind, url and key.
_Found = tuple[int, str, CitationKind, "str | None", "str | None"]


def _citations_in_segment(segment: Segment, context: ScanContext) -> tuple[list[_Found], ScanContext]:
    """The URLs and identifiers of a segment, in order of their lines."""
    text = segment.text
    line_at = segment.line_at
    found: list[_Found] = []
    spans: list[tuple[int, int]] = []
    for url in find_urls(text):
        spans.append((url.start, url.end))
        if url.kind == "doi":
            found.append((line_at(url.start), url.raw, CitationKind.IDENTIFIER, None, f"doi:{url.value.lower()}"))
            continue
        if not url.valid:
            found.append((line_at(url.start), repair_url(url.raw), CitationKind.URL, None, None))
            continue
        match = identifier_from_url(url.value)
        found.append((line_at(url.start), url.raw, CitationKind.URL, url.value, match.key if match else None))
    flat = _flatten(_mask(text, spans))
    identifiers, context = find_identifier_spans(flat.text, context)
    for start, _, raw, key in identifiers:
        found.append((line_at(flat.origin(start)), raw, CitationKind.IDENTIFIER, None, key))
    if len(found) > 1:
        found.sort(key=lambda f: f[0])
    return found, context


def _segment_for_line(segments: Sequence[Segment], starts: Sequence[int], line: int | None) -> Segment | None:
    """The segment holding page line ``line``; ``starts`` are the segments' first lines, in order."""
    if line is None:
        return None
    k = bisect_right(starts, line) - 1
    if k >= 0 and line < segments[k].first_line + len(segments[k].lines):
        return segments[k]
    return None


class _CitationIndex:
    """The citations of one document as a list that grows and changes, with the look-ups
    reconciling links needs, so that each link costs the citations on its page or line
    rather than every citation of the document."""

    def __init__(self, citations: Iterable[Citation]) -> None:
        self.items: list[Citation] = []
        self._printed: dict[tuple[str, int | None], list[int]] = {}
        self._on_line: dict[int | None, list[int]] = {}
        self._canonical: dict[str, str] = {}
        for citation in citations:
            self.append(citation)

    def append(self, citation: Citation) -> None:
        index = len(self.items)
        self.items.append(citation)
        if citation.url and citation.source == "text":
            self._printed.setdefault((citation.location.document, citation.location.page), []).append(index)
        self._on_line.setdefault(citation.location.line, []).append(index)

    def canonical(self, url: str) -> str:
        known = self._canonical.get(url)
        if known is None:
            known = self._canonical[url] = canonical_url(url)
        return known

    def printed_prefixes(self, url: str, document: str, page: int | None) -> list[int]:
        """Indices of printed URLs on the page that are ``url`` or a truncated prefix of it."""
        target = _without_scheme(self.canonical(url))
        out: list[int] = []
        for i in self._printed.get((document, page), ()):
            c = self.items[i]
            # Scheme aside: a printed "www.example.org/x" is cited as http://, its link may be https://.
            if c.source == "text" and c.url and target.startswith(_without_scheme(self.canonical(c.url))):
                out.append(i)
        return out

    def on_line(self, line: int | None) -> list[int]:
        return self._on_line.get(line, [])


def _without_scheme(url: str) -> str:
    return url.partition("://")[2] or url


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
    if not links:
        return text_citations
    index = _CitationIndex(text_citations)
    starts = {page: [s.first_line for s in segments] for page, segments in segments_by_page.items()}

    def segment_of(page: int | None, line: int | None) -> Segment | None:
        return _segment_for_line(segments_by_page.get(page, []), starts.get(page, []), line)

    linked: set[tuple[int | None, int]] = set()  # (page, first line) of footnotes a link gave an address
    for link in links:
        target = link.target.strip()
        page = link.location.page
        segment = segment_of(page, link.location.line)
        location = replace(link.location, footnote=segment.footnote if segment else link.location.footnote)
        if target in PLACEHOLDER_TARGETS:
            last = segment.first_line + len(segment.lines) - 1 if segment else location.line
            _mark_placeholder(index, link, location, last)
            continue
        if not target.lower().startswith(("http://", "https://", "ftp://", "www.")):
            continue  # relative links point inside the document's own site, not at a source
        if segment is not None and segment.footnote is not None:
            linked.add((page, segment.first_line))
        url = repair_url(target) if link.source == "pdf-annotation" else target
        if url[:4].lower() == "www.":
            url = "http://" + url  # as a printed bare address is cited: what a browser tries first
        same = index.printed_prefixes(url, location.document, page) if link.source == "pdf-annotation" else []
        if same:
            for i in same:
                old = index.items[i]
                ident = identifier_from_url(url)
                index.items[i] = replace(old, url=url, key=ident.key if ident else None, source="annotation+text")
            continue
        ident = identifier_from_url(url)
        index.append(
            Citation(
                raw=link.text or target,
                kind=CitationKind.URL,
                location=location,
                url=url,
                key=ident.key if ident else None,
                source=link.source,
            )
        )
    return [c for c in index.items if not _titled_link(c, linked, segment_of)]


def _titled_link(
    citation: Citation,
    linked: set[tuple[int | None, int]],
    segment_of: Callable[[int | None, int | None], Segment | None],
) -> bool:
    """Whether ``citation`` is the text of a footnote that turned out to hold a link.

    A footnote whose text has no address reads as a title-only citation
    ("Reuters, Armenia report, 2023."); when its link target is known, the title is
    the link's text, not a second source an editor must look up.
    """
    if citation.kind not in (CitationKind.TITLE, CitationKind.FILE_NAME) or citation.note is not None:
        return False
    if citation.source != "text" or citation.location.footnote is None:
        return False
    segment = segment_of(citation.location.page, citation.location.line)
    return segment is not None and (citation.location.page, segment.first_line) in linked


def _mark_placeholder(index: _CitationIndex, link: LinkTarget, location: Location, last_line: int | None) -> None:
    """Note the empty link on what its text cites, or cite its text as a title.

    The text may wrap, so the citations looked at run from the link's line to the end
    of its paragraph, compared with line breaks folded to spaces.
    """
    note = f"the link in the document has an empty target ({link.target.strip() or 'empty'!r})"
    anchor = " ".join((link.text or "").split())
    if not anchor:
        return
    hit = False
    first = location.line
    lines = [first] if first is None or last_line is None else range(first, max(first, last_line) + 1)
    for line in lines:
        for i in index.on_line(line):
            c = index.items[i]
            if c.raw and " ".join(c.raw.split()) in anchor:
                index.items[i] = replace(c, note=note, source=link.source)
                hit = True
        if hit:
            break
    if not hit:
        index.append(Citation(raw=anchor, kind=CitationKind.TITLE, location=location, source=link.source, note=note))


# How many non-blank lines at the top and the bottom of a page a running header or
# footer may take.
_EDGE_LINES = 3
_PAGINATED = ("application/pdf", "text/plain")


def _edge_lines(lines: Sequence[str]) -> tuple[frozenset[int], frozenset[int]]:
    """The numbers of the first few non-blank lines of a page, and of the first and last few."""
    top = [n for n, text in enumerate(lines[:64], start=1) if text.strip()][:_EDGE_LINES]
    tail = len(lines) - min(len(lines), 64)
    bottom = [n for n, text in enumerate(lines[tail:], start=tail + 1) if text.strip()][-_EDGE_LINES:]
    return frozenset(top), frozenset(top + bottom)


def _running_header(citation: Citation, lines: Sequence[str], tops: frozenset[int]) -> bool:
    """Whether ``citation`` is the document's own number printed alone at the edge of a page.

    UN documents print their symbol at the top of every page (``A/HRC/55/21``), Chamber
    documents their ``DOC 56 0589/001``: that is the document itself, not a source it
    cites. Only an identifier alone on its line (a page number beside it allowed), in the
    first few non-blank lines of a page and outside footnotes, is taken for one. At a
    page's foot it is taken for one only when repeated (``_drop_repeated_headers``): a
    reference list's last entry often ends with its DOI alone on a line.
    """
    if citation.kind is not CitationKind.IDENTIFIER or citation.location.footnote is not None:
        return False
    return citation.location.line in tops and _alone_on_line(citation, lines)


def _alone_on_line(citation: Citation, lines: Sequence[str]) -> bool:
    """Whether an identifier is all its line holds, a page number beside it allowed."""
    line = citation.location.line
    if line is None or not 1 <= line <= len(lines):
        return False
    words = [w for w in lines[line - 1].split() if not (w.isdigit() and len(w) <= 4)]
    return words == citation.raw.split()


def _masthead_line(citation: Citation, lines: Sequence[str]) -> bool:
    """Whether an identifier's line holds no lower-case word besides it: a masthead or
    running header such as ``United Nations S/2024/321``, not a sentence."""
    line = citation.location.line
    if line is None or not 1 <= line <= len(lines) or citation.raw not in lines[line - 1]:
        return False
    rest = lines[line - 1].replace(citation.raw, " ").split()
    return not any(word[0].islower() for word in rest)


class _RunningHeaders:
    """The document's own number, found where it stands as a running header, and dropped.

    At the top of a page, an identifier alone on its line is a header at once
    (``_running_header``). Text extracted without page breaks keeps the header in
    mid-text (corpus 002's ``110589/001DOC 56``, a UN symbol over every page): an
    identifier alone on its line more than once, or one already seen as a header, is
    the document itself. So is that header's identifier in a page's edge line among
    capitalised words (the first page's ``United Nations S/2024/321``). The last two
    need the whole document, so they are settled by ``drop`` at the end.
    """

    def __init__(self) -> None:
        self.alone: list[int] = []  # body identifiers alone on their line, by index in the citations
        self.masthead: list[int] = []  # body identifiers at a page's edge among capitalised words
        self.keys: set[str] = set()  # identifiers seen as a header at the top of a page

    def observe(self, cited: list[Citation], first: int, page: _PageEdges, at_edge: bool) -> list[Citation]:
        """``cited`` (to be stored from index ``first``) without the headers it holds at a page's top."""
        if at_edge:
            headers = [c for c in cited if _running_header(c, page.lines, page.tops)]
            self.keys.update(c.key for c in headers if c.key)
            cited = [c for c in cited if c not in headers]
        for i, c in enumerate(cited, start=first):
            if c.kind is not CitationKind.IDENTIFIER or c.location.footnote is not None:
                continue
            if at_edge and c.location.line in page.edges and _masthead_line(c, page.lines):
                self.masthead.append(i)
            if _alone_on_line(c, page.lines):
                self.alone.append(i)
        return cited

    def drop(self, citations: list[Citation]) -> list[Citation]:
        counts = Counter(citations[i].key for i in self.alone)
        gone = {i for i in self.alone if counts[citations[i].key] > 1 or citations[i].key in self.keys}
        gone.update(i for i in self.masthead if citations[i].key in self.keys)
        return [c for i, c in enumerate(citations) if i not in gone] if gone else citations


@dataclass(frozen=True, slots=True)
class _PageEdges:
    """A page's cleaned lines and the numbers of its first (``tops``) and first and last (``edges``) non-blank lines."""

    lines: Sequence[str]
    tops: frozenset[int]
    edges: frozenset[int]


def _may_cite(text: str) -> bool:
    """False only when ``text`` cannot hold a URL, a DOI or an identifier (substring tests)."""
    return may_hold_url(text) or may_hold_identifier(text)


def _may_cite_flat(text: str) -> bool:
    """Whether ``text`` may hold an identifier once flattened, where identifiers are sought.

    Joining the lines and dropping invisible characters can make a cue that ``text``
    lacks ("the\\nCourt"). Asked only of a footnote with no URL cue, so nothing is masked.
    """
    return ("\n" in text or not text.isascii()) and may_hold_identifier(_flatten(text).text)


class _BodyLanguage:
    """The language of the body text read last, detected only when a footnote needs it.

    A footnote too short to tell its language takes the body's; detecting the language
    of every paragraph just in case cost more than scanning most of them.
    """

    def __init__(self) -> None:
        self.known: str | None = None
        self.pending: list[str] = []  # body text skipped since ``known`` was set, oldest first

    def skip(self, text: str) -> None:
        self.pending.append(text)

    def saw(self, language: str | None) -> None:
        if language:
            self.known = language
            self.pending.clear()

    def current(self) -> str | None:
        for text in reversed(self.pending):
            if language := detect_language(text):
                self.known = language
                break
        self.pending.clear()
        return self.known


def _clean_lines(lines: Sequence[str]) -> list[str]:
    """``[clean_line(line) for line in lines]``, done on the page's text at once."""
    cleaned = clean_text("\n".join(lines)).split("\n")
    if len(cleaned) != len(lines):  # a line holding a newline of its own
        return [clean_line(line) for line in lines]
    return cleaned


def scan_document(raw: RawDocument) -> list[Citation]:
    """Find every citation in a document read by ``read_document``, in document order."""
    citations: list[Citation] = []
    context = ScanContext()
    segments_by_page: dict[int | None, list[Segment]] = {}
    document = raw.document.path
    # Running headers are a thing of printed pages: PDFs and the text extracted from them.
    paginated = raw.document.media_type in _PAGINATED
    headers = _RunningHeaders()
    for page in raw.pages:
        lines = _clean_lines(page.lines)
        segments = split_segments(lines)
        segments_by_page[page.number] = segments
        tops, edges = _edge_lines(lines) if paginated else (frozenset(), frozenset())
        page_edges = _PageEdges(lines, tops, edges)
        body = _BodyLanguage()
        previous_note: list[Citation] = []
        for segment in segments:
            text = segment.text
            footnote = segment.footnote
            if _may_cite(text) or (footnote is not None and _may_cite_flat(text)):
                found, context = _citations_in_segment(segment, context)
            elif footnote is None:
                body.skip(text)  # most prose cites nothing: no language, no scan
                continue
            else:
                found = []  # no URL or identifier; the note may still be a title
            note_kind = _note_kind(segment) if footnote is not None and not found else None
            if footnote is None:
                if not found:
                    # Its language only matters to a footnote that follows: detected then.
                    body.skip(text)
                    continue
                language = detect_language(text)
                body.saw(language)
            elif found or note_kind is not None:
                language = detect_language(text) or body.current()
            else:
                language = None
            where = _Locations(document, page.number, segment, language)
            cited = [
                Citation(raw=raw_text, kind=kind, location=where.on(line), url=url, key=key)
                for line, raw_text, kind, url, key in found
            ]
            if footnote is not None:
                if not cited and note_kind is not None:
                    cited = [
                        Citation(raw=join_note(segment.lines), kind=note_kind, location=where.on(segment.first_line))
                    ]
                if not any(c.url or c.key for c in cited) and _IBID.match(text.strip()):
                    # "Ibid." cites what the footnote before it cited (Bluebook, OSCOLA).
                    cited = [
                        replace(
                            c,
                            raw=text.strip(),
                            location=replace(c.location, footnote=footnote, line=segment.first_line),
                        )
                        for c in previous_note
                    ]
                previous_note = cited
            if paginated and footnote is None and cited:
                at_edge = not edges.isdisjoint(range(segment.first_line, segment.first_line + len(segment.lines)))
                cited = headers.observe(cited, len(citations), page_edges, at_edge)
            citations.extend(cited)
    citations = headers.drop(citations)
    return _link_citations(raw.links, citations, segments_by_page)


def _note_kind(segment: Segment) -> CitationKind | None:
    """What a footnote with no URL or identifier cites: a title, a file name, or nothing."""
    return classify_note(join_note(segment.lines))


class _Locations:
    """The locations of one segment's citations, one object per line."""

    def __init__(self, document: str, page: int | None, segment: Segment, language: str | None) -> None:
        self.document = document
        self.page = page
        self.segment = segment
        self.language = language
        self.by_line: dict[int, Location] = {}

    def on(self, line: int) -> Location:
        location = self.by_line.get(line)
        if location is None:
            location = self.by_line[line] = Location(
                document=self.document,
                page=self.page,
                line=line,
                footnote=self.segment.footnote,
                language=self.language,
            )
        return location


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
    # Scanning allocates an object or two per citation and keeps them all, and almost
    # none is part of a reference cycle: the cycle collector's full passes over the
    # growing list cost a third of the time on citation-dense text, and free nothing.
    # It is off until the references are merged (and on again after, if it was).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path in paths:
            raw = read_document(path)
            documents.append(raw.document)
            citations.extend(scan_document(raw))
        references, unresolved = merge(citations, url_for_key)
    finally:
        if collecting:
            gc.enable()
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
