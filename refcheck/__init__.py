"""refcheck: check the sources that policy and legal documents cite.

The stages, usable on their own: ``extract`` documents into references, ``check``
them, ``archive`` what they cite, ``run`` the whole pipeline as the scheduled job does.
"""

from __future__ import annotations

__version__ = "0.1.0"

from refcheck.config import Config, load_config
from refcheck.errors import ArchiveError, ConfigError, DocumentError, RefcheckError, UsageError
from refcheck.models import (
    Attempt,
    Capture,
    CheckResult,
    Citation,
    CitationKind,
    Document,
    ExtractionResult,
    History,
    Location,
    Reference,
    Run,
    Snapshot,
    Status,
    Unresolved,
)

# Imported eagerly: a lazy attribute would be shadowed by the ``refcheck.extract``
# subpackage as soon as anything imports it.
from refcheck.pipeline import extract  # noqa: E402

__all__ = [
    "ArchiveError",
    "Attempt",
    "Capture",
    "CheckResult",
    "Citation",
    "CitationKind",
    "Config",
    "ConfigError",
    "Document",
    "DocumentError",
    "ExtractionResult",
    "History",
    "Location",
    "RefcheckError",
    "Reference",
    "Run",
    "Snapshot",
    "Status",
    "Unresolved",
    "UsageError",
    "__version__",
    "extract",
    "load_config",
]
