"""The check stage: is each cited source still there? A verdict with evidence for each.

``check_references`` runs the checks of a set of references concurrently, yielding each
``CheckOutcome`` as soon as it is known, so a caller can record it (the store) or show
progress before the run ends; ``run_checks`` is the same for synchronous callers.
Memory stays flat in the number of references: checks are started as slots free up,
and nothing but the results is kept.

    fetch.py      one reference: redirects, HEAD->GET, retries (tenacity), capture
    _http1.py     a lean HTTP/1.1 client for plain http:// GET/HEAD (httpx does the rest)
    classify.py   responses and failures -> (Status, evidence); pure
    ratelimit.py  global and per-host slots, retries served first; 429s slow a host down
    safety.py     refuse private addresses, at the URL and at connect time
    canary.py     offline or not
    urls.py       references from a list of URLs
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from refcheck.check._types import CheckOutcome
from refcheck.check.fetch import Checker, ClientFactory, Clock, Sleep, make_client, utc_now
from refcheck.check.ratelimit import Admission
from refcheck.check.urls import references_from_url_list, references_from_urls
from refcheck.config import CheckPolicy
from refcheck.models import CheckResult, Reference, Status

T = TypeVar("T")

#: Set to 1 to keep asyncio's own event loop even when uvloop is installed.
NO_UVLOOP_ENV = "REFCHECK_NO_UVLOOP"


def run_async(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` to completion in a new event loop (uvloop's when installed) and return its value.

    uvloop spends less CPU per socket event than asyncio's selector loop, and a check is
    mostly socket events. The value is handed back through a box, not as the main
    task's result: on the way out, Python 3.11's ``asyncio.Runner`` formats the repr of
    its SIGINT handler, which includes the main task and so its result, and for a run
    of 10,000 results that repr cost seconds of CPU and megabytes of memory.
    """
    box: list[T] = []

    async def boxed() -> None:
        box.append(await main())

    factory = None
    if os.environ.get(NO_UVLOOP_ENV) != "1":
        # imported by name: uvloop is optional, and absent where mypy runs in CI
        with contextlib.suppress(ImportError):
            factory = importlib.import_module("uvloop").new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(boxed())
    return box[0]


#: References admitted per concurrency slot: enough to keep every slot busy while
#: some wait on a busy host, few enough that memory does not follow N.
ADMISSION_PER_SLOT = 2


async def check_references(
    references: Sequence[Reference],
    policy: CheckPolicy,
    *,
    client_factory: ClientFactory | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    capture: bool = False,
    on_result: Callable[[CheckResult], None] | None = None,
) -> AsyncIterator[CheckOutcome]:
    """Check ``references`` concurrently and yield each outcome as it is decided.

    Every reference gets exactly one outcome; a dead link is a result, never an
    exception. References without a URL are ``unresolved``, those matching
    ``policy.exclude`` ``excluded``, those aimed at refused addresses ``unsafe``; when
    nothing at all can be reached, the rest are ``offline``.

    Args:
        references: what to check (order is not kept in the output).
        policy: limits, retries, timeouts, safety; see ``CheckPolicy``.
        client_factory: builds the run's ``httpx.AsyncClient`` (default ``make_client``);
            tests pass one with a resolver and TLS settings of their own.
        clock: the current UTC time (for ``checked_at``, attempts and Retry-After dates).
        sleep: awaited for retry and politeness waits (tests pass a fast one).
        capture: keep each final 2xx exchange as a ``Capture`` for the archive.
        on_result: called with each result before it is yielded (progress bars).

    Yields:
        One ``CheckOutcome`` per reference, in the order they finish.
    """
    loop_clock = clock or utc_now
    client = (client_factory or make_client)(policy)
    async with client:
        checker = Checker(
            client,
            policy,
            clock=loop_clock,
            sleep=sleep or asyncio.sleep,
            capture=capture,
            admission=Admission(policy.concurrency * ADMISSION_PER_SLOT),
        )
        queue: asyncio.Queue[CheckOutcome | BaseException] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()

        async def one(reference: Reference) -> None:
            try:
                queue.put_nowait(await checker.check(reference))
            except Exception as exc:  # a bug, not a dead link: surface it to the caller
                queue.put_nowait(exc)
            finally:
                await checker.admission.leave()

        async def feed() -> None:
            for reference in references:
                await checker.admission.enter()
                task = asyncio.create_task(one(reference))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

        feeder = asyncio.create_task(feed())
        deadline = time.monotonic() + policy.run_timeout_s if policy.run_timeout_s else None
        try:
            for _ in range(len(references)):
                try:
                    timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                    item = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    break
                if isinstance(item, BaseException):
                    raise item
                if on_result is not None:
                    on_result(item.result)
                yield item
        finally:
            feeder.cancel()
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(feeder, *tasks, return_exceptions=True)


def run_checks(
    references: Sequence[Reference],
    policy: CheckPolicy,
    *,
    client_factory: ClientFactory | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    capture: bool = False,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckOutcome]:
    """Run ``check_references`` to the end in a new event loop and return every outcome.

    With ``policy.run_timeout_s`` set, references not decided in time get a "not checked"
    result (see ``unfinished_outcomes``; ``check_references`` itself just stops yielding).
    """

    async def collect() -> list[CheckOutcome]:
        return [
            o
            async for o in check_references(
                references,
                policy,
                client_factory=client_factory,
                clock=clock,
                sleep=sleep,
                capture=capture,
                on_result=on_result,
            )
        ]

    outcomes = run_async(collect)
    return outcomes + unfinished_outcomes(references, outcomes, clock or utc_now)


#: The evidence of a reference the run timeout stopped before it was decided.
NOT_CHECKED = "not checked: the run timeout was reached first"


def unfinished_outcomes(
    references: Sequence[Reference], outcomes: Sequence[CheckOutcome], clock: Clock = utc_now
) -> list[CheckOutcome]:
    """Outcomes for references a run timeout stopped before they were decided.

    They are ``offline`` (not judged), never a dead status: running out of time says
    nothing about a source, and the store lets an offline result change no history,
    so the next run checks them as if this one had never tried.
    """
    decided = {o.result.key for o in outcomes}
    now = clock()
    return [
        CheckOutcome(
            result=CheckResult(
                key=r.key,
                url=r.url or "",
                checked_at=now,
                status=Status.OFFLINE,
                evidence=NOT_CHECKED,
            )
        )
        for r in references
        if r.key not in decided
    ]


__all__ = [
    "NOT_CHECKED",
    "CheckOutcome",
    "Checker",
    "check_references",
    "make_client",
    "references_from_url_list",
    "references_from_urls",
    "run_async",
    "run_checks",
    "unfinished_outcomes",
]
