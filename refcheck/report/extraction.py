"""Render an ExtractionResult for ``refcheck extract``: a readable table or JSON.

The JSON shape is documented in README.md ("extract --format json") and is the
interface scripts build on: keys are stable, lists are in document order.
"""

from __future__ import annotations

import json
from typing import Any

from refcheck.models import Citation, ExtractionResult, Location, Reference, Unresolved

EXTRACT_SCHEMA_VERSION = "1.0"


def citation_to_dict(citation: Citation) -> dict[str, Any]:
    """One citation as JSON: where it is and how it was written."""
    loc = citation.location
    return {
        "document": loc.document,
        "page": loc.page,
        "line": loc.line,
        "footnote": loc.footnote,
        "language": loc.language,
        "raw": citation.raw,
        "kind": citation.kind.value,
        "url": citation.url,
        "source": citation.source,
        "note": citation.note,
    }


def reference_to_dict(reference: Reference) -> dict[str, Any]:
    """One reference as JSON."""
    return {
        "key": reference.key,
        "type": reference.type,
        "url": reference.url,
        "urls": list(reference.urls),
        "title": reference.title,
        "citations": [citation_to_dict(c) for c in reference.citations],
    }


def unresolved_to_dict(item: Unresolved) -> dict[str, Any]:
    """One unresolved citation group as JSON."""
    return {"text": item.text, "why": item.why, "citations": [citation_to_dict(c) for c in item.citations]}


def extraction_to_dict(result: ExtractionResult) -> dict[str, Any]:
    """The whole extraction as a JSON-ready dict."""
    return {
        "schema_version": EXTRACT_SCHEMA_VERSION,
        "documents": [{"path": d.path, "media_type": d.media_type, "sha256": d.sha256} for d in result.documents],
        "references": [reference_to_dict(r) for r in result.references],
        "unresolved": [unresolved_to_dict(u) for u in result.unresolved],
        "excluded": [reference_to_dict(r) for r in result.excluded],
    }


def render_extraction_json(result: ExtractionResult) -> str:
    """``refcheck extract --format json``."""
    return json.dumps(extraction_to_dict(result), ensure_ascii=False, indent=2) + "\n"


def format_location(loc: Location) -> str:
    """``doc.pdf p.4 fn 6 l.12`` — the short form an editor reads."""
    parts = [loc.document]
    if loc.page is not None:
        parts.append(f"p.{loc.page}")
    if loc.footnote is not None:
        parts.append(f"fn {loc.footnote}")
    if loc.line is not None:
        parts.append(f"l.{loc.line}")
    if loc.language:
        parts.append(f"[{loc.language}]")
    return " ".join(parts)


def _where(citations: tuple[Citation, ...]) -> list[str]:
    return [format_location(c.location) + (f"  ({c.note})" if c.note else "") for c in citations]


def render_extraction_table(result: ExtractionResult) -> str:
    """``refcheck extract``: one block per reference, then what needs an editor."""
    out: list[str] = []
    docs = ", ".join(d.path for d in result.documents) or "no documents"
    out.append(f"{len(result.references)} references, {len(result.unresolved)} unresolved citations in {docs}")
    out.append("")
    width = max((len(r.type) for r in result.references), default=3)
    for ref in result.references:
        out.append(f"{ref.type:<{width}}  {ref.key}")
        if ref.url and ref.url != ref.key:
            out.append(f"{'':<{width}}  -> {ref.url}")
        for line in _where(ref.citations):
            out.append(f"{'':<{width}}     {line}")
    if result.unresolved:
        out.append("")
        out.append("Needs an editor (no address):")
        for item in result.unresolved:
            out.append(f"  {item.text}")
            out.append(f"     why: {item.why}")
            for line in _where(item.citations):
                out.append(f"     {line}")
    if result.excluded:
        out.append("")
        out.append("Excluded by configuration:")
        for ref in result.excluded:
            out.append(f"  {ref.key}")
    return "\n".join(out) + "\n"
