"""Render a Report as GitHub-flavoured Markdown, for a pull request comment or a job summary.

The same content as the HTML report, in the form GitHub shows inline: the summary
line, the changes since the previous run, a table of the sources that need attention,
the citations that need an editor, and the alive sources folded away. Every cell is
escaped (``|`` and Markdown punctuation), because cited text is data written by
strangers and must not turn into links, emphasis or table columns.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from refcheck.models import Status
from refcheck.report._model import Change, Entry, Fix, FixKind, Report, unresolved_fix
from refcheck.report._text import cited_as, evidence, format_location, status_meaning, status_tone, status_word

#: A symbol per colour family, so the status stands out in plain text too.
TONE_SYMBOL = {"dead": "❌", "warn": "⚠️", "editor": "✍️", "info": "↪️", "ok": "✅", "muted": "➖"}

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that
# can start emphasis, links, code, HTML, entities or (|) table columns inside a cell.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~&!])")
_WHITESPACE = re.compile(r"\s+")


def escape_cell(text: str) -> str:
    """Escape ``text`` for a table cell: one line, no Markdown, no column breaks."""
    return _MD_SPECIAL.sub(r"\\\1", _WHITESPACE.sub(" ", text).strip())


def _link(text: str, url: str) -> str:
    # Percent-encode what would end or split the destination (space, <, >, |, parens)
    # and keep everything else as the reader expects to see it.
    safe = quote(url, safe="/:?#[]@!$&'*+,;=%~-._")
    return f"[{escape_cell(text)}](<{safe}>)"


def _fix_cell(fix: Fix | None) -> str:
    if fix is None:
        return ""
    if fix.url is None:
        return escape_cell(fix.text)
    label = {
        FixKind.ARCHIVED: "archived copy",
        FixKind.REDIRECT: "new address",
        FixKind.HTTPS: "https address",
    }.get(fix.kind, "link")
    return f"{escape_cell(fix.text)}: {_link(label, fix.url)}"


def _source_cell(entry: Entry) -> str:
    ref = entry.reference
    shown = ref.url or ref.key
    cell = _link(shown, ref.url) if ref.url else escape_cell(shown)
    if ref.title:
        cell = f"{escape_cell(ref.title)}<br>{cell}"
    if raw := cited_as(ref.citations, ref.url):
        cell += f"<br>as cited: {escape_cell(raw)}"
    if ref.url and ref.key != ref.url:
        cell += f"<br>key: {escape_cell(ref.key)}"
    return cell


def _status_cell(entry: Entry) -> str:
    return f"{TONE_SYMBOL[status_tone(entry)]} **{status_word(entry)}**<br>{escape_cell(status_meaning(entry))}"


def _where_cell(entry: Entry) -> str:
    return "<br>".join(escape_cell(format_location(c.location)) for c in entry.reference.citations)


def _entry_row(entry: Entry) -> str:
    cells = (_status_cell(entry), _source_cell(entry), _where_cell(entry), escape_cell(evidence(entry)))
    return "| " + " | ".join((*cells, _fix_cell(entry.fix))) + " |"


_TABLE_HEAD = "| Status | Source | Cited in | Evidence | Suggested fix |\n| --- | --- | --- | --- | --- |"


def _summary(report: Report) -> list[str]:
    s = report.summary()
    counts = (
        f"**{s.sources} sources** · **{s.dead} dead** · {s.blocked} blocked · {s.redirected} redirected · "
        f"{s.changed} changed · {s.unresolved} unresolved · {s.alive} alive"
    )
    run = report.run
    lines = [
        "# refcheck report",
        "",
        f"Run {escape_cell(run.id)}, started {run.started_at:%Y-%m-%d %H:%M} UTC; "
        f"report generated {report.generated_at:%Y-%m-%d %H:%M} UTC by refcheck {escape_cell(report.tool_version)}.",
        "",
        counts,
    ]
    if run.offline:
        lines += ["", "> **Offline:** this machine could not reach the network, so no source was judged."]
    return lines


def _change_items(title: str, items: tuple[Change, ...], with_runs: bool) -> list[str]:
    if not items:
        return []
    names = [escape_cell(c.key) + (f" ({c.runs} runs)" if with_runs else "") for c in items]
    return [f"- **{title} ({len(items)}):** " + ", ".join(names)]


def _changes(report: Report) -> list[str]:
    ch = report.changes
    lines = ["", "## Changes since the previous run", ""]
    if ch.is_empty():
        return [*lines, "Nothing changed."]
    return [
        *lines,
        *_change_items("Newly broken", ch.newly_broken, False),
        *_change_items("Fixed", ch.fixed, False),
        *_change_items("Content changed", ch.changed_content, False),
        *_change_items("Still broken", ch.still_broken, True),
    ]


def _is_problem(entry: Entry) -> bool:
    return not entry.accepted and (entry.status not in (Status.ALIVE, Status.EXCLUDED) or entry.fix is not None)


def _unresolved(report: Report) -> list[str]:
    if not report.unresolved:
        return []
    lines = ["", "## Citations that need an editor", "", "| Citation | Cited in | Why |", "| --- | --- | --- |"]
    for item in report.unresolved:
        where = "<br>".join(escape_cell(format_location(c.location)) for c in item.citations)
        lines.append(f"| ✍️ {escape_cell(item.text)} | {where} | {escape_cell(unresolved_fix(item).text)} |")
    return lines


def render_markdown(report: Report) -> str:
    """Render ``report`` as Markdown; pure, the same report gives the same text.

    Args:
        report: the report to render.

    Returns:
        GitHub-flavoured Markdown ending with a newline.
    """
    entries = list(report.entries())
    problems = [e for e in entries if _is_problem(e)]
    rest = [e for e in entries if not _is_problem(e)]
    lines = [*_summary(report), *_changes(report), "", "## Sources that need attention", ""]
    if problems:
        lines += [_TABLE_HEAD, *(_entry_row(e) for e in problems)]
    else:
        lines.append("None: every checked source answers.")
    lines += _unresolved(report)
    if rest:
        lines += [
            "",
            f"<details><summary>{len(rest)} sources alive, excluded or accepted</summary>",
            "",
            _TABLE_HEAD,
            *(_entry_row(e) for e in rest),
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"
