"""Recognise document identifiers and give each its canonical URL.

A table of frozen rows per source (pattern, key template, URL template), run over
prose in document order. The ICJ resolver keys on the court and on the parties' order
(180 Armenia v. Azerbaijan, 181 Azerbaijan v. Armenia), never on "Order of" alone,
which other tribunals use too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import unquote

from refcheck.resolve._types import IdentifierMatch, ScanContext

__all__ = ["find_identifiers", "identifier_from_url", "url_for_key"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One recogniser: a regex over prose and how its match becomes a key."""

    type: str
    pattern: re.Pattern[str]
    key: str  # format string over the match's named groups


UN_PREFIX = r"(?:A|S|E|ST|CAT|CCPR|CERD|CEDAW|CRC|CRPD|CMW|CED|HRI|DP|TD|UNEP|ECE|E/C\.12)"
ROWS: tuple[Row, ...] = (
    # CAT/C/AZE/CO/5, S/2020/1104, A/HRC/44/L.18/Rev.1, A/RES/78/213
    Row(
        type="un",
        pattern=re.compile(
            rf"(?<![\w/.])(?P<id>{UN_PREFIX}/(?:[A-Z0-9]+(?:\.[0-9]+)?(?:\([A-Z0-9]+\))?/)+(?:[A-Z]+\.)?\d+[A-Z0-9]*"
            r"(?:/(?:Add|Rev|Corr|Amend)\.\d+)*)(?![\w/])"
        ),
        key="un:{id}",
    ),
    # 2023/2879(RSP)
    Row(
        type="ep",
        pattern=re.compile(
            r"\b(?P<id>(?:19|20)\d{2}/\d{4}[A-Z]?)\s?\((?P<t>COD|CNS|APP|NLE|INI|INL|RSP|BUD|DEC|IMM|REG|RSO|RPS|ACI|AVC|SYN|COS|DEA|DCE|INS|BUI)\)"
        ),
        key="ep:{id}({t})",
    ),
    # P9_TA(2023)0356
    Row(type="ep", pattern=re.compile(r"\b(?P<id>P\d{1,2}_TA(?:-PROV)?\(\d{4}\)\d{4})\b"), key="ep:ta:{id}"),
    # DOC 55 1597/001 (not the page header "110589/001DOC 56")
    Row(
        type="be-chamber",
        pattern=re.compile(r"\bDOC\s+(?P<leg>\d{2})\s+(?P<num>\d{4})/(?P<part>\d{3})\b"),
        key="be-chamber:{leg}/{num}/{part}",
    ),
    # Parl. St. Kamer 54-3119/001
    Row(
        type="be-chamber",
        pattern=re.compile(r"Parl\.\s*St\.\s*Kamer[^,;]{0,20}?(?P<leg>\d{2})-(?P<num>\d{1,4})/(?P<part>\d{1,3})\b"),
        key="be-chamber:{leg}/{num:0>4}/{part:0>3}",
    ),
    # ECLI:EU:C:1979:42
    Row(
        type="ecli",
        pattern=re.compile(r"\b(?P<id>ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]{0,24}[A-Z0-9])"),
        key="ecli:{id}",
    ),
    # CELEX: 32016R0679 (only with the cue)
    Row(
        type="celex",
        pattern=re.compile(r"CELEX[:\s]*(?:n[o°]\s*)?(?P<id>[0-9CE]\d{4}[A-Z]{1,2}\d{4}(?:\(\d{2}\))?)"),
        key="celex:{id}",
    ),
    # HUDOC item ids written out: 001-12345, 003-7528728-10337270
    Row(type="echr", pattern=re.compile(r"(?<![\d-])(?P<id>00[1-9]-\d{3,8}(?:-\d{3,9})?)(?![\d-])"), key="echr:{id}"),
)

_UN_LANGS = ("en", "fr", "es", "ar", "ru", "zh")
_EUR_LANGS = {"fr": "FR", "nl": "NL", "de": "DE"}


@dataclass(frozen=True, slots=True, kw_only=True)
class IcjCase:
    """A row of the ICJ General List: number, names, parties (applicant first) and known decisions."""

    number: int
    name: str
    applicant: tuple[str, ...]
    respondent: tuple[str, ...]
    decisions: tuple[tuple[str, str], ...] = ()


