"""Sharing restricted datasets: grants given and revoked by the publisher's administrators.

A grant names the organisation, the purpose and the day it ends (the grant works through
that day, local time), and optionally the columns shared (an allow-list: columns added
later stay hidden) and the rows shared (those whose value in one column is among the
given values, e.g. one county). Its terms are checked against the dataset's columns when
it is given; each grant and revocation is recorded in the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marja.accounts.models import Membership, Organisation, User
from marja.accounts.selectors import AnyUser, as_user
from marja.catalog.models import County, Dataset, DatasetGrant
from marja.core.convert import reference_aliases
from marja.core.schema import FieldType, Schema
from marja.core.text import normalize
from marja.ledger.services import record

#: The longest a grant may run, in days (it can be given again).
MAX_GRANT_DAYS = 3 * 366
#: Types of the columns that may limit the rows of a grant.
ROW_LIMIT_TYPES = (FieldType.COUNTY, FieldType.STRING)


def can_manage_grants(user: AnyUser, dataset: Dataset) -> bool:
    """Administrators of the dataset's publisher, and system administrators."""
    member = as_user(user)
    if member is None:
        return False
    return (
        member.is_superuser
        or member.memberships.filter(
            organisation_id=dataset.publisher_id, role=Membership.Role.ADMIN
        ).exists()
    )


@dataclass(frozen=True)
class GrantIn:
    organisation: Organisation
    purpose: str
    expires_on: dt.date
    columns: list[str] = field(default_factory=list)
    row_column: str = ""
    row_values: list[str] = field(default_factory=list)


@transaction.atomic
def give_grant(
    dataset: Dataset, terms: GrantIn, *, schema: Schema | None, actor: User | None
) -> DatasetGrant:
    """Share ``dataset`` with ``terms.organisation``; raises ``ValidationError`` keyed by
    the field at fault (nothing is stored then) or ``PermissionDenied``.

    ``schema``: the dataset's columns now (its current version's, else its declared
    schema), which the terms are checked against; ``actor`` None is the operator at the
    console (the demo loader).
    """
    if actor is not None and not can_manage_grants(actor, dataset):
        raise PermissionDenied
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    columns, row_values = _checked(locked, terms, schema)
    if DatasetGrant.objects.filter(
        dataset=locked, organisation=terms.organisation, revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():  # fmt: skip
        raise ValidationError(
            {
                "organisation": _(
                    "«%(organisation)s» already holds a grant for this dataset; revoke it "
                    "first to give new terms."
                )
                % {"organisation": terms.organisation.name}
            }
        )
    # An expired grant of the pair is closed, so the new one can be the open one.
    DatasetGrant.objects.filter(
        dataset=locked, organisation=terms.organisation, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    grant = DatasetGrant(
        dataset=locked,
        organisation=terms.organisation,
        purpose=normalize(terms.purpose, digits="keep").strip(),
        expires_at=_end_of(terms.expires_on),
        columns=columns,
        row_column=terms.row_column,
        row_values=row_values,
        granted_by=actor,
    )
    grant.full_clean(exclude=["dataset", "organisation", "granted_by", "revoked_by"])
    grant.save()
    record(
        "grant.given",
        actor=actor,
        organisation=locked.publisher,
        object_type="dataset",
        object_id=locked.slug,
        payload={
            "grant": grant.pk,
            "to": terms.organisation.slug,
            "purpose": grant.purpose,
            "expires_at": grant.expires_at.isoformat(),
            "columns": columns,
            "row_column": grant.row_column,
            "row_values": row_values,
        },
    )
    return grant


def _checked(
    dataset: Dataset, terms: GrantIn, schema: Schema | None
) -> tuple[list[str], list[str]]:
    """The grant's columns and row values, checked against the dataset."""
    problems: dict[str, str] = {}
    if dataset.access != Dataset.Access.RESTRICTED:
        problems["organisation"] = _(
            "Only restricted datasets are shared by grant; this one is “%(access)s”, so "
            "its readers need none."
        ) % {"access": dataset.get_access_display()}
    if terms.organisation.pk == dataset.publisher_id:
        problems["organisation"] = _("The publisher already reads its own data.")
    if not normalize(terms.purpose, digits="keep").strip():
        problems["purpose"] = _("State the purpose the data is shared for.")
    today = timezone.localdate()
    if terms.expires_on < today:
        problems["expires_on"] = _("The expiry date has passed; choose a later date.")
    elif terms.expires_on > today + dt.timedelta(days=MAX_GRANT_DAYS):
        problems["expires_on"] = _("A grant may run for at most %(days)s days.") % {
            "days": MAX_GRANT_DAYS
        }
    names = schema.names if schema is not None else []
    columns = list(dict.fromkeys(c.strip() for c in terms.columns if c.strip()))
    unknown = [c for c in columns if c not in names]
    if unknown:
        problems["columns"] = _(
            "The dataset has no column %(unknown)s (its columns: %(known)s)."
        ) % {"unknown": ", ".join(unknown), "known": ", ".join(names) or "—"}
    values = [v.strip() for v in terms.row_values if v.strip()]
    if terms.row_column:
        if schema is None or terms.row_column not in names:
            problems["row_column"] = _(
                "The dataset has no column %(unknown)s (its columns: %(known)s)."
            ) % {"unknown": terms.row_column, "known": ", ".join(names) or "—"}
        elif schema.field(terms.row_column).type not in ROW_LIMIT_TYPES:
            problems["row_column"] = _(
                "Rows can be limited by a county or text column only; «%(column)s» is not one."
            ) % {"column": terms.row_column}
        elif not values:
            problems["row_values"] = _("Give the values of the rows to share.")
        elif schema.field(terms.row_column).type is FieldType.COUNTY:
            values, bad = _county_codes(values)
            if bad:
                problems["row_values"] = _("There is no county %(values)s.") % {
                    "values": ", ".join(bad)
                }
    elif values:
        problems["row_column"] = _("Choose the column the shared rows are chosen by.")
    if problems:
        raise ValidationError(problems)
    return columns, list(dict.fromkeys(values))


def _county_codes(values: list[str]) -> tuple[list[str], list[str]]:
    aliases = reference_aliases(
        {c.code: (c.name_fa, c.name_en) for c in County.objects.only("code", "name_fa", "name_en")}
    )
    codes, bad = [], []
    for value in values:
        code = aliases.get(normalize(value).lower())
        if code is None:
            bad.append(value)
        else:
            codes.append(code)
    return codes, bad


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the local time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@transaction.atomic
def revoke_grant(grant: DatasetGrant, *, actor: User) -> DatasetGrant:
    """Withdraw ``grant`` now; revoking it again changes and records nothing."""
    if not can_manage_grants(actor, grant.dataset):
        raise PermissionDenied
    locked = (
        DatasetGrant.objects.select_for_update().select_related("organisation").get(pk=grant.pk)
    )
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "grant.revoked",
            actor=actor,
            organisation=grant.dataset.publisher,
            object_type="dataset",
            object_id=grant.dataset.slug,
            payload={"grant": locked.pk, "to": locked.organisation.slug},
        )
    return locked
