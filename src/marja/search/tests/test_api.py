"""``/api/v1/search`` through HTTP: results, facets, permissions, sorting and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from marja.core.fulltext import MAX_QUERY_CHARS, sort_key
from marja.core.text import to_persian_digits

pytestmark = pytest.mark.django_db

RESTRICTED = "unfinished-projects"  # mpo's, granted to the governorate
SEARCH = "/api/v1/search"


def get(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content[:500]
    return dict(response.json())


def slugs(answer: dict[str, Any]) -> list[str]:
    return [hit["slug"] for hit in answer["results"]]


def facet(answer: dict[str, Any], name: str) -> dict[str, int]:
    return {v["key"]: v["count"] for v in answer["facets"][name]}


def test_search_finds_persian_written_either_way(demo: Any) -> None:
    answer = get(Client(), q="بيمارستان")
    assert slugs(answer)[0] == "hospital-beds"
    assert answer["matched"] == "all"
    assert answer["query"]["words"] == ["بیمارستان"]
    hit = answer["results"][0]
    assert hit["title_fa"] == "تخت‌های بیمارستانی فعال"
    assert hit["score"] > 0


def test_facets_count_the_results_with_the_text(demo: Any) -> None:
    answer = get(Client(), q="آب")
    assert set(answer["facets"]) == {
        "organisation", "theme", "access", "county", "format", "frequency", "quality",
        "timeliness", "tag",
    }  # fmt: skip
    assert sum(facet(answer, "timeliness").values()) == answer["count"]
    assert sum(facet(answer, "quality").values()) == answer["count"]
    assert sum(facet(answer, "access").values()) == answer["count"]
    assert sum(facet(answer, "theme").values()) == answer["count"]
    narrowed = get(Client(), q="آب", organisation="water-wastewater")
    assert narrowed["count"] == facet(answer, "organisation")["water-wastewater"]
    assert {h["publisher"]["slug"] for h in narrowed["results"]} == {"water-wastewater"}
    selected = [v for v in narrowed["facets"]["organisation"] if v["selected"]]
    assert [v["key"] for v in selected] == ["water-wastewater"]
    label = next(v for v in answer["facets"]["organisation"] if v["key"] == "water-wastewater")
    assert label["label_fa"] == "شرکت آب و فاضلاب استان تهران"


def test_tag_and_county_filters_combine_with_text(demo: Any) -> None:
    answer = get(Client(), q="مشترکان", tag="آب")
    assert slugs(answer) == ["water-subscribers"]
    by_county = get(Client(), county="varamin", theme="population")
    assert by_county["count"] == facet(get(Client(), theme="population"), "county")["varamin"]


def test_restricted_datasets_are_in_no_result_and_no_count(
    demo: Any, client_as: Callable[[str], Client]
) -> None:
    for client in (Client(), client_as("tums.admin")):
        answer = get(client, q="طرح")
        assert RESTRICTED not in slugs(answer)
        assert "restricted" not in facet(answer, "access")
        everything = get(client, limit=100)
        assert RESTRICTED not in slugs(everything)
        assert "restricted" not in facet(everything, "access")
        assert get(client, access="restricted")["count"] == 0
        assert client.get("/api/v1/search/suggest", {"q": "طرح عمرانی"}).json() == []
    for user in ("mpo.editor", "governorate.viewer"):
        answer = get(client_as(user), q="طرح عمرانی")
        assert RESTRICTED in slugs(answer)
        assert facet(answer, "access").get("restricted") == 1


def test_sort_by_title_follows_the_persian_alphabet(demo: Any) -> None:
    answer = get(Client(), sort="title", limit=100)
    titles = [h["title_fa"] for h in answer["results"]]
    assert titles == sorted(titles, key=sort_key)
    assert answer["sort"] == "title"


def test_sort_by_last_update_is_newest_first(demo: Any) -> None:
    answer = get(Client(), q="شهرستان", sort="updated", limit=100)
    moments = [h["updated_at"] for h in answer["results"]]
    assert moments == sorted(moments, reverse=True)


def test_without_words_the_newest_come_first(demo: Any) -> None:
    answer = get(Client(), limit=100)
    assert answer["matched"] == "none" and answer["sort"] == "updated"
    assert answer["count"] == 14


def test_pages_do_not_repeat_or_skip(demo: Any) -> None:
    first = get(Client(), q="شهرستان", limit=3)
    assert first["count"] > 3 and first["next"]
    seen = slugs(first)
    following = Client().get(first["next"]).json()
    assert not set(seen) & set(slugs(following))
    everything = get(Client(), q="شهرستان", limit=100)
    assert slugs(everything)[:6] == seen + slugs(following)


def test_some_words_when_no_dataset_has_all(demo: Any) -> None:
    answer = get(Client(), q="بیمارستان بارندگی")
    assert answer["matched"] == "some"
    assert {"hospital-beds", "rainfall-monthly"} <= set(slugs(answer))


def test_suggestions_while_typing(demo: Any) -> None:
    response = Client().get("/api/v1/search/suggest", {"q": "جمعی"})
    assert response.status_code == 200
    assert {s["slug"] for s in response.json()} >= {"county-population-1395"}


def test_the_dataset_list_uses_the_same_search(demo: Any) -> None:
    response = Client().get("/api/v1/datasets", {"q": "كودكان"})  # Arabic kaf
    assert response.status_code == 200
    assert response.json()["count"] == 0  # vaccination-coverage is a tums draft
    listed = Client().get("/api/v1/datasets", {"q": "تخت بيمارستاني"}).json()
    assert [d["slug"] for d in listed["results"]] == ["hospital-beds"]


def test_ckan_package_search_uses_the_same_search(demo: Any) -> None:
    answer = (
        Client()
        .get("/api/3/action/package_search", {"q": "بيمارستان", "sort": "score desc"})
        .json()
    )
    assert answer["success"]
    assert answer["result"]["results"][0]["name"] == "hospital-beds"


@pytest.mark.parametrize(
    "text",
    [
        "", '"', '""', "*", "**", "NEAR", "NEAR(بیمارستان آب)", ":", "title:آب", "-", "--",
        "()", "(بیمارستان", "بیمارستان)", "\u064e\u0650\u064f\u0651", "\u200c", "\u200c" * 50,
        "بیمارستان hospital ۱۴۰۲", "Tehran تهران", "' OR 1=1 --", "'; DROP TABLE x; --",
        "SELECT * FROM search_document", "%", "_", "\\", "a AND b OR NOT c", "🙂",
    ],
)  # fmt: skip
def test_odd_queries_answer_normally(demo: Any, text: str) -> None:
    response = Client().get(SEARCH, {"q": text})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["count"] >= 0


def test_a_nul_character_is_refused(demo: Any) -> None:
    assert Client().get(SEARCH, {"q": "آب\x00"}).status_code == 400


def test_a_ten_thousand_character_query_is_refused_clearly(demo: Any) -> None:
    response = Client().get(SEARCH, {"q": "آ" * 10_000})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "query_too_long"
    assert to_persian_digits(str(MAX_QUERY_CHARS)) in error["message_fa"]
    assert str(MAX_QUERY_CHARS) in error["message_en"]
    assert "10000" in error["message_en"].replace(",", "")


def test_too_many_words_are_refused_clearly(demo: Any) -> None:
    response = Client().get(SEARCH, {"q": " ".join(f"واژه{i}" for i in range(40))})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_words"


@pytest.mark.parametrize(
    ("name", "value"),
    [("access", "secret"), ("sort", "random"), ("format", "doc"), ("frequency", "hourly")],
)
def test_unknown_filter_values_are_refused(demo: Any, name: str, value: str) -> None:
    response = Client().get(SEARCH, {name: value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_filter"
    assert value in error["message_en"] and value in error["message_fa"]


def test_limits_are_checked(demo: Any) -> None:
    assert Client().get(SEARCH, {"limit": 0}).status_code == 400
    assert Client().get(SEARCH, {"limit": 101}).status_code == 400
    assert Client().get(SEARCH, {"facet_limit": 0}).status_code == 400
