"""International Court of Justice: cases, orders, judgments and advisory opinions.

A decision is keyed by the case's General List number, its kind and its date:
``icj:180:order:2023-11-17``. Prose rarely gives the number, so it is found from the
table in :mod:`refcheck.resolve.icj_cases`: the parties in the order the Court writes
them (applicant first: 180 is Armenia v. Azerbaijan, 181 Azerbaijan v. Armenia), words of
the case's title when the same parties have several cases, "General List No. 180" when
printed, and otherwise the case the document named last. A decision is only read where
the International Court of Justice is named nearby, never on "Order of" alone, which
other tribunals (the ICC, ITLOS, arbitral tribunals) use too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import cache, lru_cache

from refcheck.resolve._table import Row, match_url
from refcheck.resolve._types import Cues, IdentifierMatch, ScanContext, Source
from refcheck.resolve.icj_cases import ICJ_CASES, STATES, IcjCase

SCHEME = "icj"
CASE_URL = "https://www.icj-cij.org/case/{number}"
DECISION_URL = (
    "https://www.icj-cij.org/sites/default/files/case-related/{number}/{number:03d}-{day}-{code}-01-00-{lang}.pdf"
)
DECISION_CODES = {"order": "ord", "judgment": "jud", "advisory-opinion": "adv"}
_CODE_KINDS = {code: kind for kind, code in DECISION_CODES.items()}

# Names wrap over lines, so any run of spaces may sit between their words.
COURT = re.compile(
    r"(?i)\b(?:International\s+Court\s+of\s+Justice|Cour\s+internationale\s+de\s+Justice|Internationaal\s+Gerechtshof)\b"
    r"|\b(?:ICJ|CIJ|IGH)\b|\bI\.C\.J\.|\bC\.I\.J\."
)
OTHER_COURT = re.compile(
    r"(?i)International\s+Criminal\s+Court|Cour\s+pénale\s+internationale|Internationaal\s+Strafhof|Cour\s+européenne"
    r"|European\s+Court|Europees\s+Hof|ITLOS|Tribunal|Permanent\s+Court\s+of\s+Arbitration|Cour\s+permanente\s+d'arbitrage"
)
_THE_COURT = ("the Court", "la Cour", "het Hof")
_ABBREVIATIONS = ("ICJ", "CIJ", "IGH", "I.C.J", "C.I.J")
MONTHS = {
    **dict.fromkeys(("january", "janvier", "januari"), 1),
    **dict.fromkeys(("february", "février", "fevrier", "februari"), 2),
    **dict.fromkeys(("march", "mars", "maart"), 3),
    **dict.fromkeys(("april", "avril"), 4),
    **dict.fromkeys(("may", "mai", "mei"), 5),
    **dict.fromkeys(("june", "juin", "juni"), 6),
    **dict.fromkeys(("july", "juillet", "juli"), 7),
    **dict.fromkeys(("august", "août", "aout", "augustus"), 8),
    **dict.fromkeys(("september", "septembre"), 9),
    **dict.fromkeys(("october", "octobre", "oktober"), 10),
    **dict.fromkeys(("november", "novembre"), 11),
    **dict.fromkeys(("december", "décembre", "decembre"), 12),
}
DATE = r"\d{1,2}(?:er)?\s+(?:" + "|".join(MONTHS) + r")\s+\d{4}"
_DATE_PARTS = re.compile(r"(?i)(\d{1,2})(?:er)?\s+(\S+)\s+(\d{4})")
DECISION = re.compile(
    r"(?i)\b(?P<word>advisory opinions?|avis consultatifs?|adviezen|advies|orders?|judgments?|ordonnances?|arrêts?"
    r"|beschikkingen|beschikking|arresten|arrest|decisions?)\b"
    rf"(?P<between>[^.;]{{0,90}}?)\b(?:of|du|des|van|dated|that of)\s+(?P<dates>{DATE}(?:\s*(?:,|and|et|en)\s*{DATE})*)"
)
# "(Armenia v. Azerbaijan)", and "(France/United Kingdom)" for cases brought by special agreement.
PARTIES = re.compile(r"\((?P<a>[^()]{2,80}?)(?:\s+(?:v\.|c\.|t\.|tegen)\s+|\s*/\s*)(?P<b>[^()]{2,80}?)\)")
INSTITUTED = re.compile(
    r"(?i)(?:instituted by|introduite par|ingesteld door) (?P<a>[A-Z][\w' -]{2,60}?) (?:against|contre|tegen) "
    r"(?P<b>[A-Z][\w' -]{2,60}?)\b(?: in|,|\.| devant| bij)"
)
# A decision followed by the case it was given in: "Order of 16 March 2022 in Allegations
# of Genocide … (Ukraine v. Russian Federation)", "judgment of 22 July 2022 in The Gambia
# v. Myanmar", "ordonnance du 26 janvier 2024 dans l'affaire …".
_IN_CASE = re.compile(r"(?i)\s*,?\s*(?:in|dans|en|inzake)\s")
BARE_PARTIES = re.compile(
    r"(?i)\s*,?\s*(?:in|dans|en|inzake)\s+(?:the\s+case\s+(?:concerning\s+)?|l'affaire\s+|de\s+zaak\s+)?[*_]*"
    r"(?P<a>[^()*_,;]{2,60}?)\s+(?:v\.|c\.|t\.|tegen)\s+(?P<b>[^()*_,;.]{2,60})"
)
# A decision followed by its case's title, as French citations print it: "arrêt du
# 26 février 2007, Application de la convention … (Bosnie-Herzégovine c. Serbie-et-Monténégro)".
# The title starts with a capital and holds no sentence end, ";" or parenthesis.
_TITLE_AFTER = re.compile(r"\s*,\s+(?=[A-Z])[^.;:()]{10,250}?(?=\()")
# The Court named right after a decision: "ordonnance du 26 janvier 2024 de la Cour
# internationale de Justice", "beschikking van 26 januari 2024 van het Internationaal Gerechtshof".
_COURT_AFTER = re.compile(
    r"(?i)\s*,?\s*(?:of|by|de|par|van|door)\s+(?:(?:the|la|het)\s+)?"
    r"(?:International\s+Court\s+of\s+Justice|Cour\s+internationale\s+de\s+Justice|Internationaal\s+Gerechtshof"
    r"|(?-i:ICJ|CIJ|IGH))\b"
)
_AFTER_WINDOW = 300
GENERAL_LIST = re.compile(
    r"(?i)(?:General List|Rôle général|Algemene Rol)\s*(?:No\.?|n[°o]\.?|nr\.?)\s*(?P<n>\d{1,3})\b"
)


# The same searches over the text as IGNORECASE sees it (see _fold_case), for speed: the
# patterns above open with \b and a case-insensitive letter, so the regex engine tries
# them at every character; these open with a plain letter, which it finds with a quick
# scan, and test the \b after it ((?<!\w.): the character before is no word character).
# Alternatives keep their order among those sharing a first letter, so each finds the
# same matches at the same places.
_COURT_FOLDED = re.compile(
    r"i(?<!\w.)(?:nternational\s+court\s+of\s+justice\b|nternationaal\s+gerechtshof\b|cj\b|gh\b|\.c\.j\.)"
    r"|c(?<!\w.)(?:our\s+internationale\s+de\s+justice\b|ij\b|\.i\.j\.)"
)
_DECISION_FOLDED = re.compile(
    r"(?P<word>a(?<!\w.)(?:dvisory opinions?|vis consultatifs?|dviezen|dvies|rrêts?|rresten|rrest)"
    r"|o(?<!\w.)(?:rders?|rdonnances?)|j(?<!\w.)udgments?|b(?<!\w.)(?:eschikkingen|eschikking)|d(?<!\w.)ecisions?)\b"
    rf"(?P<between>[^.;]{{0,90}}?)\b(?:of|du|des|van|dated|that of)\s+(?P<dates>{DATE}(?:\s*(?:,|and|et|en)\s*{DATE})*)"
)
# Substrings (of the folded text) every match of a pattern holds: no cue, no search.
_OTHER_COURT_CUES = ("criminal", "pénale", "strafhof", "europ", "itlos", "tribunal", "arbitra")
_GENERAL_LIST_CUES = ("general list", "rôle général", "algemene rol")
_INSTITUTED_CUES = ("instituted by", "introduite par", "ingesteld door")


def _fold_case(text: str) -> str | None:
    """``text`` as IGNORECASE matches it, character for character, or ``None``.

    Lower case, with the two letters IGNORECASE also equates with ASCII ones folded to
    them (dotless ``ı``, long ``ſ``; the Kelvin sign lower-cases to ``k``). ``None`` when
    lower-casing changes the length (``İ`` becomes two characters), as positions in the
    folded text must be those of ``text``.
    """
    low = text.lower()
    if low.isascii():
        return low
    if len(low) != len(text):
        return None
    return low.replace("ı", "i").replace("ſ", "s")


def _any_in(cues: tuple[str, ...], folded: str) -> bool:
    return any(cue in folded for cue in cues)


URL_ROWS: tuple[Row, ...] = (
    Row(
        pattern=re.compile(
            r"(?i)icj-cij\.org/.*case-related/(?P<n>\d+)/\d{3}-(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)-(?P<t>ord|jud|adv)-01-00-"
        ),
        key="icj:{n}:{t}:{y}-{m}-{d}",
        fix=lambda g: {**g, "t": _CODE_KINDS[g["t"].lower()], "n": str(int(g["n"]))},
    ),
    # The case page, English (/case/180, /en/case/180) or French (/fr/affaire/180).
    Row(pattern=re.compile(r"(?i)icj-cij\.org/(?:en/case|case|fr/affaire)/(?P<n>\d+)/?(?:[?#].*)?$"), key="icj:{n}"),
)


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes as plain ones: "États-Unis" is "etats-unis"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _codes_by_name() -> dict[str, frozenset[str]]:
    by_name: dict[str, set[str]] = {}
    for code, aliases in STATES.items():
        for alias in aliases:
            by_name.setdefault(fold(alias), set()).add(code)
    return {name: frozenset(codes) for name, codes in by_name.items()}


@cache
def _state_pattern() -> re.Pattern[str]:
    # Longest names first, so "democratic republic of the congo" wins over "congo".
    names = sorted(_codes_by_name(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


def states_in(text: str) -> frozenset[str]:
    """The state codes named in ``text`` (a party's side of "A v. B"), whatever its accents."""
    names = _codes_by_name()
    return frozenset(code for m in _state_pattern().finditer(fold(text)) for code in names[m.group(0)])


@cache
def _title_words(case: IcjCase) -> frozenset[str]:
    title = re.sub(r"\([^()]*\)\s*$", "", case.name_en) + " " + re.sub(r"\([^()]*\)\s*$", "", case.name_fr)
    return frozenset(w for w in re.findall(r"\w{4,}", title.lower()))


@lru_cache(maxsize=1024)
def cases_for_parties(applicant: str, respondent: str) -> tuple[IcjCase, ...]:
    """The contentious cases with a party named in ``applicant`` against one named in ``respondent``."""
    a, b = states_in(applicant), states_in(respondent)
    if not a or not b:
        return ()
    return tuple(c for c in ICJ_CASES if a & set(c.applicant) and b & set(c.respondent))


def _decided_on(case: IcjCase, date: str, kind: str = "") -> bool:
    return any(d == date and (not kind or k == kind) for d, k in case.decisions)


def choose_case(candidates: tuple[IcjCase, ...], text: str, date: str = "", previous: int | None = None) -> int | None:
    """One case among several with the same parties, or ``None`` when the text cannot tell.

    The words of each title that the others lack decide first, then a decision of that
    date in the table, then the case the document named last.
    """
    if len(candidates) <= 1:
        return candidates[0].number if candidates else None
    words = set(re.findall(r"\w{4,}", text.lower()))
    every = frozenset.intersection(*(_title_words(c) for c in candidates))
    scores = [(len((_title_words(c) - every) & words), c.number) for c in candidates]
    best = max(s for s, _ in scores)
    leaders = [n for s, n in scores if s == best]
    if best and len(leaders) == 1:
        return leaders[0]
    dated = [c.number for c in candidates if c.number in leaders and date and _decided_on(c, date)]
    if len(dated) == 1:
        return dated[0]
    return previous if previous in leaders else None


def _by_number(number: int) -> IcjCase | None:
    return next((c for c in ICJ_CASES if c.number == number), None)


def _iso(text: str) -> str:
    m = _DATE_PARTS.match(text)
    assert m is not None  # only called on text DATE matched
    day, month, year = m.groups()
    return f"{year}-{MONTHS[month.lower()]:02d}-{int(day):02d}"


def _kind(word: str) -> str:
    w = word.lower()
    if w.startswith(("judgment", "arrêt", "arrest")):
        return "judgment"
    if w.startswith(("advisory", "avis", "advie")):
        return "advisory-opinion"
    if w.startswith("decision"):
        return ""  # the table says which kind of decision that date was
    return "order"


def _unique_case(date: str, kind: str) -> int | None:
    hits = [c.number for c in ICJ_CASES if _decided_on(c, date, kind)]
    return hits[0] if len(hits) == 1 else None


def _known_kind(number: int, date: str) -> str:
    case = _by_number(number)
    return next((k for d, k in case.decisions if d == date), "") if case else ""


def _case_named(text: str, previous: int | None, date: str = "", folded: str | None = None) -> int | None:
    """The case ``text`` names by its number, or by its parties (the last one named wins).

    ``folded``, when given, is ``_fold_case(text)``: patterns whose cues it lacks are not run.
    """
    number = None
    if folded is None or _any_in(_GENERAL_LIST_CUES, folded):
        for m in GENERAL_LIST.finditer(text):
            if _by_number(int(m.group("n"))):
                number = int(m.group("n"))
    named = [*PARTIES.finditer(text)]
    if folded is None or _any_in(_INSTITUTED_CUES, folded):
        named.extend(INSTITUTED.finditer(text))
    for m in sorted(named, key=lambda m: m.start()):
        chosen = choose_case(cases_for_parties(m.group("a"), m.group("b")), text, date, previous)
        number = chosen or number
    return number


def _case_named_after(text: str, end: int, stop: int, date: str, previous: int | None) -> int | None:
    """The case a decision ending at ``end`` says it was given in ("… in <case> (A v. B)").

    Only read when the words after the decision are "in", "dans", "en" or "inzake", up to
    ``stop`` (the next decision) and ``_AFTER_WINDOW`` characters; the first case named wins.
    Or when a comma and the case's title follow, its parties closing it ("arrêt du
    26 février 2007, Application de la convention … (Bosnie-Herzégovine c. Serbie-et-Monténégro)").
    """
    if _IN_CASE.match(text, end) is None:
        titled = _TITLE_AFTER.match(text, end, min(stop, end + _AFTER_WINDOW))
        parties = PARTIES.match(text, titled.end()) if titled else None
        if titled is None or parties is None:
            return None
        cases = cases_for_parties(parties.group("a"), parties.group("b"))
        return choose_case(cases, text[end : parties.end()], date, previous)
    after = text[end : min(stop, end + _AFTER_WINDOW)]
    bare = BARE_PARTIES.match(after)
    named = [*PARTIES.finditer(after), *INSTITUTED.finditer(after), *([bare] if bare else [])]
    for m in sorted(named, key=lambda m: m.start()):
        chosen = choose_case(cases_for_parties(m.group("a"), m.group("b")), after, date, previous)
        if chosen:
            return chosen
    return None


def _may_name_the_court(text: str) -> bool:
    # Substring tests first: COURT is a case-insensitive alternation, which the regex
    # engine scans slowly, and most passages name no court at all.
    lower = text.lower()
    return "justice" in lower or "gerechtshof" in lower or any(a in text for a in _ABBREVIATIONS)


def _refers_to_the_court(text: str) -> bool:
    return any(phrase in text for phrase in _THE_COURT)


def find_in_text(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
    may_name = _may_name_the_court(text)
    if not may_name and not (context.icj_case and _refers_to_the_court(text)):
        return (), context
    # Most passages that get here are read in their case-folded form (see _fold_case).
    folded = _fold_case(text)
    if not may_name:
        courts = []
    elif folded is None:
        courts = list(COURT.finditer(text))
    else:
        courts = list(_COURT_FOLDED.finditer(folded))
    if not courts and not (context.icj_case and _refers_to_the_court(text)):
        return (), context
    if courts:
        end = courts[-1].end() + 400
        named = _case_named(text[:end], context.icj_case, folded=None if folded is None else folded[:end])
        if named:
            context = replace(context, icj_case=named)
    matches: list[IdentifierMatch] = []
    decisions = list(DECISION.finditer(text) if folded is None else _DECISION_FOLDED.finditer(folded))
    for index, d in enumerate(decisions):
        start, end = d.start(), d.end()
        stop = decisions[index + 1].start() if index + 1 < len(decisions) else len(text)
        window = max(0, start - 300)
        court_after = _COURT_AFTER.match(text, end)
        if court_after is None and not _about_the_icj(text[window:end], None if folded is None else folded[window:end]):
            continue
        case_from = court_after.end() if court_after else end  # the case may follow the Court
        kind = _kind(text[d.start("word") : d.end("word")])
        for date_text in re.findall(DATE, text[d.start("dates") : d.end("dates")], flags=re.I):
            date = _iso(date_text)
            local = max(0, start - 400)
            number = (
                _case_named_after(text, case_from, stop, date, context.icj_case)
                or _case_named(
                    text[local:start], context.icj_case, date, None if folded is None else folded[local:start]
                )
                or context.icj_case
                or _unique_case(date, kind)
            )
            if number is None:
                continue
            decision_kind = kind or _known_kind(number, date)
            if not decision_kind:
                continue
            key = f"icj:{number}:{decision_kind}:{date}"
            matches.append(
                IdentifierMatch(
                    key=key,
                    type=SCHEME,
                    url=url_for(key, context.language),
                    start=start,
                    end=end,
                    raw=text[start:end],
                )
            )
            context = replace(context, icj_case=number)
    return tuple(matches), context


def _about_the_icj(before: str, folded: str | None = None) -> bool:
    """Whether the nearest court named before a decision is the ICJ (or "the Court").

    ``folded``, when given, is ``_fold_case(before)``, searched instead with the same result.
    """
    if folded is None:
        nearest_court = max((c.end() for c in COURT.finditer(before)), default=-1)
        nearest_other = max((c.end() for c in OTHER_COURT.finditer(before)), default=-1)
    else:
        nearest_court = max((c.end() for c in _COURT_FOLDED.finditer(folded)), default=-1)
        others = OTHER_COURT.finditer(before) if _any_in(_OTHER_COURT_CUES, folded) else ()
        nearest_other = max((c.end() for c in others), default=-1)
    if nearest_court < 0 and not _refers_to_the_court(before):
        return False
    return nearest_other <= nearest_court


def from_url(url: str) -> IdentifierMatch | None:
    return match_url(URL_ROWS, url, type=SCHEME)


def url_for(key: str, language: str | None = None) -> str | None:
    parts = key.partition(":")[2].split(":")
    number = int(parts[0])
    if len(parts) == 3 and parts[1] in DECISION_CODES:
        day = parts[2].replace("-", "")
        # English file: every decision has one, while French and bilingual files vary by era.
        return DECISION_URL.format(number=number, day=day, code=DECISION_CODES[parts[1]], lang="en")
    return CASE_URL.format(number=number)


# The same test as _may_name_the_court(text) or _refers_to_the_court(text), as data.
may_hold = Cues(cased=(*_ABBREVIATIONS, *_THE_COURT), folded=("justice", "gerechtshof"))


SOURCE = Source(scheme=SCHEME, find_in_text=find_in_text, from_url=from_url, url_for=url_for, may_hold=may_hold)
