"""The machinery every table-driven resolver shares: rows of patterns and key templates.

A source module lists its rows and builds its URLs; :func:`table_source` turns that
into a :class:`~refcheck.resolve._types.Source`. Keeping the loops here means a new
source is a table and a URL template, not another copy of the scanning code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import unquote

from refcheck.resolve._types import Cues, IdentifierMatch, ScanContext, Source, UrlBuilder


def _always(groups: Mapping[str, str]) -> bool:
    return True


# The EU's sites (EUR-Lex, the Parliament's doceo) name a language version in capitals.
_EU_LANGUAGES = {"fr": "FR", "nl": "NL", "de": "DE", "es": "ES", "it": "IT"}


def eu_language(language: str | None) -> str:
    """The EU sites' code for a document's language; English when unknown or not offered."""
    return _EU_LANGUAGES.get(language or "", "EN")


def word_char(char: str) -> bool:
    """Whether ``char`` would glue a match to the word before it (what ``\\b`` tests)."""
    return char.isalnum() or char == "_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One recogniser: a regex and how its named groups become a key.

    ``key`` is a :meth:`str.format` template over the match's named groups (after
    ``fix``); ``accept`` rejects matches the regex cannot rule out by itself.
    ``glued`` says which characters may not come right before a match: a test in Python
    rather than a lookbehind, because a pattern that opens with a lookbehind or ``\b``
    loses the regex engine's literal-prefix scan and runs several times slower.
    """

    pattern: re.Pattern[str]
    key: str
    accept: Callable[[Mapping[str, str]], bool] = _always
    fix: Callable[[dict[str, str]], dict[str, str]] | None = None
    glued: Callable[[str], bool] | None = None
    cue: str = ""  # a substring every match contains: rows whose cue is absent are skipped
    # Keys by the groups a text match captured: ``fix``, ``accept`` and the template are
    # pure, and a document cites the same identifiers again and again, so each distinct
    # match is formatted once (bounded: cleared when full).
    _keys: dict[tuple[str | None, ...], str | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def key_for(self, match: re.Match[str], *, unquote_groups: bool = False) -> str | None:
        if unquote_groups:
            return self._key_from(match.groupdict(), unquote_groups=True)
        groups = match.groups()
        keys = self._keys
        if groups in keys:
            return keys[groups]
        if len(keys) >= _KEY_CACHE_SIZE:
            keys.clear()
        key = keys[groups] = self._key_from(match.groupdict(), unquote_groups=False)
        return key

    def _key_from(self, found: dict[str, str | None], *, unquote_groups: bool) -> str | None:
        groups = {k: (unquote(v) if unquote_groups else v) for k, v in found.items() if v is not None}
        if self.fix is not None:
            groups = self.fix(groups)
        if not self.accept(groups):
            return None
        return self.key.format(**groups)


_KEY_CACHE_SIZE = 4096


# A text match without its URL: start, end, the matched text, the key.
Span = tuple[int, int, str, str]


def scan_spans(rows: tuple[Row, ...], text: str) -> list[Span]:
    """Every match of every row in ``text``, rows in order, each row's matches in order."""
    found: list[Span] = []
    for row in rows:
        if row.cue not in text:
            continue
        glued = row.glued
        key_for = row.key_for
        for m in row.pattern.finditer(text):
            start = m.start()
            if glued is not None and start and glued(text[start - 1]):
                continue
            key = key_for(m)
            if key is not None:
                found.append((start, m.end(), m.group(0), key))
    return found


def scan_text(
    rows: tuple[Row, ...],
    text: str,
    *,
    type: str,
    url_for: Callable[[str, str | None], str | None],
    language: str | None,
) -> tuple[IdentifierMatch, ...]:
    """Every match of every row in ``text``, with its canonical URL."""
    urls: dict[str, str | None] = {}  # url_for is pure, and a passage often repeats a key
    found = []
    for start, end, raw, key in scan_spans(rows, text):
        url = urls[key] if key in urls else urls.setdefault(key, url_for(key, language))
        found.append(IdentifierMatch(key=key, type=type, url=url, start=start, end=end, raw=raw))
    return tuple(found)


def match_url(rows: tuple[Row, ...], url: str, *, type: str) -> IdentifierMatch | None:
    """The identifier the first matching row reads in ``url`` (percent-escapes decoded)."""
    for row in rows:
        m = row.pattern.search(url)
        if m:
            key = row.key_for(m, unquote_groups=True)
            if key is not None:
                return IdentifierMatch(key=key, type=type, url=url, start=0, end=0, raw=url)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSource(Source):
    """A source run from its tables, which are kept so that the resolve stage can scan
    them without building a match object, and its URL, per hit (see ``scan_spans``)."""

    text_rows: tuple[Row, ...] = ()


def table_source(
    scheme: str,
    *,
    text_rows: tuple[Row, ...],
    url_rows: tuple[Row, ...],
    url_for: UrlBuilder,
    cues: tuple[str, ...] = (),
    decode_urls: bool = False,
) -> Source:
    """A source run from its tables.

    Args:
        scheme: the key scheme and match type (``un``, ``ep`` …).
        text_rows: recognisers over prose; ``()`` when another stage finds them.
        url_rows: recognisers over URLs.
        url_for: the canonical URL of a key.
        cues: substrings one of which any text match contains: text with none is skipped
            without running a regex, which is most text. Empty: every text may hold one.
        decode_urls: match URLs with their percent-escapes decoded (EUR-Lex escapes the
            colons of an ECLI as often as not).
    """

    may_hold = Cues(cased=cues, anywhere=not cues) if text_rows else Cues()

    def find_in_text(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
        if not may_hold(text):
            return (), context
        return scan_text(text_rows, text, type=scheme, url_for=url_for, language=context.language), context

    def from_url(url: str) -> IdentifierMatch | None:
        match = match_url(url_rows, unquote(url) if decode_urls else url, type=scheme)
        return replace(match, url=url, raw=url) if match and decode_urls else match

    return TableSource(
        scheme=scheme,
        find_in_text=find_in_text,
        from_url=from_url,
        url_for=url_for,
        may_hold=may_hold,
        text_rows=text_rows,
    )
