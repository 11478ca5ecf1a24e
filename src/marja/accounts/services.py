"""Changes to organisations, users and memberships."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marja.accounts.models import Membership, Organisation, User


@transaction.atomic
def create_user(
    username: str,
    password: str,
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    superuser: bool = False,
    memberships: list[tuple[Organisation, str]] | None = None,
) -> User:
    """Create an account; the password must pass the configured validators.

    Raises ``django.core.exceptions.ValidationError`` naming what is wrong, and then
    nothing is stored.
    """
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=superuser,
        is_staff=superuser,
    )
    user.full_clean(exclude=["password"])
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("A user with that user name already exists (ignoring case).")},
            code="unique",
        )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    for organisation, role in memberships or []:
        set_membership(user, organisation, role)
    return user


@transaction.atomic
def set_membership(user: User, organisation: Organisation, role: str) -> Membership:
    """Give ``user`` ``role`` in ``organisation`` (replacing an earlier role there)."""
    if role not in Membership.Role.values:
        raise ValueError(f"unknown role {role!r}; expected one of {Membership.Role.values}")
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return membership
