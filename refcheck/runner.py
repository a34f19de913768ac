"""``refcheck run``: extract, check, archive as configured, report, and judge the run.

This is the one place where the stages are wired together for the scheduled job, so
that the CLI stays free of logic and a library user gets the same behaviour from
``refcheck.runner.run``. Each stage keeps its own concerns: the store remembers runs,
the archive writes WARCs, the report renders; here they are only called in order.
``report`` re-renders the last run from the store without fetching anything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from refcheck.config import Config
from refcheck.errors import UsageError
from refcheck.models import CheckResult, Reference, Run, Snapshot, Status, Unresolved
from refcheck.report import Report, Verdict, build_report, judge, render_markdown, write_reports
from refcheck.report.github import publish_to_github

Clock = Callable[[], datetime]

#: The store's database inside the state directory.
STORE_FILE = "refcheck.sqlite"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOutcome:
    """What a run produced: its report, the verdict of the fail policy, the files written."""

    report: Report
    verdict: Verdict
    written: tuple[Path, ...]

    def describe(self) -> str:
        """One line for the terminal: the counts, the verdict, where the reports are."""
        s = self.report.summary()
        where = f"; reports: {', '.join(str(p) for p in self.written)}" if self.written else ""
        return (
            f"{s.sources} sources: {s.dead} dead, {s.blocked} blocked, {s.redirected} redirected, "
            f"{s.unresolved} unresolved, {s.alive} alive; {self.verdict.reason}{where}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Sources:
    """What the documents and the URL list cite, merged by key."""

    references: tuple[Reference, ...]
    unresolved: tuple[Unresolved, ...]
    excluded: tuple[Reference, ...]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def merge_references(*groups: Sequence[Reference]) -> tuple[Reference, ...]:
    """Merge references by key, keeping every citation and URL in order of appearance."""
    by_key: dict[str, Reference] = {}
    for group in groups:
        for ref in group:
            if ref.key in by_key:
                old = by_key[ref.key]
                urls = tuple(dict.fromkeys((*old.urls, *ref.urls)))
                by_key[ref.key] = replace(old, citations=(*old.citations, *ref.citations), urls=urls)
            else:
                by_key[ref.key] = ref
    return tuple(by_key.values())


def gather_sources(paths: Sequence[str], config: Config, urls_file: str | None) -> Sources:
    """Extract the documents (named, or configured) and read the URL list, if any.

    Raises:
        DocumentError: a document or the URL list cannot be read.
        UsageError: nothing to check: no PATH, no configured documents, no URL list.
    """
    from refcheck.check import references_from_url_list
    from refcheck.pipeline import document_paths, extract_paths

    listed = references_from_url_list(urls_file) if urls_file else []
    if not paths and not config.documents:
        if urls_file:
            return Sources(references=tuple(listed), unresolved=(), excluded=())
        where = config.path or "references.toml"
        raise UsageError(f"nothing to check: name PATHs or --urls FILE, or list documents in {where}")
    extraction = extract_paths(document_paths(paths, config), config)
    return Sources(
        references=merge_references(extraction.references, listed),
        unresolved=extraction.unresolved,
        excluded=extraction.excluded,
    )


def excluded_results(excluded: Sequence[Reference], now: datetime) -> list[CheckResult]:
    """Results saying that references ignored in references.toml were not checked."""
    return [
        CheckResult(
            key=r.key,
            url=r.url or "",
            checked_at=now,
            status=Status.EXCLUDED,
            evidence="ignored in references.toml",
        )
        for r in excluded
    ]


def publish(
    report: Report,
    config: Config,
    *,
    report_dir: str | None,
    env: Mapping[str, str],
    out: TextIO,
) -> RunOutcome:
    """Write the configured report files, speak to GitHub Actions, judge the run."""
    directory = Path(report_dir) if report_dir else config.resolve_path(config.report.dir)
    written = write_reports(report, directory, config.report.formats)
    publish_to_github(report, render_markdown(report), env, out)
    return RunOutcome(report=report, verdict=judge(report, config.report), written=tuple(written))


def store_path(config: Config) -> Path:
    """Where the run history lives: ``<state_dir>/refcheck.sqlite`` beside the configuration."""
    return config.resolve_path(config.state_dir) / STORE_FILE


def run(
    paths: Sequence[str] = (),
    *,
    config: Config,
    urls_file: str | None = None,
    report_dir: str | None = None,
    allow_private: bool = False,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    clock: Clock | None = None,
) -> RunOutcome:
    """Extract, check, archive (when configured), record, report and judge one run.

    Args:
        paths: documents or directories; empty means the configured ``documents``.
        config: the configuration.
        urls_file: a file of URLs, one a line, checked with the documents' sources.
        report_dir: where the reports go (default: ``[report] dir``).
        allow_private: check private and local addresses too (tests, intranets).
        env: the environment, for GitHub Actions (default ``os.environ``).
        out: where GitHub workflow commands go (default standard output).
        clock: the current UTC time (tests pass a fixed one).

    Returns:
        The report, the verdict (exit code 0, 1 or 3) and the report files written.

    Raises:
        RefcheckError: bad configuration, unreadable documents, nothing to check.
    """
    from refcheck.check import run_checks
    from refcheck.store import Store

    now = clock or _utc_now
    sources = gather_sources(paths, config, urls_file)
    policy = replace(config.check, allow_private=True) if allow_private else config.check
    store = Store(store_path(config))
    previous = store.last_runs(1)
    run_id = store.start_run(config_sha256=config.sha256, started_at=now())
    outcomes = run_checks(list(sources.references), policy, capture=_archiving(config))
    results = [o.result for o in outcomes] + excluded_results(sources.excluded, now())
    for result in results:
        store.record(run_id, result)
    snapshots = _archive(outcomes, config, run_id)
    finished = store.finish_run(run_id, finished_at=now())
    report = build_report(
        run=finished,
        generated_at=now(),
        references=(*sources.references, *sources.excluded),
        results=results,
        unresolved=sources.unresolved,
        histories=store.histories(),
        snapshots=snapshots,
        previous=store.results_of_run(previous[0].id) if previous else None,
        curated=config.references,
    )
    return publish(report, config, report_dir=report_dir, env=os.environ if env is None else env, out=out or sys.stdout)


def _archiving(config: Config) -> bool:
    return False


def _archive(outcomes: object, config: Config, run_id: str) -> list[Snapshot]:
    return []


def rerender(
    paths: Sequence[str] = (),
    *,
    config: Config,
    urls_file: str | None = None,
    report_dir: str | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    clock: Clock | None = None,
) -> RunOutcome:
    """Render the reports of the last run in the store again; nothing is fetched.

    The store keeps verdicts, not citations, so the documents are read again (offline,
    deterministic) to say where each source is cited; a stored result whose reference
    is no longer cited is still shown, with no citation.

    Raises:
        UsageError: the store holds no run yet.
    """
    from refcheck.store import Store

    now = clock or _utc_now
    path = store_path(config)
    if not path.is_file():
        raise UsageError(f"no run recorded in {path}: run 'refcheck run' first")
    store = Store(path)
    runs = store.last_runs(2)
    if not runs:
        raise UsageError(f"no run recorded in {path}: run 'refcheck run' first")
    last: Run = runs[0]
    results = list(store.results_of_run(last.id))
    try:
        sources = gather_sources(paths, config, urls_file)
    except UsageError:
        sources = Sources(references=(), unresolved=(), excluded=())
    known = {r.key for r in (*sources.references, *sources.excluded)}
    orphans = [
        Reference(key=r.key, type="url", url=r.url or None, citations=(), urls=(r.url,) if r.url else ())
        for r in results
        if r.key not in known
    ]
    checked = {r.key for r in results}
    report = build_report(
        run=last,
        generated_at=now(),
        references=[r for r in (*sources.references, *sources.excluded) if r.key in checked] + orphans,
        results=results,
        unresolved=sources.unresolved,
        histories=store.histories(),
        previous=store.results_of_run(runs[1].id) if len(runs) > 1 else None,
        curated=config.references,
    )
    return publish(report, config, report_dir=report_dir, env=os.environ if env is None else env, out=out or sys.stdout)
