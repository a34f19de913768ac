"""HTML: visible text as lines, and every ``href`` as a link target (beautifulsoup4)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.extract.text import decode_text
from refcheck.models import Document, Location

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")
_BLOCKS = [
    "p",
    "li",
    "div",
    "section",
    "article",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "br",
    "dt",
    "dd",
    "figcaption",
]


def _decode(data: bytes) -> str:
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return decode_text(data)


def read_html(data: bytes, document: Document) -> RawDocument:
    """Read HTML: script and style dropped, footnote items as "N text" lines, hrefs as links."""
    soup = BeautifulSoup(_decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    base_tag = soup.find("base", href=True)
    base = str(base_tag["href"]) if isinstance(base_tag, Tag) else None
    links: list[LinkTarget] = []
    for a in soup.find_all(["a", "area"], href=True):
        target = str(a["href"]).strip()
        if target.lower().startswith(_SKIP_SCHEMES):
            continue
        if base and target not in ("", "#") and not target.startswith("#"):
            target = urljoin(base, target)
        elif target.startswith("#") and target != "#":
            continue  # an in-page anchor (a footnote reference), not a source
        links.append(
            LinkTarget(
                target=target,
                text=a.get_text(" ", strip=True) or None,
                location=Location(document=document.path, line=a.sourceline),
                source="html-href",
            )
        )
        a.replace_with(a.get_text(" ", strip=True) if target not in ("", "#") else a.get_text(" ", strip=True))
    for number, li in enumerate(soup.select("section.footnotes li, ol.footnotes li, div.footnotes li"), start=1):
        m = re.search(r"(\d+)$", str(li.get("id", "")))
        li.insert(0, f"\n\n{m.group(1) if m else number} ")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = soup.get_text()
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    compact: list[str] = []
    for line in lines:
        if line or (compact and compact[-1]):
            compact.append(line)
    return RawDocument(document=document, pages=(TextPage(number=None, lines=tuple(compact)),), links=tuple(links))
