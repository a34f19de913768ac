"""Find URLs and DOIs in extracted text and undo what PDF extraction did to them.

Typeset PDFs justify footnotes by spreading glyph runs apart, and text extraction then
inserts a space before every ``.``, ``/``, ``-``, ``?``, ``=`` of a URL
(``https://hudoc .echr .coe .int /eng -press ?i =003 -7528728 -10337270``, corpus 002,
footnote 2), wraps it over lines (footnote 5), sometimes across a blank line (footnote
16), and puts two URLs in one footnote (footnote 6). Deleting every space or newline
glues neighbouring words onto the URL (metachris/pdfx#58), so the repair here is
token-based and conservative: a following token is absorbed only when the layout says
it is a continuation, and never across a footnote marker or a new scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Ligatures that PDF fonts map to single code points (cf. resolvers.md, step 1).
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)
# Invisible characters that extraction leaves inside words and URLs.
INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS))
_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " "})
# str.translate looks every non-ASCII character up in a dict; a regex over the few
# characters the tables map finds in C whether there is anything to do at all.
_CLEANABLE = re.compile("[" + "".join(map(chr, {**_LIGATURES, **_SPACES})) + "]")

SOFT_HYPHEN = "\u00ad"

# Where a URL or DOI starts. Spaces may sit inside the scheme of spaced-out text.
_START = re.compile(
    r"""(?ix)
    (?<![\w@/.])(?:
        (?P<scheme>(?:https?|ftp)\ ?:\ ?/\ ?/)      # https://  and  https ://
      | (?P<www>www\ ?\.(?=\ ?[a-z0-9]))             # www.example.org with no scheme
      | (?P<doi>(?:doi\ ?:\ ?)?10\ ?\.\ ?\d{4,9}\ ?/)  # 10.2514/…  and  doi:10.2514/…
    )"""
)

# A token that continues a spaced-out URL starts with one of these (issue 2).
_JOINERS = "./-?=_&#%:~"
# A token ending with one of these may be continued on the next line.
_TRAILING_JOINERS = "/-_=?&#%~" + SOFT_HYPHEN
# A joiner standing alone at a line end may still end or continue a URL; not "?" (French
# spaces it off from the sentence it ends), nor "&", "#", "%" or a soft hyphen.
_LONE_JOINERS = "/-_=~"
# Characters that can never be part of a URL as printed: they end it.
_HARD_STOPS = re.compile(r"""[\s<>"“”«»‘’|\\^`{}]""")
_TRAIL = ".,;:!?'’”»›"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}
_FOOTNOTE_MARK = re.compile(r"\d{1,3}")
_URL_TAIL = re.compile(r"/|=|\.(?:pdf|html?|php|aspx?|jsp|docx?|xlsx?)\b", re.I)
_URLISH = re.compile(r"[/.=?&_%#]|\d")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,63}$|^xn--", re.I)
_WHITESPACE = re.compile(r"\s")  # the same characters as str.isspace
# Characters that repair drops (invisible) or turns into several (ligatures).
_EXPANDS_OR_VANISHES = re.compile("[" + INVISIBLE_CHARS + "".join(map(chr, _LIGATURES)) + "]")
# Tokens on the same line that _absorbs always takes (they start like a spaced-out URL
# piece, see _continues; a joiner can never start a new URL) and after which growing
# goes on (no hard stop, no final ";" or ","). Starts with ":" are left to _continues:
# it reads digits as str.isdigit, which \d does not match exactly.
_SPACED_RUN = re.compile(
    r"""(?:[^\S\n]+
        (?:\.[^\W_]|-[^\W_]|-[./\-?=_&\#%:~]|[/?=_&\#%~][^\s<>"“”«»‘’|\\^`{}])
        [^\s<>"“”«»‘’|\\^`{}]*
        (?<![;,])(?=\s|\Z)
    )*""",
    re.X,
)
_GAP_AND_TOKEN = re.compile(r"(\s*)(\S+)")
# The rest of a line holds nothing but closing punctuation.
_ONLY_TRAIL_TO_EOL = re.compile("[" + re.escape(_TRAIL + " )]") + "]*(?:\n|\\Z)")
# The next token on the same line, after at least one space.
_NEXT_ON_LINE = re.compile(r"[^\S\n]+(\S+)")
# Nothing but spaces up to the end of the line.
_BLANK_TO_EOL = re.compile(r"[^\S\n]*(?:\n|\Z)")
# A piece of an opaque identifier that PDF text wrapped onto the next line: upper-case
# letters, digits and ``.-_`` with at least one digit and no lower-case word shape
# (``589324000123`` of a DOI, ``55K1597001.pdf``), a file extension allowed at the end.
_OPAQUE_PIECE = re.compile(r"(?=[^\d]*\d)[A-Z0-9][A-Z0-9._-]{3,}(?:\.[a-z][a-z0-9]{1,4})?")
# ... which prose also prints on its own: a year, a page, a range, an amount (120.000).
_PROSE_NUMBER = re.compile(r"\d{1,4}(?:[.,]\d{1,3})*(?:-\d{1,4})?")
# What may close the sentence or clause after such a piece.
_PIECE_END = ".,;:)]"
# Enough of a URL's end for every test _absorbs makes on it ("://", the last joiner).
_TAIL_CHARS = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundUrl:
    """A URL or DOI found in text: ``raw`` as printed, ``value`` repaired, ``start``/``end`` its span.

    ``kind`` is ``url`` or ``doi``; ``valid`` is false for URL-like text that could not be
    repaired into a URL with a plausible host (reported to an editor, never invented).
    """

    raw: str
    value: str
    start: int
    end: int
    kind: str
    valid: bool


