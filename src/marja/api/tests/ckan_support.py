"""What the tests of the CKAN face and the DCAT catalogue share: demo data published through
the real services, token helpers, and calls of actions through the test client.

Fixtures are thin wrappers in each test module around the functions here (pytest finds
fixtures by module, and a conftest would apply them to the other API tests too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.utils import timezone

from marja.accounts.models import ApiToken, User
from marja.accounts.services import create_token
from marja.api import ratelimit
from marja.catalog.demo import DemoResult, load_demo
from marja.catalog.models import Dataset
from marja.ingest.demo import demo_data
from marja.ingest.models import DatasetVersion, Publication
from marja.ingest.services import (
    PublishRequest,
    request_publication,
    update_schema,
    upload_from_path,
)

CENSUS = "county-population-1395"  # public, mpo
HOSPITALS = "hospital-beds"  # public, tums
INTERNAL = "capital-credits-by-county"  # internal, mpo
RESTRICTED = "unfinished-projects"  # restricted, mpo, granted to the governorate
DEPRECATED = "county-population-1390"  # public, deprecated (still "active" for CKAN)
RESTRICTED_TAG = "طرح عمرانی"  # only the restricted dataset has it
WITH_DATA = (CENSUS, HOSPITALS, INTERNAL, RESTRICTED)
#: The 14 published public demo datasets (13 published and the deprecated 1390 census).
PUBLIC_COUNT = 14
#: With include_private, government users also find the 4 published internal datasets,
#: and the restricted one if they are its publisher or grantee.
PRIVATE_COUNT = {"tums.admin": 18, "governorate.viewer": 19, "mpo.editor": 19}
#: Of which mpo's: both censuses and the internal credits, and for its grantee and its own
#: staff the restricted unfinished projects.
MPO_PRIVATE = {"tums.admin": 3, "governorate.viewer": 4, "mpo.editor": 4}
CKAN_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")
JALALI_MOMENT = re.compile(r"^1[34]\d\d/\d\d/\d\d \d\d:\d\d$")


def publish_demo_versions(
    data_dir: Path, slugs: tuple[str, ...] = WITH_DATA
) -> dict[str, DatasetVersion]:
    """Version 1 of ``slugs``, published from the demo files through the ingest services."""
    items = {item.slug: item for item in demo_data()}
    versions = {}
    for slug in slugs:
        item = items[slug]
        dataset = Dataset.objects.get(slug=slug)
        update_schema(dataset, item.schema, actor=None)
        path = data_dir / item.file_name
        item.write(path)
        upload = upload_from_path(path, actor=None, original_name=item.file_name)
        publication = request_publication(
            dataset,
            upload,
            actor=None,
            request=PublishRequest(options=item.options, note=item.note, channel="demo"),
            background=False,
        )
        assert publication.status == Publication.Status.PUBLISHED, publication.report
        assert publication.version is not None
        versions[slug] = publication.version
    return versions


def generous_rate_limits(settings: Any) -> Iterator[None]:
    """Rate limits that many calls from one test never reach, and fresh counters."""
    settings.API_RATE_LIMIT_ANONYMOUS = "10000/minute"
    settings.API_RATE_LIMIT_TOKEN = "10000/minute"
    ratelimit.reset()
    yield
    ratelimit.reset()


def fast_demo(settings: Any) -> DemoResult:
    """The demo province, with a fast password hasher: its accounts' passwords are random
    and never typed here, and Argon2 would take most of each test's setup."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return load_demo()


def published_versions(settings: Any, tmp_path: Path) -> dict[str, DatasetVersion]:
    """Versions of :data:`WITH_DATA`, stored under ``tmp_path``."""
    settings.DATA_DIR = tmp_path
    return publish_demo_versions(tmp_path)


def new_token(username: str) -> tuple[ApiToken, str]:
    user = User.objects.get(username=username)
    return create_token(user, name="ckan", scope="read", expires_on=timezone.localdate())


def token_for(username: str) -> str:
    """The plaintext of a new read token of ``username``, as CKAN clients send it."""
    return new_token(username)[1]


def call(
    client: Client,
    action: str,
    *,
    post: bool = False,
    prefix: str = "/api/3/action/",
    headers: dict[str, str] | None = None,
    **data: Any,
) -> Any:
    if post:
        return client.post(
            f"{prefix}{action}",
            json.dumps(data),
            content_type="application/json",
            headers=headers or {},
        )
    query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    return client.get(f"{prefix}{action}?{urlencode(query)}", headers=headers or {})


def result(response: Any) -> Any:
    assert response.status_code == 200, response.content[:800]
    body = response.json()
    assert body["success"] is True
    return body["result"]


def error(response: Any, status: int, ckan_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:800]
    body = response.json()
    assert body["success"] is False and "result" not in body
    assert body["help"].startswith("http://testserver/api/3/action/help_show?name=")
    assert body["error"]["__type"] == ckan_type
    found: dict[str, Any] = body["error"]
    return found


def extras(package: dict[str, Any]) -> dict[str, str]:
    return {item["key"]: item["value"] for item in package["extras"]}
