"""What a document reader hands to the rest of extraction.

A reader knows its format (PDF objects, HTML tags, Markdown syntax) and nothing about
URLs or identifiers: it returns the text as lines per page, plus the links whose target
the format states explicitly (a PDF ``/URI`` annotation, an HTML ``href``, a Markdown
link target). Finding and repairing URLs in the text is the normalise stage's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from refcheck.models import Document, Location


@dataclass(frozen=True, slots=True, kw_only=True)
class TextPage:
    """The text of one page, as lines. ``number`` is the 1-based PDF page, or ``None``
    for formats without pages; line numbers in locations count from 1 within the page."""

    number: int | None
    lines: tuple[str, ...]


# Link targets that point nowhere (an empty link): reported as placeholders, their text examined.
PLACEHOLDER_TARGETS = ("", "#")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkTarget:
    """A link whose target the document states explicitly.

    ``target`` is exactly as stored (it may be empty or ``#``: a placeholder), ``text``
    the visible anchor text when known. ``location`` has the page and line of the anchor
    (for a PDF annotation, the first text line its rectangle overlaps); the footnote
    number is filled in later, from the text layout. ``source`` is ``pdf-annotation``,
    ``html-href``, ``markdown-link`` or ``docx-hyperlink``.
    """

    target: str
    text: str | None
    location: Location
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RawDocument:
    """A document as its reader saw it."""

    document: Document
    pages: tuple[TextPage, ...]
    links: tuple[LinkTarget, ...] = ()
