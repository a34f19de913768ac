"""Tell a footnote that cites a source without an address from one that explains.

A footnote with no URL and no identifier is either a citation an editor must complete
(a title, "Official web-site of …", a local file name: corpus 002 footnotes 3, 11, 18)
or an explanatory note (footnote 17: "Le Zanguezour oriental désigne …"). The first
must be reported, the second must not be invented into a reference.
"""

from __future__ import annotations

import re

from refcheck.models import CitationKind
from refcheck.normalise.repair import INVISIBLE_CHARS

_FILE_NAME = re.compile(
    r"^[\w()\[\]{}&+,;'’ .\-]{1,200}\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|rtf|txt|csv|html?|xml|zip|jpe?g|png)$",
    re.I,
)
# Words that say "this is a source": publications, sites, reports, in EN/FR/NL.
_SOURCE_WORDS = re.compile(
    r"""(?ix)\b(?:
        web-?site|site\ web|site\ officiel|official|report|rapport|verslag|summary|résumé|
        journal|review|revue|bulletin|press\ release|communiqué|persbericht|statement|déclaration|
        available\ (?:at|from)|disponible|beschikbaar|accessed|consulté|geraadpleegd|retrieved|
        vol\.|pp?\.\ ?\d+|ed(?:s|ition)?\.|edited|éditions?|uitgeverij|university\ press|
        newspaper|gazette|times|news|agency|agence|interview|speech|discours|toespraak
    )\b""",
)
# Verbs that say "this explains": definitions and asides.
_EXPLAINS = re.compile(
    r"""(?ix)\b(?:
        désigne|signifie|se\ réfère|renvoie|verwijst\ naar|betekent|refers\ to|means|denotes|
        voir\ aussi|zie\ ook|see\ also|note\ du\ traducteur|n\.d\.t\.|nota\ bene|n\.b\.
    )\b""",
)
_AUTHOR_START = re.compile(r"^(?:[A-Z][\w'’.-]+\s+){1,3}[A-Z][\w'’.-]+,")
_EXTENSION = re.compile(r"[A-Za-z0-9]{2,5}")
_HYPHENATED = re.compile(r"[a-zà-ÿ]-$")


_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS))
_HAS_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")


def join_note(lines: list[str] | tuple[str, ...]) -> str:
    """Join a footnote's lines into one string: undo line-end hyphenation and wrapped extensions."""
    # Parts joined once at the end, and only the last characters tested: re-searching
    # and re-copying the note so far for every line made a long footnote quadratic.
    parts: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not parts:
            parts.append(line)
        elif parts[-1].endswith(".") and _EXTENSION.fullmatch(line):
            parts.append(line)  # "joint statement.\npdf" (corpus 002, footnote 11)
        elif _HYPHENATED.search(_last_chars(parts, 2)) and line[:1].islower():
            parts[-1] = parts[-1][:-1]
            if not parts[-1]:
                parts.pop()
            parts.append(line)
        else:
            parts.append(" ")
            parts.append(line)
    note = "".join(parts)
    # Readers mark footnotes that open like a date with an invisible word joiner, and
    # PDFs leave zero-width characters: an editor reading the title should see neither.
    return note.translate(_INVISIBLE) if _HAS_INVISIBLE.search(note) else note


def _last_chars(parts: list[str], n: int) -> str:
    tail = ""
    for part in reversed(parts):
        tail = part + tail
        if len(tail) >= n:
            break
    return tail[-n:]


def classify_note(text: str) -> CitationKind | None:
    """Return FILE_NAME or TITLE when a footnote without address cites a source, else ``None``."""
    stripped = text.strip()
    if not stripped:
        return None
    if _FILE_NAME.match(stripped) and len(stripped.split()) <= 12:
        return CitationKind.FILE_NAME
    score = 0
    if _AUTHOR_START.match(stripped):
        score += 2
    score += 2 * min(len(_SOURCE_WORDS.findall(stripped)), 2)
    if _EXPLAINS.search(stripped):
        score -= 3
    return CitationKind.TITLE if score > 0 else None
