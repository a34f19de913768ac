"""Markdown: link targets become LinkTargets, link text stays in the lines.

The visible text of a link is kept so identifiers in it are still found
(``[S/2020/1104](#)``, corpus 004), while the target is reported once, as a link, and
not repeated in the text where it would be counted twice. Every line keeps its
number, so each citation's line is the line of the source file where it is written
(a link's line is the line where its text begins).

What is read (CommonMark, GFM and Pandoc syntax):

- inline links ``[text](url "title")``; a destination in ``<angle brackets>`` may hold
  spaces (reported percent-encoded, as a browser sends it); balanced parentheses
  belong to the destination (``https://en.wikipedia.org/wiki/Foo_(bar)``). A link may
  wrap over lines: links are parsed per paragraph, not per line.
- reference links ``[text][label]``, ``[text][]`` and ``[label]`` with a definition
  ``[label]: url "title"`` anywhere in the document (before or after its use). Labels
  match case-insensitively with runs of spaces folded; the first definition wins. A
  definition no link uses is not a citation: no reader of the document sees it.
- autolinks ``<https://…>`` are links with no text; bare URLs stay in the text for the
  normalise stage, without the trailing ``*``, ``_`` or ``~`` of emphasis (GFM rule).
- footnotes ``[^label]: text`` become ``N text`` lines, the form the footnote splitter
  reads. N is the label when every label is a number, else the number Pandoc and
  GitHub render (order of first reference). Indented paragraphs that continue a
  footnote keep its number; ``[^label]`` references are dropped from the text.
- a link whose target is empty or ``#`` is reported as a link with that target (the
  pipeline calls it a placeholder), and its text is kept, so identifiers in it count.
- images are ignored, target and alt text: an illustration is not a cited source.
- URLs in code spans and fenced code blocks are ignored: there they are examples or
  commands, not sources (link checkers such as lychee skip them too by default).
  Indented code blocks are not recognised, because indentation also continues list
  items and footnotes, where citations are.
- inline HTML ``<a href="…">`` is a link; other tags and comments are dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from refcheck.extract._types import PLACEHOLDER_TARGETS, LinkTarget, RawDocument, TextPage
from refcheck.extract.footnotes import footnote_opener
from refcheck.extract.text import decode_text
from refcheck.models import Document, Location

# Placed before a footnote's text when the splitter's heuristics would not read the
# line as a footnote ("3 June 2023, …" looks like a wrapped date in text from a PDF),
# and left where a link's text only repeated its URL (``[^1]: <https://…>`` must still
# open footnote 1). A word joiner is invisible, and later stages drop it.
WORD_JOINER = "\u2060"

# Link text: brackets nest (two levels are plenty in practice).
_TEXT = r"(?:[^\[\]]|\[(?:[^\[\]]|\[[^\[\]]*\])*\])*"
# A bare destination: no spaces, parentheses balanced (two levels).
_DEST = r"(?:[^\s()<]|\((?:[^\s()]|\([^\s()]*\))*\))(?:[^\s()]|\((?:[^\s()]|\([^\s()]*\))*\))*"
_TITLE = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\))"""
_TARGET = rf"\(\s*(?:<(?P<angle>[^<>\n]*)>|(?P<dest>{_DEST}))?(?:\s+{_TITLE})?\s*\)"
_INLINE = re.compile(rf"(?<!!)\[(?P<text>{_TEXT})\]{_TARGET}")
_IMAGE = re.compile(rf"!\[(?P<text>{_TEXT})\](?:{_TARGET}|\[[^\[\]]*\])?")
_FULL_REFERENCE = re.compile(rf"(?<![!\]])\[(?P<text>{_TEXT})\]\[(?P<label>[^\[\]]*)\]")
_SHORTCUT = re.compile(rf"(?<![!\]])\[(?P<text>{_TEXT})\](?![\[(:])")
_DEFINITION = re.compile(
    r"""^[ ]{0,3}\[(?!\^)(?P<label>(?:[^\[\]\\]|\\.)+)\]:[ \t]*(?:<(?P<angle>[^<>\n]*)>|(?P<dest>\S+))"""
    r"""(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$"""
)
_AUTOLINK = re.compile(r"<(?P<target>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
_HTML_ANCHOR = re.compile(
    r"""<a\s[^>]*?\bhref\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))[^>]*>(?P<text>.*?)</a\s*>""",
    re.I | re.S,
)
_HTML_SUP_MARK = re.compile(r"<sup>\s*\[?\d{1,3}\]?\s*</sup>", re.I)
_HTML_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.S)
_FOOTNOTE_DEF = re.compile(r"^[ ]{0,3}\[\^(?P<label>[^\]\s]+)\]:[ \t]*")
_FOOTNOTE_REF = re.compile(r"\[\^(?P<label>[^\]\s]+)\](?!:)")
_CODE_SPAN = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)", re.S)
_FENCE = re.compile(r"^[ ]{0,3}(?P<fence>`{3,}|~{3,})")
_ESCAPE = re.compile(r"\\(?P<char>[!-/:-@\[-`{-~])")
# Link text that is nothing but a URL.
_URL_TEXT = re.compile(r"(?i)(?:(?:https?|ftp)://|www\.)\S+")
_BARE_URL = re.compile(r"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>]*")
_EMPHASIS = (
    re.compile(r"(\*\*|~~)(?=\S)(.+?)(?<=\S)\1"),
    re.compile(r"(?<!\w)(__)(?=\S)(.+?)(?<=\S)__(?!\w)"),
    re.compile(r"(\*)(?=[^\s*])([^*]+?)(?<=[^\s*])\*"),
    re.compile(r"(?<!\w)(_)(?=[^\s_])([^_]+?)(?<=[^\s_])_(?!\w)"),
)
_EMPHASIS_CUES = (("**", "~~"), ("__",), ("*",), ("_",))
# Every inline pass needs one of these; a paragraph with none is rendered as it is.
_ANY_SYNTAX = re.compile(r"[`<\[*_~]|://|[wW]{2}\.")
# Escaped characters and protected URLs are hidden behind private-use characters while
# the inline syntax is parsed, so neither can be mistaken for syntax.
_ESCAPED_BASE = 0xE000
_URL_OPEN, _URL_CLOSE = "\uf8f0", "\uf8f1"
_PROTECTED_URL = re.compile(f"{_URL_OPEN}(\\d+){_URL_CLOSE}")


