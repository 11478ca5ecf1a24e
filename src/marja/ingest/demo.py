"""Demo data, published through the real pipeline (placeholder: filled in next)."""

from __future__ import annotations

from collections.abc import Callable


def publish_demo_data(progress: Callable[[str], None] = lambda slug: None) -> int:
    return 0
