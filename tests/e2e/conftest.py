"""Headless Chromium (Debian's package) driven by Playwright against a live server."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are still synchronous, one at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# A loaded CI machine (one test process per CPU) can take seconds to answer a form post; the
# assertions wait for what a user would see instead of reading a page that is still loading.
expect.set_options(timeout=20_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is not installed at {CHROMIUM}; CI must install it")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console", lambda message: message.type == "error" and page.console_errors.append(message)
    )
    yield page
    context.close()


@pytest.fixture
def axe_violations():
    """Run axe-core on the page and return its serious and critical violations."""
    source = AXE_SOURCE.read_text(encoding="utf-8")

    def _check(page) -> list[str]:
        # Evaluated through the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(source)
        result = page.evaluate("async () => await axe.run(document)")
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return _check
