"""Who may reach what: every address of marja × every role × every access level.

Every URL pattern (pages, the JSON API, uploads, the CKAN face; Django's own admin is
represented by its index) and every CKAN action must have a rule below: a new endpoint
without one fails :func:`test_every_endpoint_has_a_rule`. Each rule says which roles may
use the endpoint for a dataset of each access level; the per-role tests then call every
endpoint as that role, for a public, an internal and a restricted dataset of one
organisation, and compare. An allowed call must answer with the rule's status; a denied
one with 401, 403, 404 or a redirect to the login page. Listings (search, the catalog
API, CKAN's package_search, the SQL page) must list a dataset exactly to its readers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from marja.accounts.models import Organisation, User
from marja.accounts.services import create_token, create_user
from marja.catalog.demo import DemoResult
from marja.catalog.grants import GrantIn, give_grant
from marja.catalog.models import Dataset
from marja.ingest.models import DatasetSource, Publication
from marja.ingest.services import start_upload

ROLES = ("anonymous", "viewer", "editor", "owner_admin", "other", "grantee", "sysadmin")
LEVELS = ("public", "internal", "restricted")
DATASETS = {
    "public": "county-population-1395",
    "internal": "capital-credits-by-county",
    "restricted": "unfinished-projects",
}
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
#: Who reads a dataset of each level (the grantee's organisation holds a grant).
READERS = {
    "public": EVERYONE,
    "internal": LOGGED_IN,
    "restricted": frozenset({"viewer", "editor", "owner_admin", "grantee", "sysadmin"}),
}
EDITORS = frozenset({"editor", "owner_admin", "sysadmin"})
PUBLISHERS = frozenset({"editor", "owner_admin"})
GRANT_MANAGERS = frozenset({"owner_admin", "sysadmin"})
#: Those holding an editing role in some organisation (tums.admin is TUMS's).
ANY_EDITOR = frozenset({"editor", "owner_admin", "other"})

#: Who sees an indicator over a dataset of each level: a restricted dataset's
#: indicators only its own organisation (a grant may cover part of the dataset).
INDICATOR_READERS = {
    "public": EVERYONE,
    "internal": LOGGED_IN,
    "restricted": frozenset({"viewer", "editor", "owner_admin", "sysadmin"}),
}
INDICATOR_CODES = {"public": "pub", "internal": "int", "restricted": "res"}

Who = frozenset[str] | Callable[[str], frozenset[str]]


def indicator_readers(level: str) -> frozenset[str]:
    return INDICATOR_READERS[level]


def indicator_managers(level: str) -> frozenset[str]:
    return INDICATOR_READERS[level] & EDITORS


def readers_and(roles: frozenset[str]) -> Callable[[str], frozenset[str]]:
    return lambda level: READERS[level] & roles


def readers(level: str) -> frozenset[str]:
    return READERS[level]


@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint (per level, when it is about a dataset), and how."""

    who: Who
    method: str = "get"
    ok: frozenset[int] = frozenset({200})
    query: str = ""
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def allowed(self, level: str) -> frozenset[str]:
        return self.who if isinstance(self.who, frozenset) else self.who(level)


