"""The plan, indicator and county pages, their exports, the API, and bad input to them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable

import openpyxl
import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from marja.accounts.models import User
from marja.accounts.services import create_token
from marja.indicators.exports import PLAN_COLUMNS, YEAR_COLUMNS
from marja.indicators.models import Actual, Factor, Indicator, Target
from marja.indicators.tests.conftest import BedsPlan
from marja.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

PLAN = "/plans/seventh/"
RATIO = "/plans/seventh/indicators/1.1/"
PERSIAN_NUMBER = re.compile(r"[۰-۹]+٫[۰-۹]+")


def text(response: HttpResponseBase) -> str:
    return response.content.decode()  # type: ignore[attr-defined, no-any-return]


def test_the_plan_page_shows_its_goals_and_statuses_in_persian(beds_plan: BedsPlan) -> None:
    page = text(Client().get(PLAN))
    assert 'dir="rtl"' in page and "برنامهٔ هفتم" in page
    assert "تخت فعال به ازای هزار نفر" in page
    assert "ضریب اشغال تخت" not in page  # for government users only
    viewer = Client()
    viewer.force_login(User.objects.get(username="varamin.viewer"))
    assert "ضریب اشغال تخت" in text(viewer.get(PLAN))
    assert Client().get("/plans/no-such-plan/").status_code == 404


def test_the_indicator_page_traces_every_value_to_its_versions(beds_plan: BedsPlan) -> None:
    page = text(Client().get(RATIO))
    for version in beds_plan.versions.values():
        assert version.sha256 in page
    assert PERSIAN_NUMBER.search(page)  # values with Persian digits and decimal separator
    assert "۰٫۹۵" in page and "۰٫۶" in page  # the thresholds, shown with the method
    assert 'id="indicator-chart"' in page
    assert "تخصیص اعتبار تجهیز" in page  # the factor
    assert 'data-field="gap-total"' in page
    assert Client().get("/plans/seventh/indicators/1.2/").status_code == 404  # internal
    assert Client().get("/plans/seventh/indicators/9.9/").status_code == 404


def test_a_failed_computation_is_explained_and_the_last_values_kept(beds_plan: BedsPlan) -> None:
    from marja.indicators.computation import recompute

    Indicator.objects.filter(pk=beds_plan.ratio.pk).update(measure="sum:beds_removed")
    ratio = Indicator.objects.get(pk=beds_plan.ratio.pk)
    assert not recompute(ratio).ok
    page = text(Client().get(RATIO))
    assert 'data-field="computation-error"' in page and "beds_removed" in page
    assert beds_plan.versions["hospital-beds"].sha256 in page  # the previous values


def test_exports_in_three_formats(beds_plan: BedsPlan) -> None:
    client = Client()
    response = client.get(RATIO + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(header) == len(YEAR_COLUMNS)
    assert len(rows) == 7 * 17  # 1401–1407, for the province and each of 16 counties
    sources = [row[YEAR_COLUMNS.index("sources")] for row in rows]
    assert any(beds_plan.versions["hospital-beds"].sha256 in cell for cell in sources)
    tehran_1402 = next(
        r for r in rows if r[YEAR_COLUMNS.index("county")] == "tehran" and r[1] == "1402"
    )
    stored = Actual.objects.get(indicator=beds_plan.ratio, year=1402, county__code="tehran")
    assert float(tehran_1402[YEAR_COLUMNS.index("value")]) == pytest.approx(stored.value)

    response = client.get(PLAN + "?format=xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet is not None and sheet.sheet_view.rightToLeft
    column = PLAN_COLUMNS.index("indicator")
    codes = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["1.1", "1.3", "1.4"]  # not the internal 1.2

    response = client.get("/counties/tehran/?plan=seventh&format=json")
    lines = json.loads(response.content)
    assert {line["indicator"] for line in lines} == {"1.1", "1.3"}
    assert client.get(RATIO + "?format=docx").status_code == 404


def test_the_api_gives_the_same_figures(beds_plan: BedsPlan) -> None:
    client = Client()
    plans = client.get("/api/v1/plans").json()
    assert [p["slug"] for p in plans] == ["seventh"]
    plan = client.get("/api/v1/plans/seventh").json()
    codes = [i["code"] for g in plan["goals"] for i in g["indicators"]]
    assert codes == ["1.1", "1.3", "1.4"]
    found = client.get("/api/v1/plans/seventh/indicators/1.1").json()
    latest = found["latest"]
    assert latest["year"] == 1403 and latest["judged_against"]["value"] == 2.0
    assert latest["target"] is None  # none was set for 1403 itself
    assert {s["sha256"] for s in found["sources"]} == {
        v.sha256 for v in beds_plan.versions.values()
    }
    parts = sum(c["gap_part"] for c in found["counties"] if c["gap_part"] is not None)
    assert parts == pytest.approx(latest["gap"])
    missing = client.get("/api/v1/plans/seventh/indicators/1.2")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "indicator_not_found"
    county = client.get("/api/v1/counties/nowhere/profile")
    assert county.status_code == 404 and county.json()["error"]["code"] == "county_not_found"
    profile = client.get("/api/v1/counties/varamin/profile?plan=seventh").json()
    assert profile["county"] == "varamin" and profile["indicators"]


def manager(client_as: Callable[[str], Client]) -> Client:
    return client_as("tums.admin")


def test_the_manage_page_refuses_bad_input_naming_the_field(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    client = manager(client_as)
    url = RATIO + "manage/"
    assert client.get(url).status_code == 200
    entries = LedgerEntry.objects.count()
    targets = Target.objects.count()
    outside = client.post(url, {"form": "target", "target-year": "۱۴۱۰", "target-value": "3"})
    assert outside.status_code == 400
    assert "۱۴۱۰" in text(outside) and 'data-field="target-year"' in text(outside)
    unknown = client.post(
        url,
        {"form": "target", "target-year": "1406", "target-county": "atlantis", "target-value": "3"},
    )
    assert unknown.status_code == 400 and 'data-field="target-county"' in text(unknown)
    assert Target.objects.count() == targets and LedgerEntry.objects.count() == entries
    saved = client.post(url, {"form": "target", "target-year": "۱۴۰۶", "target-value": "۱٫۹"})
    assert saved.status_code == 302
    assert Target.objects.get(indicator=beds_plan.ratio, year=1406, county=None).value == 1.9
    assert (
        LedgerEntry.objects.filter(action="target.set").latest("sequence").payload["value"] == 1.9
    )


def test_a_hand_entered_value_with_a_bad_jalali_date_is_refused(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    client = manager(client_as)
    url = "/plans/seventh/indicators/1.4/manage/"
    kept = list(Actual.objects.filter(indicator=beds_plan.manual).values_list("year", "value"))
    fields = {
        "form": "actual",
        "actual-year": "1404",
        "actual-value": "70",
        "actual-evidence_url": "https://tums.example.ir/survey-1404.pdf",
    }
    for bad in ("1404-13-01", "۱۴۰۴/۱۳/۰۱", "yesterday"):
        refused = client.post(url, fields | {"actual-measured_on": bad})
        assert refused.status_code == 400, bad
        assert 'data-field="actual-measured_on"' in text(refused)
    assert (
        list(Actual.objects.filter(indicator=beds_plan.manual).values_list("year", "value")) == kept
    )
    saved = client.post(url, fields | {"actual-measured_on": "۱۴۰۴/۰۶/۳۰"})
    assert saved.status_code == 302
    stored = Actual.objects.get(indicator=beds_plan.manual, year=1404)
    assert stored.value == 70.0 and stored.measured_on == dt.date(2025, 9, 21)


def test_only_the_owners_managers_reach_the_manage_page(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    assert client_as("mpo.editor").get(RATIO + "manage/").status_code == 403
    anonymous = Client().get(RATIO + "manage/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    posted = client_as("mpo.editor").post(
        RATIO + "manage/",
        {"form": "factor", "factor-year": "1403", "factor-kind": "driver"},
    )
    assert posted.status_code == 403 and Factor.objects.count() == 1


def test_the_api_takes_targets_and_factors_from_a_publish_token(beds_plan: BedsPlan) -> None:
    user = User.objects.get(username="tums.admin")
    soon = timezone.localdate() + dt.timedelta(days=9)
    _token, secret = create_token(user, name="planning", scope="publish", expires_on=soon)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    base = "/api/v1/plans/seventh/indicators/1.1/"
    bad = client.post(
        base + "targets", {"year": 1401, "value": 1.5}, content_type="application/json"
    )
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid_request" and error["params"]["fields"] == ["year"]
    assert "۱۴۰۱" in error["message_fa"] and "1401" in error["message_en"]
    good = client.post(
        base + "targets", {"year": 1405, "value": 1.8}, content_type="application/json"
    )
    assert good.status_code == 201 and good.json()["value"] == 1.8
    factor = client.post(
        base + "factors",
        {"year": 1403, "kind": "driver", "category": "legal", "description": "مصوبهٔ شورا"},
        content_type="application/json",
    )
    assert factor.status_code == 201
    assert LedgerEntry.objects.filter(action="factor.added").count() == 2
    _read, reader = create_token(user, name="reader", scope="read", expires_on=soon)
    refused = Client(headers={"Authorization": f"Bearer {reader}"}).post(
        base + "targets", {"year": 1405, "value": 9}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "token_scope"


def test_county_pages_and_their_comparison(beds_plan: BedsPlan) -> None:
    client = Client()
    page = text(client.get("/counties/tehran/?plan=seventh"))
    assert "تخت فعال به ازای هزار نفر" in page and 'data-field="rank"' in page
    assert 'data-field="county-datasets"' in page
    assert client.get("/counties/atlantis/").status_code == 404
    both = client.get("/counties/compare/?plan=seventh&county=tehran&county=varamin")
    assert both.status_code == 200 and "ورامین" in text(both) and "تهران" in text(both)
    assert 'data-field="exports"' in text(both)
    exported = client.get(
        "/counties/compare/?plan=seventh&county=tehran&county=varamin&format=json"
    )
    rows = json.loads(exported.content)
    assert {(r["indicator"], r["county"]) for r in rows} == {
        (code, county) for code in ("1.1", "1.3") for county in ("tehran", "varamin")
    }
    tehran = next(r for r in rows if r["indicator"] == "1.1" and r["county"] == "tehran")
    stored = Actual.objects.get(
        indicator=beds_plan.ratio, year=tehran["year"], county__code="tehran"
    )
    assert tehran["value"] == pytest.approx(stored.value)
    unknown = client.get("/counties/compare/?county=tehran&county=atlantis")
    assert unknown.status_code == 400 and "atlantis" in text(unknown)
    alone = client.get("/counties/compare/?county=tehran")
    assert 'data-field="compare-problem"' in text(alone)


def test_the_admin_defines_an_indicator_and_computes_it(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("admin")
    fields = {
        "plan": beds_plan.plan.pk,
        "goal": beds_plan.ratio.goal_id,
        "code": "1.9",
        "name_fa": "بخش‌های بیمارستانی",
        "owner": beds_plan.ratio.owner_id,
        "direction": "higher",
        "frequency": "yearly",
        "access": "public",
        "baseline_year": 1401,
        "origin": "dataset",
        "dataset": beds_plan.ratio.dataset_id,
        "measure": "average:active_beds",
        "filters": "[]",
        "denominator_filters": "[]",
        "period_column": "year",
        "county_column": "county",
        "scale": "1",
        "computation_error": "{}",
        "computation_warnings": "{}",
    }
    for inline in ("targets", "factors", "actuals"):
        fields |= {f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"}
    refused = admin.post("/admin/indicators/indicator/add/", fields)
    assert refused.status_code == 200 and "average" in text(refused)
    assert not Indicator.objects.filter(code="1.9").exists()
    missing = admin.post("/admin/indicators/indicator/add/", fields | {"measure": "sum:no_beds"})
    assert missing.status_code == 200 and "no_beds" in text(missing)
    assert not Indicator.objects.filter(code="1.9").exists()
    saved = admin.post("/admin/indicators/indicator/add/", fields | {"measure": "count"})
    assert saved.status_code == 302, text(saved)[:3000]
    made = Indicator.objects.get(code="1.9")
    assert Actual.objects.filter(indicator=made, county=None).count() == 3


def test_a_comma_is_thousands_only_in_whole_groups(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    client = manager(client_as)
    url = "/plans/seventh/indicators/1.3/manage/"
    refused = client.post(url, {"form": "target", "target-year": "1406", "target-value": "2,5"})
    assert refused.status_code == 400 and 'data-field="target-value"' in text(refused)
    assert not Target.objects.filter(indicator=beds_plan.total, year=1406).exists()
    grouped = client.post(url, {"form": "target", "target-year": "1406", "target-value": "24,500"})
    assert grouped.status_code == 302
    assert Target.objects.get(indicator=beds_plan.total, year=1406, county=None).value == 24500


def test_the_api_answers_who_is_not_logged_in_and_cleans_a_band(beds_plan: BedsPlan) -> None:
    anonymous = Client().post(
        "/api/v1/plans/seventh/indicators/1.1/targets",
        {"year": 1405, "value": 1.8},
        content_type="application/json",
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    from marja.indicators.services import TargetIn, set_target

    tums = User.objects.get(username="tums.admin")
    band = set_target(beds_plan.band, TargetIn(1405, value=3.0, low=70, high=85), actor=tums)
    assert (band.value, band.low, band.high) == (None, 70.0, 85.0)


def test_an_evidence_dated_in_the_future_is_refused(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    refused = manager(client_as).post(
        "/plans/seventh/indicators/1.4/manage/",
        {
            "form": "actual",
            "actual-year": "1404",
            "actual-value": "70",
            "actual-evidence_url": "https://tums.example.ir/survey.pdf",
            "actual-measured_on": "1499/01/01",
        },
    )
    assert refused.status_code == 400 and 'data-field="actual-measured_on"' in text(refused)
    assert not Actual.objects.filter(indicator=beds_plan.manual, year=1404).exists()


def test_a_malformed_api_body_is_named_field_by_field_in_both_languages(
    beds_plan: BedsPlan, client_as: Callable[[str], Client]
) -> None:
    client = client_as("tums.admin")
    url = "/api/v1/plans/seventh/indicators/1.1/targets"
    typed = client.post(url, '{"year": "next", "value": "x"}', content_type="application/json")
    error = typed.json()["error"]
    assert typed.status_code == 400 and error["params"]["fields"] == ["value", "year"]
    assert "عدد صحیح بنویسید" in error["message_fa"] and "whole number" in error["message_en"]
    assert "body" not in error["message_en"]
    broken = client.post(url, "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"
    assert not Target.objects.filter(indicator=beds_plan.ratio, year=1405).exists()