def looks_like_markdown(text: str) -> bool:
    """True when the text uses Markdown link syntax, reference definitions or footnotes."""
    return bool(
        _INLINE.search(text)
        or _AUTOLINK.search(text)
        or re.search(r"(?m)^\s{0,3}\[[^\]]+\]:\s*\S", text)
        or re.search(r"(?m)^#{1,6} \S", text)
        and re.search(r"\*\*\S", text)
    )


def footnote_line(number: int, text: str) -> str:
    """Return the line ``N text`` that the footnote splitter reads as footnote N.

    Formats with explicit footnotes (Markdown, HTML, DOCX) know the number for sure, so
    the splitter's guard against dates wrapped onto a line start ("3 June 2023") must
    not reject it: such a text is preceded by an invisible word joiner.
    """
    line = f"{number} {text}"
    if text.strip() and footnote_opener(line) is None:
        return f"{number} {WORD_JOINER}{text}"
    return line


def text_repeats_url(target: str, shown: str) -> bool:
    """True when a link's ``shown`` text (stripped) only repeats a URL and the link has a
    real target: the readers then leave no text behind, so the URL is not counted twice
    (the link is what a click opens). A placeholder's text is always kept."""
    return target.strip() not in PLACEHOLDER_TARGETS and _URL_TEXT.fullmatch(shown) is not None


def _keep_newlines(removed: str) -> str:
    """What replaces removed syntax: its line breaks, so later lines keep their numbers."""
    return "\n" * removed.count("\n")


_UNESCAPE = {_ESCAPED_BASE + code: code for code in range(128)}


_HAS_ESCAPED = re.compile(f"[{chr(_ESCAPED_BASE)}-{chr(_ESCAPED_BASE + 127)}]")


def _unescape(text: str) -> str:
    # A per-character generator made this the reader's hot spot; most text has no escape.
    return text.translate(_UNESCAPE) if _HAS_ESCAPED.search(text) else text


def _hide_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(_ESCAPED_BASE + ord(m.group("char"))), text)


def normalise_label(label: str) -> str:
    """Fold a link label the way CommonMark matches it: case, and runs of spaces."""
    return " ".join(_unescape(_hide_escapes(label)).split()).casefold()


def _destination(angle: str | None, dest: str | None) -> str:
    if angle is not None:
        return _unescape(_hide_escapes(angle)).strip().replace(" ", "%20")
    return _unescape(_hide_escapes(dest or ""))


# --- block structure ------------------------------------------------------------------


