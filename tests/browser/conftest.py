"""Headless Chromium for the browser tests, driven by Playwright's sync API.

The browser is Debian's `chromium` package (apt: `chromium`), never one that Playwright
downloads: this machine and CI reach no download site. CHROMIUM_PATH overrides where it
is. A missing binary skips the tests with the reason, and fails them under
REQUIRE_SERVICES=1 (CI), so that nothing passes by not running.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # we run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


# Module scope, not session: while Playwright runs, its event loop is "running" in this
# thread, which breaks asyncio tests (Channels consumers) that run after this folder.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = _chromium_path()
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        message = f"Chromium not found at {path} (set CHROMIUM_PATH, or `apt-get install chromium`)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio event loop running in this thread (it switches
    # to it with greenlets), so Django's async-safety check sees "a running event loop" and
    # raises SynchronousOnlyOperation whenever a test (or transactional_db's flush) touches
    # the database while the browser is up. The ORM calls here are plain synchronous code in
    # the test thread; the live server answers from its own thread. Django's documented
    # escape hatch, DJANGO_ALLOW_ASYNC_UNSAFE, is set only for exactly as long as Playwright
    # runs, so the checks stay on for every other test in the run.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context (cookies, storage) per test, so no login leaks between tests."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
