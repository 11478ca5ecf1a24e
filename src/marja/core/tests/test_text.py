from hypothesis import given
from hypothesis import strategies as st

from marja.core.text import (
    ZWNJ,
    contains_markup,
    format_number,
    normalize,
    search_key,
    to_latin_digits,
    to_persian_digits,
)

persianish = st.text(
    alphabet=st.sampled_from(
        [
            *"ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكةۀأإآ ءًٌٍَُِّْـ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789 \t\n",
            *(ZWNJ, "\u200f", "\u200e", "\ufeff"),
        ]
    )
)


def test_arabic_letters_become_persian() -> None:
    assert normalize("كيف") == "کیف"
    assert normalize("علي") == "علی"
    assert normalize("مدرسة") == "مدرسه"


def test_diacritics_tatweel_and_marks_are_removed() -> None:
    assert normalize("كِتـــابٌ") == "کتاب"
    assert normalize("\u200fتهران\u200e") == "تهران"


def test_spacing_and_zwnj() -> None:
    assert normalize("  کتاب\u200c\u200cها   و\tدفتر \n") == "کتاب\u200cها و دفتر"
    assert normalize("کتاب \u200cها") == "کتاب ها"
    assert normalize("\u200cمی\u200c") == "می"


def test_digits_all_systems() -> None:
    assert to_latin_digits("۱۴۰۲/٠٨/17") == "1402/08/17"
    assert to_persian_digits("1402/٠٨/17") == "۱۴۰۲/۰۸/۱۷"
    assert normalize("سال ۱۴۰۲") == "سال 1402"
    assert normalize("سال 1402", digits="persian") == "سال ۱۴۰۲"
    assert normalize("سال ۱۴۰٢", digits="keep") == "سال ۱۴۰٢"


def test_search_key_folds_zwnj_case_and_letters() -> None:
    assert search_key("كتاب\u200cها") == search_key("کتاب ها")
    assert search_key("Tehran") == search_key("TEHRAN")


def test_format_number_groups_in_persian() -> None:
    assert format_number(13267637) == "۱۳٬۲۶۷٬۶۳۷"
    assert format_number(13267637, persian=False) == "13,267,637"
    assert format_number(12.5, decimals=1) == "۱۲٫۵"
    assert format_number(-1200) == "-۱٬۲۰۰"


def test_markup_is_recognised_but_comparison_is_not() -> None:
    assert contains_markup("<script>alert(1)</script>")
    assert contains_markup("جمعیت <b>استان</b>")
    assert contains_markup("a &lt; b")
    assert contains_markup("<!-- x -->")
    assert not contains_markup("a < b و c > d")
    assert not contains_markup("R&D واحد")


@given(persianish)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(persianish)
def test_normalized_text_has_no_arabic_forms_or_marks(text: str) -> None:
    result = normalize(text)
    assert not set(result) & set("يكةىأإ\u0640\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652")
    assert not set(result) & set("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
    assert result == result.strip(" " + ZWNJ)
    assert "  " not in result


@given(st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩/-"))
def test_digit_conversion_round_trips(text: str) -> None:
    assert to_latin_digits(to_persian_digits(text)) == to_latin_digits(text)
    assert to_persian_digits(to_latin_digits(text)) == to_persian_digits(text)
