"""Archive sources while they are checked: one session set-up, and a run archived as it goes.

``open_session`` is the one place a configuration becomes an ``ArchiveSession``.
``RunArchive`` serves callers that see results, not outcomes (``refcheck run`` records
each result in the store through ``check_and_record``): its recorder keeps each page
and the redirects before it as the checker reads them, and each source is written the
moment its result is known. So the archive holds only the sources in flight, and a run
killed half-way has on disk every capture of every result it recorded (the archive is
written before the store records the result); the run that resumes it finishes the WARC
left open and lists those captures as the sources' local copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from refcheck.archive.recorder import ExchangeRecorder
from refcheck.archive.session import ArchiveSession, index_path_for
from refcheck.archive.summary import ArchiveSummary, new_run_id
from refcheck.check._types import CheckOutcome
from refcheck.check.fetch import ClientFactory, Clock, user_agent, utc_now
from refcheck.config import CheckPolicy, Config
from refcheck.models import CheckResult, Reference


def open_session(
    config: Config,
    *,
    archive_dir: str | Path | None = None,
    index_path: str | Path | None = None,
    run_id: str | None = None,
    only_alive: bool = False,
    public: bool = True,
    clock: Clock | None = None,
    **options: Any,
) -> ArchiveSession:
    """An ``ArchiveSession`` for ``config``, started now (enter it to open the collection).

    Args:
        config: the configuration (``[archive]``, ``state_dir``, its digest, the user agent).
        archive_dir: overrides ``[archive] dir``.
        index_path: the store's SQLite file (default ``<state_dir>/refcheck.sqlite``).
        run_id: the run's id (default: a new one in the store's form).
        only_alive: archive only sources judged alive or redirected.
        public: look up public copies (and request captures when ``[archive] save``).
        clock: the current UTC time.
        **options: passed to ``ArchiveSession`` (``http_client``, ``sleep``, ``monotonic``).
    """
    now = clock or utc_now
    started_at = now()
    return ArchiveSession(
        config.archive,
        archive_dir=archive_dir if archive_dir is not None else config.resolve_path(config.archive.dir),
        index_path=index_path or index_path_for(config.resolve_path(config.state_dir)),
        run_id=run_id or new_run_id(started_at),
        started_at=started_at,
        config_sha256=config.sha256,
        user_agent=user_agent(config.check),
        only_alive=only_alive,
        public=public and config.archive.public_lookup,
        now=now,
        **options,
    )


class RunArchive:
    """Archive a run's sources as the checker decides them (use as a context manager).

    Check with ``capture=True``, the client from ``client_factory`` and ``on_result``
    called for every result; then ``finish`` with every outcome of the run.

    Args:
        references: the sources of the run.
        config: the configuration.
        policy: the check policy the run uses (its body cap bounds what is kept).
        run_id: gives the run's id when the first capture is written (the store's run
            exists by then); None for a new id.
        clock: the current UTC time (the checker's too).
        **options: passed to ``open_session``.
    """

    def __init__(
        self,
        references: Sequence[Reference],
        config: Config,
        policy: CheckPolicy,
        *,
        run_id: Callable[[], str | None],
        clock: Clock | None = None,
        **options: Any,
    ) -> None:
        self._references = references
        self._by_key = {r.key: r for r in references}
        self._config = config
        self._run_id = run_id
        self._clock = clock or utc_now
        self._options = options
        self._recorder = ExchangeRecorder(references, policy, clock=self._clock, keep_finals=True)
        self._session: ArchiveSession | None = None

    def __enter__(self) -> RunArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.__exit__(*exc)
            self._session = None

    def client_factory(self, inner: ClientFactory | None = None) -> ClientFactory:
        """The checker's client factory, with the archive listening on the client it builds."""
        return self._recorder.client_factory(inner)

    def on_result(self, result: CheckResult) -> None:
        """Write the source of ``result`` now if its page was kept (others wait for ``finish``)."""
        chain = self._recorder.claim(result)
        if chain.final is not None:
            self._opened().add(CheckOutcome(result=result), self._by_key.get(result.key), chain)

    def finish(self, outcomes: Sequence[CheckOutcome], *, offline: bool) -> ArchiveSummary | None:
        """List the sources not written yet, end the run; None when offline and nothing was written."""
        if self._session is None and offline:
            return None
        session = self._opened()
        for outcome in outcomes:
            if outcome.result.key not in session:
                # Judged without a page, reused, or (should the recorder have missed it)
                # carrying the checker's own capture, which is then written now.
                session.add(outcome, self._by_key.get(outcome.result.key))
        return session.finish(self._references)

    def _opened(self) -> ArchiveSession:
        if self._session is None:
            session = open_session(self._config, run_id=self._run_id(), clock=self._clock, **self._options)
            self._session = session.__enter__()
        return self._session
