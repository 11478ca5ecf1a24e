"""The search pages through HTTP: the dataset list, the header box and its suggestions.

These tests read the HTML and JSON that a visitor gets, as a browser would, rather than
the view's context: a result, a count or a facet that is computed but not shown (or shown
but not computed) is what they are for.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.test import Client

from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.search.tests.corpus import published_dataset

pytestmark = pytest.mark.django_db

SEARCH = "/datasets/"
SUGGEST = "/search/suggest/"
PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789", "٬,")
#: The restricted demo dataset: mpo's own, granted to the governorate, hidden from others.
RESTRICTED = "unfinished-projects"
#: The rest of a search box's <input> that asks for suggestions.
SUGGESTING = r'[^>]*data-suggest="/search/suggest/"'


# Reading the page ------------------------------------------------------------------------


class Response(Protocol):
    """What these tests read of a test client's response: its decoded body."""

    @property
    def text(self) -> str: ...


def _total(response: Response) -> int:
    found = re.search(r'data-total="(\d+)"', response.text)
    assert found, "the page has no count"
    return int(found.group(1))


def _count_line(response: Response) -> str:
    found = re.search(r'data-total="\d+" role="status">(.*?)(?:·|</p>)', response.text, re.S)
    assert found, "the page has no count line"
    return " ".join(found.group(1).split())


def _slugs(response: Response) -> list[str]:
    return re.findall(r'<li class="card dataset-item" data-slug="([^"]+)"', response.text)


def _result(response: Response, slug: str) -> str:
    """The HTML of one result, from its <li> to the next."""
    found = re.search(
        rf'<li class="card dataset-item" data-slug="{re.escape(slug)}">(.*?)\n</li>',
        response.text,
        re.S,
    )
    assert found, f"{slug} is not among the results"
    return found.group(1)


def _error(response: Response) -> str:
    found = re.search(r'data-error="query">(.*?)</p>', response.text, re.S)
    assert found, "the page has no query error"
    return html.unescape(found.group(1)).strip()


@dataclass(frozen=True)
class Facet:
    key: str | None  # None for a selected value: its link removes it
    label: str
    count: int
    href: str
    selected: bool


def _facets(response: Response) -> dict[str, list[Facet]]:
    """Every facet shown, by name, as a visitor sees it: label, Persian count, link."""
    facets: dict[str, list[Facet]] = {}
    for name, body in re.findall(
        r'<section data-facet="(\w+)">(.*?)</section>', response.text, re.S
    ):
        values = []
        for attributes, label, count in re.findall(
            r"<a ([^>]*)>\s*<span>(.*?)</span><span class=\"muted\">([^<]*)</span>", body, re.S
        ):
            href_match = re.search(r'href="(\?[^"]*)"', attributes)
            assert href_match, attributes
            href = html.unescape(href_match.group(1))
            keys = parse_qs(href[1:]).get(name, [])
            values.append(
                Facet(
                    key=keys[0] if keys else None,
                    label=html.unescape(label),
                    count=int(count.translate(PERSIAN_DIGITS)),
                    href=href,
                    selected='aria-current="true"' in attributes,
                )
            )
        facets[name] = values
    return facets


def _facet_count(response: Response, name: str, key: str) -> int:
    """The count a facet shows for ``key``; 0 when the value is not shown at all."""
    return sum(f.count for f in _facets(response).get(name, []) if f.key == key)


