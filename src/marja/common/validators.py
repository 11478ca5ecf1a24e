"""Validators for the fields that people type into marja."""

from __future__ import annotations

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
