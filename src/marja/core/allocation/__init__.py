"""Needs assessment and allocation of a budget among areas (counties), as plain maths.

- :mod:`.needs`: criteria → normalised, weighted need scores and ranks (weighted sum or
  TOPSIS; manual, equal, Shannon-entropy or mixed weights).
- :mod:`.allocate`: need scores → whole-rial amounts that add up to the total, under
  floors, caps, a limit on the change against last year and a pace of change.
- :mod:`.fairness`: Gini and Theil of per-capita amounts, rank correlation with need.
- :mod:`.sensitivity`: how stable each area's rank and amount are when weights move.
- :mod:`.projects`: an area's projects funded within its amount, unfinished first.

Every refusal is an :class:`AllocationError` with a code and parameters (the area, the
criterion, the figures); the web layer turns it into Persian and English sentences.
"""

from marja.core.allocation.errors import AllocationError

__all__ = ["AllocationError"]
