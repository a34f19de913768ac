"""The GitHub Action outside GitHub: action.yml's steps run as a runner would run them.

``run_action`` reads action.yml and runs each of its ``run:`` steps in order with bash
(``-eo pipefail``, as GitHub's ``shell: bash``), filling ``${{ inputs.* }}`` and
``${{ steps.*.outputs.* }}`` from the inputs given and the ``$GITHUB_OUTPUT`` files the
earlier steps wrote, with ``GITHUB_ACTIONS=true`` and ``GITHUB_STEP_SUMMARY`` pointed at
a temporary file. Steps that use other actions (setup-python, cache, upload-artifact)
are GitHub's own and are skipped, and so is the install step: refcheck is installed in
this environment already. The fixture repository cites a live and a dead page of a
site served on 127.0.0.1 (``allow_private = true`` in its references.toml).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOWS = ROOT / ".github" / "workflows"
VENV_BIN = Path(sys.executable).parent
STEP_TIMEOUT_S = 60

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class ActionRun:
    steps: list[StepRun]
    skipped: list[str]
    outputs: dict[str, dict[str, str]]
    action_outputs: dict[str, str]
    summary: str

    @property
    def exit_code(self) -> int:
        """The code the last step (``finish``) exited with: refcheck's own."""
        return self.steps[-1].returncode

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(s.stderr for s in self.steps)


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
            i += 1
    return outputs


def substitute(text: str, inputs: Mapping[str, str], outputs: Mapping[str, Mapping[str, str]], token: str) -> str:
    """Fill the expressions action.yml's run steps use; any other one fails the test."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if m := re.fullmatch(r"inputs\.([\w-]+)", expression):
            return inputs[m.group(1)]
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return outputs.get(m.group(1), {}).get(m.group(2), "")
        if expression == "github.token":
            return token
        raise AssertionError(f"the test runner does not know the expression {expression!r}")

    return _EXPRESSION.sub(value, text)


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def run_action(
    workdir: Path, tmp: Path, inputs: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
) -> ActionRun:
    """Run action.yml's run steps in ``workdir`` as a GitHub runner would."""
    action = load_action()
    declared = action["inputs"]
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"inputs action.yml does not declare: {unknown}"
    token = (env or {}).get("GITHUB_TOKEN", "")
    values = {
        name: (inputs or {}).get(name, substitute(str(spec.get("default", "")), {}, {}, token))
        for name, spec in declared.items()
    }
    summary = tmp / "step-summary.md"
    summary.touch()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    base.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_WORKSPACE=str(workdir),
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_EVENT_NAME="schedule",
        RUNNER_TEMP=str(tmp),
    )
    base.update(env or {})
    runs: list[StepRun] = []
    skipped: list[str] = []
    outputs: dict[str, dict[str, str]] = {}
    failed = False
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name") or step.get("uses", f"step {index}")
        if "uses" in step:
            skipped.append(step["uses"])
            continue
        condition = step.get("if")
        assert condition in (None, "always()"), f"{name}: the test runner evaluates only always(), not {condition}"
        assert step["shell"] == "bash"
        assert step["run"].startswith('bash "$GITHUB_ACTION_PATH/scripts/action-steps.sh" ')
        if " install " in step["run"]:
            skipped.append(name)  # refcheck is installed here already
            continue
        if failed and condition is None:
            skipped.append(name)
            continue
        output_file = tmp / f"output-{index}.txt"
        output_file.unlink(missing_ok=True)
        step_env = {k: substitute(str(v), values, outputs, token) for k, v in (step.get("env") or {}).items()}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", substitute(step["run"], values, outputs, token)],
            cwd=workdir,
            env={**base, **step_env, "GITHUB_OUTPUT": str(output_file)},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
        )
        runs.append(StepRun(name, proc.returncode, proc.stdout, proc.stderr))
        if "id" in step:
            outputs[step["id"]] = read_outputs(output_file)
        failed = failed or proc.returncode != 0
    action_outputs = {
        name: substitute(spec["value"], values, outputs, token) for name, spec in action["outputs"].items()
    }
    return ActionRun(runs, skipped, outputs, action_outputs, summary.read_text(encoding="utf-8"))


@dataclass
class Site:
    server: HTTPServer
    github_calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.server.url_for(path)


@pytest.fixture
def site(httpserver: HTTPServer) -> Site:
    """A live page, a dead one, and a minimal GitHub issues API, on one loopback server."""
    site = Site(httpserver)
    httpserver.expect_request("/annual-report").respond_with_data(
        "<html><body><h1>Annual report</h1></body></html>", content_type="text/html"
    )
    httpserver.expect_request("/guidance-note.pdf").respond_with_data("not here", status=404)

    def github(request: Request) -> Response:
        data: Any = request.get_json(silent=True)
        site.github_calls.append((request.method, request.path, data))
        if request.method == "GET":
            return Response("[]", content_type="application/json")
        issue = {"number": 1, "title": data["title"], "body": data["body"], "html_url": "https://github.example/i/1"}
        return Response(json.dumps(issue), status=201, content_type="application/json")

    httpserver.expect_request(re.compile(r"^/repos/")).respond_with_handler(github)
    return site


