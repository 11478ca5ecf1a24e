"""The dataset page's panel of ways into the data: table, chart, API, downloads."""

from __future__ import annotations

from django.http import HttpRequest

from marja.catalog.models import Dataset
from marja.catalog.panels import Panel
from marja.core.export import ExportFormat
from marja.ingest.selectors import current_version


def explore_panel(request: HttpRequest, dataset: Dataset) -> Panel | None:
    version = current_version(dataset)
    if version is None:
        return None
    formats = [f.value for f in ExportFormat]
    return Panel(
        "query/_dataset_panel.html",
        {"dataset": dataset, "version": version, "formats": formats},
    )
