"""refcheck: check the sources that policy and legal documents cite.

The stages, usable on their own: ``extract`` documents into references, ``check``
them, ``archive`` what they cite, ``run`` the whole pipeline as the scheduled job does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from refcheck.pipeline import extract


def __getattr__(name: str) -> Any:
    # The stage entry points import their whole stage; loading them lazily keeps
    # `import refcheck` (and the CLI's --help) fast.
    if name == "extract":
        from refcheck.pipeline import extract

        return extract
    raise AttributeError(f"module 'refcheck' has no attribute {name!r}")


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
