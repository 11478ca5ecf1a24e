"""Extension point of the dataset page: other apps add panels to it.

The catalog does not know about versions, quality or indicators; apps that do register a
function here (in their ``AppConfig.ready``) returning the template and context of a
panel, or None when they have nothing to show. Dependencies keep pointing one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from marja.accounts.models import Organisation
from marja.catalog.models import Dataset


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelFunction = Callable[[HttpRequest, Dataset], Panel | None]
_PANELS: list[PanelFunction] = []


def register_dataset_panel(function: PanelFunction) -> None:
    if function not in _PANELS:
        _PANELS.append(function)


def dataset_panels(request: HttpRequest, dataset: Dataset) -> list[Panel]:
    return [panel for function in _PANELS if (panel := function(request, dataset))]


OrganisationPanelFunction = Callable[[HttpRequest, Organisation], Panel | None]
_ORGANISATION_PANELS: list[OrganisationPanelFunction] = []


def register_organisation_panel(function: OrganisationPanelFunction) -> None:
    """The organisation page's extension point (e.g. its late datasets, from ingest)."""
    if function not in _ORGANISATION_PANELS:
        _ORGANISATION_PANELS.append(function)


def organisation_panels(request: HttpRequest, organisation: Organisation) -> list[Panel]:
    return [p for function in _ORGANISATION_PANELS if (p := function(request, organisation))]
