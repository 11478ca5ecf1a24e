"""``package_search`` and ``package_list`` of the CKAN face, over the catalog's selectors.

Permissions are part of the query: everything starts from
:func:`marja.catalog.selectors.datasets_visible_to`, so a dataset the caller may not see
is in no result, no count and no facet. As in CKAN, private datasets (marja's internal
and restricted ones) are searched only with ``include_private=true`` and drafts only with
``include_drafts=true``; ``package_list`` lists public datasets only.

``q`` is the catalog's Persian-aware full-text search (:mod:`marja.search`), and
``sort=score desc`` its ranking; ``fq`` takes the filters CKAN clients
send (``organization:x tags:"y" groups:z license_id:… res_format:CSV``, also negated with
``-`` and with ``(a OR b)`` lists); Solr's other syntax is refused with a Validation Error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.api.ckan_base import (
    Context,
    ValidationError,
    bool_param,
    int_param,
    json_param,
    list_param,
    text_param,
)
from marja.api.ckan_dicts import package_dict
from marja.catalog.models import County, Dataset, Licence, Tag, Theme
from marja.catalog.selectors import VISIBLE_STATUSES, datasets_visible_to
from marja.core.fulltext import SearchQueryError
from marja.core.text import normalize
from marja.ingest.models import DatasetVersion
from marja.search.messages import SEARCH_MESSAGES
from marja.search.selectors import matching

ROWS_DEFAULT = 10
#: CKAN's ``ckan.search.rows_max`` default.
ROWS_MAX = 1000
FACET_LIMIT_DEFAULT = 50
#: Every dataset with a version can be had in both formats (see ckan_dicts).
FORMATS = ("CSV", "Parquet")

_TERM = re.compile(
    r"(?P<sign>[+-]?)(?P<field>[A-Za-z_][\w.]*):"
    r'(?P<value>"(?:[^"\\]|\\.)*"|\([^)]*\)|[^\s()"]+)'
)
_JOIN = re.compile(r"(?:AND|&&)(?=\s|$)")
_OR = re.compile(r"\s+OR\s+|\s*\|\|\s*")
_SIMPLE = {
    "organization": "publisher__slug",
    "owner_org": "publisher__slug",
    "groups": "theme__slug",
    "license_id": "licence__slug",
    "name": "slug",
    "id": "slug",
}
_MANY = {"tags": "tags__name", "counties": "counties__code"}
_SPECIAL = ("res_format", "private")
FQ_FIELDS = tuple(sorted([*_SIMPLE, *_MANY, *_SPECIAL]))
SORT_FIELDS = ("metadata_modified", "metadata_created", "title_string", "name", "score")


@dataclass(frozen=True)
class Term:
    field: str
    values: tuple[str, ...]
    negated: bool = False


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse_fq(text: str, *, field_name: str = "fq") -> list[Term]:
    """``organization:mpo tags:"x" -groups:health`` → terms; unknown syntax is refused."""
    terms: list[Term] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        join = _JOIN.match(text, position)
        if join:
            position = join.end()
            continue
        match = _TERM.match(text, position)
        if match is None:
            rest = text[position:].split()[0]
            raise ValidationError(
                field_name,
                _("Cannot read the filter «%(term)s»; write it as field:value."),
                term=rest,
            )
        field = match["field"]
        if field not in FQ_FIELDS:
            raise ValidationError(
                field_name,
                _("Cannot filter by «%(field)s»; use one of: %(known)s."),
                field=field,
                known=", ".join(FQ_FIELDS),
            )
        raw = match["value"]
        parts = _OR.split(raw[1:-1]) if raw.startswith("(") else [raw]
        values = tuple(v for v in (_unquote(p) for p in parts) if v)
        terms.append(Term(field, values, match["sign"] == "-"))
        position = match.end()
    return terms


def _has_version() -> Exists:
    return Exists(DatasetVersion.objects.filter(dataset=OuterRef("pk")))


def _condition(term: Term) -> Q:
    if term.values == ("*",):
        return Q()
    if term.field in _SIMPLE:
        return Q(**{f"{_SIMPLE[term.field]}__in": term.values})
    if term.field in _MANY:
        values = (
            [normalize(v, digits="keep") for v in term.values]
            if term.field == "tags"
            else term.values
        )
        inner = Dataset.objects.filter(**{f"{_MANY[term.field]}__in": values})
        return Q(pk__in=inner.values("pk"))
    if term.field == "res_format":
        known = {f.lower() for f in FORMATS}
        if any(v.lower() in known for v in term.values):
            return Q(_has_version())
        return Q(pk__in=[])
    wanted = {v.lower() for v in term.values}
    if wanted <= {"true"}:
        return ~Q(access=Dataset.Access.PUBLIC)
    if wanted <= {"false"}:
        return Q(access=Dataset.Access.PUBLIC)
    return Q()


def apply_fq(datasets: QuerySet[Dataset], terms: Iterable[Term]) -> QuerySet[Dataset]:
    for term in terms:
        condition = _condition(term)
        datasets = datasets.exclude(condition) if term.negated else datasets.filter(condition)
    return datasets


def searchable(ctx: Context, *, include_private: bool, include_drafts: bool) -> QuerySet[Dataset]:
    """What the caller may find: visible to them, and private or draft only if asked."""
    datasets = datasets_visible_to(ctx.user)
    if not include_drafts:
        datasets = datasets.filter(status__in=VISIBLE_STATUSES)
    if not include_private:
        datasets = datasets.filter(access=Dataset.Access.PUBLIC)
    return datasets


def with_relations(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    return datasets.select_related("publisher", "theme", "licence").prefetch_related(
        "tags", "counties"
    )


def current_versions(datasets: Iterable[Dataset]) -> dict[int, DatasetVersion]:
    """The current (highest-numbered) version of each dataset, by dataset id, in one query."""
    latest = DatasetVersion.objects.filter(dataset=OuterRef("dataset")).order_by("-number")
    versions = DatasetVersion.objects.filter(
        dataset_id__in=[d.pk for d in datasets], pk=Subquery(latest.values("pk")[:1])
    ).defer("schema", "stats", "diff", "read")
    return {v.dataset_id: v for v in versions}


def _sort(text: str) -> list[Any]:
    """CKAN's ``metadata_modified desc, name asc`` as ORDER BY terms."""
    titles: Any = (
        Coalesce(NullIf("title_en", Value("")), "title_fa")
        if get_language() == "en"
        else F("title_fa")
    )
    keys = {
        "metadata_modified": F("modified"),
        "score": F("score"),
        "metadata_created": F("created_at"),
        "title_string": titles,
        "name": F("slug"),
    }
    order: list[Any] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _space, direction = item.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in keys or direction not in {"asc", "desc"}:
            raise ValidationError(
                "sort",
                _("Cannot sort by «%(sort)s»; use one of: %(known)s, then asc or desc."),
                sort=item,
                known=", ".join(SORT_FIELDS),
            )
        key = keys[name]
        order.append(key.desc() if direction == "desc" else key.asc())
    return [*order, F("pk").asc()]


