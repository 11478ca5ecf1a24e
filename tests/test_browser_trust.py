"""Trust in a real browser: giving a grant, reading through it, a version's proof and
receipt, the quality panel, and the administrators' verification page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from marja.accounts.models import Organisation, User
from marja.accounts.services import create_user
from tests.browser_support import OUTPUT, PASSWORD, pytestmark  # noqa: F401 (marks)

PROJECTS = "unfinished-projects"
PERSIAN_DATE = re.compile(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}")


def log_in(page: object, site: str, username: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(site + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ورود").click()
    page.wait_for_selector("header .who")


def log_out(page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.locator("header form button").click()


@pytest.fixture
def projects(site: str) -> str:
    from marja.ingest.demo import publish_demo_dataset

    publish_demo_dataset(PROJECTS)
    create_user(
        "mpo.admin", PASSWORD, memberships=[(Organisation.objects.get(slug="mpo"), "admin")]
    )
    viewer = User.objects.get(username="varamin.viewer")
    viewer.set_password(PASSWORD)
    viewer.save()
    return site


def test_a_grant_is_given_and_read_through_in_a_real_browser(projects: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = projects
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log_in(page, site, "mpo.admin")
    page.goto(f"{site}/datasets/{PROJECTS}/")
    page.locator("[data-field=access-links] a").first.click()
    expect(page.locator("h1")).to_have_text("دسترسی و مجوزها")
    page.select_option("#id_organisation", label="فرمانداری ورامین")
    page.fill("#id_purpose", "پیگیری طرح‌های شهرستان")
    page.fill("#id_expires_on", "۱۴۰۶/۰۶/۳۱")
    for column in ("project_code", "county", "physical_progress"):
        page.check(f"input[name=columns][value={column}]")
    page.select_option("#id_row_column", value="county")
    page.fill("#id_row_values", "ورامین")
    page.get_by_role("button", name="دادن مجوز").click()
    row = page.locator("[data-field=grants] tbody tr").first
    expect(row).to_contain_text("فرمانداری ورامین")
    expect(row).to_contain_text("۱۴۰۶/۰۶/۳۱")
    expect(row).to_contain_text("معتبر")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path=OUTPUT / "grants.png", full_page=True)

    log_out(page)
    log_in(page, site, "varamin.viewer")
    page.goto(f"{site}/datasets/{PROJECTS}/")
    expect(page.locator("[data-field=grant]")).to_contain_text("پیگیری طرح‌های شهرستان")
    page.goto(f"{site}/datasets/{PROJECTS}/data/")
    headers = page.locator("table.data thead th").all_inner_texts()
    assert len(headers) == 3, headers
    counties = set(page.locator("table.data tbody tr td:nth-child(2)").all_inner_texts())
    assert counties == {"ورامین"}, counties
    page.screenshot(path=OUTPUT / "grant-data.png", full_page=True)
    page.goto(f"{site}/datasets/{PROJECTS}/versions/1/data.parquet")
    expect(page.locator("h1")).to_have_text("تنها بخشی از این داده با شما به اشتراک گذاشته شده است")

    log_out(page)
    log_in(page, site, "mpo.admin")
    page.goto(f"{site}/datasets/{PROJECTS}/reads/")
    expect(page.locator("[data-field=reads] tbody")).to_contain_text("varamin.viewer")
    assert PERSIAN_DATE.search(page.locator("[data-field=reads] tbody").inner_text())
    page.screenshot(path=OUTPUT / "reads.png", full_page=True)


def test_a_version_shows_its_proof_and_gives_its_receipt_in_a_real_browser(
    projects: str, page: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = projects
    log_in(page, site, "mpo.admin")
    page.goto(f"{site}/datasets/{PROJECTS}/")
    quality = page.locator("[data-field=quality]")
    expect(quality).to_contain_text("کیفیت")
    assert re.search(r"[۰-۹]+٪", quality.inner_text())
    page.goto(f"{site}/datasets/{PROJECTS}/versions/1/")
    proof = page.locator("[data-field=proof]")
    expect(proof).to_contain_text("رویداد")
    expect(proof.locator("[data-field=checkpoint]")).to_contain_text("امضای رویدادها تا")
    with page.expect_download() as download:
        proof.get_by_role("link", name="دریافت رسید (JSON)").click()
    saved = tmp_path / "receipt.json"
    download.value.save_as(saved)
    receipt = json.loads(saved.read_text(encoding="utf-8"))
    assert receipt["type"] == "marja.receipt" and receipt["subject"]["dataset"] == PROJECTS
    page.screenshot(path=OUTPUT / "version-proof.png", full_page=True)


@pytest.fixture
def administrator(site: str) -> str:
    admin = User.objects.get(username="admin")
    admin.set_password(PASSWORD)
    admin.save()
    return site


def run_queued_verification() -> None:
    """What the worker does, in a thread (Playwright's loop forbids the ORM in this one)."""
    import threading

    from django.db import connection

    from marja.ledger.models import LedgerVerification
    from marja.ledger.tasks import verify_in_background

    def work() -> None:
        try:
            verify_in_background.call(LedgerVerification.objects.get().pk)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()


def test_the_verification_page_runs_and_reports_in_a_real_browser(
    administrator: str, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = administrator
    log_in(page, site, "admin")
    page.goto(f"{site}/ledger/verify/")
    page.get_by_role("button", name="اکنون وارسی کن").click()
    expect(page.locator("[data-field=latest]")).to_have_attribute("data-status", "queued")
    run_queued_verification()
    page.reload()
    latest = page.locator("[data-field=latest]")
    expect(latest).to_have_attribute("data-status", "passed")
    expect(latest).to_contain_text("همه چیز درست است")
    page.screenshot(path=OUTPUT / "verify.png", full_page=True)
    page.goto(f"{site}/ledger/")
    first = page.locator("[data-field=entries] tbody tr").first.locator("td").first.inner_text()
    assert re.fullmatch(r"[۰-۹]+", first), first
    page.screenshot(path=OUTPUT / "ledger.png", full_page=True)
