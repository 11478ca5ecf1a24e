"""Fixtures shared by every test: the demo province and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from marja.accounts.models import Organisation, User
from marja.catalog.demo import DemoResult, load_demo
from marja.ingest.models import DatasetVersion


@pytest.fixture
def demo(db: None) -> DemoResult:
    """The demo province, loaded through the same loader as `marja load-demo`."""
    return load_demo()


@pytest.fixture
def client_as(demo: DemoResult) -> Callable[[str], Client]:
    """A client logged in as a demo user (admin, mpo.editor, tums.admin, governorate.viewer)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def org(demo: DemoResult) -> Callable[[str], Organisation]:
    return lambda slug: Organisation.objects.get(slug=slug)


@pytest.fixture
def published(demo: DemoResult) -> Callable[..., dict[str, DatasetVersion]]:
    """Publish the demo files of the given datasets (through the real pipeline)."""
    from marja.ingest.demo import publish_demo_dataset

    def run(*slugs: str) -> dict[str, DatasetVersion]:
        versions = {}
        for slug in slugs:
            publication = publish_demo_dataset(slug)
            assert publication.version is not None
            versions[slug] = publication.version
        return versions

    return run
