"""Publishing pages: upload, publication report, versions, schema, scheduled pull."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marja.accounts.selectors import as_user
from marja.catalog.models import Dataset
from marja.catalog.selectors import dataset_for
from marja.common.access import ExplainedDenial
from marja.core.problems import Problem, Report
from marja.core.schema import Schema, SchemaError
from marja.ingest import pulls, services
from marja.ingest.access import data_access, record_read
from marja.ingest.forms import (
    BaseFieldFormSet,
    FieldFormSet,
    MissingValuesForm,
    PublishForm,
    SourceForm,
    initial_fields,
)
from marja.ingest.messages import TYPE_NAMES, messages_both, rule_labels, rule_name
from marja.ingest.models import DatasetSource, Publication, Upload
from marja.ingest.preview import head_rows, readable_diff, readable_rows, stored_value
from marja.ingest.receipts import covering_checkpoint, receipt_for
from marja.ingest.selectors import (
    can_publish,
    current_version,
    declared_schema,
    publication_for,
    publications_of,
    version_of,
    versions_of,
)
from marja.ledger.proofs import ProofUnavailableError

REPORT_PAGE = 200
CHANNELS = {
    "web": gettext_lazy("web page"),
    "cli": gettext_lazy("command line"),
    "pull": gettext_lazy("scheduled pull"),
    "api": gettext_lazy("API"),
    "demo": gettext_lazy("demo loader"),
}


def _dataset_to_publish(request: HttpRequest, slug: str) -> Dataset:
    dataset = dataset_for(request.user, slug)
    if not can_publish(request.user, dataset):
        raise PermissionDenied
    return dataset


def _too_large(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
    return render(
        request,
        "web/error.html",
        {
            "status": 413,
            "title": _("File too large"),
            "message": _("The file is larger than the %(limit)s MB this instance accepts.")
            % {"limit": limit},
        },
        status=413,
    )


@login_required
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _dataset_to_publish(request, slug)
    if request.method == "POST":
        if getattr(request, "upload_too_large", False):
            return _too_large(request)
        form = PublishForm(request.POST, request.FILES)
        if form.is_valid():
            return _start_publication(request, dataset, form)
    else:
        form = PublishForm()
    return render(
        request,
        "ingest/publish.html",
        {
            "dataset": dataset,
            "form": form,
            "schema": declared_schema(dataset),
            "current": current_version(dataset),
            "recent": publications_of(dataset)[:10],
        },
    )


def _start_publication(request: HttpRequest, dataset: Dataset, form: PublishForm) -> HttpResponse:
    data = form.cleaned_data
    user = as_user(request.user)
    if user is None:
        raise PermissionDenied
    if data.get("file"):
        uploaded = data["file"]
        upload = services.upload_from_file(uploaded, actor=user, original_name=uploaded.name)
    else:
        try:
            upload = Upload.objects.get(pk=data["upload_id"], created_by=user)
        except Upload.DoesNotExist:
            raise Http404 from None
        if not upload.complete:
            form.add_error(
                "file", _("The upload is not complete; send the rest of the file first.")
            )
            return render(
                request, "ingest/publish.html", {"dataset": dataset, "form": form}, status=400
            )
    publish_request = form.publish_request(channel="web")
    publication = services.request_publication(dataset, upload, actor=user, request=publish_request)
    return redirect("ingest:publication", slug=dataset.slug, pk=publication.pk)


def _report_context(publication: Publication, page: int) -> dict[str, Any]:
    if not publication.report:
        return {}
    report = Report.from_dict(publication.report)
    problems = report.sorted_problems()
    start = (page - 1) * REPORT_PAGE
    shown = [
        {"problem": p, "both": messages_both(p, isolate=True)}
        for p in problems[start : start + REPORT_PAGE]
    ]
    return {
        "report": report,
        "counts": [
            {"rule": rule, "name": rule_name(rule), "column": column, "count": count}
            for (rule, column), count in sorted(report.counts.items(), key=lambda i: -i[1])
        ],
        "shown": shown,
        "kept": len(problems),
        "page": page,
        "next_page": page + 1 if start + REPORT_PAGE < len(problems) else None,
        "previous_page": page - 1 if page > 1 else None,
    }


def publication_detail(request: HttpRequest, slug: str, pk: UUID) -> HttpResponse:
    dataset = dataset_for(request.user, slug)
    publication = publication_for(request.user, dataset, str(pk))
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    context = {
        "dataset": dataset,
        "publication": publication,
        "current": current_version(dataset),
        "can_publish": can_publish(request.user, dataset),
        "has_bad_rows": publication.bad_rows_path.exists(),
        **_report_context(publication, page),
    }
    return render(request, "ingest/publication.html", context)


def publication_state(publication: Publication) -> dict[str, Any]:
    """The publication as JSON: status, progress, result, report with fa/en messages."""
    data: dict[str, Any] = {
        "id": str(publication.pk),
        "dataset": publication.dataset.slug,
        "file": publication.original_name,
        "status": publication.status,
        "stage": publication.stage,
        "progress": round(publication.progress, 3),
        "created_at": publication.created_at.isoformat(),
        "finished_at": publication.finished_at.isoformat() if publication.finished_at else None,
        "read": publication.read,
        "valid_rows_only": publication.valid_rows_only,
        "version": None,
    }
    if publication.version is not None:
        version = publication.version
        data["version"] = {
            "number": version.number,
            "sha256": version.sha256,
            "rows": version.row_count,
            "excluded_rows": version.excluded_rows,
        }
    if publication.report is not None:
        report = publication.report
        data["report"] = {
            **{k: report[k] for k in ("ok", "rows_total", "bad_rows", "counts")},
            "problems": [
                {**p, "message": messages_both(Problem.from_dict(p))} for p in report["problems"]
            ],
        }
    return data


def publication_json(request: HttpRequest, slug: str, pk: UUID) -> JsonResponse:
    dataset = dataset_for(request.user, slug)
    publication = publication_for(request.user, dataset, str(pk))
    return JsonResponse(
        publication_state(publication), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )


def bad_rows_csv(request: HttpRequest, slug: str, pk: UUID) -> FileResponse:
    dataset = dataset_for(request.user, slug)
    publication = publication_for(request.user, dataset, str(pk))
    path = publication.bad_rows_path
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{dataset.slug}-bad-rows.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
@require_POST
def publication_retry(request: HttpRequest, slug: str, pk: UUID) -> HttpResponse:
    dataset = _dataset_to_publish(request, slug)
    publication = publication_for(request.user, dataset, str(pk))
    services.retry_publication(publication, actor=request.user)  # type: ignore[arg-type]
    return redirect("ingest:publication", slug=slug, pk=pk)


def version_list(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = dataset_for(request.user, slug)
    return render(
        request,
        "ingest/version_list.html",
        {
            "dataset": dataset,
            "versions": versions_of(dataset),
            "can_publish": can_publish(request.user, dataset),
        },
    )


def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset = dataset_for(request.user, slug)
    version = version_of(dataset, number)
    access = data_access(request.user, dataset)
    restriction = access.restriction_for(version)
    schema = access.schema_of(Schema.from_dict(version.schema))
    columns, rows = head_rows(version, restriction=restriction)
    record_read(access, version, through="page", query={"limit": len(rows)}, rows=len(rows))
    stats = {s["field"]: s for s in access.stats_of(version) or []}
    for item in stats.values():
        if item["field"] in schema.names:
            field = schema.field(item["field"])
            item["min"] = stored_value(field, item["min"])
            item["max"] = stored_value(field, item["max"])
    diff = None
    if not access.limits_rows:
        diff = readable_diff(schema, version.diff)
        if diff is not None and access.limited:
            diff["samples"] = {"added": [], "removed": [], "changed": []}
    return render(
        request,
        "ingest/version_detail.html",
        {
            "dataset": dataset,
            "version": version,
            "fields": [
                {
                    "field": f,
                    "type": TYPE_NAMES[f.type],
                    "stats": stats.get(f.name, {}),
                    "rules": rule_labels(f, schema.primary_key),
                }
                for f in schema.fields
            ],
            "primary_key": schema.primary_key,
            "columns": columns,
            "rows": readable_rows(schema, columns, rows),
            "diff": diff,
            "access": access,
            "channel": CHANNELS.get(version.channel, version.channel),
            "is_current": current_version(dataset) == version,
            "checkpoint": covering_checkpoint(version),
        },
    )


def version_download(request: HttpRequest, slug: str, number: int) -> FileResponse:
    """The stored Parquet object itself, byte for byte (its SHA-256 is the version's
    hash); not for a reader whose grant covers part of the data."""
    from marja.ingest.storage import object_store

    dataset = dataset_for(request.user, slug)
    version = version_of(dataset, number)
    access = data_access(request.user, dataset)
    if access.limited:
        raise ExplainedDenial(
            "grant_partial",
            _("Only part of this data is shared with you"),
            _(
                "Your organisation's grant covers some columns or rows of this dataset, so "
                "the whole file cannot be downloaded. Download what is shared from the data "
                "page (CSV, Excel, Parquet and more)."
            ),
        )
    path = object_store().open(version.sha256)
    record_read(access, version, through="download", rows=version.row_count)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{dataset.slug}-v{version.number}.parquet",
        content_type="application/vnd.apache.parquet",
    )
    response["ETag"] = f'"{version.sha256}"'
    response["Digest"] = f"sha-256={version.sha256}"
    return response


def version_receipt(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The version's receipt as a JSON file to keep (docs/ledger.md)."""
    dataset = dataset_for(request.user, slug)
    version = version_of(dataset, number)
    links = {
        "version": request.build_absolute_uri(
            reverse("ingest:version", args=[dataset.slug, version.number])
        ),
        "public_key": request.build_absolute_uri(reverse("ledger:public_key_pem")),
    }
    try:
        receipt = receipt_for(version, links=links)
    except ProofUnavailableError as error:
        return render(
            request,
            "web/error.html",
            {
                "status": 409 if error.code == "unrecorded" else 503,
                "title": _("No receipt for this version"),
                "message": _("This version was published before the ledger recorded versions.")
                if error.code == "unrecorded"
                else _(
                    "The ledger does not hold together around this version, so no receipt "
                    "is issued. Ask the administrators to run the verification."
                ),
            },
            status=409 if error.code == "unrecorded" else 503,
        )
    response = JsonResponse(receipt, json_dumps_params={"ensure_ascii": False, "indent": 1})
    name = f"{dataset.slug}-v{version.number}-receipt.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def schema_edit(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _dataset_to_publish(request, slug)
    schema = declared_schema(dataset)
    if schema is None:
        messages.info(
            request, _("The schema is inferred from the first upload; publish a file first.")
        )
        return redirect("ingest:publish", slug=slug)
    user = as_user(request.user)
    schema_error = ""
    if request.method == "POST" and user is not None:
        formset = cast(BaseFieldFormSet, FieldFormSet(request.POST, prefix="f"))
        extra = MissingValuesForm(request.POST)
        if formset.is_valid() and extra.is_valid():
            new = formset.to_schema(extra.values())
            try:
                services.update_schema(dataset, new, actor=user)
            except SchemaError as exc:
                schema_error = _schema_error(exc)
            else:
                messages.success(
                    request, _("The schema was saved; the next upload is checked against it.")
                )
                return redirect(dataset.get_absolute_url())
    else:
        formset = cast(BaseFieldFormSet, FieldFormSet(initial=initial_fields(schema), prefix="f"))
        extra = MissingValuesForm(
            initial={"missing_values": ", ".join(v for v in schema.missing_values if v)}
        )
    return render(
        request,
        "ingest/schema_form.html",
        {"dataset": dataset, "formset": formset, "extra": extra, "schema_error": schema_error},
    )


