"""Properties of each format beyond the golden files: escaping, shape, self-containment."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from report_samples import REFERENCES, UNRESOLVED, make_sample_report

from refcheck.report import RENDERERS, render_csv, render_html, render_markdown, render_sarif, write_reports
from refcheck.report.markdown import escape_cell
from refcheck.report.sarif import artifact_uri

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_markdown_cells_cannot_add_columns_or_markup() -> None:
    text = render_markdown(make_sample_report())
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            columns = len(_UNESCAPED_PIPE.findall(line)) - 1
            assert columns in (3, 5), line
    # The only raw HTML is the report's own line breaks and folded section.
    raw_tags = re.findall(r"(?<![\\(])<(?!br>|/?details>|summary>|/summary>)[^>]*>", text)
    assert raw_tags == []
    assert r"\<script\>alert\(" in text


def test_escape_cell_makes_one_line_of_literal_text() -> None:
    assert escape_cell("a | b\n*c* [d](e) <f> &amp;") == r"a \| b \*c\* \[d\]\(e\) \<f\> \&amp;"


def test_the_markdown_report_lists_the_changes_since_the_previous_run() -> None:
    text = render_markdown(make_sample_report())
    assert "## Changes since the previous run" in text
    assert "**Still broken (1):** http://slow.example.com/doc (3 runs)" in text
    assert "**Fixed (1):** https://fixed.example.org/" in text


def test_csv_has_one_row_per_citation_and_defuses_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(make_sample_report()), newline="")))
    citations = sum(len(r.citations) for r in REFERENCES) + sum(len(u.citations) for u in UNRESOLVED)
    assert len(rows) == citations
    (formula,) = [r for r in rows if "report_final" in r["cited_as"]]
    assert formula["cited_as"].startswith("'=")
    assert formula["status"] == "unresolved" and formula["fix"].startswith("needs an editor")
    pdf = [r for r in rows if r["document"] == "docs/report.pdf" and r["footnote"] == "6"]
    assert pdf[0]["page"] == "4" and pdf[0]["archived_date"] == "2020-03-01"


def test_sarif_points_at_lines_of_text_documents_and_only_at_the_file_of_a_pdf() -> None:
    log = json.loads(render_sarif(make_sample_report()))
    results = log["runs"][0]["results"]
    by_uri: dict[str, list[dict[str, object]]] = {}
    for r in results:
        by_uri.setdefault(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], []).append(r)
    assert all("region" in r["locations"][0]["physicalLocation"] for r in by_uri["docs/briefing.md"])
    assert all("region" not in r["locations"][0]["physicalLocation"] for r in by_uri["docs/report.pdf"])
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["broken"] == "error" and levels["blocked"] == "warning" and levels["unresolved"] == "note"
    rules = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    (accepted,) = [r for r in results if r["ruleId"] == "server-error"]
    assert accepted["suppressions"][0]["kind"] == "external"
    assert "alive" not in levels


def test_sarif_artifact_uris_are_uri_references() -> None:
    assert artifact_uri("docs/my report #2.md") == "docs/my%20report%20%232.md"
    assert artifact_uri("/abs/a b.md") == "file:///abs/a%20b.md"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_report_loads_nothing_from_anywhere() -> None:
    page = render_html(make_sample_report())
    parser = _Collector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 1 and "link" not in tags and "img" not in tags and "iframe" not in tags
    assert not any("src" in attrs for _, attrs in parser.tags)
    assert "@import" not in page and "url(" not in page
    csp = next(a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and csp.startswith("default-src 'none';")


def test_the_html_table_is_accessible() -> None:
    parser = _Collector()
    parser.feed(render_html(make_sample_report()))
    tags = parser.tags
    assert any(t == "caption" for t, _ in tags)
    headers = [a for t, a in tags if t == "th"]
    assert headers and all(a.get("scope") == "col" and a.get("aria-sort") in ("none", "ascending") for a in headers)
    ids = {a.get("id") for t, a in tags if t in ("select", "input")}
    labelled = {a.get("for") for t, a in tags if t == "label"}
    assert ids <= labelled


def test_only_web_addresses_become_links() -> None:
    from dataclasses import replace

    report = make_sample_report()
    first = report.references[0]
    bad = replace(first, url="javascript:alert(1)")
    page = render_html(replace(report, references=(bad, *report.references[1:])))
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page


def test_write_reports_writes_one_file_per_format(tmp_path: Path) -> None:
    report = make_sample_report()
    written = write_reports(report, tmp_path / "reports", ("md", "sarif", "html", "json", "csv"))
    assert [p.name for p in written] == [
        "refcheck.html",
        "refcheck.md",
        "refcheck.json",
        "refcheck.csv",
        "refcheck.sarif",
    ]
    for (_, suffix, render), path in zip(RENDERERS, written, strict=True):
        assert path.suffix == suffix and path.read_bytes() == render(report).encode("utf-8")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(p.name for p in written)
    assert write_reports(report, tmp_path / "only-md", ("md",)) == [tmp_path / "only-md" / "refcheck.md"]
