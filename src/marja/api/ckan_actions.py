"""The actions of the CKAN face, by name; each reads through the domain selectors.

Only the names in :data:`ACTIONS` are callable: a function here is not exposed by being
public (CKAN's own action module exposes every public function by accident).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.api.ckan_base import (
    CKAN_VERSION,
    Context,
    NotFoundError,
    ValidationError,
    bool_param,
    int_param,
    list_param,
    missing,
    text_param,
)
from marja.api.ckan_datastore import datastore_search
from marja.api.ckan_dicts import organization_dict, package_dict
from marja.api.ckan_search import (
    ROWS_MAX,
    current_versions,
    package_list,
    package_search,
    searchable,
    with_relations,
)
from marja.api.errors import in_both_languages
from marja.catalog.models import Province
from marja.catalog.selectors import dataset_for

Action = Callable[[Context, dict[str, Any]], Any]

SITE_TITLE = _("marja")
SITE_DESCRIPTION = _(
    "The integrated information system of %(province)s: one place for every agency's "
    "data, for everyone entitled to it."
)


def site_description() -> dict[str, str]:
    """The site's description in Persian and English."""
    province = Province.objects.order_by("pk").first()
    both = {}
    for language in ("fa", "en"):
        name = ""
        if province is not None:
            name = province.name_en if language == "en" and province.name_en else province.name_fa
        both[language] = in_both_languages(SITE_DESCRIPTION, {"province": name})[language]
    return both


def status_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """What this site is: CKAN version its Action API follows, title, address, extensions."""
    titles = in_both_languages(SITE_TITLE, {})
    descriptions = site_description()
    return {
        "ckan_version": CKAN_VERSION,
        "site_title": titles["fa"],
        "site_title_en": titles["en"],
        "site_url": ctx.absolute("/").rstrip("/"),
        "site_description": descriptions["fa"],
        "site_description_en": descriptions["en"],
        "error_emails_to": None,
        "locale_default": "fa",
        "extensions": ["datastore", "dcat", "marja"],
    }


def help_show(ctx: Context, data: dict[str, Any]) -> str:
    """The documentation of the action ``name``."""
    name = text_param(data, "name")
    if not name:
        raise missing("name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFoundError(_("Action «%(name)s» was not found."), name=name)
    return (action.__doc__ or "").strip()


def package_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """One dataset by ``id`` (or ``name``): its metadata and resources."""
    slug = text_param(data, "id") or text_param(data, "name")
    if not slug:
        raise missing("id")
    try:
        dataset = dataset_for(ctx.user, slug)
    except Http404:
        raise NotFoundError(_("Dataset «%(id)s» was not found."), id=slug) from None
    dataset = with_relations(type(dataset).objects.filter(pk=dataset.pk)).get()
    return package_dict(ctx, dataset, current_versions([dataset]).get(dataset.pk))


def _package_counts(ctx: Context) -> Any:
    visible = searchable(ctx, include_private=True, include_drafts=False).values("pk")
    return Organisation.objects.annotate(
        package_count=Count("datasets", filter=Q(datasets__in=visible), distinct=True)
    )


_ORGANIZATION_SORTS = {
    "name": "slug",
    "title": "name_fa",
    "package_count": "package_count",
}


def organization_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Organisations: their names, or with ``all_fields`` their details and dataset
    counts (of the datasets the caller may see); sort, limit, offset, organizations."""
    sort = text_param(data, "sort") or "name asc"
    name, _space, direction = sort.partition(" ")
    direction = direction.strip().lower() or "asc"
    if name not in _ORGANIZATION_SORTS or direction not in {"asc", "desc"}:
        raise ValidationError(
            "sort",
            _("Cannot sort by «%(sort)s»; use one of: %(known)s, then asc or desc."),
            sort=sort,
            known=", ".join(_ORGANIZATION_SORTS),
        )
    key = _ORGANIZATION_SORTS[name]
    organisations = _package_counts(ctx).order_by(f"-{key}" if direction == "desc" else key, "pk")
    wanted = list_param(data, "organizations")
    if wanted:
        organisations = organisations.filter(slug__in=wanted)
    offset = int_param(data, "offset", 0)
    limit = int_param(data, "limit", 0, maximum=ROWS_MAX)
    page = organisations[offset : offset + limit] if limit else organisations[offset:]
    if not bool_param(data, "all_fields", False):
        return [o.slug for o in page]
    return [organization_dict(o, package_count=o.package_count) for o in page]


def organization_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """One organisation by ``id`` (its name); ``include_datasets`` adds the datasets the
    caller may see, public and private, up to 1000."""
    slug = text_param(data, "id") or text_param(data, "name")
    if not slug:
        raise missing("id")
    organisation = _package_counts(ctx).filter(slug=slug).first()
    if organisation is None:
        raise NotFoundError(_("Organization «%(id)s» was not found."), id=slug)
    result = organization_dict(organisation, package_count=organisation.package_count)
    result["users"] = []
    result["tags"] = []
    result["groups"] = []
    if bool_param(data, "include_datasets", False):
        datasets = with_relations(
            searchable(ctx, include_private=True, include_drafts=False).filter(
                publisher=organisation
            )
        ).order_by("slug")[:ROWS_MAX]
        versions = current_versions(datasets)
        result["packages"] = [package_dict(ctx, d, versions.get(d.pk)) for d in datasets]
    return result


ACTIONS: dict[str, Action] = {
    "status_show": status_show,
    "help_show": help_show,
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "datastore_search": datastore_search,
}
