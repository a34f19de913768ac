"""Render a Report as SARIF 2.1.0, so dead citations show as code scanning alerts.

GitHub code scanning reads SARIF and draws an alert on the line a result points at.
Text and Markdown documents have lines, so their citations carry a ``region``; a
PDF's "line" is a line within a page, which GitHub cannot show, so PDF (and HTML,
DOCX) citations point at the file only and the message names page and footnote.

One rule per status: dead statuses are errors, unverifiable ones (blocked, unsafe)
warnings, a permanent redirect and a citation without an address notes. A status an
editor accepted in references.toml is reported with an external suppression, so the
alert is closed rather than lost. ``partialFingerprints`` keep an alert's identity
across runs when lines move.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from refcheck.models import Citation, Status, Unresolved
from refcheck.report._model import Entry, Report, unresolved_fix
from refcheck.report._text import STATUS_MEANING, format_location

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/refcheck/refcheck"

#: Documents whose line numbers are lines of the file itself.
LINE_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".rst")

#: (status, SARIF level, rule name) in rule order; ruleIndex points into this table.
RULES: tuple[tuple[Status, str, str], ...] = (
    (Status.BROKEN, "error", "BrokenSource"),
    (Status.SOFT_404, "error", "Soft404Source"),
    (Status.SERVER_ERROR, "error", "ServerErrorSource"),
    (Status.TIMEOUT, "error", "TimeoutSource"),
    (Status.TLS_ERROR, "error", "TlsErrorSource"),
    (Status.BLOCKED, "warning", "BlockedSource"),
    (Status.UNSAFE, "warning", "UnsafeSource"),
    (Status.REDIRECTED, "note", "PermanentlyRedirectedSource"),
    (Status.UNRESOLVED, "note", "UnresolvedCitation"),
)
_RULE_INDEX = {status: i for i, (status, _, _) in enumerate(RULES)}


def _rule(status: Status, level: str, name: str) -> dict[str, Any]:
    return {
        "id": status.value,
        "name": name,
        "shortDescription": {"text": f"Cited source: {status.value}"},
        "fullDescription": {"text": STATUS_MEANING[status]},
        "defaultConfiguration": {"level": level},
        "helpUri": f"{INFORMATION_URI}#statuses",
        "help": {"text": f"{status.value}: {STATUS_MEANING[status]}. The report's suggested fix says what to cite."},
    }


def is_line_document(path: str) -> bool:
    """True when the document's line numbers are lines of the file (text, Markdown)."""
    return path.lower().endswith(LINE_SUFFIXES)


def artifact_uri(document: str) -> str:
    """The document path as a SARIF artifact URI: relative paths stay relative (GitHub
    resolves them against the repository), percent-encoded as a URI reference must be."""
    path = PurePath(document)
    if path.is_absolute():
        return Path(document).as_uri()
    return quote(path.as_posix(), safe="/!$&'()*+,;=:@-._~")


def _location(citation: Citation) -> dict[str, Any]:
    loc = citation.location
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.document)}}
    if loc.line is not None and loc.page is None and is_line_document(loc.document):
        physical["region"] = {"startLine": loc.line}
    return {"physicalLocation": physical}


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _is_reported(entry: Entry) -> bool:
    if entry.status is None or entry.status not in _RULE_INDEX:
        return False
    if entry.status is Status.REDIRECTED:
        return bool(entry.result and entry.result.permanent_redirect)
    return True


def _entry_results(entry: Entry) -> list[dict[str, Any]]:
    assert entry.status is not None
    ref = entry.reference
    what = ref.url or ref.key
    detail = entry.result.evidence if entry.result and entry.result.evidence else STATUS_MEANING[entry.status]
    fix = ""
    if entry.fix is not None:
        fix = f" Suggested fix: {entry.fix.text}" + (f" ({entry.fix.url})" if entry.fix.url else "")
    out = []
    for citation in ref.citations:
        text = f"{entry.status.value}: {what} ({detail}), cited at {format_location(citation.location)}."
        result: dict[str, Any] = {
            "ruleId": entry.status.value,
            "ruleIndex": _RULE_INDEX[entry.status],
            "level": RULES[_RULE_INDEX[entry.status]][1],
            "message": {"text": text + fix},
            "locations": [_location(citation)],
            "partialFingerprints": {"refcheckCitation/v1": _fingerprint(ref.key, citation.location.document)},
            "properties": {"key": ref.key, "url": ref.url, "status": entry.status.value},
        }
        if entry.accepted:
            result["suppressions"] = [{"kind": "external", "justification": "status accepted in references.toml"}]
        out.append(result)
    return out


def _unresolved_results(item: Unresolved) -> list[dict[str, Any]]:
    index = _RULE_INDEX[Status.UNRESOLVED]
    return [
        {
            "ruleId": Status.UNRESOLVED.value,
            "ruleIndex": index,
            "level": RULES[index][1],
            "message": {
                "text": f"unresolved: {item.text} ({unresolved_fix(item).text}), "
                f"cited at {format_location(citation.location)}."
            },
            "locations": [_location(citation)],
            "partialFingerprints": {"refcheckCitation/v1": _fingerprint(item.text, citation.location.document)},
        }
        for citation in item.citations
    ]


def report_to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a JSON-ready dict)."""
    results: list[dict[str, Any]] = []
    for entry in report.entries():
        if _is_reported(entry):
            results.extend(_entry_results(entry))
    for item in report.unresolved:
        results.extend(_unresolved_results(item))
    run = report.run
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "refcheck",
                        "version": report.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(*row) for row in RULES],
                    }
                },
                "automationDetails": {"id": f"refcheck/{run.id}"},
                "invocations": [
                    {
                        "executionSuccessful": not run.offline,
                        "startTimeUtc": run.started_at.isoformat().replace("+00:00", "Z"),
                        **(
                            {"endTimeUtc": run.finished_at.isoformat().replace("+00:00", "Z")}
                            if run.finished_at
                            else {}
                        ),
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(report: Report) -> str:
    """Render ``report`` as a SARIF 2.1.0 log; pure.

    Args:
        report: the report to render.

    Returns:
        The SARIF JSON, ending with a newline.
    """
    return json.dumps(report_to_sarif(report), indent=2, ensure_ascii=False) + "\n"
