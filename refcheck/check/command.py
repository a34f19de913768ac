"""What ``refcheck check`` does, as library functions the CLI only calls.

Gather references (documents and/or a URL list), apply command-line overrides to the
policy, run the checks with the store (resume, cache, record), show progress (a rich
bar on a terminal, plain lines in CI logs), and render the outcome as a table or JSON.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Literal, TextIO

from refcheck.check.memory import CheckRun, run_and_record
from refcheck.check.urls import references_from_url_list
from refcheck.config import CheckPolicy, Config, parse_duration
from refcheck.errors import UsageError
from refcheck.models import DEAD_STATUSES, CheckResult, Citation, Reference, Status
from refcheck.store import Store

Outcome = Literal["ok", "broken", "offline"]


def policy_from_options(
    policy: CheckPolicy,
    *,
    allow_private: bool = False,
    concurrency: int | None = None,
    host_concurrency: int | None = None,
    timeout_s: float | None = None,
    retries: int | None = None,
    max_age: str | None = None,
) -> CheckPolicy:
    """Return ``policy`` with command-line overrides applied (None leaves a value as configured).

    Raises:
        UsageError: a value out of range, or a ``max_age`` that is not a duration.
    """
    changes: dict[str, Any] = {}
    if allow_private:
        changes["allow_private"] = True
    for name, value, low in (
        ("concurrency", concurrency, 1),
        ("host_concurrency", host_concurrency, 1),
        ("retries", retries, 0),
    ):
        if value is not None:
            if value < low:
                raise UsageError(f"--{name.replace('_', '-')} must be at least {low}")
            changes[name] = value
    if timeout_s is not None:
        if timeout_s <= 0:
            raise UsageError("--timeout must be more than 0 seconds")
        changes["timeout_s"] = timeout_s
    if max_age is not None:
        try:
            changes["max_age_s"] = parse_duration(max_age)
        except ValueError as exc:
            raise UsageError(f"--max-age: {exc}") from None
    return replace(policy, **changes)


def _merge(groups: Sequence[Sequence[Reference]]) -> list[Reference]:
    by_key: dict[str, Reference] = {}
    for group in groups:
        for ref in group:
            old = by_key.get(ref.key)
            if old is None:
                by_key[ref.key] = ref
            else:
                urls = tuple(dict.fromkeys((*old.urls, *ref.urls)))
                by_key[ref.key] = replace(old, citations=(*old.citations, *ref.citations), urls=urls)
    return list(by_key.values())


def gather_references(paths: Sequence[str], urls_file: str | None, config: Config) -> list[Reference]:
    """The references to check: from the documents (named, or configured when no URL list is
    given) and from the URL list, merged by key.

    Raises:
        DocumentError: a document or the URL list cannot be read.
        UsageError: nothing to check.
    """
    groups: list[Sequence[Reference]] = []
    if paths or not urls_file:
        from refcheck.pipeline import document_paths, extract_paths

        groups.append(extract_paths(document_paths(paths, config), config).references)
    if urls_file:
        groups.append(references_from_url_list(urls_file))
    return _merge(groups)


def outcome_of(run: CheckRun) -> Outcome:
    """``offline`` when nothing could be reached, ``broken`` when a source is dead, else ``ok``."""
    if run.offline:
        return "offline"
    if any(r.status in DEAD_STATUSES for r in run.results):
        return "broken"
    return "ok"


class PlainProgress:
    """One line per result on a stream: readable in CI logs, where a bar would be noise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._done = 0
        self._stream = stream

    def __call__(self, result: CheckResult) -> None:
        self._done += 1
        self._stream.write(f"[{self._done}/{self._total}] {result.status.value:<12} {result.url or result.key}\n")


@contextmanager
def progress_reporter(total: int, stream: TextIO | None = None) -> Iterator[Callable[[CheckResult], None]]:
    """Yield a per-result callback: a rich progress bar when ``stream`` is a terminal, else plain lines."""
    out = stream or sys.stderr
    if not out.isatty():
        yield PlainProgress(total, out)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    counts: Counter[str] = Counter()
    with Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(file=out),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=total)

        def advance(result: CheckResult) -> None:
            counts[result.status.value] += 1
            bar.update(task, advance=1, description=", ".join(f"{n} {s}" for s, n in counts.most_common(4)))

        yield advance


