"""Catalog pages: the dataset page, organisations, the dataset form (the list of datasets
is the search page, in the search app)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from marja.accounts.models import Organisation, User
from marja.accounts.selectors import EDITING_ROLES, can_edit_for, organisations_of
from marja.catalog import services
from marja.catalog.forms import DatasetForm
from marja.catalog.models import County, Dataset
from marja.catalog.panels import dataset_panels, organisation_panels
from marja.catalog.selectors import dataset_for, datasets_of, datasets_visible_to


def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = dataset_for(request.user, slug)
    counties = list(dataset.counties.order_by("name_fa"))
    return render(
        request,
        "catalog/dataset_detail.html",
        {
            "dataset": dataset,
            "tags": dataset.tags.all(),
            "counties": counties,
            "all_counties": len(counties) >= County.objects.count() > 0,
            "can_edit": can_edit_for(request.user, dataset.publisher),
            "panels": dataset_panels(request, dataset),
        },
    )


def _publishers_for(user: User) -> QuerySet[Organisation]:
    if user.is_superuser:
        return Organisation.objects.all()
    return organisations_of(user, EDITING_ROLES)


def _form_page(request: HttpRequest, form: DatasetForm, dataset: Dataset | None) -> HttpResponse:
    """Save a valid posted form through the service, or show the form (400 with errors).

    Validation errors raised by the service (e.g. a taken identifier) go back onto the
    form, so the publisher sees them next to the field; nothing is stored then.
    """
    assert isinstance(request.user, User)  # noqa: S101 (views are login_required)
    if request.method == "POST" and form.is_valid():
        data = form.to_dataset_in()
        try:
            if dataset is None:
                saved = services.create_dataset(data, actor=request.user)
            else:
                saved = services.update_dataset(dataset, data, actor=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The dataset was saved."))
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "dataset": dataset}
    return render(request, "catalog/dataset_form.html", context, status=status)


@login_required
def dataset_create(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # noqa: S101
    publishers = _publishers_for(request.user)
    if not publishers.exists():
        raise PermissionDenied
    form = DatasetForm(request.POST or None, publishers=publishers)
    return _form_page(request, form, None)


@login_required
def dataset_edit(request: HttpRequest, slug: str) -> HttpResponse:
    assert isinstance(request.user, User)  # noqa: S101
    dataset = dataset_for(request.user, slug, action="edit")
    form = DatasetForm(
        request.POST or None,
        initial=DatasetForm.initial_for(dataset),
        publishers=_publishers_for(request.user),
        editing=True,
    )
    return _form_page(request, form, dataset)


def organisation_list(request: HttpRequest) -> HttpResponse:
    visible = datasets_visible_to(request.user).values("pk")
    organisations = (
        Organisation.objects.select_related("parent")
        .annotate(n=Count("datasets", filter=Q(datasets__in=visible), distinct=True))
        .order_by(_kind_order(), "name_fa")
    )
    return render(request, "catalog/organisation_list.html", {"organisations": organisations})


def _kind_order() -> Case:
    """Organisation kinds in their declared order: governorate first, "other" last."""
    kinds = Organisation.Kind.values
    return Case(*(When(kind=k, then=Value(i)) for i, k in enumerate(kinds)), default=Value(99))


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    datasets = datasets_of(request.user, organisation)
    return render(
        request,
        "catalog/organisation_detail.html",
        {
            "organisation": organisation,
            "children": organisation.children.order_by("name_fa"),
            "datasets": datasets,
            "panels": organisation_panels(request, organisation),
        },
    )
