"""API authentication and the admin-role gate. Imported by DRF's settings, so nothing here imports DRF's views."""

from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.permissions import admin_scope
from accounts.services.tokens import api_token_authenticate


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with a token of accounts.ApiToken (see `manage.py create_api_token`)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Malformed API token.") from error
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API token.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Being first in DEFAULT_AUTHENTICATION_CLASSES, this makes a missing credential a 401, not a 403.
        return 'Bearer realm="api"'


class IsAdmin(permissions.BasePermission):
    """The admin center is for admins only; finer rules are asked of accounts.permissions by the services."""

    message = "An admin role is needed to use the admin center."
    code = "permission_denied"

    def has_permission(self, request, view) -> bool:
        return admin_scope(request.user).is_admin
