"""Fixtures of the cross-app tests: a live marja and a real browser page."""

from collections.abc import Iterator

import pytest

from marja.accounts.models import User
from marja.catalog.demo import load_demo
from tests.browser_support import CHROMIUM, PASSWORD


@pytest.fixture
def site(live_server: object, transactional_db: None) -> str:
    load_demo()
    editor = User.objects.get(username="mpo.editor")
    editor.set_password(PASSWORD)
    editor.save()
    return str(live_server.url)  # type: ignore[attr-defined]


@pytest.fixture
def page(site: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        )  # fmt: skip
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()
