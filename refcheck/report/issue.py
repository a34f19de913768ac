"""The issue bot: one GitHub issue listing the dead sources, opened, updated and closed.

A team keeping documents in a repository learns of a dead source the way it learns of
anything else: an issue. Exactly one is kept open. It is found again by a hidden
marker (``<!-- refcheck:issue -->``) among the open issues labelled ``refcheck``; its
body is rewritten on each run from the run's reports (the dead sources with their
suggested fixes, then the Markdown report folded away); a comment is added when a
source dies that the issue did not list yet (an edited body notifies nobody); and it
is closed, with a comment, once every source answers again.

The fail policy decides what counts as breakage worth an issue, as it decides the
exit code: ``persistent`` waits until a source has been dead for ``fail_after_runs``
consecutive runs, so one flaky night opens nothing; ``any`` opens on the first dead
source. ``never`` only keeps the job green; the issue then lists every dead source,
because the issue is how a report-only job is heard. An offline run judged nothing
and leaves the issue as it is.

The decision is pure (``build_issue``, ``plan_issue``); only ``sync_issue`` talks to
GitHub, through ``GitHubClient``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote

from refcheck.config import FAIL_POLICIES, Config, ReportPolicy
from refcheck.errors import UsageError
from refcheck.report._github_api import MAX_BODY_CHARS, GitHubClient, GitHubError, Issue
from refcheck.report.markdown import escape_cell

__all__ = [
    "LABEL",
    "MARKER",
    "GitHubClient",
    "GitHubError",
    "Issue",
    "IssueAction",
    "IssueContent",
    "IssuePlan",
    "build_issue",
    "find_issue",
    "issue_command",
    "listed_keys",
    "plan_issue",
    "run_url",
    "sync_issue",
]

MARKER = "<!-- refcheck:issue -->"
LABEL = "refcheck"
REPORT_JSON = "refcheck.json"
REPORT_MD = "refcheck.md"
#: The keys an issue lists, kept in its body so the next run can tell what is new.
_LISTED = re.compile(r"<!-- refcheck:failing (\[.*?\]) -->")
_CUT_NOTE = "\n\n_The report was cut to fit an issue; the full report is in the run's artifacts._\n"


class IssueAction(StrEnum):
    """What the bot does to the issue."""

    OPEN = "open"
    UPDATE = "update"
    CLOSE = "close"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueContent:
    """What one run says the issue should be."""

    title: str
    body: str
    failing: tuple[str, ...]  # dead sources that count by the fail policy
    dead: tuple[str, ...]  # every dead source, counted or not yet
    sources: int
    offline: bool
    run_label: str  # "run 20240501T051700Z, 2024-05-01 05:17 UTC", for comments


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuePlan:
    """The calls to make: create, update (with an optional comment), close, or none."""

    action: IssueAction
    reason: str
    number: int | None = None
    title: str | None = None
    body: str | None = None
    comment: str | None = None


def _link(text: str, url: str) -> str:
    safe = quote(url, safe="/:?#[]@!$&'*+,;=%~-._")
    return f"[{escape_cell(text)}](<{safe}>)"


def _location(citation: Mapping[str, Any]) -> str:
    parts = [str(citation.get("document") or "?")]
    for name in ("page", "footnote", "line"):
        if citation.get(name) is not None:
            parts.append(f"{name} {citation[name]}")
    text = ", ".join(parts)
    return f"{text} ({citation['language']})" if citation.get("language") else text


def _runs(entry: Mapping[str, Any]) -> int:
    # A source without history is in its first failing run (as the fail policy counts).
    history = entry.get("history") or {}
    return int(history.get("consecutive_failures") or 1)


def _is_failing(entry: Mapping[str, Any], policy: ReportPolicy) -> bool:
    return policy.fail_on != "persistent" or _runs(entry) >= policy.fail_after_runs


def _dead_row(entry: Mapping[str, Any]) -> str:
    url = entry.get("url")
    key = str(entry["key"])
    source = _link(url, url) if url else escape_cell(key)
    if url and key != url:
        source += f"<br>{escape_cell(key)}"
    result = entry.get("result") or {}
    status = escape_cell(str(entry.get("status")))
    if result.get("http_status"):
        status += f" (HTTP {result['http_status']})"
    runs = _runs(entry)
    since = str((entry.get("history") or {}).get("first_failure") or "")[:10]
    dead_for = f"{runs} run{'s' if runs != 1 else ''}" + (f", since {since}" if since else "")
    where = "<br>".join(escape_cell(_location(c)) for c in entry.get("citations") or ()) or "(a listed URL)"
    fix = entry.get("fix") or {}
    fix_cell = escape_cell(str(fix.get("text") or ""))
    if fix.get("url"):
        fix_cell += ": " + _link(str(fix["url"]), str(fix["url"]))
    return f"| {source} | {status} | {dead_for} | {where} | {fix_cell} |"


def _fit_report(markdown: str, room: int) -> str:
    if len(markdown) <= room:
        return markdown
    head = markdown[: max(0, room - len(_CUT_NOTE))]
    return head[: head.rfind("\n") + 1] + _CUT_NOTE


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _keys_json(keys: Sequence[str]) -> str:
    # Keys are URLs from documents, written by strangers: a "-->" in one must not end
    # the HTML comment and let the rest of it render. JSON's \u escapes keep it inert.
    return json.dumps(list(keys)).replace("<", "\\u003c").replace(">", "\\u003e")


def run_url(env: Mapping[str, str]) -> str | None:
    """The address of the workflow run, from the variables GitHub Actions sets."""
    server, repo, run_id = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if not (server and repo and run_id):
        return None
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"


def build_issue(
    report: Mapping[str, Any], markdown: str | None, policy: ReportPolicy, *, workflow_run: str | None = None
) -> IssueContent:
    """Build the issue's title and body from a run's JSON and Markdown reports; pure.

    Args:
        report: the JSON report (``reports/refcheck.json``) as parsed.
        markdown: the Markdown report, folded into the body; None leaves it out.
        policy: the fail policy (``fail_on``, ``fail_after_runs``).
        workflow_run: the address of the workflow run, linked from the body.

    Returns:
        The title and body, and which sources are dead and which count.

    Raises:
        UsageError: ``report`` is not a refcheck JSON report of schema 1.
    """
    if not str(report.get("schema_version", "")).startswith("1.") or "references" not in report:
        raise UsageError("not a refcheck JSON report (schema 1.x): run 'refcheck run' with the json format")
    run = report.get("run") or {}
    started = str(run.get("started_at") or "").replace("T", " ")[:16]
    run_label = f"run {run.get('id', '?')}" + (f", {started} UTC" if started else "")
    if workflow_run:
        run_label = f"[{run_label}]({workflow_run})"
    dead = [e for e in report["references"] if e.get("dead")]
    failing = [e for e in dead if _is_failing(e, policy)]
    waiting = [e for e in dead if not _is_failing(e, policy)]
    listed = failing or waiting
    n = len(listed)
    title = f"refcheck: {_plural(n, 'cited source')} {'is' if n == 1 else 'are'} dead"
    why = (
        f"dead for at least {policy.fail_after_runs} consecutive runs"
        if policy.fail_on == "persistent"
        else "dead in this run"
    )
    lines = [
        MARKER,
        f"<!-- refcheck:failing {_keys_json([str(e['key']) for e in failing])} -->",
        "",
        f"**{_plural(len(failing), 'cited source')} {why}**, as found by {run_label}."
        if failing
        else f"**No source is {why} yet**, as found by {run_label}.",
        "",
        "This issue is kept by refcheck: each scheduled run rewrites this list, comments when another "
        "source dies, and closes the issue once every source answers again.",
    ]
    if listed:
        lines += [
            "",
            "| Source | Status | Dead for | Cited in | Suggested fix |",
            "| --- | --- | --- | --- | --- |",
            *(_dead_row(e) for e in listed),
        ]
    if failing and waiting:
        names = ", ".join(f"{escape_cell(str(e['key']))} ({_plural(_runs(e), 'run')})" for e in waiting)
        lines += ["", f"Also dead, for fewer runs so far (perhaps a flaky night): {names}."]
    head = "\n".join(lines) + "\n"
    body = head
    if markdown:
        fold = ("\n<details><summary>The full report of this run</summary>\n\n", "\n</details>\n")
        room = MAX_BODY_CHARS - len(head) - sum(len(p) for p in fold)
        if room > 200:
            body = head + fold[0] + _fit_report(markdown, room) + fold[1]
    if len(body) > MAX_BODY_CHARS:  # a table of thousands of dead sources
        body = _fit_report(body, MAX_BODY_CHARS)
    return IssueContent(
        title=title,
        body=body,
        failing=tuple(str(e["key"]) for e in failing),
        dead=tuple(str(e["key"]) for e in dead),
        sources=len(report["references"]),
        offline=bool(run.get("offline")) or any(e.get("status") == "offline" for e in report["references"]),
        run_label=run_label,
    )


def listed_keys(body: str) -> tuple[str, ...]:
    """The failing keys an issue body lists (from its hidden marker); empty if none."""
    match = _LISTED.search(body)
    if not match:
        return ()
    try:
        keys = json.loads(match.group(1))
    except ValueError:
        return ()
    return tuple(str(k) for k in keys) if isinstance(keys, list) else ()


def find_issue(issues: Sequence[Issue]) -> Issue | None:
    """The oldest open issue that carries the bot's marker (others are people's own)."""
    return next((i for i in sorted(issues, key=lambda i: i.number) if MARKER in i.body), None)


def plan_issue(content: IssueContent, existing: Issue | None) -> IssuePlan:
    """Decide what to do to the issue; pure.

    Opens an issue on breakage that counts by the fail policy, updates the open one
    while anything is dead (commenting when a source died that it did not list yet),
    closes it with a comment once nothing is dead, and does nothing after an offline
    run.
    """
    if content.offline:
        return IssuePlan(action=IssueAction.NOTHING, reason="offline: nothing was judged, the issue is left as it is")
    if not content.dead:
        if existing is None:
            return IssuePlan(action=IssueAction.NOTHING, reason=f"all {content.sources} sources healthy; no issue open")
        comment = (
            f"All {_plural(content.sources, 'cited source')} answer again ({content.run_label}). "
            "Closing; refcheck opens a new issue if a source dies."
        )
        return IssuePlan(
            action=IssueAction.CLOSE,
            number=existing.number,
            comment=comment,
            reason=f"all {content.sources} sources healthy",
        )
    if existing is None:
        if not content.failing:
            return IssuePlan(
                action=IssueAction.NOTHING,
                reason=f"{len(content.dead)} dead, none for enough runs yet; no issue opened",
            )
        return IssuePlan(
            action=IssueAction.OPEN,
            title=content.title,
            body=content.body,
            reason=f"{len(content.failing)} dead",
        )
    new = [k for k in content.failing if k not in set(listed_keys(existing.body))]
    note: str | None = None
    if new:
        names = "\n".join(f"- {escape_cell(k)}" for k in new)
        note = (
            f"{_plural(len(new), 'more source')} dead since this issue was last updated "
            f"({content.run_label}):\n\n{names}\n"
        )
    return IssuePlan(
        action=IssueAction.UPDATE,
        number=existing.number,
        title=content.title,
        body=content.body,
        comment=note,
        reason=f"{len(content.dead)} dead, {len(new)} newly listed",
    )


def sync_issue(client: GitHubClient, plan: IssuePlan, *, label: str = LABEL) -> str:
    """Make the calls ``plan`` asks for; return one line saying what was done.

    Raises:
        GitHubError: GitHub refused or failed a call.
    """
    if plan.action is IssueAction.OPEN:
        assert plan.title is not None and plan.body is not None
        issue = client.create_issue(title=plan.title, body=plan.body, labels=(label,))
        return f"opened issue #{issue.number} ({plan.reason}): {issue.url}"
    if plan.action is IssueAction.UPDATE:
        assert plan.number is not None
        issue = client.update_issue(plan.number, title=plan.title, body=plan.body)
        if plan.comment:
            client.add_comment(plan.number, plan.comment)
        return f"updated issue #{issue.number} ({plan.reason}): {issue.url}"
    if plan.action is IssueAction.CLOSE:
        assert plan.number is not None and plan.comment is not None
        # The comment first: closing notifies no one of why.
        client.add_comment(plan.number, plan.comment)
        issue = client.update_issue(plan.number, state="closed", state_reason="completed")
        return f"closed issue #{issue.number} ({plan.reason}): {issue.url}"
    return plan.reason


def _read_report(directory: Path) -> tuple[dict[str, Any], str | None]:
    path = directory / REPORT_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no JSON report at {path}: run 'refcheck run' (with the json format) first") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the JSON report: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: not a refcheck JSON report")
    md = directory / REPORT_MD
    return data, md.read_text(encoding="utf-8") if md.is_file() else None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueOutcome:
    """What ``refcheck issue`` did: a line for the log, and the plan (for --dry-run)."""

    description: str
    plan: IssuePlan


def issue_command(
    config: Config,
    *,
    report_dir: str | None = None,
    fail_on: str | None = None,
    label: str = LABEL,
    dry_run: bool = False,
    env: Mapping[str, str],
    client: GitHubClient | None = None,
) -> IssueOutcome:
    """Open, update or close the refcheck issue from the last run's reports.

    Args:
        config: the configuration (report directory, fail policy).
        report_dir: where the reports are (default: ``[report] dir``).
        fail_on: ``any``, ``persistent`` or ``never``, overriding ``[report] fail_on``.
        label: the label the issue carries and is searched by.
        dry_run: decide as if no issue were open, and call nothing.
        env: the environment: ``GITHUB_REPOSITORY``, ``GITHUB_TOKEN``, ``GITHUB_API_URL``.
        client: a GitHub client (default: one built from ``env``).

    Returns:
        What was done, in one line, and the plan.

    Raises:
        UsageError: no report, a bad fail policy, or GitHub variables missing.
        GitHubError: GitHub refused or failed a call.
    """
    policy = config.report
    if fail_on is not None:
        if fail_on not in FAIL_POLICIES:
            raise UsageError(f"fail policy must be one of {', '.join(FAIL_POLICIES)}, not {fail_on!r}")
        policy = replace(policy, fail_on=fail_on)
    directory = Path(report_dir) if report_dir else config.resolve_path(config.report.dir)
    data, markdown = _read_report(directory)
    content = build_issue(data, markdown, policy, workflow_run=run_url(env))
    if dry_run or content.offline:
        plan = plan_issue(content, None)
        if content.offline:
            return IssueOutcome(description=plan.reason, plan=plan)
        what = "change nothing" if plan.action is IssueAction.NOTHING else f"{plan.action.value} an issue"
        return IssueOutcome(description=f"dry run: would {what} ({plan.reason})", plan=plan)
    owned = client is None
    github = client or GitHubClient.from_env(env)
    try:
        plan = plan_issue(content, find_issue(github.open_issues(label)))
        return IssueOutcome(description=sync_issue(github, plan, label=label), plan=plan)
    finally:
        if owned:
            github.close()
