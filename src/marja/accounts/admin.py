"""The Persian admin for users and memberships (organisations: see catalog.admin)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Membership, User

admin.site.site_header = _("marja administration")
admin.site.site_title = _("marja administration")
admin.site.index_title = _("Organisations, accounts and the catalog")


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 1
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    search_fields = ["user__username", "organisation__name_fa"]
