"""The issue bot against a fake GitHub REST API on 127.0.0.1: request shapes and decisions.

The fake keeps issues in memory the way GitHub does (numbers, labels, state, comments)
and records every request it saw, so the tests assert what GitHub would have been
sent: method, path, query, the three headers GitHub asks for, and the JSON bodies.
Error answers (401, 403, 404, 422, rate limits, 5xx) are queued on the fake.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from refcheck.cli import ExitCode, main
from refcheck.config import Config, ReportPolicy, config_from_mapping
from refcheck.errors import UsageError
from refcheck.report import render_json, render_markdown
from refcheck.report._github_api import MAX_BODY_CHARS
from refcheck.report.issue import (
    MARKER,
    GitHubClient,
    GitHubError,
    IssueAction,
    build_issue,
    issue_command,
    listed_keys,
    plan_issue,
)

REPO = "policy-team/briefings"
TOKEN = "ghs_test_token"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any


@dataclass
class FakeGitHub:
    """Issues in memory, a log of calls, and error answers queued for the next calls."""

    server: HTTPServer
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: list[tuple[str | None, int, dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def add_issue(self, title: str, body: str, labels: tuple[str, ...] = ("refcheck",), **extra: Any) -> int:
        number = len(self.issues) + 1
        self.issues[number] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": n} for n in labels],
            "html_url": f"https://github.example/{REPO}/issues/{number}",
            **extra,
        }
        return number

    def fail_next(
        self,
        status: int,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next call (the next one of ``method``, if given) with an error."""
        self.failures.append((method, status, body or {"message": "error"}, headers or {}))

    def handle(self, request: Request) -> Response:
        data: Any = request.get_json(silent=True)
        self.calls.append(Call(request.method, request.path, dict(request.args), dict(request.headers), data))
        failure = next((f for f in self.failures if f[0] in (None, request.method)), None)
        if failure is not None:
            self.failures.remove(failure)
            _, status, body, headers = failure
            return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        base = f"/repos/{REPO}/issues"
        one = re.fullmatch(re.escape(base) + r"/(\d+)(/comments)?", request.path)
        if request.path == base and request.method == "GET":
            label = request.args["labels"]
            found = [
                i
                for i in self.issues.values()
                if i["state"] == request.args["state"] and any(lb["name"] == label for lb in i["labels"])
            ]
            return self._json(found)
        if request.path == base and request.method == "POST":
            number = self.add_issue(data["title"], data["body"], tuple(data["labels"]))
            return self._json(self.issues[number], 201)
        if one and one.group(2) and request.method == "POST":
            self.comments.setdefault(int(one.group(1)), []).append(data["body"])
            return self._json({"id": 1, "body": data["body"]}, 201)
        if one and request.method == "PATCH":
            issue = self.issues[int(one.group(1))]
            issue.update(data)
            return self._json(issue)
        return self._json({"message": "Not Found"}, 404)

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    fake = FakeGitHub(httpserver)
    httpserver.expect_request(re.compile(r"^/repos/")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(github: FakeGitHub, waits: list[float]) -> GitHubClient:
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": github.server.url_for("/")}
    return GitHubClient.from_env(env, sleep=waits.append)


def entry(key: str, status: str = "broken", runs: int = 1, fix_url: str | None = None) -> dict[str, Any]:
    """One reference of a JSON report, in the schema's shape."""
    dead = status in ("broken", "server-error", "soft-404", "timeout", "tls-error")
    return {
        "key": key,
        "url": key,
        "status": status,
        "dead": dead,
        "result": {"http_status": 404 if status == "broken" else 200},
        "history": {"consecutive_failures": runs if dead else 0, "first_failure": "2024-04-01T05:00:00Z"},
        "fix": {"kind": "archived", "text": "cite the archived copy of 2023-01-02", "url": fix_url}
        if fix_url
        else None,
        "citations": [{"document": "docs/brief.md", "page": None, "footnote": 3, "line": 12, "language": None}],
    }


def report_json(*entries: dict[str, Any], offline: bool = False) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "run": {"id": "20240501T051700Z-abc123", "started_at": "2024-05-01T05:17:00Z", "offline": offline},
        "summary": {"sources": len(entries)},
        "references": list(entries),
    }


