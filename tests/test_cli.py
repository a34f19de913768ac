"""The command line, called in-process: exit codes, output, and one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import refcheck
from refcheck.cli import ExitCode, build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_extract_with_no_argument_reads_the_shipped_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(["extract", "--format", "json"], capsys)
    assert code == ExitCode.OK, err
    data = json.loads(out)
    keys = {r["key"] for r in data["references"]}
    assert "un:CAT/C/AZE/CO/5" in keys
    assert "un:S/2020/1104" in keys
    assert {d["path"] for d in data["documents"]} >= {"examples/002_618b360b92d036df.txt"}


def test_extract_table_lists_each_reference_with_its_footnotes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = tmp_path / "note.txt"
    doc.write_text("Body.1\n\n1 https://www .example .org /report -2024 .pdf\n", encoding="utf-8")
    code, out, _ = run(["extract", str(doc)], capsys)
    assert code == ExitCode.OK
    assert "https://www.example.org/report-2024.pdf" in out
    assert "fn 1" in out


def test_extract_writes_json_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("See [the report](https://example.org/r).\n", encoding="utf-8")
    target = tmp_path / "out" / "refs.json"
    code, out, _ = run(["extract", str(doc), "--format", "json", "--output", str(target)], capsys)
    assert code == ExitCode.OK and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["references"][0]["url"] == "https://example.org/r"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.pdf", "no such file"),
        (b"%PDF-1.7\n\x00\x01garbage that is not a pdf", "broken.pdf", "broken.pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "scan.pdf", "unsupported file type: a PNG image"),
        (b"PK\x03\x04not really a zip", "x.docx", "corrupt ZIP"),
        (b"\x00\x01\x02\x03" * 10, "blob.txt", "binary data"),
    ],
)
def test_a_document_that_cannot_be_read_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, name: str, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(["extract", str(path)], capsys)
    assert code == ExitCode.USAGE
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_bad_configuration_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "references.toml"
    config.write_text("[check]\ntimeout = 3\nallow_privat = true\n", encoding="utf-8")
    code, _, err = run(["extract", "--config", str(config), str(config)], capsys)
    assert code == ExitCode.USAGE
    assert err.strip() == (
        f"refcheck: error: {config}:3: key 'check.allow_privat': unknown key (allowed here: "
        + ", ".join(sorted(_check_keys()))
        + ")"
    )


def _check_keys() -> list[str]:
    from refcheck.config import _SCHEMA

    table = _SCHEMA["check"]
    assert isinstance(table, dict)
    return list(table)


def test_no_documents_anywhere_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["extract"], capsys)
    assert code == ExitCode.USAGE
    assert "no documents given" in err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([], capsys)
    assert code == ExitCode.USAGE
    assert "usage: refcheck" in err


def test_the_readme_documents_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", readme, flags=re.M))
    assert {int(k) for k in table} == {int(c) for c in ExitCode}
    parser, _ = build_parser()
    for code in ExitCode:
        assert f"  {int(code)}  " in parser.epilog  # type: ignore[operator]


def test_the_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    _, runners = build_parser()
    for name in runners:
        assert f"refcheck {name}" in readme, name


PUBLIC_API = [
    "ArchiveError", "Attempt", "Capture", "CheckResult", "Citation", "CitationKind", "Config", "ConfigError",
    "Document", "DocumentError", "ExtractionResult", "History", "Location", "RefcheckError", "Reference", "Run",
    "Snapshot", "Status", "Unresolved", "UsageError", "__version__", "extract", "load_config",
]  # fmt: skip


def test_public_api_is_pinned() -> None:
    # A name added to or dropped from the public API must be a decision, not an accident.
    assert refcheck.__all__ == PUBLIC_API
    assert callable(refcheck.extract) and refcheck.extract.__module__ == "refcheck.pipeline"
    for name in refcheck.__all__:
        assert getattr(refcheck, name) is not None
