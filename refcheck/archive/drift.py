"""Content drift: has a source that is still alive changed since it was first captured?

The payload digest changes with any byte (a session token in a script, a rotating
banner, a new gzip level), which would report every dynamic page as "changed". For
HTML the comparison is therefore on the main text: tags, scripts, styles and comments
removed, whitespace normalised. Other types are compared on the decoded body.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import warnings
import zlib

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from refcheck.models import Capture

#: Decoded bytes looked at for drift; a larger body is compared on its first part.
MAX_DECODED_BYTES = 20 * 1024 * 1024
_NOT_TEXT = ("script", "style", "noscript", "template", "head", "svg")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def response_header(capture: Capture, name: str) -> str:
    """The first response header ``name`` (lower case) of ``capture``, or ""."""
    return next((v for k, v in capture.response_headers if k.lower() == name), "")


def decoded_body(capture: Capture) -> bytes:
    """The body with its content encoding (gzip, deflate) undone, under a cap."""
    encoding = response_header(capture, "content-encoding").strip().lower()
    body = capture.body
    try:
        if encoding in ("gzip", "x-gzip"):
            decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, as browsers accept
            return decoder.decompress(body, MAX_DECODED_BYTES)
        if encoding == "deflate":
            try:
                return zlib.decompressobj().decompress(body, MAX_DECODED_BYTES)
            except zlib.error:
                return zlib.decompressobj(wbits=-15).decompress(body, MAX_DECODED_BYTES)
    except (zlib.error, gzip.BadGzipFile):
        return body
    return body[:MAX_DECODED_BYTES]


def is_html(capture: Capture) -> bool:
    """Whether the response says it is HTML."""
    kind = response_header(capture, "content-type").split(";", 1)[0].strip().lower()
    return kind in _HTML_TYPES


def main_text(html: bytes) -> str:
    """The visible text of an HTML page, whitespace normalised (title and scripts left out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_NOT_TEXT):
        tag.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()


def content_digest(capture: Capture) -> str:
    """The digest drift is judged on: ``text:`` + sha256 of the main text for HTML,
    ``body:`` + sha256 of the decoded body otherwise."""
    body = decoded_body(capture)
    if is_html(capture):
        return "text:" + hashlib.sha256(main_text(body).encode("utf-8")).hexdigest()
    return "body:" + hashlib.sha256(body).hexdigest()