def check_command(
    references: Sequence[Reference],
    config: Config,
    policy: CheckPolicy,
    *,
    progress: Callable[[CheckResult], None] | None = None,
    **kwargs: Any,
) -> CheckRun:
    """Check with the store in ``config.state_dir``: resume, reuse fresh successes, record.

    ``kwargs`` go to ``check_and_record`` (``client_factory``, ``clock``, ``sleep``).
    """
    store = Store(
        config.resolve_path(config.state_dir),
        confirm_runs=policy.confirm_runs,
        confirm_days=policy.confirm_days,
    )
    try:
        return run_and_record(references, policy, store, config_sha256=config.sha256, on_result=progress, **kwargs)
    finally:
        store.close()


def _citation_json(c: Citation) -> dict[str, Any]:
    loc = c.location
    return {
        "raw": c.raw,
        "document": loc.document,
        "page": loc.page,
        "line": loc.line,
        "footnote": loc.footnote,
        "language": loc.language,
    }


def result_json(result: CheckResult, reference: Reference | None) -> dict[str, Any]:
    """One result as the JSON object ``--format json`` writes."""
    return {
        "key": result.key,
        "url": result.url,
        "status": result.status.value,
        "http_status": result.http_status,
        "final_url": result.final_url,
        "evidence": result.evidence,
        "redirects": list(result.redirects),
        "permanent_redirect": result.permanent_redirect,
        "content_type": result.content_type,
        "length": result.length,
        "sha256": result.sha256,
        "checked_at": result.checked_at.isoformat(),
        "elapsed_s": result.elapsed_s,
        "from_cache": result.from_cache,
        "attempts": [
            {
                "at": a.at.isoformat(),
                "method": a.method,
                "url": a.url,
                "http_status": a.http_status,
                "error": a.error,
                "elapsed_s": a.elapsed_s,
            }
            for a in result.attempts
        ],
        "citations": [_citation_json(c) for c in reference.citations] if reference else [],
    }


def iter_check_json(run: CheckRun, references: Sequence[Reference]) -> Iterator[str]:
    """``render_check_json``'s text in pieces, one result at a time, for writing as it goes.

    Each result is one line of the ``results`` array, encoded by json's C encoder: an
    indented document is built by the pure-Python encoder as a list of tiny strings,
    which for 10,000 results took about 7 kB of memory per result at its peak.
    """
    by_key = {r.key: r for r in references}
    head = {
        "id": run.run.id,
        "started_at": run.run.started_at.isoformat(),
        "finished_at": run.run.finished_at.isoformat() if run.run.finished_at else None,
        "offline": run.offline,
        "resumed": run.resumed,
        "reused": run.reused,
    }
    summary = {s.value: n for s, n in run.run.counts}
    yield f'{{\n  "run": {_dumps(head)},\n  "summary": {_dumps(summary)},\n  "results": ['
    separator = "\n    "
    for result in run.results:
        yield separator + _dumps(result_json(result, by_key.get(result.key)))
        separator = ",\n    "
    yield "\n  ]\n}\n" if run.results else "]\n}\n"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_check_json(run: CheckRun, references: Sequence[Reference]) -> str:
    """``{"run": {...}, "summary": {status: n}, "results": [...]}``, results in reference order,
    one result a line."""
    return "".join(iter_check_json(run, references))


def write_check_json(run: CheckRun, references: Sequence[Reference], stream: TextIO) -> None:
    """Write ``render_check_json``'s text to ``stream`` without building it whole."""
    for piece in iter_check_json(run, references):
        stream.write(piece)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_check_table(run: CheckRun) -> str:
    """A plain-text table of every result that is not simply alive, then the counts."""
    lines: list[str] = []
    problems = [r for r in run.results if r.status is not Status.ALIVE]
    if problems:
        lines.append(f"{'STATUS':<12}  {'URL':<60}  EVIDENCE")
        for r in sorted(problems, key=lambda r: (r.status.value, r.key)):
            lines.append(f"{r.status.value:<12}  {_shorten(r.url or r.key, 60):<60}  {r.evidence}")
        lines.append("")
    counts = ", ".join(f"{n} {s.value}" for s, n in run.run.counts) or "nothing"
    reused = f" ({run.reused} reused from earlier runs)" if run.reused else ""
    lines.append(f"{len(run.results)} checked{reused}: {counts}")
    if run.offline:
        lines.append("offline: nothing could be reached; no source was judged")
    return "\n".join(lines) + "\n"
