"""Concurrency limits: one for the whole run, one per host, and a pause for waiters.

Being polite to a host (a few requests at a time, a delay between them, slowing down
when it answers 429) and being fast overall pull in opposite directions; separate gates
let a run keep every slot busy on other hosts while one host is throttled. Slots are
held only while a request is on the wire: a reference that waits (a Retry-After, a
backoff) holds none, so waiting never starves the rest of the run.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from refcheck.config import CheckPolicy

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

#: 429 answers closer together than this count as one request to slow down.
SLOWDOWN_INTERVAL_S = 1.0
#: A host's 429s are taken as "too many requests from you" (and the host gets fewer at
#: once) when at least RATE_LIMITED_OF_WINDOW of its last RATE_WINDOW answers were 429.
RATE_WINDOW = 20
RATE_LIMITED_OF_WINDOW = 5


class Slots:
    """At most ``limit`` holders at once; urgent waiters are served before the others.

    Urgent means "this reference has already waited its turn": a retry after its
    backoff, the next hop of a redirect chain. Serving those first shortens the run's
    tail (a reference with three retries ahead of it should not queue behind fresh ones
    for each of them) without delaying anyone else's first request by more than that
    one exchange. Among equals the order is first come, first served.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.active = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for a slot (the caller then holds it until ``release``)."""
        waiters = self._waiters
        while waiters and waiters[0][2].done():
            heapq.heappop(waiters)  # cancelled waiters
        if self.active < self.limit and not waiters:
            self.active += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(waiters, (0 if urgent else 1, self._seq, future))
        self._wake()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot, then cancelled before using it
            raise

    def release(self) -> None:
        """Give a slot back and hand it to the first waiter, if any."""
        self.active -= 1
        self._wake()

    def _wake(self) -> None:
        waiters = self._waiters
        while waiters and self.active < self.limit:
            future = heapq.heappop(waiters)[2]
            if not future.done():
                self.active += 1  # taken on the waiter's behalf, before it runs again
                future.set_result(None)


class HostGate:
    """At most ``limit`` requests at once to one host, starts spaced by ``delay_s``."""

    def __init__(self, limit: int, delay_s: float, *, monotonic: Monotonic, sleep: Sleep) -> None:
        self._slots = Slots(limit)
        self.delay_s = delay_s
        self._recent: deque[bool] = deque(maxlen=RATE_WINDOW)
        self.slowdowns = 0
        self._last_slowdown = 0.0
        self._next_start = 0.0
        self._monotonic = monotonic
        self._sleep = sleep

    @property
    def limit(self) -> int:
        return self._slots.limit

    @property
    def active(self) -> int:
        return self._slots.active

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for a free slot and for the host's delay since the previous start."""
        await self._slots.acquire(urgent=urgent)
        if self.delay_s > 0:
            now = self._monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self.delay_s
            if start > now:
                await self._sleep(start - now)

    def release(self) -> None:
        """Give the slot back and wake one waiter."""
        self._slots.release()

    def answered(self, status: int) -> None:
        """Note an answer of this host; slow down when 429s are a good share of the latest.

        A 429 with a Retry-After is honoured for its own URL in any case. What it says
        about the host depends on the others: a site that limits some pages (each 429
        once, then fine, as bench/linkbench's do: about one answer in thirty) is not
        asking for fewer requests overall; slowing down for each of those, once a
        second, took a 10,000-URL run down to one request per host at a time and made
        it take twice as long for nothing. A host that limits the client answers 429 to
        many requests in a row, and is slowed down within a few answers.
        """
        self._recent.append(status == 429)
        if status == 429 and sum(self._recent) >= RATE_LIMITED_OF_WINDOW:
            self.slow_down()

    def slow_down(self) -> None:
        """Take one request of concurrency away (never below 1): the host answered 429.

        At most once per ``SLOWDOWN_INTERVAL_S``: the answers to requests already in
        flight when the first 429 came are the same complaint, not new ones. A host that
        keeps answering 429 goes down to one request at a time within seconds; one that
        rate-limits a single page (and says when to come back, which is honoured for
        that page) loses little.
        """
        now = self._monotonic()
        if self.slowdowns and now - self._last_slowdown < SLOWDOWN_INTERVAL_S:
            return
        self.slowdowns += 1
        self._last_slowdown = now
        self._slots.limit = max(1, self._slots.limit - 1)


class Limiter:
    """The run's global slots and its per-host gates (created on first use, per host)."""

    def __init__(self, policy: CheckPolicy, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep):
        self._policy = policy
        self._global = Slots(policy.concurrency)
        self._hosts: dict[str, HostGate] = {}
        self._monotonic = monotonic
        self._sleep = sleep

    def gate(self, host: str) -> HostGate:
        """Return the gate of ``host`` (lower case, without port)."""
        gate = self._hosts.get(host)
        if gate is None:
            override = self._policy.host(host)
            gate = HostGate(
                override.concurrency or self._policy.host_concurrency,
                self._policy.host_delay_s if override.delay_s is None else override.delay_s,
                monotonic=self._monotonic,
                sleep=self._sleep,
            )
            self._hosts[host] = gate
        return gate

    @asynccontextmanager
    async def slot(self, host: str, *, urgent: bool = False) -> AsyncIterator[HostGate]:
        """Hold a host slot, then a global one, for one request (``urgent``: see ``Slots``).

        The host slot comes first so that requests queued behind a busy host never
        sit on global slots other hosts could use.
        """
        gate = self.gate(host)
        await gate.acquire(urgent=urgent)
        try:
            await self._global.acquire(urgent=urgent)
            try:
                yield gate
            finally:
                self._global.release()
        finally:
            gate.release()


class Admission:
    """Bound the references being worked on, not counting those asleep.

    Tasks are created as slots free up rather than all at once, so memory does not grow
    with the number of references; a reference waiting out a Retry-After ``pause``s,
    which lets the next one in (the waiting one is, in effect, re-queued).
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.running = 0
        self._cond = asyncio.Condition()

    async def enter(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self.running < self.limit)
            self.running += 1

    async def leave(self) -> None:
        async with self._cond:
            self.running -= 1
            self._cond.notify()

    async def pause(self) -> None:
        await self.leave()

    def resume(self) -> None:
        # No waiting on the way back in: a reference that has waited its turn already
        # must not queue behind new ones (the limit may be exceeded briefly).
        self.running += 1