def write_repository(workdir: Path, site: Site, report: str = "") -> Path:
    """A repository of documents: references.toml and one Markdown briefing."""
    (workdir / "docs").mkdir(parents=True, exist_ok=True)
    (workdir / "references.toml").write_text(
        f"""documents = ["docs/*.md"]
state_dir = ".refcheck"

[check]
allow_private = true  # the cited site is on 127.0.0.1
retries = 0
timeout = 5
offline_canaries = ["{site.url("/annual-report")}"]

[archive]
public_lookup = false

[report]
fail_on = "any"
{report}""",
        encoding="utf-8",
    )
    (workdir / "docs" / "brief.md").write_text(
        "# Briefing on access to documents\n"
        "\n"
        f"The committee's [annual report]({site.url('/annual-report')}) is the main source.\n"
        "\n"
        f"The withdrawn [guidance note]({site.url('/guidance-note.pdf')}) was cited in 2019.\n",
        encoding="utf-8",
    )
    return workdir


@pytest.fixture
def repository(tmp_path: Path, site: Site) -> Path:
    return write_repository(tmp_path / "repo", site)


@pytest.fixture
def runner_temp(tmp_path: Path) -> Path:
    path = tmp_path / "runner-temp"
    path.mkdir()
    return path


def annotation_for(run: ActionRun, site: Site) -> str:
    lines = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(lines) == 1, run.stdout
    return lines[0]


def test_fail_policy_any_fails_on_the_dead_source_with_summary_annotation_and_outputs(
    repository: Path, runner_temp: Path, site: Site
) -> None:
    run = run_action(repository, runner_temp, {"fail-policy": "any", "archive": "false"})
    assert run.exit_code == 1, run.stderr
    assert [s.returncode for s in run.steps[:-1]] == [0] * (len(run.steps) - 1)  # only 'finish' fails
    assert run.skipped == [
        "actions/setup-python@v5",
        "Install refcheck",
        "actions/cache/restore@v4",
        "actions/cache/save@v4",
        "actions/upload-artifact@v4",
        "actions/upload-artifact@v4",
    ]
    assert run.summary.startswith("# refcheck report")
    assert "**2 sources** · **1 dead**" in run.summary
    assert "guidance-note.pdf" in run.summary
    annotation = annotation_for(run, site)
    assert annotation.startswith("::error file=docs/brief.md,line=5,title=broken%3A http%3A//")
    assert "guidance-note.pdf::dead" in annotation
    assert "HTTP 404" in annotation
    assert run.action_outputs == {
        "total": "2",
        "dead": "1",
        "blocked": "0",
        "unresolved": "0",
        "report": "reports",
        "exit-code": "1",
    }
    assert run.outputs["dirs"] == {"state-dir": ".refcheck", "report-dir": "reports", "archive-dir": "archive"}
    assert (repository / "reports" / "refcheck.sarif").is_file()
    assert (repository / ".refcheck").is_dir()  # the store the cache step saves
    assert not (repository / "archive").exists()  # archive: false


def test_fail_policy_never_reports_the_dead_source_and_passes(repository: Path, runner_temp: Path, site: Site) -> None:
    run = run_action(repository, runner_temp, {"fail-policy": "never"})
    assert run.exit_code == 0, run.stderr
    assert "guidance-note.pdf" in run.summary
    assert annotation_for(run, site).startswith("::error file=docs/brief.md,line=5,")
    assert run.action_outputs["dead"] == "1" and run.action_outputs["exit-code"] == "0"
    assert list((repository / "archive").rglob("*.warc.gz"))  # archive: true by default


def test_fail_policy_persistent_passes_a_first_failure_and_fails_once_it_persists(
    tmp_path: Path, runner_temp: Path, site: Site
) -> None:
    # The file says "any" and fails after 2 runs; the input overrides the policy.
    repository = write_repository(tmp_path / "repo", site, report="fail_after_runs = 2\n")
    inputs = {"fail-policy": "persistent", "archive": "false"}
    first = run_action(repository, runner_temp, inputs)
    assert first.exit_code == 0, first.stderr
    assert "dead for fewer runs" in first.stderr
    assert annotation_for(first, site)  # annotated all the same: the editor should know

    second = run_action(repository, runner_temp, inputs)
    assert second.exit_code == 1, second.stderr
    assert "dead for at least 2 consecutive runs" in second.stderr
    assert "Still broken (1)" in second.summary


