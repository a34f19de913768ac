"""The errors refcheck raises for a user's mistake or a bad input.

The CLI catches ``RefcheckError`` only, prints its one-line message and exits 2;
anything else is a bug. A dead link is never an exception: it is a ``CheckResult``.

    RefcheckError
    ├── ConfigError      references.toml: file, dotted key, line, reason
    ├── DocumentError    a document that is missing, unreadable, corrupt or unsupported
    ├── UsageError       command-line arguments that do not make sense together
    └── ArchiveError     the archive directory or a WARC cannot be written
"""

from __future__ import annotations


class RefcheckError(Exception):
    """Base of every error refcheck reports to a user as one line."""


class ConfigError(RefcheckError):
    """A configuration that refcheck refuses, naming the file, key and line."""

    def __init__(self, file: str, key: str | None, line: int | None, reason: str) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.reason = reason
        where = file if line is None else f"{file}:{line}"
        what = f"key '{key}': " if key else ""
        super().__init__(f"{where}: {what}{reason}")


class DocumentError(RefcheckError):
    """A document that cannot be read: missing, unreadable, corrupt or unsupported."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UsageError(RefcheckError):
    """Arguments that cannot be acted on."""


class ArchiveError(RefcheckError):
    """The archive cannot be written where it must be."""
