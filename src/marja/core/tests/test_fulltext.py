"""Search keys and queries: Persian forms meet, operators never reach the engine."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marja.core.fulltext import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    SearchQueryError,
    document_key,
    excerpt,
    fts5_match,
    marked_segments,
    parse_query,
    sort_key,
    tsquery,
)

ZWNJ = "\u200c"


class Index:
    """A tiny FTS5 index built the way the search app builds its own."""

    def __init__(self, titles: dict[int, str]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(title, tokenize='unicode61 remove_diacritics 0')"
        )
        for rowid, title in titles.items():
            self.db.execute(
                "INSERT INTO fts(rowid, title) VALUES (?, ?)",
                (rowid, document_key([title], join_neighbours=True)),
            )

    def find(self, text: str, *, any_clause: bool = False) -> set[int]:
        query = parse_query(text)
        expression = fts5_match(query, any_clause=any_clause)
        rows = self.db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,))
        return {r[0] for r in rows}


@pytest.fixture(scope="module")
def index() -> Index:
    return Index(
        {
            1: "کتابخانه‌های عمومی استان",
            2: "کتاب خانه های شهرستان ری",
            3: "کتاب‌خانه مرکزی",
            4: "جمعیت اسلامشهر ۱۴۰۲",
            5: "Population of Eslamshahr 1402",
            6: "بیمارستان‌ها و تخت‌های فعال",
            7: "آمار وَفَیات سالانه",
            8: "COVID-19 cases by county",
        }
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("کتابخانه", {1, 2, 3}),
        ("کتاب‌خانه", {1, 2, 3}),
        ("کتاب خانه", {1, 2, 3}),
        ("كتابخانه", {1, 2, 3}),  # Arabic kaf
        ("اسلام‌شهر", {4}),
        ("اسلام شهر", {4}),
        ("جمعيت ١٤٠٢", {4}),  # Arabic yeh, Arabic-Indic digits
        ("۱۴۰۲", {4, 5}),
        ("eslamSHAHR", {5}),
        ("بیمارستانها", {6}),
        ("تخت", {6}),
        ("وفيات", {7}),  # the title carries diacritics, the query none
        ("وَفَیات", {7}),
        ("covid 19", {8}),
        ("covid-19", {8}),
        ("کتاب -مرکزی", {1, 2}),
        ("بیمار", {6}),  # a prefix, as typed
        ("کتابخانه و شهرستان", {2}),  # «و» is a stop word
    ],
)
def test_persian_forms_meet(index: Index, query: str, expected: set[int]) -> None:
    assert index.find(query) == expected


def test_any_clause_finds_documents_with_some_words(index: Index) -> None:
    assert index.find("کتابخانه اسلامشهر") == set()
    assert index.find("کتابخانه اسلامشهر", any_clause=True) == {1, 2, 3, 4}


def test_compounds_joined_by_va_meet_their_joined_spelling() -> None:
    key = document_key(["مجوزهای کسب و کار"], join_neighbours=True)
    assert " کسبوکار " in key
    index = Index({1: "مجوزهای کسب و کار", 2: f"حمل{ZWNJ}و{ZWNJ}نقل جاده‌ای"})
    assert index.find("کسبوکار") == {1}
    assert index.find("کسب‌وکار") == {1}
    assert index.find("حملونقل") == {2}
    assert index.find("حمل و نقل") == {2}


def test_a_long_token_is_found_by_its_first_sixty_characters() -> None:
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    index = Index({1: f"نسخه {digest}", 2: "نسخه دیگر"})
    query = parse_query(digest)
    assert not query.is_empty
    assert index.find(digest) == {1}
    assert index.find(digest[:20]) == {1}


def test_neighbour_joins_stay_inside_one_text() -> None:
    key = document_key(["آب", "شهر"], join_neighbours=True)
    assert " آبشهر " not in key
    assert " آبشهر " in document_key(["آب شهر"], join_neighbours=True)


def test_long_fields_join_compounds_but_not_neighbours() -> None:
    key = document_key([f"کتاب{ZWNJ}خانه در شهر"], join_neighbours=False)
    assert key == " کتاب خانه کتابخانه در شهر "


@pytest.mark.parametrize(
    "text",
    ['"', "*", "NEAR", "NEAR(", ":", "-", "()", "a:b", '"unterminated', "(((", "-)", "*کتاب*"],
)
def test_operator_characters_are_only_separators(index: Index, text: str) -> None:
    query = parse_query(text)
    if not query.is_empty:
        index.find(text)  # a valid MATCH expression, whatever was typed


@pytest.mark.parametrize("text", ["", "   ", "\u064e\u0650\u064f", ZWNJ * 5, "-", "—"])
def test_nothing_searchable_is_an_empty_query(text: str) -> None:
    assert parse_query(text).is_empty


def test_only_stop_words_are_searched_as_they_are() -> None:
    assert [c.word for c in parse_query("و در").clauses] == ["و", "در"]


def test_too_long_query_is_refused() -> None:
    with pytest.raises(SearchQueryError) as raised:
        parse_query("ا" * (MAX_QUERY_CHARS + 1))
    assert raised.value.code == "query_too_long"
    assert raised.value.params["limit"] == MAX_QUERY_CHARS


def test_too_many_words_are_refused() -> None:
    parse_query(" ".join(f"w{i}" for i in range(MAX_QUERY_WORDS)))
    with pytest.raises(SearchQueryError) as raised:
        parse_query(" ".join(f"w{i}" for i in range(MAX_QUERY_WORDS + 1)))
    assert raised.value.code == "too_many_words"


def test_sql_looking_text_is_words() -> None:
    query = parse_query("'; DROP TABLE catalog_dataset; --")
    assert [c.word for c in query.clauses] == ["drop", "table", "catalog", "dataset"]
    assert re.fullmatch(r"(?:[()&|!:* ]|'[^\W_]+')+", tsquery(query))


def test_tsquery_shape() -> None:
    query = parse_query("کتاب خانه -مرکزی")
    assert tsquery(query) == ("(('کتاب':* | 'کتابخانه':*) & ('خانه':* | 'کتابخانه':*)) & !'مرکزی'")
    assert tsquery(parse_query("-مرکزی")) == "'مرکزی'"


def test_marked_segments_keep_the_text_as_written() -> None:
    text = "كتابخانه‌هاي عمومي"
    segments = list(marked_segments(text, parse_query("کتابخانه").terms))
    assert "".join(s for s, _ in segments) == text
    assert [s for s, marked in segments if marked] == ["كتابخانه‌هاي"]


def test_excerpt_centres_on_the_first_match() -> None:
    text = "الف " * 100 + "بیمارستان " + "ب " * 100
    cut = excerpt(text, ["بیمار"])
    assert "بیمارستان" in cut
    assert cut.startswith("… ") and cut.endswith(" …")
    assert len(cut) < 240


def test_sort_key_follows_the_persian_alphabet() -> None:
    titles = ["گاز", "کتاب", "پل", "بیمه", "zoo", "آب", "1402", "چای", "Apple"]
    assert sorted(titles, key=sort_key) == [
        "1402", "آب", "بیمه", "پل", "چای", "کتاب", "گاز", "Apple", "zoo",
    ]  # fmt: skip
    assert set(sort_key("تهران ری")) <= set("0123456789")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_typed_text_is_a_valid_expression(text: str) -> None:
    """Whatever is typed gives a query FTS5 accepts, or a clear SearchQueryError."""
    try:
        query = parse_query(text)
    except SearchQueryError:
        return
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(t)")
    db.execute("INSERT INTO fts VALUES (?)", (document_key([text], join_neighbours=True),))
    if not query.is_empty:
        db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (fts5_match(query),)).fetchall()
        db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (fts5_match(query, any_clause=True),))