ARMENIA = ("armenia", "arménie", "armenië")
AZERBAIJAN = ("azerbaijan", "azerbaïdjan", "azerbeidzjan")
UKRAINE = ("ukraine", "oekraïne")
RUSSIA = ("russian federation", "russia", "fédération de russie", "russische federatie")
ICJ_CASES: tuple[IcjCase, ...] = (
    IcjCase(
        number=180,
        name="Application of CERD (Armenia v. Azerbaijan)",
        applicant=ARMENIA,
        respondent=AZERBAIJAN,
        decisions=(("2021-12-07", "order"), ("2023-02-22", "order"), ("2023-07-06", "order"), ("2023-11-17", "order")),
    ),
    IcjCase(
        number=181,
        name="Application of CERD (Azerbaijan v. Armenia)",
        applicant=AZERBAIJAN,
        respondent=ARMENIA,
        decisions=(("2021-12-07", "order"), ("2023-02-22", "order"), ("2023-07-06", "order")),
    ),
    IcjCase(
        number=182,
        name="Allegations of Genocide (Ukraine v. Russian Federation)",
        applicant=UKRAINE,
        respondent=RUSSIA,
        decisions=(("2022-03-16", "order"), ("2024-02-02", "judgment")),
    ),
    IcjCase(
        number=166,
        name="Application of ICSFT and CERD (Ukraine v. Russian Federation)",
        applicant=UKRAINE,
        respondent=RUSSIA,
        decisions=(("2017-04-19", "order"), ("2024-01-31", "judgment")),
    ),
    IcjCase(
        number=178,
        name="Application of the Genocide Convention (The Gambia v. Myanmar)",
        applicant=("gambia", "the gambia", "gambie"),
        respondent=("myanmar",),
        decisions=(("2020-01-23", "order"), ("2022-07-22", "judgment")),
    ),
    IcjCase(
        number=192,
        name="Application of the Genocide Convention in the Gaza Strip (South Africa v. Israel)",
        applicant=("south africa", "afrique du sud", "zuid-afrika"),
        respondent=("israel", "israël"),
        decisions=(("2024-01-26", "order"), ("2024-03-28", "order"), ("2024-05-24", "order")),
    ),
)

_COURT = re.compile(
    r"(?i)\b(?:International Court of Justice|Cour internationale de Justice|Internationaal Gerechtshof)\b|\b(?:ICJ|CIJ|IGH|I\.C\.J\.|C\.I\.J\.)"
)
_OTHER_COURT = re.compile(
    r"(?i)International Criminal Court|Cour pénale internationale|Internationaal Strafhof|Cour européenne|European Court|Europees Hof|ITLOS|Tribunal"
)
_MONTHS = {
    **dict.fromkeys(("january", "janvier", "januari"), 1),
    **dict.fromkeys(("february", "février", "februari"), 2),
    **dict.fromkeys(("march", "mars", "maart"), 3),
    **dict.fromkeys(("april", "avril"), 4),
    **dict.fromkeys(("may", "mai", "mei"), 5),
    **dict.fromkeys(("june", "juin", "juni"), 6),
    **dict.fromkeys(("july", "juillet", "juli"), 7),
    **dict.fromkeys(("august", "août", "augustus"), 8),
    **dict.fromkeys(("september", "septembre"), 9),
    **dict.fromkeys(("october", "octobre", "oktober"), 10),
    **dict.fromkeys(("november", "novembre"), 11),
    **dict.fromkeys(("december", "décembre"), 12),
}
_DATE = r"\d{1,2}(?:er)?\s+(?:" + "|".join(_MONTHS) + r")\s+\d{4}"
_DECISION = re.compile(
    rf"(?i)\b(?P<word>orders?|judgments?|ordonnances?|arrêts?|beschikkingen|beschikking|arresten|arrest|decisions?)\b"
    rf"(?P<between>[^.;]{{0,90}}?)\b(?:of|du|des|van|dated|that of)\s+(?P<dates>{_DATE}(?:\s*(?:,|and|et|en)\s*{_DATE})*)"
)
_PARTIES = re.compile(r"\((?P<a>[^()]{2,60}?)\s+(?:v\.|c\.|t\.|tegen)\s+(?P<b>[^()]{2,60}?)\)")
_INSTITUTED = re.compile(r"(?i)instituted by (?P<a>[A-Z][\w ]{2,40}?) against (?P<b>[A-Z][\w ]{2,40}?)\b(?: in|,|\.)")


def _iso(text: str) -> str:
    day, month, year = re.match(r"(\d{1,2})(?:er)?\s+(\S+)\s+(\d{4})", text).groups()  # type: ignore[union-attr]
    return f"{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"


def _case_for_parties(a: str, b: str) -> int | None:
    a, b = a.strip().lower(), b.strip().lower()
    for case in ICJ_CASES:
        if any(p in a for p in case.applicant) and any(p in b for p in case.respondent):
            return case.number
    return None