def write_reports(tmp_path: Path, data: dict[str, Any], markdown: str | None = "# refcheck report\n") -> Config:
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "refcheck.json").write_text(json.dumps(data), encoding="utf-8")
    if markdown is not None:
        (reports / "refcheck.md").write_text(markdown, encoding="utf-8")
    return config_from_mapping({"report": {"fail_on": "any"}}, root=str(tmp_path))


GONE = "https://www.example.org/gone.pdf"
LOST = "https://ohchr.example/lost"
ALIVE = "https://un.example/ok"


def assert_github_headers(call: Call) -> None:
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.headers["Accept"] == "application/vnd.github+json"
    assert call.headers["X-Github-Api-Version"] == "2022-11-28"
    assert call.headers["User-Agent"].startswith("refcheck/")


def test_a_failing_run_searches_open_issues_by_label_then_creates_one(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient
) -> None:
    config = write_reports(
        tmp_path, report_json(entry(GONE, fix_url="https://web.archive.org/web/2023/x"), entry(ALIVE, "alive"))
    )
    outcome = issue_command(config, env={}, client=client)
    assert outcome.plan.action is IssueAction.OPEN
    assert outcome.description.startswith("opened issue #1")
    search, create = github.calls
    assert (search.method, search.path) == ("GET", f"/repos/{REPO}/issues")
    assert search.query["labels"] == "refcheck" and search.query["state"] == "open"
    assert (create.method, create.path) == ("POST", f"/repos/{REPO}/issues")
    assert set(create.json) == {"title", "body", "labels"}
    assert create.json["title"] == "refcheck: 1 cited source is dead"
    assert create.json["labels"] == ["refcheck"]
    body = create.json["body"]
    assert body.startswith(MARKER)
    assert f"[{GONE}](<{GONE}>)" in body.replace("\\.", ".")
    assert "cite the archived copy of 2023-01-02: [https://web.archive.org/web/2023/x]" in body.replace("\\.", ".")
    assert "docs/brief.md, footnote 3, line 12" in body.replace("\\.", ".")
    assert ALIVE not in body.split("<details>")[0]  # only dead sources are listed
    for call in github.calls:
        assert_github_headers(call)


def test_a_later_run_updates_the_open_issue_and_comments_only_when_a_new_source_dies(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient
) -> None:
    config = write_reports(tmp_path, report_json(entry(GONE)))
    issue_command(config, env={}, client=client)
    github.calls.clear()

    issue_command(config, env={}, client=client)  # the same dead source: a quiet update
    assert [(c.method, c.path) for c in github.calls] == [
        ("GET", f"/repos/{REPO}/issues"),
        ("PATCH", f"/repos/{REPO}/issues/1"),
    ]
    assert set(github.calls[1].json) == {"title", "body"}
    assert github.comments == {}
    github.calls.clear()

    config = write_reports(tmp_path, report_json(entry(GONE, runs=2), entry(LOST)))
    outcome = issue_command(config, env={}, client=client)
    assert outcome.plan.action is IssueAction.UPDATE
    patch, comment = github.calls[1:]
    assert (patch.method, patch.path) == ("PATCH", f"/repos/{REPO}/issues/1")
    assert patch.json["title"] == "refcheck: 2 cited sources are dead"
    assert listed_keys(patch.json["body"]) == (GONE, LOST)
    assert (comment.method, comment.path) == ("POST", f"/repos/{REPO}/issues/1/comments")
    assert set(comment.json) == {"body"}
    assert "1 more source dead" in comment.json["body"] and "ohchr" in comment.json["body"]
    assert GONE.split("//")[1].split("/")[0] not in comment.json["body"]  # not the one already listed
    assert len(github.issues) == 1


def test_when_every_source_answers_again_the_issue_is_closed_after_a_comment(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient
) -> None:
    write_reports(tmp_path, report_json(entry(GONE)))
    issue_command(write_reports(tmp_path, report_json(entry(GONE))), env={}, client=client)
    github.calls.clear()
    env = {"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": "77"}
    outcome = issue_command(write_reports(tmp_path, report_json(entry(GONE, "alive"))), env=env, client=client)
    assert outcome.plan.action is IssueAction.CLOSE
    search, comment, close = github.calls
    assert search.method == "GET"
    assert (comment.method, comment.path) == ("POST", f"/repos/{REPO}/issues/1/comments")
    assert "All 1 cited source answer again" in comment.json["body"]
    assert f"https://github.example/{REPO}/actions/runs/77" in comment.json["body"]
    assert (close.method, close.path) == ("PATCH", f"/repos/{REPO}/issues/1")
    assert close.json == {"state": "closed", "state_reason": "completed"}
    assert github.issues[1]["state"] == "closed"

    github.calls.clear()
    outcome = issue_command(write_reports(tmp_path, report_json(entry(GONE, "alive"))), env={}, client=client)
    assert outcome.plan.action is IssueAction.NOTHING
    assert [c.method for c in github.calls] == ["GET"]  # nothing open, nothing to do


