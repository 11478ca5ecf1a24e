"""Full-text search keys and queries that mean the same on SQLite FTS5 and PostgreSQL.

Both engines only ever see tokens made here: documents and queries are normalised by
:func:`marja.core.text.search_key` (ي/ی, ك/ک, diacritics, digits, case) and cut into
runs of letters and digits, joined by single spaces. Neither engine's own parser or
stemmer takes part, so a query finds the same documents on both.

Persian writes one word three ways: «کتابخانه», «کتاب‌خانه» (with a zero-width non-joiner)
and «کتاب خانه». A document therefore also indexes the joined form of each compound and,
in short fields (titles, keywords), of each pair of neighbouring words (and of a pair
joined by «و»: «کسب و کار», «کسبوکار»); a query word is satisfied by itself as a prefix or
by its join with the word before or after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from marja.core.text import normalize, search_key

#: Longer queries are refused: nobody types them, and each word costs a clause.
MAX_QUERY_CHARS: Final = 500
#: Words kept from a query (after stop words); more are refused.
MAX_QUERY_WORDS: Final = 24
#: Tokens are cut to this length, in documents and queries alike (PostgreSQL refuses
#: lexemes over 2 KB); a 64-character hash is still found by its first 60.
MAX_TOKEN_CHARS: Final = 60

_AND: Final = "\u0648"  # «و», which joins the halves of many compounds
# Runs of letters and digits; everything else (punctuation, ZWNJ, marks, "_") separates.
_TOKEN: Final = re.compile(r"[^\W_]+")
# A word of the original text as a reader sees it, diacritics and ZWNJ included.
_DISPLAY_WORD: Final = re.compile(r"(?:[^\W_]|[\u064b-\u065f\u0670\u0640\u200c])+")

#: Function words that would otherwise narrow every query (searched only when a query
#: holds nothing else).
STOP_WORDS: Final = frozenset(
    {
        # Persian
        "و", "در", "به", "از", "که", "را", "با", "برای", "این", "آن", "تا", "یا", "های",
        "ها", "هایی", "ای", "است", "بر", "هر", "شده", "شد", "می", "نیز", "اما", "پس",
        # English
        "the", "of", "and", "in", "on", "for", "to", "a", "an", "by", "with", "or", "at",
    }
)  # fmt: skip


class SearchQueryError(ValueError):
    """A query that cannot be searched: ``code`` names why, ``params`` the limits."""

    def __init__(self, code: str, **params: int) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def words_of(text: str) -> list[list[str]]:
    """The words of ``text``, each as its folded parts: «اسلام‌شهر» → [["اسلام", "شهر"]]."""
    found = []
    for chunk in normalize(text).casefold().split():
        parts = [t[:MAX_TOKEN_CHARS] for t in _TOKEN.findall(chunk)]
        if parts:
            found.append(parts)
    return found


def document_key(texts: Iterable[str], *, join_neighbours: bool) -> str:
    """The indexed form of ``texts``: distinct tokens between spaces, padded with one
    space at each end so ``LIKE '% token%'`` finds a token's start.

    Each text stands alone: neighbouring words are joined within a text, never across
    two (a tag's last word and the next tag's first are not neighbours).
    """
    tokens: dict[str, None] = {}
    for text in texts:
        previous = before = ""
        for parts in words_of(text):
            for part in parts:
                tokens[part] = None
                if join_neighbours and previous:
                    _add_joined(tokens, previous + part)
                    if previous == _AND and before:  # «کسب و کار» is also «کسبوکار»
                        _add_joined(tokens, before + previous + part)
                before, previous = previous, part
            if len(parts) > 1:
                _add_joined(tokens, "".join(parts))
    return " " + " ".join(tokens) + " " if tokens else " "


def _add_joined(tokens: dict[str, None], joined: str) -> None:
    if len(joined) <= MAX_TOKEN_CHARS:
        tokens[joined] = None


@dataclass(frozen=True)
class Clause:
    """One word of a query: satisfied when a document has any of ``alternatives`` as
    the start of a token (the word itself first, then its joins with its neighbours)."""

    word: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """A query cut into clauses that must all hold, and words that must not appear."""

    clauses: tuple[Clause, ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.clauses and not self.excluded

    @property
    def terms(self) -> tuple[str, ...]:
        """Every token the query looks for, for highlighting."""
        return tuple(dict.fromkeys(a for c in self.clauses for a in c.alternatives))


def parse_query(text: str) -> ParsedQuery:
    """Cut what someone typed into clauses.

    Words are ANDed; each is a prefix (as-you-type). ``-word`` excludes a word. Quotes,
    ``*``, ``:``, ``NEAR``, parentheses and any other operator character are only
    separators, so nothing typed can change the query's structure. Raises
    :class:`SearchQueryError` for a query longer than :data:`MAX_QUERY_CHARS` or with
    more than :data:`MAX_QUERY_WORDS` words.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError("query_too_long", limit=MAX_QUERY_CHARS, length=len(text))
    positive: list[str] = []
    excluded: list[str] = []
    for chunk in normalize(text).split():
        negative = len(chunk) > 1 and chunk[0] in "-\u2212" and _TOKEN.match(chunk, 1)
        for parts in words_of(chunk[1:] if negative else chunk):
            (excluded if negative else positive).extend(parts)
    clauses = [_clause(positive, i) for i in range(len(positive))]
    meaningful = [c for c in clauses if c.word not in STOP_WORDS]
    if meaningful:
        clauses = meaningful
    if len(clauses) > MAX_QUERY_WORDS:
        raise SearchQueryError("too_many_words", limit=MAX_QUERY_WORDS, count=len(clauses))
    return ParsedQuery(tuple(clauses), tuple(dict.fromkeys(excluded)))


