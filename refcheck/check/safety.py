"""Refuse to fetch what a link checker must never touch: local and private addresses.

A document is untrusted input. A URL in it (or a redirect, or a public name whose DNS
answer points inside the network) must not make refcheck probe ``127.0.0.1:6379`` or a
cloud metadata endpoint at ``169.254.169.254``. The check therefore happens twice:
``refuse_reason`` looks at the URL as written (scheme, literal address) before any
request, and ``GuardedBackend`` looks at every address a host name resolves to, at the
moment of connecting, so that redirects and DNS answers cannot slip past it.

Tests and intranets relax the guard with ``allow_private``; tests also narrow it with
``allowed`` (the test server's own address) and ``denied`` networks, so that a refused
target is another loopback address and no test ever aims outside the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Resolve a host name to the IP addresses (as text) to try, in order.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOWED_SCHEMES = ("http", "https")
#: Names that mean this machine whatever DNS says (RFC 6761 section 6.3).
LOCAL_NAMES = ("localhost", "localhost.localdomain")


class RefusedAddressError(Exception):
    """A connection the guard refused: the host is, or resolves to, a forbidden address."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        shown = address if host == address else f"{host} ({address})"
        super().__init__(f"{shown}: {reason}")


class NameNotResolvedError(Exception):
    """DNS has no address for a host name (the name is gone, or there is no DNS)."""

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        self.detail = detail
        super().__init__(f"{host}: {detail}")


def _parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _kind_of(addr: IPAddress) -> str | None:
    """Name the kind of non-public address ``addr`` is, or None when it is public."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if addr.is_loopback:
        return "loopback address"
    if addr.is_link_local:
        return "link-local address"
    if addr.is_multicast:
        return "multicast address"
    if addr.is_unspecified:
        return "unspecified address"
    if addr.is_private or not addr.is_global:
        return "private or reserved address"
    return None


def is_public_address(ip: str | IPAddress) -> bool:
    """Return True when ``ip`` is a globally routable unicast address.

    Args:
        ip: an IPv4 or IPv6 address, as text (brackets allowed) or an ``ipaddress`` object.

    Returns:
        False for loopback, private, link-local, multicast, reserved and unparseable input.
    """
    addr = ip if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address) else _parse_address(ip)
    return addr is not None and _kind_of(addr) is None


def _networks(items: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(i, strict=False) if isinstance(i, str) else i for i in items)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressGuard:
    """Which addresses may be connected to.

    ``denied`` networks are always refused; ``allowed`` networks are always permitted
    (unless denied); anything else is permitted when public, or when ``allow_private``.
    """

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()
    denied: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_lists(
        cls, *, allow_private: bool, allowed: Iterable[str | IPNetwork] = (), denied: Iterable[str | IPNetwork] = ()
    ) -> AddressGuard:
        """Build a guard from addresses or networks written as text (``127.0.0.1``, ``10.0.0.0/8``)."""
        return cls(allow_private=allow_private, allowed=_networks(allowed), denied=_networks(denied))

    def reason(self, ip: str | IPAddress) -> str | None:
        """Return why ``ip`` is refused, or None when it may be connected to."""
        addr = ip if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address) else _parse_address(ip)
        if addr is None:
            return f"{ip!r} is not an IP address"
        if any(addr in net for net in self.denied):
            return "address denied by configuration"
        if any(addr in net for net in self.allowed):
            return None
        kind = _kind_of(addr)
        if kind is None or self.allow_private:
            return None
        return f"{kind} refused (set allow_private = true to check intranet links)"


def refuse_reason(
    url: str,
    allow_private: bool,
    *,
    allowed: Iterable[str | IPNetwork] = (),
    denied: Iterable[str | IPNetwork] = (),
) -> str | None:
    """Say why ``url`` must not be fetched, judging only what is written in it.

    Host names are judged again at connect time by ``GuardedBackend``, once resolved.

    Args:
        url: an absolute URL.
        allow_private: permit loopback, private and link-local addresses.
        allowed: networks permitted even when ``allow_private`` is False.
        denied: networks refused even when ``allow_private`` is True.

    Returns:
        A short reason ("scheme 'ftp' is not http or https", "loopback address refused ..."),
        or None when the URL may be fetched.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a port such as ':99999' raises here
    except ValueError as exc:
        return f"malformed URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"scheme {scheme or 'none'!r} is not http or https"
    if not host:
        return "URL has no host"
    guard = AddressGuard.from_lists(allow_private=allow_private, allowed=allowed, denied=denied)
    if (addr := _parse_address(host)) is not None:
        return guard.reason(addr)
    if host.rstrip(".").lower() in LOCAL_NAMES and not allow_private:
        return "localhost refused (set allow_private = true to check local links)"
    return None


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Resolve ``host`` with the system resolver (getaddrinfo), in the order it prefers."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameNotResolvedError(host, exc.strerror or "no address") from None
    out: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in out:
            out.append(ip)
    return out


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves names itself and connects only to
    addresses the guard permits.

    Checking at connect time (rather than once per URL) covers redirects, keep-alive
    reconnections and a DNS answer that changes between two lookups (DNS rebinding):
    the address checked is the address connected to.
    """

    def __init__(
        self,
        guard: AddressGuard,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._guard = guard
        self._resolver = resolver or system_resolver
        if inner is None:
            from refcheck.check._stream import AsyncioBackend  # asyncio streams: less CPU than anyio

            inner = AsyncioBackend()
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if _parse_address(host) is not None:
            addresses: Sequence[str] = [host.strip("[]")]
        else:
            try:
                addresses = await asyncio.wait_for(self._resolver(host, port), timeout)
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout} s") from None
            if not addresses:
                raise NameNotResolvedError(host, "no address")
        permitted = [a for a in addresses if self._guard.reason(a) is None]
        if not permitted:
            first = addresses[0]
            raise RefusedAddressError(host, first, self._guard.reason(first) or "refused")
        error: Exception | None = None
        for address in permitted:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the next address, as getaddrinfo-based clients do
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddressError(path, path, "unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
