"""The verification as a background job (started from the administrator's page)."""

from __future__ import annotations

from django_tasks import task


@task()
def verify_in_background(verification_id: int) -> str:
    from marja.ledger.models import LedgerVerification
    from marja.ledger.verification import run_verification

    verification = LedgerVerification.objects.get(pk=verification_id)
    if verification.status != LedgerVerification.Status.QUEUED:
        return verification.status
    return run_verification(verification).status
