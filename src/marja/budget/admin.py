"""The admin where administrators keep the council's members, the stakeholders and the
county committees' projects, and read cycles and scenarios.

Cycles are created and scenarios changed on the pages or the API, through the services,
so each change is checked whole and recorded in the ledger; here they are read-only.
Final allocations can never be changed or deleted, here or anywhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from marja.budget.models import (
    AllocationScenario,
    BudgetCycle,
    Comment,
    CouncilMember,
    CouncilSession,
    FinalAllocation,
    Project,
    Stakeholder,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BudgetCycle)
class BudgetCycleAdmin(ReadOnlyAdmin):
    list_display = ["slug", "year", "programme_fa", "total", "owner"]
    search_fields = ["slug", "programme_fa"]


@admin.register(AllocationScenario)
class AllocationScenarioAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "number", "name_fa", "status", "method", "weighting", "computed_at"]
    list_filter = ["status", "method"]
    exclude = ["result"]


@admin.register(FinalAllocation)
class FinalAllocationAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "scenario", "total", "digest", "adopted_at", "dataset"]


@admin.register(CouncilSession)
class CouncilSessionAdmin(ReadOnlyAdmin):
    list_display = ["scenario", "quorum", "opened_at", "closed_at", "outcome"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["scenario", "author", "group", "county", "created_at"]


@admin.register(CouncilMember)
class CouncilMemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "role", "title_fa", "active"]
    list_filter = ["role", "active"]
    autocomplete_fields = ["user"]


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "group", "county"]
    list_filter = ["group"]
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "title", "cycle", "county", "cost", "progress", "priority"]
    list_filter = ["cycle", "county"]
    search_fields = ["code", "title"]
