"""The one exception of the allocation maths: a refusal that names its cause."""

from __future__ import annotations

from typing import Any


class AllocationError(ValueError):
    """Inputs or rules that cannot give an allocation (``code`` and ``params`` say why).

    ``params`` holds only JSON-friendly values (str, int, float, lists of them) so a
    refusal can be stored with a scenario and shown later exactly as it was.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}
