"""The fail policy: which runs exit 1, 0 or 3."""

from __future__ import annotations

from dataclasses import replace

import pytest
from report_samples import RUN, T0, history, make_sample_report, ref, result, url_citation

from refcheck.config import ReportPolicy
from refcheck.models import Status
from refcheck.report import Report, build_report, judge
from refcheck.report.policy import EXIT_BROKEN, EXIT_OFFLINE, EXIT_OK

A = ref("https://a.example/", url_citation("https://a.example/", "https://a.example/", "d.md", line=1))
B = ref("https://b.example/", url_citation("https://b.example/", "https://b.example/", "d.md", line=2))


def report_of(statuses: dict[str, Status], failures: dict[str, int] | None = None, offline: bool = False) -> Report:
    refs = [r for r in (A, B) if r.key in statuses]
    hist = [history(k, n, last_alive=None, previous=None) for k, n in (failures or {}).items()]
    return build_report(
        run=replace(RUN, offline=offline),
        generated_at=T0,
        references=refs,
        results=[result(r, statuses[r.key], "") for r in refs],
        histories=hist,
    )


def test_fail_on_any_fails_on_one_dead_source() -> None:
    verdict = judge(report_of({A.key: Status.BROKEN, B.key: Status.ALIVE}), ReportPolicy(fail_on="any"))
    assert verdict.exit_code == EXIT_BROKEN and verdict.failing == (A.key,) and verdict.failed


@pytest.mark.parametrize("status", [Status.BLOCKED, Status.UNSAFE, Status.REDIRECTED, Status.ALIVE, Status.EXCLUDED])
def test_unverifiable_or_living_sources_never_fail_a_run(status: Status) -> None:
    assert judge(report_of({A.key: status}), ReportPolicy(fail_on="any")).exit_code == EXIT_OK


def test_persistent_waits_for_n_consecutive_failing_runs() -> None:
    policy = ReportPolicy(fail_on="persistent", fail_after_runs=3)
    young = judge(report_of({A.key: Status.BROKEN}, {A.key: 2}), policy)
    assert young.exit_code == EXIT_OK and "1 dead for fewer runs" in young.reason
    old = judge(report_of({A.key: Status.BROKEN, B.key: Status.TIMEOUT}, {A.key: 3, B.key: 1}), policy)
    assert old.exit_code == EXIT_BROKEN and old.failing == (A.key,)


def test_persistent_counts_a_source_with_no_history_as_failing_for_one_run() -> None:
    policy = ReportPolicy(fail_on="persistent", fail_after_runs=1)
    assert judge(report_of({A.key: Status.BROKEN}), policy).exit_code == EXIT_BROKEN


def test_never_only_reports() -> None:
    verdict = judge(report_of({A.key: Status.BROKEN}, {A.key: 9}), ReportPolicy(fail_on="never"))
    assert verdict.exit_code == EXIT_OK and "1 dead" in verdict.reason


@pytest.mark.parametrize("fail_on", ["any", "persistent", "never"])
def test_an_offline_run_exits_3_and_judges_nothing(fail_on: str) -> None:
    verdict = judge(report_of({A.key: Status.BROKEN}, offline=True), ReportPolicy(fail_on=fail_on))
    assert verdict.exit_code == EXIT_OFFLINE and verdict.failing == ()


def test_a_run_with_offline_results_is_an_offline_run_even_if_some_were_decided_before() -> None:
    verdict = judge(report_of({A.key: Status.UNSAFE, B.key: Status.OFFLINE}), ReportPolicy())
    assert verdict.exit_code == EXIT_OFFLINE


def test_an_accepted_dead_source_does_not_fail_the_sample_run_but_the_others_do() -> None:
    verdict = judge(make_sample_report(), ReportPolicy(fail_on="any"))
    assert verdict.exit_code == EXIT_BROKEN
    assert "https://api.example.com/data?a=1|b=2&c=*x*_y_" not in verdict.failing
    assert len(verdict.failing) == 5


def test_the_exit_codes_are_the_clis() -> None:
    from refcheck.cli import ExitCode

    assert (EXIT_OK, EXIT_BROKEN, EXIT_OFFLINE) == (ExitCode.OK, ExitCode.BROKEN, ExitCode.OFFLINE)
