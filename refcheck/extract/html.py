"""HTML: visible text as lines, and every ``href`` as a link target (beautifulsoup4).

- Lines follow the source: a block element (``<p>``, ``<li>``, ``<div>``…) starts on its
  source line when the text so far allows it, so line numbers are the source lines of
  pretty-printed HTML and approximate (a little later) where several blocks share a
  line. Blocks are separated by a blank line, as paragraphs are in text.
- Links: ``href`` of ``<a>`` and ``<area>``, entities decoded (``&amp;``). An empty
  ``href`` or ``#`` is reported as is (a placeholder) and its text kept. A relative
  ``href`` is resolved against ``<base href>`` when the page has an absolute one;
  without it the page's own address is unknown and the link is left relative (the
  pipeline does not check relative links). ``mailto:``, ``javascript:``, ``tel:`` and
  ``data:`` links are not sources. A link whose text only repeats its URL leaves no
  text behind, so the URL is not counted twice.
- Footnotes: an element with a footnote id (``fn1``, ``fn:1``, ``footnote-1``, Word's
  ``ftn1``, ``endnote-1``) or an ``<li>`` of a footnotes list (``class="footnotes"``,
  ``role="doc-endnotes"``) becomes a ``N text`` line; a paragraph that opens with a
  superscript number or a back-link (``<a href="#fnref1">1</a>``) becomes one too.
  In-text markers (``<sup>1</sup>``, ``<a href="#fn1">[1]</a>``) are dropped, so they
  never glue digits onto an identifier or URL (``S/2020/1104³``).
- ``<script>``, ``<style>``, ``<template>``, ``<noscript>``, ``<head>`` and comments are
  not text. The charset is the one a ``<meta>`` declares, else UTF-8, else cp1252.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement, PreformattedString

from refcheck.extract._types import PLACEHOLDER_TARGETS, LinkTarget, RawDocument, TextPage
from refcheck.extract.markdown import WORD_JOINER, footnote_line, text_repeats_url
from refcheck.extract.text import decode_text
from refcheck.models import Document, Location

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "sms:", "callto:")
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg", "math"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_FOOTNOTE_ID = re.compile(r"(?i)^_*(?:fn|ftn|footnote|fnote|endnote|edn|note|cite_note)[-_:.]?(?P<n>\d{1,3})$")
_FOOTNOTE_LIST = re.compile(r"(?i)\b(?:foot|end)notes?\b|\breferences\b|\bdoc-(?:end|foot)notes?\b")
_MARKER = re.compile(r"^\s*[\[(]?(?P<n>\d{1,3})[\])]?\s*$")
_BACKLINK = re.compile(r"(?i)ref")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def _decode(data: bytes) -> str:
    """Decode as a browser would: a BOM, then the charset a ``<meta>`` declares."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_text(data) if data.startswith(codecs.BOM_UTF8) else data.decode("utf-16")
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace")
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            encoding = ""
        # A page declaring UTF-8 is often saved in cp1252: decode_text tries both.
        if encoding and encoding != "utf-8":
            if encoding in ("latin-1", "iso8859-1", "ascii"):
                encoding = "cp1252"  # what browsers do for these labels (WHATWG Encoding)
            try:
                return data.decode(encoding, errors="replace")
            except LookupError:
                pass
    return decode_text(data)


