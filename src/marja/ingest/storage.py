"""Where version data lives: the object store under the data folder."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from marja.core.store import LocalObjectStore


def object_store() -> LocalObjectStore:
    """The instance's store: ``MARJA_DATA_DIR/objects/sha256/ab/…``."""
    return LocalObjectStore(Path(settings.DATA_DIR))
