"""The shape shared by every resolver module.

Each source of identifiers (UN, ICJ, HUDOC, European Parliament, Belgian Chamber, DOI,
ECLI, CELEX) is one small module holding a table of frozen rows and a :class:`Source`
made of three functions (most built by :func:`refcheck.resolve._table.table_source`):

- ``find_in_text(text, context) -> (matches, context)``: the identifiers written in a
  run of prose, with their spans; ``context`` carries what an earlier passage of the same
  document established (the ICJ case last named) and the language of the text;
- ``from_url(url) -> IdentifierMatch | None``: the identifier a URL stands for;
- ``url_for(key, language) -> str | None``: the canonical URL of a key.

All three are pure: no I/O, no global state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanContext:
    """What the text read so far in one document tells the resolvers.

    ``language`` is the ISO 639-1 code of the text being scanned when known (``fr``,
    ``nl``, ``en``); ``icj_case`` the General List number of the ICJ case the document
    named last, so that "the order of 17 November 2023" later on can be placed.
    """

    language: str | None = None
    icj_case: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifierMatch:
    """An identifier found in text or recognised in a URL.

    ``key`` is exactly as in the corpus gold files (``un:CAT/C/AZE/CO/5``,
    ``icj:180:order:2023-11-17``, ``doi:10.2514/3.24154``); ``type`` the scheme
    (``un``, ``icj``, ``echr``, ``ep``, ``be-chamber``, ``doi``, ``ecli``, ``celex``);
    ``url`` the canonical URL or ``None`` when none can be built offline; ``start`` and
    ``end`` the span in the scanned text (0, 0 for a URL); ``raw`` the matched text.
    """

    key: str
    type: str
    url: str | None
    start: int
    end: int
    raw: str


TextFinder = Callable[[str, ScanContext], tuple[tuple[IdentifierMatch, ...], ScanContext]]
UrlRecogniser = Callable[[str], "IdentifierMatch | None"]
UrlBuilder = Callable[[str, "str | None"], "str | None"]


@dataclass(frozen=True, slots=True)
class Cues:
    """A source's cheap necessary condition for finding anything in a text: substrings.

    A text holds something the source may find only if it contains one of ``cased``,
    or one of ``folded`` once lower-cased; ``anywhere`` when the source has no such
    condition. Kept as data (not only as a function) so that :mod:`refcheck.resolve`
    can test every source's cues in one go.
    """

    cased: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()
    anywhere: bool = False

    def __call__(self, text: str) -> bool:
        if self.anywhere:
            return True
        for cue in self.cased:
            if cue in text:
                return True
        if self.folded:
            lower = text.lower()
            for cue in self.folded:
                if cue in lower:
                    return True
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One source of identifiers as the resolve stage runs it: its key scheme and its functions."""

    scheme: str
    find_in_text: TextFinder
    from_url: UrlRecogniser
    url_for: UrlBuilder
    # A cheap necessary condition for find_in_text to find anything (substring tests):
    # the pipeline skips passages no source may hold, which is most prose.
    may_hold: Cues
