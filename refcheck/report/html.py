"""Render a Report as one self-contained HTML file for editors.

The file must open anywhere, offline, years later, and be mailed as an attachment:
so its CSS and JavaScript are inline and it loads nothing (no fonts, scripts or
images). A Content-Security-Policy with ``default-src 'none'`` and the hashes of the
one inline style and script makes that a guarantee rather than a habit, and stops
any markup smuggled in through cited text from running. Templates are rendered by
jinja2 with autoescaping on; only http(s) addresses become links.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

import jinja2

from refcheck.models import Citation, Status, Unresolved
from refcheck.report._model import STATUS_ORDER, Entry, Fix, FixKind, Report, unresolved_fix
from refcheck.report._text import (
    NOT_CHECKED,
    cited_as,
    evidence,
    format_location,
    status_meaning,
    status_tone,
    status_word,
)

TEMPLATE = "report.html.j2"

#: A symbol per colour family, shown beside the status word (never instead of it).
TONE_ICON = {"dead": "✕", "warn": "!", "editor": "✎", "info": "↪", "ok": "✓", "muted": "–"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A link to render; ``href`` is None when the address is not http(s)."""

    text: str
    href: str | None
    original: str | None = None
    version: str | None = None
    version_date: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One table row, already in words: the template only lays it out."""

    status: str
    meaning: str
    tone: str
    icon: str
    rank: int
    attention: bool
    dead: bool
    source: Link | None
    title: str | None
    key: str
    cited_as: str | None
    places: tuple[str, ...]
    documents: tuple[str, ...]
    evidence: str
    redirects: tuple[str, ...]
    fix_text: str | None
    fix_link: Link | None
    robust_link: Link | None
    tentative: bool


def is_web_url(url: str | None) -> bool:
    """True for an http(s) address, the only kind the report turns into a link."""
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


def _link(text: str, url: str | None) -> Link:
    return Link(text=text, href=url if is_web_url(url) else None)


def _fix_links(fix: Fix | None) -> tuple[Link | None, Link | None]:
    if fix is None or fix.url is None:
        return None, None
    if fix.kind is FixKind.ARCHIVED and fix.original_url and is_web_url(fix.url):
        when = fix.version_date.isoformat() if fix.version_date else None
        label = f"archived copy of {when}" if when else "archived copy"
        # Robust Links (robustlinks.mementoweb.org): the link to the memento carries
        # the original; the link to the original carries the memento and its date.
        to_memento = Link(text=label, href=fix.url, original=fix.original_url, version_date=when)
        to_original = Link(
            text=fix.original_url,
            href=fix.original_url if is_web_url(fix.original_url) else None,
            original=fix.original_url,
            version=fix.url,
            version_date=when,
        )
        return to_memento, to_original
    return _link(fix.url, fix.url), None


def _rank(status: Status | None) -> int:
    return STATUS_ORDER.index(status) if status is not None else len(STATUS_ORDER)


def _places(citations: tuple[Citation, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    places = tuple(format_location(c.location) for c in citations)
    documents = tuple(dict.fromkeys(c.location.document for c in citations))
    return places, documents


def _entry_row(entry: Entry) -> Row:
    ref = entry.reference
    places, documents = _places(ref.citations)
    fix_link, robust = _fix_links(entry.fix)
    return Row(
        status=status_word(entry),
        meaning=status_meaning(entry),
        tone=status_tone(entry),
        icon=TONE_ICON[status_tone(entry)],
        rank=_rank(entry.status),
        attention=not entry.accepted and (entry.status not in (Status.ALIVE, Status.EXCLUDED) or entry.fix is not None),
        dead=entry.is_dead,
        source=_link(ref.url, ref.url) if ref.url else None,
        title=ref.title,
        key=ref.key,
        cited_as=cited_as(ref.citations, ref.url),
        places=places,
        documents=documents,
        evidence=evidence(entry),
        redirects=entry.result.redirects if entry.result else (),
        fix_text=entry.fix.text if entry.fix else None,
        fix_link=fix_link,
        robust_link=robust,
        tentative=bool(entry.fix and entry.fix.tentative),
    )


def _unresolved_row(item: Unresolved) -> Row:
    places, documents = _places(item.citations)
    fix = unresolved_fix(item)
    return Row(
        status=Status.UNRESOLVED.value,
        meaning="needs an editor: no address",
        tone="editor",
        icon=TONE_ICON["editor"],
        rank=_rank(Status.UNRESOLVED),
        attention=True,
        dead=False,
        source=None,
        title=item.text,
        key="",
        cited_as=None,
        places=places,
        documents=documents,
        evidence=item.why,
        redirects=(),
        fix_text=fix.text,
        fix_link=None,
        robust_link=None,
        tentative=False,
    )


def build_rows(report: Report) -> list[Row]:
    """The table rows: references in report order, then the unresolved citations."""
    return [*(_entry_row(e) for e in report.entries()), *(_unresolved_row(u) for u in report.unresolved)]


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _asset(name: str) -> str:
    return resources.files("refcheck.report").joinpath("templates", name).read_text(encoding="utf-8")


def render_html(report: Report) -> str:
    """Render ``report`` as one self-contained HTML page; pure.

    Args:
        report: the report to render.

    Returns:
        The HTML document, ending with a newline.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("refcheck.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css = _asset("report.css")
    js = _asset("report.js")
    rows = build_rows(report)
    # The summary tiles filter on these four, so they are offered even when absent.
    present = {r.status for r in rows} | {"blocked", "redirected", "unresolved", "alive"}
    statuses: list[str] = [s.value for s in STATUS_ORDER if s.value in present]
    if NOT_CHECKED in present:
        statuses.append(NOT_CHECKED)
    documents = sorted({d for r in rows for d in r.documents})
    csp = f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; img-src data:"
    return env.get_template(TEMPLATE).render(
        report=report,
        summary=report.summary(),
        changes=report.changes,
        rows=rows,
        statuses=statuses,
        documents=documents,
        css=css,
        js=js,
        csp=csp,
    )
