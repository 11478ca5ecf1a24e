"""The CKAN face with the real ``ckanapi`` client and command line, against a live marja.

This is how existing CKAN scripts meet marja: ``RemoteCKAN`` posts JSON to
``/api/action/<name>`` (without following redirects) and turns CKAN's ``error.__type`` back
into ``NotFound``, ``NotAuthorized`` and ``ValidationError``; its ``get_only`` mode sends
GET requests; its command line prints the results as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from ckanapi import (  # type: ignore[import-untyped]
    CKANAPIError,
    NotAuthorized,
    NotFound,
    RemoteCKAN,
    ValidationError,
)

from marja.api.tests.ckan_support import (
    CENSUS,
    HOSPITALS,
    PUBLIC_COUNT,
    RESTRICTED,
    fast_demo,
    generous_rate_limits,
    publish_demo_versions,
    token_for,
)

CKANAPI = Path(sys.executable).parent / "ckanapi"


@pytest.fixture(autouse=True)
def _rate_limits(settings: Any) -> Iterator[None]:
    yield from generous_rate_limits(settings)


@pytest.fixture
def site(live_server: Any, transactional_db: None, settings: Any, tmp_path: Path) -> str:
    """A live marja with the demo province and four published versions."""
    fast_demo(settings)
    settings.DATA_DIR = tmp_path
    publish_demo_versions(tmp_path)
    return str(live_server.url)


def test_the_ckanapi_client(site: str) -> None:
    ckan = RemoteCKAN(site)
    assert ckan.action.status_show()["ckan_version"] == "2.11.0"
    names = ckan.action.package_list()
    assert len(names) == PUBLIC_COUNT and CENSUS in names and RESTRICTED not in names
    found = ckan.call_action(
        "package_search", {"q": "بيمارستان", "facet.field": ["organization"], "rows": 5}
    )
    assert [p["name"] for p in found["results"]] == [HOSPITALS]
    assert found["search_facets"]["organization"]["items"][0]["name"] == "tums"
    package = ckan.action.package_show(id=HOSPITALS)
    resource_ids = [r["id"] for r in package["resources"]]
    assert resource_ids == [HOSPITALS, f"{HOSPITALS}@v1"]
    rows = ckan.action.datastore_search(
        resource_id=resource_ids[1], filters={"county": "tehran"}, sort="active_beds desc", limit=3
    )
    assert len(rows["records"]) == 3 and {r["county"] for r in rows["records"]} == {"tehran"}
    beds = [r["active_beds"] for r in rows["records"]]
    assert beds == sorted(beds, reverse=True)
    organisations = ckan.action.organization_list(all_fields=True)
    assert {o["name"]: o["package_count"] for o in organisations}["tums"] == 2
    tums = ckan.action.organization_show(id="tums", include_datasets=True)
    assert {p["name"] for p in tums["packages"]} == {HOSPITALS, "health-centres"}

    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(NotFound):  # restricted: not disclosed to anonymous callers
        ckan.action.package_show(id=RESTRICTED)
    with pytest.raises(ValidationError) as invalid:
        ckan.action.datastore_search(resource_id=CENSUS, filters={"no_such_column": 1})
    assert "filters" in invalid.value.error_dict
    with pytest.raises(ValidationError):
        ckan.action.package_search(fq="author:nobody")
    with pytest.raises(NotAuthorized):
        RemoteCKAN(site, apikey="marja_pat_not-a-real-token").action.package_list()
    with pytest.raises(CKANAPIError, match="400"):
        ckan.action.package_create(name="x")  # a write action marja does not serve


def test_tokens_paths_and_get_only_mode(site: str) -> None:
    grantee = RemoteCKAN(site, apikey=token_for("governorate.viewer"))
    grantee.base_url = "api/3/action/"
    restricted = grantee.action.package_show(id=RESTRICTED)
    assert restricted["private"] is True
    rows = grantee.action.datastore_search(resource_id=RESTRICTED, limit=2)
    assert rows["total"] >= 2 and len(rows["records"]) == 2
    private = grantee.action.package_search(include_private=True, rows=0)
    assert private["count"] == 19
    with pytest.raises(NotFound):
        RemoteCKAN(site, apikey=token_for("tums.admin")).action.datastore_search(
            resource_id=RESTRICTED
        )
    reader = RemoteCKAN(site, get_only=True)
    assert reader.action.package_search(fq="organization:tums")["count"] == 2
    assert reader.action.datastore_search(resource_id=CENSUS, limit=1)["total"] == 16
    for prefix in ("/api/action/", "/api/3/action/"):  # a POST is answered, never redirected
        response = requests.post(
            f"{site}{prefix}package_show", json={"id": CENSUS}, allow_redirects=False, timeout=30
        )
        assert response.status_code == 200 and response.json()["result"]["name"] == CENSUS


def cli(site: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    # ``dump`` starts its workers as ``ckanapi`` from the PATH.
    path = f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "NO_PROXY": "*", "no_proxy": "*"}
    return subprocess.run(
        [str(CKANAPI), *arguments, "-r", site],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_the_ckanapi_command_line(site: str, tmp_path: Path) -> None:
    shown = cli(site, "action", "package_show", f"id={HOSPITALS}")
    assert shown.returncode == 0, shown.stderr
    package = json.loads(shown.stdout)
    assert package["name"] == HOSPITALS and package["organization"]["name"] == "tums"

    rows = cli(
        site, "action", "datastore_search", f"resource_id={CENSUS}", 'filters:{"county": "tehran"}'
    )
    assert rows.returncode == 0, rows.stderr
    assert [r["county"] for r in json.loads(rows.stdout)["records"]] == ["tehran"]

    missing = cli(site, "action", "package_show", "id=no-such-dataset")
    assert missing.returncode != 0
    assert "NotFound" in missing.stdout + missing.stderr

    dump = tmp_path / "datasets.jsonl"
    dumped = cli(site, "dump", "datasets", "--all", "-O", str(dump), "-p", "1", "-q")
    assert dumped.returncode == 0, dumped.stderr
    lines = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == PUBLIC_COUNT
    assert {p["name"] for p in lines} >= {CENSUS, HOSPITALS}
    assert all(p["private"] is False for p in lines)
