"""The publishing panel of the dataset page: current version, schema, pulls, actions."""

from __future__ import annotations

from django.http import HttpRequest

from marja.catalog.models import Dataset
from marja.catalog.panels import Panel
from marja.core.schema import Schema
from marja.ingest.messages import TYPE_NAMES, rule_labels
from marja.ingest.models import DatasetSource
from marja.ingest.preview import head_rows, readable_rows
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
        context["fields"] = [
            {"field": f, "type": TYPE_NAMES[f.type], "rules": rule_labels(f, schema.primary_key)}
            for f in schema.fields
        ]
    if version is not None and schema is not None:
        columns, rows = head_rows(version, limit=10)
        context["rows"] = readable_rows(schema, columns, rows)
    return Panel("ingest/_dataset_panel.html", context)