# What clean_line replaces, character by character, for clean_text's whole-block passes.
_CLEAN_MAP = {chr(code): str(replacement) for code, replacement in {**_LIGATURES, **_SPACES}.items()}


def clean_text(text: str) -> str:
    """``clean_line`` for a whole page at once, line breaks kept.

    ``str.translate`` costs a dictionary look-up per character of every line with
    anything to clean (in French, most paragraphs: narrow no-break spaces before
    ``:;?!``); a ``str.replace`` per character present in the page is a fast C loop each.
    """
    if text.isascii():
        return text
    for char, replacement in _CLEAN_MAP.items():
        if char in text:
            text = text.replace(char, replacement)
    return text


def clean_line(line: str) -> str:
    """Undo ligatures and odd spaces in one line of extracted text; keeps soft hyphens.

    Soft hyphens are kept here because at the end of a line they say "this word goes
    on": ``find_urls`` uses that and drops them from what it returns.
    """
    if line.isascii() or not _CLEANABLE.search(line):
        return line  # both tables map only a few non-ASCII characters
    return line.translate(_LIGATURES).translate(_SPACES)


def repair_url(raw: str) -> str:
    """Return ``raw`` with extraction damage undone: inner whitespace, soft hyphens, ligatures.

    A well-formed URL comes back unchanged, and the repair is idempotent.
    """
    text = raw if raw.isascii() else raw.translate(_LIGATURES).translate(_INVISIBLE)
    return "".join(text.split())


def _token_end(text: str, i: int) -> int:
    m = _WHITESPACE.search(text, i)
    return len(text) if m is None else m.start()


def _continues(token: str) -> bool:
    """True when ``token`` starts the way a spaced-out URL piece does (``.pdf``, ``-former``, ``/wp``)."""
    if len(token) < 2 or token[0] not in _JOINERS:
        return False
    first, second = token[0], token[1]
    if first == ":":
        return second.isdigit() or second == "/"
    if first == ".":
        return second.isalnum()
    if first == "-":
        return second.isalnum() or second in _JOINERS
    return not second.isspace()


def _line_is_single_token(text: str, start: int, end: int) -> bool:
    # A match from ``end`` rather than a slice to the line end: a line may be megabytes long.
    return _ONLY_TRAIL_TO_EOL.match(text, end) is not None


def _is_wrapped_piece(token: str, text: str, token_start: int, token_end: int) -> bool:
    """True when ``token``, first on its line, is the rest of an identifier the line break cut.

    PDF text wraps DOIs and file names at any character. The URL before the break ended
    in a letter or digit (no punctuation closed it); the piece must be ``_OPAQUE_PIECE``
    (no lower-case word, no year or page number: prose prints those at a line start
    too), and end where a citation does: alone on its line, or closed by ``.,;:)]``
    ("589324000123. See also", "589324000123, p. 4").
    """
    core = token.rstrip(_PIECE_END)
    if not _OPAQUE_PIECE.fullmatch(core) or _PROSE_NUMBER.fullmatch(core):
        return False
    return len(core) < len(token) or _line_is_single_token(text, token_start, token_end)