def _clause(words: list[str], i: int) -> Clause:
    word = words[i]
    joins = []
    if i > 0:
        joins.append(words[i - 1] + word)
    if i + 1 < len(words):
        joins.append(word + words[i + 1])
    alternatives = [word, *(j for j in joins if len(j) <= MAX_TOKEN_CHARS)]
    return Clause(word, tuple(dict.fromkeys(alternatives)))


@dataclass(frozen=True)
class _Syntax:
    """How an engine writes AND, OR, a prefix, "and not", and a quoted token."""

    all: str
    any: str
    prefix: str
    but_not: str
    quote: Callable[[str], str]


def _expression(query: ParsedQuery, syntax: _Syntax, *, any_clause: bool) -> str:
    if not query.clauses:
        return syntax.any.join(syntax.quote(w) for w in query.excluded)
    positive = (syntax.any if any_clause else syntax.all).join(
        "(" + syntax.any.join(syntax.quote(a) + syntax.prefix for a in c.alternatives) + ")"
        for c in query.clauses
    )
    if any_clause or not query.excluded:
        return positive
    return f"({positive})" + "".join(syntax.but_not + syntax.quote(w) for w in query.excluded)


_FTS5: Final = _Syntax(" AND ", " OR ", "*", " NOT ", lambda t: '"' + t.replace('"', '""') + '"')
_TSQUERY: Final = _Syntax(
    " & ", " | ", ":*", " & !", lambda t: "'" + t.replace("\\", "\\\\").replace("'", "''") + "'"
)


def fts5_match(query: ParsedQuery, *, any_clause: bool = False) -> str:
    """The FTS5 ``MATCH`` expression for ``query`` (every clause, or any with
    ``any_clause``); its exclusions when it has no clause are for a ``NOT IN``."""
    return _expression(query, _FTS5, any_clause=any_clause)


def tsquery(query: ParsedQuery, *, any_clause: bool = False) -> str:
    """The PostgreSQL ``tsquery`` text for ``query``, read with ``::tsquery`` (no
    parser, no dictionary: the lexemes are the tokens made here)."""
    return _expression(query, _TSQUERY, any_clause=any_clause)


def matches_term(text: str, terms: Iterable[str]) -> bool:
    """Whether a token of ``text`` starts with one of ``terms``."""
    wanted = tuple(terms)
    return bool(wanted) and any(
        t.startswith(wanted) for parts in words_of(text) for t in [*parts, "".join(parts)]
    )


def marked_segments(text: str, terms: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """``text`` cut into (segment, is_match) pairs: the words a query found are marked.

    The text is returned unchanged, as written (with its own ي or ZWNJ); a word is
    marked when its folded form starts with one of ``terms``.
    """
    wanted = tuple(terms)
    position = 0
    for found in _DISPLAY_WORD.finditer(text):
        if matches_term(found.group(), wanted):
            if found.start() > position:
                yield text[position : found.start()], False
            yield found.group(), True
            position = found.end()
    if position < len(text):
        yield text[position:], False


def excerpt(text: str, terms: Iterable[str], *, width: int = 220) -> str:
    """About ``width`` characters of ``text`` around its first matching word."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    wanted = tuple(terms)
    start = 0
    for found in _DISPLAY_WORD.finditer(text):
        if matches_term(found.group(), wanted):
            start = max(0, found.start() - width // 3)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    cut = text[start : start + width]
    end = cut.rfind(" ")
    if start + width < len(text) and end > width // 2:
        cut = cut[:end]
    return ("… " if start else "") + cut + (" …" if start + len(cut) < len(text) else "")


_PERSIAN_ORDER: Final = "0123456789آاأإبپتثجچحخدذرزژسشصضطظعغفقکگلمنوؤهةیئي"


def _sort_ranks() -> dict[str, int]:
    ranks = {ch: i + 1 for i, ch in enumerate(_PERSIAN_ORDER)}
    offset = len(ranks) + 1
    for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz"):
        ranks[ch] = offset + i
    return ranks


_RANKS: Final = _sort_ranks()


def sort_key(text: str) -> str:
    """A key that sorts titles in Persian alphabetical order (پ after ب, گ after ک,
    Persian before Latin) under any database collation: only the digits 0-9."""
    key = []
    for ch in search_key(text):
        if ch == " ":
            key.append("00")
        elif (rank := _RANKS.get(ch)) is not None:
            key.append(f"{rank:02d}")
        elif ch.isalnum():
            key.append("99")
    return "".join(key)[:400]
