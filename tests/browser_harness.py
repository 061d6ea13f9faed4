"""Headless Chromium for end-to-end tests, driven by Playwright for Python.

The browser is Debian's `chromium` package (never a browser downloaded by
`playwright install`, which this network refuses). Without it, or without
the playwright package, browser tests skip on a laptop and fail in CI."""
from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from .temporal_harness import env_flag

# Where CI keeps what the browser saw, one folder per test (see the README).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"

# Flags this machine needs: no sandbox as root, no GPU, and nothing that
# phones home (the closed network refuses those connections, many at a time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def _unavailable(reason: str):
    if env_flag("CI"):
        pytest.fail(f"{reason}; CI must provide it (.ci/run installs it)")
    pytest.skip(f"{reason}; install it to run the browser tests")


@contextmanager
def launched_chromium():
    """Chromium under Playwright, skipped/failed as above when absent.

    Per test, not per session: while Playwright's sync API runs it keeps an
    event loop on the main thread, and Django would then refuse ORM calls
    in every later test of the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[dev]')")
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is missing (apt-get install -y chromium, or set CHROMIUM_PATH)")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        manager.stop()


class Shots:
    """Numbered full-page screenshots of one test, in the order taken."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    def take(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def browser_page(transactional_db, live_server, request, monkeypatch):
    """A fresh Chromium and page; JavaScript errors fail the test.

    The database (committed rows, which the live server's thread can see)
    is set up before the browser starts and flushed after it stops. While
    the browser runs, Playwright's event loop makes Django refuse the test
    body's ORM calls; they are plain synchronous calls on this thread, so
    the guard is lifted for browser tests only."""
    from django.db import connections

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with launched_chromium() as chromium:
        try:
            yield from _page(chromium, request)
        finally:
            # With a loop running, Django keeps this thread's connections in
            # a context of their own (asgiref's Local); close them while it
            # still runs, or the test database cannot be dropped at the end.
            connections.close_all()


def _page(chromium, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.shots = Shots(SCREENSHOTS / request.node.name)
    failed_before = request.session.testsfailed
    try:
        yield page
        if request.session.testsfailed > failed_before:  # what the page showed when it failed
            page.shots.take(page, "at-failure")
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"