def _absorbs(current: str, gap: str, token: str, text: str, token_start: int, token_end: int) -> bool:
    """Decide whether ``token`` (after whitespace ``gap``) continues the URL ending in ``current``.

    Only the end of ``current`` is looked at, so a caller may pass just its last characters.
    """
    newlines = gap.count("\n")
    if current.endswith(("://", ":/")) and newlines <= 1 and not token.lower().startswith(("http", "ftp")):
        return True  # "https:// www.example.org"
    if newlines > 2 or _START.match(token):
        return False
    if newlines and _FOOTNOTE_MARK.fullmatch(token):
        return False  # "…-2024 -03 -05/\n6 https://…": the next footnote's number
    if _continues(token):
        return True  # the space sits before a joiner: always a spaced-out piece
    if newlines == 0 and len(token) == 1 and token in _LONE_JOINERS and _BLANK_TO_EOL.match(text, token_end):
        # A lone joiner ending its line ("…/55 /1597 /\n55K1597001 .pdf"): spacing put it
        # apart from the URL it ends, and the next line is then taken as after any joiner.
        # A "/" is always the URL's. Prose also ends a line with a spaced dash ("… -\n2023,
        # p. 4"), so any other joiner only when the next line starts with a joiner too.
        if token == "/":
            return True
        nxt = _GAP_AND_TOKEN.match(text, token_end)
        return nxt is not None and nxt.group(1).count("\n") == 1 and _continues(nxt.group(2))
    if newlines != 1 or not current:
        return False
    if current[-1] not in _TRAILING_JOINERS:
        # Wrapped mid-word with no joiner ("…/annual-rep\nort-2023.pdf"): only a line that
        # holds nothing but an unmistakable URL tail (a path, a query, a file extension),
        if _line_is_single_token(text, token_start, token_end) and _URL_TAIL.search(token):
            return True
        # or an opaque piece ("doi:10.1017/S0020\n589324000123.").
        return current[-1].isalnum() and _is_wrapped_piece(token, text, token_start, token_end)
    # Wrapped after a joiner at a line end ("…/reports/\nannual-2023.pdf"): take the next
    # line only when it reads as a URL piece, not as the next word of a sentence: a
    # spaced-out piece follows it on its line ("…/content /\nresolutions -adopted -2016").
    return (
        current.endswith(SOFT_HYPHEN)
        or bool(_URLISH.search(token))
        or _line_is_single_token(text, token_start, token_end)
        or _spaced_piece_follows(text, token_end)
    )


def _spaced_piece_follows(text: str, end: int) -> bool:
    """True when the next token on the line, after spaces, continues a spaced-out URL."""
    m = _NEXT_ON_LINE.match(text, end)
    return m is not None and _continues(m.group(1))


def _trim(value: str) -> str:
    """Cut trailing punctuation that belongs to the sentence, keeping balanced brackets."""
    end = len(value)
    # Bracket counts of value[:end], taken once: recounting per cut character is
    # quadratic on a run of closing brackets.
    counts: dict[str, int] | None = None
    while end:
        last = value[end - 1]
        if last in _TRAIL:
            end -= 1
            continue
        if last not in _PAIRS:
            break
        if counts is None:
            counts = {ch: value.count(ch, 0, end) for pair in _PAIRS.items() for ch in pair}
        if counts[_PAIRS[last]] >= counts[last]:
            break
        counts[last] -= 1
        end -= 1
    return value[:end]


def _cut_at_hard_stop(value: str) -> str:
    m = _HARD_STOPS.search(value)
    return value if m is None else value[: m.start()]


def _is_plausible(value: str, kind: str) -> bool:
    if kind == "doi":
        return bool(re.fullmatch(r"(?i)(?:doi:)?10\.\d{4,9}/\S+", value))
    m = re.match(r"(?i)^(?:(?:https?|ftp)://)?(?:[^/?#@]*@)?([^/?#:]+)(?::\d+)?(?:[/?#]|$)", value)
    if not m:
        return False
    host = m.group(1)
    return bool(_HOST.match(host)) or host == "localhost" or bool(re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host))


