"""The trust ledger as JSON: the instance's public key, its signed checkpoints, version
receipts, and checking a receipt (docs/ledger.md)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema

from marja.api.auth import caller
from marja.api.catalog import version_or_404
from marja.api.errors import ApiError, in_both_languages
from marja.api.schemas import PageParams, errors, page_links
from marja.core.receipt import Expected
from marja.ingest.models import DatasetVersion
from marja.ingest.receipts import receipt_for
from marja.ledger.keys import public_key_facts
from marja.ledger.messages import receipt_problem
from marja.ledger.models import LedgerCheckpoint
from marja.ledger.proofs import ProofUnavailableError, check_receipt_here
from marja.query.selectors import readable_version

router = Router(tags=["ledger"])


class KeyOut(Schema):
    instance: str
    algorithm: str
    key_id: str
    public_key: str
    public_key_pem: str
    pem_url: str


class CheckpointOut(Schema):
    id: int
    sequence: int
    head_hash: str
    instance: str
    key_id: str
    signed_at: str
    signature: str
    reason: str


class CheckpointPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[CheckpointOut]


def key_document(request: HttpRequest) -> dict[str, Any]:
    return {
        **public_key_facts(),
        "pem_url": request.build_absolute_uri(reverse("ledger:public_key_pem")),
    }


@router.get(
    "/ledger/key",
    response=KeyOut,
    summary="The instance's public key, which checks its checkpoints and receipts",
)
def key(request: HttpRequest) -> dict[str, Any]:
    return key_document(request)


def checkpoint_out(checkpoint: LedgerCheckpoint) -> CheckpointOut:
    return CheckpointOut(
        id=checkpoint.pk,
        sequence=checkpoint.sequence,
        head_hash=checkpoint.head_hash,
        instance=checkpoint.instance,
        key_id=checkpoint.key_id,
        signed_at=checkpoint.signed_at,
        signature=checkpoint.signature,
        reason=checkpoint.reason,
    )


@router.get(
    "/ledger/checkpoints",
    response={200: CheckpointPage, **errors(400)},
    summary="Signed checkpoints of the ledger, newest first",
    description="Each signs the ledger's first `sequence` entries: `head_hash` is the "
    "hash of entry `sequence`. Anyone may keep copies to check later that the ledger was "
    "not rewritten (a checkpoint that no longer matches is reported by `marja verify`).",
)
def checkpoints(request: HttpRequest, page: Query[PageParams]) -> CheckpointPage:
    every = LedgerCheckpoint.objects.order_by("-sequence", "-id")
    count = every.count()
    return CheckpointPage(
        count=count,
        results=[checkpoint_out(c) for c in every[page.offset : page.offset + page.limit]],
        **page_links(request, count, page),
    )


def receipt_links(request: HttpRequest, version: DatasetVersion) -> dict[str, str]:
    slug = version.dataset.slug
    return {
        "version": request.build_absolute_uri(f"/datasets/{slug}/versions/{version.number}/"),
        "public_key": request.build_absolute_uri("/.well-known/marja-ledger-key.pem"),
        "verify": request.build_absolute_uri("/api/v1/receipts/verify"),
    }


def unavailable(error: ProofUnavailableError) -> ApiError:
    if error.code == "unrecorded":
        return ApiError(
            409,
            "receipt_unrecorded",
            _("This version was published before the ledger recorded versions; it has no receipt."),
        )
    return ApiError(
        503,
        "ledger_inconsistent",
        _(
            "The ledger does not hold together around this version, so no receipt is issued. "
            "Ask the administrators to run the verification (marja verify)."
        ),
    )


@router.get(
    "/datasets/{slug}/versions/{ref}/receipt",
    response={200: dict[str, Any], **errors(404, 409, 503)},
    summary="A receipt of a version: proof, checkable offline, of what was published",
    description="The version's `version.published` ledger entry, the hashes that chain it "
    "to a signed checkpoint, and that checkpoint. Check it with `marja verify-receipt "
    "receipt.json --public-key key.pem` (docs/ledger.md) or `POST /api/v1/receipts/verify`.",
)
def receipt(request: HttpRequest, slug: str, ref: str) -> dict[str, Any]:
    _dataset, version = version_or_404(request, slug, ref)
    try:
        return receipt_for(version, links=receipt_links(request, version))
    except ProofUnavailableError as error:
        raise unavailable(error) from None


class ReceiptCheckIn(Schema):
    receipt: dict[str, Any]
    dataset: str | None = None
    version: int | None = None
    sha256: str | None = None


class ReceiptProblemOut(Schema):
    code: str
    message_fa: str
    message_en: str
    params: dict[str, Any]


class ReceiptCheckOut(Schema):
    valid: bool
    problems: list[ReceiptProblemOut]
    dataset: str | None
    version: int | None
    sha256: str | None
    ledger_sequence: int | None
    recorded_at: str | None
    checkpoint_sequence: int | None
    signed_at: str | None
    current: bool | None


@router.post(
    "/receipts/verify",
    response={200: ReceiptCheckOut, **errors(400)},
    summary="Check a receipt against this instance's key and its ledger",
    description="Answers `valid` with every problem found (forged, edited, another "
    "instance's, or a genuine receipt presented for another dataset, version or file "
    "hash); `current` says whether the version is still the dataset's current one (when "
    "the caller may see the dataset). Needs no login.",
)
def verify_receipt(request: HttpRequest, body: ReceiptCheckIn) -> ReceiptCheckOut:
    here = check_receipt_here(
        body.receipt, Expected(dataset=body.dataset, version=body.version, sha256=body.sha256)
    )
    check = here.check
    problems = list(check.problems)
    if check.ok and not (here.entry_in_ledger and here.checkpoint_kept):
        problems.append(("receipt_not_in_ledger", {}))
    subject, entry, checkpoint = check.subject, check.entry, check.checkpoint
    return ReceiptCheckOut(
        valid=not problems,
        problems=[_problem_out(code, params) for code, params in problems],
        dataset=subject.dataset if subject else None,
        version=subject.version if subject else None,
        sha256=subject.sha256 if subject else None,
        ledger_sequence=entry.sequence if entry else None,
        recorded_at=entry.recorded_at if entry else None,
        checkpoint_sequence=checkpoint.sequence if checkpoint else None,
        signed_at=checkpoint.signed_at if checkpoint else None,
        current=_is_current(request, subject.dataset, subject.version)
        if subject and not problems
        else None,
    )


def _problem_out(code: str, params: dict[str, Any]) -> ReceiptProblemOut:
    from marja.ledger.messages import RECEIPT_PROBLEMS

    if code in RECEIPT_PROBLEMS:
        both = in_both_languages(RECEIPT_PROBLEMS[code], params)
        fa, en = both["fa"], both["en"]
    else:
        fa = en = receipt_problem(code, params)
    return ReceiptProblemOut(code=code, message_fa=fa, message_en=en, params=params)


def _is_current(request: HttpRequest, slug: str, number: int) -> bool | None:
    try:
        _dataset, current = readable_version(caller(request), slug, "")
    except Http404:
        return None
    return current.number == number
