"""The demo province: reference data, agencies, catalog entries and demo accounts.

Loading is idempotent: each object is found by its code or slug and brought up to date,
so a second load changes nothing and duplicates nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from marja.accounts.models import Membership, Organisation, User
from marja.accounts.services import create_user, set_membership
from marja.catalog.grants import GrantIn, give_grant
from marja.catalog.models import County, Dataset, Licence, Province, Theme
from marja.catalog.selectors import active_grants
from marja.catalog.services import (
    REFERENCE_LISTS,
    DatasetIn,
    create_dataset,
    record_reference_version,
    update_dataset,
)
from marja.core.jalali import parse_date

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
DEMO_FILE = REFERENCE_DIR / "demo_province.json"
COUNTIES_FILE = REFERENCE_DIR / "tehran_counties.csv"
#: How long the demo's grants run; loading the demo again renews an expired one.
DEMO_GRANT_DAYS = 365


@dataclass
class DemoResult:
    created_users: dict[str, str]  # user name -> password, only for accounts made now
    datasets: int
    counties: int
    organisations: int


def is_database_empty() -> bool:
    """Whether nothing has been loaded yet (no organisation and no county)."""
    return not Organisation.objects.exists() and not County.objects.exists()


def _int_or_none(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


def _load_counties(province: Province) -> int:
    with COUNTIES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        County.objects.update_or_create(
            code=row["code"],
            defaults={
                "province": province,
                "name_fa": row["name_fa"],
                "name_en": row["name_en"],
                "capital_fa": row["capital_fa"],
                "population_1395": _int_or_none(row["population_1395"]),
                "households_1395": _int_or_none(row["households_1395"]),
                "source": row["source"][:300],
            },
        )
    return len(rows)


def _load_organisations(items: list[dict[str, Any]]) -> None:
    for item in items:
        fields = {k: v for k, v in item.items() if k not in ("slug", "parent")}
        Organisation.objects.update_or_create(slug=item["slug"], defaults=fields)
    for item in items:
        if item.get("parent"):
            Organisation.objects.filter(slug=item["slug"]).update(
                parent=Organisation.objects.get(slug=item["parent"])
            )


def _demo_password(item: dict[str, Any]) -> str:
    """A random password the password validators accept for this account.

    Django's similarity check compares letters, not order, so a random password can
    look «too similar» to a long user name; such a draw is simply drawn again.
    """
    person = User(
        username=item["username"],
        first_name=item.get("first_name", ""),
        last_name=item.get("last_name", ""),
    )
    while True:
        password = secrets.token_urlsafe(16)
        try:
            validate_password(password, person)
        except ValidationError:
            continue
        return password


def _load_users(items: list[dict[str, Any]]) -> dict[str, str]:
    created: dict[str, str] = {}
    for item in items:
        user = User.objects.filter(username=item["username"]).first()
        if user is None:
            password = _demo_password(item)
            user = create_user(
                item["username"],
                password,
                first_name=item.get("first_name", ""),
                last_name=item.get("last_name", ""),
                superuser=item.get("superuser", False),
            )
            created[user.username] = password
        for slug, role in item.get("memberships", []):
            set_membership(user, Organisation.objects.get(slug=slug), role)
    return created


def _dataset_in(item: dict[str, Any]) -> DatasetIn:
    counties = (
        list(County.objects.all())
        if item["counties"] == "all"
        else list(County.objects.filter(code__in=item["counties"]))
    )
    start, end = (parse_date(text) for text in item["temporal"])
    return DatasetIn(
        slug=item["slug"],
        title_fa=item["title_fa"],
        title_en=item.get("title_en", ""),
        description_fa=item.get("description_fa", ""),
        description_en=item.get("description_en", ""),
        publisher=Organisation.objects.get(slug=item["publisher"]),
        theme=Theme.objects.get(slug=item["theme"]),
        licence=Licence.objects.get(slug=item["licence"]),
        access=item["access"],
        status=item["status"],
        frequency=item["frequency"],
        temporal_start=start,
        temporal_end=end,
        contact_name=item.get("contact_name", ""),
        tags=item.get("tags", []),
        counties=counties,
    )


def _load_datasets(items: list[dict[str, Any]], actor: User) -> None:
    for item in items:
        data = _dataset_in(item)
        existing = Dataset.objects.filter(slug=data.slug).first()
        if existing is None:
            dataset = create_dataset(data, actor=actor)
        else:
            dataset = update_dataset(existing, data, actor=actor)
        for grant in item.get("grants", []):
            grantee = Organisation.objects.get(slug=grant["organisation"])
            if not active_grants(dataset, Organisation.objects.filter(pk=grantee.pk)).exists():
                terms = GrantIn(
                    organisation=grantee,
                    purpose=grant["purpose"],
                    expires_on=timezone.localdate() + dt.timedelta(days=DEMO_GRANT_DAYS),
                )
                give_grant(dataset, terms, schema=None, actor=None)


@transaction.atomic
def load_demo() -> DemoResult:
    """Load or refresh the demo province. Returns the passwords of accounts made now."""
    spec = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    province_fields = {k: v for k, v in spec["province"].items() if k != "code"}
    province, _ = Province.objects.update_or_create(
        code=spec["province"]["code"], defaults=province_fields
    )
    counties = _load_counties(province)
    _load_organisations(spec["organisations"])
    for position, theme in enumerate(spec["themes"]):
        Theme.objects.update_or_create(slug=theme["slug"], defaults={**theme, "position": position})
    for licence in spec["licences"]:
        Licence.objects.update_or_create(slug=licence["slug"], defaults=licence)
    created = _load_users(spec["users"])
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    assert admin is not None  # the demo users include a superuser  # noqa: S101
    _load_datasets(spec["datasets"], admin)
    for list_name in REFERENCE_LISTS:
        record_reference_version(list_name, actor=None, note="demo province")
    return DemoResult(
        created_users=created,
        datasets=Dataset.objects.filter(slug__in=[d["slug"] for d in spec["datasets"]]).count(),
        counties=counties,
        organisations=Organisation.objects.count(),
    )


def write_credentials(path: Path, created: dict[str, str]) -> None:
    """Append the passwords of newly made demo accounts to a private file (mode 0600)."""
    if not created:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        for username, password in created.items():
            role = _role_summary(username)
            handle.write(f"{username}\t{password}\t{role}\n")


def _role_summary(username: str) -> str:
    user = User.objects.get(username=username)
    if user.is_superuser:
        return "system administrator"
    return ", ".join(
        f"{m.role} @ {m.organisation.slug}"
        for m in Membership.objects.filter(user=user).select_related("organisation")
    )
