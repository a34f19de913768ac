"""Split a page of extracted text into body paragraphs and numbered footnotes.

Footnotes are where policy documents cite, and the footnote number is what an editor
looks for. In text from a PDF a footnote is a line that starts with its number
(``6 https://caucasusheritage …``); its body runs on over wrapped lines, sometimes across
a blank line (corpus 002, footnotes 10, 16 and 17). In a bilingual document the French
and Dutch columns interleave, so the same number appears once per language, and
in-text markers are glued to words (``garanderen.1``, ``2020.8``): those are not
footnotes and are never read as numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

# "6 https://…", "10 Comité contre la torture", "[3] Smith, …", "4. https://…"
_OPENER = re.compile(
    r"""^[ \t]{0,16}(?:  # pdftotext -layout indents notes with the page margin
        (?P<plain>\d{1,3})\s+(?=\S)               # 6 https://…  (the PDF footnote form)
      | \[(?P<bracket>\d{1,3})\]\s*(?=\S)         # [6] Smith, Report …
      | (?P<dotted>\d{1,3})[.)]\s+(?=https?://|www\.)   # 6. https://…  (a list of links)
      | (?P<superscript>[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})\s*(?=\S)   # ⁶ https://…  (superscript kept by the extractor)
    )""",
    re.X,
)
# A date or quantity at a line start is body text that wrapped, not a footnote:
# "17 novembre 2023;" (corpus 002, recital M), "19 september 2023 is gestart".
_NOT_A_FOOTNOTE = re.compile(
    r"""(?ix)^(?:
        jan(?:uary|vier|uari)?|feb(?:ruary|ruari)?|février|mar(?:ch|s)|maart|apr(?:il)?|avril|
        may|mai|mei|june?|juin|juni|july?|juillet|juli|aug(?:ust|ustus)?|août|
        sep(?:t(?:ember)?)?|septembre|oct(?:ober)?|octobre|okt(?:ober)?|nov(?:ember)?|novembre|
        dec(?:ember)?|décembre|
        %|‰|€|\$|£|km|kg|mm|cm|m²|ha|ans?|jaar|years?|jours?|dagen|days?|heures?|uur|hours?|
        h\d|x\b|fois|keer|times|personnes|personen|people|millions?|miljoen|milliards?|miljard
    )\b""",
)
# The rule a PDF prints above the footnotes ("_______________"): the notes start after
# it as they do after a blank line.
_RULE = re.compile(r"\s*[_\u2014\u2015-]{5,}\s*")
_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_TERMINAL = (".", ")", "]", '"', "”", "»", ";", "!", "?")
_JOIN_START = tuple("./-?=_&#%:")
_MAX_CONTINUATION_LINES = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A run of lines that belong together: one body paragraph or one footnote.

    ``lines`` are the page lines of the segment, a blank line kept as ``""``; the
    footnote number, when there is one, is blanked out of the first line (replaced by
    spaces) so that character offsets still match the page text. ``first_line`` is the
    1-based page line number of ``lines[0]``.
    """

    lines: tuple[str, ...]
    first_line: int
    footnote: int | None
    # Derived once: the text is read for every stage and ``line_at`` runs per citation,
    # so rebuilding them on each call made a long footnote quadratic. The line starts
    # are found on the first ``line_at`` (most segments cite nothing).
    _text: str = field(init=False, repr=False, compare=False)
    _newlines: tuple[int, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_text", "\n".join(self.lines))
        object.__setattr__(self, "_newlines", None)

    @property
    def text(self) -> str:
        """The segment's lines joined with newlines."""
        return self._text

    def line_at(self, offset: int) -> int:
        """Return the page line number of character ``offset`` of ``text``."""
        newlines = self._newlines
        if newlines is None:
            newlines = _newline_offsets(self._text)
            object.__setattr__(self, "_newlines", newlines)
        return self.first_line + bisect_left(newlines, offset)


def _newline_offsets(text: str) -> tuple[int, ...]:
    offsets: list[int] = []
    i = text.find("\n")
    while i >= 0:
        offsets.append(i)
        i = text.find("\n", i + 1)
    return tuple(offsets)


def footnote_opener(line: str) -> tuple[int, int] | None:
    """Return (number, length of the marker) when ``line`` opens a footnote, else ``None``."""
    m = _OPENER.match(line)
    if not m:
        return None
    digits = m.group("plain") or m.group("bracket") or m.group("dotted") or m.group("superscript")
    number = int(digits.translate(_SUPERSCRIPTS))
    if number == 0 or _NOT_A_FOOTNOTE.match(line[m.end() :]):
        return None
    return number, m.end()


def _ends_open(lines: list[str]) -> bool:
    """True when a footnote's text so far stops mid-sentence (no final punctuation, no URL end)."""
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    if not last or last.endswith(_TERMINAL):
        return False
    tail = last.split()[-1]
    return "://" not in tail and not tail.endswith("/") and not last.endswith(",,")


def _block_after(lines: list[str], start: int) -> tuple[int, bool]:
    """Measure the non-blank block from ``start``: its length and whether a footnote or the end follows."""
    i = start
    while i < len(lines) and lines[i].strip() and not (i > start and footnote_opener(lines[i])):
        i += 1
    length = i - start
    j = i
    while j < len(lines) and not lines[j].strip():
        j += 1
    followed_by_note = j >= len(lines) or footnote_opener(lines[j]) is not None
    return length, followed_by_note


def _starts_new_block(line: str, marker_width: int) -> bool:
    """True when an indented line cannot be a footnote's continuation.

    Text extraction starts a new page or column with a one-space indent (corpus 002:
    `` l’Azerbaïdjan va plus loin`` right after footnote 18); a hanging indent that
    continues a footnote lines up with the text after the number, so it is at least as
    wide as the marker (``6 `` is two characters).
    """
    indent = len(line) - len(line.lstrip(" "))
    return 0 < indent < marker_width


_UNNUMBERED_NOTE = re.compile(r"[ \t]{0,16}[*†‡]{1,3}[ \t]+\S")


def _lines_to_look_at(lines: list[str]) -> list[int]:
    """The indices of the lines split_segments must look at one by one outside a footnote.

    A line that starts with a letter is neither blank nor a footnote opener (a number,
    ``[``, a superscript or a space comes first): in a body paragraph it just joins the
    paragraph, and most lines of prose are such lines. One test per line here spares
    the rest of the per-line work for them.
    """
    return [i for i, line in enumerate(lines) if not line[:1].isalpha()]


def split_segments(lines: tuple[str, ...] | list[str]) -> list[Segment]:
    """Split a page's lines into body paragraphs and footnotes.

    A footnote opens on a line that starts with its number, when that line follows a
    blank line or another footnote line (body text that wraps onto a number, such as
    ``17 novembre 2023;``, follows a non-blank body line). A footnote runs on over the
    following lines until a blank line; past a blank line it continues only with a
    short block that completes it (a block starting with a URL joiner such as
    ``-karabakh``, or text ending an unfinished sentence) and is itself followed by
    another footnote or the end of the page, so body text resuming after the footnotes
    is never swallowed.
    """
    all_lines = lines if isinstance(lines, list) else list(lines)
    n = len(all_lines)
    look_at = _lines_to_look_at(all_lines)
    segments: list[Segment] = []
    # The segment being built is always all_lines[start:i] (i: the line read next), its
    # first line replaced by ``opened`` when it opens a footnote (the number blanked).
    start = -1
    opened = ""
    footnote: int | None = None
    previous_blank = True
    marker_width = 0

    def current() -> list[str]:
        if start < 0:
            return []
        out = all_lines[start:i]
        if footnote is not None:
            out[0] = opened
        return out

    def flush() -> None:
        nonlocal start
        if start < 0:
            return
        end = i
        while end > start and not all_lines[end - 1].strip():
            end -= 1
        # The first line is never blank (a body line, or a footnote's with text after
        # its number), so what is left is a segment.
        if end > start:
            rest = tuple(all_lines[start + 1 : end])
            first = (opened,) if footnote is not None else (all_lines[start],)
            segments.append(Segment(lines=first + rest, first_line=start + 1, footnote=footnote))
        start = -1

    # After an unnumbered note ("* The present report was submitted late", on the first
    # page of UN documents) numbered notes follow without a blank line: until the next
    # blank line, a numbered line opens a footnote as it would after another footnote.
    after_note = False
    i = 0
    k = 0  # look_at[k] is the first line to look at from i on
    while i < n:
        if footnote is None and not after_note:
            # Outside a footnote, a line that is neither blank nor a possible opener
            # just joins the paragraph: skip to the next line worth looking at.
            while k < len(look_at) and look_at[k] < i:
                k += 1
            nxt = look_at[k] if k < len(look_at) else n
            if nxt > i:
                if start < 0:
                    start = i
                previous_blank = False
                i = nxt
                continue
        line = all_lines[i]
        if not line.strip() or (line.lstrip()[:1] in "_\u2014\u2015-" and _RULE.fullmatch(line)):
            if footnote is not None and start >= 0:
                j = i
                while j < n and not all_lines[j].strip():
                    j += 1
                if j < n and j - i == 1 and not footnote_opener(all_lines[j]):
                    nxt_line = all_lines[j].lstrip()
                    length, followed = _block_after(all_lines, j)
                    if (nxt_line.startswith(_JOIN_START) or _ends_open(current())) and (
                        length <= _MAX_CONTINUATION_LINES and followed
                    ):
                        i = j
                        continue
            flush()
            footnote = None
            previous_blank = True
            after_note = False
            i += 1
            continue
        if footnote is None and previous_blank and _UNNUMBERED_NOTE.match(line):
            flush()
            start = i
            after_note = True
            previous_blank = False
            i += 1
            continue
        opener = footnote_opener(line) if (previous_blank or footnote is not None or after_note) else None
        if opener is None and footnote is not None and _starts_new_block(line, marker_width):
            flush()
            footnote = None
        if opener is not None:
            flush()
            after_note = False
            footnote, width = opener
            marker_width = width
            start = i
            opened = " " * width + line[width:]
        elif start < 0:
            start = i
        previous_blank = False
        i += 1
    flush()
    return segments