@dataclass
class _Layout:
    """Text laid out on lines as it is read, so a link knows the line of its text.

    A block does not add lines when it opens or closes: it asks for a paragraph break,
    which the next visible text makes (a blank line, then down to the block's source
    line when that is further), so empty blocks and the whitespace between blocks do
    not push the text below its source lines.
    """

    lines: list[str] = field(default_factory=lambda: [""])
    prefix: str | None = None  # a footnote number waiting for the footnote's first text
    waiting: list[int] = field(default_factory=list)  # links whose text has not started yet
    link_lines: dict[int, int] = field(default_factory=dict)
    break_due: bool = False
    break_line: int | None = None
    newline_due: bool = False  # after <br>: the source's own line break, if any, is the break

    @property
    def at_line_start(self) -> bool:
        return self.break_due or not self.lines[-1].strip()

    def block(self, source_line: int | None) -> None:
        """Ask for a paragraph break, on ``source_line`` when that is below the text so far."""
        if self.prefix is not None:
            return  # a block right inside a footnote item: the number goes before its text
        self.break_due = True
        if source_line is not None:
            self.break_line = max(self.break_line or 0, source_line)

    def _break(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")
        if any(line.strip() for line in self.lines[-2:-1]):
            self.lines.append("")
        self.lines[-1] = ""
        while self.break_line is not None and len(self.lines) < self.break_line:
            self.lines.append("")
        self.break_due = False
        self.break_line = None

    def line_break(self) -> None:
        self.newline_due = True

    def text(self, text: str) -> None:
        if self.newline_due and not self.break_due:
            if "\n" not in text[: len(text) - len(text.lstrip())]:
                text = "\n" + text
            self.newline_due = text.strip() == "" and "\n" not in text
        stripped = text.lstrip()
        if not stripped:
            if not self.break_due:
                self._add(text)  # line breaks inside a paragraph follow the source
            return
        if self.break_due:
            self._break()
            self.newline_due = False
        self._add(text[: len(text) - len(stripped)])
        for index in self.waiting:
            self.link_lines[index] = len(self.lines)
        self.waiting.clear()
        if self.prefix is not None:
            first = stripped.split("\n", 1)[0]
            self.lines[-1] = footnote_line(int(self.prefix), first)
            self.prefix = None
            stripped = stripped[len(first) :]
        self._add(stripped)

    def _add(self, text: str) -> None:
        first, *rest = text.split("\n")
        self.lines[-1] += first
        self.lines.extend(rest)

    def finish(self) -> list[str]:
        cleaned = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in self.lines]
        while cleaned and not cleaned[-1]:
            cleaned.pop()
        return cleaned


@dataclass(frozen=True, slots=True)
class _Link:
    target: str
    text: str | None
    fallback_line: int | None


def _footnote_number(tag: Tag) -> int | None:
    """The footnote number of an element that holds one footnote, else ``None``."""
    m = _FOOTNOTE_ID.match(str(tag.get("id") or tag.get("name") or ""))
    if m and tag.name in ("li", "div", "p", "aside", "section", "dd", "span"):
        return int(m.group("n"))
    if tag.name != "li":
        return None
    container = tag.find_parent(["ol", "ul"])
    outer = [container, *(container.find_parents(["section", "div", "aside", "footer"]) if container else [])]
    marks = " ".join(
        " ".join(str(v) for v in (t.get("class") or [])) + f" {t.get('role') or ''} {t.get('id') or ''}"
        for t in outer
        if isinstance(t, Tag)
    )
    if container is None or not _FOOTNOTE_LIST.search(marks):
        return None
    start = str(container.get("start") or "1")
    first = int(start) if start.isdigit() else 1
    # Identity, not equality: bs4 compares tags by content, and two notes may read alike.
    position = next((i for i, li in enumerate(container.find_all("li", recursive=False)) if li is tag), None)
    return None if position is None else first + position


def _resolve(target: str, base: str | None) -> str:
    if base and target not in PLACEHOLDER_TARGETS and not target.startswith("#"):
        return urljoin(base, target)
    if target.startswith("//"):
        return "https:" + target  # protocol-relative: the page would be served over HTTPS
    return target


def _walk(root: Tag) -> Iterator[tuple[str, PageElement]]:
    """("enter"|"leave"|"text", node) in document order, without recursion (deep pages)."""
    stack: list[tuple[Tag, Iterator[PageElement]]] = [(root, iter(root.children))]
    while stack:
        tag, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            yield "leave", tag
            continue
        if isinstance(child, Tag):
            yield "enter", child
            stack.append((child, iter(child.children)))
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            yield "text", child