def test_a_configuration_refcheck_refuses_fails_with_2_and_one_line(
    repository: Path, runner_temp: Path, site: Site
) -> None:
    (repository / "references.toml").write_text("[report]\nfail_onn = 'any'\n", encoding="utf-8")
    run = run_action(repository, runner_temp, {"issue": "true"}, env={"GITHUB_TOKEN": "t"})
    assert run.exit_code == 2
    assert "fail_onn" in run.stderr and "Traceback" not in run.stderr
    assert site.github_calls == []


def test_the_issue_step_opens_an_issue_on_a_scheduled_run_and_never_on_a_pull_request(
    repository: Path, runner_temp: Path, site: Site
) -> None:
    env = {"GITHUB_TOKEN": "", "GITHUB_REPOSITORY": "policy-team/briefings", "GITHUB_API_URL": site.url("/")}
    inputs = {"fail-policy": "any", "archive": "false", "issue": "true", "github-token": "ghs_token"}
    run = run_action(repository, runner_temp, inputs, {**env, "GITHUB_EVENT_NAME": "pull_request"})
    assert run.exit_code == 1
    assert "issue: skipped on a pull request" in run.stderr
    assert site.github_calls == []

    run = run_action(repository, runner_temp, inputs, env)
    assert run.exit_code == 1, run.stderr
    assert [(m, p) for m, p, _ in site.github_calls] == [
        ("GET", "/repos/policy-team/briefings/issues"),
        ("POST", "/repos/policy-team/briefings/issues"),
    ]
    created = site.github_calls[1][2]
    assert created["labels"] == ["refcheck"] and "guidance-note.pdf" in created["body"]
    assert "opened issue #1" in run.stderr


def git(workdir: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def changed(workdir: Path, base: str, tmp: Path) -> dict[str, str]:
    out = tmp / "changed-output.txt"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "GITHUB_OUTPUT": str(out)}
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "action-steps.sh"), "changed", base],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        timeout=STEP_TIMEOUT_S,
    )
    return read_outputs(out)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_pull_request_checks_only_the_documents_it_changed(repository: Path, runner_temp: Path, site: Site) -> None:
    (repository / "docs" / "old.md").write_text("An old note.\n", encoding="utf-8")
    git(repository, "init", "-q")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "base")
    base = git(repository, "rev-parse", "HEAD")

    # a French name: listed as written, not octal-escaped by git
    (repository / "docs" / "résumé.md").write_text(f"See {site.url('/annual-report')}.\n", encoding="utf-8")
    (repository / "docs" / "annex.md").write_text(f"Also {site.url('/annual-report')}.\n", encoding="utf-8")
    (repository / "docs" / "data.csv").write_text("a,b\n", encoding="utf-8")  # not a document
    (repository / "NOTES.md").write_text("Not listed in references.toml.\n", encoding="utf-8")
    (repository / "docs" / "old.md").unlink()  # deleted: nothing to check
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "pull request")
    paths = "docs/annex.md\ndocs/résumé.md"  # a multi-line output, one document a line
    assert changed(repository, base, runner_temp) == {"paths": paths, "check": "true"}

    run = run_action(repository, runner_temp, {"paths": paths, "archive": "false"})
    assert run.exit_code == 0, run.stderr  # the dead source is in brief.md, which did not change
    assert run.action_outputs["total"] == "1"
    report = json.loads((repository / "reports" / "refcheck.json").read_text(encoding="utf-8"))
    assert {c["document"] for r in report["references"] for c in r["citations"]} == {"docs/annex.md", "docs/résumé.md"}

    head = git(repository, "rev-parse", "HEAD")
    (repository / "references.toml").write_text(
        (repository / "references.toml").read_text(encoding="utf-8") + "fail_after_runs = 3\n", encoding="utf-8"
    )
    git(repository, "commit", "-q", "-am", "configuration")
    assert changed(repository, head, runner_temp) == {"paths": "", "check": "true"}  # everything again

    head = git(repository, "rev-parse", "HEAD")
    (repository / "NOTES.md").write_text("Still not a listed document.\n", encoding="utf-8")
    git(repository, "commit", "-q", "-am", "notes")
    assert changed(repository, head, runner_temp) == {"paths": "", "check": "false"}


def test_the_action_declares_every_input_its_steps_read() -> None:
    action = load_action()
    used = set(re.findall(r"inputs\.([\w-]+)", ACTION.read_text(encoding="utf-8")))
    assert used == set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert spec["description"], name


def actionlint() -> str | None:
    found = VENV_BIN / "actionlint"
    return str(found) if found.is_file() else shutil.which("actionlint")


@pytest.mark.skipif(actionlint() is None, reason="actionlint is not installed (scripts/actionlint installs it)")
def test_every_workflow_passes_actionlint() -> None:
    workflows = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(workflows) >= 2
    proc = subprocess.run(
        [str(actionlint()), "-no-color", *workflows], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
