"""Fixtures of the report tests: the fixed sample report and the --update-golden switch."""

from __future__ import annotations

import pytest
from report_samples import make_sample_report

from refcheck.report import Report


@pytest.fixture
def sample_report() -> Report:
    """The fixed report (see ``make_sample_report``)."""
    return make_sample_report()


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite the golden files (``--update-golden``)."""
    return bool(request.config.getoption("--update-golden", default=False))
