"""How results are ordered, in SQL that SQLite and PostgreSQL evaluate alike.

A dataset's score is its text score times a boost of 100 + up to 40 points:

- text: for each query word, 50 when it is a whole word of the title (35 when it starts
  one), 12 for a whole word of the keywords (tags, field names and labels, organisation,
  theme, counties; 8 when it starts one), 2 when only the description has it;
- boost: how well the dataset is kept (``SearchFacts.quality``, 0-25), 10 when its
  data changed in the last 90 days (5 in the last year), minus 8 when a new version is
  overdue for its declared frequency.

Integer arithmetic only, so the order is the same on both databases; ties go to the
most recently updated, then to the oldest dataset.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from marja.core.fulltext import Clause, ParsedQuery

WEIGHTS = {
    "title_key": (50, 35),
    "keywords_key": (12, 8),
}
BODY_WEIGHT = 2
RECENT = ((dt.timedelta(days=90), 10), (dt.timedelta(days=365), 5))
OVERDUE_PENALTY = 8


def _any_token(field: str, clause: Clause, *, whole: bool) -> Q:
    condition = Q()
    for alternative in clause.alternatives:
        token = f" {alternative} " if whole else f" {alternative}"
        condition |= Q(**{f"search_document__{field}__contains": token})
    return condition


def _clause_score(clause: Clause, *, any_clause: bool) -> Case:
    whens = []
    for field, (word, prefix) in WEIGHTS.items():
        whens.append(When(_any_token(field, clause, whole=True), then=Value(word)))
        whens.append(When(_any_token(field, clause, whole=False), then=Value(prefix)))
    if any_clause:
        # Some words may be missing altogether: only those in the description count.
        whens.append(When(_any_token("body_key", clause, whole=False), then=Value(BODY_WEIGHT)))
        default = 0
    else:
        default = BODY_WEIGHT  # the engine matched it, so it is in the description
    return Case(*whens, default=Value(default), output_field=IntegerField())


def text_score(query: ParsedQuery, *, any_clause: bool) -> Combinable:
    total: Combinable = Value(0)
    for clause in query.clauses:
        total = total + _clause_score(clause, any_clause=any_clause)
    return total


def last_change() -> Coalesce:
    """When the dataset's data last changed (its metadata, when it has no data yet)."""
    return Coalesce(F("search_facts__data_updated_at"), F("updated_at"))


def boost(now: dt.datetime) -> Combinable:
    """100 plus the dataset's upkeep points, as of ``now``."""
    fresh = Case(
        *(
            When(GreaterThanOrEqual(last_change(), now - age), then=Value(points))
            for age, points in RECENT
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    late = Case(
        When(search_facts__due_at__lt=now, then=Value(-OVERDUE_PENALTY)),
        default=Value(0),
        output_field=IntegerField(),
    )
    quality = Coalesce(F("search_facts__quality"), Value(0), output_field=IntegerField())
    return Value(100) + quality + fresh + late


def score(query: ParsedQuery, *, any_clause: bool, now: dt.datetime) -> Combinable:
    """Text score times upkeep boost; the boost alone for a query without words."""
    if query.clauses:
        return text_score(query, any_clause=any_clause) * boost(now)
    return boost(now)