def _schema_error(exc: SchemaError) -> str:
    field = exc.params.get("field", "")
    texts = {
        "bad_field_name": _("Field name «%(field)s» is not valid."),
        "duplicate_field": _("Field name «%(field)s» is used twice."),
        "range_needs_number": _("Field «%(field)s»: minimum and maximum apply to numbers only."),
        "minimum_above_maximum": _("Field «%(field)s»: the minimum is above the maximum."),
        "unknown_key_field": _("The primary key names an unknown field «%(field)s»."),
        "no_fields": _("A schema needs at least one field."),
    }
    return texts.get(exc.code, exc.code) % {"field": field}


@login_required
def source_edit(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _dataset_to_publish(request, slug)
    source = DatasetSource.objects.filter(dataset=dataset).first()
    if request.method == "POST":
        if "remove" in request.POST and source is not None:
            pulls.remove_source(source, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The scheduled pull was removed."))
            return redirect(dataset.get_absolute_url())
        form = SourceForm(request.POST, instance=source)
        if form.is_valid():
            pulls.set_source(
                dataset,
                url=form.cleaned_data["url"],
                format=form.cleaned_data["format"],
                schedule=form.cleaned_data["schedule"],
                actor=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, _("The scheduled pull was saved."))
            return redirect(dataset.get_absolute_url())
    else:
        form = SourceForm(instance=source)
    return render(
        request, "ingest/source_form.html", {"dataset": dataset, "form": form, "source": source}
    )


@login_required
@require_POST
def source_pull_now(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _dataset_to_publish(request, slug)
    source = DatasetSource.objects.filter(dataset=dataset).first()
    if source is None:
        raise Http404
    outcome = pulls.pull_dataset(dataset.pk)
    messages.info(request, pulls.outcome_message(outcome))
    return redirect(dataset.get_absolute_url())


def dataset_schema_json(request: HttpRequest, slug: str) -> JsonResponse:
    """The declared schema as JSON (a Table Schema-like document)."""
    dataset = dataset_for(request.user, slug)
    schema = declared_schema(dataset)
    if schema is None:
        raise Http404
    shown = data_access(request.user, dataset).schema_of(schema)
    return JsonResponse(shown.to_dict(), json_dumps_params={"ensure_ascii": False, "indent": 1})
