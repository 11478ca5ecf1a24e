"""A real browser: Playwright driving Debian's headless chromium against a live marja."""

import re
from pathlib import Path

import pytest

from tests.browser_support import OUTPUT, PASSWORD, pytestmark  # noqa: F401 (marks)


def test_home_and_dataset_pages_in_a_real_browser(site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(site + "/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("[data-count=counties]").inner_text() == "۱۶"
    page.wait_for_function("document.fonts.check('16px Vazirmatn')")
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    page.screenshot(path=OUTPUT / "home.png", full_page=True)

    page.fill("#q", "جمعيت")  # Arabic yeh, as typed on an Arabic keyboard
    page.press("#q", "Enter")
    page.get_by_role("link", name=re.compile("سرشماری ۱۳۹۵")).first.click()
    temporal = page.locator("[data-field=temporal]").inner_text()
    assert "فروردین ۱۳۹۵" in temporal and "اسفند ۱۳۹۵" in temporal
    assert re.fullmatch(
        r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}",
        page.locator("[data-field=updated]").inner_text(),
    )
    page.screenshot(path=OUTPUT / "dataset.png", full_page=True)


def test_login_and_a_refused_jalali_date_in_a_real_browser(site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(site + "/accounts/login/")
    page.fill("#id_username", "mpo.editor")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ورود").click()
    expect(page.locator("header .who")).to_have_text("مریم احمدی")

    page.goto(site + "/datasets/new/")
    page.fill("#id_slug", "browser-check")
    page.fill("#id_title_fa", "آزمون مرورگر")
    page.select_option("#id_theme", label="آموزش")
    page.fill("#id_temporal_end", "۱۴۰۲/۱۲/۳۰")
    page.get_by_role("button", name="ذخیره").click()
    error = page.locator("[data-field=temporal_end]")
    expect(error).to_contain_text("سال ۱۴۰۲ کبیسه نیست")
    page.screenshot(path=OUTPUT / "form-error.png", full_page=True)


def _log_in(page: object, site: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(site + "/accounts/login/")
    page.fill("#id_username", "mpo.editor")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ورود").click()
    page.wait_for_selector("header .who")


def test_publishing_a_file_through_the_resumable_upload_in_a_real_browser(
    site: str, page: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    _log_in(page, site)
    good = tmp_path / "جمعیت.csv"
    good.write_text(
        "کد شهرستان,جمعیت,تاریخ آمارگیری\ntehran,۸٬۷۳۷٬۵۱۰,1395/07/01\nrey,349700,1395/07/01\n",
        encoding="utf-8",
    )
    methods: list[str] = []
    page.on("request", lambda r: methods.append(r.method) if "/api/v1/uploads/" in r.url else None)
    page.goto(site + "/datasets/county-population-1395/publish/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="بارگذاری و انتشار").click()
    outcome = page.locator("[data-field=outcome]")
    expect(outcome).to_contain_text("به‌عنوان نسخهٔ ۱ با ۲ سطر منتشر شد")
    assert methods[:2] == ["POST", "PATCH"]  # the file went through the resumable upload
    page.goto(site + "/datasets/county-population-1395/")
    expect(page.locator("[data-field=rows]")).to_have_text("۲")
    preview = page.locator("table.data").inner_text()
    assert "۸٬۷۳۷٬۵۱۰" in preview and "۱۳۹۵/۰۷/۰۱" in preview
    page.screenshot(path=OUTPUT / "dataset-with-version.png", full_page=True)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "کد شهرستان,جمعیت,تاریخ آمارگیری\ntehran,abc,1395/07/01\nrey,5,1402/12/30\n",
        encoding="utf-8",
    )
    page.goto(site + "/datasets/county-population-1395/publish/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="بارگذاری و انتشار").click()
    expect(page.locator("[data-field=outcome]")).to_contain_text("پرونده رد شد")
    isolates = str.maketrans("", "", "\u2068\u2069")  # bidi isolates around values
    problems = page.locator("[data-field=problems]").inner_text().translate(isolates)
    assert "سطر ۲، ستون «جمعیت»: «abc» یک عدد صحیح معتبر نیست." in problems
    assert "Row 3, column «تاریخ آمارگیری»: «1402/12/30» is not a valid Jalali date" in problems
    assert (
        page.evaluate("getComputedStyle(document.querySelector('table.problems')).direction")
        == "rtl"
    )
    page.screenshot(path=OUTPUT / "publication-report.png", full_page=True)
    page.goto(site + "/datasets/county-population-1395/versions/1/")
    expect(page.locator("[data-field=rows]")).to_have_text("۲")
    page.screenshot(path=OUTPUT / "version.png", full_page=True)


@pytest.fixture
def rainfall(site: str) -> None:
    """Published before the browser starts: the ORM may not run inside Playwright's loop."""
    from marja.ingest.demo import publish_demo_dataset

    publish_demo_dataset("rainfall-monthly")


@pytest.fixture
def beds_and_census(site: str) -> None:
    from marja.ingest.demo import publish_demo_dataset

    publish_demo_dataset("county-population-1395")
    publish_demo_dataset("hospital-beds")


def test_data_page_filters_sorts_and_charts_in_a_real_browser(
    site: str, rainfall: None, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(site + "/datasets/rainfall-monthly/")
    page.locator("[data-field=explore-panel] a.button").first.click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    total_before = page.locator("[data-field=row-count]").inner_text()

    # A filter typed in Persian digits on a Persian county name, through the form.
    page.select_option("#f", "county")
    page.select_option("#op", "eq")
    page.fill("#v", "شمیرانات")
    page.get_by_role("button", name=re.compile("فیلتر")).click()
    assert "county=" in page.url
    counties = page.locator("[data-field=rows] tbody tr td:nth-child(2)").all_inner_texts()
    assert counties and set(counties) == {"شمیرانات"}
    assert page.locator("[data-field=row-count]").inner_text() != total_before
    assert re.search("[۰-۹]", page.locator("[data-field=row-count]").inner_text())

    # Sorting by rainfall, descending after two clicks; Jalali dates in Persian digits.
    header = page.locator("[data-field=rows] thead th[title=rainfall] a")
    header.click()
    page.locator("[data-field=rows] thead th[title=rainfall] a").click()
    assert "sort=-rainfall" in page.url
    values = page.locator("[data-field=rows] tbody tr td:nth-child(4)").all_inner_texts()
    numbers = [float(v.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٫٬", "0123456789.,")).replace(",", ""))
               for v in values]  # fmt: skip
    assert numbers == sorted(numbers, reverse=True)
    month = page.locator("[data-field=rows] tbody tr td:nth-child(3)").first.inner_text()
    assert re.fullmatch(r"۱[۳۴][۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}", month)

    # The link reproduces the view in a fresh page load.
    link = page.locator("[data-field=view-link]").get_attribute("href")
    assert link is not None
    page.goto(site + link)
    assert page.locator("[data-field=rows] tbody tr").count() == len(values)

    # A chart of the average by Jalali season, drawn by Chart.js with Persian labels.
    page.select_option("#group_by", "month:season")
    page.select_option("#measures", "avg:rainfall")
    page.select_option("#chart", "line")
    page.locator("[data-field=chart-form] button").click()
    page.locator("#aggregate-chart[data-ready=true]").wait_for()
    labels = page.evaluate("Chart.getChart('aggregate-chart').data.labels")
    assert labels and all(re.search("(بهار|تابستان|پاییز|زمستان) [۰-۹]{4}$", x) for x in labels)
    assert page.evaluate("Chart.getChart('aggregate-chart').config.type") == "line"
    page.screenshot(path=OUTPUT / "data-page.png", full_page=True)


def test_sql_page_joins_two_agencies_tables_in_a_real_browser(
    site: str, beds_and_census: None, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(site + "/sql/")
    expect(page.locator("#sql")).to_have_attribute("dir", "ltr")
    page.fill(
        "#sql",
        "SELECT b.county, sum(b.active_beds) * 1000.0 / max(c.population) AS beds_per_1000\n"
        "FROM hospital_beds b JOIN county_population_1395 c ON c.county = b.county\n"
        "WHERE b.year = 1402 AND b.quarter = 1 GROUP BY b.county ORDER BY b.county",
    )
    page.press("#sql", "Control+Enter")
    rows = page.locator("[data-field=sql-result] tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3
    assert re.search("[۰-۹]", page.locator("[data-field=sql-summary]").inner_text())

    page.fill("#sql", "SELECT * FROM read_csv('/etc/passwd')")
    page.locator("[data-field=sql-form] button").click()
    error = page.locator("[data-field=sql-error]").inner_text()
    assert "root:" not in page.content()
    assert error
    page.screenshot(path=OUTPUT / "sql-page.png", full_page=True)


def test_api_documentation_renders_from_marjas_own_files(site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    blocked: list[str] = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site) else None)
    page.goto(site + "/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/sql").count() == 1
    assert not outside, outside
    assert not blocked, blocked


# Search: the header box's suggestions and the results page -------------------------------


def test_header_search_suggests_as_you_type_and_the_keyboard_picks_in_a_real_browser(
    site: str, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(site + "/organisations/")  # any page: the box is in the header
    box = page.locator("#site-q")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox = page.locator("header ul.suggestions[role=listbox]")
    expect(listbox).to_be_hidden()

    box.press_sequentially("جمعی", delay=40)  # a partial word, as it is being typed
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.locator("[role=option]")
    census = options.filter(has_text="سرشماری ۱۳۹۵")
    expect(census).to_have_count(1)
    expect(census.locator("a")).to_have_attribute("href", "/datasets/county-population-1395/")
    expect(listbox).not_to_contain_text("طرح‌های عمرانی")  # restricted: never offered
    page.screenshot(path=OUTPUT / "search-suggestions.png", full_page=True)

    # ArrowDown selects the first option, ArrowUp wraps to the last and back.
    first = options.first
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    first_id = first.get_attribute("id")
    assert first_id
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    if options.count() > 1:
        box.press("ArrowUp")
        expect(options.last).to_have_attribute("aria-selected", "true")
        expect(first).to_have_attribute("aria-selected", "false")
        box.press("ArrowDown")
        expect(first).to_have_attribute("aria-selected", "true")
    href = first.locator("a").get_attribute("href")
    assert href in ("/datasets/county-population-1395/", "/datasets/county-population-1390/")

    # Enter follows the selected suggestion, not the form.
    box.press("Enter")
    expect(page).to_have_url(site + href)
    expect(page.locator("h1")).to_contain_text("جمعیت")


def test_search_results_page_marks_words_counts_in_persian_and_facets_narrow_in_a_real_browser(
    site: str, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(site + "/")
    page.fill("#site-q", "شهرستان")
    page.press("#site-q", "Enter")  # nothing selected: the form is submitted
    expect(page).to_have_url(re.compile(r"/datasets/\?q="))
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "fa")
    assert page.evaluate("getComputedStyle(document.querySelector('ul.results')).direction") == (
        "rtl"
    )

    results = page.locator("ul.results > li")
    marks = page.locator("ul.results mark")
    expect(page.locator("ul.results h3 mark").first).to_be_visible()  # in titles
    assert all(m.startswith("شهرستان") for m in marks.all_inner_texts())
    count = page.locator("[data-total]")
    total = int(count.get_attribute("data-total") or "0")
    assert total > 2
    expect(results).to_have_count(total)
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    expect(count).to_contain_text(str(total).translate(persian))
    assert not re.search("[0-9]", count.inner_text().split("·")[0])
    page.screenshot(path=OUTPUT / "search-results.png", full_page=True)

    # A facet link narrows the results to the number it shows.
    facet = page.locator("section[data-facet=organisation] a").first
    name = facet.locator("span").first.inner_text()
    shown = facet.locator("span.muted").inner_text()
    narrowed = int(shown.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
    assert 0 < narrowed < total
    facet.click()
    expect(page).to_have_url(re.compile(r"organisation="))
    expect(page.locator("[data-total]")).to_have_attribute("data-total", str(narrowed))
    expect(results).to_have_count(narrowed)
    for publisher in results.locator(".meta span:first-child a").all_inner_texts():
        assert publisher == name
    chosen = page.locator("section[data-facet=organisation] a[aria-current=true]")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text(name)
    expect(page.locator("#search-page-q")).to_have_value("شهرستان")  # the query is kept
    expect(marks.first).to_be_visible()
    page.screenshot(path=OUTPUT / "search-facet.png", full_page=True)

    # Choosing it again takes the filter away.
    chosen.click()
    expect(page.locator("[data-total]")).to_have_attribute("data-total", str(total))


def test_search_box_escape_closes_the_suggestions_and_keeps_the_text_in_a_real_browser(
    site: str, page: object
) -> None:
    """The ARIA combobox pattern: Escape closes an open list; only a second Escape, with
    the list closed, may clear the box (a type=search box clears itself on Escape)."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(site + "/organisations/")
    box = page.locator("#site-q")
    listbox = page.locator("header ul.suggestions[role=listbox]")
    box.press_sequentially("جمعی", delay=40)
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("جمعی")
    box.press_sequentially("ت", delay=40)
    expect(listbox).to_be_visible()
    expect(listbox.locator("[role=option]").first).to_contain_text("جمعیت")
