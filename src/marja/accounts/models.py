"""Organisations, users, memberships and API tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.common.language import in_request_language
from marja.common.validators import validate_identifier, validate_plain_text


class BilingualName(models.Model):
    """Something with a Persian and an English name; shows the one for the request."""

    name_fa = models.CharField(
        _("name (Persian)"), max_length=200, validators=[validate_plain_text]
    )
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, validators=[validate_plain_text]
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_request_language(self.name_fa, self.name_en)


class Organisation(BilingualName):
    """An agency of the province: governorate, department, municipality, university…"""

    class Kind(models.TextChoices):
        GOVERNORATE = "governorate", _("governorate")
        COUNTY_GOVERNORATE = "county_governorate", _("county governorate")
        DEPARTMENT = "department", _("provincial department")
        ORGANISATION = "organisation", _("government organisation")
        MUNICIPALITY = "municipality", _("municipality")
        UNIVERSITY = "university", _("university")
        COMPANY = "company", _("state company")
        COUNCIL = "council", _("council")
        OTHER = "other", _("other")

    slug = models.SlugField(
        _("identifier"), max_length=80, unique=True, validators=[validate_identifier]
    )
    abbreviation = models.CharField(_("abbreviation"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_fa"]

    def get_absolute_url(self) -> str:
        return reverse("catalog:organisation", args=[self.slug])

    @property
    def description(self) -> str:
        return in_request_language(self.description_fa, self.description_en)


class User(AbstractUser):
    """A person who logs in: an agency's staff member or a system administrator."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A user's role in one organisation."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        EDITOR = "editor", _("editor")
        VIEWER = "viewer", _("viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_membership_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A personal API token: scoped, expiring, revocable; only its keyed hash is stored.

    Revoked tokens are kept (with who revoked them and when), never deleted.
    """

    class Scope(models.TextChoices):
        READ = "read", _("read")
        PUBLISH = "publish", _("read and publish")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_plain_text])
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    prefix = models.CharField(_("prefix"), max_length=20)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def allows(self, scope: str) -> bool:
        """Whether this token may be used for ``scope`` (publish implies read)."""
        return scope == self.scope or (
            scope == self.Scope.READ and self.scope == self.Scope.PUBLISH
        )

    @property
    def valid_through(self) -> dt.date:
        """The last local day on which the token works."""
        return (timezone.localtime(self.expires_at) - dt.timedelta(microseconds=1)).date()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired
