"""PDF: text per page and the ``/URI`` of link annotations (pypdf, BSD-licensed).

pypdf is pure Python, so it installs everywhere with no compiler and no AGPL licence
(PyMuPDF is AGPL); its text output keeps the spaced-out URLs that the repair stage is
built for, and it reads annotations with their rectangles.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote, urljoin

from refcheck.errors import DocumentError
from refcheck.extract._types import LinkTarget, RawDocument, TextPage
from refcheck.models import Document, Location


def _decode_uri(raw: Any) -> str:
    data = getattr(raw, "original_bytes", None)
    if data is None:
        return str(raw)
    for encoding in ("ascii", "utf-8", "latin-1"):
        try:
            text = bytes(data).decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return quote(text.strip(), safe="!#$%&'()*+,/:;=?@[]~-._")


def read_pdf(data: bytes, document: Document) -> RawDocument:
    """Read a PDF's text and web links.

    Raises:
        DocumentError: the PDF is corrupt, truncated or encrypted with a password.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(document.path, "encrypted PDF: it needs a password")
        root: Any = reader.trailer["/Root"].get_object()
        uri_dict = root.get("/URI")
        base_obj: Any = uri_dict.get_object() if uri_dict is not None else {}
        base = str(base_obj.get("/Base", ""))
        pages: list[TextPage] = []
        links: list[LinkTarget] = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = page.extract_text() or ""
            except Exception:  # a damaged content stream loses one page, not the document
                text = ""
            lines = tuple(text.splitlines())
            pages.append(TextPage(number=number, lines=lines))
            seen: set[str] = set()
            for ref in page.get("/Annots") or []:
                annot = ref.get_object()
                if annot.get("/Subtype") != "/Link":
                    continue
                action = annot.get("/A")
                action = action.get_object() if action is not None else None
                if action is None or action.get("/S") != "/URI":
                    continue
                uri = _decode_uri(action.get("/URI").get_object())
                if base and "://" not in uri:
                    uri = urljoin(base, uri)
                if uri in seen:
                    continue
                seen.add(uri)
                links.append(
                    LinkTarget(
                        target=uri,
                        text=None,
                        location=Location(document=document.path, page=number),
                        source="pdf-annotation",
                    )
                )
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise DocumentError(document.path, f"corrupt or unreadable PDF ({exc.__class__.__name__}: {exc})") from None
    if not pages:
        raise DocumentError(document.path, "PDF has no pages")
    return RawDocument(document=document, pages=tuple(pages), links=tuple(links))
