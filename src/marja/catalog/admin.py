"""The Persian admin for the catalog and its reference lists.

Organisations are registered here rather than in ``accounts`` because, as a reference
list, every change to them records a new :class:`ReferenceListVersion`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation, User
from marja.catalog import services
from marja.catalog.models import (
    County,
    Dataset,
    DatasetGrant,
    Licence,
    Province,
    ReferenceListVersion,
    Tag,
    Theme,
)
from marja.common.forms import JalaliDateField
from marja.core.jalali import format_date


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class ReferenceListAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An admin whose saves and deletions record a new version of ``list_name``."""

    list_name = ""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        super().save_model(request, obj, form, change)
        services.record_reference_version(self.list_name, actor=_actor(request), note="admin")

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        services.record_reference_version(self.list_name, actor=_actor(request), note="admin")

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        services.record_reference_version(self.list_name, actor=_actor(request), note="admin")


@admin.register(Organisation)
class OrganisationAdmin(ReferenceListAdmin):
    list_name = "organisations"
    list_display = ["name_fa", "name_en", "kind", "parent", "slug"]
    list_filter = ["kind"]
    search_fields = ["name_fa", "name_en", "slug", "abbreviation"]
    autocomplete_fields = ["parent"]


@admin.register(County)
class CountyAdmin(ReferenceListAdmin):
    list_name = "counties"
    list_display = [
        "name_fa",
        "name_en",
        "code",
        "capital_fa",
        "population_1395",
        "households_1395",
    ]
    search_fields = ["name_fa", "name_en", "code"]


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_fa", "name_en", "code", "population_1395"]


@admin.register(ReferenceListVersion)
class ReferenceListVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Versions are history: they can be read, never edited."""

    list_display = ["list_name", "number", "created_at", "created_by", "note", "sha256"]
    list_filter = ["list_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_fa", "name_en", "slug", "position"]


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_fa", "name_en", "slug", "is_open"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    search_fields = ["name"]


class DatasetAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """Coverage dates typed and shown in Jalali, as on the publisher's form."""

    temporal_start = JalaliDateField(label=_("covers from"), required=False)
    temporal_end = JalaliDateField(label=_("covers until"), required=False)

    class Meta:
        model = Dataset
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields)


class DatasetGrantForm(forms.ModelForm):  # type: ignore[type-arg]
    expires_on = JalaliDateField(label=_("expires on"), required=False)

    class Meta:
        model = DatasetGrant
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields)


class DatasetGrantInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DatasetGrant
    form = DatasetGrantForm
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = DatasetAdminForm
    list_display = ["title_fa", "publisher", "theme", "access", "status", "updated"]
    list_filter = ["status", "access", "theme", "publisher"]
    search_fields = ["title_fa", "title_en", "slug"]
    autocomplete_fields = ["publisher", "tags", "counties"]
    inlines = [DatasetGrantInline]

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, dataset: Dataset) -> str:
        return format_date(timezone.localdate(dataset.updated_at))
