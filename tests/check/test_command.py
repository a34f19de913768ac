"""``refcheck check`` called in-process: exit codes, JSON and table output, memory across runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from _helpers import write_config

from refcheck.cli import ExitCode, main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_urls_writes_json_results_and_exits_1_on_a_broken_source(
    tmp_path: Path, fault_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, fault_server.url("/"))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{fault_server.url('/ok')}\n\n# a comment\n{fault_server.url('/status/404')}\n", encoding="utf-8")
    code, out, err = run(["check", "--urls", str(urls), "--config", str(config), "--format", "json"], capsys)
    assert code == ExitCode.BROKEN, err
    data = json.loads(out)
    by_url = {r["url"]: r for r in data["results"]}
    ok, gone = by_url[fault_server.url("/ok")], by_url[fault_server.url("/status/404")]
    assert ok["status"] == "alive" and ok["http_status"] == 200 and ok["final_url"] == fault_server.url("/ok")
    assert gone["status"] == "broken" and gone["evidence"] == "404 Not Found"
    assert gone["citations"] == [
        {
            "raw": fault_server.url("/status/404"),
            "document": str(urls),
            "page": None,
            "line": 4,
            "footnote": None,
            "language": None,
        }
    ]
    assert gone["attempts"][0]["method"] == "GET"
    assert data["summary"] == {"alive": 1, "broken": 1}
    assert "[2/2]" in err  # plain progress lines when standard error is not a terminal
    assert (tmp_path / "state" / "refcheck.sqlite").is_file()


def test_check_exits_0_when_every_source_is_alive_and_prints_a_table(
    tmp_path: Path, fault_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, fault_server.url("/"))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{fault_server.url('/ok')}\n{fault_server.url('/redirect/301')}\n", encoding="utf-8")
    code, out, err = run(["check", "--urls", str(urls), "--config", str(config)], capsys)
    assert code == ExitCode.OK, err
    assert "redirected" in out and "moved permanently" in out
    assert out.strip().endswith("2 checked: 1 alive, 1 redirected")


def test_check_reads_documents_given_as_paths(
    tmp_path: Path, fault_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, fault_server.url("/"))
    doc = tmp_path / "note.txt"
    doc.write_text(f"The report.1\n\n1 See {fault_server.url('/ok')} for details.\n", encoding="utf-8")
    code, out, err = run(["check", str(doc), "--config", str(config), "--format", "json"], capsys)
    assert code == ExitCode.OK, err
    [result] = json.loads(out)["results"]
    assert result["status"] == "alive"
    assert result["citations"][0]["document"].endswith("note.txt")


def test_a_rerun_within_max_age_reuses_successes(
    tmp_path: Path, fault_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, fault_server.url("/"))
    urls = tmp_path / "urls.txt"
    urls.write_text(fault_server.url("/ok") + "\n", encoding="utf-8")
    argv = ["check", "--urls", str(urls), "--config", str(config), "--format", "json", "--max-age", "1h"]
    assert run(argv, capsys)[0] == ExitCode.OK
    code, out, _ = run(argv, capsys)
    assert code == ExitCode.OK
    assert json.loads(out)["results"][0]["from_cache"] is True
    assert fault_server.hits("/ok") == 1


def test_offline_exits_3_and_judges_nothing(
    tmp_path: Path, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, f"http://127.0.0.1:{closed_port}/")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"http://127.0.0.1:{closed_port}/a\nhttp://127.0.0.1:{closed_port}/b\n", encoding="utf-8")
    code, out, err = run(["check", "--urls", str(urls), "--config", str(config), "--format", "json"], capsys)
    assert code == ExitCode.OFFLINE, err
    data = json.loads(out)
    assert data["run"]["offline"] is True
    assert {r["status"] for r in data["results"]} == {"offline"}


@pytest.mark.parametrize(
    "bad",
    [["--max-age", "soon"], ["--concurrency", "0"], ["--timeout", "0"], ["--retries", "-1"]],
)
def test_bad_options_are_one_line_usage_errors(
    tmp_path: Path, bad: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://example.org/\n", encoding="utf-8")
    code, out, err = run(["check", "--urls", str(urls), *bad], capsys)
    assert code == ExitCode.USAGE
    assert err.startswith("refcheck: error:") and err.count("\n") == 1


def test_a_missing_url_list_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "--urls", str(tmp_path / "none.txt")], capsys)
    assert code == ExitCode.USAGE
    assert "no such file" in err


def test_json_written_to_an_output_file_is_the_same_as_on_stdout(
    tmp_path: Path, fault_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, fault_server.url("/"))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{fault_server.url('/ok')}\n{fault_server.url('/status/404')}\n", encoding="utf-8")
    argv = ["check", "--urls", str(urls), "--config", str(config), "--format", "json"]
    target = tmp_path / "out" / "results.json"
    code, out, _ = run([*argv, "--output", str(target)], capsys)
    assert code == ExitCode.BROKEN and out == ""
    text = target.read_text(encoding="utf-8")
    written = json.loads(text)
    assert sorted((r["url"], r["status"]) for r in written["results"]) == [
        (fault_server.url("/ok"), "alive"),
        (fault_server.url("/status/404"), "broken"),
    ]
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    # the same run on standard output (a fresh state, so nothing is reused) writes the same
    # document but for the run's own times
    elsewhere = tmp_path / "stdout"
    elsewhere.mkdir()
    again = write_config(elsewhere, fault_server.url("/"))
    code, out, _ = run(["check", "--urls", str(urls), "--config", str(again), "--format", "json"], capsys)
    assert code == ExitCode.BROKEN
    printed = json.loads(out)
    assert out.count("\n") == text.count("\n")  # the same layout: one result a line
    assert printed["run"].keys() == written["run"].keys() and printed["summary"] == written["summary"]
    assert [_timeless(r) for r in printed["results"]] == [_timeless(r) for r in written["results"]]


def _timeless(result: dict[str, Any]) -> dict[str, Any]:
    """A JSON result without what differs from one run to the next (when, how long)."""
    attempts = [{k: v for k, v in a.items() if k not in ("at", "elapsed_s")} for a in result["attempts"]]
    return {k: v for k, v in result.items() if k not in ("checked_at", "elapsed_s")} | {"attempts": attempts}