def _code_lines(lines: list[str]) -> set[int]:
    """Indices of lines in fenced code blocks, fences included; an unclosed fence runs to
    the end, as CommonMark renders it."""
    code: set[int] = set()
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence is None:
            if m and not (m.group("fence")[0] == "`" and "`" in line[m.end() :]):
                fence = m.group("fence")
                code.add(i)
            continue
        code.add(i)
        if (
            m
            and m.group("fence")[0] == fence[0]
            and len(m.group("fence")) >= len(fence)
            and not line[m.end() :].strip()
        ):
            fence = None
    return code


def _definitions(lines: list[str], code: set[int]) -> tuple[dict[str, str], set[int]]:
    """Link reference definitions: label -> destination, and the lines they occupy."""
    found: dict[str, str] = {}
    where: set[int] = set()
    for i, line in enumerate(lines):
        if i in code:
            continue
        if m := _DEFINITION.match(line):
            found.setdefault(normalise_label(m.group("label")), _destination(m.group("angle"), m.group("dest")))
            where.add(i)
    return found, where


def _footnote_numbers(lines: list[str], code: set[int]) -> dict[str, int]:
    """Number every footnote label: the label itself when all are numbers, else the
    order of first reference (how Pandoc and GitHub render them)."""
    defined: list[str] = []
    referenced: list[str] = []
    for i, line in enumerate(lines):
        if i in code:
            continue
        rest = line
        if m := _FOOTNOTE_DEF.match(line):
            defined.append(m.group("label"))
            rest = line[m.end() :]
        referenced.extend(r.group("label") for r in _FOOTNOTE_REF.finditer(rest))
    labels = list(dict.fromkeys(defined))
    if labels and all(label.isdigit() and int(label) > 0 for label in labels):
        return {label: int(label) for label in labels}
    order = list(dict.fromkeys([r for r in referenced if r in labels] + labels))
    return {label: n for n, label in enumerate(order, start=1)}


def _indented(line: str) -> bool:
    return line.startswith(("    ", "\t"))


def _lay_out_footnotes(lines: list[str], code: set[int], numbers: dict[str, int]) -> list[str]:
    """Turn ``[^label]: text`` into ``N text``; an indented paragraph that continues a
    footnote opens with the same number, so the splitter keeps it in the footnote."""
    out = list(lines)
    current: int | None = None
    after_blank = False
    for i, line in enumerate(lines):
        if i in code:
            current = None
            continue
        if m := _FOOTNOTE_DEF.match(line):
            current = numbers[m.group("label")]
            out[i] = footnote_line(current, line[m.end() :])
            after_blank = False
            continue
        if current is None:
            continue
        if not line.strip():
            after_blank = True
        elif after_blank and _indented(line):
            out[i] = footnote_line(current, line.strip())
            after_blank = False
        elif after_blank:
            current = None  # a paragraph at the margin: the footnote has ended
        else:
            out[i] = line.strip()  # a continuation line, at the margin like the text after "N "
    return out


# --- inline syntax ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Link:
    line: int
    target: str
    text: str | None


Sub = Callable[[re.Match[str]], str]


