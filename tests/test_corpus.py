"""The sample documents against their gold references: recall 100 %, nothing invented.

Driven by ``shared/corpus/*.gold.json`` the way httpx drives its URL parser from
``whatwg.json``. Skips only when the shared corpus is not beside the checkout.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from refcheck.config import Config
from refcheck.models import ExtractionResult
from refcheck.normalise.merge import unresolved_key
from refcheck.pipeline import extract

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
GOLD_FILES = sorted(CORPUS.glob("*.gold.json")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not GOLD_FILES, reason=f"shared corpus not found at {CORPUS}")


def _load(gold_file: Path) -> tuple[dict[str, Any], ExtractionResult]:
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    return gold, extract(CORPUS / gold["document"], Config())


def _ids(paths: list[Path]) -> list[str]:
    return [p.name.split(".")[0] for p in paths]


@pytest.mark.parametrize("gold_file", GOLD_FILES, ids=_ids(GOLD_FILES))
def test_every_gold_url_is_found_with_its_footnotes_and_citation_count(gold_file: Path) -> None:
    gold, result = _load(gold_file)
    cited: Counter[str] = Counter()
    footnotes: dict[str, set[int | None]] = {}
    for ref in result.references:
        for citation in ref.citations:
            if citation.url:
                cited[citation.url] += 1
                footnotes.setdefault(citation.url, set()).add(citation.location.footnote)
    for item in gold["urls"]:
        assert cited[item["url"]] == item["citations"], item["url"]
        assert footnotes[item["url"]] == set(item["footnotes"]), item["url"]


@pytest.mark.parametrize("gold_file", GOLD_FILES, ids=_ids(GOLD_FILES))
def test_every_gold_identifier_is_found(gold_file: Path) -> None:
    gold, result = _load(gold_file)
    keys = {ref.key: ref for ref in result.references}
    for item in gold["identifiers"]:
        assert item["key"] in keys, item["key"]
        found_notes = {c.location.footnote for c in keys[item["key"]].citations} - {None}
        assert set(item["footnotes"]) <= found_notes, item["key"]


@pytest.mark.parametrize("gold_file", GOLD_FILES, ids=_ids(GOLD_FILES))
def test_nothing_is_invented(gold_file: Path) -> None:
    gold, result = _load(gold_file)
    allowed = {u["url"] for u in gold["urls"]}
    allowed |= {i["key"] for i in gold["identifiers"]}
    allowed |= {o["key"] for o in gold["optional"]}
    for ref in result.references:
        assert ref.key in allowed or (ref.type == "url" and set(ref.urls) <= allowed), ref.key
        assert set(ref.urls) <= allowed, ref.urls


@pytest.mark.parametrize("gold_file", GOLD_FILES, ids=_ids(GOLD_FILES))
def test_unresolved_citations_are_kept_not_dropped_and_not_invented(gold_file: Path) -> None:
    gold, result = _load(gold_file)
    found = {unresolved_key(u.text): {c.location.footnote for c in u.citations} for u in result.unresolved}
    for item in gold["unresolved"]:
        key = unresolved_key(item["text"])
        assert key in found, item["text"]
        assert item["footnote"] in found[key]
    assert len(result.unresolved) == len(gold["unresolved"]), [u.text for u in result.unresolved]
