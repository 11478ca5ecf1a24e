"""Quality and freshness of a dataset, measured from its data and its description.

Four measures, each between 0 and 1, and a score:

- **completeness**: the share of non-empty values in the required fields of the current
  version (in every field when none is required);
- **validity**: the share of the submitted rows that passed the schema (rows left out
  with "publish valid rows only" count against it);
- **timeliness**: the last new version against the promised frequency: *on time* until
  one and a half periods have passed (half a period of grace for publishing), *late*
  until three periods, then *stale*; datasets updated irregularly or never promise
  nothing (*unscheduled*), and one without data has *no data*;
- **documentation**, after udata's quality criteria: a description of at least 100
  characters, a licence, temporal coverage, spatial coverage, a declared update
  frequency, a contact, and fields with labels and descriptions (that one counts by the
  share of fields documented).

The **score** (0-100) is the mean of the measures that apply (timeliness: 1, ½ or 0;
unscheduled leaves it out), and its grade A (85+), B (70+), C (50+) or D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

#: Days between two versions of each promised frequency.
PERIOD_DAYS: Final = {
    "daily": 1.0,
    "weekly": 7.0,
    "monthly": 30.44,
    "quarterly": 91.31,
    "yearly": 365.25,
}
#: Periods after the last version that a dataset is on time, then late (then stale).
ON_TIME_PERIODS: Final = 1.5
LATE_PERIODS: Final = 3.0
MIN_DESCRIPTION: Final = 100
GRADES: Final = ((85, "A"), (70, "B"), (50, "C"), (0, "D"))


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    STALE = "stale"
    UNSCHEDULED = "unscheduled"
    NO_DATA = "no_data"


TIMELINESS_POINTS: Final = {
    Timeliness.ON_TIME: 1.0,
    Timeliness.LATE: 0.5,
    Timeliness.STALE: 0.0,
    Timeliness.NO_DATA: 0.0,
}


@dataclass(frozen=True)
class Schedule:
    """When a dataset updated at ``last`` becomes late, and stale."""

    due_at: dt.datetime
    stale_at: dt.datetime


def schedule(last: dt.datetime | None, frequency: str) -> Schedule | None:
    days = PERIOD_DAYS.get(frequency)
    if last is None or days is None:
        return None
    return Schedule(
        due_at=last + dt.timedelta(days=days * ON_TIME_PERIODS),
        stale_at=last + dt.timedelta(days=days * LATE_PERIODS),
    )


def timeliness(last: dt.datetime | None, frequency: str, now: dt.datetime) -> Timeliness:
    if last is None:
        return Timeliness.NO_DATA
    due = schedule(last, frequency)
    if due is None:
        return Timeliness.UNSCHEDULED
    if now <= due.due_at:
        return Timeliness.ON_TIME
    return Timeliness.LATE if now <= due.stale_at else Timeliness.STALE


def completeness(
    stats: Iterable[Mapping[str, Any]], rows: int, required: Sequence[str], fields: Sequence[str]
) -> float | None:
    """Non-empty share of the required fields' values (every field when none is)."""
    if rows <= 0:
        return None
    counted = list(required) or list(fields)
    if not counted:
        return None
    nulls = {s.get("field"): int(s.get("nulls") or 0) for s in stats}
    empty = sum(min(nulls.get(name, 0), rows) for name in counted)
    return 1 - empty / (rows * len(counted))


def validity(rows: int, excluded: int) -> float | None:
    submitted = rows + excluded
    return rows / submitted if submitted > 0 else None


@dataclass(frozen=True)
class Description:
    """What the documentation measure looks at."""

    description: str
    licence: bool
    temporal: bool
    spatial: bool
    frequency: bool
    contact: bool
    #: Fields of the schema; each (labelled, described).
    fields: Sequence[tuple[bool, bool]] = ()


def documentation_checks(about: Description) -> dict[str, float]:
    """Each documentation criterion, 0 or 1 (fields: the share documented)."""
    fields = (
        sum((labelled + described) / 2 for labelled, described in about.fields) / len(about.fields)
        if about.fields
        else 0.0
    )
    return {
        "description": float(len(about.description.strip()) >= MIN_DESCRIPTION),
        "licence": float(about.licence),
        "temporal": float(about.temporal),
        "spatial": float(about.spatial),
        "frequency": float(about.frequency),
        "contact": float(about.contact),
        "fields": fields,
    }


@dataclass(frozen=True)
class Quality:
    completeness: float | None
    validity: float | None
    timeliness: Timeliness
    documentation: float
    checks: Mapping[str, float]
    score: int
    due_at: dt.datetime | None = None
    stale_at: dt.datetime | None = None

    @property
    def grade(self) -> str:
        return grade_of(self.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "completeness": _rounded(self.completeness),
            "validity": _rounded(self.validity),
            "timeliness": self.timeliness.value,
            "documentation": _rounded(self.documentation),
            "documentation_checks": {k: _rounded(v) for k, v in self.checks.items()},
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "stale_at": self.stale_at.isoformat() if self.stale_at else None,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def grade_of(score: int) -> str:
    return next(letter for floor, letter in GRADES if score >= floor)


def measure(
    *,
    about: Description,
    last: dt.datetime | None,
    frequency: str,
    now: dt.datetime,
    complete: float | None,
    valid: float | None,
) -> Quality:
    checks = documentation_checks(about)
    documented = sum(checks.values()) / len(checks)
    fresh = timeliness(last, frequency, now)
    parts = [p for p in (complete, valid) if p is not None] + [documented]
    if fresh is not Timeliness.UNSCHEDULED:
        parts.append(TIMELINESS_POINTS[fresh])
    if last is None:  # no data: nothing was measured, and that counts
        parts += [0.0, 0.0]
    due = schedule(last, frequency)
    return Quality(
        completeness=complete,
        validity=valid,
        timeliness=fresh,
        documentation=documented,
        checks=checks,
        score=round(100 * sum(parts) / len(parts)),
        due_at=due.due_at if due else None,
        stale_at=due.stale_at if due else None,
    )
