"""build_report and compute_changes: order, acceptance, and what changed since last run."""

from __future__ import annotations

from dataclasses import replace

from report_samples import RESULTS, RUN, T0, history, make_sample_report, ref, result, url_citation

from refcheck.config import CuratedReference
from refcheck.models import Citation, CitationKind, Location, Reference, Status
from refcheck.report._model import STATUS_ORDER, Change, build_report, compute_changes

A = ref("https://a.example/", url_citation("https://a.example/", "https://a.example/", "d.md", line=1))
B = ref("https://b.example/", url_citation("https://b.example/", "https://b.example/", "d.md", line=2))


def test_references_are_ordered_worst_first_then_by_key() -> None:
    report = make_sample_report()
    ranks = [STATUS_ORDER.index(report.results[r.key].status) for r in report.references]
    assert ranks == sorted(ranks)
    broken = [r.key for r in report.references if report.results[r.key].status is Status.BROKEN]
    assert broken == sorted(broken)


def test_an_accepted_status_is_neither_dead_nor_given_a_fix() -> None:
    report = make_sample_report()
    (entry,) = [e for e in report.entries() if e.status is Status.SERVER_ERROR]
    assert entry.accepted and not entry.is_dead and entry.fix is None
    assert entry.reference.key not in {c.key for c in report.changes.newly_broken}


def test_the_summary_counts_what_the_sample_holds() -> None:
    s = make_sample_report().summary()
    assert (s.sources, s.dead, s.blocked, s.redirected, s.changed, s.unresolved, s.alive) == (11, 5, 1, 1, 1, 2, 2)


def test_a_reference_without_a_result_is_shown_as_not_checked() -> None:
    report = build_report(run=RUN, generated_at=T0, references=(A,), results=())
    (entry,) = report.entries()
    assert entry.status is None and entry.fix is None


def test_a_source_alive_before_and_dead_now_is_newly_broken_and_the_reverse_is_fixed() -> None:
    now = {A.key: result(A, Status.BROKEN, ""), B.key: result(B, Status.ALIVE, "")}
    before = {A.key: result(A, Status.ALIVE, ""), B.key: result(B, Status.TIMEOUT, "")}
    changes = compute_changes(now, before, {}, {})
    assert changes.newly_broken == (Change(key=A.key, runs=1),)
    assert changes.fixed == (Change(key=B.key, runs=0),)


def test_a_source_dead_in_both_runs_is_still_broken_for_as_many_runs_as_the_history_says() -> None:
    now = {A.key: result(A, Status.BROKEN, "")}
    before = {A.key: result(A, Status.SOFT_404, "")}
    changes = compute_changes(now, before, {A.key: history(A.key, 4, last_alive=None, previous=Status.SOFT_404)}, {})
    assert changes.still_broken == (Change(key=A.key, runs=4),)
    assert changes.newly_broken == ()


def test_without_a_previous_run_the_history_decides_new_or_still_broken() -> None:
    now = {A.key: result(A, Status.BROKEN, ""), B.key: result(B, Status.BROKEN, "")}
    hist = {
        A.key: history(A.key, 1, last_alive=T0, previous=Status.ALIVE),
        B.key: history(B.key, 3, last_alive=None, previous=Status.BROKEN),
    }
    changes = compute_changes(now, None, hist, {})
    assert [c.key for c in changes.newly_broken] == [A.key]
    assert [c.key for c in changes.still_broken] == [B.key]


def test_changed_content_is_a_different_digest_of_a_source_alive_both_times() -> None:
    now = {A.key: result(A, Status.ALIVE, "", sha256="1" * 64), B.key: result(B, Status.ALIVE, "", sha256="2" * 64)}
    before = {A.key: result(A, Status.ALIVE, "", sha256="0" * 64), B.key: result(B, Status.ALIVE, "", sha256="2" * 64)}
    assert compute_changes(now, before, {}, {}).changed_content == (Change(key=A.key, runs=0),)


def test_a_blocked_source_is_never_counted_as_broken() -> None:
    now = {A.key: result(A, Status.BLOCKED, "")}
    before = {A.key: result(A, Status.ALIVE, "")}
    assert compute_changes(now, before, {}, {}).is_empty()


def test_the_report_is_frozen_data() -> None:
    report = make_sample_report()
    assert replace(report, tool_version="9") != report
    assert len(report.results) == len(RESULTS)


def test_an_accept_entry_keyed_in_other_case_applies_as_it_does_in_extraction() -> None:
    un = Reference(
        key="un:CAT/C/AZE/CO/5",
        type="un",
        url="https://docs.un.org/en/CAT/C/AZE/CO/5",
        citations=(
            Citation(raw="CAT/C/AZE/CO/5", kind=CitationKind.IDENTIFIER, location=Location(document="d.md", line=3)),
        ),
    )
    curated = (CuratedReference(line=4, key="UN:cat/c/aze/co/5", accept=(Status.BLOCKED,)),)
    report = build_report(
        run=RUN, generated_at=T0, references=(un,), results=(result(un, Status.BLOCKED, ""),), curated=curated
    )
    (entry,) = report.entries()
    assert entry.accepted and entry.fix is None
