"""A real browser for the page tests: Debian's ``chromium`` driven by Playwright.

Playwright launches the system browser (``executable_path``), never a build of its own, so
nothing is downloaded; without ``chromium`` on the PATH the tests that need it are skipped
with the reason, not passed. Each test gets a fresh profile directory (a persistent context
on ``tmp_path``), so no session storage leaks from one test to the next.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

# Root needs --no-sandbox; the rest keep a headless browser on an offline machine quiet
# and deterministic (no GPU, no background fetches, no updates, no sign-in, no QUIC).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Screenshots under docs/ are tracked files: rewritten only when asked for.
SCREENSHOTS = os.environ.get("STAYTIER_SCREENSHOTS") == "1"


def chromium_path() -> str:
    """The system browser, or a skip that says how to get it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): browser tests skipped")
    return found


@asynccontextmanager
async def browser_page(profile: Path, viewport: dict[str, int]) -> AsyncIterator[Any]:
    """A page in a fresh headless Chromium; fails the test if the page logs an error (a
    Content-Security-Policy violation, an exception in our scripts)."""
    executable = chromium_path()
    async_api = pytest.importorskip("playwright.async_api")
    errors: list[str] = []
    async with async_api.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=viewport,
            locale="en-US",
            timezone_id="UTC",
        )
        context.set_default_timeout(15_000)
        page = context.pages[0] if context.pages else await context.new_page()
        page.on("console", lambda message: _keep_error(errors, message))
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        try:
            yield page
        finally:
            await context.close()
    assert errors == [], errors


def _keep_error(errors: list[str], message: Any) -> None:
    # A 401 while checking a bad key is an expected answer the page shows, not a fault.
    if message.type == "error" and "401" not in message.text:
        errors.append(message.text)


async def screenshot(page: Any, name: str) -> None:
    """Saves ``docs/<name>.png`` when STAYTIER_SCREENSHOTS=1 (see docs/pages.md)."""
    if SCREENSHOTS:
        await page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
