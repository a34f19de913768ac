"""Tell "this source is gone" from "this machine is offline".

A nightly job on a runner whose network is down would otherwise mark every reference
broken and open an issue about all of them. The rule: a reference whose attempts reached
nothing (no DNS answer, no connection) is only judged once the run knows it is online,
either because some other server answered, or because a canary (a few well-known sites,
configurable) answers. When neither happens, the run is offline and judges nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import httpx

#: Ask the canaries quickly: a dead network fails fast or not at all.
CANARY_TIMEOUT_S = 5.0


class NetworkMonitor:
    """The run's knowledge of whether the network works, shared by every check."""

    def __init__(self, probe: Callable[[], Awaitable[bool]]) -> None:
        self.online = False
        self.offline = False
        self._probe = probe
        self._task: asyncio.Task[bool] | None = None

    def saw_answer(self) -> None:
        """Record that some server answered (any HTTP status): the network works."""
        self.online = True
        self.offline = False

    async def is_offline(self) -> bool:
        """Return True when neither a server nor a canary has answered.

        The canaries are asked once per run, by the first reference that needs to know.
        """
        if self.online:
            return False
        if self._task is None:
            self._task = asyncio.ensure_future(self._probe())
        reachable = await asyncio.shield(self._task)
        if reachable:
            self.online = True
        self.offline = not self.online
        return self.offline


async def probe_canaries(client: httpx.AsyncClient, urls: Sequence[str], timeout_s: float = CANARY_TIMEOUT_S) -> bool:
    """Return True when at least one of ``urls`` gives any HTTP answer.

    Any status counts (a 403 from a canary still proves the route works); only a
    failure to connect or to resolve counts against.
    """

    async def one(url: str) -> bool:
        try:
            response = await client.get(url, timeout=timeout_s)
            await response.aclose()
        except Exception:  # every failure means the same here: this canary is unreachable
            return False
        return True

    if not urls:
        return False
    results = await asyncio.gather(*(one(u) for u in urls))
    return any(results)
