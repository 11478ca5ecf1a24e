"""Reads about who belongs where, what their role lets them do, and their API tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from marja.accounts import tokens
from marja.accounts.models import ApiToken, Membership, Organisation, User

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


def tokens_of(user: AnyUser) -> QuerySet[ApiToken]:
    """``user``'s API tokens, newest first, revoked and expired ones included."""
    member = as_user(user)
    if member is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=member).select_related("revoked_by")


def token_for(user: AnyUser, pk: int) -> ApiToken:
    """One of ``user``'s own tokens; anyone else's is answered as not found."""
    try:
        return tokens_of(user).get(pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None


TokenProblem = Literal["token_invalid", "token_expired", "token_revoked"]


class TokenError(Exception):
    """A presented API token cannot be used; ``code`` says why."""

    def __init__(self, code: TokenProblem) -> None:
        super().__init__(code)
        self.code: TokenProblem = code


def authenticate_token(plaintext: str) -> ApiToken:
    """The active token ``plaintext`` stands for, with its user loaded.

    Raises :class:`TokenError`: ``token_invalid`` for a malformed token (no database
    lookup), an unknown one or one whose user is disabled; ``token_revoked``;
    ``token_expired``.
    """
    if not tokens.is_well_formed(plaintext):
        raise TokenError("token_invalid")
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=tokens.key_hash(plaintext))
    except ApiToken.DoesNotExist:
        raise TokenError("token_invalid") from None
    if token.revoked_at is not None:
        raise TokenError("token_revoked")
    if token.expires_at <= timezone.now():
        raise TokenError("token_expired")
    if not token.user.is_active:
        raise TokenError("token_invalid")
    return token


def membership_ended(
    user: User, organisation_ids: Iterable[int]
) -> tuple[Organisation, dt.datetime] | None:
    """The organisation among ``organisation_ids`` that ``user`` was last removed from
    (and is not a member of again), with when: read from the ledger."""
    from marja.ledger.models import LedgerEntry

    wanted = set(organisation_ids) - set(user.memberships.values_list("organisation_id", flat=True))
    if not wanted:
        return None
    entry = (
        LedgerEntry.objects.filter(
            action="membership.removed",
            object_type="user",
            object_id=str(user.pk),
            organisation_id__in=wanted,
        )
        .select_related("organisation")
        .order_by("-sequence")
        .first()
    )
    if entry is None or entry.organisation is None:
        return None
    return entry.organisation, entry.recorded_at
