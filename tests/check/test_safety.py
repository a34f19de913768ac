"""The address guard: what is refused before a request and at connect time."""

from __future__ import annotations

import asyncio

import pytest

from refcheck.check.safety import AddressGuard, GuardedBackend, RefusedAddressError, is_public_address, refuse_reason


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("93.184.215.14", True),  # a public IPv4 address
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),  # a public IPv6 address
        ("127.0.0.1", False),  # loopback
        ("127.0.0.2", False),  # all of 127/8 is loopback
        ("::1", False),
        ("[::1]", False),  # as written in a URL
        ("10.1.2.3", False),  # RFC 1918
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # link-local: cloud metadata endpoints
        ("fe80::1", False),
        ("224.0.0.1", False),  # multicast
        ("ff02::1", False),
        ("0.0.0.0", False),  # unspecified
        ("100.64.0.1", False),  # carrier-grade NAT, not global
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("fc00::1", False),  # unique local
        ("not an ip", False),
    ],
)
def test_is_public_address_accepts_only_global_unicast(ip: str, public: bool) -> None:
    assert is_public_address(ip) is public


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.org/a", None),
        ("http://93.184.215.14/", None),
        ("ftp://example.org/file", "scheme 'ftp' is not http or https"),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
        ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
        ("http:///nohost", "URL has no host"),
        ("http://127.0.0.1:6379/", "loopback address"),
        ("http://[::1]/", "loopback address"),
        ("http://10.0.0.1/", "private or reserved address"),
        ("http://169.254.169.254/latest/", "link-local address"),
        ("http://localhost:8080/", "localhost refused"),
        ("http://example.org:99999/", "malformed URL"),
    ],
)
def test_refuse_reason_judges_scheme_and_literal_addresses(url: str, reason: str | None) -> None:
    got = refuse_reason(url, allow_private=False)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got


def test_allow_private_permits_intranet_addresses_but_not_bad_schemes() -> None:
    assert refuse_reason("http://10.0.0.1/", allow_private=True) is None
    assert refuse_reason("http://localhost/", allow_private=True) is None
    assert refuse_reason("gopher://10.0.0.1/", allow_private=True) is not None


def test_an_allowed_address_is_the_only_local_one_permitted() -> None:
    assert refuse_reason("http://127.0.0.1:8000/", allow_private=False, allowed=["127.0.0.1"]) is None
    assert refuse_reason("http://127.0.0.2:8000/", allow_private=False, allowed=["127.0.0.1"]) is not None


def test_a_denied_network_wins_over_allow_private() -> None:
    guard = AddressGuard.from_lists(allow_private=True, denied=["127.0.0.2/32"])
    assert guard.reason("127.0.0.1") is None
    assert guard.reason("127.0.0.2") == "address denied by configuration"


def test_the_backend_refuses_a_name_whose_every_address_is_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.2", "10.0.0.7"]

    backend = GuardedBackend(AddressGuard.from_lists(allow_private=False, allowed=["127.0.0.1"]), resolver)
    with pytest.raises(RefusedAddressError) as info:
        asyncio.run(backend.connect_tcp("intranet.test", 80, timeout=1))
    assert info.value.address == "127.0.0.2"
    assert "loopback" in str(info.value)


def test_the_backend_refuses_unix_sockets() -> None:
    backend = GuardedBackend(AddressGuard())
    with pytest.raises(RefusedAddressError):
        asyncio.run(backend.connect_unix_socket("/var/run/docker.sock"))
