"""Helpers for the check tests: a policy aimed at the test server, a name resolver, a runner."""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from refcheck.check import CheckOutcome, make_client, run_checks
from refcheck.check.safety import NameNotResolvedError
from refcheck.config import CheckPolicy
from refcheck.models import Citation, CitationKind, Location, Reference

#: Names the test resolver knows. evil.test points at another loopback address, which
#: the guard refuses because only 127.0.0.1 is allowed; nothing is ever sent there.
NAMES = {
    "site.test": ["127.0.0.1"],
    "catchall.test": ["127.0.0.1"],
    "evil.test": ["127.0.0.2"],
    "evil6.test": ["::1"],
}


async def resolve(host: str, port: int) -> list[str]:
    """Resolve from NAMES only; any other name does not exist."""
    if host not in NAMES:
        raise NameNotResolvedError(host, "Name or service not known")
    return NAMES[host]


def policy(canary: str | None = None, **overrides: Any) -> CheckPolicy:
    """A policy that may reach only 127.0.0.1, with small limits and fast failure."""
    base = CheckPolicy(
        allowed_addresses=("127.0.0.1",),
        retries=3,
        timeout_s=5.0,
        concurrency=8,
        host_concurrency=4,
        offline_canaries=(canary,) if canary else (),
    )
    return dataclasses.replace(base, **overrides)


def reference(url: str | None, key: str | None = None) -> Reference:
    citation = Citation(raw=url or "?", kind=CitationKind.URL, location=Location(document="t.txt", line=1), url=url)
    return Reference(key=key or url or "none", type="url", url=url, citations=(citation,))


def client_factory(verify: ssl.SSLContext | bool = True) -> Any:
    def build(p: CheckPolicy) -> httpx.AsyncClient:
        return make_client(p, resolver=resolve, verify=verify)

    return build


def check(urls: Sequence[str], p: CheckPolicy, **kwargs: Any) -> dict[str, CheckOutcome]:
    """Check ``urls`` and return the outcomes by URL."""
    kwargs.setdefault("client_factory", client_factory())
    outcomes = run_checks([reference(u) for u in urls], p, **kwargs)
    return {o.result.url: o for o in outcomes}


def check_one(url: str, p: CheckPolicy, **kwargs: Any) -> CheckOutcome:
    return check([url], p, **kwargs)[url]


def write_config(folder: Path, canary: str, extra: str = "") -> Path:
    """A references.toml for a test: state under ``folder``, the test server allowed, no retries."""
    config = folder / "references.toml"
    config.write_text(
        f'state_dir = "state"\n[check]\nallowed_addresses = ["127.0.0.1"]\noffline_canaries = ["{canary}"]\n'
        f"retries = 0\n{extra}",
        encoding="utf-8",
    )
    return config
