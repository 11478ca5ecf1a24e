from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import ApiToken
from marja.accounts.services import DEFAULT_TOKEN_DAYS
from marja.common.forms import JalaliDateField, NormalizedCharField
from marja.common.validators import validate_plain_text


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or password is wrong. Both are case-sensitive; check the "
            "keyboard language."
        ),
        "inactive": _("This account is disabled. Ask your organisation's administrator."),
    }


class ApiTokenForm(forms.Form):
    """A new API token: what it is for, what it may do, until when."""

    name = NormalizedCharField(
        label=_("name"),
        max_length=100,
        validators=[validate_plain_text],
        help_text=_("What the token is for, e.g. “monthly report script”."),
    )
    scope = forms.ChoiceField(
        label=_("scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "“Read” is enough to search and download; choose “read and publish” only for "
            "a script that publishes new versions. A token never exceeds your own rights."
        ),
    )
    expires_on = JalaliDateField(
        label=_("valid through"),
        help_text=_("The last day the token works (at most one year from today)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = timezone.localdate() + dt.timedelta(days=DEFAULT_TOKEN_DAYS)
        self.fields["expires_on"].initial = default