class _Paragraph:
    """One paragraph's inline syntax, rewritten pass by pass into plain text.

    Each pass replaces syntax by its visible text and keeps every line break, so an
    offset in the text of any pass still tells the line it is on.
    """

    def __init__(self, text: str, first_line: int, definitions: dict[str, str]) -> None:
        self.text = _hide_escapes(text)
        self.first_line = first_line
        self.definitions = definitions
        self.links: list[_Link] = []
        self._urls: list[str] = []

    def _line(self, offset: int) -> int:
        return self.first_line + self.text.count("\n", 0, offset)

    def _pass(self, pattern: re.Pattern[str], sub: Sub, cues: tuple[str, ...]) -> None:
        # Most paragraphs hold none of a pass's syntax: a substring test spares the regex.
        if any(cue in self.text for cue in cues):
            self.text = pattern.sub(sub, self.text)

    def _link(self, m: re.Match[str], target: str, text: str | None) -> None:
        shown = _unescape(text) if text and text.strip() else None
        self.links.append(_Link(line=self._line(m.start()), target=target, text=shown))

    def _code_span(self, m: re.Match[str]) -> str:
        return _keep_newlines(m.group(0))

    @staticmethod
    def _visible(text: str, target: str) -> str:
        """The link text left in the lines: none when it only repeats a real target's URL,
        which the link already reports (a placeholder's text is always kept)."""
        # an autolink's "<" may open the text: ``[<https://…>](https://…)``
        if text_repeats_url(target, _unescape(text).strip().removeprefix("<")):
            return WORD_JOINER + _keep_newlines(text)
        return text

    def _bracketed_link(self, m: re.Match[str], target: str) -> str:
        """Report ``[text]…`` as a link to ``target``; what replaces it: its visible text."""
        text = m.group("text")
        self._link(m, target, text)
        return self._visible(text, target) + _keep_newlines(m.group(0)[len(text) + 2 :])

    def _inline(self, m: re.Match[str]) -> str:
        return self._bracketed_link(m, _destination(m.group("angle"), m.group("dest")))

    def _reference(self, m: re.Match[str]) -> str:
        label = m.groupdict().get("label") or m.group("text")
        target = self.definitions.get(normalise_label(label))
        if target is None:
            return m.group(0)  # not a link: brackets as written
        return self._bracketed_link(m, target)

    def _autolink(self, m: re.Match[str]) -> str:
        self._link(m, _unescape(m.group("target")), None)
        return WORD_JOINER

    def _html_anchor(self, m: re.Match[str]) -> str:
        raw = m.group("dq") if m.group("dq") is not None else m.group("sq") or m.group("bare") or ""
        text = _HTML_TAG.sub("", m.group("text"))
        target = html.unescape(raw).strip()
        self._link(m, target, html.unescape(" ".join(text.split())) or None)
        before = m.group(0)[: m.start("text") - m.start()]
        after = m.group(0)[m.end("text") - m.start() :]
        return _keep_newlines(before) + self._visible(html.unescape(text), target) + _keep_newlines(after)

    def _protect_url(self, m: re.Match[str]) -> str:
        url = m.group(0)
        kept = url.rstrip("*_~")  # GFM: trailing emphasis markers are not part of a URL
        self._urls.append(kept)
        return f"{_URL_OPEN}{len(self._urls) - 1}{_URL_CLOSE}{url[len(kept) :]}"

    def render(self) -> str:
        if not _ANY_SYNTAX.search(self.text):
            return _unescape(self.text)  # plain prose, as most paragraphs are
        self._pass(_CODE_SPAN, self._code_span, ("`",))
        self._pass(_HTML_ANCHOR, self._html_anchor, ("<",))
        self._pass(_HTML_SUP_MARK, lambda m: "", ("<",))
        self._pass(_IMAGE, lambda m: _keep_newlines(m.group(0)), ("![",))
        self._pass(_FOOTNOTE_REF, lambda m: "", ("[^",))
        self._pass(_INLINE, self._inline, ("](",))
        self._pass(_FULL_REFERENCE, self._reference, ("][",))
        self._pass(_SHORTCUT, self._reference, ("[",))
        self._pass(_AUTOLINK, self._autolink, ("<",))
        self._pass(_HTML_TAG, lambda m: _keep_newlines(m.group(0)), ("<",))
        self._pass(_BARE_URL, self._protect_url, ("://", "ww.", "WW."))
        for pattern, cues in zip(_EMPHASIS, _EMPHASIS_CUES, strict=True):
            for _ in range(3):  # nested emphasis: ***both***, **bold _and italic_**
                self._pass(pattern, lambda m: m.group(2), cues)
        text = _PROTECTED_URL.sub(lambda m: self._urls[int(m.group(1))], self.text)
        return _unescape(text)


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) indices of runs of non-blank lines."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            runs.append((start, i))
            start = None
    return runs


def read_markdown(data: bytes, document: Document) -> RawDocument:
    """Read Markdown into lines (links replaced by their text) and explicit link targets."""
    raw_lines = decode_text(data).splitlines()
    code = _code_lines(raw_lines)
    definitions, definition_lines = _definitions(raw_lines, code)
    lines = _lay_out_footnotes(raw_lines, code, _footnote_numbers(raw_lines, code))
    lines = ["" if i in code or i in definition_lines else line for i, line in enumerate(lines)]
    links: list[LinkTarget] = []
    for start, end in _paragraphs(lines):
        paragraph = _Paragraph("\n".join(lines[start:end]), start + 1, definitions)
        rendered = paragraph.render().split("\n")
        assert len(rendered) == end - start, "inline parsing must keep every line"
        lines[start:end] = rendered
        links.extend(
            LinkTarget(
                target=link.target,
                text=link.text,
                location=Location(document=document.path, line=link.line),
                source="markdown-link",
            )
            for link in paragraph.links
        )
    return RawDocument(document=document, pages=(TextPage(number=None, lines=tuple(lines)),), links=tuple(links))
