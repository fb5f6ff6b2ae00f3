"""One error body for every API error: `{"error": {"code", "message", "details"}}`."""

import logging

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.http import parse_etags
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def suspicious_request_response(exc: SuspiciousOperation) -> Response:
    """Django's refusals of a request it will not read (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a form with more
    than DATA_UPLOAD_MAX_NUMBER_FIELDS fields), logged as Django logs them, with the API's body instead of its
    HTML 400 page."""
    logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            error_body("request_too_large", f"The request body is larger than {limit:,} bytes.", {"limit": limit}),
            status=413,
        )
    too_many = isinstance(exc, TooManyFieldsSent | TooManyFilesSent)
    message = "The request has too many fields or files." if too_many else "The request is not valid."
    return Response(error_body("validation_error", message), status=400)


def exception_handler(exc, context):
    """Every error as `{"error": {"code", "message", "details"}}`: domain errors with their own code and status,
    DRF's and Django's own errors with theirs (`validation_error` for any malformed input)."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, SuspiciousOperation):
        return suspicious_request_response(exc)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("validation_error", "The request is not valid.", {"fields": fields})
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body("validation_error", str(exc.detail))
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        details = {"wait": exc.wait} if isinstance(exc, exceptions.Throttled) else {}
        response.data = error_body(code, str(exc.detail), details)
    return response


def if_match_versions(request) -> list[str] | None:
    """The versions an `If-Match` header accepts, for a service's `expected_versions`; None when there is no
    header or it is `*` (any version)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    versions = parse_etags(header)
    return None if "*" in versions else versions