REDIRECT = frozenset({302})
RULES: dict[str, Rule] = {
    "web:home": Rule(EVERYONE),
    "set_language": Rule(EVERYONE, method="post", ok=REDIRECT, body={"language": "en"}),
    "accounts:login": Rule(EVERYONE, ok=frozenset({200, 302})),
    "accounts:logout": Rule(EVERYONE),
    "accounts:tokens": Rule(LOGGED_IN),
    "accounts:token_revoke": Rule(frozenset({"sysadmin"})),
    "admin:index": Rule(frozenset({"sysadmin"})),
    "search:datasets": Rule(EVERYONE),
    "search:suggest": Rule(EVERYONE, query="q=طرح"),
    "catalog:organisations": Rule(EVERYONE),
    "catalog:organisation": Rule(EVERYONE),
    "catalog:dataset_create": Rule(ANY_EDITOR | {"sysadmin"}),
    "catalog:dataset": Rule(readers),
    "catalog:dataset_edit": Rule(readers_and(EDITORS)),
    "query:explore": Rule(readers),
    "query:sql": Rule(EVERYONE),
    "ingest:publish": Rule(readers_and(PUBLISHERS)),
    "ingest:publication": Rule(readers_and(PUBLISHERS)),
    "ingest:publication_json": Rule(readers_and(PUBLISHERS)),
    "ingest:bad_rows": Rule(readers_and(PUBLISHERS)),
    "ingest:publication_retry": Rule(readers_and(PUBLISHERS), method="post", ok=REDIRECT),
    "ingest:versions": Rule(readers),
    "ingest:version": Rule(readers),
    "ingest:version_download": Rule(readers),
    "ingest:version_receipt": Rule(readers),
    "ingest:grants": Rule(readers_and(GRANT_MANAGERS)),
    "ingest:grant_revoke": Rule(
        lambda level: GRANT_MANAGERS if level == "restricted" else frozenset(),
        method="post",
        ok=REDIRECT,
    ),
    "ingest:reads": Rule(readers_and(GRANT_MANAGERS)),
    "ingest:schema": Rule(readers_and(PUBLISHERS)),
    "ingest:schema_json": Rule(readers),
    "ingest:source": Rule(readers_and(PUBLISHERS)),
    "ingest:source_pull": Rule(readers_and(PUBLISHERS), method="post", ok=REDIRECT),
    "ledger:entries": Rule(frozenset({"sysadmin"})),
    "ledger:verify": Rule(frozenset({"sysadmin"})),
    "ledger:public_key_pem": Rule(EVERYONE),
    "ledger:public_key": Rule(EVERYONE),
    "api_docs": Rule(EVERYONE, ok=REDIRECT),
    "api:api-root": Rule(EVERYONE, ok=frozenset({404})),
    "api:openapi-json": Rule(EVERYONE),
    "api:openapi-view": Rule(EVERYONE),
    "api:rows": Rule(readers),
    "api:aggregates": Rule(readers),
    "api:export": Rule(readers),
    "api:sql": Rule(EVERYONE, method="post", body={"sql": "SELECT 1 AS one"}),
    "api:datasets": Rule(EVERYONE),
    "api:dataset": Rule(readers),
    "api:versions": Rule(readers),
    "api:version": Rule(readers),
    "api:schema": Rule(readers),
    "api:receipt": Rule(readers),
    "api:organisations": Rule(EVERYONE),
    "api:organisation": Rule(EVERYONE),
    "api:search": Rule(EVERYONE),
    "api:search_suggest": Rule(EVERYONE, query="q=طرح"),
    "api:publications": Rule(readers_and(PUBLISHERS)),
    "api:publish": Rule(readers_and(PUBLISHERS), method="post", ok=frozenset({400}), body={}),
    "api:publication": Rule(readers_and(PUBLISHERS)),
    "api:key": Rule(EVERYONE),
    "api:checkpoints": Rule(EVERYONE),
    "api:verify_receipt": Rule(EVERYONE, method="post", body={"receipt": {}}),
    "uploads": Rule(
        ANY_EDITOR,
        method="post",
        ok=frozenset({201}),
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"},
    ),
    "upload": Rule(frozenset({"editor"}), method="head", headers={"Tus-Resumable": "1.0.0"}),
    "ckan_action": Rule(EVERYONE, query="name=status_show"),
    "ckan_action_3": Rule(EVERYONE, query="name=status_show"),
    "ckan_api_version": Rule(EVERYONE),
    "dcat_catalog": Rule(EVERYONE),
    "dcat_catalog_file": Rule(EVERYONE),
    "ckan:status_show": Rule(EVERYONE),
    "ckan:help_show": Rule(EVERYONE, query="name=package_show"),
    "ckan:package_list": Rule(EVERYONE),
    "ckan:package_search": Rule(EVERYONE),
    "ckan:package_show": Rule(readers),
    "ckan:datastore_search": Rule(readers),
    "ckan:organization_list": Rule(EVERYONE),
    "ckan:organization_show": Rule(EVERYONE, query="id=mpo"),
    "indicators:plans": Rule(EVERYONE),
    "indicators:plan": Rule(EVERYONE),
    "indicators:indicator": Rule(indicator_readers),
    "indicators:indicator_manage": Rule(indicator_managers),
    "indicators:counties": Rule(EVERYONE),
    "indicators:county": Rule(EVERYONE),
    "indicators:compare": Rule(EVERYONE, query="county=tehran&county=varamin"),
    "api:plans": Rule(EVERYONE),
    "api:plan": Rule(EVERYONE),
    "api:plan_export": Rule(EVERYONE, query="format=csv"),
    "api:indicator": Rule(indicator_readers),
    "api:indicator_export": Rule(indicator_readers, query="format=xlsx"),
    "api:county_profile": Rule(EVERYONE),
    "api:indicator_targets": Rule(
        indicator_managers, method="post", ok=frozenset({201}), body={"year": 1405, "value": 9}
    ),
    "api:indicator_actuals": Rule(
        indicator_managers,
        method="post",
        ok=frozenset({201}),
        body={
            "year": 1404,
            "value": 8.5,
            "evidence_url": "https://amar.example.ir/1404",
            "measured_on": "1404/02/15",
        },
    ),
    "api:indicator_factors": Rule(
        indicator_managers,
        method="post",
        ok=frozenset({201}),
        body={"year": 1404, "kind": "obstacle", "category": "funding", "description": "کمبود"},
    ),
    "budget:cycles": Rule(EVERYONE),
    "budget:cycle": Rule(LOGGED_IN),
    "budget:compare": Rule(LOGGED_IN),
    "budget:scenario": Rule(LOGGED_IN),
    "budget:scenario_new": Rule(EDITORS),
    "budget:scenario_edit": Rule(EDITORS),
    "budget:scenario_compute": Rule(EDITORS, method="post", ok=REDIRECT),
    "budget:scenario_consult": Rule(EDITORS, method="post", ok=REDIRECT),
    "budget:scenario_comment": Rule(frozenset(), method="post", ok=REDIRECT),
    "budget:session_open": Rule(EDITORS, method="post", ok=REDIRECT),
    "budget:session_vote": Rule(frozenset(), method="post", ok=REDIRECT),
    "budget:session_close": Rule(EDITORS, method="post", ok=REDIRECT),
    "budget:county_projects": Rule(LOGGED_IN),
    "budget:final_publish": Rule(EDITORS, method="post", ok=REDIRECT),
    "api:budget_cycles": Rule(EVERYONE),
    "api:budget_cycle": Rule(LOGGED_IN),
    "api:budget_scenario": Rule(LOGGED_IN),
    "api:budget_scenario_export": Rule(LOGGED_IN, query="format=json"),
    "api:budget_scenarios": Rule(
        EDITORS, method="post", ok=frozenset({400}), body={"name_fa": "x", "criteria": []}
    ),
    "api:budget_compute": Rule(EDITORS, method="post", body={}),
    "api:budget_consultation": Rule(
        EDITORS,
        method="post",
        ok=frozenset({400}),
        body={"groups": ["mps"], "closes_on": "1499/01/01"},
    ),
    "api:budget_comments": Rule(
        frozenset(), method="post", ok=frozenset({201}), body={"text": "x"}
    ),
    "api:budget_session_open": Rule(EDITORS, method="post", ok=frozenset({400}), body={}),
    # No session exists in this world: every caller is answered 404 (votes: test_services).
    "api:budget_vote": Rule(
        frozenset(), method="post", ok=frozenset({201}), body={"choice": "for"}
    ),
    "api:budget_session_close": Rule(frozenset(), method="post", body={}),
    "api:budget_projects": Rule(LOGGED_IN),
    "api:budget_execution": Rule(LOGGED_IN),
}
#: Endpoints about one indicator: called once per level of the dataset it is over.
PER_INDICATOR = {
    "indicators:indicator",
    "indicators:indicator_manage",
    "api:indicator",
    "api:indicator_export",
    "api:indicator_targets",
    "api:indicator_actuals",
    "api:indicator_factors",
}
#: Endpoints about one dataset: called once per access level.
PER_DATASET = {
    "catalog:dataset",
    "catalog:dataset_edit",
    "query:explore",
    "ingest:publish",
    "ingest:publication",
    "ingest:publication_json",
    "ingest:bad_rows",
    "ingest:publication_retry",
    "ingest:versions",
    "ingest:version",
    "ingest:version_download",
    "ingest:version_receipt",
    "ingest:grants",
    "ingest:grant_revoke",
    "ingest:reads",
    "ingest:schema",
    "ingest:schema_json",
    "ingest:source",
    "ingest:source_pull",
    "api:rows",
    "api:aggregates",
    "api:export",
    "api:dataset",
    "api:versions",
    "api:version",
    "api:schema",
    "api:receipt",
    "api:publications",
    "api:publish",
    "api:publication",
    "ckan:package_show",
    "ckan:datastore_search",
}


