"""Reads about who belongs where, and what their role lets them do."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from marja.accounts.models import Membership, Organisation, User

AnyUser = AbstractBaseUser | AnonymousUser

EDITING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def as_user(user: AnyUser) -> User | None:
    """The logged-in :class:`User`, or ``None`` for an anonymous visitor."""
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def organisations_of(user: AnyUser, roles: Iterable[str] | None = None) -> QuerySet[Organisation]:
    """Organisations where ``user`` holds one of ``roles`` (any role when ``None``)."""
    member = as_user(user)
    if member is None:
        return Organisation.objects.none()
    memberships = Membership.objects.filter(user=member)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return Organisation.objects.filter(pk__in=memberships.values("organisation_id"))


def is_government_user(user: AnyUser) -> bool:
    """Staff of an agency (any membership) or a system administrator."""
    member = as_user(user)
    if member is None:
        return False
    return member.is_superuser or member.memberships.exists()


def can_edit_for(user: AnyUser, organisation: Organisation) -> bool:
    """Whether ``user`` may create or change ``organisation``'s catalog entries."""
    member = as_user(user)
    if member is None:
        return False
    if member.is_superuser:
        return True
    return member.memberships.filter(organisation=organisation, role__in=EDITING_ROLES).exists()
