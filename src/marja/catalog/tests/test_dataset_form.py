"""Creating and editing datasets through the page: permissions and bad input."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from marja.catalog.models import County, Dataset, Licence, Theme

pytestmark = pytest.mark.django_db


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "slug": "school-buses",
        "title_fa": "سرويس مدارس",  # Arabic yeh: stored normalised
        "title_en": "School buses",
        "description_fa": "تعداد سرویس‌های مدارس",
        "publisher": "",
        "theme": Theme.objects.get(slug="education").pk,
        "licence": Licence.objects.get(slug="cc-by-4.0").pk,
        "access": "public",
        "status": "published",
        "frequency": "yearly",
        "temporal_start": "۱۴۰۲/۰۱/۰۱",
        "temporal_end": "1403/12/30",
        "counties": [County.objects.get(code="varamin").pk],
        "tags": "مدرسه، حمل‌ونقل, مدرسه",
        "contact_email": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def editor(client_as: Callable[[str], Client]) -> Client:
    return client_as("mpo.editor")


def mpo_pk() -> int:
    from marja.accounts.models import Organisation

    return Organisation.objects.get(slug="mpo").pk


def test_editor_creates_a_dataset(editor: Client) -> None:
    response = editor.post("/datasets/new/", form_data(publisher=mpo_pk()))
    assert response.status_code == 302
    dataset = Dataset.objects.get(slug="school-buses")
    assert dataset.title_fa == "سرویس مدارس"
    assert str(dataset.temporal_end) == "2025-03-20"
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["حمل‌ونقل", "مدرسه"]
    assert dataset.published_at is not None
    page = editor.get(response["Location"])
    assert "۳۰ اسفند ۱۴۰۳" in page.text


def test_invalid_jalali_date_is_named_and_nothing_is_stored(editor: Client) -> None:
    before = Dataset.objects.count()
    response = editor.post(
        "/datasets/new/", form_data(publisher=mpo_pk(), temporal_end="1402/12/30")
    )
    assert response.status_code == 400
    assert "سال ۱۴۰۲ کبیسه نیست" in response.text
    assert "فرم خطا دارد و چیزی ذخیره نشد" in response.text
    assert Dataset.objects.count() == before


def test_invalid_date_in_english_when_asked(editor: Client) -> None:
    response = editor.post(
        "/datasets/new/",
        form_data(publisher=mpo_pk(), temporal_end="1402/12/30"),
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "1402 is not a leap year, so Esfand has only 29 days" in response.text


def test_over_long_title_and_html_title_are_refused(editor: Client) -> None:
    long = editor.post("/datasets/new/", form_data(publisher=mpo_pk(), title_fa="ا" * 201))
    assert long.status_code == 400
    assert "۲۰۰" in long.text  # Django's Persian "at most 200 characters", in Persian digits
    html = editor.post(
        "/datasets/new/", form_data(publisher=mpo_pk(), title_fa="<script>alert(1)</script>")
    )
    assert html.status_code == 400
    assert "HTML یا نشانه‌گذاری دیگر در اینجا مجاز نیست" in html.text
    assert "<script>alert(1)</script>" not in html.text
    assert not Dataset.objects.filter(slug="school-buses").exists()


def test_coverage_end_before_start_is_refused(editor: Client) -> None:
    response = editor.post(
        "/datasets/new/",
        form_data(publisher=mpo_pk(), temporal_start="1403/01/01", temporal_end="1402/01/01"),
    )
    assert response.status_code == 400
    assert "پایان بازهٔ زمانی پیش از آغاز آن است" in response.text


def test_duplicate_identifier_is_refused(editor: Client) -> None:
    response = editor.post(
        "/datasets/new/", form_data(publisher=mpo_pk(), slug="county-population-1395")
    )
    assert response.status_code == 400
    assert Dataset.objects.filter(slug="county-population-1395").count() == 1


def test_editor_cannot_publish_for_another_organisation(editor: Client) -> None:
    from marja.accounts.models import Organisation

    tums = Organisation.objects.get(slug="tums").pk
    response = editor.post("/datasets/new/", form_data(publisher=tums))
    assert response.status_code == 400
    assert not Dataset.objects.filter(slug="school-buses").exists()


def test_viewers_and_visitors_cannot_create(
    client: Client, client_as: Callable[[str], Client]
) -> None:
    assert client_as("governorate.viewer").get("/datasets/new/").status_code == 403
    anonymous = client.get("/datasets/new/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_editing_checks_the_publisher(client_as: Callable[[str], Client]) -> None:
    assert client_as("mpo.editor").get("/datasets/hospital-beds/edit/").status_code == 403
    assert client_as("tums.admin").get("/datasets/hospital-beds/edit/").status_code == 200


def test_edit_keeps_the_identifier_and_shows_jalali(client_as: Callable[[str], Client]) -> None:
    editor = client_as("mpo.editor")
    page = editor.get("/datasets/county-population-1395/edit/")
    assert "۱۳۹۵/۰۱/۰۱" in page.text
    data = form_data(publisher=mpo_pk(), slug="renamed", title_fa="جمعیت شهرستان‌ها", tags="سرشماری")
    response = editor.post("/datasets/county-population-1395/edit/", data)
    assert response.status_code == 302
    dataset = Dataset.objects.get(slug="county-population-1395")
    assert dataset.title_fa == "جمعیت شهرستان‌ها"
    assert not Dataset.objects.filter(slug="renamed").exists()


def test_post_without_csrf_token_is_refused_in_persian(demo: object) -> None:
    from marja.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="mpo.editor"))
    response = client.post("/datasets/new/", form_data(publisher=mpo_pk()))
    assert response.status_code == 403
    assert "اعتبار فرم تمام شده است" in response.text


def test_reserved_and_case_variant_identifiers_are_refused(editor: Client) -> None:
    reserved = editor.post("/datasets/new/", form_data(publisher=mpo_pk(), slug="new"))
    assert reserved.status_code == 400
    assert "رزرو شده است" in reserved.text
    upper = editor.post(
        "/datasets/new/", form_data(publisher=mpo_pk(), slug="County-Population-1395")
    )
    assert upper.status_code == 400
    assert Dataset.objects.filter(slug__iexact="county-population-1395").count() == 1
    odd = editor.post("/datasets/new/", form_data(publisher=mpo_pk(), slug="a--b_c"))
    assert odd.status_code == 400
    assert "حروف کوچک لاتین" in odd.text
    lowered = editor.post("/datasets/new/", form_data(publisher=mpo_pk(), slug="School-Buses"))
    assert lowered.status_code == 302
    assert Dataset.objects.filter(slug="school-buses").exists()


def test_a_year_without_four_digits_is_refused(editor: Client) -> None:
    response = editor.post(
        "/datasets/new/", form_data(publisher=mpo_pk(), temporal_start="02/01/01")
    )
    assert response.status_code == 400
    assert "سال را چهاررقمی بنویسید" in response.text


def test_open_ended_coverage_reads_well(editor: Client) -> None:
    response = editor.post("/datasets/new/", form_data(publisher=mpo_pk(), temporal_end=""))
    assert response.status_code == 302
    page = editor.get(response["Location"])
    assert "از ۱ فروردین ۱۴۰۲ به بعد" in page.text
