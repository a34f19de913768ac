"""DOCX: paragraphs as lines, footnotes as "N text" lines, hyperlinks from relationships."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from refcheck.errors import DocumentError
from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.models import Document, Location

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _paragraphs(xml: bytes) -> list[tuple[str, list[str], str | None]]:
    root = ElementTree.fromstring(xml)
    out: list[tuple[str, list[str], str | None]] = []
    for p in root.iter(f"{_W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{_W}t"))
        rids = [h.get(f"{_R}id") or "" for h in p.iter(f"{_W}hyperlink") if h.get(f"{_R}id")]
        out.append((text, rids, None))
    return out


def read_docx(data: bytes, document: Document) -> RawDocument:
    """Read a Word document with the standard library's zip and XML readers."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = archive.read("word/document.xml")
            rels = (
                archive.read("word/_rels/document.xml.rels")
                if "word/_rels/document.xml.rels" in archive.namelist()
                else b""
            )
            notes = archive.read("word/footnotes.xml") if "word/footnotes.xml" in archive.namelist() else b""
    except (zipfile.BadZipFile, KeyError) as exc:
        raise DocumentError(document.path, f"corrupt DOCX ({exc})") from None
    try:
        targets = (
            {
                r.get("Id"): r.get("Target", "")
                for r in ElementTree.fromstring(rels).iter()
                if r.get("TargetMode") == "External"
            }
            if rels
            else {}
        )
        lines: list[str] = []
        links: list[LinkTarget] = []
        for text, rids, _ in _paragraphs(body):
            lines.append(text)
            for rid in rids:
                if rid in targets:
                    loc = Location(document=document.path, line=len(lines))
                    links.append(LinkTarget(target=targets[rid], text=text, location=loc, source="docx-hyperlink"))
        if notes:
            lines.append("")
            for note in ElementTree.fromstring(notes).iter(f"{_W}footnote"):
                number = note.get(f"{_W}id", "")
                if not re.fullmatch(r"[1-9]\d*", number):
                    continue  # separators
                text = " ".join("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in note.iter(f"{_W}p"))
                lines.extend([f"{number} {text.strip()}", ""])
    except ElementTree.ParseError as exc:
        raise DocumentError(document.path, f"corrupt DOCX XML ({exc})") from None
    return RawDocument(document=document, pages=(TextPage(number=None, lines=tuple(lines)),), links=tuple(links))
