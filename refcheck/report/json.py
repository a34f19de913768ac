"""Render a Report as JSON, the machine-readable report with a versioned schema.

Scripts and dashboards build on this shape, so it is documented by a JSON Schema that
ships with the package (``refcheck/report/schema/report-1.0.schema.json``) and is
checked in the tests. ``schema_version`` changes its major number only when a key is
removed or changes meaning; new keys bump the minor number.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from refcheck.models import CheckResult, History, Snapshot
from refcheck.report._model import Changes, Entry, Fix, Report, unresolved_fix
from refcheck.report._text import cited_as, status_meaning, status_word
from refcheck.report.extraction import citation_to_dict

SCHEMA_VERSION = "1.0"
SCHEMA_FILE = f"report-{SCHEMA_VERSION}.schema.json"


def load_schema() -> dict[str, Any]:
    """Return the JSON Schema of the report this module renders."""
    text = resources.files("refcheck.report").joinpath("schema", SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "kind": fix.kind.value,
        "text": fix.text,
        "url": fix.url,
        "original_url": fix.original_url,
        "version_date": fix.version_date.isoformat() if fix.version_date else None,
        "tentative": fix.tentative,
    }


def _result(result: CheckResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "url": result.url,
        "checked_at": _time(result.checked_at),
        "status": result.status.value,
        "evidence": result.evidence,
        "http_status": result.http_status,
        "redirects": list(result.redirects),
        "permanent_redirect": result.permanent_redirect,
        "final_url": result.final_url,
        "content_type": result.content_type,
        "length": result.length,
        "sha256": result.sha256,
        "elapsed_s": round(result.elapsed_s, 3),
        "attempts": len(result.attempts),
        "from_cache": result.from_cache,
    }


def _history(history: History | None) -> dict[str, Any] | None:
    if history is None:
        return None
    return {
        "first_seen": _time(history.first_seen),
        "last_alive": _time(history.last_alive),
        "first_failure": _time(history.first_failure),
        "consecutive_failures": history.consecutive_failures,
        "failing_runs_span_days": round(history.failing_runs_span_days, 3),
        "last_status": history.last_status.value if history.last_status else None,
        "previous_status": history.previous_status.value if history.previous_status else None,
        "confirmed_dead": history.confirmed_dead,
    }


def _snapshot(snapshot: Snapshot | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {
        "url": snapshot.url,
        "warc": snapshot.warc,
        "record_id": snapshot.record_id,
        "captured_at": _time(snapshot.captured_at),
        "payload_digest": snapshot.payload_digest,
        "public_copy": snapshot.public_copy,
        "public_copy_date": _time(snapshot.public_copy_date),
        "changed_since": _time(snapshot.changed_since),
    }


def _entry(entry: Entry) -> dict[str, Any]:
    ref = entry.reference
    return {
        "key": ref.key,
        "type": ref.type,
        "title": ref.title,
        "url": ref.url,
        "urls": list(ref.urls),
        "cited_as": cited_as(ref.citations, ref.url),
        "status": status_word(entry),
        "meaning": status_meaning(entry),
        "dead": entry.is_dead,
        "accepted": entry.accepted,
        "result": _result(entry.result),
        "history": _history(entry.history),
        "snapshot": _snapshot(entry.snapshot),
        "fix": _fix(entry.fix),
        "citations": [citation_to_dict(c) for c in ref.citations],
    }


def _changes(changes: Changes) -> dict[str, Any]:
    return {
        name: [{"key": c.key, "runs": c.runs} for c in getattr(changes, name)]
        for name in ("newly_broken", "fixed", "changed_content", "still_broken")
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dict, in the shape the schema documents."""
    run = report.run
    s = report.summary()
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "refcheck", "version": report.tool_version},
        "generated_at": _time(report.generated_at),
        "run": {
            "id": run.id,
            "started_at": _time(run.started_at),
            "finished_at": _time(run.finished_at),
            "config_sha256": run.config_sha256,
            "offline": run.offline,
            "counts": {status.value: n for status, n in run.counts},
        },
        "summary": {
            "sources": s.sources,
            "dead": s.dead,
            "blocked": s.blocked,
            "redirected": s.redirected,
            "changed": s.changed,
            "unresolved": s.unresolved,
            "alive": s.alive,
        },
        "changes": _changes(report.changes),
        "references": [_entry(e) for e in report.entries()],
        "unresolved": [
            {
                "text": u.text,
                "why": u.why,
                "fix": _fix(unresolved_fix(u)),
                "citations": [citation_to_dict(c) for c in u.citations],
            }
            for u in report.unresolved
        ],
    }


def render_json(report: Report) -> str:
    """Render ``report`` as JSON (UTF-8 text, two-space indent, keys in schema order).

    Args:
        report: the report to render.

    Returns:
        The JSON document, ending with a newline.
    """
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
