"""Projects funded within an area's amount, as the county committees' regulation asks:
unfinished projects first, then by priority, while money remains.

Order: unfinished projects (started, not finished) before new ones; within each, the
committee's priority (1 first), then the further along, then the code. Each project is
funded whole or not at all; one that does not fit in what is left is passed over with
the shortfall named, and smaller ones after it may still be funded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    UNFINISHED_FIRST = "unfinished_first"
    BY_PRIORITY = "by_priority"
    NOT_ENOUGH_LEFT = "not_enough_left"


@dataclass(frozen=True)
class ProjectNeed:
    code: str
    cost: int
    priority: int
    progress: float

    @property
    def unfinished(self) -> bool:
        return 0 < self.progress < 100


@dataclass(frozen=True)
class Funding:
    code: str
    funded: bool
    reason: Reason
    #: The place in the order of funding (1 first).
    order: int
    #: What was left before this project was considered.
    left_before: int


def fund(amount: int, projects: Sequence[ProjectNeed]) -> tuple[list[Funding], int]:
    """Which ``projects`` ``amount`` pays for, in funding order, and what is left."""
    ordered = sorted(projects, key=lambda p: (not p.unfinished, p.priority, -p.progress, p.code))
    left = amount
    decisions: list[Funding] = []
    for place, project in enumerate(ordered, start=1):
        fits = project.cost <= left
        if fits:
            reason = Reason.UNFINISHED_FIRST if project.unfinished else Reason.BY_PRIORITY
        else:
            reason = Reason.NOT_ENOUGH_LEFT
        decisions.append(Funding(project.code, fits, reason, place, left))
        if fits:
            left -= project.cost
    return decisions, left
