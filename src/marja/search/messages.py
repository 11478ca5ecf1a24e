"""Why a query cannot be searched, in Persian and English."""

from __future__ import annotations

from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from marja.core.fulltext import SearchQueryError
from marja.core.text import to_persian_digits

SEARCH_MESSAGES = {
    "query_too_long": _(
        "The search text is too long: %(length)s characters; at most %(limit)s are searched."
    ),
    "too_many_words": _("The search has %(count)s words; at most %(limit)s are searched."),
}


def query_error_message(exc: SearchQueryError) -> str:
    """The message in the active language, digits as that language writes them."""
    persian, english = query_error_messages(exc)
    return english if get_language() == "en" else persian


def query_error_messages(exc: SearchQueryError) -> tuple[str, str]:
    """The message in Persian (Persian digits) and in English."""
    template = SEARCH_MESSAGES[exc.code]
    with override("fa"):
        persian = to_persian_digits(str(template % exc.params))
    with override("en"):
        english = str(template % exc.params)
    return persian, english