def url_patterns() -> dict[str, str]:
    """Every URL pattern's name (with its namespace) → its route; the admin by its index."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                if inner == "admin":
                    found["admin:index"] = "admin/"
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[key] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns, "", "")
    return found


def endpoints() -> dict[str, str]:
    from marja.api.ckan_actions import ACTIONS

    return {**url_patterns(), **{f"ckan:{name}": f"api/3/action/{name}" for name in ACTIONS}}


def test_every_endpoint_has_a_rule() -> None:
    known = endpoints()
    assert sorted(set(known) - set(RULES)) == [], "endpoints without a rule"
    assert sorted(set(RULES) - set(known)) == [], "rules of endpoints that do not exist"


@dataclass
class World:
    """One organisation's datasets of each level, and what their addresses need."""

    publications: dict[str, str]
    revocable_grant: int
    token_id: int
    upload_id: str
    users: dict[str, User | None]


@pytest.fixture
def world(settings: Any, tmp_path: Path, demo: DemoResult, published: Callable[..., Any]) -> World:
    settings.DATA_DIR = tmp_path
    versions = published(*DATASETS.values())
    mpo = Organisation.objects.get(slug="mpo")
    password = "a long and unusual passphrase"
    users: dict[str, User | None] = {
        "anonymous": None,
        "viewer": create_user("mpo.viewer", password, memberships=[(mpo, "viewer")]),
        "editor": User.objects.get(username="mpo.editor"),
        "owner_admin": create_user("mpo.admin", password, memberships=[(mpo, "admin")]),
        "other": User.objects.get(username="tums.admin"),
        "grantee": User.objects.get(username="governorate.viewer"),
        "sysadmin": User.objects.get(username="admin"),
    }
    publications = {}
    for level, slug in DATASETS.items():
        publication = Publication.objects.get(version=versions[slug])
        publication.bad_rows_path.parent.mkdir(parents=True, exist_ok=True)
        publication.bad_rows_path.write_text("row,problem\n")
        publications[level] = str(publication.pk)
        DatasetSource.objects.create(
            dataset=Dataset.objects.get(slug=slug),
            url="http://127.0.0.1:9/none.csv",
            schedule="monthly",
            next_pull_at=timezone.now() + dt.timedelta(days=30),
            owner=users["editor"],
        )
    revocable = give_grant(
        Dataset.objects.get(slug=DATASETS["restricted"]),
        GrantIn(
            organisation=Organisation.objects.get(slug="education"),
            purpose="آزمون",
            expires_on=timezone.localdate() + dt.timedelta(days=30),
        ),
        schema=None,
        actor=None,
    )
    make_indicators(users["sysadmin"])
    make_budget()
    token, _ = create_token(
        users["sysadmin"], name="t", scope="read", expires_on=timezone.localdate()
    )
    upload = start_upload(actor=users["editor"], original_name="x.csv", length=10)
    return World(publications, revocable.pk, token.pk, str(upload.id), users)