def _extend(text: str, start: int, head_end: int) -> tuple[int, str]:
    """Grow a URL from its start over continuation tokens; return its end and its pieces."""
    end = _token_end(text, head_end)
    head = text[start:end]
    pieces = [head]
    # Each test below looks at the newest piece or at the URL's last characters only,
    # so a URL of many thousand spaced-out pieces is grown in linear time. Only the
    # head may hold spaces ("https ://"): later pieces are whole tokens.
    stopped = _HARD_STOPS.search(head.replace(" ", "").replace("\n", "")) is not None
    tail = head[-_TAIL_CHARS:]
    while not stopped and not tail.endswith((";", ",")):
        # (the ";" or "," test: "…07Spread .pdf; https://acleddata …" ended at the ";")
        run = _SPACED_RUN.match(text, end)
        if run is not None and run.end() > end:  # (it always matches, maybe empty)
            # The common spaced-out case in one match: pieces _absorbs takes and after
            # which the URL goes on ("/reports /2024 /annual -report -7 .pdf").
            tokens = run.group().split()
            pieces.extend(tokens)
            end = run.end()
            tail = (tail + "".join(tokens[-_TAIL_CHARS:]))[-_TAIL_CHARS:]
        m = _GAP_AND_TOKEN.match(text, end)
        if m is None:
            break
        token = m.group(2)
        if not _absorbs(tail, m.group(1), token, text, m.start(2), m.end()):
            break
        pieces.append(token)
        end = m.end()
        stopped = _HARD_STOPS.search(token) is not None
        tail = (tail + token)[-_TAIL_CHARS:]
    return end, "".join(pieces)


def may_hold_url(text: str) -> bool:
    """A cheap necessary condition for ``_START`` to match: its literal parts, case-folded.

    Most paragraphs hold no URL, and substring tests are many times faster than the
    start pattern's scan (no character that ``re.I`` equates with one of these letters
    lower-cases to something else).
    """
    if "10." in text or "10 ." in text:
        return True
    low = text.lower()
    return "http" in low or "ftp" in low or "www" in low


def find_urls(text: str) -> list[FoundUrl]:
    """Find every URL and bare DOI in ``text``, repairing spaced and wrapped ones.

    Args:
        text: one footnote or paragraph, lines separated by ``\\n`` (a blank line inside
            a footnote is allowed: a URL may continue across it).

    Returns:
        The URLs and DOIs in order of appearance, with spans into ``text``.
    """
    found: list[FoundUrl] = []
    if not may_hold_url(text):
        return found
    pos = 0
    while m := _START.search(text, pos):
        kind = "doi" if m.group("doi") else "url"
        end, joined = _extend(text, m.start(), m.end())
        repaired = _trim(_cut_at_hard_stop(repair_url(joined)))
        raw_end = _raw_end(text, m.start(), end, repaired)
        value = re.sub(r"(?i)^doi:", "", repaired) if kind == "doi" else repaired
        if value and len(value) > len("https://"):
            if m.group("www"):
                # A URL printed without a scheme is cited with one, as its identity form
                # (canonical_url) has it. http, not https: it is what a browser tries
                # first for a typed address, and a site served over https redirects it.
                value = "http://" + value
            found.append(
                FoundUrl(
                    raw=text[m.start() : raw_end],
                    value=value,
                    start=m.start(),
                    end=raw_end,
                    kind=kind,
                    valid=_is_plausible(value, kind),
                )
            )
        pos = max(end, m.end())
    return found


def _repaired_length(token: str) -> int:
    """How many characters ``token`` (no whitespace) gives in a repaired URL."""
    return len(token) if token.isascii() else len(token.translate(_INVISIBLE).translate(_LIGATURES))


def _raw_end(text: str, start: int, end: int, value: str) -> int:
    """Map the end of the repaired value back onto ``text`` (trimmed punctuation excluded)."""
    wanted = len(value)
    if wanted <= 0:
        return start
    raw = text[start:end]
    count = 0
    at = 0
    # Whole tokens first, then character by character inside the token where the value
    # ends. Tokens are found in order, so each one's first occurrence from ``at`` is it.
    for token in raw.split():
        at = raw.find(token, at)
        length = _repaired_length(token)
        if count + length < wanted:
            count += length
            at += len(token)
            continue
        i = start + at
        if token.isascii() or not _EXPANDS_OR_VANISHES.search(token):
            return i + wanted - count  # one character of the value per character of text
        for ch in token:
            i += 1
            if ch not in INVISIBLE_CHARS:
                count += len(ch.translate(_LIGATURES))
                if count >= wanted:
                    return i
    return end