def test_the_persistent_policy_opens_nothing_for_a_source_dead_in_one_run_only(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient
) -> None:
    config = write_reports(tmp_path, report_json(entry(GONE, runs=1)))
    outcome = issue_command(config, env={}, fail_on="persistent", client=client)
    assert outcome.plan.action is IssueAction.NOTHING
    assert [c.method for c in github.calls] == ["GET"]
    outcome = issue_command(
        write_reports(tmp_path, report_json(entry(GONE, runs=2))), env={}, fail_on="persistent", client=client
    )
    assert outcome.plan.action is IssueAction.OPEN
    assert "dead for at least 2 consecutive runs" in github.issues[1]["body"]


def test_an_offline_run_leaves_the_issue_alone_and_calls_nothing(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient
) -> None:
    config = write_reports(tmp_path, report_json(entry(GONE, "offline"), offline=True))
    outcome = issue_command(config, env={}, client=client)
    assert outcome.plan.action is IssueAction.NOTHING
    assert "offline" in outcome.description
    assert github.calls == []


def test_pull_requests_and_issues_people_opened_under_the_label_are_not_taken_over(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient
) -> None:
    github.add_issue("A person's question about refcheck", "Why is this source dead?")
    github.add_issue("A pull request", MARKER, pull_request={"url": "x"})
    issue_command(write_reports(tmp_path, report_json(entry(GONE))), env={}, client=client)
    assert [(c.method, c.path) for c in github.calls][-1] == ("POST", f"/repos/{REPO}/issues")
    assert github.issues[1]["body"] == "Why is this source dead?"
    assert github.issues[2]["title"] == "A pull request"


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (401, {}, "the token was refused"),
        (403, {}, "permissions: issues: write"),
        (404, {}, f"check GITHUB_REPOSITORY ({REPO})"),
        (410, {}, "issues are disabled"),
        (422, {}, "Validation Failed (labels invalid)"),
        # the primary rate limit: nothing remains until the reset time
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1714540620"},
            "rate limit exhausted (it resets at 05:17:00 UTC)",
        ),
        # the secondary rate limit: a Retry-After
        (429, {"retry-after": "60"}, "secondary rate limit hit; retry after 60 s"),
    ],
)
def test_a_refused_call_is_one_line_naming_what_to_change(
    tmp_path: Path,
    github: FakeGitHub,
    client: GitHubClient,
    status: int,
    headers: dict[str, str],
    expected: str,
) -> None:
    if status == 422:  # the search succeeds, the creation is refused
        body = {"message": "Validation Failed", "errors": [{"field": "labels", "code": "invalid"}]}
        github.fail_next(422, body, headers, method="POST")
    else:
        github.fail_next(status, {"message": "Forbidden"}, headers)
    with pytest.raises(GitHubError) as caught:
        issue_command(write_reports(tmp_path, report_json(entry(GONE))), env={}, client=client)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_the_cli_prints_an_api_error_as_one_line_and_exits_2(
    tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_reports(tmp_path, report_json(entry(GONE)))
    (tmp_path / "references.toml").write_text('[report]\nfail_on = "any"\n', encoding="utf-8")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", "bad")
    monkeypatch.setenv("GITHUB_API_URL", github.server.url_for("/"))
    github.fail_next(401, {"message": "Bad credentials"})
    code = main(["issue", "--config", str(tmp_path / "references.toml")])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "401 Bad credentials" in err


def test_server_errors_are_retried_a_bounded_number_of_times(
    tmp_path: Path, github: FakeGitHub, client: GitHubClient, waits: list[float]
) -> None:
    github.fail_next(502)
    github.fail_next(503)
    outcome = issue_command(write_reports(tmp_path, report_json(entry(GONE))), env={}, client=client)
    assert outcome.plan.action is IssueAction.OPEN
    assert [c.method for c in github.calls] == ["GET", "GET", "GET", "POST"]
    assert waits == [2.0, 4.0]

    github.calls.clear()
    waits.clear()
    for _ in range(5):
        github.fail_next(500, {"message": "Server Error"})
    with pytest.raises(GitHubError, match="answered 500 Server Error"):
        issue_command(write_reports(tmp_path, report_json(entry(GONE))), env={}, client=client)
    assert len(github.calls) == 3 and len(waits) == 2


def test_an_unreachable_api_is_one_line_too(tmp_path: Path, closed_port: int) -> None:
    client = GitHubClient(repository=REPO, token=TOKEN, api_url=f"http://127.0.0.1:{closed_port}", sleep=lambda s: None)
    with pytest.raises(GitHubError, match="cannot reach"):
        issue_command(write_reports(tmp_path, report_json(entry(GONE))), env={}, client=client)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITHUB_TOKEN": TOKEN}, "GITHUB_REPOSITORY is not set"),
        ({"GITHUB_REPOSITORY": REPO}, "no GitHub token"),
        ({"GITHUB_REPOSITORY": "not a repository", "GITHUB_TOKEN": TOKEN}, "must be 'owner/name'"),
    ],
)
def test_missing_github_variables_are_a_usage_error(env: dict[str, str], expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        GitHubClient.from_env(env)


def test_a_missing_report_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no JSON report"):
        issue_command(config_from_mapping({}, root=str(tmp_path)), env={})


def test_a_dry_run_prints_the_issue_and_calls_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_reports(tmp_path, report_json(entry(GONE)))
    (tmp_path / "references.toml").write_text("", encoding="utf-8")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    code = main(["issue", "--config", str(tmp_path / "references.toml"), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK
    assert out.startswith("# refcheck: 1 cited source is dead")
    assert MARKER in out
    assert "dry run: would open an issue" in err


def test_the_body_is_built_from_the_real_reports_and_fits_an_issue(tmp_path: Path) -> None:
    from report_samples import make_sample_report

    report = make_sample_report()
    data = json.loads(render_json(report))
    markdown = render_markdown(report)
    content = build_issue(data, markdown, ReportPolicy(fail_on="any"))
    dead = [r["key"] for r in data["references"] if r["dead"]]
    assert dead and content.failing == tuple(dead)
    assert "<details><summary>The full report of this run</summary>" in content.body
    assert markdown in content.body

    huge = markdown + "".join(f"| row {i} | {'x' * 200} |\n" for i in range(2000))
    content = build_issue(data, huge, ReportPolicy(fail_on="any"))
    assert len(content.body) <= MAX_BODY_CHARS
    assert "The report was cut to fit an issue" in content.body
    assert content.body.rstrip().endswith("</details>")


def test_cells_written_by_strangers_cannot_break_the_table() -> None:
    key = "https://evil.example/a|b<script>--><img src=x>"
    content = build_issue(report_json(entry(key)), None, ReportPolicy(fail_on="any"))
    row = next(line for line in content.body.splitlines() if line.startswith(("| [", "| https")))
    assert row.count(" | ") == 4  # five cells, the | in the URL escaped
    assert not re.search(r"(?<!\\)<(script|img)", content.body)  # only as escaped text
    assert content.body.count("-->") == 2  # the two markers' own ends, nothing else
    assert listed_keys(content.body) == (key,)


def test_a_source_dead_for_fewer_runs_is_named_beside_the_persistent_ones() -> None:
    content = build_issue(
        report_json(entry(GONE, runs=3), entry(LOST, runs=1)), None, ReportPolicy(fail_on="persistent")
    )
    assert content.failing == (GONE,)
    assert "Also dead, for fewer runs so far" in content.body
    assert plan_issue(content, None).action is IssueAction.OPEN


def test_the_never_policy_still_lists_every_dead_source() -> None:
    content = build_issue(report_json(entry(GONE)), None, ReportPolicy(fail_on="never"))
    assert content.failing == (GONE,)


def test_a_report_of_another_shape_is_refused() -> None:
    with pytest.raises(UsageError, match="not a refcheck JSON report"):
        build_issue({"schema_version": "2.0", "references": []}, None, ReportPolicy())
