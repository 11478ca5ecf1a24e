"""Fixtures of the core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from marja.core.tests.query_support import COLUMNS, ROWS, write_parquet


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """The query tests' table as a Parquet file."""
    return write_parquet(tmp_path / "t.parquet", COLUMNS, ROWS)
