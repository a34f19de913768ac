"""The value a check yields: the verdict, and what was fetched when asked to keep it.

Kept apart from ``check/__init__.py`` so that ``fetch.py`` can build it without importing
the package that imports ``fetch.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from refcheck.models import Capture, CheckResult


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOutcome:
    """One reference checked: its ``CheckResult`` and, when capturing, the final 2xx exchange.

    ``capture`` is set only when ``check_references(..., capture=True)`` and the final
    answer was a 2xx; the archive stage writes it to a WARC without fetching again.
    """

    result: CheckResult
    capture: Capture | None = None
