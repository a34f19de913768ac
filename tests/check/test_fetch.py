"""Every verdict and fault of issue 3, against a real server on 127.0.0.1.

Assertions are on what came back and on what the server saw (request counts and order),
never on time: waits go through ``fast_sleep``, which records them and returns at once.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import ssl
from datetime import UTC, datetime
from typing import Any, TypeAlias

import pytest
from _helpers import check, check_one, client_factory, policy, reference

from refcheck.check import CheckOutcome, check_references
from refcheck.config import CheckPolicy
from refcheck.models import Status

# Fixture types live in tests/conftest.py, which tests cannot import by name.
FastSleep: TypeAlias = Any
FixedClock: TypeAlias = Any
ServerThread: TypeAlias = Any


@pytest.fixture
def p(fault_server: ServerThread) -> CheckPolicy:
    return policy(canary=fault_server.url("/"))


def test_a_200_page_is_alive_with_type_length_and_digest(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    out = check_one(fault_server.url("/ok"), p, sleep=fast_sleep)
    r = out.result
    assert r.status == Status.ALIVE
    assert r.http_status == 200
    assert r.content_type == "text/html; charset=utf-8"
    assert r.length == len(fault_server.app.ok_page)
    assert r.sha256 == hashlib.sha256(fault_server.app.ok_page).hexdigest()
    assert r.evidence.startswith("200 OK")
    assert len(r.attempts) == 1 and r.attempts[0].method == "GET"
    assert out.capture is None
    assert fault_server.hits("/ok") == 1


@pytest.mark.parametrize("code", [301, 308])
def test_a_permanent_redirect_to_a_live_page_is_redirected_with_the_new_url(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, code: int
) -> None:
    r = check_one(fault_server.url(f"/redirect/{code}"), p, sleep=fast_sleep).result
    assert r.status == Status.REDIRECTED
    assert r.permanent_redirect
    assert r.final_url == fault_server.url("/ok")
    assert r.redirects == (fault_server.url("/ok"),)
    assert str(code) in r.evidence


def test_a_chain_of_temporary_redirects_is_alive_and_recorded(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/chain/3"), p, sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert not r.permanent_redirect
    assert r.redirects == tuple(fault_server.url(x) for x in ("/chain/2", "/chain/1", "/ok"))
    assert "after 3 redirects" in r.evidence


def test_a_redirect_loop_is_a_verdict_not_a_crash(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/loop/a"), p, sleep=fast_sleep).result
    assert r.status == Status.BROKEN
    assert "redirect loop" in r.evidence
    assert fault_server.hits("/loop/a") == 1 and fault_server.hits("/loop/b") == 1


def test_an_overlong_redirect_chain_is_broken(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    r = check_one(fault_server.url("/chain/6"), dataclasses.replace(p, max_redirects=3), sleep=fast_sleep).result
    assert r.status == Status.BROKEN
    assert "more than 3 redirects" in r.evidence
    assert fault_server.hits("/chain/2") == 0


@pytest.mark.parametrize(("code", "reason"), [(404, "Not Found"), (410, "Gone")])
def test_404_and_410_are_broken_without_retrying(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, code: int, reason: str
) -> None:
    r = check_one(fault_server.url(f"/status/{code}"), p, sleep=fast_sleep).result
    assert r.status == Status.BROKEN
    assert r.evidence == f"{code} {reason}"
    assert fault_server.hits(f"/status/{code}") == 1
    assert fast_sleep.delays == []


def test_429_with_retry_after_seconds_is_waited_out_then_alive(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/ratelimit/a?after=7"), p, sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert fault_server.hits("/ratelimit/a") == 2
    assert fast_sleep.delays == [7.0]
    assert [a.http_status for a in r.attempts] == [429, 200]


def test_429_with_retry_after_as_an_http_date_is_honoured(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, fixed_clock: FixedClock
) -> None:
    epoch = int(fixed_clock.now.timestamp())
    url = fault_server.url(f"/ratelimit/b?after=5&date={epoch}")
    r = check_one(url, p, sleep=fast_sleep, clock=fixed_clock).result
    assert r.status == Status.ALIVE
    assert fast_sleep.delays == [5.0]


def test_a_retry_after_beyond_the_cap_is_not_waited_and_the_source_is_blocked(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    r = check_one(
        fault_server.url("/ratelimit-forever/c?after=3600"),
        dataclasses.replace(p, retry_after_cap_s=60),
        sleep=fast_sleep,
    ).result
    assert r.status == Status.BLOCKED
    assert fast_sleep.delays == []
    assert fault_server.hits("/ratelimit-forever/c") == 1


def test_a_429_that_never_clears_is_blocked_not_dead(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/ratelimit-forever/d?after=1"), p, sleep=fast_sleep).result
    assert r.status == Status.BLOCKED
    assert "did not clear" in r.evidence
    assert fault_server.hits("/ratelimit-forever/d") == 4  # 1 + 3 retries


def test_a_reference_waiting_out_retry_after_holds_no_worker(fault_server: ServerThread, p: CheckPolicy) -> None:
    """With one slot, the others are checked while the rate-limited one waits; then it comes back."""
    import dataclasses

    one_slot = dataclasses.replace(p, concurrency=1, host_concurrency=1)
    others_done = asyncio.Event()
    waited: list[float] = []
    finished: list[str] = []
    urls = [fault_server.url("/ratelimit/q?after=30"), fault_server.url("/ok"), fault_server.url("/plain")]

    async def sleep_until_others_finish(seconds: float) -> None:
        waited.append(seconds)
        await others_done.wait()  # would never end if the waiting reference held the only slot

    def on_result(result: object) -> None:
        finished.append(result.url)  # type: ignore[attr-defined]
        if len(finished) == 2:
            others_done.set()

    async def run() -> list[CheckOutcome]:
        refs = [reference(u) for u in urls]
        gen = check_references(
            refs, one_slot, client_factory=client_factory(), sleep=sleep_until_others_finish, on_result=on_result
        )
        return [o async for o in gen]

    outcomes = asyncio.run(asyncio.wait_for(run(), 20))
    assert waited == [30.0]
    assert {o.result.status for o in outcomes} == {Status.ALIVE}
    paths = [path for _, _, path in fault_server.log if not path.startswith("/refcheck-probe-")]
    assert paths == ["/ratelimit/q", "/ok", "/plain", "/ratelimit/q"]
    assert finished[-1] == urls[0]


def test_a_host_that_answers_429_gets_fewer_concurrent_requests() -> None:
    from refcheck.check.ratelimit import HostGate

    now = [0.0]
    gate = HostGate(3, 0.0, monotonic=lambda: now[0], sleep=asyncio.sleep)
    limits = []
    for step in (0.0, 0.1, 0.5, 1.2, 2.5, 4.0):  # 429s at these times
        now[0] = step
        gate.slow_down()
        limits.append(gate.limit)
    # answers within a second of the last slowdown are the same complaint
    assert limits == [2, 2, 2, 1, 1, 1]
    assert gate.slowdowns == 4


def test_a_few_pages_answering_429_do_not_slow_the_host_but_many_429s_do() -> None:
    from refcheck.check.ratelimit import RATE_LIMITED_OF_WINDOW, RATE_WINDOW, HostGate

    now = [0.0]
    gate = HostGate(10, 0.0, monotonic=lambda: now[0], sleep=asyncio.sleep)
    for i in range(200):  # one page in twenty is rate-limited, as in bench/linkbench
        now[0] += 0.05
        gate.answered(429 if i % RATE_WINDOW == 0 else 200)
    assert gate.limit == 10 and gate.slowdowns == 0
    for _ in range(RATE_LIMITED_OF_WINDOW):  # then the host starts refusing everyone
        now[0] += 0.05
        gate.answered(429)
    assert gate.limit == 9
    for _ in range(40):
        now[0] += 0.5
        gate.answered(429)
    assert gate.limit == 1  # one request at a time, within seconds


def test_503_twice_then_200_is_alive_after_backoff(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/flaky/e?fails=2"), p, sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert [a.http_status for a in r.attempts] == [503, 503, 200]
    assert fault_server.hits("/flaky/e") == 3
    assert len(fast_sleep.delays) == 2
    assert fast_sleep.delays[1] > fast_sleep.delays[0] - 0.5  # exponential, with up to 0.5 s of jitter


def test_503_forever_is_a_server_error_after_all_retries(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/flaky/f?fails=99"), p, sleep=fast_sleep).result
    assert r.status == Status.SERVER_ERROR
    assert r.evidence == "503 Service Unavailable (4 attempts)"
    assert fault_server.hits("/flaky/f") == 4


def test_head_refused_with_405_falls_back_to_get(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    r = check_one(fault_server.url("/head405"), dataclasses.replace(p, method="head"), sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert [(a.method, a.http_status) for a in r.attempts] == [("HEAD", 405), ("GET", 200)]
    assert [m for m, _, path in fault_server.log if path == "/head405"] == ["HEAD", "GET"]


def test_head_that_succeeds_needs_no_get(fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep) -> None:
    import dataclasses

    r = check_one(fault_server.url("/ok"), dataclasses.replace(p, method="head"), sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert [m for m, _, _ in fault_server.log] == ["HEAD"]


def test_a_connection_reset_is_retried_then_a_server_error(
    reset_server: tuple[str, int], p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    host, port = reset_server
    r = check_one(f"http://{host}:{port}/doc", p, sleep=fast_sleep).result
    assert r.status == Status.SERVER_ERROR
    assert len(r.attempts) == 4
    assert all(a.http_status is None and a.error for a in r.attempts)
    assert len(fast_sleep.delays) == 3


def test_an_answer_slower_than_the_timeout_is_a_timeout(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    r = check_one(
        fault_server.url("/slow?s=3"), dataclasses.replace(p, timeout_s=0.2, retries=1), sleep=fast_sleep
    ).result
    assert r.status == Status.TIMEOUT
    assert len(r.attempts) == 2
    assert r.evidence == "no answer within the timeout (2 attempts)"


def test_a_cloudflare_challenge_is_blocked_not_broken(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/botwall"), p, sleep=fast_sleep).result
    assert r.status == Status.BLOCKED
    assert "Cloudflare challenge" in r.evidence
    assert fault_server.hits("/botwall") == 1


@pytest.mark.parametrize("path", ["/status/401", "/status/403"])
def test_401_and_403_are_blocked(fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, path: str) -> None:
    assert check_one(fault_server.url(path), p, sleep=fast_sleep).result.status == Status.BLOCKED


@pytest.mark.parametrize(
    ("path", "said"), [("/soft404", "Page not found | Example"), ("/soft404-fr", "Page introuvable")]
)
def test_page_not_found_served_with_200_is_a_soft_404(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, path: str, said: str
) -> None:
    r = check_one(fault_server.url(path), p, sleep=fast_sleep).result
    assert r.status == Status.SOFT_404
    assert said in r.evidence


def test_a_host_answering_every_path_with_the_same_page_gives_soft_404s(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    urls = [fault_server.url(f"/reports/{n}", host="catchall.test") for n in (1, 2)]
    outcomes = check(urls, p, sleep=fast_sleep)
    for url in urls:
        r = outcomes[url].result
        assert r.status == Status.SOFT_404
        assert "path that cannot exist" in r.evidence
    probes = [path for _, host, path in fault_server.log if path.startswith("/refcheck-probe-")]
    assert len(probes) == 1  # one probe per host per run


def test_a_host_with_real_404s_keeps_its_pages_alive_after_the_probe(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/ok/annual"), p, sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert any(path.startswith("/refcheck-probe-") for _, _, path in fault_server.log)


def test_a_deep_link_redirected_to_the_home_page_is_a_soft_404(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/deep/2019/report.html"), p, sleep=fast_sleep).result
    assert r.status == Status.SOFT_404
    assert "home page" in r.evidence


def test_a_self_signed_certificate_is_a_tls_error(
    tls_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(tls_server.url("/ok"), p, sleep=fast_sleep).result
    assert r.status == Status.TLS_ERROR
    assert "certificate" in r.evidence
    assert len(r.attempts) == 1  # TLS failures are not retried


def test_a_certificate_from_a_trusted_ca_is_alive(
    tls_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, test_ca: Any
) -> None:
    context = ssl.create_default_context()
    test_ca.configure_trust(context)
    r = check_one(tls_server.url("/ok"), p, sleep=fast_sleep, client_factory=client_factory(verify=context)).result
    assert r.status == Status.ALIVE


def test_a_pdf_url_answering_html_is_flagged(fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep) -> None:
    outcomes = check([fault_server.url("/doc.pdf"), fault_server.url("/real.pdf")], p, sleep=fast_sleep)
    flagged = outcomes[fault_server.url("/doc.pdf")].result
    assert flagged.status == Status.SOFT_404
    assert "PDF" in flagged.evidence and "HTML" in flagged.evidence
    real = outcomes[fault_server.url("/real.pdf")].result
    assert real.status == Status.ALIVE and real.content_type == "application/pdf"


def test_a_body_over_the_cap_is_read_no_further(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    r = check_one(
        fault_server.url("/big?bytes=200000"), dataclasses.replace(p, max_body_bytes=10_000), sleep=fast_sleep
    ).result
    assert r.status == Status.ALIVE
    assert r.length == 10_000
    assert r.sha256 is None
    assert "larger than the size cap" in r.evidence


def test_a_gzip_bomb_is_decompressed_only_up_to_the_cap(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    r = check_one(fault_server.url("/bomb"), dataclasses.replace(p, max_body_bytes=1_000_000), sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert r.length is not None and r.length <= 1_000_000
    assert "compression bomb" in r.evidence


@pytest.mark.parametrize(
    ("target", "refused"),
    [
        ("http://127.0.0.2:{port}/ok", "loopback"),  # a literal address the guard refuses
        ("http://[::1]:{port}/ok", "loopback"),
        ("http://evil.test:{port}/ok", "loopback"),  # a name resolving to a refused address
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # refused before any connection
    ],
)
def test_a_redirect_to_a_refused_address_is_unsafe(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, target: str, refused: str
) -> None:
    to = target.format(port=fault_server.port)
    r = check_one(fault_server.url(f"/redirect/302?to={to}"), p, sleep=fast_sleep).result
    assert r.status == Status.UNSAFE
    assert refused in r.evidence


def test_a_name_resolving_to_a_refused_address_is_unsafe(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/ok", host="evil.test"), p, sleep=fast_sleep).result
    assert r.status == Status.UNSAFE
    assert "127.0.0.2" in r.evidence
    assert fault_server.hits("/ok") == 0


def test_a_refused_literal_address_is_never_requested(p: CheckPolicy, fast_sleep: FastSleep) -> None:
    r = check_one("http://127.0.0.2:9/ok", p, sleep=fast_sleep).result
    assert r.status == Status.UNSAFE
    assert r.attempts == ()


def test_a_name_with_no_address_is_broken_without_retrying(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/ok", host="gone.test"), p, sleep=fast_sleep).result
    assert r.status == Status.BROKEN
    assert "no such host" in r.evidence
    assert len(r.attempts) == 1


def test_a_port_with_nothing_listening_is_broken(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep, closed_port: int
) -> None:
    r = check_one(f"http://127.0.0.1:{closed_port}/ok", p, sleep=fast_sleep).result
    assert r.status == Status.BROKEN
    assert "connection refused" in r.evidence


def test_offline_judges_nothing(fast_sleep: FastSleep, closed_port: int) -> None:
    offline = policy(canary=f"http://127.0.0.1:{closed_port}/", retries=1)
    urls = ["http://gone.test/a", f"http://127.0.0.1:{closed_port}/b", "http://also-gone.test/c"]
    outcomes = check(urls, offline, sleep=fast_sleep)
    assert {o.result.status for o in outcomes.values()} == {Status.OFFLINE}
    assert all("nothing was judged" in o.result.evidence for o in outcomes.values())


def test_one_unreachable_host_is_judged_when_the_canary_answers(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one("http://gone.test/a", p, sleep=fast_sleep).result
    assert r.status == Status.BROKEN
    assert fault_server.hits("/") == 1  # the canary


def test_a_registered_doi_whose_publisher_answers_403_is_blocked(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    doi_policy = dataclasses.replace(p, doi_handle_api=fault_server.url("/doi-api/{doi}"))
    refs = [
        reference(fault_server.url("/status/403"), key="doi:10.1234/abc"),
        reference(fault_server.url("/status/404"), key="doi:10.1234/missing-1"),
    ]
    from refcheck.check import run_checks

    outcomes = {
        o.result.key: o.result for o in run_checks(refs, doi_policy, client_factory=client_factory(), sleep=fast_sleep)
    }
    registered = outcomes["doi:10.1234/abc"]
    assert registered.status == Status.BLOCKED
    assert "registered" in registered.evidence
    assert outcomes["doi:10.1234/missing-1"].status == Status.BROKEN
    assert "not registered" in outcomes["doi:10.1234/missing-1"].evidence
    assert fault_server.hits("/doi-api/10.1234/abc") == 1


def test_capture_keeps_the_exchange_with_its_content_encoding(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    out = check_one(fault_server.url("/gzip"), p, sleep=fast_sleep, capture=True)
    cap = out.capture
    assert cap is not None
    assert gzip.decompress(cap.body) == fault_server.app.ok_page
    assert ("content-encoding", "gzip") in cap.response_headers
    assert any(k.lower() == "user-agent" and v.startswith("refcheck/") for k, v in cap.request_headers)
    assert cap.ip == "127.0.0.1"
    assert cap.status == 200 and cap.http_version == "HTTP/1.1" and not cap.truncated
    assert out.result.sha256 == hashlib.sha256(fault_server.app.ok_page).hexdigest()  # digest of the decoded payload
    assert fault_server.hits("/gzip") == 1


def test_capture_of_a_body_over_the_cap_is_flagged_truncated(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    out = check_one(
        fault_server.url("/big?bytes=50000"),
        dataclasses.replace(p, max_body_bytes=20_000),
        sleep=fast_sleep,
        capture=True,
    )
    assert out.capture is not None and out.capture.truncated and len(out.capture.body) == 20_000


def test_cookies_set_during_redirects_are_sent_back_within_the_check(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    r = check_one(fault_server.url("/cookie"), p, sleep=fast_sleep).result
    assert r.status == Status.ALIVE
    assert fault_server.hits("/cookie") == 2


def test_references_without_url_excluded_or_with_a_bad_scheme_are_not_fetched(
    fault_server: ServerThread, p: CheckPolicy, fast_sleep: FastSleep
) -> None:
    import dataclasses

    from refcheck.check import run_checks

    refs = [reference(None, key="un:A/1"), reference(fault_server.url("/ok?private")), reference("ftp://example.org/x")]
    outcomes = {
        o.result.key: o.result.status
        for o in run_checks(
            refs,
            dataclasses.replace(p, exclude=(r"\?private$",)),
            client_factory=client_factory(),
            sleep=fast_sleep,
        )
    }
    assert outcomes == {
        "un:A/1": Status.UNRESOLVED,
        fault_server.url("/ok?private"): Status.EXCLUDED,
        "ftp://example.org/x": Status.UNSAFE,
    }
    assert fault_server.log == []


def test_results_carry_timezone_aware_times(
    fault_server: ServerThread, p: CheckPolicy, fixed_clock: FixedClock
) -> None:
    r = check_one(fault_server.url("/ok"), p, clock=fixed_clock).result
    assert r.checked_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert r.attempts[0].at.tzinfo is not None
