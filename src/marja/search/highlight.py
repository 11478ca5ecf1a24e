"""Which fields of a dataset a query found (shown under each result)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marja.common.language import in_request_language
from marja.core.fulltext import matches_term


def matched_fields(fields: Any, terms: Iterable[str]) -> list[str]:
    """Labels of the fields whose name or label the query found, as «label (name)».

    ``fields`` is ``SearchDocument.fields``: [name, Persian label, English label] lists.
    """
    wanted = tuple(terms)
    found = []
    for name, label_fa, label_en in fields or ():
        if matches_term(" ".join((name, label_fa, label_en)), wanted):
            label = in_request_language(label_fa, label_en)
            found.append(f"{label} ({name})" if label and label != name else name)
    return found
