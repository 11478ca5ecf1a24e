"""Changes to organisations, users, memberships and API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marja.accounts import tokens
from marja.accounts.models import ApiToken, Membership, Organisation, User
from marja.accounts.selectors import AnyUser, as_user
from marja.ledger.services import record

#: Lifetime offered for a new token, and the longest allowed, in days.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
#: Unrevoked, unexpired tokens one user may hold at once.
MAX_ACTIVE_TOKENS = 50
#: ``last_used_at`` is written at most this often, not on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


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
def set_membership(
    user: User, organisation: Organisation, role: str, *, actor: User | None = None
) -> Membership:
    """Give ``user`` ``role`` in ``organisation`` (replacing an earlier role there).

    Recorded in the ledger (``membership.changed``) unless nothing changes.
    """
    if role not in Membership.Role.values:
        raise ValueError(f"unknown role {role!r}; expected one of {Membership.Role.values}")
    earlier = Membership.objects.filter(user=user, organisation=organisation).first()
    if earlier is not None and earlier.role == role:
        return earlier
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    record(
        "membership.changed",
        actor=actor,
        organisation=organisation,
        object_type="user",
        object_id=user.pk,
        payload={
            "user": user.username,
            "organisation": organisation.slug,
            "role": role,
            "previous_role": earlier.role if earlier is not None else None,
        },
    )
    return membership


@transaction.atomic
def remove_membership(user: User, organisation: Organisation, *, actor: User | None) -> bool:
    """Take ``user`` out of ``organisation``: their account and tokens lose what that
    membership gave, at once. Recorded (``membership.removed``); False if not a member."""
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        return False
    role = membership.role
    membership.delete()
    record(
        "membership.removed",
        actor=actor,
        organisation=organisation,
        object_type="user",
        object_id=user.pk,
        payload={"user": user.username, "organisation": organisation.slug, "role": role},
    )
    return True


@transaction.atomic
def create_token(
    user: AnyUser, *, name: str, scope: str, expires_on: dt.date
) -> tuple[ApiToken, str]:
    """A new API token of ``user``, valid through ``expires_on`` (local date).

    Returns the token and its plaintext, which is shown once and never stored. Raises
    ``ValidationError`` (keyed by ``name``, ``scope``, ``expires_on``) and then stores
    nothing; ``PermissionDenied`` for an anonymous or disabled user.
    """
    owner = as_user(user)
    if owner is None:
        raise PermissionDenied
    _check_expiry(expires_on)
    active = ApiToken.objects.filter(user=owner, revoked_at=None, expires_at__gt=timezone.now())
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(count)s active tokens; revoke some before creating more."),
            code="too_many_tokens",
            params={"count": MAX_ACTIVE_TOKENS},
        )
    plaintext = tokens.generate()
    token = ApiToken(
        user=owner,
        name=name.strip(),
        scope=scope,
        prefix=tokens.prefix_of(plaintext),
        key_hash=tokens.key_hash(plaintext),
        expires_at=_end_of(expires_on),
    )
    token.full_clean(exclude=["user", "revoked_by"])
    token.save()
    record(
        "token.created",
        actor=owner,
        organisation=None,
        object_type="api_token",
        object_id=token.pk,
        payload={
            "name": token.name,
            "scope": token.scope,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, plaintext


def _check_expiry(expires_on: dt.date) -> None:
    today = timezone.localdate()
    if expires_on < today:
        problem = ValidationError(
            _("The expiry date has passed; choose a later date."), code="past"
        )
    elif expires_on > today + dt.timedelta(days=MAX_TOKEN_DAYS):
        problem = ValidationError(
            _("A token may be valid for at most %(days)s days."),
            code="too_long",
            params={"days": MAX_TOKEN_DAYS},
        )
    else:
        return
    raise ValidationError({"expires_on": problem})


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the local time zone."""
    following = day + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(following, dt.time.min))


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: AnyUser) -> ApiToken:
    """Revoke ``token`` for good; its row and the revocation are kept.

    Its owner or a system administrator may revoke it; revoking it again changes
    nothing and records nothing.
    """
    member = as_user(actor)
    if member is None or (member.pk != token.user_id and not member.is_superuser):
        raise PermissionDenied
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = member
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "token.revoked",
            actor=member,
            organisation=None,
            object_type="api_token",
            object_id=locked.pk,
            payload={"name": locked.name, "prefix": locked.prefix, "user": locked.user_id},
        )
    token.revoked_at, token.revoked_by = locked.revoked_at, locked.revoked_by
    return locked


def note_token_use(token: ApiToken) -> None:
    """Stamp ``last_used_at``, at most once a minute (one conditional UPDATE, no read).

    Bookkeeping, not a change anyone made: it is not recorded in the ledger.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    token.last_used_at = now
