"""GitHub Actions: the job summary and the workflow-command annotations."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from report_samples import make_sample_report

from refcheck.report import render_markdown
from refcheck.report.github import (
    TRUNCATED_NOTE,
    annotation_commands,
    escape_data,
    escape_property,
    fit_step_summary,
    publish_to_github,
    workflow_command,
)


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),  # % first, or the other escapes would be double-escaped
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("https://x.org/a,b", "https://x.org/a,b", "https%3A//x.org/a%2Cb"),  # : and , end a property
        ("%3A", "%253A", "%253A"),  # an already-escaped-looking value stays literal
    ],
)
def test_workflow_command_values_are_escaped_as_github_requires(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_a_workflow_command_leaves_out_missing_properties() -> None:
    assert (
        workflow_command("error", "m", {"file": "a.md", "line": None, "title": "t"}) == "::error file=a.md,title=t::m"
    )
    assert workflow_command("warning", "m", {}) == "::warning::m"


def test_dead_sources_are_errors_and_blocked_ones_warnings_on_every_citing_line() -> None:
    lines = annotation_commands(make_sample_report())
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    # 5 dead references (the accepted server error is left out), one cited twice: 6 errors.
    assert len(errors) == 6
    assert len(warnings) == 2  # the blocked source, cited in English and French
    md = [line for line in errors if "file=docs/briefing.md,line=12," in line]
    assert len(md) == 1 and "title=broken%3A https%3A//www.example.org/reports/2019/annual.pdf::" in md[0]
    assert "Suggested fix: cite the archived copy of 2020-03-01" in md[0]
    # A PDF's line is a line on a page: GitHub cannot show it, so only the file is named.
    pdf = [line for line in errors if "file=docs/report.pdf" in line]
    assert pdf and all(",line=" not in line for line in pdf)
    assert all("\n" not in line for line in lines)


def test_outside_github_actions_nothing_is_published(tmp_path: Path) -> None:
    out = io.StringIO()
    summary = tmp_path / "summary.md"
    assert not publish_to_github(make_sample_report(), "# x\n", {"GITHUB_STEP_SUMMARY": str(summary)}, out)
    assert out.getvalue() == "" and not summary.exists()


def test_in_github_actions_the_summary_is_appended_and_annotations_printed(tmp_path: Path) -> None:
    report = make_sample_report()
    summary = tmp_path / "summary.md"
    summary.write_text("## an earlier step\n", encoding="utf-8")
    out = io.StringIO()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)}
    assert publish_to_github(report, render_markdown(report), env, out)
    assert summary.read_text(encoding="utf-8") == "## an earlier step\n" + render_markdown(report)
    assert out.getvalue().splitlines() == annotation_commands(report)


def test_an_absolute_document_path_under_the_workspace_is_made_relative(tmp_path: Path) -> None:
    from dataclasses import replace

    report = make_sample_report()
    moved = tuple(
        replace(
            r,
            citations=tuple(
                replace(c, location=replace(c.location, document=f"/ws/{c.location.document}")) for c in r.citations
            ),
        )
        for r in report.references
    )
    lines = annotation_commands(replace(report, references=moved), "/ws")
    assert any("file=docs/briefing.md,line=12," in line for line in lines)


def test_a_summary_over_githubs_limit_is_cut_at_a_line_and_says_so() -> None:
    text = "".join(f"| row {i} |\n" for i in range(1000))
    cut = fit_step_summary(text, limit=500)
    assert len(cut.encode("utf-8")) <= 500 and cut.endswith(TRUNCATED_NOTE)
    assert cut[: -len(TRUNCATED_NOTE)].endswith("|\n")
    assert fit_step_summary("short\n") == "short\n"
