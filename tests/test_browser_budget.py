"""The budget in a real browser: a scenario's explanation and chart, a new scenario made
through the form after a refused weight, the comparison, the council's vote from the
page, and the public final allocation."""

from __future__ import annotations

import re

import pytest

from marja.accounts.models import User
from tests.browser_support import OUTPUT, PASSWORD, pytestmark  # noqa: F401 (marks)
from tests.test_browser_trust import log_in

LATIN_DIGIT = re.compile(r"[0-9]")
CYCLE = "capital-1403"


@pytest.fixture
def budget_site(site: str) -> str:
    from marja.budget.demo import load_demo_budget
    from marja.indicators.demo import load_demo_plan
    from marja.ingest.demo import publish_demo_data

    publish_demo_data()
    load_demo_plan()
    assert load_demo_budget() is not None
    for username in ("admin", "council.health", "council.roads"):
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
    return site


def no_latin_digits(page: object, selector: str) -> bool:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    return not LATIN_DIGIT.search(page.locator(selector).inner_text())


def test_a_scenario_explained_and_a_new_one_made(budget_site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = budget_site
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log_in(page, site, "mpo.editor")
    page.goto(f"{site}/budget/{CYCLE}/scenarios/2/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.locator("#budget-chart")).to_have_attribute("data-ready", "true")
    table = page.locator("[data-field=allocation]")
    expect(table.locator("tbody tr")).to_have_count(16)
    expect(table).to_contain_text("میلیارد ریال")
    assert no_latin_digits(page, "[data-field=allocation] tbody")
    assert no_latin_digits(page, "[data-field=fairness]")
    page.screenshot(path=OUTPUT / "budget-scenario.png", full_page=True)

    page.goto(f"{site}/budget/{CYCLE}/scenarios/new/")
    criteria = page.locator("[data-field=criteria] tbody tr")
    first = criteria.nth(0)
    first.locator("input[type=checkbox]").check()
    first.locator("input[type=text]").fill("دو")  # not a number
    page.fill("#id_name_fa", "سناریوی مرورگر")
    page.get_by_role("button", name="ذخیره و محاسبه").click()
    expect(page.locator("[role=alert]")).to_be_visible()
    first = page.locator("[data-field=criteria] tbody tr").nth(0)
    first.locator("input[type=text]").fill("۱")
    page.get_by_role("button", name="ذخیره و محاسبه").click()
    expect(page.locator("h1")).to_contain_text("سناریوی مرورگر")
    expect(page.locator("[data-field=allocation] tbody tr")).to_have_count(16)
    page.screenshot(path=OUTPUT / "budget-new-scenario.png", full_page=True)

    page.goto(f"{site}/budget/{CYCLE}/compare/")
    expect(page.locator("#budget-chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-field=comparison] tbody tr")).to_have_count(16)
    page.screenshot(path=OUTPUT / "budget-compare.png", full_page=True)


def test_the_council_votes_and_the_allocation_becomes_public(
    budget_site: str, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = budget_site
    scenario = f"{site}/budget/{CYCLE}/scenarios/1/"
    for username in ("admin", "mpo.editor", "council.health", "council.roads"):
        log_in(page, site, username)
        page.goto(scenario)
        if username == "admin":
            page.get_by_role("button", name="گذاشتن سناریو به رأی شورا").click()
        page.locator("[data-form=vote] input[value=for]").check()
        page.locator("[data-form=vote] button").click()
        expect(page.locator("#session")).to_contain_text("رأی داده‌اید")
        page.context.clear_cookies()
    log_in(page, site, "admin")
    page.goto(scenario)
    page.get_by_role("button", name="بستن جلسه و شمارش آرا").click()
    expect(page.locator("[data-field=status]")).to_contain_text("مصوب")
    page.context.clear_cookies()
    page.goto(f"{site}/budget/{CYCLE}/")
    final = page.locator("[data-field=final]")
    expect(final).to_contain_text("نهایی است")
    expect(final.locator("tbody tr")).to_have_count(16)
    assert no_latin_digits(page, "[data-field=final] tbody")
    page.screenshot(path=OUTPUT / "budget-final.png", full_page=True)
