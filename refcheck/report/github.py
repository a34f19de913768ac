"""Speak to GitHub Actions: the job summary and annotations on the citing lines.

When ``GITHUB_ACTIONS=true``, the Markdown report is appended to the file named by
``$GITHUB_STEP_SUMMARY`` (GitHub shows it on the run's page; it accepts at most 1 MiB
per step, so a longer report is cut at a line and says so), and workflow commands
(``::error file=…,line=…,title=…::message``) put an annotation on each line that
cites a dead source (a warning for a blocked one). Values are escaped as the
workflow command rules require: ``%``, CR and LF in the message; also ``:`` and
``,`` in properties, which would otherwise end a property early.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from refcheck.models import Citation, Status
from refcheck.report._model import Entry, Report
from refcheck.report._text import evidence, format_location, status_meaning
from refcheck.report.sarif import is_line_document

#: GitHub's limit on one step's summary.
STEP_SUMMARY_MAX_BYTES = 1024 * 1024
TRUNCATED_NOTE = "\n\n_The report was cut to fit GitHub's 1 MiB job summary; the full report is in the artifacts._\n"


def is_github_actions(env: Mapping[str, str]) -> bool:
    """True when running as a GitHub Actions step."""
    return env.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, properties: Mapping[str, str | int | None]) -> str:
    """``::command k=v,k=v::message`` with every part escaped; None values left out."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def _repo_path(document: str, workspace: str | None) -> str:
    # Annotations need a path relative to the repository; a document given as an
    # absolute path under the workspace is made relative to it.
    path = Path(document)
    if workspace and path.is_absolute():
        try:
            return path.relative_to(workspace).as_posix()
        except ValueError:
            return document
    return path.as_posix()


def _annotation(entry: Entry, citation: Citation, workspace: str | None) -> str:
    command = "warning" if entry.status is Status.BLOCKED else "error"
    ref = entry.reference
    loc = citation.location
    line = loc.line if loc.page is None and is_line_document(loc.document) else None
    parts = [status_meaning(entry), evidence(entry), f"Cited at {format_location(loc)}"]
    if entry.fix is not None:
        parts.append(f"Suggested fix: {entry.fix.text}" + (f" ({entry.fix.url})" if entry.fix.url else ""))
    title = f"{entry.status.value if entry.status else 'unknown'}: {ref.url or ref.key}"
    return workflow_command(
        command,
        ". ".join(p.rstrip(".") for p in parts if p) + ".",
        {"file": _repo_path(loc.document, workspace), "line": line, "title": title},
    )


def annotation_commands(report: Report, workspace: str | None = None) -> list[str]:
    """Workflow commands for every citation of a dead (error) or blocked (warning) source."""
    out: list[str] = []
    for entry in report.entries():
        if entry.is_dead or (entry.status is Status.BLOCKED and not entry.accepted):
            out.extend(_annotation(entry, c, workspace) for c in entry.reference.citations)
    return out


def fit_step_summary(markdown: str, limit: int = STEP_SUMMARY_MAX_BYTES) -> str:
    """Cut ``markdown`` at a line so that it fits GitHub's job summary limit."""
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown
    room = limit - len(TRUNCATED_NOTE.encode("utf-8"))
    head = data[:room].decode("utf-8", errors="ignore")
    return head[: head.rfind("\n") + 1] + TRUNCATED_NOTE


def publish_to_github(report: Report, markdown: str, env: Mapping[str, str], out: TextIO) -> bool:
    """In GitHub Actions, append ``markdown`` to the job summary and print annotations.

    Args:
        report: the run's report (for the annotations).
        markdown: the rendered Markdown report.
        env: the environment (``os.environ`` in production).
        out: where workflow commands go (standard output in production).

    Returns:
        True when running in GitHub Actions (and so something was published).
    """
    if not is_github_actions(env):
        return False
    if summary := env.get("GITHUB_STEP_SUMMARY"):
        # Appending, not replacing: earlier steps of the job may have written to it.
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(fit_step_summary(markdown))
    for line in annotation_commands(report, env.get("GITHUB_WORKSPACE") or os.getcwd()):
        out.write(line + "\n")
    return True
