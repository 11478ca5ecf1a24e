"""Who may read a restricted dataset, and who did: grants and the read log, for the
publisher's administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marja.accounts.models import User
from marja.catalog.grants import can_manage_grants, give_grant, revoke_grant
from marja.catalog.models import Dataset, DatasetGrant
from marja.catalog.selectors import dataset_for
from marja.core.schema import Schema
from marja.ingest.grant_forms import GrantForm
from marja.ingest.grant_terms import shared_part
from marja.ingest.selectors import current_version, declared_schema
from marja.ledger.models import LedgerEntry

READS_PER_PAGE = 50


def _managed(request: HttpRequest, slug: str) -> tuple[Dataset, User]:
    dataset = dataset_for(request.user, slug)
    if not isinstance(request.user, User) or not can_manage_grants(request.user, dataset):
        raise PermissionDenied
    return dataset, request.user


def dataset_columns(dataset: Dataset) -> Schema | None:
    """The columns a grant may name: the current version's, else the declared schema."""
    version = current_version(dataset)
    if version is not None:
        return Schema.from_dict(version.schema)
    return declared_schema(dataset)


@login_required
def grants(request: HttpRequest, slug: str) -> HttpResponse:
    """The dataset's grants, past and present, and the form of a new one."""
    dataset, user = _managed(request, slug)
    schema = dataset_columns(dataset)
    form = GrantForm(request.POST or None, dataset=dataset, schema=schema)
    if request.method == "POST" and form.is_valid():
        try:
            give_grant(dataset, form.terms(), schema=schema, actor=user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The grant was given; it is in the ledger."))
            return redirect("ingest:grants", slug=dataset.slug)
    now = timezone.now()
    rows = [
        {"grant": g, "status": _status(g, now), "shared": shared_part(g, schema)}
        for g in dataset.grants.select_related("organisation", "granted_by", "revoked_by")
    ]
    context: dict[str, Any] = {
        "dataset": dataset,
        "grants": rows,
        "form": form,
        "restricted": dataset.access == Dataset.Access.RESTRICTED,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "ingest/grants.html", context, status=status)


def _status(grant: DatasetGrant, now: Any) -> str:
    if grant.revoked_at is not None and grant.revoked_at < grant.expires_at:
        return "revoked"
    return "active" if grant.expires_at > now and grant.revoked_at is None else "expired"


@login_required
@require_POST
def grant_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    dataset, user = _managed(request, slug)
    grant = dataset.grants.filter(pk=pk).first()
    if grant is None:
        raise Http404
    revoke_grant(grant, actor=user)
    messages.success(request, _("The grant was revoked; it is in the ledger."))
    return redirect("ingest:grants", slug=dataset.slug)


@login_required
def reads(request: HttpRequest, slug: str) -> HttpResponse:
    """Every recorded read of the dataset's data: who, for which organisation, when, how."""
    dataset, _user = _managed(request, slug)
    entries = (
        LedgerEntry.objects.filter(
            action="data.read", object_type="dataset", object_id=dataset.slug
        )
        .select_related("actor", "organisation")
        .order_by("-sequence")
    )
    page = Paginator(entries, READS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"entry": e, "details": e.payload} for e in page]
    return render(request, "ingest/reads.html", {"dataset": dataset, "page": page, "rows": rows})
