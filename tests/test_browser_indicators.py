"""The plan's pages in a real browser: the overview, an indicator's charts, a county's
profile and a comparison, and a manager setting a target (a bad year refused first)."""

from __future__ import annotations

import re

import pytest

from marja.accounts.models import User
from tests.browser_support import OUTPUT, PASSWORD, pytestmark  # noqa: F401 (marks)
from tests.test_browser_trust import log_in

PLAN = "seventh-plan"
PERSIAN_FIGURE = re.compile(r"[۰-۹]+(٫[۰-۹]+)?")
LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture
def plan_site(site: str) -> str:
    from marja.indicators.demo import load_demo_plan
    from marja.ingest.demo import publish_demo_data

    publish_demo_data()
    load_demo_plan()
    manager = User.objects.get(username="tums.admin")
    manager.set_password(PASSWORD)
    manager.save()
    return site


def visible_text_has_no_latin_digits(page: object, selector: str) -> bool:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    shown = page.locator(selector).inner_text()
    return not LATIN_DIGIT.search(shown)


def test_the_plan_an_indicator_and_a_county_in_a_real_browser(plan_site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = plan_site
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site}/plans/{PLAN}/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    totals = page.locator("[data-field=totals]")
    expect(totals).to_contain_text("در مسیر")
    assert visible_text_has_no_latin_digits(page, "[data-field=totals]")
    page.screenshot(path=OUTPUT / "plan.png", full_page=True)

    page.get_by_role("link", name=re.compile("تخت فعال بیمارستانی")).first.click()
    expect(page.locator("#indicator-chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("#county-chart")).to_have_attribute("data-ready", "true")
    latest = page.locator("[data-field=latest]")
    assert PERSIAN_FIGURE.search(latest.inner_text())
    assert visible_text_has_no_latin_digits(page, "[data-field=years]")
    expect(page.locator("[data-field=sources] .hash").first).to_contain_text("sha256:")
    expect(page.locator("#method")).to_contain_text("۰٫۹۵")
    page.screenshot(path=OUTPUT / "indicator.png", full_page=True)

    page.goto(f"{site}/counties/varamin/")
    expect(page.locator("h1")).to_contain_text("ورامین")
    expect(page.locator("[data-field=profile] svg.spark").first).to_be_visible()
    assert visible_text_has_no_latin_digits(page, "[data-field=profile]")
    page.locator("[data-field=compare-form] input[value=shemiranat]").check()
    page.locator("[data-field=compare-form] button").click()
    comparison = page.locator("[data-field=comparison]")
    expect(comparison).to_contain_text("ورامین")
    expect(comparison).to_contain_text("شمیرانات")
    page.screenshot(path=OUTPUT / "county-compare.png", full_page=True)


def test_a_manager_sets_a_target_after_a_refused_year(plan_site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = plan_site
    log_in(page, site, "tums.admin")
    page.goto(f"{site}/plans/{PLAN}/indicators/1.1/manage/")
    form = page.locator("[data-form=target]")
    form.locator("[name=target-year]").fill("۱۴۱۲")
    form.locator("[name=target-value]").fill("۲٫۱")
    form.get_by_role("button", name="ذخیره").click()
    error = page.locator("[data-field=target-year]")
    expect(error).to_contain_text("۱۴۱۲")
    expect(page.locator("[role=alert]").first).to_contain_text("ذخیره نشد")
    form = page.locator("[data-form=target]")
    form.locator("[name=target-year]").fill("۱۴۰۶")
    form.locator("[name=target-value]").fill("۲٫۱")
    form.get_by_role("button", name="ذخیره").click()
    expect(page).to_have_url(re.compile(r"/plans/seventh-plan/indicators/1\.1/$"))
    expect(page.locator("[data-field=years]")).to_contain_text("۲٫۱")
