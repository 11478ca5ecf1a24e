"""Who sees which dataset: the rules of ``datasets_visible_to``."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from marja.accounts.models import Organisation, User
from marja.accounts.services import create_user, set_membership
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset, DatasetGrant
from marja.catalog.selectors import datasets_visible_to

pytestmark = pytest.mark.django_db


def slugs(user: object) -> set[str]:
    return set(datasets_visible_to(user).values_list("slug", flat=True))  # type: ignore[arg-type]


def test_anonymous_visitors_see_published_public_datasets_only(demo: DemoResult) -> None:
    visible = slugs(AnonymousUser())
    expected = set(
        Dataset.objects.filter(access="public", status__in=["published", "deprecated"]).values_list(
            "slug", flat=True
        )
    )
    assert visible == expected
    assert "capital-credits-by-county" not in visible  # internal
    assert "unfinished-projects" not in visible  # restricted
    assert "vaccination-coverage" not in visible  # draft


def test_government_users_also_see_internal(demo: DemoResult) -> None:
    viewer = User.objects.get(username="governorate.viewer")
    visible = slugs(viewer)
    assert "capital-credits-by-county" in visible
    assert "road-accidents" in visible
    assert "vaccination-coverage" not in visible  # another organisation's draft


def test_restricted_needs_ownership_or_a_live_grant(
    demo: DemoResult, org: Callable[[str], Organisation]
) -> None:
    assert "unfinished-projects" in slugs(User.objects.get(username="mpo.editor"))  # owner
    assert "unfinished-projects" in slugs(User.objects.get(username="governorate.viewer"))  # grant
    assert "unfinished-projects" not in slugs(User.objects.get(username="tums.admin"))
    grant = DatasetGrant.objects.get(dataset__slug="unfinished-projects")
    grant.expires_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    grant.save()
    assert "unfinished-projects" not in slugs(User.objects.get(username="governorate.viewer"))


def test_drafts_are_seen_by_their_publisher(demo: DemoResult) -> None:
    assert "vaccination-coverage" in slugs(User.objects.get(username="tums.admin"))


def test_a_user_without_membership_is_not_a_government_user(demo: DemoResult) -> None:
    outsider = create_user("citizen", "a long enough passphrase")
    assert slugs(outsider) == slugs(AnonymousUser())
    set_membership(outsider, Organisation.objects.get(slug="education"), "viewer")
    assert "capital-credits-by-county" in slugs(outsider)


def test_system_administrators_see_everything(demo: DemoResult) -> None:
    assert slugs(User.objects.get(username="admin")) == set(
        Dataset.objects.values_list("slug", flat=True)
    )


def test_hidden_datasets_answer_not_found_not_forbidden(
    client: Client, client_as: Callable[[str], Client]
) -> None:
    assert client.get("/datasets/unfinished-projects/").status_code == 404
    assert client.get("/datasets/capital-credits-by-county/").status_code == 404
    assert client_as("tums.admin").get("/datasets/unfinished-projects/").status_code == 404
    assert client_as("governorate.viewer").get("/datasets/unfinished-projects/").status_code == 200


def test_list_and_counts_respect_visibility(
    client: Client, client_as: Callable[[str], Client]
) -> None:
    public = client.get("/datasets/")
    assert "طرح‌های عمرانی نیمه‌تمام" not in public.text
    assert public.context["page"].paginator.count == len(slugs(AnonymousUser()))
    official = client_as("mpo.editor").get("/datasets/")
    assert "طرح‌های عمرانی نیمه‌تمام" in official.text
    assert client.get("/").context["counts"].datasets == len(slugs(AnonymousUser()))
