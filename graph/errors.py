"""Graph's error body, `{"error": {"code", "message", "innerError": {"date", "request-id", "code"}}}`, with Graph's
codes; the admin center's own code is `innerError.code`, so nothing is lost (README, "Microsoft Graph
compatibility")."""

import uuid

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, NotEnoughLicenses
from officeseries.api.exceptions import suspicious_request_response

from .odata import UnsupportedQuery

BAD_REQUEST = "Request_BadRequest"
NOT_FOUND = "Request_ResourceNotFound"
DENIED = "Authorization_RequestDenied"
UNAUTHENTICATED = "InvalidAuthenticationToken"
UNSUPPORTED = "Request_UnsupportedQuery"

# Graph answers every refused license change with a 400, whatever status the admin center gives it.
_GRAPH_OF_STATUS = {401: (401, UNAUTHENTICATED), 403: (403, DENIED), 404: (404, NOT_FOUND)}


def graph_response(status: int, code: str, message: str, inner_code: str, request=None) -> Response:
    inner = {
        "date": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "request-id": str(uuid.uuid4()),
        "code": inner_code,
    }
    client_request_id = request.headers.get("client-request-id") if request is not None else None
    if client_request_id:
        inner["client-request-id"] = client_request_id[:100]
    response = Response({"error": {"code": code, "message": message, "innerError": inner}}, status=status)
    response["request-id"] = inner["request-id"]
    return response


def domain_error_response(error: DomainError, request=None) -> Response:
    status, code = _GRAPH_OF_STATUS.get(error.http_status, (400, BAD_REQUEST))
    if isinstance(error, UnsupportedQuery):
        code = UNSUPPORTED
    message = error.message
    if isinstance(error, NotEnoughLicenses) and "sku_id" in error.details:
        message = f"Subscription with SKU {error.details['sku_id']} does not have any available licenses."
    return graph_response(status, code, message, error.code, request)


def exception_handler(exc, context):
    """DRF's exception handler for the Graph views: every error in Graph's body."""
    request = context.get("request")
    if isinstance(exc, DomainError):
        set_rollback()
        return domain_error_response(exc, request)
    if isinstance(exc, SuspiciousOperation):
        refused = suspicious_request_response(exc)
        return graph_response(refused.status_code, BAD_REQUEST, refused.data["error"]["message"], "validation_error")
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return graph_response(404, NOT_FOUND, "Resource not found.", "not_found", request)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = graph_response(401, UNAUTHENTICATED, str(exc.detail), "not_authenticated", request)
        response["WWW-Authenticate"] = 'Bearer realm="graph"'
        return response
    if isinstance(exc, exceptions.PermissionDenied):
        return graph_response(
            403, DENIED, "Insufficient privileges to complete the operation.", "permission_denied", request
        )
    if isinstance(exc, exceptions.APIException):
        code = "TooManyRequests" if isinstance(exc, exceptions.Throttled) else BAD_REQUEST
        return graph_response(exc.status_code, code, first_message(exc.detail), "validation_error", request)
    return None


def first_message(detail, path: str = "") -> str:
    """The first message of a DRF error detail, with where it is ("addLicenses.0.skuId: Must be a valid UUID.")."""
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        return first_message(value, f"{path}{key}." if key != "non_field_errors" else path)
    if isinstance(detail, list) and detail:
        return first_message(detail[0], path)
    return f"{path.rstrip('.')}: {detail}" if path else str(detail)
