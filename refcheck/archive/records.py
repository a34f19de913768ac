"""The WARC records of one checked source, built from its exchanges (nothing is written here).

Per source, in the order replay needs them: each redirect hop as a ``response`` with its
``request``, then the page as a ``response`` (or a ``revisit`` when its payload is
already in the collection) with its ``request``, then a ``metadata`` record saying where
the source is cited. Redirect hops are always full responses: their bodies are a few
bytes, and a revisit keyed on the digest of an empty body would point a redirect at
some other URL's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warcio.recordloader import ArcWarcRecord

from refcheck.archive.recorder import CaptureChain
from refcheck.archive.wacz import location_text
from refcheck.archive.warc import Original, RecordFactory, payload_digest
from refcheck.models import Capture, CheckResult, Reference

#: Citations listed in one metadata record; a source cited more often is cut there.
MAX_CITATION_FIELDS = 50
_LOCATION_FIELDS = (("page", "page"), ("line", "line"), ("footnote", "footnote"), ("language", "language"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRecords:
    """The records of one source, and which of them is the page's own (response or revisit)."""

    records: tuple[ArcWarcRecord, ...]
    main_index: int  # position of the page's record in ``records``


def citation_fields(reference: Reference | None) -> list[tuple[str, str]]:
    """``cited-in`` and ``citation`` fields for each citation of ``reference`` (capped)."""
    if reference is None:
        return []
    fields: list[tuple[str, str]] = []
    for citation in reference.citations[:MAX_CITATION_FIELDS]:
        fields.append(("cited-in", location_text(citation.location, _LOCATION_FIELDS)))
        fields.append(("citation", citation.raw))
    return fields


def metadata_fields(
    result: CheckResult, page: Capture, hops: Sequence[Capture], run_id: str, reference: Reference | None
) -> list[tuple[str, str]]:
    """What the metadata record says of a source: the check's verdict, the way there, the citations."""
    return [
        ("reference-key", result.key),
        ("cited-url", result.url),
        *(("redirect", f"{hop.status} {hop.url}") for hop in hops),
        ("captured-url", page.url),
        ("check-status", result.status.value),
        ("check-evidence", result.evidence),
        ("refcheck-run-id", run_id),
        *citation_fields(reference),
    ]


def hop_records(factory: RecordFactory, hops: Sequence[Capture]) -> list[ArcWarcRecord]:
    """A ``response`` and its ``request`` for each redirect hop, in order."""
    records = []
    for hop in hops:
        response = factory.response(hop, payload_digest(hop.body))
        records += [response, factory.request(hop, response)]
    return records


def source_records(
    factory: RecordFactory,
    chain: CaptureChain,
    digest: str,
    original: Original | None,
    fields: Sequence[tuple[str, str]],
) -> SourceRecords:
    """Every record of a source whose page is ``chain.final`` (its payload digest ``digest``)."""
    page = chain.final
    assert page is not None, "a source without a page has no records"
    main = factory.response(page, digest) if original is None else factory.revisit(page, digest, original)
    metadata = factory.metadata(f"urn:refcheck:citations:{page.url}", fields, main)
    hops = hop_records(factory, chain.hops)
    return SourceRecords(records=(*hops, main, factory.request(page, main), metadata), main_index=len(hops))