def make_budget() -> None:
    """A budget cycle of the MPO, not decided, with one draft scenario (no criteria)."""
    from marja.budget.models import AllocationScenario, BudgetCycle

    cycle = BudgetCycle.objects.create(
        slug="matrix-cycle",
        year=1403,
        programme_fa="برنامه",
        total=10**12,
        owner=Organisation.objects.get(slug="mpo"),
    )
    AllocationScenario.objects.create(cycle=cycle, number=1, name_fa="سناریو")


def make_indicators(admin: User | None) -> None:
    """A plan with one indicator (entered by hand) over each level's dataset."""
    from marja.indicators.models import Goal, Indicator, Plan

    plan = Plan.objects.create(slug="matrix-plan", name_fa="برنامه", start_year=1403, end_year=1407)
    goal = Goal.objects.create(plan=plan, code="1", title_fa="هدف")
    for level, code in INDICATOR_CODES.items():
        Indicator.objects.create(
            plan=plan,
            goal=goal,
            code=code,
            name_fa=f"شاخص {level}",
            owner=Organisation.objects.get(slug="mpo"),
            direction="higher",
            baseline_year=1402,
            baseline_value=5.0,
            origin="manual",
            dataset=Dataset.objects.get(slug=DATASETS[level]),
            access="public" if level == "public" else "internal",
        )


