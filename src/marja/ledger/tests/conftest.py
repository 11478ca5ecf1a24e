"""A private data folder (objects, key) per test, so tampering never leaks to another."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from marja.catalog.demo import DemoResult
from marja.ingest.models import DatasetVersion

CENSUS = "county-population-1395"
BEDS = "hospital-beds"


@pytest.fixture
def own_data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def versions(
    own_data_dir: Path, demo: DemoResult, published: Callable[..., dict[str, DatasetVersion]]
) -> dict[str, DatasetVersion]:
    """Two demo datasets published into the test's own data folder."""
    return published(CENSUS, BEDS)
