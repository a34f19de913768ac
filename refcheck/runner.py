"""``refcheck run``: extract, check, archive as configured, report, and judge the run.

This is the one place where the stages are wired together for the scheduled job, so
that the CLI stays free of logic and a library user gets the same behaviour from
``refcheck.runner.run``. Each stage keeps its own concerns: the store remembers runs,
the archive writes WARCs, the report renders; here they are only called in order.
``report`` re-renders the last run from the store without fetching anything.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from refcheck.check.fetch import ClientFactory, Sleep, utc_now
from refcheck.config import CheckPolicy, Config
from refcheck.errors import UsageError
from refcheck.models import CheckResult, Reference, Run, Snapshot, Status, Unresolved
from refcheck.report import Report, Verdict, build_report, judge, render_markdown, write_reports
from refcheck.report.github import publish_to_github
from refcheck.store import STORE_FILE, Store

if TYPE_CHECKING:
    from refcheck.archive import RunArchive

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOutcome:
    """What a run produced: its report, the verdict of the fail policy, the files written."""

    report: Report
    verdict: Verdict
    written: tuple[Path, ...]
    archived: str | None = None  # the archive stage's one-line summary, when it ran

    def describe(self) -> str:
        """One line for the terminal: the counts, the verdict, where the reports are."""
        s = self.report.summary()
        where = f"; reports: {', '.join(str(p) for p in self.written)}" if self.written else ""
        if self.archived:
            where += f"; {self.archived}"
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

    listed = references_from_url_list(urls_file) if urls_file else []
    if not paths and not config.documents:
        if urls_file:
            return Sources(references=tuple(listed), unresolved=(), excluded=())
        where = config.path or "references.toml"
        raise UsageError(f"nothing to check: name PATHs or --urls FILE, or list documents in {where}")
    from refcheck.pipeline import document_paths, extract_paths

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


def previous_run(store: Store, current: Run) -> Run | None:
    """The latest finished, judged run before ``current``: the one changes are counted from."""
    for candidate in store.last_runs(10):
        finished = candidate.finished_at is not None and not candidate.offline
        if finished and candidate.id != current.id and candidate.started_at <= current.started_at:
            return candidate
    return None


def run(
    paths: Sequence[str] = (),
    *,
    config: Config,
    urls_file: str | None = None,
    report_dir: str | None = None,
    allow_private: bool = False,
    archive: bool = True,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    progress: Callable[[CheckResult], None] | None = None,
    clock: Clock | None = None,
    client_factory: ClientFactory | None = None,
    sleep: Sleep | None = None,
) -> RunOutcome:
    """Extract, check, archive (when configured), record, report and judge one run.

    Results are recorded in the store as they come (an interrupted run resumes), fresh
    successes are reused as ``[check] max_age`` allows, and the report compares this
    run with the previous judged one.

    Args:
        paths: documents or directories; empty means the configured ``documents``.
        config: the configuration.
        urls_file: a file of URLs, one a line, checked with the documents' sources.
        report_dir: where the reports go (default: ``[report] dir``).
        allow_private: check private and local addresses too (tests, intranets).
        archive: capture what is checked into the ``[archive]`` collection (WARC,
            CDXJ, WACZ) and look up public copies as configured; skipped offline.
        env: the environment, for GitHub Actions (default ``os.environ``).
        out: where GitHub workflow commands go (default standard output).
        progress: called with each result as it is decided.
        clock: the current UTC time (tests pass a fixed one).
        client_factory: builds the HTTP client (tests pass one of their own).
        sleep: awaited for retry and politeness waits (tests pass a fast one).

    Returns:
        The report, the verdict (exit code 0, 1 or 3) and the report files written.

    Raises:
        RefcheckError: bad configuration, unreadable documents, nothing to check.
    """
    from refcheck.check.memory import run_and_record

    now = clock or utc_now
    sources = gather_sources(paths, config, urls_file)
    policy = replace(config.check, allow_private=True) if allow_private else config.check
    store = Store(
        config.resolve_path(config.state_dir), confirm_runs=policy.confirm_runs, confirm_days=policy.confirm_days
    )
    try:
        with _archiver(sources.references, config, policy, store, archive=archive, clock=clock) as archiver:
            checked = run_and_record(
                list(sources.references),
                policy,
                store,
                config_sha256=config.sha256,
                capture=archive,
                on_result=_each(archiver.on_result if archiver else None, progress),
                client_factory=archiver.client_factory(client_factory) if archiver else client_factory,
                clock=clock,
                sleep=sleep,
            )
            summary = archiver.finish(checked.outcomes, offline=checked.offline) if archiver else None
        snapshots = summary.snapshots if summary else ()
        before = previous_run(store, checked.run)
        report = build_report(
            run=replace(checked.run, offline=checked.offline),
            generated_at=now(),
            references=(*sources.references, *sources.excluded),
            results=[*checked.results, *excluded_results(sources.excluded, now())],
            unresolved=sources.unresolved,
            histories=store.histories().values(),
            snapshots=snapshots,
            previous=store.results_of_run(before.id) if before else None,
            curated=config.references,
        )
    finally:
        store.close()
    outcome = publish(
        report, config, report_dir=report_dir, env=os.environ if env is None else env, out=out or sys.stdout
    )
    return replace(outcome, archived=summary.describe() if summary else None)


def _archiver(
    references: Sequence[Reference],
    config: Config,
    policy: CheckPolicy,
    store: Store,
    *,
    archive: bool,
    clock: Clock | None,
) -> AbstractContextManager[RunArchive | None]:
    """The archive stage of a run, writing each source as its result comes (None: not archiving).

    The archive's run id is the store's: the run is in the store (started or resumed by
    ``check_and_record``) before the first result, and it is the latest unfinished run of
    this configuration that no other live process holds.
    """
    if not archive:
        return contextlib.nullcontext()
    from refcheck.archive import RunArchive

    def run_id() -> str | None:
        current = store.unfinished_run(config.sha256)
        return current.id if current else None

    return RunArchive(references, config, policy, run_id=run_id, clock=clock)


def _each(*callbacks: Callable[[CheckResult], None] | None) -> Callable[[CheckResult], None] | None:
    """One callback calling each of ``callbacks`` in turn (None when there is none)."""
    present = [c for c in callbacks if c is not None]
    if not present:
        return None

    def call(result: CheckResult) -> None:
        for callback in present:
            callback(result)

    return call


def stored_snapshots(config: Config, results: Sequence[CheckResult]) -> list[Snapshot]:
    """The latest local capture and the known public copy of each result's source, as the
    archive's tables in the store remember them (nothing is fetched)."""
    from refcheck.archive._paths import Layout
    from refcheck.archive.bookkeeping import earlier_snapshot, with_public
    from refcheck.archive.index import ArchiveIndex

    layout = Layout(config.resolve_path(config.archive.dir), config.archive.collection)
    snapshots = []
    with ArchiveIndex(store_path(config)) as index:
        latest = {c.key: c for c in index.latest_captures(config.archive.collection)}
        for result in results:
            row = latest.get(result.key)
            local = earlier_snapshot(result.key, row, layout) if row else None
            snapshot = with_public(local, result, index.public(result.url) if result.url else None)
            if snapshot is not None:
                snapshots.append(snapshot)
    return snapshots


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
    now = clock or utc_now
    path = store_path(config)
    if not path.is_file():
        raise UsageError(f"no run recorded in {path}: run 'refcheck run' first")
    with Store(path) as store:
        runs = [r for r in store.last_runs(10) if r.finished_at is not None]
        if not runs:
            raise UsageError(f"no finished run recorded in {path}: run 'refcheck run' first")
        last = runs[0]
        results = store.results_of_run(last.id)
        before = previous_run(store, last)
        previous = store.results_of_run(before.id) if before else None
        histories = list(store.histories().values())
    try:
        sources = gather_sources(paths, config, urls_file)
    except UsageError:
        sources = Sources(references=(), unresolved=(), excluded=())
    known = {r.key for r in (*sources.references, *sources.excluded)}
    checked = {r.key for r in results}
    # A stored result whose reference is no longer cited is shown all the same.
    orphans = [
        Reference(key=r.key, type="url", url=r.url or None, citations=(), urls=(r.url,) if r.url else ())
        for r in results
        if r.key not in known
    ]
    report = build_report(
        run=last,
        generated_at=now(),
        references=[*(r for r in sources.references if r.key in checked), *sources.excluded, *orphans],
        results=[*results, *excluded_results(sources.excluded, last.finished_at or now())],
        unresolved=sources.unresolved,
        histories=histories,
        snapshots=stored_snapshots(config, results),
        previous=previous,
        curated=config.references,
    )
    return publish(report, config, report_dir=report_dir, env=os.environ if env is None else env, out=out or sys.stdout)
