"""Validators for the fields that people type into marja."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marja.core.text import contains_markup


def validate_plain_text(value: str) -> None:
    """Reject HTML in names and titles: they are shown as text, never as markup."""
    if contains_markup(value):
        raise ValidationError(
            _("HTML or other markup is not allowed here; write plain text."),
            code="markup",
        )


_IDENTIFIER = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Path segments that pages use next to identifiers: /datasets/new/, /datasets/<id>/edit/.
RESERVED_IDENTIFIERS = frozenset({"new", "edit", "delete", "api", "admin", "static"})


def validate_identifier(value: str) -> None:
    """An identifier used in addresses: lower-case Latin letters, digits, single hyphens."""
    if not _IDENTIFIER.fullmatch(value):
        raise ValidationError(
            _(
                "Use lower-case Latin letters (a–z), digits and single hyphens between "
                "them, e.g. county-population-1395."
            ),
            code="identifier",
        )
    if value in RESERVED_IDENTIFIERS:
        raise ValidationError(
            _("“%(value)s” is reserved for marja's own pages; choose another identifier."),
            code="reserved_identifier",
            params={"value": value},
        )
