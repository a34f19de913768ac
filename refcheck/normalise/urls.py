"""The identity form of a URL, so that one source cited twice is one reference.

Two citations name the same resource when their URLs differ only in what RFC 3986
section 6.2.2 calls syntax-based normalisation: case of the scheme and host, a default
port, an empty path. Percent-encoding is kept as written: decoding it can change what a
server sees (``%2F`` in a path is not ``/``). The URL as cited is kept elsewhere for
display; this form is only for identity and fetching.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

import idna

_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
# Characters left alone when encoding an IRI: everything RFC 3986 allows, and "%"
# so existing escapes survive.
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"
# A URL already in identity form, as most cited URLs are: a lower-case scheme and ASCII
# host with no port, user or final dot, a path, and query and fragment (never empty
# after their "?" or "#") of characters quote() keeps. Such a URL is returned as is,
# without the cost of splitting, quoting and joining it.
_PLAIN_CHARS = r"A-Za-z0-9_.~!$&'()*+,/:;=@%\-"
_IDENTITY_FORM = re.compile(
    rf"(?:https?|ftp)://[a-z0-9-]+(?:\.[a-z0-9-]+)*/[{_PLAIN_CHARS}]*"
    rf"(?:\?[{_PLAIN_CHARS}?]+)?(?:#[{_PLAIN_CHARS}?#]+)?"
)


def _host_to_ascii(host: str) -> str:
    host = host.rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.encode("idna").decode("ascii")


def canonical_url(url: str) -> str:
    """Return the identity form of ``url``.

    Lower-cases the scheme and host, converts an internationalised host to punycode,
    drops a default port, gives an empty path ``/``, percent-encodes non-ASCII
    characters and keeps existing percent-encoding, query and fragment as written. A
    URL without a scheme (``www.example.org/x``) is taken as ``http://``.
    """
    text = url.strip()
    if _IDENTITY_FORM.fullmatch(text):
        return text
    if "://" not in text[:12]:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = _host_to_ascii(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = quote(parts.path or "/", safe=_SAFE)
    query = quote(parts.query, safe=_SAFE)
    fragment = quote(parts.fragment, safe=_SAFE)
    return urlunsplit((scheme, netloc, path, query, fragment))
