"""Log in and out; the answer to a locked login; the user's API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from marja.accounts import services
from marja.accounts.forms import ApiTokenForm, LoginForm
from marja.accounts.selectors import token_for, tokens_of


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST (a link cannot log anyone out); a GET asks to confirm."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return render(request, "accounts/logout.html")


def login_locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Too many failed logins: django-axes calls this instead of trying the password."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's API tokens and the form for a new one.

    A created token's plaintext is rendered in the answer to the POST itself (no
    redirect: it must not pass through the session store) and never again.
    """
    plaintext = None
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            _token, plaintext = services.create_token(request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    status = 400 if form.errors else 200
    context = {"tokens": tokens_of(request.user), "form": form, "plaintext": plaintext}
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoking is a POST; a GET asks to confirm. Another user's token is not found."""
    token = token_for(request.user, pk)
    if request.method == "POST":
        services.revoke_token(token, actor=request.user)
        messages.success(
            request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix}
        )
        return redirect("accounts:tokens")
    return render(request, "accounts/token_revoke.html", {"token": token})
