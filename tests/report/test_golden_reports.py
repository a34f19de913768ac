"""Golden reports: every format rendered from one fixed run, compared byte for byte.

Run ``pytest tests/report --update-golden`` to rewrite ``tests/golden/`` after an
intended change, then read the diff before committing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from report_samples import GOLDEN_DIR, make_sample_report

from refcheck.report import Report, render_csv, render_html, render_json, render_markdown, render_sarif
from refcheck.report.json import load_schema

RENDERERS: dict[str, Callable[[Report], str]] = {
    "md": render_markdown,
    "json": render_json,
    "csv": render_csv,
    "sarif": render_sarif,
    "html": render_html,
}
SARIF_SCHEMA = Path(__file__).with_name("sarif-2.1.0-minimal.schema.json")


@pytest.mark.parametrize("suffix", sorted(RENDERERS))
def test_each_format_matches_its_golden_file_byte_for_byte(suffix: str, update_golden: bool) -> None:
    rendered = RENDERERS[suffix](make_sample_report()).encode("utf-8")
    golden = GOLDEN_DIR / f"report.{suffix}"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(rendered)
        pytest.skip(f"rewrote {golden}")
    assert golden.is_file(), f"{golden} is missing: run pytest tests/report --update-golden"
    assert rendered == golden.read_bytes(), f"{golden.name} differs: if intended, rerun with --update-golden"


@pytest.mark.parametrize("suffix", sorted(RENDERERS))
def test_rendering_the_same_report_twice_gives_the_same_bytes(suffix: str) -> None:
    assert RENDERERS[suffix](make_sample_report()) == RENDERERS[suffix](make_sample_report())


def test_the_golden_json_report_is_valid_against_the_shipped_schema() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads((GOLDEN_DIR / "report.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["schema_version"] == "1.0"


def test_the_golden_sarif_report_is_valid_sarif_2_1_0() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads((GOLDEN_DIR / "report.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)


def test_the_json_schema_refuses_a_report_with_an_unknown_status() -> None:
    document = json.loads(render_json(make_sample_report()))
    document["references"][0]["status"] = "dead-ish"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, load_schema())
