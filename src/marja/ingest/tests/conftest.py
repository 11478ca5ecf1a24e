"""Helpers for publishing tests: post a file to the publish page like a publisher does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marja.ingest.models import Publication

CENSUS = "county-population-1395"
HEADER = "کد شهرستان,جمعیت,تاریخ آمارگیری\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{row}\n" for row in rows)).encode("utf-8")


Publish = Callable[..., Publication]


@pytest.fixture
def publish(client_as: Callable[[str], Client]) -> Publish:
    """Post ``content`` as ``name`` to a dataset's publish page; return the publication."""

    def run(
        content: bytes,
        name: str = "data.csv",
        *,
        slug: str = CENSUS,
        user: str = "mpo.editor",
        **fields: Any,
    ) -> Publication:
        client = client_as(user)
        response = client.post(
            f"/datasets/{slug}/publish/",
            {"file": SimpleUploadedFile(name, content), **fields},
        )
        assert response.status_code == 302, response.content[:500]
        return Publication.objects.select_related("version").get(
            pk=response["Location"].rstrip("/").split("/")[-1]
        )

    return run
