"""Projects funded within a county's amount: unfinished first, then by priority."""

from __future__ import annotations

from marja.core.allocation.projects import ProjectNeed, Reason, fund


def test_unfinished_projects_come_first_then_priority_while_money_remains() -> None:
    projects = [
        ProjectNeed("new-school", cost=180, priority=1, progress=0),
        ProjectNeed("hospital", cost=420, priority=1, progress=78),
        ProjectNeed("water", cost=260, priority=2, progress=35),
        ProjectNeed("road", cost=300, priority=3, progress=0),
        ProjectNeed("gym", cost=100, priority=4, progress=0),
    ]
    decisions, left = fund(1000, projects)
    order = [d.code for d in decisions]
    assert order == ["hospital", "water", "new-school", "road", "gym"]
    funded = {d.code: d for d in decisions}
    assert funded["hospital"].reason is Reason.UNFINISHED_FIRST
    assert funded["new-school"].funded and funded["new-school"].reason is Reason.BY_PRIORITY
    # 1000 − 420 − 260 − 180 = 140 left: the road (300) does not fit, the gym (100) does
    assert not funded["road"].funded and funded["road"].reason is Reason.NOT_ENOUGH_LEFT
    assert funded["road"].left_before == 140
    assert funded["gym"].funded
    assert left == 40


def test_a_finished_project_is_not_unfinished() -> None:
    assert not ProjectNeed("done", 1, 1, 100).unfinished
    assert not ProjectNeed("new", 1, 1, 0).unfinished
    assert ProjectNeed("half", 1, 1, 50).unfinished
