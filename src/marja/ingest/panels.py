"""The publishing panel of the dataset page: current version, schema, pulls, actions."""

from __future__ import annotations

from django.http import HttpRequest

from marja.accounts.models import Organisation
from marja.catalog.grants import can_manage_grants
from marja.catalog.models import Dataset
from marja.catalog.panels import Panel
from marja.catalog.selectors import datasets_of
from marja.common.access import ExplainedDenial
from marja.core.schema import Schema
from marja.ingest.access import data_access, record_read
from marja.ingest.grant_terms import shared_part
from marja.ingest.messages import TYPE_NAMES, rule_labels
from marja.ingest.models import DatasetSource
from marja.ingest.preview import head_rows, readable_rows
from marja.ingest.quality import late_datasets, quality_of
from marja.ingest.selectors import can_publish, current_version, declared_schema


def publishing_panel(request: HttpRequest, dataset: Dataset) -> Panel:
    version = current_version(dataset)
    editor = can_publish(request.user, dataset)
    context: dict[str, object] = {
        "dataset": dataset,
        "version": version,
        "can_publish": editor,
        "version_count": dataset.versions.count(),
        "source": DatasetSource.objects.filter(dataset=dataset).first(),
    }
    try:
        access = data_access(request.user, dataset)
        restriction = access.restriction_for(version) if version is not None else None
    except ExplainedDenial as denial:
        context["closed"] = denial.text()
        return Panel("ingest/_dataset_panel.html", context)
    context["limited"] = access.limited
    context["grant"] = access.grant
    context["can_manage_grants"] = can_manage_grants(request.user, dataset)
    stored = Schema.from_dict(version.schema) if version else declared_schema(dataset)
    if access.grant is not None:
        context["shared"] = shared_part(access.grant, stored)
    schema = access.schema_of(stored) if stored is not None else None
    if schema is not None:
        context["fields"] = [
            {"field": f, "type": TYPE_NAMES[f.type], "rules": rule_labels(f, schema.primary_key)}
            for f in schema.fields
        ]
    if version is not None and schema is not None:
        columns, rows = head_rows(version, limit=10, restriction=restriction)
        record_read(access, version, through="preview", query={"limit": 10}, rows=len(rows))
        context["rows"] = readable_rows(schema, columns, rows)
    return Panel("ingest/_dataset_panel.html", context)


def quality_panel(request: HttpRequest, dataset: Dataset) -> Panel:
    """The dataset's measured quality and freshness, with what each measure means."""
    measured = quality_of(dataset, current_version(dataset))
    return Panel("ingest/_quality_panel.html", {"dataset": dataset, "quality": measured})


def late_datasets_panel(request: HttpRequest, organisation: Organisation) -> Panel:
    """The organisation's datasets (that the reader may see) whose update is overdue."""
    late = late_datasets(datasets_of(request.user, organisation))
    return Panel("ingest/_late_datasets.html", {"organisation": organisation, "late": late})
