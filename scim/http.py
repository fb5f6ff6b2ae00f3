"""What every SCIM endpoint shares (RFC 7644 §3): bearer-token authentication as a Global or User Administrator,
the JSON body and the media type, one transaction per change, paging and attribute parameters, and the one
mapping of errors to SCIM's Error body."""

import datetime
import functools
import json
from typing import Any

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.http import parse_etags
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ParseError
from scim2_models import (
    Context,
    Error,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    NotFoundException,
    ResponseParameters,
    SCIMException,
    ScimPolicy,
    UnauthorizedException,
)

from accounts.models import User
from accounts.permissions import require_user_management
from accounts.services.tokens import api_token_authenticate
from core.audit import Actor
from core.choices import Source
from core.errors import AlreadyExists, DomainError, ValidationFailed
from core.serializers import iso_datetime
from officeseries.api.parsers import check_json_shape

SCIM_MEDIA_TYPE = "application/scim+json"
JSON_MEDIA_TYPES = {SCIM_MEDIA_TYPE, "application/json"}
DEFAULT_COUNT = 100
MAX_COUNT = 1000

# What identity providers send beyond the letter of RFC 7644, accepted: attributes the admin center does not keep
# (ignored), Entra's `remove` with a value that names the members to remove, and a PATCH path filter that matches
# no value yet (`emails[type eq "work"].value` on a user without one creates that value).
TOLERANT = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def scim_response(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(payload), status=status, content_type=SCIM_MEDIA_TYPE)


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    response = scim_response(Error(status=status, scim_type=scim_type, detail=detail).model_dump(), status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def domain_error_response(error: DomainError) -> HttpResponse:
    """core.errors in SCIM's terms: a name in use is `uniqueness`, any other refused value `invalidValue`."""
    if isinstance(error, AlreadyExists):
        return scim_error(409, error.message, "uniqueness")
    if isinstance(error, ValidationFailed):
        return scim_error(400, error.message, "invalidValue")
    return scim_error(error.http_status, error.message)


def validation_error_response(error: pydantic.ValidationError) -> HttpResponse:
    """A payload scim2-models refused: the SCIM type its validators name (`invalidPath`, `noTarget`, ...), else
    `invalidValue`."""
    first = error.errors()[0]
    scim_type = (first.get("ctx") or {}).get("scim_type") or "invalidValue"
    where = ".".join(str(part) for part in first["loc"])
    return scim_error(400, f"{where}: {first['msg']}" if where else first["msg"], scim_type)


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, checked as the REST API checks its bodies (size, nesting)."""
    if request.content_type and request.content_type not in JSON_MEDIA_TYPES:
        raise InvalidSyntaxException(detail=f"Send {SCIM_MEDIA_TYPE}, not {request.content_type}.")
    try:
        check_json_shape(request.body)
        body = json.loads(request.body)
    except (ParseError, ValueError) as error:
        raise InvalidSyntaxException(detail=f"The body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="The body is not a JSON object.")
    return body


@functools.cache
def _parameters_of(model: Any) -> type[ResponseParameters]:
    # Held here: pydantic keeps its parametrized generics only weakly, and building one again costs a millisecond.
    return ResponseParameters[model]


def response_parameters(request: HttpRequest, model: Any) -> ResponseParameters:
    """`attributes` / `excludedAttributes` (comma-separated attribute paths) of a query."""
    return _parameters_of(model).model_validate(
        {
            name: [part.strip() for part in request.GET[name].split(",") if part.strip()]
            for name in ("attributes", "excludedAttributes")
            if request.GET.get(name, "").strip()
        }
    )


def every_attribute(parameters: ResponseParameters) -> bool:
    """Whether the query names no `attributes` nor `excludedAttributes`: a list can then be written out as the
    library would dump it (`list_response`) instead of being dumped through its models."""
    return not (parameters.attributes or parameters.excluded_attributes)


def list_response(total_results: int, start_index: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """What scim2-models' ListResponse of these resources, already dumped, gives (Context.SEARCH_RESPONSE)."""
    return {
        "schemas": [ListResponse.__schema__],
        "totalResults": total_results,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def listed_meta(
    resource_type: str, created: datetime.datetime, last_modified: datetime.datetime, location: str, version: str
) -> dict[str, str]:
    """A resource's `meta` as scim2-models dumps it: timestamps as pydantic writes them (iso_datetime)."""
    return {
        "resourceType": resource_type,
        "created": iso_datetime(created),
        "lastModified": iso_datetime(last_modified),
        "location": location,
        "version": version,
    }


def excluded(parameters: ResponseParameters, attribute: str) -> bool:
    """Whether the response leaves `attribute` out, so it need not be read."""
    names = {str(path).lower() for path in parameters.excluded_attributes or []}
    if parameters.attributes:
        names |= {attribute.lower()} - {str(path).lower() for path in parameters.attributes}
    return attribute.lower() in names


def page_of(request: HttpRequest) -> tuple[int, int]:
    """`startIndex` (1-based, at least 1) and `count` (0 to MAX_COUNT) of a list (RFC 7644 §3.4.2.4)."""
    return max(1, _integer(request, "startIndex", 1)), min(MAX_COUNT, max(0, _integer(request, "count", DEFAULT_COUNT)))


def _integer(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise InvalidValueException(detail=f"{name} must be an integer.") from error


def if_match_version(request: HttpRequest) -> str | None:
    """The version an `If-Match` header names (its quotes and weak prefix taken off), for a service's
    `expected_version`; None without one or for `*`."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    etags = parse_etags(header)
    if not etags or "*" in etags:
        return None
    return etags[0].removeprefix("W/").strip('"')


def etag(version: str) -> str:
    return f'W/"{version}"'


@method_decorator(csrf_exempt, name="dispatch")  # a bearer token authenticates every request, never a cookie
class ScimView(View):
    """The base of every SCIM endpoint: `self.actor` is the token's user, as source `scim`; a change runs in one
    transaction; every error is SCIM's Error body."""

    http_method_names = ["get", "post", "put", "patch", "delete"]
    actor: Actor

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.actor = Actor(token_user(request), Source.SCIM)
            if request.method == "GET":
                return super().dispatch(request, *args, **kwargs)
            with transaction.atomic(), TOLERANT:
                return super().dispatch(request, *args, **kwargs)
        except DomainError as error:
            return domain_error_response(error)
        except SCIMException as error:
            return scim_error(error.status, error.detail, error.scim_type or None)
        except pydantic.ValidationError as error:
            return validation_error_response(error)
        except RequestDataTooBig:
            return scim_error(413, "The request body is too large.")

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = scim_error(405, f"{request.method} is not supported on {request.path}.")
        response.headers["Allow"] = ", ".join(method.upper() for method in self._allowed_methods())
        return response

    def resource_response(self, resource: Any, parameters: Any, status: int = 200) -> HttpResponse:
        """One resource, as the answer to a read or a change (200) or a create (201, with its Location), with its
        version as the ETag."""
        context = Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
        response = scim_response(resource.model_dump(scim_ctx=context, response_parameters=parameters), status)
        if resource.meta.version:
            response.headers["ETag"] = resource.meta.version
        if status == 201:
            response.headers["Location"] = resource.meta.location
        return response

    def location(self, name: str, pk: int) -> str:
        return self.request.build_absolute_uri(f"/scim/v2/{name}/{pk}")

    def users_url(self) -> str:
        return self.request.build_absolute_uri("/scim/v2/Users")


def resource_of(queryset: QuerySet, resource_id: str, kind: str) -> Any:
    """The row a resource id in a URL names, or SCIM's 404 (ids are the rows' primary keys)."""
    numeric = resource_id.isascii() and resource_id.isdigit() and len(resource_id) <= 18
    found = queryset.filter(pk=int(resource_id)).first() if numeric else None
    if found is None:
        raise NotFoundException(detail=f"{kind} {resource_id} not found.")
    return found


def token_user(request: HttpRequest) -> User:
    """The user of the request's bearer token (an API token), who must be a Global or User Administrator."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise UnauthorizedException(detail="Authenticate with 'Authorization: Bearer <API token>'.")
    token = api_token_authenticate(key=key.strip())
    if token is None:
        raise UnauthorizedException(detail="Invalid, expired or revoked API token.")
    require_user_management(token.user)
    return token.user


@csrf_exempt  # it changes nothing: a write to an unknown URL should learn that, not about CSRF
def scim_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other URL under /scim/v2/: SCIM's 404 body."""
    return scim_error(404, f"No SCIM endpoint at {request.path}.")
