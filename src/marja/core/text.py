"""Persian text normalisation and digit conversion.

Agencies type Persian with Arabic keyboards, Windows-1256 decoders yield Arabic ي and ك,
and numbers arrive in three digit systems. Everything that is compared, searched or
validated goes through :func:`normalize` first, so that «كتاب‌ها», «کتابها» and
«کتاب ها» meet.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

ZWNJ: Final = "\u200c"
PERSIAN_DIGITS: Final = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS: Final = "٠١٢٣٤٥٦٧٨٩"
LATIN_DIGITS: Final = "0123456789"

# Characters that stand for the same Persian letter in text from Arabic keyboards or
# Windows-1256; mapped to the Persian form.
_LETTER_MAP: Final = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH (as used for ezafe)
    "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
    "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF
}

_TO_LATIN: Final = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN: Final = str.maketrans(LATIN_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)
_LETTERS: Final = str.maketrans(_LETTER_MAP)

# Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef) and tatweel.
_DIACRITICS: Final = re.compile("[\u064b-\u065f\u0670\u0640]")
# Zero-width and direction marks that carry no meaning in stored text (ZWNJ is kept).
_INVISIBLES: Final = re.compile("[\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES: Final = re.compile(r"[^\S\u200c]+")
# ZWNJ next to a space, doubled, or at a word edge is noise.
_ZWNJ_RUNS: Final = re.compile("\u200c{2,}")
_ZWNJ_AT_SPACE: Final = re.compile(r"\u200c*( )\u200c*")

DigitStyle = Literal["latin", "persian", "keep"]


def to_latin_digits(text: str) -> str:
    """Return ``text`` with Persian and Arabic-Indic digits replaced by 0-9."""
    return text.translate(_TO_LATIN)


def to_persian_digits(text: str) -> str:
    """Return ``text`` with Latin and Arabic-Indic digits replaced by Persian digits."""
    return text.translate(_TO_PERSIAN)


def normalize(text: str, *, digits: DigitStyle = "latin") -> str:
    """Normalise Persian text for storage, comparison and search.

    - Arabic ي/ى/ك/ة and hamza-carrying alefs become their Persian forms;
    - diacritics, tatweel and invisible direction marks are removed;
    - white space is collapsed to single spaces and trimmed;
    - ZWNJ is kept between letters but removed at word edges and when doubled;
    - digits become Latin (default), Persian, or are kept.

    The function is idempotent: ``normalize(normalize(s)) == normalize(s)``.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_LETTERS)
    text = _DIACRITICS.sub("", text)
    text = _INVISIBLES.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _ZWNJ_RUNS.sub(ZWNJ, text)
    text = _ZWNJ_AT_SPACE.sub(r"\1", text)
    text = text.strip(" " + ZWNJ)
    if digits == "latin":
        text = to_latin_digits(text)
    elif digits == "persian":
        text = to_persian_digits(text)
    return text


def search_key(text: str) -> str:
    """A folded form for matching: normalised, lower-cased, ZWNJ read as a space.

    «کتاب‌ها», «كتابها» (no ZWNJ, Arabic kaf) do not become equal here, since dropping
    the joiner changes the word; search matches «کتاب ها» and «کتاب‌ها» alike.
    """
    return normalize(text).replace(ZWNJ, " ").casefold()


def format_number(value: int | float, *, persian: bool = True, decimals: int = 0) -> str:
    """Group thousands and render digits: 13267637 -> «۱۳٬۲۶۷٬۶۳۷»."""
    rendered = f"{value:,.{decimals}f}"
    if not persian:
        return rendered
    rendered = rendered.replace(",", "\u066c").replace(".", "\u066b")
    return to_persian_digits(rendered)


# A tag, a comment or a character reference: what a browser could read as markup.
_MARKUP: Final = re.compile(r"<[/!?a-zA-Z]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def contains_markup(text: str) -> bool:
    """Whether ``text`` holds HTML/XML markup (a tag, comment or entity).

    Titles and names are plain text; ``a < b`` is allowed, ``<b>`` is not.
    """
    return _MARKUP.search(text) is not None
