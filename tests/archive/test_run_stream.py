"""``refcheck run`` archives each source as its result comes, and an interrupted run resumes.

The runner records results through ``check_and_record``, which hands it results, not
outcomes; the archive stage keeps each page (and the redirects before it) from the
checker's own exchanges and writes it the moment its result is known.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _archive_helpers import PAGE, Origin, Resource, StepClock, config
from warcio.archiveiterator import ArchiveIterator

from refcheck.models import CheckResult
from refcheck.runner import run

BIN = Path(sys.executable).parent
SOURCES = 8


def records(warc_dir: Path, *kinds: str) -> list[str]:
    """Target URIs of the records of ``kinds`` in every WARC of the run, open or finished."""
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz*")):
        with path.open("rb") as fh:
            found += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type in kinds]
    return found


@pytest.fixture
def origin() -> Iterator[Origin]:
    pages = {f"/p{i}": Resource(PAGE.replace(b"2417", f"30{i:02}".encode())) for i in range(SOURCES)}
    pages["/moved"] = Resource(b"", status=302, headers=(("Location", "/p0"),))
    server = Origin(pages)
    yield server
    server.stop()


def url_list(tmp_path: Path, origin: Origin) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("\n".join([*(origin.url(f"/p{i}") for i in range(SOURCES)), origin.url("/moved")]) + "\n")
    return path


def test_each_source_is_in_the_warc_when_its_result_is_known(origin: Origin, tmp_path: Path) -> None:
    warc_dir = tmp_path / "arch/collections/refcheck/archive"
    seen: list[tuple[CheckResult, list[str]]] = []  # each result, and the records on disk then

    def progress(result: CheckResult) -> None:
        seen.append((result, records(warc_dir, "response", "revisit") if warc_dir.is_dir() else []))

    outcome = run(
        config=config(tmp_path),
        urls_file=str(url_list(tmp_path, origin)),
        allow_private=True,
        env={},
        out=io.StringIO(),
        progress=progress,
        clock=StepClock(),
    )
    assert outcome.archived is not None and "9 captures" in outcome.archived and "1 redirects" in outcome.archived
    assert len(seen) == SOURCES + 1
    for result, on_disk in seen:  # the page (and any hop before it) was written before the run went on
        assert result.final_url in on_disk and result.url in on_disk
    (warc,) = sorted(warc_dir.glob("*.warc.gz"))
    assert subprocess.run([str(BIN / "warcio"), "check", str(warc)], capture_output=True).returncode == 0
    assert sorted(records(warc_dir, "response")) == sorted(
        [*(origin.url(f"/p{i}") for i in range(SOURCES)), origin.url("/moved")]
    )
    assert records(warc_dir, "revisit") == [origin.url("/p0")]  # the moved source leads to a page already kept
    assert {p: n for p, n in origin.hits.items() if "probe" not in p}["/p1"] == 1  # fetched once


def test_an_interrupted_run_resumes_and_lists_the_captures_it_made(origin: Origin, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    urls = url_list(tmp_path, origin)
    decided: list[str] = []

    def interrupt(result: CheckResult) -> None:
        decided.append(result.key)
        if len(decided) == 3:
            raise KeyboardInterrupt  # as if the job were stopped: the run stays unfinished

    clock = StepClock()
    with pytest.raises(KeyboardInterrupt):
        run(
            config=cfg,
            urls_file=str(urls),
            allow_private=True,
            env={},
            out=io.StringIO(),
            progress=interrupt,
            clock=clock,
        )
    warc_dir = tmp_path / "arch/collections/refcheck/archive"
    (first,) = sorted(warc_dir.glob("*.warc.gz"))  # finished on the way out: every record complete
    assert subprocess.run([str(BIN / "warcio"), "check", str(first)], capture_output=True).returncode == 0
    assert len(records(warc_dir, "response")) >= 3

    hits = dict(origin.hits)
    outcome = run(config=cfg, urls_file=str(urls), allow_private=True, env={}, out=io.StringIO(), clock=clock)
    assert outcome.archived is not None
    # The two results recorded before the interruption were not checked again (/p0 is
    # also where /moved leads, so it is asked again whenever /moved is)...
    recorded = decided[:2]
    for key in recorded:
        path = "/" + key.rsplit("/", 1)[1]
        assert path == "/p0" or origin.hits[path] == hits[path]
    # ...and their captures from the interrupted run are their local copies in the report.
    snaps = outcome.report.snapshots
    assert all(snaps[k].warc.endswith(first.name) for k in recorded)
    assert set(snaps) == {*(origin.url(f"/p{i}") for i in range(SOURCES)), origin.url("/moved")}
