"""Archive runs against a real origin on 127.0.0.1: WARCs, revisits, drift, index, package, manifest."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _archive_helpers import PAGE, Origin, Resource, StepClock, config, reference, tree
from warcio.archiveiterator import ArchiveIterator

from refcheck.archive import ArchiveSummary, archive_outcomes, archive_references
from refcheck.check import run_checks
from refcheck.cli import main
from refcheck.store import STORE_FILE
from refcheck.errors import ArchiveError
from refcheck.models import Status

BIN = Path(sys.executable).parent
PLAIN = b"Resolution text, plain.\n" * 40


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin(
        {
            "/res.html": Resource(PAGE),
            "/plain.txt": Resource(PLAIN, content_type="text/plain", chunk=64),
        }
    )
    yield server
    server.stop()


def records(path: Path) -> list[tuple[str, str]]:
    with path.open("rb") as fh:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI") or "") for r in ArchiveIterator(fh)]


def warcs(root: Path) -> list[Path]:
    return sorted(root.rglob("*.warc.gz"))


def cdxj_entries(path: Path) -> list[dict[str, str]]:
    """The JSON block of each CDXJ line that indexes a capture (not the warcinfo's "- " lines)."""
    lines = path.read_text().splitlines()
    return [json.loads(line.split(" ", 2)[2]) for line in lines if not line.startswith("- ")]


def run(tmp_path: Path, urls: list[str], clock: StepClock, **kwargs: object) -> ArchiveSummary:
    return archive_references([reference(u) for u in urls], config(tmp_path), allow_private=True, clock=clock, **kwargs)


def test_archived_pages_pass_warcio_check_with_request_response_and_citation_records(
    origin: Origin, tmp_path: Path
) -> None:
    page, text, missing = origin.url("/res.html"), origin.url("/plain.txt"), origin.url("/gone")
    summary = run(tmp_path, [page, text, missing], StepClock())
    assert summary.responses == 2 and summary.revisits == 0
    assert summary.not_captured == ((missing, "not captured: broken"),)
    (warc,) = warcs(tmp_path / "arch")
    assert warc.parent == tmp_path / "arch/collections/refcheck/archive"
    check = subprocess.run([str(BIN / "warcio"), "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    kinds = records(warc)
    assert kinds[0] == ("warcinfo", "")
    assert sorted(kinds[1:]) == sorted(
        [
            ("response", page),
            ("request", page),
            ("metadata", f"urn:refcheck:citations:{page}"),
            ("response", text),
            ("request", text),
            ("metadata", f"urn:refcheck:citations:{text}"),
        ]
    )
    # Each source was fetched once: archiving reused the checker's exchange.
    assert {p: n for p, n in origin.hits.items() if "probe" not in p} == {"/res.html": 1, "/plain.txt": 1, "/gone": 1}


def test_the_warcinfo_names_the_run_operator_and_configuration(origin: Origin, tmp_path: Path) -> None:
    summary = run(tmp_path, [origin.url("/res.html")], StepClock())
    (warc,) = warcs(tmp_path / "arch")
    with warc.open("rb") as fh:
        info = next(iter(ArchiveIterator(fh)))
        body = info.content_stream().read().decode()
    assert f"refcheck-run-id: {summary.run_id}" in body
    assert "operator: Test Archivist" in body
    assert "refcheck-config-sha256: c0ffee" in body
    assert "isPartOf: refcheck" in body


def test_an_unchanged_page_in_a_second_run_is_a_revisit_of_the_first_capture(origin: Origin, tmp_path: Path) -> None:
    clock = StepClock()
    page, text = origin.url("/res.html"), origin.url("/plain.txt")
    first = run(tmp_path, [page, text], clock)
    clock.jump(days=1)
    origin.resources["/plain.txt"] = Resource(PLAIN, content_type="text/plain", chunk=7)  # other chunking
    second = run(tmp_path, [page, text], clock)
    assert (second.responses, second.revisits, second.changed) == (0, 2, ())
    old = {s.key: s for s in first.snapshots}
    for snap in second.snapshots:
        assert snap.revisit_of == old[snap.key].record_id
        assert snap.payload_digest == old[snap.key].payload_digest
        assert snap.changed_since is None
    newest = warcs(tmp_path / "arch")[-1]
    with newest.open("rb") as fh:
        revisits = [r for r in ArchiveIterator(fh) if r.rec_type == "revisit"]
    assert {r.rec_headers.get_header("WARC-Refers-To-Target-URI") for r in revisits} == {page, text}
    for path in warcs(tmp_path / "arch"):
        assert subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True).returncode == 0


def test_a_changed_page_is_a_new_response_reported_as_changed_since_its_first_capture(
    origin: Origin, tmp_path: Path
) -> None:
    clock = StepClock()
    page = origin.url("/res.html")
    first = run(tmp_path, [page], clock)
    clock.jump(days=30)
    origin.resources["/res.html"] = Resource(
        PAGE.replace(b"Resolution 2417 (2018)", b"Resolution 2417 (2018), revised")
    )
    second = run(tmp_path, [page], clock)
    assert (second.responses, second.revisits, second.changed) == (1, 0, (page,))
    (snap,) = second.snapshots
    assert snap.changed_since == first.snapshots[0].captured_at
    assert snap.revisit_of is None
    # Both captures are kept, each in its own run's WARC.
    responses = [k for w in warcs(tmp_path / "arch") for k in records(w) if k == ("response", page)]
    assert len(responses) == 2


def test_markup_and_script_changes_alone_are_not_content_drift(origin: Origin, tmp_path: Path) -> None:
    clock = StepClock()
    page = origin.url("/res.html")
    run(tmp_path, [page], clock)
    noisy = PAGE.replace(b"<p>", b'<script>var token="a81f"</script>\n  <p class="x">')
    origin.resources["/res.html"] = Resource(noisy)
    second = run(tmp_path, [page], clock)
    assert second.responses == 1  # other bytes: a new response...
    assert second.changed == () and second.snapshots[0].changed_since is None  # ...but the same text


def test_the_cdxj_index_lists_responses_and_revisits_but_no_metadata(origin: Origin, tmp_path: Path) -> None:
    clock = StepClock()
    page = origin.url("/res.html")
    run(tmp_path, [page], clock)
    summary = run(tmp_path, [page], clock)
    lines = (tmp_path / "arch" / summary.cdxj).read_text().splitlines()  # type: ignore[operator]
    entries = cdxj_entries(tmp_path / "arch" / summary.cdxj)  # type: ignore[operator]
    assert [e["mime"] for e in entries] == ["text/html", "warc/revisit"]
    assert all(e["url"] == page for e in entries)
    assert lines == sorted(lines)


def test_the_wacz_passes_wacz_validate_with_one_page_per_cited_url_titled_by_its_citation(
    origin: Origin, tmp_path: Path
) -> None:
    page, text = origin.url("/res.html"), origin.url("/plain.txt")
    summary = run(tmp_path, [page, text, origin.url("/gone")], StepClock())
    assert summary.wacz == "refcheck.wacz"
    wacz = tmp_path / "arch" / "refcheck.wacz"
    check = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(wacz)], capture_output=True, text=True)
    assert check.returncode == 0 and "Validation succeeded" in check.stdout, check.stdout
    with zipfile.ZipFile(wacz) as z:
        names = set(z.namelist())
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
    assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdx.gz", "pages/pages.jsonl"} <= names
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted(p["url"] for p in pages[1:]) == sorted([page, text])
    assert {p["title"] for p in pages[1:]} == {"brief.pdf, p. 4, fn 12"}


