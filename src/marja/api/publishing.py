"""Publishing through the API: send a file, follow its publication, read its report.

A publication is the job that reads, checks and (if all is well) stores a file as the
next version of a dataset. Small files are published while the request waits; larger
ones in the background, followed at the publication's address (``Location``). A file
that fails validation is not an HTTP error: the publication says ``rejected`` and its
report names every problem's row, column, value and rule.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from marja.accounts.models import User
from marja.accounts.selectors import as_user
from marja.api.auth import caller, require_scope
from marja.api.catalog import dataset_or_404
from marja.api.errors import ApiError
from marja.api.schemas import (
    PageParams,
    PublicationOut,
    PublicationPage,
    PublicationSummaryOut,
    PublicationVersionOut,
    ReportSummaryOut,
    api_url,
    errors,
    jalali_moment,
    page_links,
)
from marja.catalog.models import Dataset
from marja.ingest import services
from marja.ingest.forms import DELIMITER_CHOICES, ENCODING_CHOICES, FORMAT_CHOICES, PublishForm
from marja.ingest.models import Publication, Upload
from marja.ingest.selectors import can_publish, publication_for, publications_of
from marja.ingest.views import publication_state

router = Router(tags=["publishing"])

_SUMMARY = ("ok", "rows_total", "bad_rows", "counts")


def _choices(choices: list[tuple[str, Any]]) -> list[str]:
    return [value for value, _label in choices if value]


_OPTIONS: dict[str, Any] = {
    "upload_id": {
        "type": "string",
        "format": "uuid",
        "description": "A finished resumable upload (tus, /api/v1/uploads/) instead of `file`.",
    },
    "note": {"type": "string", "maxLength": 2000, "description": "Note of the new version."},
    "valid_rows_only": {
        "type": "boolean",
        "default": False,
        "description": "Leave out invalid rows instead of refusing the whole file.",
    },
    "format": {
        "type": "string",
        "enum": _choices(FORMAT_CHOICES),
        "description": "Default: detect.",
    },
    "encoding": {"type": "string", "enum": _choices(ENCODING_CHOICES)},
    "delimiter": {"type": "string", "enum": _choices(DELIMITER_CHOICES)},
    "sheet": {"type": "string", "maxLength": 100, "description": "Excel sheet; default: first."},
}
_FILE = {"file": {"type": "string", "format": "binary", "description": "The file to publish."}}
PUBLISH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": _FILE | _OPTIONS}},
            "application/json": {
                "schema": {"type": "object", "properties": _OPTIONS, "required": ["upload_id"]}
            },
        },
    }
}


def cannot_publish(dataset: Dataset) -> ApiError:
    return ApiError(
        403,
        "cannot_publish",
        _(
            "You may not publish dataset «%(dataset)s»: only editors and administrators of "
            "its organisation can."
        ),
        dataset=dataset.slug,
    )


def _publisher_of(request: HttpRequest, slug: str) -> tuple[User, Dataset]:
    """The calling user and the dataset, if they may publish it (401, 404 or 403 if not)."""
    user = as_user(caller(request))
    if user is None:
        raise ApiError(401, "not_authenticated", _("Log in or send an API token."))
    dataset = dataset_or_404(request, slug)
    if not can_publish(user, dataset):
        raise cannot_publish(dataset)
    return user, dataset


def _status_url(request: HttpRequest, publication: Publication) -> str:
    return api_url(request, f"datasets/{publication.dataset.slug}/publications/{publication.pk}")


def publication_out(request: HttpRequest, publication: Publication) -> PublicationOut:
    """The publication as the browser's progress polling sees it, plus its address and
    Jalali times."""
    state = {"report": None, **publication_state(publication)}
    return PublicationOut(
        **state,
        created_at_jalali=jalali_moment(publication.created_at) or "",
        finished_at_jalali=jalali_moment(publication.finished_at),
        url=_status_url(request, publication),
    )


def publication_summary(request: HttpRequest, publication: Publication) -> PublicationSummaryOut:
    """Like :func:`publication_out`, with the report's counts but not its problems."""
    version = publication.version
    report = publication.report
    return PublicationSummaryOut(
        id=str(publication.pk),
        dataset=publication.dataset.slug,
        file=publication.original_name,
        status=publication.status,
        stage=publication.stage,
        progress=round(publication.progress, 3),
        created_at=publication.created_at,
        created_at_jalali=jalali_moment(publication.created_at) or "",
        finished_at=publication.finished_at,
        finished_at_jalali=jalali_moment(publication.finished_at),
        read=publication.read,
        valid_rows_only=publication.valid_rows_only,
        version=None
        if version is None
        else PublicationVersionOut(
            number=version.number,
            sha256=version.sha256,
            rows=version.row_count,
            excluded_rows=version.excluded_rows,
        ),
        report=None if report is None else ReportSummaryOut(**{k: report[k] for k in _SUMMARY}),
        url=_status_url(request, publication),
    )


