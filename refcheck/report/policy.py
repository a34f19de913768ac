"""The fail policy: turn a Report into the exit code a scheduled job acts on.

``references.toml`` chooses how strict a run is (``[report] fail_on``): ``any`` fails
on any dead source, ``persistent`` only on sources dead for ``fail_after_runs``
consecutive runs (so one flaky night does not page anyone), ``never`` only reports.
An offline run judges nothing: it exits 3 whatever the policy, because a machine
without network must never mark a source dead. Blocked and unsafe sources are
unverifiable, not dead, and never fail a run; neither does a status an editor
accepted in references.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

from refcheck.config import ReportPolicy
from refcheck.models import Status
from refcheck.report._model import Report

# The same numbers as refcheck.cli.ExitCode (nothing may import cli.py); a CLI test
# keeps them equal.
EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_OFFLINE = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The outcome of a run under the fail policy."""

    exit_code: int
    failing: tuple[str, ...]  # keys of the references that fail the run
    reason: str

    @property
    def failed(self) -> bool:
        """True when the run fails because of dead sources."""
        return self.exit_code == EXIT_BROKEN


def is_offline(report: Report) -> bool:
    """True when the run could not reach the network, so nothing was judged."""
    # The checker marks every reference it could not judge ``offline`` once its canary
    # says the network is gone; the ones it decided before (unsafe, excluded) keep
    # their status, so one offline result is enough to call the run offline.
    return report.run.offline or any(r.status is Status.OFFLINE for r in report.results.values())


def judge(report: Report, policy: ReportPolicy) -> Verdict:
    """Apply the fail policy to ``report``; pure.

    Args:
        report: the run's report.
        policy: ``fail_on`` (``any``, ``persistent``, ``never``) and ``fail_after_runs``.

    Returns:
        The verdict: exit code 0 (pass), 1 (dead sources by the policy) or 3 (offline).
    """
    if is_offline(report):
        return Verdict(exit_code=EXIT_OFFLINE, failing=(), reason="offline: no source was judged")
    dead = [e for e in report.entries() if e.is_dead]
    if policy.fail_on == "never":
        return Verdict(exit_code=EXIT_OK, failing=(), reason=f"report only (fail_on = never): {len(dead)} dead")
    if policy.fail_on == "persistent":
        n = policy.fail_after_runs
        failing = [e for e in dead if (e.history.consecutive_failures if e.history else 1) >= n]
        why = f"dead for at least {n} consecutive runs"
    else:
        failing = dead
        why = "dead"
    keys = tuple(e.reference.key for e in failing)
    if keys:
        sources = "source" if len(keys) == 1 else "sources"
        return Verdict(exit_code=EXIT_BROKEN, failing=keys, reason=f"failed: {len(keys)} {sources} {why}")
    waiting = len(dead) - len(failing)
    tail = f" ({waiting} dead for fewer runs)" if waiting else ""
    return Verdict(exit_code=EXIT_OK, failing=(), reason=f"passed: no source {why}{tail}")
