"""A small client of the GitHub REST API: the five issue calls the issue bot makes.

Why our own and not a GitHub SDK: the bot needs five calls (list open issues by
label, create, update, comment, close), and each failure must become one line a
workflow log shows (a 403 means the job lacks ``issues: write``; a 404 means the
token cannot see the repository), never a traceback. httpx is already how refcheck
speaks HTTP. Server errors (5xx) and dropped connections are retried a bounded
number of times; client errors and rate limits are not, because waiting in a
scheduled job would only burn its minutes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from refcheck import __version__
from refcheck.errors import RefcheckError, UsageError

DEFAULT_API_URL = "https://api.github.com"
#: The REST API version the request and response shapes below follow.
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
MAX_ATTEMPTS = 3
RETRY_BACKOFF_S = 2.0
TIMEOUT_S = 30.0
#: GitHub refuses an issue body or comment longer than this.
MAX_BODY_CHARS = 65536

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

Sleep = Callable[[float], None]


class GitHubError(RefcheckError):
    """The GitHub API refused or failed a call; the message says what to change."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """An issue as the API returns it, reduced to what the bot reads."""

    number: int
    title: str
    body: str
    url: str  # the page a person opens (html_url)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Issue:
        """Build an Issue from the API's JSON object."""
        return cls(
            number=int(data["number"]),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            url=str(data.get("html_url") or ""),
        )


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _api_message(response: httpx.Response) -> str:
    # GitHub answers errors with {"message": ..., "errors": [...]}; a proxy may not.
    try:
        data = response.json()
    except ValueError:
        return _one_line(response.text) or response.reason_phrase
    if not isinstance(data, dict):
        return response.reason_phrase
    message = str(data.get("message") or response.reason_phrase)
    details = [
        str(e.get("message") or f"{e.get('field', '?')} {e.get('code', 'invalid')}")
        for e in data.get("errors") or ()
        if isinstance(e, dict)
    ]
    return _one_line(message + (f" ({'; '.join(details)})" if details else ""))


def _rate_limit(response: httpx.Response) -> str | None:
    # Primary limit: x-ratelimit-remaining reaches 0; secondary limit: Retry-After.
    # Both arrive as 403 or 429 (docs: "Rate limits for the REST API").
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")
        when = (
            datetime.fromtimestamp(int(reset), UTC).strftime(" (it resets at %H:%M:%S UTC)") if reset.isdigit() else ""
        )
        return f"GitHub API rate limit exhausted{when}; run again later"
    if response.status_code == 429 or "retry-after" in response.headers:
        after = response.headers.get("retry-after")
        return "GitHub API secondary rate limit hit" + (f"; retry after {after} s" if after else "")
    return None


def explain_error(response: httpx.Response, repository: str) -> str:
    """One line saying why GitHub refused a call and what to change."""
    status = response.status_code
    message = _api_message(response)
    what = f"GitHub API: {response.request.method} {response.request.url.path} answered {status} {message}"
    if status in (403, 429) and (limited := _rate_limit(response)):
        return limited
    if status == 401:
        return f"{what}: the token was refused; pass a valid github-token (GITHUB_TOKEN)"
    if status == 403:
        return f"{what}: the token may not write issues; give the job 'permissions: issues: write'"
    if status == 404:
        return f"{what}: check GITHUB_REPOSITORY ({repository}) and that the token can see that repository"
    if status == 410:
        return f"{what}: issues are disabled on {repository}"
    if status == 422:
        return f"{what}: GitHub refused the request's content"
    return what


