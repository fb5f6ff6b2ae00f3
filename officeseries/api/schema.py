"""The OpenAPI schema's shared parts: the bearer-token scheme and the error responses of every operation."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from .authentication import BearerTokenAuthentication


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token: `manage.py create_api_token EMAIL`."}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_enough_licenses`.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    details = serializers.DictField(help_text="Machine-readable context, e.g. `sku`, `requested`, `available`.")


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorDetailSerializer()


ERROR_STATUSES = {
    400: ("Invalid request.", ["validation_error"]),
    401: ("No valid credentials.", ["not_authenticated", "authentication_failed"]),
    403: ("The caller's admin role does not allow this.", ["permission_denied"]),
    404: ("Unknown, or outside the caller's scope.", ["not_found"]),
    409: ("Conflicts with the current state.", []),
    412: ("`If-Match` names a stale ETag.", ["precondition_failed"]),
}


class AutoSchema(openapi.AutoSchema):
    """Adds the error responses of every operation to the schema.

    Each operation documents 401 and 403; 400 when it takes a body or filters; 404 when it names an object.
    A view lists further errors in `error_codes` by action, or by action and method for an action that answers
    several: `{"create": {409: ["not_enough_licenses"]}, "licenses PUT": {412: []}}`.
    """

    def _error_codes(self) -> dict[int, list[str]]:
        codes: dict[int, list[str]] = {}
        if any(isinstance(permission, permissions.AllowAny) for permission in self.view.get_permissions()):
            return codes
        codes[401] = ERROR_STATUSES[401][1]
        codes[403] = ERROR_STATUSES[403][1]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes[400] = ERROR_STATUSES[400][1]
        if "{" in self.path:
            codes[404] = ERROR_STATUSES[404][1]
        action = getattr(self.view, "action", None)
        declared = getattr(self.view, "error_codes", {})
        extra = declared.get(f"{action} {self.method}", declared.get(action, {}))
        for status, names in extra.items():
            codes[status] = sorted({*codes.get(status, ERROR_STATUSES[status][1]), *names})
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, names in sorted(self._error_codes().items()):
            description = f"{ERROR_STATUSES[status][0]} Codes: {', '.join(f'`{name}`' for name in names)}."
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), str(status), direction=direction
                ),
            )
        return responses


def version_headers(versioned: str) -> tuple[OpenApiParameter, OpenApiParameter]:
    """The `ETag` header a read of `versioned` ("the user's licenses") returns, and the `If-Match` a write may send
    back with it."""
    etag = OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, response=[200], description=f"The version of {versioned}."
    )
    if_match = OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        description=f"An ETag from a GET: the change is refused with 412 if {versioned} have changed since.",
    )
    return etag, if_match
