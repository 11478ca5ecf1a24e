"""Changes to indicators: targets, hand-entered values, factors; each in the ledger.

Every function checks its input whole before it stores anything and raises
``ValidationError`` keyed by the field at fault (year, county, value, measured_on…), or
``PermissionDenied``; nothing is stored then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation, User
from marja.accounts.selectors import AnyUser, can_edit_for
from marja.catalog.models import County
from marja.common.display import digits_lazy
from marja.common.forms import JalaliDateField
from marja.core.text import normalize
from marja.indicators.models import Actual, Factor, Indicator, Target
from marja.ledger.services import record

#: Problems by field: messages rendered when read, so each reader gets their language.
Problems = dict[str, Promise | ValidationError]


def can_manage(user: AnyUser, indicator: Indicator) -> bool:
    """Editors and administrators of the indicator's owner, and system administrators."""
    return can_edit_for(user, indicator.owner)


@dataclass(frozen=True)
class TargetIn:
    year: int
    #: A county code of the reference list; empty for the province.
    county: str = ""
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ActualIn:
    year: int
    value: float
    evidence_url: str
    #: The date of the evidence as typed (Jalali, e.g. 1403/02/15).
    measured_on: str
    county: str = ""


@dataclass(frozen=True)
class FactorIn:
    year: int
    kind: str
    category: str
    description: str
    evidence: str = ""
    responsible: Organisation | None = None


def set_target(indicator: Indicator, terms: TargetIn, *, actor: User | None) -> Target:
    """Set (or change) the target of ``indicator`` for a year and county."""
    _allowed(actor, indicator)
    problems: Problems = {}
    _check_year(indicator, terms.year, problems, first=indicator.baseline_year + 1)
    county = _county(terms.county, problems)
    if indicator.direction == Indicator.Direction.BAND:
        if not (_finite(terms.low) and _finite(terms.high)):
            problems["low"] = _("A target band needs both its lowest and its highest value.")
        elif terms.low is not None and terms.high is not None and terms.low > terms.high:
            problems["high"] = _("The band's highest value is below its lowest value.")
    elif not _finite(terms.value):
        problems["value"] = _("Give the target as a number.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        target, created = Target.objects.select_for_update().get_or_create(
            indicator=indicator, year=terms.year, county=county
        )
        before = {"value": target.value, "low": target.low, "high": target.high}
        if indicator.direction == Indicator.Direction.BAND:  # a band has no single value
            target.value, target.low, target.high = None, terms.low, terms.high
        else:
            target.value, target.low, target.high = terms.value, None, None
        target.save()
        _record(
            "target.set",
            indicator,
            actor,
            {
                "year": terms.year,
                "county": county.code if county else None,
                "value": target.value,
                "low": target.low,
                "high": target.high,
                "before": None if created else before,
            },
        )
    return target


def enter_actual(indicator: Indicator, value: ActualIn, *, actor: User | None) -> Actual:
    """Record a hand-entered value of an indicator measured by hand, with its evidence."""
    _allowed(actor, indicator)
    problems: Problems = {}
    if indicator.origin != Indicator.Origin.MANUAL:
        problems["value"] = _(
            "This indicator is computed from its dataset; its values are not typed by hand."
        )
    _check_year(indicator, value.year, problems, first=indicator.baseline_year)
    county = _county(value.county, problems)
    if not _finite(value.value):
        problems["value"] = _("Give the value as a number.")
    try:
        URLValidator(schemes=["http", "https"])(value.evidence_url)
    except ValidationError:
        problems["evidence_url"] = _(
            "Give the address (http or https) of the document the value comes from."
        )
    measured_on = None
    try:
        measured_on = JalaliDateField().clean(value.measured_on)
    except ValidationError as exc:
        problems["measured_on"] = exc
    if measured_on is not None and measured_on > timezone.localdate():
        problems["measured_on"] = _("The evidence's date is in the future.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        actual, created = Actual.objects.select_for_update().get_or_create(
            indicator=indicator, year=value.year, county=county
        )
        before = {
            "value": actual.value,
            "evidence_url": actual.evidence_url,
            "measured_on": actual.measured_on.isoformat() if actual.measured_on else None,
        }
        actual.value, actual.evidence_url, actual.measured_on = (
            value.value,
            value.evidence_url,
            measured_on,
        )
        actual.numerator, actual.denominator, actual.note, actual.sources = (
            value.value,
            None,
            "",
            [],
        )
        actual.entered_by = actor
        actual.save()
        _record(
            "actual.entered",
            indicator,
            actor,
            {
                "year": value.year,
                "county": county.code if county else None,
                "value": value.value,
                "evidence_url": value.evidence_url,
                "measured_on": measured_on.isoformat() if measured_on else None,
                "before": None if created else before,
            },
        )
    return actual


def add_factor(indicator: Indicator, factor: FactorIn, *, actor: User | None) -> Factor:
    """Attach a driver or an obstacle to ``indicator`` for a year."""
    _allowed(actor, indicator)
    problems: Problems = {}
    _check_year(indicator, factor.year, problems, first=indicator.baseline_year)
    if factor.kind not in Factor.Kind.values:
        problems["kind"] = _("Say whether the factor drives the indicator or holds it back.")
    if factor.category not in Factor.Category.values:
        problems["category"] = _("Choose one of the listed categories.")
    description = normalize(factor.description, digits="keep").strip()
    if not description:
        problems["description"] = _("Describe the factor.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        created = Factor(
            indicator=indicator,
            year=factor.year,
            kind=factor.kind,
            category=factor.category,
            description=description,
            evidence=factor.evidence.strip(),
            responsible=factor.responsible,
            created_by=actor,
        )
        created.full_clean(exclude=["indicator", "responsible", "created_by"])
        created.save()
        _record(
            "factor.added",
            indicator,
            actor,
            {
                "factor": created.pk,
                "year": factor.year,
                "kind": factor.kind,
                "category": factor.category,
                "description": description,
                "responsible": factor.responsible.slug if factor.responsible else None,
            },
        )
    return created


def _record(action: str, indicator: Indicator, actor: User | None, payload: dict[str, Any]) -> None:
    record(
        action,
        actor=actor,
        organisation=indicator.owner,
        object_type="indicator",
        object_id=f"{indicator.plan.slug}/{indicator.code}",
        payload=payload,
    )


def _allowed(actor: User | None, indicator: Indicator) -> None:
    """``actor`` None is the operator at the console (the demo loader)."""
    if actor is not None and not can_manage(actor, indicator):
        raise PermissionDenied


def _check_year(indicator: Indicator, year: int, problems: Problems, *, first: int) -> None:
    plan = indicator.plan
    if not first <= year <= plan.end_year:
        problems["year"] = ValidationError(
            _("The year %(year)s is outside the plan: give a year from %(first)s to %(last)s."),
            code="year_outside_plan",
            params={
                "year": digits_lazy(year),
                "first": digits_lazy(first),
                "last": digits_lazy(plan.end_year),
            },
        )


def _county(code: str, problems: Problems) -> County | None:
    if not code:
        return None
    county = County.objects.filter(code=code.strip().lower()).first()
    if county is None:
        problems["county"] = ValidationError(
            _("There is no county «%(county)s» in the reference list of the province's counties."),
            code="unknown_county",
            params={"county": code},
        )
    return county


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
