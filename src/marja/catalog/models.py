"""Datasets, their metadata and the reference lists of the province."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import BilingualName, Organisation
from marja.common.language import in_request_language
from marja.common.validators import validate_identifier, validate_plain_text


class Province(BilingualName):
    """The province a deployment serves (reference data)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    population_1395 = models.PositiveBigIntegerField(_("population, census 1395"), null=True)
    households_1395 = models.PositiveBigIntegerField(_("households, census 1395"), null=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class County(BilingualName):
    """A county (شهرستان) of the province, with its census figures (reference data)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="counties"
    )
    capital_fa = models.CharField(_("capital"), max_length=100, blank=True)
    population_1395 = models.PositiveBigIntegerField(
        _("population, census 1395"), null=True, blank=True
    )
    households_1395 = models.PositiveBigIntegerField(
        _("households, census 1395"), null=True, blank=True
    )
    source = models.CharField(_("source of the figures"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["-population_1395", "name_fa"]


class ReferenceListVersion(models.Model):
    """One version of a reference list (counties, organisations…): a dated snapshot.

    Reference lists are data that change (counties split, agencies merge); every change
    makes a new version whose content hash identifies it, so older datasets can say
    which list their codes were checked against.
    """

    list_name = models.SlugField(_("list"), max_length=40)
    number = models.PositiveIntegerField(_("version"))
    sha256 = models.CharField(_("content hash (SHA-256)"), max_length=64)
    content = models.JSONField(_("content"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reference list version")
        verbose_name_plural = _("reference list versions")
        ordering = ["list_name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["list_name", "number"], name="one_number_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.list_name} v{self.number}"


class Theme(BilingualName):
    """A broad subject (health, education, transport…) for browsing the catalog."""

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name_fa"]


class Tag(models.Model):
    """A free keyword; stored normalised so «كتاب» and «کتاب» are one tag."""

    name = models.CharField(_("name"), max_length=60, unique=True, validators=[validate_plain_text])

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Licence(BilingualName):
    """The terms under which a dataset may be reused."""

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    url = models.URLField(_("address"), blank=True)
    is_open = models.BooleanField(_("open licence"), default=False)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")


class Dataset(models.Model):
    """A published table (or family of tables) and everything said about it."""

    class Access(models.TextChoices):
        PUBLIC = "public", _("public")
        INTERNAL = "internal", _("government users")
        RESTRICTED = "restricted", _("restricted")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        DEPRECATED = "deprecated", _("deprecated")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("daily")
        WEEKLY = "weekly", _("weekly")
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        YEARLY = "yearly", _("yearly")
        IRREGULAR = "irregular", _("irregular")
        ONCE = "once", _("not updated")

    slug = models.SlugField(
        _("identifier"), max_length=100, unique=True, validators=[validate_identifier]
    )
    title_fa = models.CharField(
        _("title (Persian)"), max_length=200, validators=[validate_plain_text]
    )
    title_en = models.CharField(
        _("title (English)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    description_fa = models.TextField(_("description (Persian)"), blank=True, max_length=10000)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=10000)
    publisher = models.ForeignKey(
        Organisation,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="datasets"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="datasets")
    licence = models.ForeignKey(Licence, verbose_name=_("licence"), on_delete=models.PROTECT)
    access = models.CharField(
        _("access level"), max_length=12, choices=Access.choices, default=Access.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    frequency = models.CharField(_("update frequency"), max_length=12, choices=Frequency.choices)
    temporal_start = models.DateField(_("covers from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers until"), null=True, blank=True)
    counties = models.ManyToManyField(
        County, verbose_name=_("counties covered"), blank=True, related_name="datasets"
    )
    contact_name = models.CharField(
        _("contact person"), max_length=120, blank=True, validators=[validate_plain_text]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["status", "access"]),
            # The newest first: the catalog's default order, read a page at a time.
            models.Index(fields=["-updated_at", "id"], name="dataset_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temporal_start__isnull=True)
                | models.Q(temporal_end__isnull=True)
                | models.Q(temporal_start__lte=models.F("temporal_end")),
                name="temporal_coverage_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:dataset", args=[self.slug])

    @property
    def title(self) -> str:
        return in_request_language(self.title_fa, self.title_en)

    @property
    def description(self) -> str:
        return in_request_language(self.description_fa, self.description_en)


class DatasetGrant(models.Model):
    """Access to a restricted dataset, given by its publisher to another organisation for
    a stated purpose until an expiry moment, optionally to some columns or some rows.

    Given and revoked through :mod:`marja.catalog.grants` (each in the ledger); a revoked
    grant is kept, with who revoked it and when. ``columns`` empty means every column;
    ``row_column`` empty means every row, else only rows whose value in that column is one
    of ``row_values``.
    """

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="grants"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    purpose = models.CharField(_("purpose"), max_length=300, validators=[validate_plain_text])
    expires_at = models.DateTimeField(_("expires"))
    columns = models.JSONField(_("columns shared"), default=list, blank=True)
    row_column = models.CharField(_("rows limited by"), max_length=63, blank=True)
    row_values = models.JSONField(_("rows shared"), default=list, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "organisation"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_open_grant_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset} → {self.organisation}"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def is_limited(self) -> bool:
        return bool(self.columns or self.row_column)

    @property
    def valid_through(self) -> dt.date:
        """The last local day on which the grant works."""
        return (timezone.localtime(self.expires_at) - dt.timedelta(microseconds=1)).date()
