"""One error body for every API error: `{"error": {"code", "message", "details"}}`."""

from django.core.exceptions import ObjectDoesNotExist
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


def exception_handler(exc, context):
    """Every error as `{"error": {"code", "message", "details"}}`: domain errors with their own code and status,
    DRF's and Django's own errors with theirs (`validation_error` for any malformed input)."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
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