def test_the_manifest_lists_every_source_in_csv_and_json(origin: Origin, tmp_path: Path) -> None:
    page, missing = origin.url("/res.html"), origin.url("/gone")
    summary = run(tmp_path, [page, missing], StepClock())
    json_path, csv_path = (tmp_path / "arch" / p for p in summary.manifest)
    document = json.loads(json_path.read_text())
    assert document["run_id"] == summary.run_id and document["collection"] == "refcheck"
    rows = {r["url"]: r for r in document["sources"]}
    (snap,) = summary.snapshots
    assert rows[page]["warc"] == snap.warc and rows[page]["offset"] == snap.offset
    assert rows[page]["payload_digest"] == snap.payload_digest and rows[page]["http_status"] == 200
    assert rows[page]["record_type"] == "response" and rows[page]["captured_at"].endswith("Z")
    assert rows[missing]["check_status"] == "broken" and rows[missing]["warc"] == ""
    table = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert {r["url"] for r in table} == {page, missing}
    assert {"url", "key", "captured_at", "check_status", "payload_digest", "warc", "offset", "public_copy"} <= set(
        table[0]
    )


def test_a_hostile_url_writes_nothing_outside_the_archive_directory(origin: Origin, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    hostile = [
        f"http://127.0.0.1:{origin.port}/../../etc/passwd",
        f"http://127.0.0.1:{origin.port}/..%2f..%2fetc%2fcron.d",
        f"http://127.0.0.1:{origin.port}/%00/../../x",
    ]
    for path in ("/etc/passwd", "/..%2f..%2fetc%2fcron.d", "/x"):
        origin.resources[path] = Resource(b"root:x:0:0", content_type="text/plain")
    summary = run(work, hostile, StepClock())
    assert summary.responses >= 1
    written = {p.relative_to(tmp_path) for p in tree(tmp_path)}
    assert all(p.parts[0] == "work" and p.parts[1] in ("arch", "state") for p in written), written
    assert not any("etc" in p.parts or "passwd" in p.name for p in written)


def test_a_collection_name_that_is_a_path_is_refused(tmp_path: Path) -> None:
    cfg = config(tmp_path, collection="../../escape")
    with pytest.raises(ArchiveError, match="collection name"):
        archive_outcomes([], [], cfg)
    assert not (tmp_path.parent / "escape").exists()


def test_only_alive_keeps_a_soft_404_out_of_the_archive(origin: Origin, tmp_path: Path) -> None:
    outcome = run_checks([reference(origin.url("/res.html"))], config(tmp_path).check, capture=True)[0]
    from dataclasses import replace

    soft = replace(outcome, result=replace(outcome.result, status=Status.SOFT_404))
    summary = archive_outcomes([soft], [], config(tmp_path), only_alive=True)
    assert summary.responses == 0 and summary.not_captured[0][1].endswith("(--only-alive)")


def test_a_second_writer_on_the_same_collection_is_refused(origin: Origin, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from refcheck.archive.session import ArchiveSession

    cfg = config(tmp_path)
    common = {"archive_dir": tmp_path / "arch", "index_path": tmp_path / "state" / STORE_FILE}
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with (
        ArchiveSession(cfg.archive, run_id="one", started_at=now, **common),  # type: ignore[arg-type]
        pytest.raises(ArchiveError, match="another archive run"),
    ):
        ArchiveSession(cfg.archive, run_id="two", started_at=now, **common).__enter__()  # type: ignore[arg-type]


def test_the_archive_command_archives_a_url_list(
    origin: Origin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(origin.url("/res.html") + "\n")
    (tmp_path / "references.toml").write_text(
        '[check]\nallowed_addresses = ["127.0.0.1"]\noffline_canaries = []\n[archive]\npublic_lookup = false\n'
    )
    code = main(
        [
            "archive",
            "--urls",
            str(urls),
            "--config",
            str(tmp_path / "references.toml"),
            "--archive-dir",
            str(tmp_path / "out"),
            "--no-public",
        ]
    )
    assert code == 0
    assert "archived 1 captures" in capsys.readouterr().err
    assert len(warcs(tmp_path / "out")) == 1 and (tmp_path / "out" / "refcheck.wacz").is_file()
    assert (tmp_path / ".refcheck" / STORE_FILE).is_file()  # the store's file holds the index


def test_check_with_archive_writes_the_warc_from_the_checks_own_fetch(
    origin: Origin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "urls.txt").write_text(origin.url("/res.html") + "\n" + origin.url("/plain.txt") + "\n")
    (tmp_path / "references.toml").write_text(
        '[check]\nallowed_addresses = ["127.0.0.1"]\noffline_canaries = []\n[archive]\npublic_lookup = false\n'
    )
    code = main(["check", "--urls", "urls.txt", "--config", "references.toml", "--archive", "--format", "json"])
    assert code == 0
    assert "archived 2 captures" in capsys.readouterr().err
    (warc,) = warcs(tmp_path / "archive")
    assert sorted(u for t, u in records(warc) if t == "response") == sorted(
        [origin.url("/res.html"), origin.url("/plain.txt")]
    )
    assert origin.hits["/res.html"] == 1 and origin.hits["/plain.txt"] == 1  # fetched once, by the check


def test_every_hop_of_a_redirect_chain_is_archived_and_indexed(origin: Origin, tmp_path: Path) -> None:
    first, second, final = origin.url("/moved"), origin.url("/moved-again"), origin.url("/res.html")
    origin.resources["/moved"] = Resource(
        b"<a href='/moved-again'>moved</a>", status=301, headers=(("Location", second),)
    )
    origin.resources["/moved-again"] = Resource(b"", status=302, headers=(("Location", "/res.html"),))
    summary = run(tmp_path, [first], StepClock())
    assert (summary.responses, summary.redirects) == (1, 2)
    (warc,) = warcs(tmp_path / "arch")
    check = subprocess.run([str(BIN / "warcio"), "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with warc.open("rb") as fh:
        kept = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.http_headers.get_statuscode() if r.http_headers else "",
            )
            for r in ArchiveIterator(fh)
            if r.rec_type in ("response", "request")
        ]
    # In replay order: each hop's response and request, then the page's.
    assert [(t, u) for t, u, _ in kept] == [
        ("response", first),
        ("request", first),
        ("response", second),
        ("request", second),
        ("response", final),
        ("request", final),
    ]
    assert [s for t, _, s in kept if t == "response"] == ["301", "302", "200"]
    entries = cdxj_entries(tmp_path / "arch" / summary.cdxj)  # type: ignore[operator]
    assert sorted((e["url"], e["status"]) for e in entries) == sorted([(first, "301"), (second, "302"), (final, "200")])
    # The source is known by the page it leads to; the cited URL's hop stays in the WARC only.
    (snap,) = summary.snapshots
    assert snap.url == final and snap.status == 200
    # Nothing was fetched a second time for the archive.
    assert {p: n for p, n in origin.hits.items() if "probe" not in p} == {
        "/moved": 1,
        "/moved-again": 1,
        "/res.html": 1,
    }


def test_a_redirect_to_a_dead_page_archives_nothing(origin: Origin, tmp_path: Path) -> None:
    origin.resources["/moved"] = Resource(b"", status=301, headers=(("Location", "/gone"),))
    summary = run(tmp_path, [origin.url("/moved")], StepClock())
    assert (summary.responses, summary.redirects, summary.warc) == (0, 0, None)
    assert summary.not_captured == ((origin.url("/moved"), "not captured: broken"),)
