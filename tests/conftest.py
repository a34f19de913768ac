"""Shared test configuration: command-line options every test directory can read."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    # pytest only honours pytest_addoption in the top-level conftest; the golden report
    # tests (tests/report/) read this one to rewrite tests/golden/ instead of comparing.
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden report files under tests/golden/ instead of comparing with them",
    )
