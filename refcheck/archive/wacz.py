"""A WACZ package per collection, written with py-wacz, with refcheck's own pages list.

WACZ (Webrecorder's zip of WARCs, CDXJ index, pages list and a datapackage with a
sha256 per file) opens in ReplayWeb.page and in pywb (``wb-manager add --unpack-wacz``).
py-wacz's page detection found no page for simple static captures and then left
``pages/pages.jsonl`` out while ``wacz validate`` still passed, so the pages list is
always written here: one page per cited URL, titled by its citation, copied verbatim
(``--copy-pages``). The package is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wacz.main import main as wacz_main

from refcheck.archive.cdxj import collected_spools
from refcheck.errors import ArchiveError
from refcheck.models import Citation, Location, Reference

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Cited sources"}
MAX_TITLE_CHARS = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One entry of ``pages/pages.jsonl``: a cited URL at the time it was captured."""

    id: str
    url: str
    captured_at: datetime
    title: str


def location_text(location: Location, fields: Sequence[tuple[str, str]]) -> str:
    """``document, <label> <value>, ...`` for each (field, label) of ``fields`` the location has."""
    parts = [location.document]
    for name, label in fields:
        value = getattr(location, name)
        if value is not None and value != "":
            parts.append(f"{label} {value}")
    return ", ".join(parts)


def _where(citation: Citation) -> str:
    # A title is short: the footnote says where, the line only when there is no footnote.
    loc = citation.location
    return location_text(loc, (("page", "p."), ("footnote", "fn") if loc.footnote is not None else ("line", "line")))


def page_title(reference: Reference) -> str:
    """A page title naming where the source is cited: ``brief.pdf, p. 4, fn 12`` (+ more)."""
    if reference.citations:
        first = _where(reference.citations[0])
        more = len(reference.citations) - 1
        title = f"{first} (+{more} more)" if more else first
        if reference.title:
            title = f"{reference.title}: {title}"
    else:
        title = reference.title or reference.url or reference.key
    return title[:MAX_TITLE_CHARS]


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_pages(pages: Sequence[Page]) -> bytes:
    """``pages.jsonl``: the header line, then one line per page."""
    lines = [json.dumps(PAGES_HEADER)]
    for page in pages:
        entry = {"id": page.id, "url": page.url, "ts": _rfc3339(page.captured_at), "title": page.title}
        lines.append(json.dumps(entry, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_wacz(warcs: Sequence[Path], pages: Sequence[Page], out: Path, *, title: str, description: str) -> Path:
    """Package ``warcs`` and ``pages`` into the WACZ ``out`` (atomically).

    Args:
        warcs: every WARC of the collection (revisits need their originals' files).
        pages: the pages list, one per cited URL.
        out: the package to (re)write.
        title: the datapackage title.
        description: the datapackage description.

    Returns:
        ``out``.

    Raises:
        ArchiveError: py-wacz refused the input or the file cannot be written.
    """
    if not warcs:
        raise ArchiveError("nothing to package: the collection holds no WARC yet")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".wacz-") as work:
        pages_file = Path(work) / "pages.jsonl"
        pages_file.write_bytes(render_pages(pages))
        tmp = Path(work) / out.name
        argv = ["create", "-o", str(tmp), "-p", str(pages_file), "--copy-pages"]
        argv += ["--title", title, "--desc", description, *(str(w) for w in warcs)]
        chatter = io.StringIO()
        try:
            with contextlib.redirect_stdout(chatter), collected_spools():  # py-wacz prints its progress
                code = wacz_main(argv)
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"cannot write {out}: {exc}") from None
        if code != 0 or not tmp.is_file():
            last = chatter.getvalue().strip().splitlines()[-1:] or ["no detail"]
            raise ArchiveError(f"py-wacz could not write {out}: {last[0]}")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    return out