def _with_modified(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    published = DatasetVersion.objects.filter(dataset=OuterRef("pk")).order_by("-number")
    last = Subquery(published.values("published_at")[:1])
    return datasets.annotate(modified=Greatest("updated_at", Coalesce(last, "updated_at")))


def _counted(model: type[Model], ids: QuerySet[Any], relation: str = "datasets") -> QuerySet[Any]:
    return model._default_manager.annotate(
        n=Count(relation, filter=Q(**{f"{relation}__in": ids}), distinct=True)
    )


def facet_items(field: str, matches: QuerySet[Dataset]) -> list[tuple[str, str, int]]:
    """(name, display name, count) of one facet over ``matches``; unknown facets are empty."""
    ids = matches.order_by().values("pk")
    if field == "organization":
        return [(o.slug, o.name, o.n) for o in _counted(Organisation, ids)]
    if field == "groups":
        return [(t.slug, t.name, t.n) for t in _counted(Theme, ids)]
    if field == "tags":
        return [(t.name, t.name, t.n) for t in _counted(Tag, ids)]
    if field == "counties":
        return [(c.code, c.name, c.n) for c in _counted(County, ids)]
    if field == "license_id":
        return [(lic.slug, lic.name, lic.n) for lic in _counted(Licence, ids, "dataset")]
    if field == "res_format":
        with_data = Dataset.objects.filter(pk__in=ids).filter(_has_version()).count()
        return [(f, f, with_data) for f in FORMATS]
    return []


def _facets(
    fields: list[str], matches: QuerySet[Dataset], limit: int, mincount: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    facets: dict[str, Any] = {}
    search_facets: dict[str, Any] = {}
    for field in fields:
        items = [i for i in facet_items(field, matches) if i[2] >= max(mincount, 1)]
        items.sort(key=lambda item: (-item[2], item[0]))
        if limit >= 0:
            items = items[:limit]
        facets[field] = {name: count for name, _label, count in items}
        search_facets[field] = {
            "title": field,
            "items": [{"name": n, "display_name": d, "count": c} for n, d, c in items],
        }
    return facets, search_facets


def _facet_limit(data: dict[str, Any]) -> int:
    """``facet.limit``: how many items each facet keeps; negative keeps them all."""
    raw = data.get("facet.limit")
    if raw is None or raw == "":
        return FACET_LIMIT_DEFAULT
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValidationError("facet.limit", _("Must be a whole number.")) from None


def package_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: q, fq (or fq_list), rows, start, sort, facet.field, facet.limit,
    facet.mincount, include_private, include_drafts."""
    rows = int_param(data, "rows", ROWS_DEFAULT, maximum=ROWS_MAX)
    start = int_param(data, "start", 0)
    sort = text_param(data, "sort") or "score desc, metadata_modified desc"
    query = text_param(data, "q")
    text = "" if query in {"*:*", "*"} else query
    terms = parse_fq(text_param(data, "fq"))
    for item in list_param(data, "fq_list"):
        terms += parse_fq(item, field_name="fq_list")
    datasets = searchable(
        ctx,
        include_private=bool_param(data, "include_private", False),
        include_drafts=bool_param(data, "include_drafts", False),
    )
    try:
        matches = apply_fq(matching(datasets, text), terms)
    except SearchQueryError as exc:
        raise ValidationError("q", SEARCH_MESSAGES[exc.code], **exc.params) from None
    order = _sort(sort)
    facet_fields = json_param(data, "facet.field") or []
    if isinstance(facet_fields, str):
        facet_fields = [facet_fields]
    if not isinstance(facet_fields, list):
        raise ValidationError("facet.field", _("Expected a list."))
    facets, search_facets = _facets(
        [str(f) for f in facet_fields],
        matches,
        _facet_limit(data),
        int_param(data, "facet.mincount", 1),
    )
    page = list(with_relations(_with_modified(matches)).order_by(*order)[start : start + rows])
    versions = current_versions(page)
    return {
        "count": matches.count(),
        "sort": sort,
        "results": [package_dict(ctx, d, versions.get(d.pk)) for d in page],
        "facets": facets,
        "search_facets": search_facets,
    }


def package_list(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Names of the public datasets, alphabetically; ``limit`` and ``offset`` page them."""
    names = (
        searchable(ctx, include_private=False, include_drafts=False)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    offset = int_param(data, "offset", 0)
    limit = int_param(data, "limit", 0)
    return list(names[offset : offset + limit] if limit else names[offset:])
