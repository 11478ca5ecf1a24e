"""Resumable uploads over the tus 1.0 protocol (core + creation).

A browser (tus-js-client) or any tus client sends a large file in chunks; after a
dropped connection it asks how much arrived (HEAD) and continues from there (PATCH).
The file is written straight to the staging folder, never held in memory.
"""

from __future__ import annotations

import base64
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from marja.accounts.selectors import as_user, organisations_of
from marja.ingest.models import Upload
from marja.ingest.selectors import PUBLISHING_ROLES
from marja.ingest.services import (
    UploadOffsetError,
    UploadTooLargeError,
    append_to_upload,
    start_upload,
)

TUS_VERSION = "1.0.0"


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, text: Promise | str, **params: object) -> HttpResponse:
    """A JSON error with the message in Persian and English."""
    both = {}
    for language in ("fa", "en"):
        with translation.override(language):
            both[language] = str(text) % params if params else str(text)
    return _tus(
        JsonResponse({"error": both}, status=status, json_dumps_params={"ensure_ascii": False})
    )


def _metadata(header: str) -> dict[str, str]:
    values = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ", 1)
        if len(parts) == 2:
            try:
                values[parts[0]] = base64.b64decode(parts[1]).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
    return values


def _publisher(request: HttpRequest) -> HttpResponse | None:
    user = as_user(request.user)
    if user is None:
        return _error(401, _("Log in to upload."))
    if not organisations_of(user, PUBLISHING_ROLES).exists():
        return _error(403, _("You are not an editor of any organisation."))
    return None


@require_http_methods(["OPTIONS", "POST"])
def uploads(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        response = _tus(HttpResponse(status=204))
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = "creation"
        response["Tus-Max-Size"] = str(settings.MAX_UPLOAD_BYTES)
        return response
    refused = _publisher(request)
    if refused is not None:
        return refused
    try:
        length = int(request.headers.get("Upload-Length", ""))
        if length < 0:
            raise ValueError
    except ValueError:
        return _error(400, _("The Upload-Length header is required."))
    name = _metadata(request.headers.get("Upload-Metadata", "")).get("filename", "upload")
    try:
        upload = start_upload(actor=as_user(request.user), original_name=name, length=length)
    except UploadTooLargeError:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        return _error(
            413,
            _("The file is larger than the %(limit)s MB this instance accepts."),
            limit=limit,
        )
    response = _tus(HttpResponse(status=201))
    response["Location"] = reverse("upload", args=[upload.pk])
    response["Upload-Offset"] = "0"
    return response


@require_http_methods(["HEAD", "PATCH"])
def upload(request: HttpRequest, pk: UUID) -> HttpResponse:
    user = as_user(request.user)
    found = Upload.objects.filter(pk=pk, created_by=user).first() if user else None
    if found is None:
        return _error(404, _("No such upload."))
    if request.method == "HEAD":
        response = _tus(HttpResponse(status=200))
        response["Upload-Offset"] = str(found.received)
        if found.length is not None:
            response["Upload-Length"] = str(found.length)
        return response
    if request.content_type != "application/offset+octet-stream":
        return _error(415, _("Content-Type must be application/offset+octet-stream."))
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        return _error(400, _("The Upload-Offset header is required."))
    try:
        received = append_to_upload(found, offset, request)  # type: ignore[arg-type]
    except UploadOffsetError:
        return _error(409, _("The chunk does not start where the upload stands."))
    except UploadTooLargeError:
        return _error(413, _("More bytes arrived than the upload announced."))
    response = _tus(HttpResponse(status=204))
    response["Upload-Offset"] = str(received)
    return response