def address(name: str, route: str, level: str, world: World) -> str:
    slug = "mpo" if name.endswith(":organisation") else DATASETS[level]
    for plan in ("<slug:plan>", "<plan>"):
        route = route.replace(plan, "matrix-plan")
    for code in ("<str:code>", "<code>"):
        route = route.replace(code, INDICATOR_CODES[level])
    for cycle in ("<slug:cycle>", "<cycle>"):
        route = route.replace(cycle, "matrix-cycle")
    route = route.replace("<number>", "1").replace("<session>", "999999")
    for county in ("<slug:county>", "<county>"):
        route = route.replace(county, "tehran")
    filled = (
        route.replace("<slug:slug>", slug)
        .replace("<slug>", slug)
        .replace("<uuid:pk>", world.publications[level])
        .replace("<publication_id>", world.publications[level])
        .replace("<int:number>", "1")
        .replace("<ref>", "1")
        .replace("<str:extension>", "ttl")
        .replace("<str:name>", "status_show")
    )
    if "access/<int:pk>" in filled:
        filled = filled.replace("<int:pk>", str(world.revocable_grant))
    elif "tokens/<int:pk>" in filled:
        filled = filled.replace("<int:pk>", str(world.token_id))
    if route == "api/v1/uploads/<uuid:pk>":
        filled = f"api/v1/uploads/{world.upload_id}"
    if route.startswith("api/v1/datasets/<slug>/publications") and "<publication_id>" not in route:
        filled = route.replace("<slug>", slug)
    return "/" + filled


def query_for(name: str, rule: Rule, level: str) -> str:
    if name == "ckan:package_show":
        return f"id={DATASETS[level]}"
    if name == "ckan:datastore_search":
        return f"resource_id={DATASETS[level]}"
    return rule.query


def call(client: Client, name: str, rule: Rule, path: str, query: str) -> Any:
    target = f"{path}?{query}" if query else path
    headers = rule.headers
    if rule.method == "get":
        return client.get(target, headers=headers)
    if rule.method == "head":
        return client.head(target, headers=headers)
    if name.startswith("api:") and rule.body is not None:
        return client.post(
            target, json.dumps(rule.body), content_type="application/json", headers=headers
        )
    return client.post(target, rule.body or {}, headers=headers)


def outcome(response: Any, rule: Rule) -> str:
    location = response.get("Location", "") or ""
    if response.status_code == 302 and "login/" in location:
        return "denied"
    if response.status_code in rule.ok:
        return "allowed"
    if response.status_code in (401, 403, 404):
        return "denied"
    return f"answered {response.status_code}"


def client_of(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_its_rules_allow(world: World, role: str) -> None:
    client = client_of(world.users[role])
    wrong = []
    for name, route in sorted(endpoints().items()):
        rule = RULES[name]
        for level in LEVELS if name in PER_DATASET | PER_INDICATOR else ("public",):
            expected = "allowed" if role in rule.allowed(level) else "denied"
            response = call(
                client, name, rule, address(name, route, level, world), query_for(name, rule, level)
            )
            found = outcome(response, rule)
            if found != expected:
                wrong.append(f"{name} [{level}]: expected {expected}, {found}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)


LISTINGS = {
    "api datasets": lambda c: json.dumps(c.get("/api/v1/datasets?limit=100").json()),
    "api search": lambda c: json.dumps(c.get("/api/v1/search?limit=100").json()),
    "search page": lambda c: c.get("/datasets/?page_size=100").content.decode(),
    "ckan package_search": lambda c: json.dumps(
        c.get("/api/3/action/package_search?rows=1000&include_private=true").json()
    ),
    "sql page": lambda c: c.get("/sql/").content.decode(),
}


@pytest.mark.parametrize("role", ROLES)
def test_listings_show_a_dataset_to_its_readers_only(world: World, role: str) -> None:
    client = client_of(world.users[role])
    wrong = []
    for listing, read in LISTINGS.items():
        text = read(client)
        for level, slug in DATASETS.items():
            if listing == "sql page":
                slug = slug.replace("-", "_")
            if (slug in text) != (role in READERS[level]):
                wrong.append(f"{listing}: {level} dataset {'shown' if slug in text else 'hidden'}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)
