"""The ledger's pages: its public key for everyone; entries and verification for system
administrators."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from marja.accounts.selectors import as_user
from marja.common.access import superuser_required
from marja.ledger.events import EVENTS
from marja.ledger.keys import instance_key, public_key_facts
from marja.ledger.messages import problem_text
from marja.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerVerification

ENTRIES_PER_PAGE = 50


@require_GET
def public_key_pem(request: HttpRequest) -> HttpResponse:
    """``/.well-known/marja-ledger-key.pem``: what receipts are checked against."""
    response = HttpResponse(instance_key().public.pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="marja-ledger-key.pem"'
    return response


@require_GET
def public_key_document(request: HttpRequest) -> JsonResponse:
    """``/.well-known/marja-ledger.json``: the key, its id and the newest checkpoint."""
    latest = LedgerCheckpoint.objects.order_by("-sequence", "-id").first()
    document: dict[str, Any] = {
        **public_key_facts(),
        "checkpoints": request.build_absolute_uri("/api/v1/ledger/checkpoints"),
        "latest_checkpoint": latest.as_checkpoint().to_dict() if latest else None,
    }
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})


@superuser_required
def entry_list(request: HttpRequest) -> HttpResponse:
    """Every entry, newest first, narrowed by action and object."""
    entries = LedgerEntry.objects.select_related("actor", "organisation").order_by("-sequence")
    action = request.GET.get("action", "")
    if action in EVENTS:
        entries = entries.filter(action=action)
    wanted = request.GET.get("object", "").strip()[:100]
    if wanted:
        entries = entries.filter(object_id=wanted)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"entry": e, "details": _details(e)} for e in page]
    context = {
        "page": page,
        "rows": rows,
        "actions": sorted(EVENTS),
        "action": action,
        "object": wanted,
        "head": LedgerHead.objects.filter(pk=1).first(),
        "checkpoint": LedgerCheckpoint.objects.order_by("-sequence", "-id").first(),
    }
    return render(request, "ledger/entries.html", context)


def _details(entry: LedgerEntry) -> str:
    text = json.dumps(entry.payload, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 300 else text[:300] + "…"


@superuser_required
@require_http_methods(["GET", "POST"])
def verification(request: HttpRequest) -> HttpResponse:
    """The latest verifications; a POST queues a new one for the background worker."""
    if request.method == "POST":
        _queue_verification(request)
        messages.info(request, _("The verification was queued; this page shows its result."))
        return redirect("ledger:verify")
    runs = list(LedgerVerification.objects.select_related("requested_by")[:10])
    latest = runs[0] if runs else None
    problems = []
    if latest is not None and latest.report.get("problems"):
        problems = [problem_text(p) for p in latest.report["problems"]]
    context = {
        "runs": runs,
        "latest": latest,
        "problems": problems,
        "pending": any(r.status in ("queued", "running") for r in runs),
        "public_key": instance_key().public,
    }
    return render(request, "ledger/verify.html", context)


def _queue_verification(request: HttpRequest) -> None:
    from marja.ledger.tasks import verify_in_background

    with transaction.atomic():
        run = LedgerVerification.objects.create(
            requested_by=as_user(request.user), through=LedgerVerification.Through.WEB
        )
        transaction.on_commit(lambda: verify_in_background.enqueue(run.pk))