class _Reader:
    """Walks the page once, laying out its text and collecting its links."""

    def __init__(self, base: str | None) -> None:
        self.layout = _Layout()
        self.base = base
        self.links: list[_Link] = []
        self.skipping: Tag | None = None
        self.open_links: dict[int, int] = {}  # id(anchor) -> index in links
        self.footnote_items: set[int] = set()

    def enter(self, tag: Tag) -> None:
        name = tag.name
        if name in _NOT_TEXT:
            self.skipping = tag
            return
        if name == "br":
            self.layout.line_break()
            return
        if name in _BLOCKS:
            self.layout.block(tag.sourceline)
        number = _footnote_number(tag)
        if number is not None:
            self.layout.block(tag.sourceline)
            self.layout.prefix = str(number)
            self.footnote_items.add(id(tag))
        elif name == "sup" and not tag.find("a", href=True):
            if m := _MARKER.match(tag.get_text()):
                self._marker(tag, m, opens=True)
        elif name in ("a", "area") and tag.has_attr("href"):
            self._anchor(tag)

    def _marker(self, tag: Tag, m: re.Match[str] | None, *, opens: bool) -> None:
        """A footnote marker: one that opens a paragraph (a superscript number or a
        back-link) numbers the paragraph as a footnote, unless a footnote item already
        did; in running text a marker is dropped."""
        if m is not None and opens and self.layout.at_line_start and self.layout.prefix is None:
            self.layout.prefix = m.group("n")
        self.skipping = tag

    def _anchor(self, tag: Tag) -> None:
        target = str(tag.get("href") or "").strip()
        shown = tag.get_text(" ", strip=True)
        if target.startswith("#") and target != "#":
            # In-page: a footnote marker or back-link, or a cross-reference whose text stays.
            m = _MARKER.match(shown)
            if m or not re.search(r"\w", shown):
                self._marker(tag, m, opens=bool(_BACKLINK.search(target)))
            return
        if target.lower().startswith(_SKIP_SCHEMES):
            return
        target = _resolve(target, self.base)
        index = len(self.links)
        self.links.append(_Link(target=target, text=shown or None, fallback_line=len(self.layout.lines)))
        self.layout.waiting.append(index)
        if text_repeats_url(target, shown):
            # The text only repeats the URL the link reports: an invisible stand-in keeps
            # the link's place (a footnote of just a link still opens with its number).
            self.layout.text(WORD_JOINER)
            self.skipping = tag
            return
        self.open_links[id(tag)] = index

    def leave(self, tag: Tag) -> None:
        index = self.open_links.pop(id(tag), None)
        if index is not None and index in self.layout.waiting:
            self.layout.waiting.remove(index)  # no text (an image): the line where it was met
        if id(tag) in self.footnote_items:
            self.layout.prefix = None
        if tag.name in _BLOCKS:
            self.layout.block(None)

    def read(self, soup: BeautifulSoup) -> None:
        for event, node in _walk(soup):
            if self.skipping is not None:
                if event == "leave" and node is self.skipping:
                    self.skipping = None
                continue
            if event == "text":
                self.layout.text(str(node).replace("\xa0", " "))
            elif event == "enter" and isinstance(node, Tag):
                self.enter(node)
            elif event == "leave" and isinstance(node, Tag):
                self.leave(node)


def read_html(data: bytes, document: Document) -> RawDocument:
    """Read HTML into lines that follow the source, and its links with the line of their text."""
    soup = BeautifulSoup(_decode(data), "html.parser")
    base_tag = soup.find("base", href=True)
    base = str(base_tag["href"]).strip() if isinstance(base_tag, Tag) else None
    if base and not re.match(r"(?i)^https?://", base):
        base = None  # a relative base says nothing about where the page lives
    reader = _Reader(base)
    reader.read(soup)
    lines = reader.layout.finish()
    links = tuple(
        LinkTarget(
            target=link.target,
            text=link.text,
            location=Location(document=document.path, line=reader.layout.link_lines.get(index, link.fallback_line)),
            source="html-href",
        )
        for index, link in enumerate(reader.links)
    )
    return RawDocument(document=document, pages=(TextPage(number=None, lines=tuple(lines)),), links=links)
