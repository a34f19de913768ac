"""Check with memory: resume an interrupted run, reuse fresh successes, record every result.

The check stage itself knows nothing of runs; this module puts it together with the
store the way ``refcheck check`` and the scheduled job use it. Each result is recorded
the moment it is known, in its own transaction, so an interrupted run loses nothing it
had decided: the next run with the same configuration picks it up and checks only what
is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from refcheck.check import NOT_CHECKED, CheckOutcome, check_references, run_async, unfinished_outcomes
from refcheck.check.fetch import ClientFactory, Clock, Sleep, utc_now
from refcheck.config import CheckPolicy
from refcheck.models import CheckResult, Reference, Run, Status
from refcheck.store import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRun:
    """A finished run: the stored ``Run``, every outcome in the order of the references."""

    run: Run
    outcomes: tuple[CheckOutcome, ...]
    offline: bool
    resumed: bool = False
    reused: int = 0  # results taken from the cache or from the interrupted run

    @property
    def results(self) -> tuple[CheckResult, ...]:
        return tuple(o.result for o in self.outcomes)


def is_offline_run(results: Sequence[CheckResult]) -> bool:
    """True when the run could reach nothing: some result is offline and none got an answer.

    References the run timeout left unchecked say nothing about the network either way.
    """
    fresh = [r for r in results if not r.from_cache and r.evidence != NOT_CHECKED]
    return any(r.status is Status.OFFLINE for r in fresh) and not any(r.http_status is not None for r in fresh)


def count_statuses(results: Sequence[CheckResult]) -> dict[Status, int]:
    """How many results have each status (only statuses that occur)."""
    return dict(Counter(r.status for r in results))


async def check_and_record(
    references: Sequence[Reference],
    policy: CheckPolicy,
    store: Store,
    *,
    config_sha256: str = "",
    max_age_s: float | None = None,
    resume: bool = True,
    client_factory: ClientFactory | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    capture: bool = False,
    on_result: Callable[[CheckResult], None] | None = None,
) -> CheckRun:
    """Check ``references``, reusing what the store already knows, and record the run.

    Args:
        references: what to check.
        policy: see ``check_references``.
        store: where runs and results are kept.
        config_sha256: the configuration's digest; a run is resumed only under the same one.
        max_age_s: reuse successes younger than this (default ``policy.max_age_s``; 0: never).
        resume: continue the latest unfinished run with this configuration, if any.
        client_factory, clock, sleep, capture: passed to ``check_references``.
        on_result: called for every result, reused ones included.

    Returns:
        The finished run and every outcome, in the order of ``references``.
    """
    now_of = clock or utc_now
    max_age = policy.max_age_s if max_age_s is None else max_age_s
    run = store.unfinished_run(config_sha256) if resume else None
    resumed = run is not None
    if run is None:
        run = store.start_run(config_sha256, started_at=now_of())
    done = {r.key: CheckOutcome(result=r) for r in store.results_of_run(run.id)} if resumed else {}
    outcomes: dict[str, CheckOutcome] = dict(done)
    to_check: list[Reference] = []
    now = now_of()
    for reference in references:
        if reference.key in outcomes:
            continue
        cached = store.cached(reference.key, max_age, now)
        if cached is not None:
            store.record(run.id, cached)
            outcomes[reference.key] = CheckOutcome(result=cached)
        else:
            to_check.append(reference)
    reused = len(outcomes)
    if on_result is not None:
        for outcome in outcomes.values():
            on_result(outcome.result)
    async for outcome in check_references(
        to_check, policy, client_factory=client_factory, clock=clock, sleep=sleep, capture=capture, on_result=on_result
    ):
        store.record(run.id, outcome.result)
        outcomes[outcome.result.key] = outcome
    for late in unfinished_outcomes(to_check, list(outcomes.values()), now_of):
        store.record(run.id, late.result)
        outcomes[late.result.key] = late
    ordered = tuple(outcomes[r.key] for r in references if r.key in outcomes)
    results = [o.result for o in ordered]
    offline = is_offline_run(results)
    finished = store.finish_run(run.id, count_statuses(results), offline, finished_at=now_of())
    return CheckRun(run=finished, outcomes=ordered, offline=offline, resumed=resumed, reused=reused)


def run_and_record(
    references: Sequence[Reference],
    policy: CheckPolicy,
    store: Store,
    **kwargs: object,
) -> CheckRun:
    """``check_and_record`` for synchronous callers (a new event loop)."""
    return run_async(lambda: check_and_record(references, policy, store, **kwargs))  # type: ignore[arg-type]
