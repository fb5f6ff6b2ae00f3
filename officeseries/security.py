"""Security headers that Django 5.2 does not set itself."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

# Everything the admin center loads comes from its own origin: no inline scripts or styles, no CDN.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response that has none, and forbids caching
    (`Cache-Control: no-store`) of every API and SCIM response and every response to a signed-in user: a shared or
    browser cache must not keep an admin's pages or data. Static files (served before the session is read) and
    anonymous pages stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if self.is_private(request) and "no-store" not in response.headers.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def is_private(request) -> bool:
        user = getattr(request, "user", None)  # absent on the static files that whitenoise answers first
        return request.path_info.startswith(("/api/", "/scim/")) or (user is not None and user.is_authenticated)