class GitHubClient:
    """Issue calls on one repository, authenticated with one token.

    Args:
        repository: ``owner/name``.
        token: a token that may read and write the repository's issues.
        api_url: the REST API root (``GITHUB_API_URL``; GitHub Enterprise differs).
        transport: an httpx transport (tests; default: the network).
        sleep: how to wait between retries (tests pass a fast one).
        attempts: how many times a call is tried when the server fails (5xx).

    Raises:
        UsageError: the repository is not ``owner/name`` or the token is empty.
    """

    def __init__(
        self,
        *,
        repository: str,
        token: str,
        api_url: str = DEFAULT_API_URL,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if not _REPOSITORY.match(repository):
            raise UsageError(f"GITHUB_REPOSITORY must be 'owner/name', not {repository!r}")
        if not token:
            raise UsageError("no GitHub token: set GITHUB_TOKEN (in a workflow: ${{ github.token }})")
        self.repository = repository
        self._sleep = sleep
        self._attempts = max(1, attempts)
        self._http = httpx.Client(
            base_url=api_url.rstrip("/") + "/",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": MEDIA_TYPE,
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"refcheck/{__version__}",
            },
            timeout=TIMEOUT_S,
            transport=transport,
            follow_redirects=False,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str], **kwargs: Any) -> GitHubClient:
        """A client from the variables a GitHub Actions runner sets.

        ``GITHUB_REPOSITORY`` and ``GITHUB_TOKEN`` are required; ``GITHUB_API_URL``
        defaults to github.com's.

        Raises:
            UsageError: a required variable is missing.
        """
        repository = env.get("GITHUB_REPOSITORY", "")
        if not repository:
            raise UsageError("GITHUB_REPOSITORY is not set: name the repository as owner/name")
        return cls(
            repository=repository,
            token=env.get("GITHUB_TOKEN", ""),
            api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
            **kwargs,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _path(self, *parts: str | int) -> str:
        owner, name = self.repository.split("/")
        return "/".join(["repos", quote(owner, safe=""), quote(name, safe=""), *(str(p) for p in parts)])

    def _request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None) -> Any:
        """Make one call, retrying on 5xx and dropped connections; return the JSON answer."""
        for attempt in range(self._attempts):
            last = attempt == self._attempts - 1
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.TransportError as exc:
                if last:
                    raise GitHubError(f"GitHub API: cannot reach {self._http.base_url}: {_one_line(str(exc))}") from exc
            else:
                if response.status_code < 400:
                    return response.json() if response.content else None
                if response.status_code < 500 or last:
                    raise GitHubError(explain_error(response, self.repository))
            # NOTE a POST that failed with 5xx may still have been applied; a second
            # issue is the worse outcome only in theory, since the next run finds both
            # by their marker and keeps updating the oldest.
            self._sleep(RETRY_BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def open_issues(self, label: str) -> list[Issue]:
        """The open issues carrying ``label``, oldest first (pull requests left out).

        One page of 100 is read: the bot keeps one issue open, so more never matter.
        """
        data = self._request(
            "GET",
            self._path("issues"),
            params={"labels": label, "state": "open", "sort": "created", "direction": "asc", "per_page": "100"},
        )
        if not isinstance(data, list):
            raise GitHubError("GitHub API: the list of issues is not a JSON array")
        # The issues endpoint lists pull requests too; they carry a "pull_request" key.
        return [Issue.from_json(item) for item in data if isinstance(item, dict) and "pull_request" not in item]

    def create_issue(self, *, title: str, body: str, labels: tuple[str, ...]) -> Issue:
        """Open an issue."""
        data = self._request("POST", self._path("issues"), json={"title": title, "body": body, "labels": list(labels)})
        return Issue.from_json(data)

    def update_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
    ) -> Issue:
        """Change an issue's title, body or state; fields left as None are not sent."""
        fields = {"title": title, "body": body, "state": state, "state_reason": state_reason}
        data = self._request(
            "PATCH", self._path("issues", number), json={k: v for k, v in fields.items() if v is not None}
        )
        return Issue.from_json(data)

    def add_comment(self, number: int, body: str) -> None:
        """Comment on an issue (which notifies its watchers; an edited body does not)."""
        self._request("POST", self._path("issues", number, "comments"), json={"body": body})
