"""The catalog pages: list with search and facets, dataset page, organisation pages."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marja.catalog.demo import DemoResult

pytestmark = pytest.mark.django_db


def test_search_treats_arabic_and_persian_letters_alike(client: Client, demo: DemoResult) -> None:
    persian = client.get("/datasets/", {"q": "جمعیت"})
    arabic = client.get("/datasets/", {"q": "جمعيت"})  # Arabic yeh
    assert persian.context["page"].paginator.count == 2
    assert [d.slug for d in arabic.context["page"]] == [d.slug for d in persian.context["page"]]


def test_search_matches_english_titles_and_zwnj_variants(client: Client, demo: DemoResult) -> None:
    assert client.get("/datasets/", {"q": "HOSPITAL"}).context["page"].paginator.count == 1
    with_space = client.get("/datasets/", {"q": "تخت های بیمارستانی"})
    assert [d.slug for d in with_space.context["page"]] == ["hospital-beds"]


def test_facets_filter_and_count(client: Client, demo: DemoResult) -> None:
    response = client.get("/datasets/", {"theme": "population"})
    assert response.context["page"].paginator.count == 2
    facets = response.context["facets"]
    assert [(f.key, f.count) for f in facets["organisation"]] == [("mpo", 2)]
    assert next(f for f in facets["theme"] if f.key == "population").selected
    county = client.get("/datasets/", {"county": "firuzkuh"})
    slugs = {d.slug for d in county.context["page"]}
    assert "crop-production" in slugs and "hospital-beds" not in slugs
    tag = client.get("/datasets/", {"tag": "سرشماری"})
    assert tag.context["page"].paginator.count == 2
    assert client.get("/datasets/", {"access": "internal"}).context["page"].paginator.count == 0


def test_unknown_filters_and_odd_input_give_an_empty_list_not_an_error(
    client: Client, demo: DemoResult
) -> None:
    for params in (
        {"theme": "nope"},
        {"q": "<script>"},
        {"page": "x"},
        {"page": "999"},
    ):
        response = client.get("/datasets/", params)
        assert response.status_code == 200
    too_long = client.get("/datasets/", {"q": "x" * 5000})
    assert too_long.status_code == 400
    assert "۵۰۰" in too_long.text
    echoed = client.get("/datasets/", {"q": "<script>"}).text
    assert "<script>" not in echoed
    assert "&lt;script&gt;" in echoed


def test_dataset_page_shows_metadata_in_jalali(client: Client, demo: DemoResult) -> None:
    response = client.get("/datasets/county-population-1395/")
    assert response.status_code == 200
    text = response.text
    assert "۱ فروردین ۱۳۹۵" in text and "۲۹ اسفند ۱۳۹۵" in text
    assert "کل استان (۱۶ شهرستان)" in text
    assert "سازمان مدیریت و برنامه‌ریزی استان تهران" in text
    assert "سرشماری" in text


def test_dataset_page_in_english(client: Client, demo: DemoResult) -> None:
    response = client.get("/datasets/county-population-1395/", {"lang": "en"})
    assert 'lang="en" dir="ltr"' in response.text
    assert "Population and households of Tehran" in response.text
    assert "1 Farvardin 1395" in response.text


def test_organisation_pages(client: Client, demo: DemoResult) -> None:
    listing = client.get("/organisations/")
    assert listing.status_code == 200
    assert "شهرداری تهران" in listing.text
    page = client.get("/organisations/governorate/")
    assert "فرمانداری ورامین" in page.text  # a unit of the governorate
    assert client.get("/organisations/nope/").status_code == 404


def test_list_page_query_count_does_not_grow_with_results(client: Client, demo: DemoResult) -> None:
    with CaptureQueriesContext(connection) as queries:
        client.get("/datasets/")
    assert len(queries) <= 15


def test_editor_sees_edit_link_only_on_own_datasets(client_as: Callable[[str], Client]) -> None:
    editor = client_as("mpo.editor")
    assert "ویرایش مشخصات" in editor.get("/datasets/county-population-1395/").text
    assert "ویرایش مشخصات" not in editor.get("/datasets/hospital-beds/").text
