"""Tell which language version a passage belongs to, from its function words.

Bilingual documents (the Belgian Chamber prints French and Dutch side by side) cite the
same source once per language; the location keeps which version a citation sits in.
A handful of very frequent words is enough to tell French, Dutch, English and German
apart on a paragraph; anything shorter is left unknown rather than guessed.
"""

from __future__ import annotations

import re

_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "fr",
        frozenset(
            [
                "le",
                "la",
                "les",
                "des",
                "du",
                "une",
                "est",
                "sont",
                "dans",
                "pour",
                "par",
                "avec",
                "que",
                "qui",
                "sur",
                "au",
                "aux",
                "ses",
                "cette",
                "été",
            ]
        ),
    ),
    (
        "nl",
        frozenset(
            [
                "de",
                "het",
                "een",
                "van",
                "en",
                "is",
                "zijn",
                "voor",
                "met",
                "dat",
                "die",
                "niet",
                "op",
                "te",
                "ook",
                "werd",
                "door",
                "naar",
                "bij",
            ]
        ),
    ),
    (
        "en",
        frozenset(
            [
                "the",
                "of",
                "and",
                "to",
                "in",
                "is",
                "are",
                "for",
                "with",
                "that",
                "which",
                "on",
                "was",
                "were",
                "by",
                "this",
                "from",
            ]
        ),
    ),
    (
        "de",
        frozenset(
            [
                "der",
                "die",
                "das",
                "und",
                "ist",
                "sind",
                "mit",
                "für",
                "von",
                "nicht",
                "auf",
                "zu",
                "ein",
                "eine",
                "dem",
                "den",
            ]
        ),
    ),
)
_WORD = re.compile(r"[a-zà-ÿ]+")
_MIN_HITS = 3
# Every function word of every language: most words of a passage are none of them, and
# dropping those first leaves a short list to score per language.
_ANY_WORD = frozenset().union(*(vocab for _, vocab in _WORDS))


def detect_language(text: str) -> str | None:
    """Return ``fr``, ``nl``, ``en`` or ``de`` when the passage clearly reads as one, else ``None``."""
    words = list(filter(_ANY_WORD.__contains__, _WORD.findall(text.lower())))
    scores = sorted(((len(list(filter(vocab.__contains__, words))), lang) for lang, vocab in _WORDS), reverse=True)
    (best, lang), (second, _) = scores[0], scores[1]
    if best >= _MIN_HITS and best >= 1.5 * second:
        return lang
    return None
