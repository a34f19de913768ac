"""refcheck run / refcheck report end to end, against a real server on 127.0.0.1.

The sources come from a URL list (a text file, so citations have lines and GitHub
annotations point at them); the store, the reports and the fail policy are the real
ones. Nothing leaves the machine: the offline canary is a loopback URL too.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pytest_httpserver import HTTPServer

from refcheck.cli import main
from refcheck.config import Config, config_from_mapping
from refcheck.errors import UsageError
from refcheck.models import Status
from refcheck.report.json import load_schema
from refcheck.runner import rerender, run


def make_config(tmp_path: Path, canary: str, **report: Any) -> Config:
    return config_from_mapping(
        {
            "state_dir": "state",
            "check": {"retries": 0, "timeout": 5, "offline_canaries": [canary], "allow_private": True},
            "archive": {"public_lookup": False},
            "report": {"dir": "reports", **report},
        },
        root=str(tmp_path),
    )


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/ok").respond_with_data("<html><body>a report</body></html>", content_type="text/html")
    httpserver.expect_request("/gone").respond_with_data("not here", status=404)
    httpserver.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/ok")}
    )
    return httpserver


@pytest.fixture
def url_list(tmp_path: Path, site: HTTPServer) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text(
        "# sources of the briefing\n" + "\n".join(site.url_for(p) for p in ("/ok", "/gone", "/moved")) + "\n",
        encoding="utf-8",
    )
    return path


def statuses(report_json: dict[str, Any]) -> dict[str, str]:
    return {r["url"].rsplit("/", 1)[1]: r["status"] for r in report_json["references"]}


def test_a_run_checks_records_writes_every_report_and_fails_on_a_dead_source(
    tmp_path: Path, site: HTTPServer, url_list: Path
) -> None:
    out = io.StringIO()
    outcome = run(
        config=make_config(tmp_path, site.url_for("/ok")), urls_file=str(url_list), archive=False, env={}, out=out
    )
    assert outcome.verdict.exit_code == 1
    assert sorted(p.name for p in outcome.written) == sorted(
        f"refcheck.{s}" for s in ("html", "md", "json", "csv", "sarif")
    )
    assert all(p.parent == tmp_path / "reports" for p in outcome.written)
    data = json.loads((tmp_path / "reports" / "refcheck.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, load_schema())
    assert statuses(data) == {"ok": "alive", "gone": "broken", "moved": "redirected"}
    moved = next(r for r in data["references"] if r["url"].endswith("/moved"))
    assert moved["fix"]["kind"] == "redirect" and moved["fix"]["url"] == site.url_for("/ok")
    assert data["changes"]["newly_broken"] == [
        {"key": next(r["key"] for r in data["references"] if r["dead"]), "runs": 1}
    ]
    assert out.getvalue() == ""  # not in GitHub Actions: no workflow commands
    assert (tmp_path / "state" / "refcheck.sqlite").is_file()


def test_the_second_run_reports_what_was_fixed(tmp_path: Path, site: HTTPServer, url_list: Path) -> None:
    config = make_config(tmp_path, site.url_for("/ok"))
    run(config=config, urls_file=str(url_list), archive=False, env={}, out=io.StringIO())
    site.clear()
    site.expect_request("/ok").respond_with_data("<html><body>a report</body></html>", content_type="text/html")
    site.expect_request("/gone").respond_with_data("back again", content_type="text/plain")
    site.expect_request("/moved").respond_with_data("", status=301, headers={"Location": site.url_for("/ok")})
    outcome = run(config=config, urls_file=str(url_list), archive=False, env={}, out=io.StringIO())
    assert outcome.verdict.exit_code == 0
    assert [c.key for c in outcome.report.changes.fixed] == [
        r.key for r in outcome.report.references if r.url and r.url.endswith("/gone")
    ]
    assert "**Fixed (1):**" in (tmp_path / "reports" / "refcheck.md").read_text(encoding="utf-8")


def test_the_persistent_policy_fails_only_once_a_source_stays_dead(
    tmp_path: Path, site: HTTPServer, url_list: Path
) -> None:
    config = make_config(tmp_path, site.url_for("/ok"), fail_on="persistent", fail_after_runs=2)
    first = run(config=config, urls_file=str(url_list), archive=False, env={}, out=io.StringIO())
    assert first.verdict.exit_code == 0 and "1 dead for fewer runs" in first.verdict.reason
    second = run(config=config, urls_file=str(url_list), archive=False, env={}, out=io.StringIO())
    assert second.verdict.exit_code == 1 and len(second.verdict.failing) == 1
    assert [c.runs for c in second.report.changes.still_broken] == [2]


def test_in_github_actions_a_run_writes_the_summary_and_annotates_the_citing_line(
    tmp_path: Path, site: HTTPServer, url_list: Path
) -> None:
    summary = tmp_path / "step-summary.md"
    out = io.StringIO()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)}
    run(config=make_config(tmp_path, site.url_for("/ok")), urls_file=str(url_list), archive=False, env=env, out=out)
    assert summary.read_text(encoding="utf-8").startswith("# refcheck report")
    (line,) = out.getvalue().splitlines()
    assert line.startswith("::error file=urls.txt,line=3,title=broken%3A http%3A//")


def test_report_renders_the_last_run_again_without_fetching(tmp_path: Path, site: HTTPServer, url_list: Path) -> None:
    config = make_config(tmp_path, site.url_for("/ok"))
    first = run(config=config, urls_file=str(url_list), archive=False, env={}, out=io.StringIO())
    requests = len(site.log)
    again = rerender(
        config=config,
        urls_file=str(url_list),
        env={},
        out=io.StringIO(),
        clock=lambda: first.report.generated_at,
    )
    assert len(site.log) == requests
    assert again.verdict.exit_code == first.verdict.exit_code
    assert again.report.run.id == first.report.run.id
    assert [e.status for e in again.report.entries()] == [e.status for e in first.report.entries()]
    assert [e.reference.citations for e in again.report.entries()] == [
        e.reference.citations for e in first.report.entries()
    ]


def test_report_without_a_recorded_run_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no run recorded"):
        rerender(config=make_config(tmp_path, "http://127.0.0.1:9/"), env={}, out=io.StringIO())


def test_an_offline_run_exits_3_and_marks_nothing_broken(tmp_path: Path, closed_port: int) -> None:
    dead_end = f"http://127.0.0.1:{closed_port}"
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{dead_end}/a\n{dead_end}/b\n", encoding="utf-8")
    outcome = run(config=make_config(tmp_path, f"{dead_end}/canary"), urls_file=str(urls), env={}, out=io.StringIO())
    assert outcome.archived is None  # offline: nothing to archive, so the archive stage is skipped
    assert outcome.verdict.exit_code == 3
    assert outcome.report.summary().dead == 0
    assert {e.status for e in outcome.report.entries()} == {Status.OFFLINE}


def test_the_cli_run_and_report_commands_exit_by_the_policy(
    tmp_path: Path,
    site: HTTPServer,
    url_list: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    config = tmp_path / "references.toml"
    config.write_text(
        f'state_dir = "state"\n[archive]\npublic_lookup = false\n[check]\nretries = 0\noffline_canaries = ["{site.url_for("/ok")}"]\n'
        '[report]\nformats = ["md", "json"]\n',
        encoding="utf-8",
    )
    reports = tmp_path / "out"
    argv = ["--urls", str(url_list), "--config", str(config), "--report-dir", str(reports)]
    assert main(["run", *argv, "--allow-private", "--no-archive"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refcheck: 3 sources: 1 dead") and err.count("\n") == 1
    assert sorted(p.name for p in reports.iterdir()) == ["refcheck.json", "refcheck.md"]
    (reports / "refcheck.md").unlink()
    assert main(["report", *argv]) == 1
    assert (reports / "refcheck.md").is_file()


def test_a_run_archives_what_it_checked_and_a_source_that_dies_later_points_at_its_capture(
    tmp_path: Path, site: HTTPServer, url_list: Path
) -> None:
    config = make_config(tmp_path, site.url_for("/ok"))
    site.clear()
    for path in ("/ok", "/gone"):
        site.expect_request(path).respond_with_data("<html><body>the source</body></html>", content_type="text/html")
    site.expect_request("/moved").respond_with_data("", status=301, headers={"Location": site.url_for("/ok")})
    first = run(config=config, urls_file=str(url_list), env={}, out=io.StringIO())
    assert first.archived is not None and first.verdict.exit_code == 0
    assert list((tmp_path / "archive").rglob("*.warc.gz"))
    site.clear()
    site.expect_request("/ok").respond_with_data("<html><body>the source</body></html>", content_type="text/html")
    site.expect_request("/gone").respond_with_data("not here", status=404)
    site.expect_request("/moved").respond_with_data("", status=301, headers={"Location": site.url_for("/ok")})
    second = run(config=config, urls_file=str(url_list), env={}, out=io.StringIO())
    (dead,) = [e for e in second.report.entries() if e.is_dead]
    assert dead.snapshot is not None and dead.fix is not None
    assert dead.fix.kind.value == "local-archive" and dead.snapshot.warc in dead.fix.text
    again = rerender(config=config, urls_file=str(url_list), env={}, out=io.StringIO())
    (dead_again,) = [e for e in again.report.entries() if e.is_dead]
    assert dead_again.snapshot is not None and dead_again.snapshot.warc == dead.snapshot.warc
    assert dead_again.fix == dead.fix
