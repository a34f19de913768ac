"""references.toml -> a frozen ``Config``, refusing what it does not understand.

A typo in a configuration file must never be silently ignored: a misspelt
``allow_privat = true`` that is dropped would make refcheck behave differently from
what the user wrote. So every table has a schema; an unknown key or a wrong type is a
``ConfigError`` naming the file, the dotted key and its line.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refcheck.errors import ConfigError
from refcheck.models import Status

DEFAULT_CONFIG_NAME = "references.toml"
DEFAULT_STATE_DIR = ".refcheck"
DEFAULT_ARCHIVE_DIR = "archive"
DEFAULT_REPORT_DIR = "reports"
DEFAULT_CONCURRENCY = 64
DEFAULT_HOST_CONCURRENCY = 4
DEFAULT_HOST_DELAY_S = 0.0
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_RETRIES = 3
DEFAULT_MAX_AGE_S = 0.0
DEFAULT_RETRY_AFTER_CAP_S = 120.0
DEFAULT_RETRY_BACKOFF_S = 0.5
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 10
DEFAULT_CONFIRM_RUNS = 3
DEFAULT_CONFIRM_DAYS = 3.0
DEFAULT_USER_AGENT = "refcheck/{version} (citation link checker; +https://github.com/refcheck/refcheck)"
FAIL_POLICIES = ("any", "persistent", "never")
REPORT_FORMATS = ("html", "md", "json", "csv", "sarif")


@dataclass(frozen=True, slots=True, kw_only=True)
class HostPolicy:
    """Overrides for one host (``[check.hosts."example.org"]``)."""

    concurrency: int | None = None
    delay_s: float | None = None
    method: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPolicy:
    """How to fetch: limits, retries, caching and safety."""

    concurrency: int = DEFAULT_CONCURRENCY
    host_concurrency: int = DEFAULT_HOST_CONCURRENCY
    host_delay_s: float = DEFAULT_HOST_DELAY_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    run_timeout_s: float | None = None
    retries: int = DEFAULT_RETRIES
    max_age_s: float = DEFAULT_MAX_AGE_S
    retry_after_cap_s: float = DEFAULT_RETRY_AFTER_CAP_S
    retry_backoff_s: float = DEFAULT_RETRY_BACKOFF_S
    method: str = "get"
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False
    allowed_addresses: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    confirm_runs: int = DEFAULT_CONFIRM_RUNS
    confirm_days: float = DEFAULT_CONFIRM_DAYS
    exclude: tuple[str, ...] = ()
    hosts: tuple[tuple[str, HostPolicy], ...] = ()
    doi_handle_api: str = "https://doi.org/api/handles/{doi}"
    offline_canaries: tuple[str, ...] = (
        "https://www.wikipedia.org/",
        "https://www.cloudflare.com/",
        "https://www.google.com/",
    )

    def host(self, name: str) -> HostPolicy:
        """Return the overrides for ``name`` (empty when there are none)."""
        for host, policy in self.hosts:
            if host == name:
                return policy
        return HostPolicy()


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivePolicy:
    """Where and how to archive what documents cite."""

    dir: str = DEFAULT_ARCHIVE_DIR
    operator: str = ""
    collection: str = "refcheck"
    public_lookup: bool = True
    save: bool = False
    access_key: str = ""
    secret_key: str = ""
    cdx_api: str = "https://web.archive.org/cdx/search/cdx"
    save_api: str = "https://web.archive.org/save"
    status_api: str = "https://web.archive.org/save/status/{job_id}"
    wayback_base: str = "https://web.archive.org/web"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportPolicy:
    """Where reports go and when a run fails."""

    dir: str = DEFAULT_REPORT_DIR
    formats: tuple[str, ...] = REPORT_FORMATS
    fail_on: str = "any"
    fail_after_runs: int = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class CuratedReference:
    """A correction an editor made by hand in references.toml."""

    line: int | None
    match: str | None = None
    key: str | None = None
    url: str | None = None
    ignore: bool = False
    archived: str | None = None
    accept: tuple[Status, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration, parsed once and passed explicitly."""

    path: str | None = None
    root: str = "."
    documents: tuple[str, ...] = ()
    state_dir: str = DEFAULT_STATE_DIR
    check: CheckPolicy = field(default_factory=CheckPolicy)
    archive: ArchivePolicy = field(default_factory=ArchivePolicy)
    report: ReportPolicy = field(default_factory=ReportPolicy)
    references: tuple[CuratedReference, ...] = ()
    sha256: str = ""

    def resolve_path(self, relative: str) -> Path:
        """Return ``relative`` resolved against the directory of the configuration."""
        return Path(self.root) / relative


# A schema maps each allowed key to a checker that returns the converted value or
# raises ValueError with the reason; a nested Mapping is a sub-table.
Checker = Callable[[Any], Any]
Schema = Mapping[str, "Checker | Schema"]


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number of at least 0")
    return value


