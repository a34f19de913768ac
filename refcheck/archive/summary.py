"""What an archive run wrote and found, and how a run is named."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from refcheck.archive.wayback import LookupResult, SaveOutcome, SaveResult
from refcheck.models import Snapshot


def new_run_id(started_at: datetime) -> str:
    """A run id in the store's form: ``20250301T120000Z-1a2b3c``."""
    return f"{started_at.astimezone(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveSummary:
    """What an archive run wrote and found. Paths are relative to the archive directory."""

    run_id: str
    archive_dir: str
    warc: str | None
    snapshots: tuple[Snapshot, ...]
    responses: int
    revisits: int
    changed: tuple[str, ...]  # keys whose content changed since their first capture
    not_captured: tuple[tuple[str, str], ...]  # (key, why)
    lookups: tuple[LookupResult, ...]
    saves: tuple[SaveResult, ...]
    recovered: tuple[str, ...]  # WARCs a killed run left open, finished now
    manifest: tuple[str, ...]
    cdxj: str | None
    wacz: str | None
    redirects: int = 0  # redirect hops written before the pages they lead to

    def describe(self) -> str:
        """One line for the terminal."""
        copies = sum(1 for s in self.snapshots if s.public_copy)
        saved = sum(1 for s in self.saves if s.outcome is SaveOutcome.SAVED)
        where = f" into {self.archive_dir}/{self.warc}" if self.warc else ""
        parts = [
            f"archived {self.responses + self.revisits} captures{where}",
            f"{self.responses} new, {self.revisits} unchanged (revisit)",
            f"{len(self.changed)} changed since first capture",
            f"{len(self.not_captured)} not captured",
            f"{copies} with a public archive copy",
        ]
        if self.redirects:
            parts.insert(2, f"{self.redirects} redirects on the way")
        if self.saves:
            parts.append(f"{saved} of {len(self.saves)} saved to the public archive")
        if self.wacz:
            parts.append(f"package {self.archive_dir}/{self.wacz}")
        return "; ".join(parts)
