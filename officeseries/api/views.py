from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from officeseries.api.exceptions import error_body
from officeseries.security import DEFAULT_CSP


@csrf_exempt  # it changes nothing, and a write to an unknown URL should learn that, not about CSRF
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other URL under /api/v1/: the API's own 404 body rather than the site's HTML page."""
    return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI, served from drf-spectacular-sidecar. Its page carries one small inline <style>, so this page
    alone allows inline styles; scripts stay 'self' only."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = DEFAULT_CSP.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )
        return response
