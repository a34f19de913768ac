"""The HTML report opened in a real headless Chromium (Debian's ``chromium``).

Proves what a static check cannot: the page renders with no console error (a CSP
hash that does not match its inline script would show here), loads nothing but
itself, its status and document filters hide and show rows, its columns sort, and
at phone width the table becomes cards. Screenshots are saved under a temporary
directory whose path is printed. Without Chromium the tests skip and say so.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_samples import make_sample_report

from refcheck.report import render_html

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html-report") / "refcheck.html"
    path.write_text(render_html(make_sample_report()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            "Chromium is not installed (Debian package 'chromium'): the HTML report was not opened in a browser"
        )
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp(), prefix="chromium-profile-"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class PageLog:
    """What a page said and asked for while the test used it."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.requests: list[str] = []


@pytest.fixture
def page(browser_context: Any, report_file: Path) -> Iterator[tuple[Any, PageLog]]:
    log = PageLog()
    page = browser_context.new_page()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: log.console_errors.append(str(e)))
    page.on("request", lambda r: log.requests.append(r.url))
    # Anything but the report itself is refused, so a regression cannot reach the network.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(report_file.as_uri())
    try:
        yield page, log
    finally:
        page.close()


def _visible_statuses(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#sources tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.status)"
    )


def _say(request: pytest.FixtureRequest, line: str) -> None:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)
    print(line)


def test_the_report_renders_with_no_console_error_and_no_network_request(
    page: tuple[Any, PageLog], report_file: Path
) -> None:
    tab, log = page
    tab.wait_for_load_state("load")
    assert log.console_errors == []
    assert log.requests == [report_file.as_uri()]
    assert tab.title().startswith("refcheck report")


def test_the_status_filter_hides_and_shows_rows(page: tuple[Any, PageLog]) -> None:
    tab, log = page
    total = tab.locator("#sources tbody tr").count()
    # The page opens on what needs attention: the alive sources are hidden.
    assert "alive" not in _visible_statuses(tab)
    tab.select_option("#filter-status", "status:broken")
    assert set(_visible_statuses(tab)) == {"broken"}
    assert tab.locator("#shown-count").inner_text() == f"2 of {total} rows shown"
    tab.select_option("#filter-status", "status:alive")
    assert _visible_statuses(tab) == ["alive", "alive"]
    tab.select_option("#filter-status", "all")
    assert len(_visible_statuses(tab)) == total
    assert log.console_errors == []


def test_the_document_filter_and_a_summary_tile_narrow_the_rows(page: tuple[Any, PageLog]) -> None:
    tab, _ = page
    tab.select_option("#filter-status", "all")
    tab.select_option("#filter-document", "docs/notes.txt")
    assert sorted(_visible_statuses(tab)) == ["redirected", "soft-404", "timeout", "unsafe"]
    tab.select_option("#filter-document", "")
    tab.click("button[data-filter='dead']")
    assert set(_visible_statuses(tab)) == {"broken", "soft-404", "timeout", "tls-error"}


def test_a_column_heading_sorts_the_rows_both_ways(page: tuple[Any, PageLog]) -> None:
    tab, _ = page
    tab.select_option("#filter-status", "all")
    header = tab.locator("th:has(button[data-column='1'])")
    assert header.get_attribute("aria-sort") == "none"
    tab.click("button[data-column='1']")
    assert header.get_attribute("aria-sort") == "ascending"
    keys = tab.eval_on_selector_all("#sources tbody tr", "rows => rows.map(r => r.cells[1].dataset.sort.toLowerCase())")
    assert keys == sorted(keys, key=str.lower)
    tab.click("button[data-column='1']")
    assert header.get_attribute("aria-sort") == "descending"
    again = tab.eval_on_selector_all(
        "#sources tbody tr", "rows => rows.map(r => r.cells[1].dataset.sort.toLowerCase())"
    )
    assert again == list(reversed(keys))
    assert tab.locator("th:has(button[data-column='0'])").get_attribute("aria-sort") == "none"


def test_the_archived_copy_is_a_robust_link(page: tuple[Any, PageLog]) -> None:
    tab, _ = page
    link = tab.locator("a[data-versionurl]").first
    assert link.get_attribute("href") == "https://www.example.org/reports/2019/annual.pdf"
    assert link.get_attribute("data-originalurl") == "https://www.example.org/reports/2019/annual.pdf"
    assert link.get_attribute("data-versionurl", timeout=1000).startswith("https://web.archive.org/web/20200301")
    assert link.get_attribute("data-versiondate") == "2020-03-01"


def test_hostile_cited_text_stays_text(page: tuple[Any, PageLog]) -> None:
    tab, log = page
    assert tab.locator("img").count() == 0
    assert tab.locator("script").count() == 1
    assert tab.get_by_text('<img src=x onerror=alert(1)> & "quotes"').count() == 1
    assert log.console_errors == []


def test_screenshots_at_desktop_and_phone_width_show_a_table_and_cards(
    page: tuple[Any, PageLog], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    tab, log = page
    shots = tmp_path_factory.mktemp("html-report-screenshots")
    tab.screenshot(path=str(shots / "desktop.png"), full_page=True)
    assert tab.eval_on_selector("#sources tbody tr", "r => getComputedStyle(r).display") == "table-row"
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.screenshot(path=str(shots / "phone.png"), full_page=True)
    assert tab.eval_on_selector("#sources tbody tr", "r => getComputedStyle(r).display") == "block"
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the phone layout must not scroll sideways"
    assert (shots / "desktop.png").stat().st_size > 10_000
    assert (shots / "phone.png").stat().st_size > 10_000
    assert log.console_errors == []
    _say(request, f"HTML report screenshots: {shots}")
