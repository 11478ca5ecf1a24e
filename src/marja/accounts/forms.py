from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or password is wrong. Both are case-sensitive; check the "
            "keyboard language."
        ),
        "inactive": _("This account is disabled. Ask your organisation's administrator."),
    }