def _non_negative_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError("must be a number of at least 0")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


def _one_of(*choices: str) -> Checker:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(repr(c) for c in choices)}")
        return str(value)

    return check


def _subset_of(*choices: str) -> Checker:
    def check(value: Any) -> tuple[str, ...]:
        items = _strings(value)
        bad = [v for v in items if v not in choices]
        if bad:
            raise ValueError(f"unknown value {bad[0]!r}; choose from {', '.join(choices)}")
        return items

    return check


def _regexes(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    for item in items:
        try:
            re.compile(item)
        except re.error as exc:
            raise ValueError(f"{item!r} is not a valid regular expression ({exc})") from None
    return items


def _networks(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network such as 10.0.0.0/8") from None
    return items


def _statuses(value: Any) -> tuple[Status, ...]:
    return tuple(Status(v) for v in _subset_of(*(s.value for s in Status))(value))


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> float:
    """Parse ``90``, ``"90s"``, ``"15m"``, ``"12h"``, ``"7d"`` or ``"2w"`` into seconds.

    Raises:
        ValueError: the value is not such a duration.
    """
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str) and (m := _DURATION.match(value)):
        return float(m.group(1)) * _DURATION_UNITS[m.group(2)]
    raise ValueError("must be a duration such as 3600, '30m', '12h' or '7d'")


_HOST_SCHEMA: Schema = {
    "concurrency": _positive_int,
    "delay": _non_negative_float,
    "method": _one_of("get", "head"),
}

_SCHEMA: Schema = {
    "documents": _strings,
    "state_dir": _string,
    "check": {
        "concurrency": _positive_int,
        "host_concurrency": _positive_int,
        "host_delay": _non_negative_float,
        "timeout": _non_negative_float,
        "run_timeout": _non_negative_float,
        "retries": _non_negative_int,
        "max_age": parse_duration,
        "retry_after_cap": _non_negative_float,
        "retry_backoff": _non_negative_float,
        "method": _one_of("get", "head"),
        "user_agent": _string,
        "allow_private": _bool,
        "allowed_addresses": _networks,
        "max_body_bytes": _positive_int,
        "max_redirects": _non_negative_int,
        "confirm_runs": _positive_int,
        "confirm_days": _non_negative_float,
        "exclude": _regexes,
        "doi_handle_api": _string,
        "offline_canaries": _strings,
        "hosts": {},  # free-form host names, each validated against _HOST_SCHEMA
    },
    "archive": {
        "dir": _string,
        "operator": _string,
        "collection": _string,
        "public_lookup": _bool,
        "save": _bool,
        "access_key": _string,
        "secret_key": _string,
        "cdx_api": _string,
        "save_api": _string,
        "status_api": _string,
        "wayback_base": _string,
    },
    "report": {
        "dir": _string,
        "formats": _subset_of(*REPORT_FORMATS),
        "fail_on": _one_of(*FAIL_POLICIES),
        "fail_after_runs": _positive_int,
    },
    "references": {
        "match": _string,
        "key": _string,
        "url": _string,
        "ignore": _bool,
        "archived": _string,
        "accept": _statuses,
        "note": _string,
    },
}


class _LineFinder:
    """Find the line of a dotted key in TOML text, for error messages.

    tomllib returns no positions, and a message without a line makes a user hunt;
    a small scan of headers and ``key =`` lines is enough for hand-written files.
    """

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
    _KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()

    def find(self, dotted: tuple[str, ...], index: int | None = None) -> int | None:
        table: tuple[str, ...] = ()
        seen_array = -1
        best: int | None = None
        for number, line in enumerate(self._lines, start=1):
            if header := self._HEADER.match(line):
                table = tuple(_split_dotted(header.group(1)))
                if line.lstrip().startswith("[[") and table == dotted[: len(table)]:
                    seen_array += 1
                if table == dotted and (index is None or seen_array == index):
                    best = best or number
                continue
            if key := self._KEY.match(line):
                full = table + tuple(_split_dotted(key.group(1)))
                in_entry = index is None or seen_array == index
                if full == dotted and in_entry:
                    return number
        return best


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', text)
    return [a or b or c for a, b, c in parts]


def _validate(
    table: Mapping[str, Any],
    schema: Schema,
    path: tuple[str, ...],
    fail: Callable[[tuple[str, ...], str], ConfigError],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        where = (*path, key)
        if key not in schema:
            allowed = ", ".join(sorted(schema)) or "none"
            raise fail(where, f"unknown key (allowed here: {allowed})")
        rule = schema[key]
        if isinstance(rule, Mapping):
            if not isinstance(value, dict):
                raise fail(where, "must be a table")
            out[key] = _validate(value, rule, where, fail) if rule else value
        else:
            try:
                out[key] = rule(value)
            except ValueError as exc:
                raise fail(where, str(exc)) from None
    return out


def load_config(path: str | Path | None = None, *, root: str | Path | None = None) -> Config:
    """Read and validate a references.toml.

    Args:
        path: the file; ``None`` means ``references.toml`` in ``root`` if it exists,
            else the built-in defaults.
        root: the directory relative paths are taken from (default: the file's directory,
            or the current directory when there is no file).

    Returns:
        The frozen configuration.

    Raises:
        ConfigError: the file is missing, not TOML, or has an unknown key or a bad value.
    """
    if path is None:
        candidate = Path(root or ".") / DEFAULT_CONFIG_NAME
        if not candidate.is_file():
            return Config(root=str(root or "."))
        path = candidate
    file = Path(path)
    shown = str(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(shown, None, None, "no such file") from None
    except OSError as exc:
        raise ConfigError(shown, None, None, f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(shown, None, None, "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(shown, None, int(m.group(1)) if m else None, f"not valid TOML: {exc}") from None
    return config_from_mapping(
        data,
        file=shown,
        text=text,
        root=str(root) if root is not None else str(file.parent),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def config_from_mapping(
    data: Mapping[str, Any], *, file: str = DEFAULT_CONFIG_NAME, text: str = "", root: str = ".", sha256: str = ""
) -> Config:
    """Validate an already parsed TOML document (see ``load_config``)."""
    finder = _LineFinder(text)

    def fail(where: tuple[str, ...], reason: str, index: int | None = None) -> ConfigError:
        return ConfigError(file, ".".join(where), finder.find(where, index), reason)

    top = {k: v for k, v in data.items() if k != "references"}
    checked = _validate(top, {k: v for k, v in _SCHEMA.items() if k != "references"}, (), fail)
    check = checked.get("check", {})
    hosts: list[tuple[str, HostPolicy]] = []
    for host, table in data.get("check", {}).get("hosts", {}).items():
        if not isinstance(table, dict):
            raise fail(("check", "hosts", host), "must be a table")
        values = _validate(table, _HOST_SCHEMA, ("check", "hosts", host), fail)
        hosts.append(
            (
                host.lower(),
                HostPolicy(
                    concurrency=values.get("concurrency"),
                    delay_s=values.get("delay"),
                    method=values.get("method"),
                ),
            )
        )
    check_policy = CheckPolicy(
        **{
            name: check[key]
            for key, name in (
                ("concurrency", "concurrency"),
                ("host_concurrency", "host_concurrency"),
                ("host_delay", "host_delay_s"),
                ("timeout", "timeout_s"),
                ("run_timeout", "run_timeout_s"),
                ("retries", "retries"),
                ("max_age", "max_age_s"),
                ("retry_after_cap", "retry_after_cap_s"),
                ("retry_backoff", "retry_backoff_s"),
                ("method", "method"),
                ("user_agent", "user_agent"),
                ("allow_private", "allow_private"),
                ("allowed_addresses", "allowed_addresses"),
                ("max_body_bytes", "max_body_bytes"),
                ("max_redirects", "max_redirects"),
                ("confirm_runs", "confirm_runs"),
                ("confirm_days", "confirm_days"),
                ("exclude", "exclude"),
                ("doi_handle_api", "doi_handle_api"),
                ("offline_canaries", "offline_canaries"),
            )
            if key in check
        },
        hosts=tuple(hosts),
    )
    archive = ArchivePolicy(**checked.get("archive", {}))
    report = ReportPolicy(**checked.get("report", {}))
    references = _curated(data.get("references", []), fail)
    return Config(
        path=file if text else None,
        root=root,
        documents=checked.get("documents", ()),
        state_dir=checked.get("state_dir", DEFAULT_STATE_DIR),
        check=check_policy,
        archive=archive,
        report=report,
        references=references,
        sha256=sha256,
    )


def _curated(entries: Any, fail: Callable[..., ConfigError]) -> tuple[CuratedReference, ...]:
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise fail(("references",), "must be an array of tables ([[references]])")
    schema = _SCHEMA["references"]
    assert isinstance(schema, Mapping)
    out = []
    for index, entry in enumerate(entries):

        def fail_here(where: tuple[str, ...], reason: str, index: int = index) -> ConfigError:
            return fail(where, reason, index)

        values = _validate(entry, schema, ("references",), fail_here)
        if not any(k in values for k in ("match", "key", "url")):
            raise fail_here(("references",), "each [[references]] entry needs 'match', 'key' or 'url'")
        if "match" in values and "url" not in values and not values.get("ignore"):
            raise fail_here(("references", "match"), "a 'match' entry needs a 'url' or 'ignore = true'")
        line = fail_here(("references",), "").line
        out.append(CuratedReference(line=line, **values))
    return tuple(out)
