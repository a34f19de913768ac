"""DOCX: paragraphs as lines, footnotes as "N text" lines, hyperlinks from relationships.

Read with the standard library's zip and XML readers. A line is one paragraph (Word has
no lines; an editor finds "paragraph 12"). Footnotes and endnotes follow the body, each
``N text`` after a blank line, N being the number Word shows: the order in which the
body first refers to the note (ids are internal and may skip after edits).

Links are ``<w:hyperlink r:id>`` (the target is in the part's relationships: the body's
in ``document.xml.rels``, the footnotes' in ``footnotes.xml.rels``) and field codes
``HYPERLINK "url"`` (complex ``w:fldChar`` fields and ``w:fldSimple``); a link to a
bookmark (``w:anchor``, ``\\l``) points inside the document and is not a source. Text is
the concatenation of the runs, so a URL split over several runs is whole again; deleted
text of tracked changes is not read. A damaged file is a ``DocumentError``.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

from refcheck.errors import DocumentError
from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.extract.markdown import WORD_JOINER, footnote_line, text_repeats_url
from refcheck.models import Document, Location

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_BODY = "word/document.xml"
_MAX_PART_BYTES = 256 * 1024 * 1024  # a decompressed part larger than this is a zip bomb
_HYPERLINK_FIELD = re.compile(r"^\s*HYPERLINK\s+(?P<args>.*)$", re.I | re.S)
# Deleted text of tracked changes, field instructions, and the fallback copy of content
# that Word also stores in a newer form (text boxes would otherwise be read twice).
_NOT_READ = frozenset(
    {f"{_W}del", f"{_W}moveFrom", f"{_W}instrText", f"{_W}delText", f"{_W}delInstrText", f"{_MC}Fallback"}
)
_NOTE_TYPES = ("separator", "continuationSeparator", "continuationNotice")


@dataclass(frozen=True, slots=True)
class _Link:
    target: str
    text: str


@dataclass
class _Field:
    """A complex field being read: its instruction, then its shown text."""

    instruction: str = ""
    result: list[str] = field(default_factory=list)
    separated: bool = False
    text: list[str] | None = None  # the paragraph text the result goes into, and where
    start: int = 0


def _hyperlink_target(instruction: str) -> str | None:
    """The URL of a ``HYPERLINK`` field, or ``None`` (another field, or a bookmark link)."""
    m = _HYPERLINK_FIELD.match(instruction)
    if not m:
        return None
    args = m.group("args")
    if re.search(r"(?:^|\s)\\l\b", args) and not re.search(r'^\s*"[^"]*://', args):
        return None  # \l "bookmark": a place in this document
    quoted = re.match(r'\s*"(?P<url>[^"]*)"', args)
    if quoted:
        return quoted.group("url").strip()
    bare = re.match(r"\s*(?P<url>[^\s\\]+)", args)
    return bare.group("url") if bare else ""


class _Part:
    """One XML part (the body, footnotes or endnotes) read into paragraphs and links."""

    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets
        self.fields: list[_Field] = []

    def paragraph(self, p: ElementTree.Element) -> tuple[str, list[_Link]]:
        text: list[str] = []
        links: list[_Link] = []
        self._walk(p, text, links, None)
        return "".join(text), links

    def _walk(self, node: ElementTree.Element, text: list[str], links: list[_Link], link: list[str] | None) -> None:
        for child in node:
            tag = child.tag
            if tag in _NOT_READ:
                if tag == f"{_W}instrText" and self.fields and not self.fields[-1].separated:
                    self.fields[-1].instruction += child.text or ""
                continue
            if tag == f"{_W}hyperlink":
                self._hyperlink(child, text, links)
                continue
            if tag == f"{_W}fldSimple":
                self._simple_field(child, text, links)
                continue
            if tag == f"{_W}fldChar":
                self._field_char(child, text, links)
                continue
            piece = _run_text(child)
            if piece is not None:
                text.append(piece)
                if link is not None:
                    link.append(piece)
                for f in self.fields:
                    if f.separated:
                        f.result.append(piece)
                continue
            self._walk(child, text, links, link)

    def _hyperlink(self, node: ElementTree.Element, text: list[str], links: list[_Link]) -> None:
        shown: list[str] = []
        start = len(text)
        self._walk(node, text, links, shown)
        rid = node.get(f"{_R}id")
        if rid is None or rid not in self.targets:
            return  # w:anchor only: a bookmark in this document
        target = self.targets[rid]
        anchor = node.get(f"{_W}anchor")
        if anchor and "#" not in target:
            target = f"{target}#{anchor}"
        self._add_link(links, target, "".join(shown), text, start)

    def _simple_field(self, node: ElementTree.Element, text: list[str], links: list[_Link]) -> None:
        shown: list[str] = []
        start = len(text)
        self._walk(node, text, links, shown)
        target = _hyperlink_target(node.get(f"{_W}instr") or "")
        if target is not None:
            self._add_link(links, target, "".join(shown), text, start)

    def _field_char(self, node: ElementTree.Element, text: list[str], links: list[_Link]) -> None:
        kind = node.get(f"{_W}fldCharType")
        if kind == "begin":
            self.fields.append(_Field())
        elif kind == "separate" and self.fields:
            self.fields[-1].separated = True
            self.fields[-1].text, self.fields[-1].start = text, len(text)
        elif kind == "end" and self.fields:
            done = self.fields.pop()
            target = _hyperlink_target(done.instruction)
            if target is not None:
                same_paragraph = done.text is text
                self._add_link(links, target, "".join(done.result), text, done.start if same_paragraph else len(text))

    @staticmethod
    def _add_link(links: list[_Link], target: str, shown: str, text: list[str], start: int) -> None:
        """Report a link; text that only repeats its URL leaves an invisible stand-in."""
        links.append(_Link(target=target, text=shown))
        if text_repeats_url(target, shown.strip()):
            del text[start:]
            text.append(WORD_JOINER)


def _run_text(node: ElementTree.Element) -> str | None:
    """The text of a run-level element, or ``None`` for an element that holds others."""
    tag = node.tag
    if tag == f"{_W}t":
        return node.text or ""
    if tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
        return " "
    if tag == f"{_W}noBreakHyphen":
        return "-"  # Word's non-breaking hyphen, common inside URLs
    if tag == f"{_W}softHyphen":
        return ""
    if tag in (f"{_W}rPr", f"{_W}pPr", f"{_W}footnoteReference", f"{_W}endnoteReference", f"{_W}footnoteRef"):
        return ""
    return None


def _parse(xml: bytes, name: str, path: str) -> ElementTree.Element:
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml[:65536]:
        raise DocumentError(path, f"corrupt DOCX: {name} declares a DTD, which Word never writes")
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise DocumentError(path, f"corrupt DOCX: {name} is not well-formed XML ({exc})") from None


def _relationships(xml: bytes | None, name: str, path: str) -> dict[str, str]:
    """Relationship id -> target of the hyperlinks (external targets) of one part."""
    if not xml:
        return {}
    out: dict[str, str] = {}
    for rel in _parse(xml, name, path).iter():
        rid, target = rel.get("Id"), rel.get("Target")
        if (
            rid
            and target is not None
            and (rel.get("TargetMode") == "External" or str(rel.get("Type", "")).endswith("/hyperlink"))
        ):
            out[rid] = target.strip()
    return out


def _read_parts(data: bytes, path: str) -> dict[str, bytes]:
    names = (
        _BODY,
        "word/_rels/document.xml.rels",
        "word/footnotes.xml",
        "word/_rels/footnotes.xml.rels",
        "word/endnotes.xml",
        "word/_rels/endnotes.xml.rels",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            present = set(archive.namelist())
            if _BODY not in present:
                raise DocumentError(path, f"corrupt DOCX: no {_BODY} in the archive")
            parts: dict[str, bytes] = {}
            for name in names:
                if name not in present:
                    continue
                if archive.getinfo(name).file_size > _MAX_PART_BYTES:
                    raise DocumentError(path, f"corrupt DOCX: {name} is larger than {_MAX_PART_BYTES} bytes")
                parts[name] = archive.read(name)
            return parts
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise DocumentError(path, f"corrupt DOCX ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # unsupported compression, encryption
        raise DocumentError(path, f"unreadable DOCX ({exc})") from None


def _paragraphs(root: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """Top-level paragraphs in document order (a paragraph in a text box counts once)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.tag == f"{_W}p":
            yield node
            continue
        stack.extend(reversed(list(node)))


