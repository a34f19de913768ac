"""References from a plain list of URLs (``refcheck check --urls FILE``).

The check stage takes references, whatever found them. A file of URLs, one a line, is
the simplest source (link lists, exports of other tools, the benchmark): each line
becomes a URL reference keyed by its identity form, located at its line, so that
reports point back to it as they would to a footnote.
"""

from __future__ import annotations

from pathlib import Path

from refcheck.errors import DocumentError
from refcheck.models import Citation, CitationKind, Location, Reference
from refcheck.normalise.urls import canonical_url


def references_from_urls(lines: list[str], *, document: str) -> list[Reference]:
    """Turn lines of text into URL references.

    Blank lines and lines starting with ``#`` are skipped; the same URL on several lines
    is one reference with several citations, in order of first appearance.

    Args:
        lines: the lines of the list.
        document: the name reports show for the list (its path).

    Returns:
        One ``Reference`` per distinct URL (by identity form).
    """
    by_key: dict[str, Reference] = {}
    for number, line in enumerate(lines, start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        key = canonical_url(url)
        citation = Citation(
            raw=url,
            kind=CitationKind.URL,
            location=Location(document=document, line=number),
            url=url,
            source="url-list",
        )
        if key in by_key:
            ref = by_key[key]
            urls = ref.urls if url in ref.urls else (*ref.urls, url)
            by_key[key] = Reference(key=key, type="url", url=ref.url, citations=(*ref.citations, citation), urls=urls)
        else:
            by_key[key] = Reference(key=key, type="url", url=url, citations=(citation,), urls=(url,))
    return list(by_key.values())


def references_from_url_list(path: str | Path) -> list[Reference]:
    """Read a file of URLs, one a line, into references (see ``references_from_urls``).

    Raises:
        DocumentError: the file is missing, unreadable or not UTF-8 text.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(str(path), "no such file") from None
    except UnicodeDecodeError:
        raise DocumentError(str(path), "is not UTF-8 text") from None
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read ({exc.strerror})") from None
    return references_from_urls(text.splitlines(), document=str(path))
