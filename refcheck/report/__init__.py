"""Reports of a run for editors (HTML, Markdown), machines (JSON, CSV, SARIF) and CI.

Every format renders the same frozen ``Report`` with a pure function; ``write_reports``
is the one place that touches the disk, writing each file atomically so a reader (or
an artifact upload) never sees half a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from refcheck._files import write_atomic
from refcheck.report._model import Change, Changes, Entry, Fix, FixKind, Report, build_report, suggest_fix
from refcheck.report.csv import render_csv
from refcheck.report.html import render_html
from refcheck.report.json import render_json
from refcheck.report.markdown import render_markdown
from refcheck.report.policy import Verdict, judge
from refcheck.report.sarif import render_sarif

#: Format name (as in ``[report] formats``) -> (file suffix, renderer).
RENDERERS: tuple[tuple[str, str, Callable[[Report], str]], ...] = (
    ("html", ".html", render_html),
    ("md", ".md", render_markdown),
    ("json", ".json", render_json),
    ("csv", ".csv", render_csv),
    ("sarif", ".sarif", render_sarif),
)

REPORT_STEM = "refcheck"


def write_reports(report: Report, directory: Path, formats: Iterable[str]) -> list[Path]:
    """Render ``report`` in each of ``formats`` into ``directory`` (``refcheck.<suffix>``).

    Args:
        report: the report.
        directory: the report directory; created if missing.
        formats: format names among html, md, json, csv, sarif.

    Returns:
        The files written, in the order of ``RENDERERS``.
    """
    wanted = set(formats)
    written = []
    for name, suffix, render in RENDERERS:
        if name in wanted:
            path = directory / f"{REPORT_STEM}{suffix}"
            write_atomic(path, render(report).encode("utf-8"))
            written.append(path)
    return written


__all__ = [
    "RENDERERS",
    "Change",
    "Changes",
    "Entry",
    "Fix",
    "FixKind",
    "Report",
    "Verdict",
    "build_report",
    "judge",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_sarif",
    "suggest_fix",
    "write_reports",
]
