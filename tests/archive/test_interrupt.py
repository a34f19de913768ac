"""Kill an archive run half-way: what it wrote stays valid, and the next run completes the rest.

The run is a real ``refcheck archive`` subprocess. Three pages answer at once; the fourth
hangs until the test lets it go, so the kill lands after three captures are on disk (and in
the digest index) and before the run ends. SIGKILL gives the process no chance to clean up.

The held page and the run's own timeout both outlast the test's wait: under heavy load
(a slow start, slow fsyncs) the held page used to be answered after 30 s on its own, the
run then finished before the test saw its three captures, and the test failed for want
of an open WARC to kill. Now only the test releases it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from _archive_helpers import PAGE, Origin, Resource
from warcio.archiveiterator import ArchiveIterator

from refcheck.cli import main
from refcheck.store import STORE_FILE

BIN = Path(sys.executable).parent
WAIT_S = 60.0
#: How long the fourth page (and the run's request timeout) may wait: beyond the test's wait.
HOLD_S = 3 * WAIT_S


def responses_in(path: Path) -> list[str]:
    try:
        with path.open("rb") as fh:
            return [
                r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"
            ]
    except Exception:  # the file is being written: count again later
        return []


def indexed(db: Path) -> int:
    """Captures the run has recorded in the store's archive table (read-only, while it runs)."""
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM archive_captures").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_killed_run_leaves_valid_warcs_and_the_next_run_completes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {f"/p{i}": Resource(PAGE.replace(b"2417", f"24{i}".encode())) for i in range(1, 4)}
    pages["/hold/p4"] = Resource(PAGE.replace(b"2417", b"2444"))
    origin = Origin(pages, hold=threading.Event(), hold_timeout_s=HOLD_S)
    proc: subprocess.Popen[bytes] | None = None
    try:
        urls = [origin.url(p) for p in pages]
        (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
        (tmp_path / "references.toml").write_text(
            'state_dir = "state"\n[check]\noffline_canaries = []\nretries = 0\n'
            f"timeout = {HOLD_S:g}\n"
            '[archive]\ndir = "arch"\npublic_lookup = false\n'
        )
        argv = ["archive", "--urls", "urls.txt", "--config", "references.toml", "--allow-private", "--no-public"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "refcheck", *argv],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        warc_dir = tmp_path / "arch/collections/refcheck/archive"
        deadline = time.monotonic() + WAIT_S
        open_warc: Path | None = None
        while time.monotonic() < deadline and proc.poll() is None:
            found = sorted(warc_dir.glob("*.warc.gz.open")) if warc_dir.is_dir() else []
            if found and len(responses_in(found[0])) == 3 and indexed(tmp_path / "state" / STORE_FILE) == 3:
                open_warc = found[0]
                break
            time.sleep(0.05)
        assert open_warc is not None, (
            f"the run did not write three captures: {proc.stderr.read() if proc.stderr else ''}"
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()

        # What the killed run wrote is a valid WARC already (every record complete).
        assert not list(warc_dir.glob("*.warc.gz"))
        check = subprocess.run([str(BIN / "warcio"), "check", str(open_warc)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout

        origin.hold.set()  # type: ignore[union-attr]
        monkeypatch.chdir(tmp_path)
        assert main(argv) == 0
    finally:
        if proc is not None and proc.poll() is None:  # a failed wait: leave no run behind
            proc.kill()
            proc.wait(timeout=10)
        origin.stop()

    # Names start with a timestamp to the second and a random suffix: two runs in the same
    # second sort at random, so the recovered file is found by its name, not its rank.
    recovered = warc_dir / open_warc.name.removesuffix(".open")
    finished = [recovered, *(p for p in sorted(warc_dir.glob("*.warc.gz")) if p != recovered)]
    assert recovered.exists()  # recovered, renamed
    assert len(finished) == 2 and not list(warc_dir.glob("*.open"))
    for path in finished:
        result = subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
    with finished[1].open("rb") as fh:
        second = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    # The three pages of the killed run are revisits of its records; the fourth is new.
    assert sorted(u for t, u in second if t == "revisit") == sorted(urls[:3])
    assert [u for t, u in second if t == "response"] == [urls[3]]
    index = (tmp_path / "arch/collections/refcheck/indexes/index.cdxj").read_text()
    assert all(u.split("//", 1)[1].split("/", 1)[1] in index for u in urls)
