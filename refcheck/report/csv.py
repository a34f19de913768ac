"""Render a Report as CSV for spreadsheets: one row per citation.

One row per reference × citation (not per reference), because editors sort and
filter a spreadsheet by document and page to work through one document at a time; a
source cited three times is three rows with the same ``key``. Citations that need an
editor (no address) are rows too, with status ``unresolved``.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with an apostrophe: cited text comes
from documents written by others (OWASP "CSV injection"). Lines end with CRLF as
RFC 4180 says.
"""

from __future__ import annotations

import csv
import io

from refcheck.models import Citation
from refcheck.report._model import Entry, Fix, Report, unresolved_fix
from refcheck.report._text import evidence, status_meaning, status_word

COLUMNS = (
    "status",
    "meaning",
    "key",
    "document",
    "page",
    "footnote",
    "line",
    "language",
    "cited_as",
    "url",
    "http_status",
    "final_url",
    "evidence",
    "fix",
    "fix_url",
    "archived_date",
    "failing_runs",
    "checked_at",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _fix_cells(fix: Fix | None) -> tuple[str | None, str | None, str | None]:
    if fix is None:
        return None, None, None
    return fix.text, fix.url, fix.version_date.isoformat() if fix.version_date else None


def _citation_cells(citation: Citation) -> tuple[object, ...]:
    loc = citation.location
    return loc.document, loc.page, loc.footnote, loc.line, loc.language, citation.raw


def _entry_rows(entry: Entry) -> list[tuple[object, ...]]:
    result = entry.result
    history = entry.history
    rows = []
    for citation in entry.reference.citations:
        rows.append(
            (
                status_word(entry),
                status_meaning(entry),
                entry.reference.key,
                *_citation_cells(citation),
                citation.url or entry.reference.url,
                result.http_status if result else None,
                result.final_url if result else None,
                evidence(entry),
                *_fix_cells(entry.fix),
                history.consecutive_failures if history else None,
                result.checked_at.isoformat().replace("+00:00", "Z") if result else None,
            )
        )
    return rows


def render_csv(report: Report) -> str:
    """Render ``report`` as CSV with a header row; pure.

    Args:
        report: the report to render.

    Returns:
        CSV text (CRLF line ends), one row per reference × citation, then one row per
        unresolved citation.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in report.entries():
        writer.writerows([_cell(v) for v in row] for row in _entry_rows(entry))
    for item in report.unresolved:
        fix = unresolved_fix(item)
        for citation in item.citations:
            row = ("unresolved", fix.text, None, *_citation_cells(citation), citation.url, None, None, item.why)
            row += (*_fix_cells(fix), None, None)
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()
