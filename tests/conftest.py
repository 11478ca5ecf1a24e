"""Fixtures of the cross-app tests: a live marja and a real browser page."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from marja.accounts.models import User
from marja.catalog.demo import DemoResult, load_demo
from marja.ingest.models import DatasetVersion
from tests.browser_support import CHROMIUM, PASSWORD
from tests.ledger_support import BEDS, CENSUS


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


@pytest.fixture
def own_data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data folder (objects, the ledger key) of the test's own: tampering stays in it."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def versions(
    own_data_dir: Path, demo: DemoResult, published: Callable[..., dict[str, DatasetVersion]]
) -> dict[str, DatasetVersion]:
    """Two demo datasets published into the test's own data folder."""
    return published(CENSUS, BEDS)
