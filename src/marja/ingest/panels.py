"""The publishing panel of the dataset page: current version, schema, pulls, actions."""

from __future__ import annotations

from django.http import HttpRequest

from marja.catalog.models import Dataset
from marja.catalog.panels import Panel
from marja.core.schema import Schema
from marja.ingest.messages import TYPE_NAMES
from marja.ingest.models import DatasetSource
from marja.ingest.preview import head_rows
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
    schema = Schema.from_dict(version.schema) if version else declared_schema(dataset)
    if schema is not None:
        context["fields"] = [{"field": f, "type": TYPE_NAMES[f.type]} for f in schema.fields]
        context["primary_key"] = schema.primary_key
    if version is not None:
        context["columns"], context["rows"] = head_rows(version, limit=10)
    return Panel("ingest/_dataset_panel.html", context)
