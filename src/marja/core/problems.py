"""What can be wrong with an upload, as data: rule codes and their parameters.

``core`` names problems by code; the web layer turns each code into a Persian and an
English sentence. A :class:`Report` keeps the first problems of each rule with row,
column and value, and the full count of every rule per column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

#: Problems kept in a report per rule and column; the counts stay exact beyond it.
KEEP_PER_RULE: Final = 1000


class FileProblem(ValueError):  # noqa: N818 (a finding, not a program error)
    """The file as a whole cannot be read (empty, binary, bad header, zip bomb…)."""

    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule, params)
        self.rule = rule
        self.params = params


@dataclass(frozen=True)
class Problem:
    rule: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            rule=data["rule"],
            row=data.get("row"),
            column=data.get("column"),
            value=data.get("value"),
            params=dict(data.get("params") or {}),
        )


@dataclass
class Report:
    """The outcome of reading and validating one upload."""

    problems: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    rows_total: int = 0
    bad_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.counts

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, problem: Problem, count: int = 1) -> None:
        self.counts[(problem.rule, problem.column)] += count
        self.problems.append(problem)

    def add_counted(self, rule: str, column: str | None, found: list[Problem], count: int) -> None:
        """Record ``count`` violations of ``rule`` of which ``found`` are the first ones."""
        if count:
            self.counts[(rule, column)] += count
            self.problems.extend(found[:KEEP_PER_RULE])

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows_total": self.rows_total,
            "bad_rows": self.bad_rows,
            "counts": [
                {"rule": rule, "column": column, "count": count}
                for (rule, column), count in sorted(
                    self.counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or "")
                )
            ],
            "problems": [p.to_dict() for p in self.sorted_problems()],
        }

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.row or 0, p.column or "", p.rule))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        report = cls(rows_total=data.get("rows_total", 0), bad_rows=data.get("bad_rows", 0))
        report.problems = [Problem.from_dict(p) for p in data.get("problems", ())]
        for item in data.get("counts", ()):
            report.counts[(item["rule"], item.get("column"))] = item["count"]
        return report


def file_report(problem: FileProblem) -> Report:
    report = Report()
    column = problem.params.get("column")
    report.add(
        Problem(
            problem.rule,
            row=problem.params.get("row"),
            column=None if column is None else str(column),
            value=problem.params.get("value"),
            params={k: v for k, v in problem.params.items() if k not in {"row", "value"}},
        )
    )
    return report