def _in_english(client: Client) -> Client:
    """The footer switch's cookie, as a visitor who chose English has it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _public_count() -> int:
    return Dataset.objects.filter(
        access=Dataset.Access.PUBLIC,
        status__in=(Dataset.Status.PUBLISHED, Dataset.Status.DEPRECATED),
    ).count()


# The list ---------------------------------------------------------------------------------


def test_anonymous_visitors_see_every_public_dataset_with_a_persian_count(
    client: Client, demo: DemoResult
) -> None:
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in response.text
    expected = _public_count()
    assert expected > 10  # the demo province
    assert _total(response) == expected
    line = _count_line(response)
    assert line.startswith(str(expected).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    assert not re.search("[0-9]", line), line
    public = set(
        Dataset.objects.filter(access=Dataset.Access.PUBLIC).values_list("slug", flat=True)
    )
    shown = _slugs(response)
    assert len(shown) == expected and set(shown) <= public
    # Each dataset has one publisher, one theme, one access level and one frequency.
    facets = _facets(response)
    for name in ("organisation", "theme", "access", "frequency"):
        assert sum(f.count for f in facets[name]) == expected, name
    assert [(f.key, f.count) for f in facets["access"]] == [("public", expected)]


@pytest.mark.parametrize(
    ("typed", "expected", "marked"),
    [
        ("بيمارستان", {"hospital-beds"}, "بیمارستانی"),  # Arabic yeh
        ("جمعيت", {"county-population-1395", "county-population-1390"}, "جمعیت"),
        ("كشت", {"crop-production"}, "کشت"),  # Arabic kaf
        ("تخت هاي بيمارستاني", {"hospital-beds"}, "بیمارستانی"),  # spaced, Arabic yeh
    ],
)
def test_arabic_letters_find_persian_titles_and_the_words_are_marked(
    client: Client, demo: DemoResult, typed: str, expected: set[str], marked: str
) -> None:
    response = client.get(SEARCH, {"q": typed})
    assert response.status_code == 200
    assert set(_slugs(response)) == expected
    assert _total(response) == len(expected)
    for slug in expected:
        title = re.search(r"<h3><a href=\"[^\"]+\">(.*?)</a>", _result(response, slug), re.S)
        assert title and f"<mark>{marked}</mark>" in title.group(1), _result(response, slug)
    # The box keeps what was typed, as it was typed.
    assert f'value="{typed}"' in response.text


def test_the_description_excerpt_marks_the_words_too(client: Client, demo: DemoResult) -> None:
    result = _result(client.get(SEARCH, {"q": "بيمارستان"}), "hospital-beds")
    excerpt = re.search(r'<p class="excerpt">(.*?)</p>', result, re.S)
    assert excerpt and "<mark>بیمارستان" in excerpt.group(1)


def test_query_text_is_escaped_wherever_it_is_echoed(client: Client, demo: DemoResult) -> None:
    response = client.get(SEARCH, {"q": '<script>alert(1)</script>"><img src=x>'})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img src=x>" not in response.text
    assert "&lt;script&gt;" in response.text


# Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "tums.admin"])
def test_a_restricted_dataset_is_neither_shown_nor_counted_for_others(
    client: Client, client_as: Callable[[str], Client], who: str | None
) -> None:
    visitor = client if who is None else client_as(who)
    listing = visitor.get(SEARCH)
    assert RESTRICTED not in _slugs(listing)
    assert _total(listing) == len(_slugs(listing))  # one page: every counted one is shown
    assert _facet_count(listing, "access", "restricted") == 0
    # Searching for its own words finds nothing, and says so in every count.
    for words in ("نیمه‌تمام", "unfinished"):
        response = visitor.get(SEARCH, {"q": words})
        assert response.status_code == 200
        assert RESTRICTED not in response.text
        assert _total(response) == 0, words
        assert not any(f.count for values in _facets(response).values() for f in values)
    # Words it shares with others find only those others.
    for words in ("طرح های عمرانی", "طرح‌های عمرانی نیمه‌تمام استان", "بودجه"):
        response = visitor.get(SEARCH, {"q": words})
        assert RESTRICTED not in response.text, words
        assert _total(response) == len(_slugs(response)), words
        assert _facet_count(response, "access", "restricted") == 0
    # Nor can a filter reveal it.
    narrowed = visitor.get(SEARCH, {"access": "restricted"})
    assert _total(narrowed) == 0 and RESTRICTED not in narrowed.text
    organisation = visitor.get(SEARCH, {"organisation": "mpo", "theme": "planning-budget"})
    assert RESTRICTED not in _slugs(organisation)
    assert _total(organisation) == len(_slugs(organisation))


def test_mpo_counts_differ_by_who_asks(client: Client, client_as: Callable[[str], Client]) -> None:
    # Anonymous: the two public censuses. tums.admin: and mpo's internal credits.
    # mpo.editor: and its own restricted projects.
    assert _facet_count(client.get(SEARCH), "organisation", "mpo") == 2
    assert _facet_count(client_as("tums.admin").get(SEARCH), "organisation", "mpo") == 3
    assert _facet_count(client_as("mpo.editor").get(SEARCH), "organisation", "mpo") == 4


@pytest.mark.parametrize("who", ["mpo.editor", "governorate.viewer"])
def test_the_restricted_dataset_is_found_by_its_publisher_and_grantee(
    client_as: Callable[[str], Client], who: str
) -> None:
    visitor = client_as(who)
    listing = visitor.get(SEARCH)
    assert RESTRICTED in _slugs(listing)
    assert _facet_count(listing, "access", "restricted") == 1
    response = visitor.get(SEARCH, {"q": "نیمه‌تمام"})
    assert _slugs(response) == [RESTRICTED]
    assert _total(response) == 1
    assert _facet_count(response, "organisation", "mpo") == 1
    assert _facet_count(response, "access", "restricted") == 1
    narrowed = visitor.get(SEARCH, {"access": "restricted"})
    assert _slugs(narrowed) == [RESTRICTED]


# Facets -----------------------------------------------------------------------------------


def test_following_a_facet_link_narrows_the_results_to_its_count(
    client: Client, demo: DemoResult
) -> None:
    start = client.get(SEARCH, {"q": "شهرستان"})
    total = _total(start)
    assert total > 5
    facets = _facets(start)
    assert {"organisation", "theme", "access", "county", "frequency", "tag"} <= set(facets)
    for name, values in facets.items():
        for value in values[:3]:
            assert value.key and not value.selected
            assert "q=" in value.href  # the query is kept
            narrowed = client.get(SEARCH + value.href)
            assert narrowed.status_code == 200
            assert _total(narrowed) == value.count == len(_slugs(narrowed)), (name, value)
            assert value.count <= total
            # The chosen value is marked, with the same count; its link takes it away.
            chosen = [f for f in _facets(narrowed)[name] if f.selected]
            assert [(f.label, f.count) for f in chosen] == [(value.label, value.count)]
            assert f"{name}=" not in chosen[0].href
            assert _total(client.get(SEARCH + chosen[0].href)) == total


def test_facet_links_combine_and_the_results_match_them(client: Client, demo: DemoResult) -> None:
    start = client.get(SEARCH, {"q": "شهرستان"})
    organisation = next(f for f in _facets(start)["organisation"] if f.count >= 2)
    by_organisation = client.get(SEARCH + organisation.href)
    for slug in _slugs(by_organisation):
        assert f'href="/organisations/{organisation.key}/"' in _result(by_organisation, slug)
    theme = _facets(by_organisation)["theme"][0]
    both = client.get(SEARCH + theme.href)
    assert f"organisation={organisation.key}" in theme.href
    assert _total(both) == theme.count == len(_slugs(both))
    assert set(_slugs(both)) <= set(_slugs(by_organisation))
    expected = Dataset.objects.filter(
        slug__in=_slugs(by_organisation), theme__slug=theme.key
    ).count()
    assert theme.count == expected


def test_a_tag_facet_narrows_a_query(client: Client, demo: DemoResult) -> None:
    response = client.get(SEARCH, {"q": "جمعیت"})
    household = next(f for f in _facets(response)["tag"] if f.label == "خانوار")
    narrowed = client.get(SEARCH + household.href)
    assert household.count == 1
    assert _slugs(narrowed) == ["county-population-1395"]


# Sorting ----------------------------------------------------------------------------------

_ALPHABET = "آاأإبپتثجچحخدذرزژسشصضطظعغفقکگلمنوؤهةیئ"


def _persian_order(title: str) -> list[int]:
    """The Persian alphabetical order, written independently of the code under test:
    a space (or ZWNJ) before any letter, letters in the alphabet's order (پ after ب,
    چ after ج, ژ after ز, گ after ک), digits and other marks ignored."""
    key = []
    for ch in title.replace("ي", "ی").replace("ك", "ک"):
        if ch.isspace() or ch == "\u200c":
            key.append(0)
        elif ch in _ALPHABET:
            key.append(_ALPHABET.index(ch) + 1)
    return key


@pytest.fixture
def out_of_unicode_order(demo: DemoResult) -> list[str]:
    """Titles whose first letters (پ, چ, گ, ک) sort after «ی» by code point."""
    titles = {
        "park-areas": "پارک‌های شهری تهران",
        "wells-count": "چاه‌های مجاز کشاورزی",
        "libraries-count": "کتابخانه‌های عمومی",
        "tourists-count": "گردشگران نوروزی",
    }
    for slug, title in titles.items():
        published_dataset(slug, title, publisher="tehran-municipality", theme="urban")
    return list(titles)


def test_sort_by_title_follows_the_persian_alphabet(
    client: Client, out_of_unicode_order: list[str]
) -> None:
    response = client.get(SEARCH, {"sort": "title"})
    slugs = _slugs(response)
    assert set(out_of_unicode_order) <= set(slugs)
    titles = dict(Dataset.objects.values_list("slug", "title_fa"))
    shown = [titles[slug] for slug in slugs]
    assert shown == sorted(shown, key=_persian_order)
    position = {title[:3]: i for i, title in enumerate(shown)}
    assert position["بار"] < position["پار"] < position["تخت"]  # پ between ب and ت
    assert position["جمع"] < position["چاه"] < position["درآ"]  # چ between ج and د
    assert position["شاخ"] < position["کتا"] < position["گرد"] < position["مجو"]
    assert '<option value="title" selected>' in response.text


def test_sort_by_title_in_english_follows_the_english_titles(
    client: Client, demo: DemoResult
) -> None:
    response = client.get(SEARCH, {"sort": "title", "lang": "en"})
    titles = dict(Dataset.objects.values_list("slug", "title_en"))
    shown = [titles[slug] for slug in _slugs(response)]
    assert len(shown) == _public_count()
    assert shown == sorted(shown, key=lambda t: re.sub(r"[^a-z0-9 ]", "", t.lower()))


def test_a_query_sorted_by_title_keeps_its_results(client: Client, demo: DemoResult) -> None:
    relevance = client.get(SEARCH, {"q": "شهرستان"})
    by_title = client.get(SEARCH, {"q": "شهرستان", "sort": "title"})
    assert sorted(_slugs(by_title)) == sorted(_slugs(relevance))
    assert _total(by_title) == _total(relevance)


# Queries that cannot be searched, and odd ones that can -----------------------------------


def test_an_overlong_query_is_a_400_with_a_persian_message(
    client: Client, demo: DemoResult
) -> None:
    response = client.get(SEARCH, {"q": "ب" * 10_000})
    assert response.status_code == 400
    assert '<html lang="fa" dir="rtl">' in response.text
    assert "Traceback" not in response.text
    message = _error(response)
    assert "۵۰۰" in message  # the limit, in Persian digits
    assert not re.search("[A-Za-z0-9]", message), message  # Persian words, Persian digits
    assert _total(response) == 0
    assert 'id="site-q"' in response.text  # still the whole page, to search again


def test_an_overlong_query_is_a_400_with_an_english_message_in_english(
    client: Client, demo: DemoResult
) -> None:
    response = _in_english(client).get(SEARCH, {"q": "x " * 5_000})
    assert response.status_code == 400
    assert '<html lang="en" dir="ltr">' in response.text
    message = _error(response)
    assert "too long" in message and "500" in message
    assert not re.search("[۰-۹]", message)


def test_an_overlong_query_message_does_not_misstate_its_length(
    client: Client, demo: DemoResult
) -> None:
    """10,000 characters typed are not «۵۰۱ characters»: the form cuts the text to one
    character over the limit before the parser measures it."""
    persian = _error(client.get(SEARCH, {"q": "ب" * 10_000}))
    english = _error(_in_english(Client()).get(SEARCH, {"q": "b" * 10_000}))
    assert "۵۰۱" not in persian, persian
    assert "501" not in english, english


def test_the_limit_is_500_characters(client: Client, demo: DemoResult) -> None:
    at_limit = client.get(SEARCH, {"q": "جمعیت".ljust(500)})
    assert at_limit.status_code == 200 and _total(at_limit) == 2
    assert client.get(SEARCH, {"q": "جمعیت".ljust(501)}).status_code == 400


def test_too_many_words_is_a_400_with_a_message(client: Client, demo: DemoResult) -> None:
    response = client.get(SEARCH, {"q": " ".join(f"واژه{i}" for i in range(30))})
    assert response.status_code == 400
    assert "۲۴" in _error(response)


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"جمعیت',
        '"جمعیت سرشماری"',
        "*",
        "جمع*",
        "NEAR",
        "NEAR(جمعیت تهران)",
        "NEAR/2",
        ":",
        "title_key:جمعیت",
        "-",
        "--",
        "- جمعیت",
        "(",
        ")",
        "(جمعیت OR آب) AND NOT",
        "^جمعیت",
        "جمعیت:*",
        "!جمعیت & | <-> ''",
        "\\",
        "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652",  # only diacritics
        "\u200c",  # only ZWNJ
        "\u200c \u200c\u200c",
        "\u0640\u0640\u0640",  # only tatweel
        "جمعیتpopulation",
        "population جمعیت ۱۳۹۵ 1395",
        "'; DROP TABLE search_document; --",
        "' OR '1'='1",
        "1 UNION SELECT password FROM accounts_user",
        "%",
        "_",
        "x" * 61,  # one word longer than any indexed token
        "😀 🇮🇷",
    ],
)
def test_operator_characters_and_odd_text_are_searched_not_obeyed(
    client: Client, demo: DemoResult, typed: str
) -> None:
    response = client.get(SEARCH, {"q": typed})
    assert response.status_code == 200, typed
    assert _total(response) <= _public_count()
    suggested = client.get(SUGGEST, {"q": typed})
    assert suggested.status_code == 200
    assert set(suggested.json()) == {"datasets", "organisations"}


def test_quotes_and_parentheses_are_only_separators(client: Client, demo: DemoResult) -> None:
    plain = _slugs(client.get(SEARCH, {"q": "جمعیت سرشماری"}))
    assert plain
    for typed in ('"جمعیت سرشماری"', "(جمعیت) (سرشماری)", "جمعیت* سرشماری:"):
        assert sorted(_slugs(client.get(SEARCH, {"q": typed}))) == sorted(plain), typed


def test_a_minus_word_excludes_it(client: Client, demo: DemoResult) -> None:
    response = client.get(SEARCH, {"q": "-جمعیت"})
    assert response.status_code == 200
    slugs = _slugs(response)
    assert "county-population-1395" not in slugs and "county-population-1390" not in slugs
    assert _total(response) == _public_count() - 2


# Why a result was found -------------------------------------------------------------------


def test_when_no_dataset_has_every_word_those_with_some_are_shown_with_a_notice(
    client: Client, demo: DemoResult
) -> None:
    response = client.get(SEARCH, {"q": "بیمارستان هواشناسی"})
    assert response.status_code == 200
    assert 'data-matched="some"' in response.text
    assert set(_slugs(response)) == {"hospital-beds", "rainfall-monthly"}
    assert _total(response) == 2
    every_word = client.get(SEARCH, {"q": "جمعیت سرشماری"})
    assert _total(every_word) == 2
    assert 'data-matched="some"' not in every_word.text
    one_word = client.get(SEARCH, {"q": "ناموجودواژه"})
    assert _total(one_word) == 0 and 'data-matched="some"' not in one_word.text


@pytest.mark.parametrize(
    ("typed", "organisation", "marked"),
    [
        ("آبفا", "water-wastewater", None),  # its abbreviation
        ("TUMS", "tums", None),
        ("دانشگاه علوم پزشكي", "tums", "پزشکی"),  # Arabic kaf and yeh
        ("شهرداري", "tehran-municipality", "شهرداری"),
        ("Meteorology", "meteorology", None),
    ],
)
def test_an_organisation_name_shows_it_in_the_organisations_box(
    client: Client, demo: DemoResult, typed: str, organisation: str, marked: str | None
) -> None:
    response = client.get(SEARCH, {"q": typed})
    box = re.search(r'<section class="card org-matches"[^>]*>(.*?)</section>', response.text, re.S)
    assert box, f"no organisations box for {typed}"
    assert f'href="/organisations/{organisation}/"' in box.group(1)
    if marked:
        assert f"<mark>{marked}</mark>" in box.group(1)


def test_no_organisations_box_without_a_matching_name(client: Client, demo: DemoResult) -> None:
    assert "org-matches" not in client.get(SEARCH, {"q": "جمعیت"}).text
    assert "org-matches" not in client.get(SEARCH).text


def test_matching_fields_name_the_schema_field_the_query_found(
    client: Client, published: Callable[..., object]
) -> None:
    published("hospital-beds")
    # hospital-beds declares «occupancy», labelled «ضریب اشغال تخت» / «Bed occupancy».
    from marja.ingest.models import DatasetSchema

    fields = DatasetSchema.objects.get(dataset__slug="hospital-beds").definition["fields"]
    assert {"name": "occupancy", "label_fa": "ضریب اشغال تخت"}.items() <= next(
        f for f in fields if f["name"] == "occupancy"
    ).items()

    for typed in ("اشغال", "occupancy", "ضريب"):  # Persian label, name, Arabic yeh
        response = client.get(SEARCH, {"q": typed})
        assert _slugs(response) == ["hospital-beds"], typed
        line = re.search(r'<p class="fields muted">(.*?)</p>', _result(response, "hospital-beds"))
        assert line, typed
        assert "<mark>ضریب اشغال تخت (occupancy)</mark>" in line.group(1)
        assert "(year)" not in line.group(1) and "(county)" not in line.group(1)

    english = client.get(SEARCH, {"q": "occupancy", "lang": "en"})
    assert "<mark>Bed occupancy (occupancy)</mark>" in _result(english, "hospital-beds")
    # A word found only in the title names no field.
    title_only = client.get(SEARCH, {"q": "بیمارستان"})
    assert 'class="fields' not in _result(title_only, "hospital-beds")


# The search box in every page's header ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/datasets/", 200),
        ("/datasets/county-population-1395/", 200),
        ("/accounts/login/", 200),
        ("/organisations/", 200),
        ("/organisations/mpo/", 200),
        ("/sql/", 200),
        ("/no/such/page/", 404),
        ("/datasets/no-such-dataset/", 404),
    ],
)
def test_the_header_search_box_is_on_every_page(
    client: Client, demo: DemoResult, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    box = re.search(r'<form class="search header-search"[^>]*>(.*?)</form>', response.text, re.S)
    assert box, path
    assert 'action="/datasets/"' in response.text
    assert re.search(r'<input type="search" id="site-q" name="q"' + SUGGESTING, box.group(1)), path
    assert '<label for="site-q"' in box.group(1)  # named for screen readers
    assert "marja/search-suggest.js" in response.text


def test_the_header_search_box_is_there_for_signed_in_users_and_the_400_page(
    client_as: Callable[[str], Client],
) -> None:
    editor = client_as("mpo.editor")
    assert 'id="site-q"' in editor.get("/").text
    assert 'id="site-q"' in editor.get(SEARCH, {"q": "x" * 600}).text


def test_the_home_page_search_box_suggests_too(client: Client, demo: DemoResult) -> None:
    text = client.get("/").text
    assert re.search(
        r'<input type="search" id="q" name="q"[^>]*data-suggest="/search/suggest/"', text
    )


# Suggestions ------------------------------------------------------------------------------


def _suggest(client: Client, typed: str) -> dict[str, list[dict[str, str]]]:
    response = client.get(SUGGEST, {"q": typed})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    answer: dict[str, list[dict[str, str]]] = json.loads(response.content)
    return answer


def test_suggestions_offer_the_population_datasets_for_a_prefix(
    client: Client, demo: DemoResult
) -> None:
    response = client.get(SUGGEST, {"q": "جمع"})
    assert response.status_code == 200
    assert "جمعیت".encode() in response.content  # not \u escapes
    answer = response.json()
    assert set(answer) == {"datasets", "organisations"}
    urls = [d["url"] for d in answer["datasets"]]
    assert "/datasets/county-population-1395/" in urls
    assert "/datasets/county-population-1390/" in urls
    for dataset in answer["datasets"]:
        assert set(dataset) == {"title", "url", "publisher"}
        assert dataset["title"] and dataset["publisher"]
        assert client.get(dataset["url"]).status_code == 200  # a page the visitor may see
    census = next(d for d in answer["datasets"] if d["url"].endswith("-1395/"))
    assert census["publisher"] == "سازمان مدیریت و برنامه‌ریزی استان تهران"


def test_suggestions_fold_arabic_letters_and_answer_in_the_language(
    client: Client, demo: DemoResult
) -> None:
    persian = _suggest(client, "جمعي")
    assert "/datasets/county-population-1395/" in [d["url"] for d in persian["datasets"]]
    english = _in_english(Client()).get(SUGGEST, {"q": "جمع"}).json()
    census = next(d for d in english["datasets"] if d["url"].endswith("-1395/"))
    assert census["title"].startswith("Population")


def test_suggestions_offer_organisations_with_their_kind(client: Client, demo: DemoResult) -> None:
    answer = _suggest(client, "آبفا")
    assert [o["url"] for o in answer["organisations"]] == ["/organisations/water-wastewater/"]
    assert set(answer["organisations"][0]) == {"title", "url", "kind"}
    assert answer["organisations"][0]["title"] == "شرکت آب و فاضلاب استان تهران"


@pytest.mark.parametrize("who", [None, "tums.admin"])
def test_suggestions_never_offer_a_restricted_dataset_to_others(
    client: Client, client_as: Callable[[str], Client], who: str | None
) -> None:
    visitor = client if who is None else client_as(who)
    for typed in ("نیمه", "طرح", "عمرانی", "unfinished", "طرح‌های عمرانی نیمه‌تمام"):
        response = visitor.get(SUGGEST, {"q": typed})
        assert response.status_code == 200
        assert RESTRICTED not in response.text, typed


def test_suggestions_offer_the_restricted_dataset_to_its_publisher(
    client_as: Callable[[str], Client],
) -> None:
    answer = _suggest(client_as("mpo.editor"), "نیمه")
    assert f"/datasets/{RESTRICTED}/" in [d["url"] for d in answer["datasets"]]


@pytest.mark.parametrize(
    "typed", ["", "   ", "x" * 10_000, " ".join(f"w{i}" for i in range(40)), '"*:()-', "\u200c"]
)
def test_suggestions_always_answer_200(client: Client, demo: DemoResult, typed: str) -> None:
    answer = _suggest(client, typed)
    assert answer == {"datasets": [], "organisations": []}


def test_suggestions_are_a_few(client: Client, demo: DemoResult) -> None:
    answer = _suggest(client, "تهران")  # in nearly every dataset and organisation
    assert 0 < len(answer["datasets"]) <= 8
    assert len(answer["organisations"]) <= 3