def _decision_type(word: str) -> str:
    w = word.lower()
    if w.startswith(("judgment", "arrêt", "arrest")):
        return "judgment"
    if w.startswith("decision"):
        return ""
    return "order"


def _find_icj(text: str, context: ScanContext) -> tuple[list[IdentifierMatch], ScanContext]:
    matches: list[IdentifierMatch] = []
    courts = list(_COURT.finditer(text))
    for m in list(_PARTIES.finditer(text)) + list(_INSTITUTED.finditer(text)):
        case = _case_for_parties(m.group("a"), m.group("b"))
        if case and any(c.start() < m.start() + 400 for c in courts + [*_refs_to_court(text, courts)]):
            context = replace(context, icj_case=case)
    if not courts and not (context.icj_case and re.search(r"\bthe Court\b", text)):
        return matches, context
    for d in _DECISION.finditer(text):
        before = text[max(0, d.start() - 300) : d.end()]
        nearest_court = max((c.end() for c in _COURT.finditer(before)), default=-1)
        nearest_other = max((c.end() for c in _OTHER_COURT.finditer(before)), default=-1)
        if nearest_court < 0 and not re.search(r"\bthe Court\b", before):
            continue
        if nearest_other > nearest_court:
            continue
        local = text[max(0, d.start() - 400) : d.start()]
        case = None
        for p in list(_PARTIES.finditer(local)) + list(_INSTITUTED.finditer(local)):
            case = _case_for_parties(p.group("a"), p.group("b")) or case
        kind = _decision_type(d.group("word"))
        for date_text in re.findall(_DATE, d.group("dates"), flags=re.I):
            date = _iso(date_text)
            number = case or context.icj_case or _unique_case(date, kind)
            if number is None:
                continue
            decision = kind or _known_type(number, date)
            if not decision:
                continue
            matches.append(
                IdentifierMatch(
                    key=f"icj:{number}:{decision}:{date}",
                    type="icj",
                    url=url_for_key(f"icj:{number}:{decision}:{date}", context.language),
                    start=d.start(),
                    end=d.end(),
                    raw=text[d.start() : d.end()],
                )
            )
            context = replace(context, icj_case=number)
    return matches, context


def _refs_to_court(text: str, courts: list[re.Match[str]]) -> list[re.Match[str]]:
    return list(re.finditer(r"\bthe Court\b", text)) if courts else []


def _unique_case(date: str, kind: str) -> int | None:
    hits = [c.number for c in ICJ_CASES if any(d == date and (not kind or t == kind) for d, t in c.decisions)]
    return hits[0] if len(hits) == 1 else None


def _known_type(number: int, date: str) -> str:
    for case in ICJ_CASES:
        if case.number == number:
            return next((t for d, t in case.decisions if d == date), "")
    return ""


def find_identifiers(text: str, context: ScanContext) -> tuple[tuple[IdentifierMatch, ...], ScanContext]:
    """Find every identifier in ``text``; overlapping matches keep the longer one.

    Args:
        text: a paragraph or footnote, line breaks joined by spaces.
        context: what earlier passages of the document established.

    Returns:
        The matches in order, and the context for the next passage.
    """
    found: list[IdentifierMatch] = []
    for row in ROWS:
        for m in row.pattern.finditer(text):
            key = row.key.format(**m.groupdict())
            if row.type == "un" and not re.search(r"\d", key.split("/", 1)[1]):
                continue
            found.append(
                IdentifierMatch(
                    key=key,
                    type=row.type,
                    url=url_for_key(key, context.language),
                    start=m.start(),
                    end=m.end(),
                    raw=m.group(0),
                )
            )
    icj, context = _find_icj(text, context)
    found.extend(icj)
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    kept: list[IdentifierMatch] = []
    for match in found:
        if match.type != "icj" and any(k.start < match.end and match.start < k.end and k.type != "icj" for k in kept):
            continue
        if match.key in {k.key for k in kept if k.start == match.start}:
            continue
        kept.append(match)
    return tuple(kept), context


