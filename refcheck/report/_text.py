"""Words shared by every report format: status meanings, locations, evidence.

An editor reads the same sentence in the HTML, the Markdown summary and the CSV, so
the wording lives here once; a status is always shown in words (colour is extra).
"""

from __future__ import annotations

from refcheck.models import Citation, CitationKind, Location, Status
from refcheck.report._model import Entry

#: What each status means to an editor, next to the status word itself.
STATUS_MEANING: dict[Status, str] = {
    Status.ALIVE: "the source answers",
    Status.REDIRECTED: "the source moved",
    Status.BROKEN: "dead: not found or gone",
    Status.SERVER_ERROR: "dead: the server keeps failing",
    Status.BLOCKED: "unverifiable, not dead: the site refused an automated check",
    Status.SOFT_404: "dead: a 'not found' page or the site's home page",
    Status.TIMEOUT: "dead: no answer in time",
    Status.TLS_ERROR: "dead: the secure connection failed",
    Status.UNSAFE: "refused: a private or local address, or a bad scheme",
    Status.UNRESOLVED: "needs an editor: no address",
    Status.EXCLUDED: "excluded by configuration",
    Status.OFFLINE: "not judged: this machine was offline",
}

#: The word shown for a reference this run did not check.
NOT_CHECKED = "not-checked"

#: Colour families; the HTML maps them to colours, the Markdown to a symbol. Never
#: the only signal: the status word always goes with them.
STATUS_TONE: dict[Status, str] = {
    Status.ALIVE: "ok",
    Status.REDIRECTED: "info",
    Status.BROKEN: "dead",
    Status.SERVER_ERROR: "dead",
    Status.SOFT_404: "dead",
    Status.TIMEOUT: "dead",
    Status.TLS_ERROR: "dead",
    Status.BLOCKED: "warn",
    Status.UNSAFE: "warn",
    Status.UNRESOLVED: "editor",
    Status.EXCLUDED: "muted",
    Status.OFFLINE: "muted",
}


def status_word(entry: Entry) -> str:
    """The status as one word (``broken``), or ``not-checked``."""
    return entry.status.value if entry.status else NOT_CHECKED


def status_meaning(entry: Entry) -> str:
    """What the status means, with the redirect kind and an editor's acceptance."""
    if entry.status is None:
        return "this run did not check it"
    meaning = STATUS_MEANING[entry.status]
    if entry.status is Status.REDIRECTED and entry.result and entry.result.permanent_redirect:
        meaning = "the source moved permanently"
    if entry.accepted:
        meaning += " (accepted in references.toml)"
    return meaning


def status_tone(entry: Entry) -> str:
    """The colour family of the entry's status (accepted statuses are muted)."""
    if entry.status is None or entry.accepted:
        return "muted"
    return STATUS_TONE[entry.status]


def format_location(location: Location) -> str:
    """``draft.pdf, page 4, footnote 6, line 3 (fr)`` or ``notes.md, line 12``."""
    parts = [location.document]
    if location.page is not None:
        parts.append(f"page {location.page}")
    if location.footnote is not None:
        parts.append(f"footnote {location.footnote}")
    if location.line is not None:
        parts.append(f"line {location.line}")
    text = ", ".join(parts)
    return f"{text} ({location.language})" if location.language else text


def cited_as(citations: tuple[Citation, ...], repaired: str | None) -> str | None:
    """The text as written when it differs from the repaired URL (spaced, wrapped)."""
    for citation in citations:
        if citation.kind is CitationKind.URL and citation.raw != (citation.url or repaired):
            return citation.raw
    return None


def evidence(entry: Entry) -> str:
    """The evidence for the verdict: HTTP status, redirect target, the checker's words."""
    result = entry.result
    if result is None:
        return ""
    parts: list[str] = []
    if result.http_status is not None:
        parts.append(f"HTTP {result.http_status}")
    if result.final_url and result.final_url != result.url:
        parts.append(f"ends at {result.final_url}")
    if result.evidence:
        parts.append(result.evidence)
    if entry.history and entry.history.consecutive_failures > 1 and entry.is_dead:
        parts.append(f"failing for {entry.history.consecutive_failures} runs")
    if result.from_cache:
        parts.append("cached result")
    return "; ".join(parts)
