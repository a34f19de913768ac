"""Markdown: link targets become LinkTargets, link text stays in the lines.

The visible text of a link is kept so identifiers in it are still found
(``[S/2020/1104](#)``, corpus 004), while the target is reported once, as a link, and
not repeated in the text where it would be counted twice.
"""

from __future__ import annotations

import re

from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.extract.text import decode_text
from refcheck.models import Document, Location

_INLINE = re.compile(
    r"(?<!!)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?(?P<target>(?:[^()\s]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_REFERENCE = re.compile(r"(?<![!\]])\[(?P<text>[^\[\]]+)\]\[(?P<label>[^\[\]]*)\]")
_DEFINITION = re.compile(r"^\s{0,3}\[(?P<label>[^\]^]+)\]:\s*<?(?P<target>\S+?)>?(?:\s+[\"'(].*)?$")
_AUTOLINK = re.compile(r"<(?P<target>(?:https?|ftp)://[^>\s]+)>")
_FOOTNOTE_DEF = re.compile(r"^\[\^(?P<n>\d{1,3})\]:\s*")
_FOOTNOTE_REF = re.compile(r"\[\^\d{1,3}\]")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def looks_like_markdown(text: str) -> bool:
    """True when the text uses Markdown link syntax, reference definitions or footnotes."""
    return bool(
        _INLINE.search(text)
        or _AUTOLINK.search(text)
        or re.search(r"(?m)^\s{0,3}\[[^\]]+\]:\s*\S", text)
        or re.search(r"(?m)^#{1,6} \S", text)
        and re.search(r"\*\*\S", text)
    )


def read_markdown(data: bytes, document: Document) -> RawDocument:
    """Read Markdown into lines (links replaced by their text) and explicit link targets."""
    raw_lines = decode_text(data).splitlines()
    definitions: dict[str, str] = {}
    for line in raw_lines:
        if m := _DEFINITION.match(line):
            definitions[m.group("label").strip().casefold()] = m.group("target")
    lines: list[str] = []
    links: list[LinkTarget] = []
    in_fence = False
    for number, line in enumerate(raw_lines, start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            lines.append("")
            continue
        if in_fence or _DEFINITION.match(line):
            lines.append("")
            continue
        where = Location(document=document.path, line=number)
        line = _FOOTNOTE_DEF.sub(lambda m: f"{m.group('n')} ", line)
        line = _FOOTNOTE_REF.sub("", _IMAGE.sub("", line))
        line = re.sub(r"`[^`]*`", "", line)

        def inline(m: re.Match[str], where: Location = where) -> str:
            links.append(
                LinkTarget(target=m.group("target"), text=m.group("text"), location=where, source="markdown-link")
            )
            return m.group("text")

        def reference(m: re.Match[str], where: Location = where) -> str:
            label = (m.group("label") or m.group("text")).strip().casefold()
            if label in definitions:
                links.append(
                    LinkTarget(target=definitions[label], text=m.group("text"), location=where, source="markdown-link")
                )
            return m.group("text")

        def auto(m: re.Match[str], where: Location = where) -> str:
            links.append(LinkTarget(target=m.group("target"), text=None, location=where, source="markdown-link"))
            return ""

        line = _AUTOLINK.sub(auto, _REFERENCE.sub(reference, _INLINE.sub(inline, line)))
        lines.append(_EMPHASIS.sub(r"\2", line))
    return RawDocument(document=document, pages=(TextPage(number=None, lines=tuple(lines)),), links=tuple(links))