_URL_ROWS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "echr",
        re.compile(
            r"(?i)hudoc\.echr\.coe\.int/.*?(?:[?&]i=|%22itemid%22:\[%22|\"itemid\":\[\")(?P<id>00[1-9]-\d{3,8}(?:-\d{3,9})?)"
        ),
        "echr:{id}",
    ),
    ("doi", re.compile(r"(?i)^https?://(?:dx\.)?doi\.org/(?P<id>10\.\d{4,9}/\S+)$"), "doi:{id}"),
    (
        "un",
        re.compile(r"(?i)^https?://(?:docs\.un\.org|undocs\.org)/(?:(?:en|fr|es|ar|ru|zh)/)?(?P<id>[A-Z].+?)/?$"),
        "un:{id}",
    ),
    (
        "ep",
        re.compile(r"(?i)procedure-file\?reference=(?P<id>\d{4}/\d{4}[A-Z]?)(?:\(|%28)(?P<t>[A-Z]{3})"),
        "ep:{id}({t})",
    ),
    (
        "be-chamber",
        re.compile(
            r"(?i)(?:lachambre|dekamer)\.be/FLWB/PDF/(?P<leg>\d{2})/(?P<num>\d{4})/\d{2}K\d{4}(?P<part>\d{3})\.pdf"
        ),
        "be-chamber:{leg}/{num}/{part}",
    ),
    (
        "celex",
        re.compile(r"(?i)eur-lex\.europa\.eu/.*uri=CELEX(?::|%3A)(?P<id>[0-9CE]\d{4}[A-Z]{1,2}\d{4})"),
        "celex:{id}",
    ),
    ("ecli", re.compile(r"(?i)uri=ecli(?::|%3A)(?P<id>ECLI(?::|%3A)[A-Z0-9:.%]+)"), "ecli:{id}"),
    (
        "icj",
        re.compile(
            r"(?i)icj-cij\.org/.*case-related/(?P<n>\d+)/\d{3}-(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)-(?P<t>ord|jud)-01-00-"
        ),
        "icj:{n}:{t}:{y}-{m}-{d}",
    ),
    ("icj", re.compile(r"(?i)icj-cij\.org/case/(?P<n>\d+)/?$"), "icj:{n}"),
)


def identifier_from_url(url: str) -> IdentifierMatch | None:
    """Return the identifier a URL stands for (a HUDOC item, a DOI, a UN symbol …), if any."""
    for kind, pattern, template in _URL_ROWS:
        m = pattern.search(url)
        if m:
            groups = {k: unquote(v) for k, v in m.groupdict().items()}
            if kind == "icj":
                groups["t"] = {"ord": "order", "jud": "judgment"}.get(groups.get("t", "").lower(), groups.get("t", ""))
            key = template.format(**groups)
            if kind == "doi":
                key = key.lower()
            return IdentifierMatch(key=key, type=kind, url=url, start=0, end=0, raw=url)
    return None


def url_for_key(key: str, language: str | None = None) -> str | None:
    """Return the canonical URL of an identifier key, or ``None`` when none can be built."""
    scheme, _, rest = key.partition(":")
    if scheme == "un":
        lang = language if language in _UN_LANGS else "en"
        return f"https://docs.un.org/{lang}/{rest}"
    if scheme == "doi":
        return f"https://doi.org/{rest}"
    if scheme == "echr":
        page = "eng-press" if rest.startswith("003-") else "eng"
        return f"https://hudoc.echr.coe.int/{page}?i={rest}"
    if scheme == "be-chamber":
        leg, num, part = rest.split("/")
        return f"https://www.lachambre.be/FLWB/PDF/{leg}/{num}/{leg}K{num}{part}.pdf"
    if scheme == "ep":
        if rest.startswith("ta:"):
            m = re.match(r"ta:P(\d+)_TA(?:-PROV)?\((\d{4})\)(\d{4})", rest)
            return f"https://www.europarl.europa.eu/doceo/document/TA-{m[1]}-{m[2]}-{m[3]}_EN.html" if m else None
        return f"https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference={rest}"
    if scheme == "celex":
        return f"https://eur-lex.europa.eu/legal-content/{_EUR_LANGS.get(language or '', 'EN')}/TXT/?uri=CELEX:{rest}"
    if scheme == "ecli":
        country = rest.split(":")[1] if rest.count(":") >= 2 else ""
        if country == "EU":
            return f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli:{rest}"
        if country == "NL":
            return f"https://uitspraken.rechtspraak.nl/details?id={rest}"
        if country == "BE":
            return f"https://juportal.be/content/{rest}"
        return f"https://e-justice.europa.eu/ecli/{rest}"
    if scheme == "icj":
        parts = rest.split(":")
        number = int(parts[0])
        if len(parts) == 3:
            kind = {"order": "ord", "judgment": "jud"}[parts[1]]
            day = parts[2].replace("-", "")
            return f"https://www.icj-cij.org/sites/default/files/case-related/{number}/{number:03d}-{day}-{kind}-01-00-en.pdf"
        return f"https://www.icj-cij.org/case/{number}"
    return None
