"""The Persian admin for users, memberships and API tokens (organisations: catalog.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from marja.accounts import services
from marja.accounts.models import ApiToken, Membership, User

admin.site.site_header = _("marja administration")
admin.site.site_title = _("marja administration")
admin.site.index_title = _("Organisations, accounts and the catalog")


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 1
    autocomplete_fields = ["organisation"]


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Memberships change through the services, so each change is in the ledger."""
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        for inline in formset.forms:
            if not inline.has_changed() and not formset._should_delete_form(inline):
                continue
            membership = inline.instance
            if formset._should_delete_form(inline):
                if membership.pk is not None:
                    services.remove_membership(
                        membership.user, membership.organisation, actor=_actor(request)
                    )
                continue
            data = inline.cleaned_data
            if membership.pk is not None and "organisation" in inline.changed_data:
                previous = Membership.objects.get(pk=membership.pk)
                services.remove_membership(
                    previous.user, previous.organisation, actor=_actor(request)
                )
            services.set_membership(
                form.instance, data["organisation"], data["role"], actor=_actor(request)
            )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Memberships change through the services, so each change is in the ledger."""

    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    search_fields = ["user__username", "organisation__name_fa"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            previous = Membership.objects.get(pk=obj.pk)
            if (previous.user_id, previous.organisation_id) != (obj.user_id, obj.organisation_id):
                services.remove_membership(
                    previous.user, previous.organisation, actor=_actor(request)
                )
        saved = services.set_membership(obj.user, obj.organisation, obj.role, actor=_actor(request))
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.remove_membership(obj.user, obj.organisation, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user", "organisation"):
            services.remove_membership(
                membership.user, membership.organisation, actor=_actor(request)
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens are seen and revoked here, never created, changed or deleted."""

    list_display = ["prefix", "name", "user", "scope", "created_at", "expires_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at=None):
            services.revoke_token(token, actor=request.user)
        self.message_user(request, _("The selected tokens were revoked."), messages.SUCCESS)