def _reference_order(body: ElementTree.Element, kind: str) -> list[str]:
    """Note ids in the order the body first refers to them: the numbers Word shows."""
    ids = (ref.get(f"{_W}id") for ref in body.iter(f"{_W}{kind}Reference"))
    return list(dict.fromkeys(i for i in ids if i is not None))


@dataclass
class _Lines:
    lines: list[str] = field(default_factory=list)
    links: list[LinkTarget] = field(default_factory=list)

    def add(self, text: str, links: list[_Link], path: str) -> None:
        self.lines.append(text)
        self.links.extend(
            LinkTarget(
                target=link.target,
                text=link.text.strip() or None,
                location=Location(document=path, line=len(self.lines)),
                source="docx-hyperlink",
            )
            for link in links
        )


def _notes(out: _Lines, xml: bytes, rels: dict[str, str], order: list[str], kind: str, name: str, path: str) -> None:
    part = _Part(rels)
    notes: dict[str, ElementTree.Element] = {}
    for note in _parse(xml, name, path).iter(f"{_W}{kind}"):
        note_id = note.get(f"{_W}id")
        if note_id is not None and note.get(f"{_W}type") not in _NOTE_TYPES:
            notes.setdefault(note_id, note)
    unreferenced = [i for i in notes if i not in order]
    for number, note_id in enumerate([i for i in order if i in notes] + unreferenced, start=1):
        texts: list[str] = []
        links: list[_Link] = []
        for p in _paragraphs(notes[note_id]):
            text, found = part.paragraph(p)
            texts.append(text.strip())
            links.extend(found)
        out.lines.append("")
        out.add(footnote_line(number, " ".join(t for t in texts if t)), links, path)


def read_docx(data: bytes, document: Document) -> RawDocument:
    """Read a Word document: body paragraphs, then footnotes and endnotes, and their links.

    Raises:
        DocumentError: not a ZIP, no ``word/document.xml``, or XML that is not well-formed.
    """
    path = document.path
    parts = _read_parts(data, path)
    body = _parse(parts[_BODY], _BODY, path)
    out = _Lines()
    part = _Part(_relationships(parts.get("word/_rels/document.xml.rels"), "document.xml.rels", path))
    for p in _paragraphs(body):
        text, links = part.paragraph(p)
        out.add(text, links, path)
    for kind in ("footnote", "endnote"):
        xml = parts.get(f"word/{kind}s.xml")
        if xml:
            rels = _relationships(parts.get(f"word/_rels/{kind}s.xml.rels"), f"{kind}s.xml.rels", path)
            _notes(out, xml, rels, _reference_order(body, kind), kind, f"{kind}s.xml", path)
    return RawDocument(
        document=document, pages=(TextPage(number=None, lines=tuple(out.lines)),), links=tuple(out.links)
    )
