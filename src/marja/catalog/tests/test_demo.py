"""The demo province: reference facts, idempotent loading, versioned reference lists."""

import pytest

from marja.accounts.models import Membership, Organisation, User
from marja.catalog.demo import load_demo
from marja.catalog.models import County, Dataset, Province, ReferenceListVersion, Tag
from marja.catalog.services import record_reference_version

pytestmark = pytest.mark.django_db


def test_counties_match_the_census(demo: object) -> None:
    assert County.objects.count() == 16
    province = Province.objects.get()
    total = sum(n or 0 for n in County.objects.values_list("population_1395", flat=True))
    assert total == province.population_1395 == 13_267_637
    pakdasht = County.objects.get(code="pakdasht")
    assert (pakdasht.name_fa, pakdasht.population_1395, pakdasht.households_1395) == (
        "پاکدشت",
        350966,
        103542,
    )
    assert County.objects.get(code="varamin").households_1395 is None


def test_loading_twice_duplicates_nothing(demo: object) -> None:
    counts = [
        m.objects.count()
        for m in (County, Organisation, Dataset, User, Membership, Tag, ReferenceListVersion)
    ]
    updated = dict(Dataset.objects.values_list("slug", "updated_at"))
    second = load_demo()
    assert second.created_users == {}
    assert counts == [
        m.objects.count()
        for m in (County, Organisation, Dataset, User, Membership, Tag, ReferenceListVersion)
    ]
    assert dict(Dataset.objects.values_list("slug", "updated_at")) == updated


def test_reference_lists_are_versioned(demo: object) -> None:
    first = ReferenceListVersion.objects.get(list_name="counties")
    assert first.number == 1 and len(first.content) == 16
    assert record_reference_version("counties", actor=None) is None  # unchanged
    County.objects.filter(code="firuzkuh").update(population_1395=33559)
    second = record_reference_version("counties", actor=None, note="correction")
    assert second is not None and second.number == 2 and second.sha256 != first.sha256
    assert ReferenceListVersion.objects.filter(list_name="counties").count() == 2


def test_admin_changes_to_counties_make_a_new_version(demo: object) -> None:
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    county = County.objects.get(code="firuzkuh")
    response = client.post(
        f"/admin/catalog/county/{county.pk}/change/",
        {
            "name_fa": county.name_fa,
            "name_en": county.name_en,
            "code": county.code,
            "province": county.province_id,
            "capital_fa": county.capital_fa,
            "population_1395": "33600",
            "households_1395": "",
            "source": county.source,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    latest = ReferenceListVersion.objects.filter(list_name="counties").order_by("-number").first()
    assert latest is not None and latest.number == 2
    assert latest.created_by == User.objects.get(username="admin")
    assert any(row["population_1395"] == 33600 for row in latest.content)


def test_admin_dataset_form_takes_jalali_dates(demo: object) -> None:
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    dataset = Dataset.objects.get(slug="county-population-1395")
    page = client.get(f"/admin/catalog/dataset/{dataset.pk}/change/")
    assert page.status_code == 200
    assert "۱۳۹۵/۰۱/۰۱" in page.text
    listing = client.get("/admin/catalog/dataset/")
    assert listing.status_code == 200