@router.get(
    "/datasets/{slug}/publications",
    response={200: PublicationPage, **errors(400, 401, 403, 404)},
    summary="Publications (jobs) of a dataset, newest first, with their reports' counts",
    description="For those who may publish the dataset (its organisation's editors and "
    "administrators). Each publication's problems are at its own address (`url`).",
    url_name="publications",
)
def publications(request: HttpRequest, slug: str, page: Query[PageParams]) -> PublicationPage:
    _user, dataset = _publisher_of(request, slug)
    every = publications_of(dataset).select_related("dataset")
    count = every.count()
    shown = every[page.offset : page.offset + page.limit]
    return PublicationPage(
        count=count,
        results=[publication_summary(request, p) for p in shown],
        **page_links(request, count, page),
    )


@router.get(
    "/datasets/{slug}/publications/{publication_id}",
    response={200: PublicationOut, **errors(404)},
    summary="One publication (job): status, progress, version made and validation report",
    description="Visible to those who may publish the dataset and to whoever started the "
    "publication. The report lists each problem's row, column, value and rule, with a "
    "sentence in Persian and English.",
    url_name="publication",
)
def publication(request: HttpRequest, slug: str, publication_id: str) -> PublicationOut:
    dataset = dataset_or_404(request, slug)
    try:
        found = publication_for(caller(request), dataset, str(uuid.UUID(publication_id)))
    except (ValueError, Http404):
        raise ApiError(
            404,
            "publication_not_found",
            _("Dataset «%(dataset)s» has no publication «%(publication)s» you may see."),
            dataset=slug,
            publication=publication_id,
        ) from None
    return publication_out(request, found)


def _publish_form(request: HttpRequest) -> PublishForm:
    """The publish form filled from a JSON body, or from form fields and a file."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError, RequestDataTooBig):
            data = None
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_json", _("The request body is not a JSON object."))
        return PublishForm(data=data)
    return PublishForm(request.POST, request.FILES)


def _form_errors(form: PublishForm) -> Promise:
    """The form's errors as one text, rendered in the language active when shown."""

    def text() -> str:
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in errors)}" for name, errors in form.errors.items()
        )

    return cast(Promise, lazy(text, str)())


def _too_large() -> ApiError:
    return ApiError(
        413,
        "upload_too_large",
        _("The file is larger than the %(limit)s MB this instance accepts."),
        limit=settings.MAX_UPLOAD_BYTES // (1024 * 1024),
    )


def _upload_of(form: PublishForm, user: User) -> Upload:
    data = form.cleaned_data
    if data.get("file"):
        uploaded = data["file"]
        try:
            return services.upload_from_file(uploaded, actor=user, original_name=uploaded.name)
        except services.UploadTooLargeError:
            raise _too_large() from None
    try:
        upload = Upload.objects.get(pk=data["upload_id"], created_by=user)
    except Upload.DoesNotExist:
        raise ApiError(404, "upload_not_found", _("No such upload.")) from None
    if not upload.complete:
        raise ApiError(
            409,
            "upload_incomplete",
            _("The upload is not complete; send the rest of the file first."),
        )
    return upload


@router.post(
    "/datasets/{slug}/publications",
    response={202: PublicationOut, **errors(400, 401, 403, 404, 409, 413)},
    summary="Publish a file as the next version of a dataset",
    description="Send the file as multipart `file`, or the `upload_id` of a finished "
    "resumable upload (as a form field or in a JSON body), with the reading options of "
    "the publish page. Answers 202 with the publication and its address in `Location`; "
    "a small file is already published (or rejected, with its report) in the answer, a "
    "large one is `queued`: follow its address. Needs a session (with its CSRF token) or "
    "an API token with the `publish` scope, and an editor or administrator of the "
    "dataset's organisation.",
    openapi_extra=PUBLISH_BODY,
)
def publish(request: HttpRequest, slug: str, response: HttpResponse) -> Status[PublicationOut]:
    require_scope(request, "publish")
    user, dataset = _publisher_of(request, slug)
    form = _publish_form(request)
    if getattr(request, "upload_too_large", False):
        raise _too_large()
    if not form.is_valid():
        problems = _form_errors(form)
        raise ApiError(
            400, "invalid_request", _("The request is not valid: %(problems)s"), problems=problems
        )
    upload = _upload_of(form, user)
    publish_request = form.publish_request(channel="api")
    publication = services.request_publication(dataset, upload, actor=user, request=publish_request)
    out = publication_out(request, publication)
    response["Location"] = out.url
    return Status(202, out)
